"""Shared test constants."""

# the keys issue 2 requires in summary.json, at the top and in every by_group entry
SUMMARY_KEYS = (
    "participation_rate",
    "response_time_median_h",
    "response_time_p90_h",
    "unreported_share",
    "unresolved_share",
    "trust_mean",
    "cost_per_resident_yuan",
)
GROUPS = ("elderly", "working_age", "migrant", "vulnerable")
