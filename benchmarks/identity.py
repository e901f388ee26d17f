"""Bit-identity guard for refactors: write every built-in structure's outputs, or compare two
such snapshots exactly.

    python benchmarks/identity.py write DIR [--residents 6000] [--days 240] [--seeds 1,2]
    python benchmarks/identity.py compare OLD_DIR NEW_DIR

``write`` runs each built-in structure on each seed and writes ``summary.json``,
``daily.csv``, ``needs.parquet`` and ``hops.parquet`` with ``write_run``.  ``compare`` checks
every pair of runs: the summaries value by value (the version fields aside), the parquet
tables and the daily table (columns in any order) exactly, and prints IDENTICAL or what
differs; it exits 1 if anything differs.  Run ``write`` with the commit before a refactor
(e.g. in a ``git worktree``) and with the refactor, then ``compare``.  240 days include
the committee election (day 180).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def write(out: Path, residents: int, days: int, seeds: list[int]) -> None:
    import govsim
    from govsim.results.run_files import write_run

    for name in govsim.list_scenarios():
        for s in seeds:
            m = govsim.GovernanceModel(govsim.load_scenario(name), residents=residents, seed=s)
            m.run(days)
            write_run(m, out / name / f"s{s}", {"seed": s})
            print(name, s, flush=True)


def _diff(x, y, path: str, out: list[str]) -> None:
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                out.append(f"{path}.{k} only in one")
            else:
                _diff(x[k], y[k], f"{path}.{k}", out)
    elif x != y and not (x != x and y != y):  # NaN equals NaN here
        out.append(f"{path}: {x} != {y}")


def compare(a: Path, b: Path) -> int:
    import pandas as pd

    bad = 0
    runs_a = {p.parent.relative_to(a) for p in a.rglob("summary.json")}
    runs_b = {p.parent.relative_to(b) for p in b.rglob("summary.json")}
    if not runs_a:
        print(f"no runs in {a}: nothing to compare")
        return 1
    for run in sorted(runs_b - runs_a):
        print(run, "MISSING in", a)
        bad += 1
    for sa in sorted(a.rglob("summary.json")):
        run = sa.parent.relative_to(a)
        sb = b / run / "summary.json"
        if not sb.exists():
            print(run, "MISSING in", b)
            bad += 1
            continue
        ja, jb = (json.loads(p.read_text(encoding="utf-8")) for p in (sa, sb))
        for k in ("govsim_version", "scenario_file", "files"):
            ja.pop(k, None)
            jb.pop(k, None)
        diffs: list[str] = []
        _diff(ja, jb, "", diffs)
        for f in ("needs.parquet", "hops.parquet"):
            if not pd.read_parquet(a / run / f).equals(pd.read_parquet(b / run / f)):
                diffs.append(f"{f} differs")
        da, db = (_daily(d / run) for d in (a, b))
        if set(da.columns) != set(db.columns) or not _same(
            da[sorted(da.columns)], db[sorted(db.columns)], exact=_kind(a / run) == _kind(b / run)
        ):
            diffs.append("daily table differs")
        bad += bool(diffs)
        print(run, "IDENTICAL" if not diffs else "DIFF " + "; ".join(diffs[:6]))
    print("all identical" if not bad else f"{bad} runs differ")
    return 1 if bad else 0


def _kind(run: Path) -> str:
    return "parquet" if (run / "daily.parquet").exists() else "csv"


def _daily(run: Path):
    """The daily table (``daily.parquet``; older snapshots wrote ``daily.csv``)."""
    import pandas as pd

    if _kind(run) == "parquet":
        return pd.read_parquet(run / "daily.parquet")
    return pd.read_csv(run / "daily.csv")


def _same(x, y, exact: bool) -> bool:
    """Equal tables; across formats, equal to the 10 significant digits CSV kept."""
    import numpy as np

    if exact:
        return x.equals(y)
    return x.shape == y.shape and bool(
        np.allclose(x.to_numpy(float), y.to_numpy(float), rtol=1e-9, atol=0, equal_nan=True)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out", type=Path)
    w.add_argument("--residents", type=int, default=6000)
    w.add_argument("--days", type=int, default=240)
    w.add_argument("--seeds", default="1,2")
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = ap.parse_args()
    if args.cmd == "write":
        write(args.out, args.residents, args.days, [int(s) for s in args.seeds.split(",")])
    else:
        sys.exit(compare(args.old, args.new))


if __name__ == "__main__":
    main()
