"""Charts for analysts: every function takes a ``Results`` (or a ``Scenario``) and a language
and returns a matplotlib ``Figure`` with a title, axis labels with units and a note of
residents, days and replicates.

One colour per structure, the same in every chart (``results.colour_order``, Okabe–Ito).
Chinese is drawn with Noto Sans CJK SC (``govsim.presentation.fonts``: found by its family
name, registered with matplotlib's font manager on the first chart; a clear error if missing).

Importing this module changes nothing in matplotlib: no backend is chosen and no global
``rcParams`` are set.  Every chart is built, and drawn whenever it is drawn, inside
``matplotlib.rc_context(STYLE)``; figures are plain ``Figure`` objects with their own Agg
canvas, outside pyplot's list of figures (in Jupyter a returned figure still displays).
"""

from __future__ import annotations

import functools
import math
import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.colors
import matplotlib.ticker
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.offsetbox import AnchoredOffsetbox, TextArea, VPacker
from scipy import stats

from govsim.labels import (
    ABOVE_COMMUNITY_ACTORS,
    GROUPS,
    LEVELS,
    NEED_TYPE_KEYS,
    NEED_TYPES,
    TEXT,
    UNITS,
    label,
)
from govsim.presentation.colours import colour_order
from govsim.presentation.fonts import FAMILY, cjk_font
from govsim.results.atomic import atomic_write
from govsim.results.reading import Results, Spec
from govsim.results.tables import UNBOUNDED, UNIT_RANGE, mean_ci

if TYPE_CHECKING:
    from govsim.core.load import Scenario

CJK_FONT = FAMILY
EQUITY_GROUPS = ("elderly", "working_age", "migrant", "vulnerable")

# the settings every chart is built and drawn with (the rest is the user's own)
STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": [CJK_FONT, "DejaVu Sans"],
    "axes.unicode_minus": False,
    # text stays text in SVG (editable in slides), in the font family above: the CJK family
    # first, the same family the report names for its embedded font
    "svg.fonttype": "none",
}

# the one meaning of colour and line style in charts of structures: colours from
# ``results.colour_order``; line styles and markers so that lines of close colours (or on
# top of one another) are still told apart, in print too
LINE_STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")


def structure_styles(keys: list[str]) -> dict[str, tuple[str, str]]:
    """(line style, marker) per structure, in the order given."""
    return {
        k: (LINE_STYLES[i % len(LINE_STYLES)], MARKERS[i % len(MARKERS)])
        for i, k in enumerate(keys)
    }


def register_font() -> str:
    """Make the CJK font (``fonts.cjk_font``: Noto Sans CJK SC) known to matplotlib's font
    manager (once; this makes the font available, it does not change any setting).  Returns
    its path; raises ``fonts.FontMissingError`` when it is not installed."""
    return str(cjk_font().path)


class ChartFigure(Figure):
    """A ``Figure`` that draws itself with ``STYLE`` (on screen, in Jupyter, in ``savefig``),
    whatever the global settings are at the time."""

    def draw(self, renderer):
        with matplotlib.rc_context(STYLE):
            return super().draw(renderer)

    def _repr_png_(self) -> bytes:
        """Jupyter shows a returned chart as this PNG, whatever the backend."""
        import io

        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100)
        return buf.getvalue()


def figure(**kw) -> ChartFigure:
    """A new figure in govsim's style, for your own charts (Chinese renders): it has its own
    Agg canvas, is not registered with pyplot, shows itself in Jupyter without
    ``%matplotlib inline``, and changes no global setting.  ``kw`` as for ``Figure``."""
    register_font()
    fig = ChartFigure(**kw)
    FigureCanvasAgg(fig)
    return fig


_figure = figure


def chart(fn):
    """Build the chart inside ``rc_context(STYLE)``, so the global settings are unchanged
    after the call."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        register_font()
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper


def t(key: str, lang: str, **kw) -> str:
    text = label(TEXT, key, lang)
    return text.format(**kw) if kw else text


def _unit(unit: str, lang: str) -> str:
    """A unit's label (a key of UNITS), or the unit itself when UNITS does not have it (an
    extra module's ``needs``, ``staff-h`` …)."""
    return label(UNITS, unit, lang) if unit in UNITS else unit


