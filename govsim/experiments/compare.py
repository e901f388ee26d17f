"""Paired comparison of structures (rule 3, common random numbers).

Replicate ``k`` of every structure uses seed ``seed + k`` and the same population profile,
so it meets the same residents and the same stream of needs: differences between
structures within a replicate come from structure alone.  Runs are independent jobs,
executed in worker processes; each is deterministic given its inputs, so the results do
not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from govsim.core.load import load_population, load_scenario
from govsim.core.model import GovernanceModel
from govsim.core.summary import by_group, per_replicate
from govsim.experiments.outputs import write_run
from govsim.io import write_csv, write_json
from govsim.tables import flat_row, mean_ci, paired_differences, summarize_runs  # noqa: F401

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
            {
                "scenario": s["scenario"],
                "replicate": job.replicate,
                "seed": job.seed,
                **flat_row(s, OUTCOME_COLUMNS, GROUP_OUTCOMES),
            }
        )
    runs = pd.DataFrame(rows)
    table = summarize_runs(runs, keys)
    paired = paired_differences(runs, keys[0], OUTCOME_COLUMNS)
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
