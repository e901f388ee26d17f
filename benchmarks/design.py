"""The shipped design search (``experiments/design_week.toml``) end to end: its wall time on
this machine with local worker processes and on a Dask cluster of two workers (issue 22:
≤ 30 minutes on the project's 2-core machine at the size the file states), how many
designs it evaluated and the front it found.  Also checks that the two executors find the
same front (rule 4).  A figure, not a test.

    python benchmarks/design.py [--executor local,dask] [--workers 2] [--generations N]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

TARGET_S = 30 * 60.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--goals", default="design_week")
    ap.add_argument("--executor", default="local,dask", help="comma-separated")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--generations", type=int, default=None, help="instead of the file's")
    ap.add_argument("--residents", type=int, default=None, help="instead of the file's")
    ap.add_argument("--keep", type=Path, default=None, help="keep each search under here")
    args = ap.parse_args()

    from govsim.design.goals import load_goals, with_settings
    from govsim.design.outputs import run_design

    goals = with_settings(
        load_goals(args.goals), generations=args.generations, residents=args.residents
    )
    d, s = goals.design, goals.search
    print(
        f"{goals.key}: {s.generations + 1} generations × {s.candidates} designs × "
        f"{d.replicates} replicates of {d.residents:,} residents × {d.days} days"
    )
    fronts = {}
    for executor in args.executor.split(","):
        base = args.keep or Path(tempfile.mkdtemp(prefix="govsim-design-"))
        out = base / executor
        t0 = time.perf_counter()
        result = run_design(goals, out, args.workers, executor, progress=False)
        wall = time.perf_counter() - t0
        fr = result.front
        fronts[executor] = fr[["name", *[o.outcome for o in goals.objectives]]]
        print(
            f"  {executor:5s} {args.workers} workers: {wall / 60:.1f} min "
            f"(target ≤ {TARGET_S / 60:.0f}: {'met' if wall <= TARGET_S else 'NOT met'}); "
            f"{len(result.evaluations)} designs evaluated, {len(fr)} on the front "
            f"({'meeting the goals' if len(fr) and fr['met'].all() else 'none meets them'})"
        )
        for _, r in fr.iterrows():
            values = ", ".join(f"{o.outcome} {r[o.outcome]:.4g}" for o in goals.objectives)
            print(f"    {r['design']}: {values}")
        st = result.structures
        print(
            f"    built-in structures on or behind the front: "
            f"{int((st['behind_front'] | ~st['met']).sum())} of {len(st)}"
        )
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    if len(fronts) > 1:
        first, *rest = fronts.values()
        same = all(first.equals(f) for f in rest)
        print(f"  the same front from every executor: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
