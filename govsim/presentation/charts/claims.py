"""In how many contested settings each conclusion holds (``govsim robustness``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from govsim.presentation.charts.style import chart, figure, save_chart
from govsim.presentation.colours import colour_order
from govsim.presentation.text import CLAIMS, label

SHOWN = ("participation_mean", "response_time_median_h")  # one panel each
KINDS = ("first", "reference")  # the claims the front page makes, in this order


def claim_text(row, names: dict, lang: str, short: bool = False) -> str:
    """A claim as a sentence (``text.CLAIMS``); ``short``: without the outcome."""

    def name(s):
        return names["structures"].get(s, {}).get(lang, s)

    key = f"{'short_' if short else ''}{row['kind']}_{row['direction']}"
    return label(CLAIMS, key, lang).format(
        subject=name(row["subject"]),
        other=name(row["other"]),
        outcome=names["outcomes"].get(row["outcome"], {}).get(lang, row["outcome"]),
    )


@chart
def claims_chart(summary: pd.DataFrame, names: dict, lang: str = "en"):
    """One panel per outcome (participation, response): a bar per claim the front page
    makes — the leader, then each structure against its reference — as the share of
    contested settings in which it holds, in the structure's colour; dashed: 90%."""
    d = summary[summary["kind"].isin(KINDS) & summary["outcome"].isin(SHOWN)].copy()
    d["order"] = d["kind"].map({k: i for i, k in enumerate(KINDS)})
    outcomes = [o for o in SHOWN if (d["outcome"] == o).any()]
    structures = list(names["structures"])
    colours = colour_order(structures)
    n = max((d["outcome"] == o).sum() for o in outcomes) if outcomes else 1
    # each panel its title, axis and ticks (about 1 inch) and 0.3 inch a bar; the title above
    fig = figure(figsize=(7.5, 0.6 + max(1, len(outcomes)) * (1.0 + 0.3 * n)))
    axes = fig.subplots(len(outcomes) or 1, 1, squeeze=False).ravel()
    for ax, o in zip(axes, outcomes, strict=False):
        g = d[d["outcome"] == o].sort_values(["order", "share"], ascending=[True, False])
        ys = np.arange(len(g))[::-1]
        share = g["share"].fillna(0).to_numpy() * 100
        cols = [
            "#bbbbbb" if d == "same" and k == "first" else colours.get(s, "#999999")
            for s, k, d in zip(g["subject"], g["kind"], g["direction"], strict=True)
        ]
        hatch = ["//" if k == "first" else None for k in g["kind"]]
        for y, v, c, h in zip(ys, share, cols, hatch, strict=True):
            ax.barh(y, v, color=c, hatch=h, edgecolor="white" if h is None else "#333333")
            ax.text(min(v, 100) + 1, y, f"{v:.0f}%", va="center", fontsize=8)
        ax.set_yticks(ys)
        ax.set_yticklabels(
            [claim_text(r, names, lang, short=True) for _, r in g.iterrows()], fontsize=8
        )
        ax.set_xlim(0, 110)
        ax.set_xticks([0, 25, 50, 75, 90, 100])
        ax.axvline(90, color="#555555", lw=1, ls="--")
        ax.set_title(names["outcomes"].get(o, {}).get(lang, o), fontsize=10, loc="left")
        ax.grid(alpha=0.3, axis="x")
        ax.spines[["top", "right"]].set_visible(False)
    axes[len(outcomes) - 1 if outcomes else 0].set_xlabel(label(CLAIMS, "chart_axis", lang))
    fig.suptitle(label(CLAIMS, "chart_title", lang), fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def save_claims_chart(summary, names: dict, out_dir: Path, lang: str = "en", dpi: int = 110):
    """``claims_<lang>.png`` and ``.svg`` in ``out_dir``."""
    return save_chart(claims_chart(summary, names, lang), Path(out_dir) / f"claims_{lang}.png", dpi)