def _wrap(text: str, width: int) -> str:
    """Lines of at most ``width`` characters: at spaces, or anywhere in Chinese."""
    if " " in text:
        return textwrap.fill(text, width)
    lines, rest = [], text
    while len(rest) > width:  # break after the last full-width stop within the width
        cut = max((rest.rfind(p, 0, width) for p in "，；。："), default=-1) + 1 or width
        lines.append(rest[:cut])
        rest = rest[cut:]
    return "\n".join([*lines, rest])


def _brackets(text: str, inside: str, lang: str) -> str:
    """ "text (inside)", with full-width brackets in Chinese."""
    return f"{text}（{inside}）" if lang == "zh" else f"{text} ({inside})"


def _outcome_text(res: Results, key: str, lang: str, unit: str | None = None) -> str:
    """ "name (unit)" of an outcome; ``unit`` overrides its own."""
    return _brackets(
        res.outcome_name(key, lang), _unit(unit or res.outcomes[key]["unit"], lang), lang
    )


def _horizon_h(res: Results) -> float:
    """Needs that arose before this hour count in end-of-run shares: those younger than the
    runs' settling days at the end are left out, unless the run is too short."""
    settle = res.settle_days
    return (res.days - settle) * 24.0 if res.days > 2 * settle else res.days * 24.0


def _note(fig, res: Results, lang: str) -> None:
    seeds = res.seeds
    shown = ", ".join(map(str, seeds[:6])) + ("…" if len(seeds) > 6 else "")
    fig.text(
        0.01,
        0.005,
        t(
            "note",
            lang,
            residents=res.residents,
            days=res.days,
            replicates=res.replicates,
            seeds=shown,
        ),
        fontsize=8,
        color="#444444",
        ha="left",
        va="bottom",
    )


def _mean_half(values) -> tuple[float, float | None]:
    """Mean and 95% t half-width of replicate values (``None`` with one replicate)."""
    m, lo, hi = mean_ci(np.asarray(values, dtype=float))
    return m, (hi - m if np.isfinite(hi) else None)


def _mean_err(values, unit: str) -> tuple[float, list[list[float]] | None]:
    """Mean and its 95% interval as matplotlib's asymmetric error (``[[below], [above]]``),
    within the outcome's range (``tables.mean_ci``: never below 0 for a share or a time);
    ``None`` with one replicate."""
    m, lo, hi = mean_ci(np.asarray(values, dtype=float), UNIT_RANGE.get(unit, UNBOUNDED))
    return m, ([[m - lo], [hi - m]] if np.isfinite(lo) and np.isfinite(hi) else None)


