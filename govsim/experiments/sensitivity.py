"""``govsim sensitivity``: which assumptions do the outcomes and the comparison hinge on?

The experiment's ``[[ranges]]`` are sampled with SALib (Morris trajectories or Saltelli's
scheme for Sobol indices, ``Sampling``); every sampled point is a variant of the batch, run
in every structure on the same seeds (common random numbers), so at each point a
structure's difference from the reference is paired.  Indices are computed with SALib for
each headline outcome of each structure (``target = "level"``) and for each structure's
paired difference from the reference (``target = "difference"``).

Written beside the batch (``DIR/runs/`` …): ``sensitivity.parquet`` and ``.csv`` (one row
per structure × outcome × target × parameter: the SALib indices, ``relative`` — the index ÷
the largest for that structure and outcome — and ``of_value`` — how far the parameter moves
the outcome or the difference, as a share of its size with the files' values), ``robustness.csv`` (per structure and
outcome: the difference from the reference over the sampled points, and the share of points
where it keeps the sign it has with the files' values) and ``sensitivity_<lang>.png``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from govsim.experiments.batch import outcome_rows, run_batch
from govsim.experiments.experiment import BASE, Experiment, RunSpec, resolve, salib_problem
from govsim.results.atomic import write_csv, write_parquet

INDEX_FILE = "sensitivity.parquet"


class SensitivityError(RuntimeError):
    pass


def analyse(
    exp: Experiment, out: Path, outcomes: list[str], runs: list[RunSpec] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sensitivity indices and robustness of the comparison, from a finished batch
    (``runs``: the batch's runs, when the caller has resolved them already)."""
    runs = runs if runs is not None else resolve(exp)
    table = outcome_rows(out, runs)
    problem = salib_problem(exp)
    names = problem["names"]
    x = np.array([[p[n] for n in names] for p in exp.points], dtype=float)
    n_points = len(exp.points)
    # each (structure, population) against the structure its unchanged run is paired with
    # (its before-structure, on the same population)
    by_key = {r.key: r for r in runs}
    paired_with = {
        (r.structure, r.population): by_key[r.reference].structure
        for r in runs
        if r.variant == BASE and r.reference in by_key and r.reference != r.key
    }
    # per (structure, population) and point: the mean over replicates
    table = table.copy()
    table["point"] = table["variant"]
    means = table.groupby(["structure", "population", "point"])[outcomes].mean().sort_index()
    rows, robust = [], []
    degenerate: dict[tuple, str] = {}  # series whose estimates SALib warned about
    pairs = list(dict.fromkeys((r.structure, r.population) for r in runs))
    for structure, population in pairs:
        points = [f"p{i:04d}" for i in range(n_points)]
        y = means.loc[(structure, population)].reindex(points)
        base = means.loc[(structure, population)].loc[BASE]
        targets = {"level": (y, base)}
        ref_key = paired_with.get((structure, population))
        if ref_key is not None and (ref_key, population) in means.index.droplevel(2):
            yr = means.loc[(ref_key, population)].reindex(points)
            br = means.loc[(ref_key, population)].loc[BASE]
            targets["difference"] = (y - yr, base - br)
        for target, (yy, b) in targets.items():
            for o in outcomes:
                v = yy[o].to_numpy(dtype=float)
                if not np.isfinite(v).all():
                    continue
                if target == "difference":
                    sign = np.sign(b[o])
                    robust.append(
                        {
                            "structure": structure,
                            "population": population,
                            "outcome": o,
                            "difference_files": float(b[o]),
                            "difference_min": float(v.min()),
                            "difference_max": float(v.max()),
                            "same_sign_share": float(np.mean(np.sign(v) == sign))
                            if sign
                            else float("nan"),
                            "points": n_points,
                        }
                    )
                idx, warned = _salib(exp, problem, x, v)
                if warned:
                    degenerate[(structure, population, target, o)] = warned
                spread = float(np.std(v))
                at_files = float(b[o])
                for n in names:
                    rows.append(
                        {
                            "structure": structure,
                            "population": population,
                            "outcome": o,
                            "target": target,
                            "parameter": n,
                            "method": exp.sampling.method,
                            "output_sd": spread,
                            "at_files": at_files,
                            **{k: float(val) for k, val in idx[n].items()},
                        }
                    )
    indices = pd.DataFrame(rows)
    if len(indices):
        key = "mu_star" if exp.sampling.method == "morris" else "ST"
        top = indices.groupby(["structure", "population", "outcome", "target"])[key].transform(
            "max"
        )
        indices["relative"] = np.where(top > 0, indices[key] / top, 0.0)
        # how far the parameter moves the outcome (or the difference), as a share of its
        # size with the files' values: Morris μ* ÷ |value|; Sobol: ST × sd ÷ |value|
        size = indices["at_files"].abs()
        effect = indices["mu_star"] if key == "mu_star" else indices["ST"] * indices["output_sd"]
        indices["of_value"] = np.where(size > 0, effect / size.where(size > 0, 1.0), np.nan)
    if degenerate:  # said once, in words, by the caller (``notes``), not as warnings
        series = len({(r["structure"], r["population"], r["target"], r["outcome"]) for r in rows})
        indices.attrs["notes"] = [
            f"for {len(degenerate)} of {series} outcome series the sampled points were too "
            f"few for stable estimates ({next(iter(degenerate.values()))}); their indices "
            "are 0 or their confidence intervals undefined — sample more points"
        ]
    return indices, pd.DataFrame(robust)


