"""Equity: outcomes by resident group, per structure, with 95% intervals across replicates."""

from __future__ import annotations

import numpy as np

from govsim.config.vocabulary import GROUPS, value_range
from govsim.presentation.charts.style import (
    chart,
    figure,
    note,
    outcome_text,
    shown_scale,
    t,
)
from govsim.presentation.text import label
from govsim.results.reading import Results
from govsim.results.tables import mean_ci

EQUITY_GROUPS = tuple(g for g in GROUPS if g != "all")  # every group of the vocabulary


@chart
def equity(res: Results, lang: str = "en"):
    table = res.table()
    panels = [
        ("participation_mean", "viridis"),
        ("response_time_median_h", "viridis_r"),
        ("unreported_share", "viridis_r"),
    ]
    fig = figure(figsize=(15, 1.8 + 0.62 * len(res.order)))
    axes = fig.subplots(1, 3)
    for ax, (key, cmap) in zip(axes, panels, strict=True):
        stored = res.outcomes[key]["unit"]
        scale, unit = shown_scale(stored)
        cells = [
            [
                mean_ci(
                    table.loc[table["key"] == k, f"{g}.{key}"].astype(float).to_numpy(),
                    value_range(stored),
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
        ax.set_title(outcome_text(res, key, lang, unit), fontsize=10)
        ax.set_xlabel(t("group_axis", lang), fontsize=9, labelpad=6)
        if ax is axes[0]:
            ax.set_ylabel(t("structure_axis", lang), fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
    title = t("equity", lang)
    if res.replicates >= 2:
        title += t("equity_intervals", lang)
    fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, 0.05, 1, 0.94))
    note(fig, res, lang)
    return fig
