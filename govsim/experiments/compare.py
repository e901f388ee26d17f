"""Paired comparison of structures (rule 3, common random numbers).

Replicate ``k`` of every structure uses seed ``seed + k`` and the same population profile,
so it meets the same residents and the same stream of needs: differences between
structures within a replicate come from structure alone.  Runs are independent jobs,
executed in worker processes; each is deterministic given its inputs, so the results do
not depend on the number of workers.
"""

from __future__ import annotations

import math
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from govsim.config.scenario import load_population, load_scenario
from govsim.core.model import GovernanceModel
from govsim.core.summary import by_group, per_replicate
from govsim.experiments.outputs import write_csv, write_json, write_run

# generated from the modules' Outcome declarations
OUTCOME_COLUMNS = per_replicate()
GROUP_OUTCOMES = by_group()


@dataclass(frozen=True)
class Job:
    scenario: str  # name or path
    replicate: int
    seed: int
    residents: int
    days: int
    population: str
    out: str


def run_job(job: Job) -> dict:
    sc = load_scenario(job.scenario)
    model = GovernanceModel(sc, residents=job.residents, seed=job.seed, population=job.population)
    model.run(job.days)
    settings = {
        "replicate": job.replicate,
        "seed": job.seed,
        "residents": job.residents,
        "days": job.days,
        "population": job.population,
    }
    return write_run(model, Path(job.out), settings)


def flat_row(summary: dict) -> dict:
    row = {k: summary.get(k) for k in OUTCOME_COLUMNS}
    for g, vals in summary["by_group"].items():
        for k in GROUP_OUTCOMES:
            row[f"{g}.{k}"] = vals.get(k)
    for t, vals in summary["by_need_type"].items():
        row[f"{t}.response_time_median_h"] = vals.get("response_time_median_h")
        row[f"{t}.unresolved_share"] = vals.get("unresolved_share")
    return row


def mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    v = np.asarray(
        [x for x in values if x is not None and not (isinstance(x, float) and math.isnan(x))],
        dtype=float,
    )
    if not len(v):
        return (math.nan, math.nan, math.nan)
    m = float(v.mean())
    if len(v) < 2:
        return (m, math.nan, math.nan)
    half = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return (m, m - half, m + half)


def compare(
    scenarios: list[str],
    residents: int,
    days: int,
    seed: int,
    replicates: int,
    out: Path,
    population: str | None = None,
    workers: int = 1,
    progress=None,
) -> pd.DataFrame:
    """Run every structure × replicate; write ``runs/``, ``runs.csv``, ``summary.csv``,
    ``paired.csv`` and ``compare.json`` under ``out``; return the summary table."""
    out = Path(out)
    specs = [load_scenario(s) for s in scenarios]  # validate everything before running anything
    keys = [sc.key for sc in specs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"scenario names must be distinct, got {keys}")
    population = population or specs[0].scenario.population
    load_population(population)
    jobs = [
        Job(s, k, seed + k, residents, days, population, str(out / "runs" / key / f"rep{k}"))
        for k in range(replicates)
        for s, key in zip(scenarios, keys, strict=True)
    ]
    results: list[dict] = []
    if workers <= 1:
        for j in jobs:
            results.append(run_job(j))
            if progress:
                progress(1)
    else:
        methods = mp.get_all_start_methods()
        ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
            for r in ex.map(run_job, jobs):
                results.append(r)
                if progress:
                    progress(1)
    rows = []
    for job, s in zip(jobs, results, strict=True):
        rows.append(
            {"scenario": s["scenario"], "replicate": job.replicate, "seed": job.seed, **flat_row(s)}
        )
    runs = pd.DataFrame(rows)
    table = summarize_runs(runs, keys)
    paired = paired_differences(runs, keys[0])
    write_csv(out / "runs.csv", runs)
    write_csv(out / "summary.csv", table)
    write_csv(out / "paired.csv", paired)
    write_json(
        out / "compare.json",
        {
            "scenarios": keys,
            "scenario_names": {
                sc.key: {"zh": sc.scenario.name_zh, "en": sc.scenario.name_en} for sc in specs
            },
            "reference": keys[0],
            "residents": residents,
            "days": days,
            "seed": seed,
            "replicates": replicates,
            "population": population,
            "seeds": [seed + k for k in range(replicates)],
        },
    )
    return table


def summarize_runs(runs: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Per structure: mean and 95% t-interval across replicates of each outcome."""
    cols = [c for c in runs.columns if c not in ("scenario", "replicate", "seed")]
    out = []
    for key in order:
        sub = runs[runs["scenario"] == key]
        row = {"scenario": key, "replicates": len(sub)}
        for c in cols:
            m, lo, hi = mean_ci(sub[c].to_numpy())
            row[c] = m
            row[f"{c}_ci_low"] = lo
            row[f"{c}_ci_high"] = hi
        out.append(row)
    return pd.DataFrame(out)


def paired_differences(runs: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Structure minus reference, replicate by replicate (same seed), with 95% intervals."""
    ref = runs[runs["scenario"] == reference].set_index("replicate")
    out = []
    for key in runs["scenario"].unique():
        if key == reference:
            continue
        sub = runs[runs["scenario"] == key].set_index("replicate")
        for c in OUTCOME_COLUMNS:
            d = (sub[c].astype(float) - ref[c].astype(float)).dropna().to_numpy()
            m, lo, hi = mean_ci(d)
            out.append(
                {
                    "scenario": key,
                    "reference": reference,
                    "outcome": c,
                    "difference": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "replicates": len(d),
                }
            )
    return pd.DataFrame(out)