def _salib(exp: Experiment, problem: dict, x: np.ndarray, v: np.ndarray) -> tuple[dict, str]:
    """SALib's indices of one outcome series ``v`` at the sampled points ``x``, by
    parameter; and what SALib warned about, in words ("" when nothing).  Its warnings
    (constant model values in a bootstrap sample, numpy's about an empty spread) are not
    printed: the caller says them once, as a note (``notes``)."""
    from SALib.analyze import morris, sobol

    names = problem["names"]
    if np.ptp(v) == 0.0:
        return {n: dict.fromkeys(("mu_star", "sigma", "S1", "ST"), 0.0) for n in names}, ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if exp.sampling.method == "morris":
            r = morris.analyze(
                problem, x, v, num_levels=exp.sampling.levels, seed=exp.sampling.seed
            )
            keys = ("mu_star", "mu_star_conf", "sigma")
        else:
            r = sobol.analyze(problem, v, calc_second_order=False, seed=exp.sampling.seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
    idx = {n: {k: r[k][i] for k in keys} for i, n in enumerate(names)}
    text = str(caught[0].message).split(",")[0].rstrip(".") if caught else ""
    return idx, text[:1].lower() + text[1:]


def notes(indices: pd.DataFrame) -> list[str]:
    """What the analysis has to say about its own estimates (``analyse``), one line each."""
    return list(indices.attrs.get("notes", []))


def sensitivity(
    exp: Experiment,
    out: Path,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
    langs: tuple[str, ...] = ("zh", "en"),
    runs: list[RunSpec] | None = None,
):
    """Run the sampled batch (resumable like any batch) and write the indices and chart."""
    from govsim.core.summary import headline

    out = Path(out)
    if exp.sampling.method not in ("morris", "sobol"):
        raise SensitivityError(f"{exp.file}: sampling.method must be morris or sobol")
    runs = runs if runs is not None else resolve(exp)  # loads every structure: once
    report = run_batch(
        exp, out, workers, executor, scheduler, force=force, progress=progress, runs=runs
    )
    if not report.complete:
        raise SensitivityError(
            f"{len(report.failed)} runs failed (tracebacks under {out / 'failures'}); "
            "run the same command again to retry them"
        )
    indices, robust = analyse(exp, out, list(headline()), runs)
    write_parquet(out / INDEX_FILE, indices)
    write_csv(out / "sensitivity.csv", indices)
    write_csv(out / "robustness.csv", robust)
    from govsim.core.load import load_scenario
    from govsim.core.summary import OUTCOMES
    from govsim.presentation.plot import save_sensitivity_chart
    from govsim.results.reading import short

    # every structure run, the before-structures the experiment did not list included
    specs = {s: load_scenario(s) for s in dict.fromkeys(r.scenario for r in runs)}
    names = {
        "outcomes": {k: {"zh": o.zh, "en": o.en} for k, o in OUTCOMES.items()},
        "structures": {
            sc.key: {"zh": short(sc.scenario.name_zh), "en": short(sc.scenario.name_en)}
            for sc in specs.values()
        },
        "reference": specs[exp.settings.structures[0]].key,
        "parameters": {
            r.name: {"zh": r.name_zh or r.key, "en": r.name_en or r.key} for r in exp.ranges
        },
    }
    charts = (  # the chart is of differences from the reference: none with one structure
        [save_sensitivity_chart(indices, names, out, lang) for lang in langs]
        if len(indices) and (indices["target"] == "difference").any()
        else []
    )
    return indices, robust, charts
