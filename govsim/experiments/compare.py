"""Paired comparison of structures (rule 3, common random numbers).

Each structure runs on the population its file declares (or every structure on one profile,
``population=``).  Replicate ``k`` uses seed ``seed + k``: on one population it meets the same
residents and the same stream of needs in every structure, so differences within a replicate
come from structure alone.  A structure on another population than the reference's is paired
with the reference run on *its* population (run key ``<reference>@<population>``), never with
the reference on other people.  Runs are independent jobs, executed in worker processes; each
is deterministic given its inputs, so the results do not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from govsim.core.load import load_population, load_scenario
from govsim.core.model import GovernanceModel
from govsim.core.summary import OUTCOMES, by_group, per_replicate
from govsim.experiments.outputs import write_run
from govsim.io import write_csv, write_json
from govsim.tables import flat_row, mean_ci, paired_differences, summarize_runs  # noqa: F401

# generated from the modules' Outcome declarations
OUTCOME_COLUMNS = per_replicate()
GROUP_OUTCOMES = by_group()
UNITS = {k: o.unit for k, o in OUTCOMES.items()}  # each outcome's range comes from its unit


@dataclass(frozen=True)
class Job:
    scenario: str  # name or path
    key: str  # the run's key: the structure's, or ``<reference>@<population>``
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
        "key": job.key,
    }
    return write_run(model, Path(job.out), settings)


def plan(
    scenarios: list[str], keys: list[str], declared: list[str], population: str | None
) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """Which runs a comparison needs: (scenario, run key, population) in report order, and
    each run key's paired reference key.  Every structure runs on ``population`` or on its
    own declared one; the reference also runs on every other population in use."""
    pops = [population or d for d in declared]
    ref, ref_pop = keys[0], pops[0]
    runs = [(scenarios[0], ref, ref_pop)]
    reference_of = {ref: ref}
    for p in dict.fromkeys(pops):
        if p != ref_pop:
            runs.append((scenarios[0], f"{ref}@{p}", p))
            reference_of[f"{ref}@{p}"] = f"{ref}@{p}"
        for s, k, kp in zip(scenarios[1:], keys[1:], pops[1:], strict=True):
            if kp == p:
                runs.append((s, k, kp))
                reference_of[k] = ref if p == ref_pop else f"{ref}@{p}"
    return runs, reference_of


def planned_runs(
    scenarios: list[str], population: str | None = None
) -> tuple[list, list[tuple[str, str, str]], dict[str, str]]:
    """Load and check the structures (and their populations) before any work, then ``plan``:
    the loaded scenarios, the runs per replicate and each run key's paired reference."""
    specs = [load_scenario(s) for s in scenarios]
    keys = [sc.key for sc in specs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"scenario names must be distinct, got {keys}")
    runs, reference_of = plan(scenarios, keys, [sc.scenario.population for sc in specs], population)
    for p in {p for _, _, p in runs}:
        load_population(p)
    return specs, runs, reference_of


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
    specs, runs_planned, reference_of = planned_runs(scenarios, population)
    keys = [sc.key for sc in specs]
    jobs = [
        Job(s, key, k, seed + k, residents, days, pop, str(out / "runs" / key / f"rep{k}"))
        for k in range(replicates)
        for s, key, pop in runs_planned
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
                "scenario": job.key,
                "replicate": job.replicate,
                "seed": job.seed,
                **flat_row(s, OUTCOME_COLUMNS, GROUP_OUTCOMES),
            }
        )
    runs = pd.DataFrame(rows)
    order = [key for _, key, _ in runs_planned]
    table = summarize_runs(runs, order, UNITS)
    paired = paired_differences(runs, reference_of, OUTCOME_COLUMNS)
    write_csv(out / "runs.csv", runs)
    write_csv(out / "summary.csv", table)
    write_csv(out / "paired.csv", paired)
    write_json(
        out / "compare.json",
        {
            "scenarios": order,
            "scenario_names": {
                sc.key: {"zh": sc.scenario.name_zh, "en": sc.scenario.name_en} for sc in specs
            },
            "reference": keys[0],
            "reference_of": reference_of,
            "populations": {key: pop for _, key, pop in runs_planned},
            "residents": residents,
            "days": days,
            "seed": seed,
            "replicates": replicates,
            "population": population or "declared",
            "seeds": [seed + k for k in range(replicates)],
        },
    )
    return table
