"""Shared test constants."""

from govsim.core.summary import headline

# the headline outcomes (declared by the modules) are in summary.json, at the top and in
# every by_group entry
SUMMARY_KEYS = headline()
GROUPS = ("elderly", "working_age", "migrant", "vulnerable")
