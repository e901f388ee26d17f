"""Batch throughput: the five main structures × 30 paired replicates at 25,000 residents ×
365 days through ``govsim batch``'s machinery (issue 9 §7: ≤ 5 minutes on this project's
2-core machine).

Prints the wall time, runs per minute, the cost per resident-day of the whole batch and,
with ``--single``, one run alone for the parallel efficiency.  Writes into a temporary
directory (removed afterwards) unless ``--out`` is given.  A figure, not a test.

    python benchmarks/batch.py [--replicates 30] [--workers 2] [--executor local|dask]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

STRUCTURES = ["baseline", "chengdong", "nanshan", "suzhou", "xinfeng"]
TARGET_S = 300.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=30)
    ap.add_argument("--residents", type=int, default=25_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--executor", choices=("local", "dask"), default="local")
    ap.add_argument("--out", type=Path, default=None, help="keep the batch here")
    ap.add_argument("--single", action="store_true", help="also time one run alone")
    args = ap.parse_args()

    from govsim.core.model import GovernanceModel
    from govsim.experiments.batch import run_batch
    from govsim.experiments.experiment import compare_experiment

    exp = compare_experiment(STRUCTURES, args.residents, args.days, 0, args.replicates)
    out = args.out or Path(tempfile.mkdtemp(prefix="govsim-batch-"))
    try:
        t0 = time.perf_counter()
        rep = run_batch(exp, out, args.workers, args.executor, force=True, progress=True)
        wall = time.perf_counter() - t0
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    n = rep.ran
    resident_days = n * args.residents * args.days
    print(
        f"{len(STRUCTURES)} structures × {args.replicates} replicates = {n} runs of "
        f"{args.residents:,} residents × {args.days} days, {args.workers} workers "
        f"({args.executor})"
    )
    print(
        f"wall {wall:.1f} s · {60 * n / wall:.1f} runs/min · "
        f"{1e9 * wall * args.workers / resident_days:.0f} ns per resident-day per worker"
    )
    if args.replicates == 30 and args.residents == 25_000 and args.days == 365:
        verdict = "met" if wall <= TARGET_S else "NOT met"
        print(f"target ≤ {TARGET_S:.0f} s: {verdict}")
    if args.single:
        t0 = time.perf_counter()
        GovernanceModel("nanshan", residents=args.residents, seed=0).run(args.days)
        one = time.perf_counter() - t0
        print(
            f"one run alone (nanshan): {one:.1f} s → parallel efficiency "
            f"{one * n / (wall * args.workers):.2f} (one structure's time as the mean)"
        )


if __name__ == "__main__":
    main()
