"""Distributions: the share of needs answered within a given time (ECDF), per need type."""

from __future__ import annotations

import matplotlib.ticker
import numpy as np
from matplotlib.offsetbox import AnchoredOffsetbox, TextArea, VPacker

from govsim.config.vocabulary import NEED_TYPE_KEYS, NEED_TYPES
from govsim.presentation.charts.style import (
    chart,
    figure,
    horizon_h,
    interval,
    note,
    structure_styles,
    t,
    wrap_text,
)
from govsim.presentation.colours import colour_order
from govsim.presentation.text import label
from govsim.results.reading import Results

# the times people think in (hours), for the ECDF's axis: 1 hour, 1 day, 1 week, 1 month …
TIME_TICKS_H = (1.0, 24.0, 168.0, 720.0, 2160.0, 8760.0)
TIME_TICK_KEYS = ("1h", "1d", "1w", "1mo", "3mo", "1y")
ECDF_FLOOR_H = 0.25  # answers quicker than a quarter of an hour are drawn at it


def _duration(hours: float, lang: str) -> str:
    """A median time as people say it: hours under a day, else days."""
    if hours < 24:
        return t("median_in_hours", lang, n=hours)
    return t("median_in_days", lang, n=hours / 24.0)


def _ecdf_band(f, nt: str, horizon: float, grid: np.ndarray):
    """Per replicate, the share (%) of needs of type ``nt`` answered within each time of
    ``grid`` (hours); mean and 95% half-width across replicates, and the answered times."""
    curves, answered = [], []
    for _, g in f.groupby("replicate"):
        g = g[(g["type"] == nt) & (g["t_arose_h"] < horizon)]
        if not len(g):
            continue
        rt = np.sort(g["response_time_h"].dropna().to_numpy())
        curves.append(np.searchsorted(rt, grid, side="right") / len(g) * 100.0)
        answered.append(rt)
    if not curves:
        return None
    m, half = interval(np.array(curves))
    return m, half, np.concatenate(answered)


@chart
def response_time_ecdf(res: Results, lang: str = "en"):
    colours = colour_order(res.order)
    styles = structure_styles(res.order)
    horizon = horizon_h(res)
    fig = figure(figsize=(14, 7.8))
    axes = fig.subplots(2, 3, sharey=True)
    axes = axes.ravel()
    cols = ["type", "t_arose_h", "response_time_h"]
    frames = {k: res.needs(k, cols) for k in res.order}
    longest = max(
        [
            float(np.nanmax(f["response_time_h"]))
            for f in frames.values()
            if f["response_time_h"].notna().any()
        ]
        or [24.0]
    )
    xmax = max(48.0, longest * 1.15)
    grid = np.geomspace(ECDF_FLOOR_H, xmax, 300)
    ticks = [
        (h, t(f"tick_{key}", lang))
        for h, key in zip(TIME_TICKS_H, TIME_TICK_KEYS, strict=True)
        if h <= xmax
    ]
    banded = False  # a structure run once has no band, and the title does not name one
    for i, nt in enumerate(NEED_TYPE_KEYS):
        ax = axes[i]
        medians = []
        for k in res.order:
            drawn = _ecdf_band(frames[k], nt, horizon, grid)
            if drawn is None:
                continue
            m, half, answered = drawn
            if np.isfinite(half).any():
                ax.fill_between(grid, m - half, m + half, color=colours[k], alpha=0.15, lw=0)
                banded = True
            ls, _ = styles[k]
            ax.plot(grid, m, color=colours[k], lw=1.6, ls=ls)
            if len(answered):
                medians.append((k, float(np.median(answered))))
        ax.set_xscale("log")
        ax.set_xlim(ECDF_FLOOR_H, xmax)
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator([h for h, _ in ticks]))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FixedFormatter([s for _, s in ticks]))
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.tick_params(axis="x", labelsize=8)
        ax.set_title(label(NEED_TYPES, nt, lang), fontsize=10)
        ax.grid(alpha=0.3)
        ax.set_ylim(0, 100)
        if medians:  # the medians as a small table, not as ticks that pile up on the curves
            rows = [
                TextArea(t("median_answered", lang), textprops=dict(fontsize=7, color="#444444"))
            ]
            rows += [
                TextArea(_duration(h, lang), textprops=dict(fontsize=7, color=colours[k]))
                for k, h in medians
            ]
            box = AnchoredOffsetbox(
                loc="upper left",
                child=VPacker(children=rows, align="left", pad=0, sep=1),
                pad=0.3,
                borderpad=0.4,
                frameon=True,
            )
            box.patch.set(fc="white", ec="#DDDDDD", alpha=0.9)
            ax.add_artist(box)
        if i % 3 == 0:
            ax.set_ylabel(t("share_answered", lang))
        if i >= 2:
            ax.set_xlabel(t("response_time_axis", lang), fontsize=9)
    legend_ax = axes[-1]
    legend_ax.axis("off")
    for k in res.order:
        legend_ax.plot(
            [], [], color=colours[k], lw=2, ls=styles[k][0], label=res.short_name(k, lang)
        )
    legend_ax.legend(loc="upper center", frameon=False, fontsize=9 if len(res.order) <= 10 else 7)
    legend_ax.text(
        0.5,
        0.03,
        wrap_text(t("ecdf_caption", lang), 26 if lang == "zh" else 50),
        ha="center",
        va="bottom",
        fontsize=8,
        transform=legend_ax.transAxes,
    )
    fig.suptitle(t("response_ecdf", lang) + (t("bands", lang) if banded else ""), fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    note(fig, res, lang)
    return fig
