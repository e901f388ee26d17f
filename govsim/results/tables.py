"""Tables of runs: one flat row per run, means with 95% intervals across replicates, and
paired differences from a reference structure.

Intervals respect the outcome's range (``vocabulary.UNITS``: its unit's ``range``): for a share
the t-interval of the mean is built on the logit scale, for a non-negative quantity (hours,
yuan, counts per 10,000) on the log scale (delta method), and transformed back, so it never
leaves the range (``149 h [−12, 311]`` cannot happen); a log-scale upper end is capped at the
plain t-interval's, which it exceeds wildly when the standard error nears the mean.  Paired differences have no range and
keep the plain t-interval.

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

from govsim.config.vocabulary import UNBOUNDED, UNITS, value_range

# the stored units the CSV tables also give in the unit every table and chart shows them in
# (``UNITS[unit].shown``, ``.factor``): a time kept in hours is shown in days, so beside
# ``response_time_median_h`` stands ``response_time_median_days`` (the files keep hours)
VIEWS = ("h",)
# the columns that say which run a row of a runs table is (before the outcomes), as the
# manifest and the run directories name them: the run key (``key``: the structure,
# ``--variant``, ``@population``), the structure's key, the variant, the population profile
# (a single run's table has ``key`` alone), then ``replicate`` and ``seed``
IDENT = ("key", "structure", "variant", "population")


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


def view_name(column: str, unit: str) -> str:
    """The name of ``column`` (of ``unit``, one of ``VIEWS``) in the unit tables show it in:
    its unit's suffix (``_h``) replaced by the shown unit's (``_days``)."""
    suffix = f"_{unit}"
    stem = column[: -len(suffix)] if column.endswith(suffix) else column
    return f"{stem}_{UNITS[unit].shown}"


def with_views(table: pd.DataFrame, units: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    """``table`` (a runs table) with, right after each column whose outcome's unit is one of
    ``VIEWS``, the same values in the unit tables show (``view_name``); and ``units``
    (outcome -> unit) with the units of the new columns."""
    units = dict(units)
    parts = {}
    for c in table.columns:
        parts[c] = table[c]
        outcome = c.rsplit(".", 1)[-1]
        unit = units.get(outcome)
        if unit in VIEWS:
            shown = UNITS[unit]
            name = view_name(c, unit)
            parts[name] = table[c].astype(float) * shown.factor
            units[name.rsplit(".", 1)[-1]] = shown.shown
    return pd.DataFrame(parts), units


def codebook(columns: Iterable[str], outcomes: dict[str, dict], units: dict[str, str]):
    """One row per column of a runs table (``columns.csv``): the outcome it holds (for a
    ``<group>.<outcome>`` or ``<need type>.<outcome>`` column, the outcome and its group),
    its unit (``vocabulary.UNITS``: the key, and its English and Chinese label) and the
    outcome's name in English and Chinese — the names and units of the declarations
    (``outcomes``: key -> {"en", "zh", "unit"}, as a run's ``catalog.json`` holds them)."""
    views = {view_name(k, o["unit"]): k for k, o in outcomes.items() if o["unit"] in VIEWS}
    rows = []
    for c in columns:
        group, _, outcome = c.rpartition(".")
        base = views.get(outcome, outcome)
        o = outcomes.get(base)
        unit = units.get(outcome, "") if o is not None else ""
        u = UNITS.get(unit)
        rows.append(
            {
                "column": c,
                "outcome": base if o is not None else "",
                "group": group,
                "unit": unit,
                "unit_en": u.en if u else "",
                "unit_zh": u.zh if u else "",
                "name_en": o["en"] if o else "",
                "name_zh": o["zh"] if o else "",
            }
        )
    return pd.DataFrame(rows)


def column_range(column: str, units: dict[str, str]) -> tuple[float, float]:
    """The range of a column of ``runs.csv`` (``<group>.<outcome>`` and
    ``<need type>.<outcome>`` columns take their outcome's), from the outcomes' units."""
    return value_range(units.get(column.rsplit(".", 1)[-1], ""))


def too_small(d: float, matters: float) -> bool:
    """Whether a difference ``d`` is no larger than the smallest that matters: equal to it
    (up to rounding) is not beyond it (rule 8; one reading for the front page, the goal
    table and the robustness claims)."""
    return abs(d) <= matters * (1 + 1e-9)


def finding(
    m: float, lo: float, hi: float, n: int, matters: float | None, better: str | None
) -> str:
    """How a paired difference (mean ``m``, 95% interval ``lo``–``hi`` over ``n`` pairs)
    reads (rule 8): ``"same"`` — no larger than the smallest difference
    that matters (the outcome's ``matters``), whatever its interval: no practical
    difference; ``"one"`` — a single pair, no interval; ``"noise"`` — the interval spans
    zero; else ``"better"`` or ``"worse"`` (``better``: which way is better), or
    ``"higher"`` / ``"lower"`` for an outcome with no better way."""
    if matters is not None and too_small(m, matters):
        return "same"
    if n < 2:
        return "one"
    if not (lo > 0 or hi < 0):
        return "noise"
    if better is None:
        return "higher" if m > 0 else "lower"
    return "better" if (m > 0) == (better == "higher") else "worse"


def mean_ci(
    values: np.ndarray, bounds: tuple[float, float] = UNBOUNDED
) -> tuple[float, float, float]:
    """Mean and 95% interval of the values that are not None or NaN (NaN bounds with
    fewer than two values, all NaN with none).  Unbounded: the t-interval.  Within
    ``bounds`` (0–1, or ≥ 0): the t-interval of the mean on the logit (or log) scale by the
    delta method, transformed back; a mean on a bound, or no spread, gives a point."""
    v = np.asarray(
        [x for x in values if x is not None and not (isinstance(x, float) and math.isnan(x))],
        dtype=float,
    )
    if not len(v):
        return (math.nan, math.nan, math.nan)
    m = float(v.mean())
    if len(v) < 2:
        return (m, math.nan, math.nan)
    se = float(v.std(ddof=1) / math.sqrt(len(v)))
    t = float(stats.t.ppf(0.975, len(v) - 1))
    lo_b, hi_b = bounds
    if lo_b == 0.0 and hi_b == 1.0:  # a share: logit scale
        if se == 0.0 or m <= 0.0 or m >= 1.0:
            return (m, m, m)
        z, dz = math.log(m / (1.0 - m)), t * se / (m * (1.0 - m))
        return (m, 1.0 / (1.0 + math.exp(-(z - dz))), 1.0 / (1.0 + math.exp(-(z + dz))))
    if lo_b == 0.0 and hi_b == math.inf:  # non-negative: log scale
        if se == 0.0 or m <= 0.0:
            return (m, m, m)
        dz = t * se / m
        # the delta method on the log scale explodes when the standard error nears the
        # mean (two replicates, one of them 0): the upper end is never above the plain
        # t-interval's
        return (m, m * math.exp(-dz), min(m * math.exp(dz), m + t * se))
    return (m, m - t * se, m + t * se)


def summarize_runs(
    runs: pd.DataFrame, order: list[str], units: dict[str, str] | None = None
) -> pd.DataFrame:
    """Per run key (``order``): the columns naming it (``IDENT`` of those ``runs`` has), the
    replicates, then the mean and 95% interval across replicates of each outcome, within the
    outcome's range (``units``: outcome → unit; ``mean_ci``)."""
    units = units or {}
    ident = [c for c in IDENT if c in runs]
    cols = [c for c in runs.columns if c not in (*ident, "replicate", "seed")]
    out = []
    for key in order:
        sub = runs[runs["key"] == key]
        row = {c: (sub[c].iloc[0] if len(sub) else None) for c in ident}
        row.update(key=key, replicates=len(sub))
        for c in cols:
            m, lo, hi = mean_ci(sub[c].to_numpy(), column_range(c, units))
            row[c] = m
            row[f"{c}_ci_low"] = lo
            row[f"{c}_ci_high"] = hi
        out.append(row)
    return pd.DataFrame(out)


# the columns of paired_differences (and so of paired.csv, with the unit after the outcome)
PAIRED_COLUMNS = (
    "key",
    "reference",
    "outcome",
    "difference",
    "ci_low",
    "ci_high",
    "replicates",
)


def paired_differences(
    runs: pd.DataFrame, reference: str | dict[str, str], columns: Iterable[str]
) -> pd.DataFrame:
    """Structure minus reference, replicate by replicate (same seed), with 95% intervals,
    for each outcome of ``columns``.  ``reference``: the reference's key, or each run key's
    reference key (the reference run on the same population)."""
    columns = tuple(columns)
    keys = list(runs["key"].unique())
    reference_of = reference if isinstance(reference, dict) else {k: reference for k in keys}
    out = []
    for key in keys:
        ref_key = reference_of.get(key, key)
        if key == ref_key:
            continue
        ref = runs[runs["key"] == ref_key].set_index("replicate")
        sub = runs[runs["key"] == key].set_index("replicate")
        for c in columns:
            d = (sub[c].astype(float) - ref[c].astype(float)).dropna().to_numpy()
            m, lo, hi = mean_ci(d)
            out.append(
                {
                    "key": key,
                    "reference": ref_key,
                    "outcome": c,
                    "difference": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "replicates": len(d),
                }
            )
    return pd.DataFrame(out, columns=PAIRED_COLUMNS)  # the header alone when nothing pairs


def replicates_needed(values: np.ndarray, half_width: float, max_n: int = 100_000) -> int | None:
    """How many replicates give a 95% t-interval of the mean no wider than ± ``half_width``,
    taking the spread of ``values`` (the replicates so far, at least two) as the truth; None
    with fewer than two values.  For paired differences pass the differences."""
    v = np.asarray([x for x in values if x is not None and x == x], dtype=float)
    if len(v) < 2 or not half_width > 0:
        return None
    sd = float(v.std(ddof=1))
    if sd == 0.0:
        return 2
    n = 2
    while n < max_n:
        if float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n) <= half_width:
            return n
        # the normal approximation jumps close, then step
        n = max(n + 1, min(max_n, int((1.96 * sd / half_width) ** 2 * 0.98)))
    return max_n


def outcome_columns() -> dict[str, tuple[str, str | None, float | None, float]]:
    """The outcome columns a goal or objective may name: column -> (the outcome, its
    declared direction, its smallest difference that matters, the factor from the stored
    value), as runs.csv names them — each outcome, each resident group's
    (``vulnerable.participation_mean``: the worst-off residents' participation) and each
    need type's response and unresolved share — times also in days."""
    from govsim.config.vocabulary import GROUPS, NEED_TYPE_KEYS, UNITS
    from govsim.core.summary import OUTCOMES, by_group

    def add(column: str, k: str) -> None:
        o = OUTCOMES[k]
        out[column] = (k, o.better, o.matters, 1.0)
        if o.unit in VIEWS:
            out[view_name(column, o.unit)] = (k, o.better, o.matters, UNITS[o.unit].factor)

    out: dict[str, tuple] = {}
    for k in OUTCOMES:
        add(k, k)
    for g in GROUPS:
        for k in by_group():
            add(f"{g}.{k}", k)
    for t in NEED_TYPE_KEYS:
        for k in ("response_time_median_h", "unresolved_share"):
            add(f"{t}.{k}", k)
    return out