def _interval(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95% t half-width along ``axis`` of a [replicates, time] array (half-width
    NaN with one replicate)."""
    x = np.asarray(x, dtype=float)
    n = x.shape[axis]
    m = np.nanmean(x, axis=axis)
    if n < 2:
        return m, np.full_like(m, np.nan)
    half = stats.t.ppf(0.975, n - 1) * np.nanstd(x, axis=axis, ddof=1) / math.sqrt(n)
    return m, half


# ------------------------------------------------------------------ 1. participation over time
def _daily_lines(ax, res: Results, column: str, scale: float, lang: str) -> tuple[float, float]:
    """Per structure, the mean over replicates of a daily column (times ``scale``) with its
    95% band, in the structure's colour, line style and marker (markers staggered so that
    lines on top of one another show each); returns the lowest and highest value drawn."""
    colours = colour_order(res.order)
    styles = structure_styles(res.order)
    data = res.daily(column)
    low, high = math.inf, -math.inf
    for i, k in enumerate(res.order):
        arr = data[k] * scale
        days = np.arange(1, arr.shape[1] + 1)
        m, half = _interval(arr)
        step = max(1, len(days) // 8)
        ls, marker = styles[k]
        if np.isfinite(half).any():
            ax.fill_between(days, m - half, m + half, color=colours[k], alpha=0.15, lw=0)
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
    return low, high


@chart
def participation_over_time(res: Results, lang: str = "en", column: str = "participation_rate"):
    fig = _figure(figsize=(10, 5.2))
    ax = fig.subplots()
    _, high = _daily_lines(ax, res, column, 100.0, lang)
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
        _outcome_text(res, column, lang, "%"),
        t("participation_over_time", lang),
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
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    _note(fig, res, lang)


@chart
def outcome_over_time(res: Results, key: str, lang: str = "en"):
    """Any outcome recorded every day (declared ``daily``, an extra module's too), per
    structure: the mean over replicates with its 95% band.  Its name and unit come from the
    runs' ``catalog.json``; shares are drawn in %."""
    if not res.outcomes[key].get("daily", True):
        raise ValueError(f"{key!r} is not recorded daily (not a column of daily.csv)")
    unit = res.outcomes[key]["unit"]
    scale, shown = (100.0, "%") if unit == "share" else (1.0, unit)
    fig = _figure(figsize=(10, 5.2))
    ax = fig.subplots()
    low, _ = _daily_lines(ax, res, key, scale, lang)
    _finish_over_time(
        fig,
        ax,
        res,
        lang,
        _outcome_text(res, key, lang, shown),
        res.outcome_name(key, lang),
        floor=low >= 0,
    )
    return fig


# ------------------------------------------------------------------ 2. response-time distributions
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
    m, half = _interval(np.array(curves))
    return m, half, np.concatenate(answered)


@chart
def response_time_ecdf(res: Results, lang: str = "en"):
    colours = colour_order(res.order)
    styles = structure_styles(res.order)
    horizon = _horizon_h(res)
    fig = _figure(figsize=(14, 7.8))
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
    legend_ax.legend(loc="upper center", frameon=False, fontsize=9)
    legend_ax.text(
        0.5,
        0.03,
        _wrap(t("ecdf_caption", lang), 26 if lang == "zh" else 50),
        ha="center",
        va="bottom",
        fontsize=8,
        transform=legend_ax.transAxes,
    )
    fig.suptitle(t("response_ecdf", lang), fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    _note(fig, res, lang)
    return fig


# ------------------------------------------------------------------ 3. paired differences (forest)
def _unit_scale(res: Results, key: str) -> tuple[float, str]:
    unit = res.outcomes[key]["unit"]
    if unit == "share":
        return 100.0, "pp"
    if unit == "h":
        return 1 / 24.0, "days"
    return 1.0, unit


def _paired_label(res: Results, key: str, ref: str, lang: str) -> str:
    """A structure's name, and the reference run it is paired with when that is the
    reference on another population."""
    name = res.short_name(key, lang)
    other = res.reference_of(key)
    if other == ref:
        return name
    vs = res.short_name(other, lang)
    return f"{name}\n（对照：{vs}）" if lang == "zh" else f"{name}\n(vs {vs})"


def _better_marker(ax, better: str | None, lang: str) -> None:
    """ "better →" at the right end of the panel's top (or "← better" at its left) when the
    outcome declares which way is better (catalog ``better``: "higher" or "lower");
    nothing when it does not."""
    if better not in ("higher", "lower"):
        return
    right = better == "higher"
    ax.text(
        0.99 if right else 0.01,
        0.995,
        t("better_right" if right else "better_left", lang),
        transform=ax.transAxes,
        ha="right" if right else "left",
        va="top",
        fontsize=8,
        color="#333333",
        fontweight="bold",
        gid="better",
        bbox=dict(fc="white", ec="none", alpha=0.85, pad=1.0),
    )


@chart
def paired_differences(res: Results, lang: str = "en", outcomes: tuple[str, ...] | None = None):
    """Forest plot of each structure minus the reference on the same seeds, for ``outcomes``
    (default: the headline outcomes)."""
    outcomes = res.headline if outcomes is None else tuple(outcomes)
    colours = colour_order(res.order)
    table = res.table()
    ref = res.reference
    # every run but the reference runs, each against the reference on its own population
    others = [k for k in res.order if res.reference_of(k) not in (k, None)]
    n = len(outcomes)
    ncol = 4
    nrow = math.ceil(n / ncol)
    fig = _figure(figsize=(14, 2.2 + 1.0 * max(1, len(others)) * nrow))
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for i, key in enumerate(outcomes):
        ax = axes.ravel()[i]
        scale, unit = _unit_scale(res, key)
        for j, k in enumerate(others):
            base = table[table["scenario"] == res.reference_of(k)].set_index("replicate")
            sub = table[table["scenario"] == k].set_index("replicate")
            d = (sub[key].astype(float) - base[key].astype(float)).dropna().to_numpy() * scale
            if not len(d):
                continue
            m, half = _mean_half(d)
            y = len(others) - 1 - j
            ax.errorbar(m, y, xerr=half, fmt="o", color=colours[k], capsize=3, lw=1.6)
        ax.axvline(0, color="#555555", lw=1)
        ax.set_yticks(range(len(others)))
        ax.set_yticklabels(
            [_paired_label(res, k, ref, lang) for k in reversed(others)] if i % ncol == 0 else []
        )
        ax.set_ylim(-0.6, len(others) - 0.1)  # room at the top for the direction
        ax.set_title(res.outcome_name(key, lang), fontsize=10)
        ax.set_xlabel(_brackets(t("difference", lang), label(UNITS, unit, lang), lang), fontsize=9)
        ax.grid(alpha=0.3, axis="x")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4))  # room between
        _better_marker(ax, res.outcomes[key].get("better"), lang)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    title = t("paired", lang, ref=res.short_name(ref, lang))
    if res.replicates < 2:
        title += f" — {t('single_replicate', lang)}"
    fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    _note(fig, res, lang)
    return fig


