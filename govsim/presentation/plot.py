"""Charts for analysts — the one public entry to them: every chart function takes a
``Results`` (or a ``Scenario``) and a language and returns a matplotlib ``Figure`` with a
title, axis labels with units and a note of residents, days and replicates.

The charts live by family in ``govsim.presentation.charts`` (style and figures, over time,
distributions, comparison, equity, costs, flows, organisation charts, sensitivity); this
module names them and saves them all.  Importing it changes nothing in matplotlib (see
``charts.style``).
"""

from __future__ import annotations

import re
from pathlib import Path

from govsim.presentation.charts.comparison import paired_differences
from govsim.presentation.charts.costs import cost_vs_outcomes
from govsim.presentation.charts.distributions import TIME_TICK_KEYS, response_time_ecdf
from govsim.presentation.charts.equity import equity
from govsim.presentation.charts.flows import flow_shares, need_flows, resolver_shares
from govsim.presentation.charts.org import org_chart
from govsim.presentation.charts.over_time import outcome_over_time, participation_over_time
from govsim.presentation.charts.sensitivity import save_sensitivity_chart, sensitivity_chart
from govsim.presentation.charts.style import (
    CJK_FONT,
    STYLE,
    ChartFigure,
    chart,
    figure,
    register_font,
    save_chart,
    structure_styles,
    t,
)
from govsim.results.reading import Results

__all__ = [
    "CHARTS",
    "CJK_FONT",
    "STYLE",
    "TIME_TICK_KEYS",
    "ChartFigure",
    "all_figures",
    "chart",
    "check_figure_keys",
    "cost_vs_outcomes",
    "equity",
    "figure",
    "flow_shares",
    "need_flows",
    "org_chart",
    "outcome_over_time",
    "paired_differences",
    "participation_over_time",
    "register_font",
    "resolver_shares",
    "response_time_ecdf",
    "save_figures",
    "save_sensitivity_chart",
    "sensitivity_chart",
    "structure_styles",
    "t",
]

# ------------------------------------------------------------------ all charts
CHARTS = {
    "participation_over_time": participation_over_time,
    "response_time_ecdf": response_time_ecdf,
    "paired_differences": paired_differences,
    "equity": equity,
    "cost_vs_outcomes": cost_vs_outcomes,
    "need_flows": need_flows,
}


# the run outputs a chart reads besides the outcomes (a batch may not keep them)
NEEDS_OUTPUT = {
    "participation_over_time": "daily",
    "response_time_ecdf": "needs",
    "need_flows": "needs",
}


def _figures(res: Results) -> list[tuple[str, object]]:
    """(name, how to draw it in a language) for every chart the runs have the outputs for,
    org charts (one a structure) last."""
    out = [
        (n, lambda lang, n=n: CHARTS[n](res, lang))
        for n in CHARTS
        if n not in NEEDS_OUTPUT or res.has(NEEDS_OUTPUT[n])
    ]
    out += [
        (f"org_chart_{k}", lambda lang, k=k: org_chart(res.scenarios[k], lang))
        for k in res.structures
    ]
    return out


def all_figures(res: Results, lang: str = "en"):
    """(name, figure) for every chart the runs have the outputs for, org charts last."""
    for name, draw in _figures(res):
        yield name, draw(lang)


def figure_files(res: Results, lang: str = "en") -> list[str]:
    """The names of the files ``save_figures`` writes for ``res`` (without drawing)."""
    return [f"{n}_{lang}.{ext}" for n, _ in _figures(res) for ext in ("png", "svg")]


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
        # an org chart (one a structure) is boxes and text, drawn large: seven eighths of the
        # resolution keeps its text legible and a report of ten and more structures light
        save_chart(fig, png, round(dpi * 7 / 8) if name.startswith("org_chart_") else dpi)
        saved.append((name, png, svg))
    return saved
