"""Tables of runs: one flat row per run, means with 95% t-intervals across replicates, and
paired differences from a reference structure.

Shared by the experiments (``runs.csv``, ``summary.csv``, ``paired.csv``) and the
presentation (charts and reports read back from disk); imports nothing of the simulator —
the outcome columns are passed in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats


def flat_row(summary: dict, columns: Iterable[str], group_columns: Iterable[str]) -> dict:
    """One run's ``summary.json`` as a flat row: every outcome of ``columns``, then
    ``<group>.<outcome>`` for the outcomes of ``group_columns``, then
    ``<need type>.response_time_median_h`` and ``<need type>.unresolved_share``."""
    row = {k: summary.get(k) for k in columns}
    group_columns = tuple(group_columns)
    for g, vals in summary["by_group"].items():
        for k in group_columns:
            row[f"{g}.{k}"] = vals.get(k)
    for t, vals in summary["by_need_type"].items():
        row[f"{t}.response_time_median_h"] = vals.get("response_time_median_h")
        row[f"{t}.unresolved_share"] = vals.get("unresolved_share")
    return row


def mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval of the values that are not None or NaN (NaN bounds with
    fewer than two values, all NaN with none)."""
    v = np.asarray(
        [x for x in values if x is not None and not (isinstance(x, float) and math.isnan(x))],
        dtype=float,
    )
    if not len(v):
        return (math.nan, math.nan, math.nan)
    m = float(v.mean())
    if len(v) < 2:
        return (m, math.nan, math.nan)
    half = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return (m, m - half, m + half)


def summarize_runs(runs: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Per structure: mean and 95% t-interval across replicates of each outcome."""
    cols = [c for c in runs.columns if c not in ("scenario", "replicate", "seed")]
    out = []
    for key in order:
        sub = runs[runs["scenario"] == key]
        row = {"scenario": key, "replicates": len(sub)}
        for c in cols:
            m, lo, hi = mean_ci(sub[c].to_numpy())
            row[c] = m
            row[f"{c}_ci_low"] = lo
            row[f"{c}_ci_high"] = hi
        out.append(row)
    return pd.DataFrame(out)


def paired_differences(
    runs: pd.DataFrame, reference: str | dict[str, str], columns: Iterable[str]
) -> pd.DataFrame:
    """Structure minus reference, replicate by replicate (same seed), with 95% intervals,
    for each outcome of ``columns``.  ``reference``: the reference's key, or each run key's
    reference key (the reference run on the same population)."""
    columns = tuple(columns)
    keys = list(runs["scenario"].unique())
    reference_of = reference if isinstance(reference, dict) else {k: reference for k in keys}
    out = []
    for key in keys:
        ref_key = reference_of.get(key, key)
        if key == ref_key:
            continue
        ref = runs[runs["scenario"] == ref_key].set_index("replicate")
        sub = runs[runs["scenario"] == key].set_index("replicate")
        for c in columns:
            d = (sub[c].astype(float) - ref[c].astype(float)).dropna().to_numpy()
            m, lo, hi = mean_ci(d)
            out.append(
                {
                    "scenario": key,
                    "reference": ref_key,
                    "outcome": c,
                    "difference": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "replicates": len(d),
                }
            )
    return pd.DataFrame(out)
