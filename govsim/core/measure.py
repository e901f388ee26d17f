"""Conventions of measurement shared by the modules' outcomes."""

from __future__ import annotations

import numpy as np

from govsim.config.declare import Const
from govsim.core.records import ACTIVITY, NeedTable

# needs younger than this at the end are left out of never-reported and unresolved shares:
# they have not had a fair chance to be answered (assumption)
SETTLE_DAYS = 30
DAYS_PER_YEAR = 365.0
CONSTANTS = (
    Const("DAYS_PER_YEAR", "days in a year, to state costs and hours a year", "days", "calendar"),
    Const(
        "SETTLE_DAYS",
        "needs younger than this at the end are left out of never-reported and unresolved shares",
        "days",
        "assumption: a fair chance to be answered",
    ),
)


def share(flags: np.ndarray, sel: np.ndarray) -> float | None:
    """Share of ``sel`` where ``flags`` holds (None for an empty selection)."""
    n = int(sel.sum())
    return float(flags[sel].sum() / n) if n else None


def settled(needs: NeedTable, days_run: int) -> np.ndarray:
    """Needs old enough at the end of ``days_run`` days to count in end-of-run shares."""
    day_end = days_run * 24.0
    horizon = day_end - SETTLE_DAYS * 24.0 if days_run > 2 * SETTLE_DAYS else day_end
    return needs.col("t_arose") < horizon


def service_cases(needs: NeedTable) -> np.ndarray:
    """Needs that are service cases — administrative errands, public services, disputes,
    public-space problems — which an institution answers.  Wishes for an activity are not:
    they are met by taking part in any activity, with no report and no resolver, and have
    their own outcomes (``Sessions``: wishes met, time to be met)."""
    return needs.col("type") != ACTIVITY
