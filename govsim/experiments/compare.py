"""Paired comparison of structures (rule 3, common random numbers): a front end to
``govsim.experiments.batch``.

``compare(structures, …)`` is the batch of the experiment ``compare_experiment`` builds:
each structure on the population its file declares (or every structure on one profile,
``population=``), replicate ``k`` on seed ``seed + k``.  On one population a replicate
meets the same residents and the same stream of needs in every structure, so differences
within a replicate come from structure alone.  Each structure is paired with what existed
before it in its place (its file's ``before``), run on *its* population (run key
``<before>@<population>`` when that is not the before-structure's own), added when not
named — never with a structure on other people; ``compare_with=`` a structure's name pairs
every other with that one instead.  Like every batch it is resumable: the same call on the
same directory skips finished runs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from govsim.experiments.batch import BatchReport, run_batch
from govsim.experiments.experiment import compare_experiment


class IncompleteBatch(RuntimeError):
    """Some runs failed: their tracebacks are under ``failures/``."""


def compare(
    scenarios: list[str],
    residents: int,
    days: int,
    seed: int,
    replicates: int,
    out: Path,
    population: str | None = None,
    workers: int = 1,
    progress: bool = False,
    force: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    compare_with: str = "before",
) -> pd.DataFrame:
    """Run every structure × replicate into ``out`` (``runs/`` in the batch layout,
    ``manifest.json``, ``runs.csv``, ``summary.csv``, ``paired.csv``, ``columns.csv``); return the summary
    table (one row per run key, means and 95% intervals)."""
    exp = compare_experiment(scenarios, residents, days, seed, replicates, population, compare_with)
    report: BatchReport = run_batch(
        exp, Path(out), workers, executor, scheduler, force=force, progress=progress
    )
    if not report.complete:
        raise IncompleteBatch(
            f"{len(report.failed)} runs failed (tracebacks under {Path(out) / 'failures'})"
        )
    return pd.read_csv(Path(out) / "summary.csv")
