"""Full-scale benchmark: the Chengdong structure for a whole district for a year.

Runs each configuration in a fresh process pinned to one core (so peak memory is that
run's own) and prints wall seconds, resident-days per second and peak memory.  Targets
(issue 2): 378,800 residents in 12 communities for 365 days in ≤ 60 s and ≤ 1.5 GB on one
core of a 2-core machine.  Usage: ``python benchmarks/fullscale.py [--days D] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

CONFIGS = [("chengdong", 378_800), ("chengdong", 25_000)]


def child(scenario: str, residents: int, days: int, seed: int) -> None:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    import govsim

    t0 = time.perf_counter()
    model = govsim.GovernanceModel(scenario, residents=residents, seed=seed)
    t1 = time.perf_counter()
    model.run(days)
    t2 = time.perf_counter()
    s = model.summary()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        json.dumps(
            {
                "scenario": scenario,
                "residents": residents,
                "communities": model.units.count["community"],
                "days": days,
                "init_s": t1 - t0,
                "run_s": t2 - t1,
                "wall_s": t2 - t0,
                "resident_days_per_s": residents * days / (t2 - t0),
                "peak_mb": peak_mb,
                "needs": model.needs.n,
                "participation_rate": s["participation_rate"],
                "response_time_median_h": s["response_time_median_h"],
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--child", nargs=2, metavar=("SCENARIO", "RESIDENTS"))
    a = ap.parse_args()
    if a.child:
        child(a.child[0], int(a.child[1]), a.days, a.seed)
        return
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    print(
        f"{'scenario':10s} {'residents':>9s} {'comm.':>5s} {'days':>4s} {'init s':>7s} {'wall s':>7s} {'res-days/s':>11s} {'peak MB':>8s}"
    )
    for scenario, residents in CONFIGS:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                scenario,
                str(residents),
                "--days",
                str(a.days),
                "--seed",
                str(a.seed),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['scenario']:10s} {r['residents']:9d} {r['communities']:5d} {r['days']:4d} {r['init_s']:7.1f} "
            f"{r['wall_s']:7.1f} {r['resident_days_per_s']:11,.0f} {r['peak_mb']:8.0f}"
        )


if __name__ == "__main__":
    main()