# ------------------------------------------------------------------ 4. equity
@chart
def equity(res: Results, lang: str = "en"):
    table = res.table()
    panels = [
        ("participation_rate", 100.0, "%", "viridis"),
        ("response_time_median_h", 1 / 24.0, "days", "viridis_r"),
        ("unreported_share", 100.0, "%", "viridis_r"),
    ]
    fig = _figure(figsize=(15, 1.8 + 0.62 * len(res.order)))
    axes = fig.subplots(1, 3)
    for ax, (key, scale, unit, cmap) in zip(axes, panels, strict=True):
        stored = res.outcomes[key]["unit"] if key in res.outcomes else unit
        cells = [
            [
                mean_ci(
                    table.loc[table["scenario"] == k, f"{g}.{key}"].astype(float).to_numpy(),
                    UNIT_RANGE.get(stored, UNBOUNDED),
                )
                for g in EQUITY_GROUPS
            ]
            for k in res.order
        ]
        mat = np.array([[c[0] * scale for c in row] for row in cells])
        im = ax.imshow(mat, cmap=cmap, aspect="auto")
        for (i, j), v in np.ndenumerate(mat):
            if np.isfinite(v):
                rgba = im.cmap(im.norm(v))
                light = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] > 0.5
                _, lo, hi = cells[i][j]
                text = f"{v:.1f}"
                if np.isfinite(lo) and np.isfinite(hi):  # the 95% interval across replicates
                    text += f"\n[{lo * scale:.1f}, {hi * scale:.1f}]"
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8,
                    linespacing=1.1,
                    color="black" if light else "white",
                )
        ax.set_xticks(range(len(EQUITY_GROUPS)))
        # a group's name on two lines where it has a slash, so that neighbours never touch
        ax.set_xticklabels(
            [label(GROUPS, g, lang).replace("/", "/\n", 1) for g in EQUITY_GROUPS], fontsize=9
        )
        ax.set_yticks(range(len(res.order)))
        ax.set_yticklabels([res.short_name(k, lang) for k in res.order] if ax is axes[0] else [])
        ax.set_title(_outcome_text(res, key, lang, unit), fontsize=10)
        ax.set_xlabel(t("group_axis", lang), fontsize=9, labelpad=6)
        if ax is axes[0]:
            ax.set_ylabel(t("structure_axis", lang), fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
    title = t("equity", lang)
    if res.replicates >= 2:
        title += t("equity_intervals", lang)
    fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, 0.05, 1, 0.94))
    _note(fig, res, lang)
    return fig


