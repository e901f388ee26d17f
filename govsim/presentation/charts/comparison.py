"""Comparisons with the reference: each structure's paired difference on the same seeds,
with its 95% interval (a forest plot), and the direction of better."""

from __future__ import annotations

import math

import matplotlib.ticker

from govsim.presentation.charts.style import (
    brackets,
    chart,
    difference_scale,
    figure,
    mean_half,
    note,
    t,
    wrap_text,
)
from govsim.presentation.colours import colour_order
from govsim.presentation.text import unit_label
from govsim.results.reading import Results


def _paired_label(res: Results, key: str, ref: str | None, lang: str) -> str:
    """A structure's name, and the run it is paired with when that is not ``ref`` (the
    reference on another population, or its before-structure; ``ref`` None: always)."""
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
    # one reference for all, or each structure against what existed before it in its place
    ref = res.reference if res.one_reference else None
    # every run but the reference runs, each against its pair on its own population
    others = [k for k in res.order if res.reference_of(k) not in (k, None)]
    n = len(outcomes)
    ncol = 4
    nrow = math.ceil(n / ncol)
    fig = figure(figsize=(14, 1.9 + 0.5 * max(1, len(others)) * nrow))  # a line per pair
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for i, key in enumerate(outcomes):
        ax = axes.ravel()[i]
        scale, unit = difference_scale(res.outcomes[key]["unit"])
        for j, k in enumerate(others):
            base = table[table["key"] == res.reference_of(k)].set_index("replicate")
            sub = table[table["key"] == k].set_index("replicate")
            d = (sub[key].astype(float) - base[key].astype(float)).dropna().to_numpy() * scale
            if not len(d):
                continue
            m, half = mean_half(d)
            y = len(others) - 1 - j
            ax.errorbar(m, y, xerr=half, fmt="o", color=colours[k], capsize=3, lw=1.6)
        ax.axvline(0, color="#555555", lw=1)
        matters = res.outcomes[key].get("matters")
        if matters:  # no practical difference inside the band (rule 8)
            ax.axvspan(-matters * scale, matters * scale, color="#e6e6e6", lw=0, zorder=0)
        ax.set_yticks(range(len(others)))
        ax.set_yticklabels(
            [_paired_label(res, k, ref, lang) for k in reversed(others)] if i % ncol == 0 else []
        )
        ax.set_ylim(-0.6, len(others) - 0.1)  # room at the top for the direction
        # a long name on two lines within its panel (about 40 letters or 20 characters a line)
        ax.set_title(
            wrap_text(res.outcome_name(key, lang), 40 if lang == "en" else 20), fontsize=10
        )
        ax.set_xlabel(brackets(t("difference", lang), unit_label(unit, lang), lang), fontsize=9)
        ax.grid(alpha=0.3, axis="x")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4))  # room between
        _better_marker(ax, res.outcomes[key].get("better"), lang)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    title = t("paired", lang, ref=res.short_name(ref, lang)) if ref else t("paired_before", lang)
    if res.replicates < 2:
        title += f" — {t('single_replicate', lang)}"
    fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    note(fig, res, lang)
    return fig
