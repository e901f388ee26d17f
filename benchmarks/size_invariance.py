"""Size invariance: per-resident outcomes must not depend on how many residents are simulated.

For every built-in structure (on the population its file declares), runs ``--replicates``
seeds at each size in ``--sizes`` and prints, per structure, size and outcome (the headline
outcomes, cost and the outcomes of how the community governs itself), the
mean over replicates with its 95% interval, and whether it agrees with the largest size:
within ±``--tolerance`` (relative) or within the two replicate intervals.  Exits 1 when
something disagrees.

    python benchmarks/size_invariance.py [--sizes 5000,20000,80000] [--days 365]
        [--replicates 3] [--workers 2] [--structures baseline,nanshan] [--json FILE]

A small version of this check is ``tests/test_size_invariance.py``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np


def run_one(job: tuple[str, int, int, int]) -> tuple[str, int, int, dict, float]:
    import govsim
    from govsim.core.summary import OUTCOMES, headline

    name, residents, days, seed = job
    t0 = time.perf_counter()
    m = govsim.GovernanceModel(govsim.load_scenario(name), residents=residents, seed=seed)
    s = m.run(days).summary()
    # the headline outcomes, cost even if not headline, and how the community governs itself
    governance = (k for k, o in OUTCOMES.items() if o.governance)
    keys = dict.fromkeys((*headline(), "cost_per_resident_yuan", *governance))
    out = {k: (np.nan if s[k] is None else s[k]) for k in keys}
    return name, residents, seed, out, time.perf_counter() - t0


def _ci(v: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of the 95% interval (``govsim.results.tables.mean_ci``; 0 for one value)."""
    from govsim.results.tables import mean_ci

    m, lo, hi = mean_ci(v)
    return m, (hi - lo) / 2 if len(v) > 1 else 0.0


def main(argv: list[str] | None = None) -> int:
    import govsim

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="5000,20000,80000")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--replicates", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tolerance", type=float, default=0.05)
    ap.add_argument("--structures", default=",".join(govsim.list_scenarios()))
    ap.add_argument("--json", help="also write every run's outcomes to this file")
    a = ap.parse_args(argv)
    sizes = [int(x) for x in a.sizes.split(",")]
    names = a.structures.split(",")
    try:
        for n in names:
            govsim.load_scenario(n)  # a bad name fails before any work
    except (ValueError, OSError) as e:
        ap.error(str(e))
    jobs = [
        (n, size, a.days, seed) for n in names for size in sizes for seed in range(a.replicates)
    ]
    jobs.sort(key=lambda j: -j[1])  # largest first: better packing on the workers
    t0 = time.perf_counter()
    if a.workers > 1:
        with ProcessPoolExecutor(a.workers, mp_context=mp.get_context("spawn")) as ex:
            got = list(ex.map(run_one, jobs))
    else:
        got = [run_one(j) for j in jobs]
    res: dict = {}
    for name, size, seed, out, _ in got:
        res.setdefault(name, {}).setdefault(size, {})[seed] = out
    if a.json:
        with open(a.json, "w") as f:
            json.dump({n: {str(k): v for k, v in d.items()} for n, d in res.items()}, f, indent=1)
    bad = 0
    ref_size = max(sizes)
    keys = list(next(iter(got))[3])
    print(f"{a.days} days, {a.replicates} replicates, reference size {ref_size:,}")
    print(f"{'structure':10} {'outcome':28} " + " ".join(f"{s:>22,}" for s in sizes) + "  agree")
    rows = 0
    for name in names:
        for k in keys:
            if all(np.isnan(res[name][sz][s][k]) for sz in sizes for s in range(a.replicates)):
                continue  # not measured in this structure (e.g. no rated institution)
            rows += 1
            cells, ok = [], True
            ref_m, ref_h = _ci(np.array([res[name][ref_size][s][k] for s in range(a.replicates)]))
            for size in sizes:
                m, h = _ci(np.array([res[name][size][s][k] for s in range(a.replicates)]))
                cells.append(f"{m:>12.4g} ±{h:<8.2g}")
                rel = abs(m - ref_m) / max(abs(ref_m), 1e-12)
                ok &= rel <= a.tolerance or abs(m - ref_m) <= h + ref_h
            bad += not ok
            print(f"{name:10} {k:28} " + " ".join(cells) + ("  yes" if ok else "  NO"))
    wall = time.perf_counter() - t0
    print(f"{bad} of {rows} rows disagree; {len(jobs)} runs in {wall:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
