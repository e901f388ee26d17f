"""Charts of outcomes over the days of the runs: participation, and any outcome recorded
every day, per structure with its 95% band across replicates."""

from __future__ import annotations

import math

import numpy as np

from govsim.presentation.charts.style import (
    chart,
    figure,
    interval,
    note,
    outcome_text,
    shown_scale,
    structure_styles,
    t,
)
from govsim.presentation.colours import colour_order
from govsim.results.reading import Results


def _daily_lines(
    ax, res: Results, column: str, scale: float, lang: str
) -> tuple[float, float, bool]:
    """Per structure, the mean over replicates of a daily column (times ``scale``) with its
    95% band, in the structure's colour, line style and marker (markers staggered so that
    lines on top of one another show each); returns the lowest and highest value drawn and
    whether any band was drawn (none of a structure run once)."""
    colours = colour_order(res.order)
    styles = structure_styles(res.order)
    data = res.daily(column)
    low, high, banded = math.inf, -math.inf, False
    for i, k in enumerate(res.order):
        arr = data[k] * scale
        days = np.arange(1, arr.shape[1] + 1)
        m, half = interval(arr)
        step = max(1, len(days) // 8)
        ls, marker = styles[k]
        if np.isfinite(half).any():
            ax.fill_between(days, m - half, m + half, color=colours[k], alpha=0.15, lw=0)
            banded = True
            if np.isfinite(m + half).any():
                high = max(high, float(np.nanmax(m + half)))
        ax.plot(
            days,
            m,
            color=colours[k],
            lw=1.8,
            ls=ls,
            marker=marker,
            ms=5,
            markevery=((step // 2 + i * step // len(res.order)) % step, step),
            label=res.short_name(k, lang),
        )
        if np.isfinite(m).any():
            low = min(low, float(np.nanmin(m)))
            high = max(high, float(np.nanmax(m)))
    return low, high, banded


@chart
def participation_over_time(res: Results, lang: str = "en", column: str = "participation_rate"):
    scale, shown = shown_scale(res.outcomes[column]["unit"])
    fig = figure(figsize=(10, 5.2))
    ax = fig.subplots()
    _, high, banded = _daily_lines(ax, res, column, scale, lang)
    warm = min(30, res.days)
    ax.axvspan(1, warm, color="#EEEEEE", zorder=0)
    # room above the lines for the note, which sits inside the plot, clear of the axis
    if np.isfinite(high) and high > 0:
        ax.set_ylim(0, high * 1.22)
    ax.text(
        0.012,
        0.985,
        t("window_filling", lang),
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=8,
        color="#555555",
        bbox=dict(fc="white", ec="none", alpha=0.8, pad=1.5),
    )
    _finish_over_time(
        fig,
        ax,
        res,
        lang,
        t("took_part_30d", lang)
        if column == "participation_rate"
        else outcome_text(res, column, lang, shown),
        t("participation_over_time", lang) + (t("bands", lang) if banded else ""),
    )
    return fig


def _finish_over_time(fig, ax, res: Results, lang: str, ylabel: str, title: str, floor=True):
    """Axes, title, legend and note of a chart of days against a daily outcome."""
    ax.set_xlabel(t("day", lang))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=12)
    ax.set_xlim(1, max(2, res.days))
    if floor:
        ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    many = len(ax.get_legend_handles_labels()[1]) > 10  # smaller type when many lines
    ax.legend(
        loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8 if many else None
    )
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    note(fig, res, lang)


@chart
def outcome_over_time(res: Results, key: str, lang: str = "en"):
    """Any outcome recorded every day (declared ``daily``, an extra module's too), per
    structure: the mean over replicates with its 95% band.  Its name and unit come from the
    runs' ``catalog.json``, drawn as the unit is shown (``vocabulary.UNITS``: shares in %)."""
    if not res.outcomes[key].get("daily", True):
        raise ValueError(f"{key!r} is not recorded daily (not a column of daily.csv)")
    unit = res.outcomes[key]["unit"]
    scale, shown = shown_scale(unit)
    fig = figure(figsize=(10, 5.2))
    ax = fig.subplots()
    low, _, _ = _daily_lines(ax, res, key, scale, lang)
    _finish_over_time(
        fig,
        ax,
        res,
        lang,
        outcome_text(res, key, lang, shown),
        res.outcome_name(key, lang),
        floor=low >= 0,
    )
    return fig
