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
    "figure_files",
    "figure_names",
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


def figure_names(res: Results) -> list[str]:
    """The names of the figures ``save_figures`` draws for ``res``, in its order."""
    return [n for n, _ in _figures(res)]


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
            key = "settings.key" if run.summary.get("settings", {}).get("key") else "structure"
            raise ScenarioError(
                Path(run.path) / "summary.json",
                key,
                f"{k!r} is not a structure's name: letters, digits, '_', '-', '.' and '@' only, "
                "no '..'",
            )


def figure_workers(jobs: int) -> int:
    """How many processes draw a report's figures: the cores this process may use (at most
    8), no more than the figures; 1 where processes cannot be forked (not Linux, or other
    Python threads running — a fork copies none of them and may copy a lock one of them
    holds).  The native thread pools of Arrow and BLAS, idle once the runs are read, are
    made anew in a forked process by the libraries themselves."""
    import multiprocessing as mp
    import os
    import sys
    import threading

    if not sys.platform.startswith("linux") or "fork" not in mp.get_all_start_methods():
        return 1
    if threading.active_count() > 1:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(8, cores, jobs))


# the jobs of the figures being drawn: set before the worker processes are forked, which
# inherit them (a closure cannot be sent to another process; its index can)
_JOBS: list = []


def _run_job(i: int):
    return _JOBS[i]()


def save_figures(
    res: Results,
    out_dir: Path,
    lang: str = "en",
    dpi: int = 110,
    then=None,
    workers: int | None = None,
    meanwhile=None,
) -> list[tuple]:
    """Save every chart as PNG (at ``dpi``) and SVG in ``out_dir``; returns (name, png, svg)
    for each, in the order of ``all_figures`` — with ``then(name, png)``'s result as a fourth
    item when ``then`` is given (it runs where the figure was drawn).

    The figures are independent: they are drawn ``workers`` at a time (default
    ``figure_workers``) in forked processes, each writing its own files; the files are the
    same as drawn one after another.  ``meanwhile()`` (other work of the caller's) runs in
    this process while they draw."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    check_figure_keys(res)  # before any figure is drawn
    register_font()  # found once, before the workers are forked
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    def save(name, fig):
        png, svg = out_dir / f"{name}_{lang}.png", out_dir / f"{name}_{lang}.svg"
        if png.parent != out_dir or svg.parent != out_dir:  # defence in depth
            raise ValueError(f"figure {name!r}: its file would be outside {out_dir}")
        # an org chart (one a structure) is boxes and text, drawn large: seven eighths of the
        # resolution keeps its text legible and a report of ten and more structures light
        save_chart(fig, png, round(dpi * 7 / 8) if name.startswith("org_chart_") else dpi)
        return (name, png, svg) + ((then(name, png),) if then is not None else ())

    figures = _figures(res)
    workers = figure_workers(len(figures)) if workers is None else min(workers, len(figures))
    if workers <= 1:
        if meanwhile is not None:
            meanwhile()
        return [save(name, fig) for name, fig in all_figures(res, lang)]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # what every figure reads, read once here: the forked workers inherit it
    res.table()
    res.scenarios  # noqa: B018 (a cached property)
    global _JOBS
    _JOBS = [lambda name=name, draw=draw: save(name, draw(lang)) for name, draw in figures]
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            # in order: the comparison charts (the slowest) start first, the org charts last;
            # every worker is forked at the first, before any other thread starts
            done = pool.map(_run_job, range(len(_JOBS)))
            if meanwhile is not None:
                meanwhile()
            return list(done)
    finally:
        _JOBS = []
