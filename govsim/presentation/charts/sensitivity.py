"""What the differences from the reference hinge on: a sensitivity screen's indices."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from govsim.presentation.charts.style import chart, figure, save_chart, t
from govsim.presentation.colours import colour_order


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
    fig = figure(figsize=(5.2 * ncol, 1.2 + 0.42 * len(params) * nrow + 0.6))
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
    return save_chart(fig, Path(out_dir) / f"sensitivity_{lang}.png", dpi)