# ------------------------------------------------------------------ 5. cost against outcomes
@chart
def cost_vs_outcomes(res: Results, lang: str = "en"):
    key_cost = "cost_per_resident_yuan"
    colours = colour_order(res.order)
    table = res.table()
    fig = _figure(figsize=(13, 5.4))
    axes = fig.subplots(1, 2)
    labelled = []
    for ax, (key, scale, unit) in zip(
        axes,
        [("participation_rate", 100.0, "%"), ("response_time_median_h", 1 / 24.0, "days")],
        strict=True,
    ):
        points = []
        for k in res.order:
            sub = table[table["scenario"] == k]
            cx, cerr = _mean_err(sub["cost_per_resident_yuan"], res.outcomes[key_cost]["unit"])
            oy, oerr = _mean_err(sub[key], res.outcomes[key]["unit"])
            oy = oy * scale
            oerr = None if oerr is None else [[e[0] * scale] for e in oerr]
            ax.errorbar(cx, oy, xerr=cerr, yerr=oerr, fmt="o", ms=8, color=colours[k], capsize=3)
            points.append((k, cx, oy))
        ax.margins(x=0.22, y=0.15)
        ax.set_ylabel(_outcome_text(res, key, lang, unit))
        ax.set_xlabel(t("cost_axis", lang))
        ax.grid(alpha=0.3)
        labelled.append((ax, points))
    fig.suptitle(t("cost_vs", lang), fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    for ax, points in labelled:  # once the axes have their final size
        _label_points(ax, [(res.short_name(k, lang), x, y, colours[k]) for k, x, y in points])
    _note(fig, res, lang)
    return fig


def _overlap(a, b) -> float:
    """Area shared by two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def _label_points(ax, items) -> None:
    """Name each point beside it, on the side where the label (as drawn) stays inside the
    axes and covers neither another label nor a point; call after the layout is final."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    inside = (frame.x0 + 2, frame.y0 + 2, frame.x1 - 2, frame.y1 - 2)
    r = 6 * fig.dpi / 72
    dots = []
    for _, x, y, _ in items:
        px, py = ax.transData.transform((x, y))
        dots.append((px - r, py - r, px + r, py + r))
    offsets = [(dx, dy) for dy in (4, -4, 12, -12, 20, -20) for dx in (7, -7)] + [
        (0, 10),
        (0, -10),
        (0, 18),
        (0, -18),
    ]
    placed = []
    for text, x, y, colour in sorted(items, key=lambda it: -it[2]):
        best = None
        for dx, dy in offsets:
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            va = "bottom" if dy > 0 else "top"
            ann = ax.annotate(
                text,
                (x, y),
                textcoords="offset points",
                xytext=(dx, dy),
                fontsize=9,
                color=colour,
                ha=ha,
                va=va,
                annotation_clip=False,
            )
            bb = ann.get_window_extent(renderer)
            box = (bb.x0 - 1, bb.y0 - 1, bb.x1 + 1, bb.y1 + 1)
            area = (box[2] - box[0]) * (box[3] - box[1])
            score = (area - _overlap(box, inside)) * 100.0
            score += sum(_overlap(box, p) for p in placed) * 10.0
            score += sum(_overlap(box, d) for d in dots)
            if best is None or score < best[0]:
                if best is not None:
                    best[1].remove()
                best = (score, ann, box)
            else:
                ann.remove()
            if score == 0:
                break
        ann = best[1]
        ann.set_in_layout(False)
        placed.append(best[2])


# ------------------------------------------------------------------ 6. organisation chart
@chart
def org_chart(sc: Scenario | Spec, lang: str = "en"):
    """The structure as its scenario file states it: each institution by its own name in
    the row of its level (district at the top), who relays to whom, what share of each need
    type each can settle, and where residents go first (``govsim.presentation.orgchart``).
    ``sc``: a loaded scenario, or a run's (``Results.scenarios``)."""
    from govsim.presentation.orgchart import draw

    return draw(sc, lang)


# ------------------------------------------------------------------ 7. need flows
FLOW_CATS = (
    "resolved_walk_in",
    "resolved_remote",
    "resolved_discovered",
    "resolved_unreported",
    "pending",
    "abandoned",
    "never_reported",
)
# colours of need flows and levels: their own palettes, never a structure's colour (colour
# means a structure in every chart): answered needs in one sequential ramp (purples), the
# rest in light greys told apart by hatching; levels in a ramp of blue-greens from far
# (dark) to near (light), taking part hatched
FLOW_COLOURS = ("#3F007D", "#6A51A3", "#9E9AC8", "#DADAEB", "#FFFFFF", "#C8C8C8", "#E3E3E3")
FLOW_HATCHES = (None, None, None, None, "////", "xxx", None)


def flow_shares(res: Results) -> dict[str, dict[str, float]]:
    horizon = _horizon_h(res)
    out = {}
    for k in res.order:
        f = res.needs(k, ["status", "channel", "reports", "t_arose_h"])
        f = f[f["t_arose_h"] < horizon]
        st, ch, rep = f["status"], f["channel"], f["reports"]
        resolved = st == "resolved"
        cats = {
            "resolved_walk_in": resolved & (ch == "walk_in"),
            "resolved_remote": resolved & (ch == "remote"),
            "resolved_discovered": resolved & (ch == "discovered"),
            "resolved_unreported": resolved & (ch == ""),
            "pending": (st == "in_system") | ((st == "unreported") & (rep > 0)),
            "abandoned": st == "abandoned",
            "never_reported": (st == "never_reported") | ((st == "unreported") & (rep == 0)),
        }
        n = max(1, len(f))
        out[k] = {c: float(v.sum()) / n * 100.0 for c, v in cats.items()}
    return out


LEVEL_TIERS = ("district", "above_community", "community", "jurisdiction", "grid", "taking_part")
TIER_COLOURS = ("#08306B", "#2B5C8A", "#4F8FA8", "#86BCB6", "#C7E9C0", "#FFFFFF")
TIER_HATCHES = (None, None, None, None, None, "...")


def tier_of(inst) -> str:
    """How far from residents an institution sits: its level, with the government above the
    community (street office, town, district department) counted above the community — the
    same rule as the outcome ``settled_in_community_share``."""
    if inst.actor in ABOVE_COMMUNITY_ACTORS and inst.level != "district":
        return "above_community"
    return inst.level


def resolver_shares(res: Results) -> dict[str, dict[str, float]]:
    """Per structure, the share of answered needs settled at each level (closest last)."""
    out = {}
    for k in res.order:
        sc = res.scenarios[k]
        f = res.needs(k, ["status", "resolver"])
        f = f[f["status"] == "resolved"]
        keys = f["resolver"].str.split("#").str[0]
        tiers = {key: tier_of(inst) for key, inst in sc.institutions.items()}
        tier = keys.map(lambda x, tiers=tiers: tiers.get(x, "taking_part"))
        out[k] = (tier.value_counts(normalize=True) * 100.0).to_dict()
    return out


@chart
def need_flows(res: Results, lang: str = "en"):
    flows = flow_shares(res)
    by_tier = resolver_shares(res)
    names = [res.short_name(k, lang) for k in res.order]
    fig = _figure(figsize=(15, 2.3 + 0.55 * len(res.order)))
    ax1, ax2 = fig.subplots(1, 2)
    y = np.arange(len(res.order))[::-1]

    def stacked(ax, cats, colours, hatches, values, names_of):
        left = np.zeros(len(res.order))
        for cat, colour, hatch in zip(cats, colours, hatches, strict=True):
            vals = np.array([values[k].get(cat, 0.0) for k in res.order])
            ax.barh(
                y,
                vals,
                left=left,
                color=colour,
                hatch=hatch,
                edgecolor="#777777" if hatch else "white",
                lw=0.5,
                label=names_of(cat),
            )
            r, g, b = matplotlib.colors.to_rgb(colour)
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            for yi, l0, v in zip(y, left, vals, strict=True):
                if v >= 6:
                    ax.text(
                        l0 + v / 2,
                        yi,
                        f"{v:.0f}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        # dark grey, not black: black is a structure's colour
                        color="white" if dark else "#333333",
                        bbox=None if dark or not hatch else dict(fc="white", ec="none", pad=0.5),
                    )
            left += vals
        ax.set_yticks(y)
        ax.set_xlim(0, 100)
        ax.set_xlabel(t("share_of_needs", lang))
        # the legend below the axis label, however tall the figure: anchored at the axes'
        # bottom and pushed down by the height of the tick labels and the axis label
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            borderaxespad=4.2,
            ncol=2 if ax is ax1 else 3,
            fontsize=8,
            frameon=False,
        )

    stacked(ax1, FLOW_CATS, FLOW_COLOURS, FLOW_HATCHES, flows, lambda c: t(c, lang))
    ax1.set_yticklabels(names)
    ax1.set_title(t("flows_path", lang), fontsize=10)
    stacked(
        ax2,
        LEVEL_TIERS,
        TIER_COLOURS,
        TIER_HATCHES,
        by_tier,
        lambda c: label(LEVELS, c, lang),
    )
    ax2.set_yticklabels([])
    ax2.set_title(t("flows_resolver", lang), fontsize=10)
    fig.suptitle(t("flows", lang), fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    _note(fig, res, lang)
    return fig


# ------------------------------------------------------------------ all charts
CHARTS = (
    "participation_over_time",
    "response_time_ecdf",
    "paired_differences",
    "equity",
    "cost_vs_outcomes",
    "need_flows",
)


# the run outputs a chart reads besides the outcomes (a batch may not keep them)
NEEDS_OUTPUT = {
    "participation_over_time": "daily",
    "response_time_ecdf": "needs",
    "need_flows": "needs",
}


def all_figures(res: Results, lang: str = "en"):
    """(name, figure) for every chart the runs have the outputs for, org charts last."""
    for name in CHARTS:
        if name in NEEDS_OUTPUT and not res.has(NEEDS_OUTPUT[name]):
            continue
        yield name, globals()[name](res, lang)
    for k in res.structures:
        yield f"org_chart_{k}", org_chart(res.scenarios[k], lang)


# a structure's key as it may appear in a file name: a run's key (``<structure>`` or
# ``<structure>@<population>``) — letters of any script, digits, _ - . @, no ``..``
FIGURE_KEY = re.compile(r"\w[\w.@-]*")


def check_figure_keys(res: Results) -> None:
    """Every key a figure's file name is built from is a plain name, so that a crafted
    ``summary.json`` cannot make ``save_figures`` write outside its directory; else one
    ``ScenarioError`` naming that ``summary.json``."""
    from govsim.config.reading import ScenarioError

    for k in res.structures:
        if not FIGURE_KEY.fullmatch(k) or ".." in k:
            run = res.first(k)
            key = "settings.key" if run.summary.get("settings", {}).get("key") else "scenario"
            raise ScenarioError(
                Path(run.path) / "summary.json",
                key,
                f"{k!r} is not a structure's name: letters, digits, '_', '-', '.' and '@' only, "
                "no '..'",
            )


def save_figures(
    res: Results, out_dir: Path, lang: str = "en", dpi: int = 110
) -> list[tuple[str, Path, Path]]:
    """Save every chart as PNG (at ``dpi``) and SVG in ``out_dir``; returns (name, png, svg)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    check_figure_keys(res)  # before any figure is drawn
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    for name, fig in all_figures(res, lang):
        png, svg = out_dir / f"{name}_{lang}.png", out_dir / f"{name}_{lang}.svg"
        if png.parent != out_dir or svg.parent != out_dir:  # defence in depth
            raise ValueError(f"figure {name!r}: its file would be outside {out_dir}")
        atomic_write(png, lambda tmp, fig=fig: fig.savefig(tmp, dpi=dpi, format="png"))
        atomic_write(svg, lambda tmp, fig=fig: fig.savefig(tmp, format="svg"))
        saved.append((name, png, svg))
    return saved


# ------------------------------------------------------------------ sensitivity
@chart
def sensitivity_chart(indices, names: dict, lang: str = "en"):
    """What each structure's paired difference from the reference hinges on: one panel per
    outcome, how far each parameter moves the difference (Morris μ*, or Sobol ST × sd) as a
    share of the difference with the files' values — a bar past 1 could undo it — one bar
    per structure (its colour).  ``names``: ``outcomes``,
    ``structures`` (key -> {"zh", "en"}) and ``reference`` (its key)."""
    d = indices[indices["target"] == "difference"].copy()
    # one series per structure and population (a structure run on two profiles twice)
    several = d.groupby("structure")["population"].nunique().max() > 1
    d["series"] = d["structure"] + ("@" + d["population"] if several else "")
    outcomes = list(dict.fromkeys(d["outcome"]))
    series = list(dict.fromkeys(d["series"]))
    of = dict(zip(d["series"], d["structure"], strict=False))
    params = list(dict.fromkeys(d["parameter"]))
    colours = colour_order([names["reference"], *dict.fromkeys(of.values())])
    hatches = {}
    for x in series:  # a structure's second population hatched
        hatches[x] = "//" if sum(of[y] == of[x] for y in list(hatches)) else None
    ncol = min(3, max(1, len(outcomes)))
    nrow = max(1, math.ceil(len(outcomes) / ncol))
    fig = _figure(figsize=(5.2 * ncol, 1.2 + 0.42 * len(params) * nrow + 0.6))
    axes = fig.subplots(nrow, ncol, squeeze=False)
    height = 0.8 / max(1, len(series))
    for i, o in enumerate(outcomes):
        ax = axes.ravel()[i]
        for j, x in enumerate(series):
            sub = d[(d["outcome"] == o) & (d["series"] == x)].set_index("parameter")
            vals = sub["of_value"].reindex(params).fillna(0).to_numpy()
            ys = np.arange(len(params))[::-1] + (j - (len(series) - 1) / 2) * height
            name = names["structures"][of[x]][lang] + (x[len(of[x]) :] if several else "")
            ax.barh(ys, vals, height=height, color=colours[of[x]], hatch=hatches[x], label=name)
        ax.set_yticks(np.arange(len(params))[::-1])
        pnames = names.get("parameters", {})
        shown_params = [pnames.get(p, {}).get(lang) or p for p in params]
        ax.set_yticklabels(shown_params if i % ncol == 0 else [], fontsize=8)
        ax.set_xlim(0, max(1.05, float(np.nanmax(d["of_value"].to_numpy())) * 1.05))
        ax.axvline(1.0, color="#555555", lw=1, ls="--")
        ax.set_title(names["outcomes"][o][lang], fontsize=10)
        ax.set_xlabel(t("relative_importance", lang), fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    for ax in axes.ravel()[len(outcomes) :]:
        ax.axis("off")
    method = "Morris μ*" if d["method"].iloc[0] == "morris" else "Sobol ST"
    handles, labels_ = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, labels_, loc="lower center", ncol=min(len(series), 6), fontsize=9)
    fig.suptitle(
        t(
            "sensitivity_title",
            lang,
            ref=names["structures"][names["reference"]][lang],
            method=method,
        ),
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    return fig


def save_sensitivity_chart(indices, names: dict, out_dir: Path, lang: str = "en", dpi: int = 110):
    """``sensitivity_<lang>.png`` and ``.svg`` in ``out_dir``."""
    fig = sensitivity_chart(indices, names, lang)
    png = Path(out_dir) / f"sensitivity_{lang}.png"
    atomic_write(png, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
    atomic_write(png.with_suffix(".svg"), lambda tmp: fig.savefig(tmp, format="svg"))
    return png
