"""govsim's full-scale run against covasim's default sim of the same size, back to back.

Both are timed as whole processes (start, imports, building, a year, the results), pinned to
one core, one after the other, ``--repeat`` times in alternation (so a load that comes and
goes on a shared machine falls on both): govsim's Chengdong structure for 378,800 residents
(its 12 communities, 001) for 365 days, and ``covasim.Sim(pop_size=378_800,
n_days=365)`` with every other parameter at covasim's default, run and summarised.
Prints each run's wall and CPU seconds and peak memory, the medians and the ratio
govsim / covasim.  Target (issue 20 §6): ≤ 0.5.

covasim is not a dependency of govsim: ``--covasim-python`` names a Python where it is
installed (``make bench-covasim`` makes one in ``benchmarks/.covasim-venv`` with covasim
4.0.1 and runs this script).  covasim compiles its kernels with numba on first use and
caches them; one untimed covasim run comes first so that compiling is not timed.

Usage: ``python benchmarks/covasim_ratio.py --covasim-python PATH [--repeat 3]
[--residents 378800] [--days 365]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

TARGET = 0.5  # issue 20 §6: govsim ≤ 0.5 × covasim's default sim of the same size
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

GOVSIM = """
import govsim
m = govsim.GovernanceModel("chengdong", residents={residents}, seed=0)
m.run({days})
s = m.summary()
print("participation", round(s["participation_mean"], 4))
"""

COVASIM = """
import covasim as cv
sim = cv.Sim(pop_size={residents}, n_days={days}, verbose=0)
sim.run()
print("infections", int(sim.results["cum_infections"][-1]))
"""

MEASURE = """
import json, resource, sys, time
t0 = time.perf_counter()
exec(compile(sys.argv[1], "<run>", "exec"))
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": ru.ru_utime + ru.ru_stime,
                  "peak_mb": ru.ru_maxrss / 1024.0}))
"""


def timed(python: str, code: str) -> dict:
    """One whole process on one core: wall seconds (from the interpreter's start, imports
    included), CPU seconds and peak memory."""
    import time

    t0 = time.perf_counter()
    out = subprocess.run(
        ["taskset", "-c", "0", python, "-c", MEASURE, code],
        capture_output=True,
        text=True,
        env=ENV,
    )
    wall = time.perf_counter() - t0
    if out.returncode:
        sys.exit(f"{python}: the run failed:\n{out.stderr.strip()[-2000:]}")
    got = json.loads(out.stdout.strip().splitlines()[-1])
    got["wall"] = wall  # the whole process, start-up included
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--covasim-python", required=True, help="a Python with covasim installed")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each, alternating (3)")
    ap.add_argument("--residents", type=int, default=378_800)
    ap.add_argument("--days", type=int, default=365)
    a = ap.parse_args()
    check = subprocess.run([a.covasim_python, "-c", "import covasim"], capture_output=True)
    if check.returncode:
        sys.exit(f"--covasim-python {a.covasim_python}: covasim does not import there")
    sizes = {"residents": a.residents, "days": a.days}
    runs = {"govsim": [], "covasim": []}
    print(f"{a.residents:,} residents, {a.days} days; whole processes on one core, alternating")
    timed(a.covasim_python, COVASIM.format(residents=1_000, days=5))  # numba compiles, untimed
    for i in range(a.repeat):
        for name, python, code in (
            ("govsim", sys.executable, GOVSIM),
            ("covasim", a.covasim_python, COVASIM),
        ):
            r = timed(python, code.format(**sizes))
            runs[name].append(r)
            print(
                f"  run {i + 1} {name:8s} wall {r['wall']:6.1f} s  cpu {r['cpu']:6.1f} s  "
                f"peak {r['peak_mb']:5.0f} MB",
                flush=True,
            )
    med = {n: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for n, rs in runs.items()}
    for n, m in med.items():
        print(
            f"median {n:8s} wall {m['wall']:6.1f} s  cpu {m['cpu']:6.1f} s  peak {m['peak_mb']:5.0f} MB"
        )
    ratio = med["govsim"]["wall"] / med["covasim"]["wall"]
    cpu_ratio = med["govsim"]["cpu"] / med["covasim"]["cpu"]
    ok = "met" if ratio <= TARGET else "NOT met"
    print(f"govsim / covasim: wall {ratio:.2f}, cpu {cpu_ratio:.2f} (target <= {TARGET}) -> {ok}")


if __name__ == "__main__":
    main()
