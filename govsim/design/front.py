"""What a search leaves: the front of designs that meet the goals, the built-in structures
on the same axes, the designs as scenario files, and how the search converged.

The front is an ε-front (Laumanns et al.'s ε-box dominance): objectives are cut into boxes
as wide as each outcome's smallest difference that matters (``Outcome.matters``), one design
is kept per box (the one nearest the box's best corner), and a box that another box
dominates is dropped (rule 8: designs in one box are one design, not a trade-off; two
designs a hair apart on either side of a box's edge can both stay).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from govsim.design.goals import Goals, Target
from govsim.design.search import START, meets, violation

FRONT = "front.parquet"
CONVERGENCE = "convergence.csv"
DESIGNS = "designs"
STRUCTURES = "structures"
TOLERANCE = 1e-9  # an outcome whose declared smallest difference is 0 still gets a box
CLOSEST = 5  # when no design meets the goals: how many of the closest the front shows
# the hypervolume's reference point on objectives scaled to [0, 1]: the usual 1.1, a little
# beyond the worst design so that the worst designs on the front count too
REFERENCE = 1.1


def minimised(goals: Goals, table: pd.DataFrame) -> np.ndarray:
    """The objectives of every row as minimised numbers (better higher: negated)."""
    cols = [
        table[o.outcome].to_numpy(float) * (1 if o.sense == "min" else -1) for o in goals.objectives
    ]
    return np.column_stack(cols) if cols else np.zeros((len(table), 0))


def epsilons(goals: Goals) -> np.ndarray:
    return np.array([max(o.matters, TOLERANCE) for o in goals.objectives])


def _dominates(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(a <= b) and np.any(a < b))


def epsilon_front(f: np.ndarray, eps: np.ndarray) -> list[int]:
    """The rows of ``f`` (minimised objectives) on the ε-front, in row order."""
    if len(f) == 0:
        return []
    boxes = np.floor(f / eps)
    best: dict[tuple, int] = {}
    for i, b in enumerate(map(tuple, boxes)):
        j = best.get(b)
        corner = np.array(b) * eps
        if j is None or np.linalg.norm((f[i] - corner) / eps) < np.linalg.norm(
            (f[j] - corner) / eps
        ):
            best[b] = i
    keys = list(best)
    kept = [
        best[b]
        for b in keys
        if not any(_dominates(np.array(o), np.array(b)) for o in keys if o != b)
    ]
    return sorted(kept)


def front(goals: Goals, evaluations: pd.DataFrame) -> pd.DataFrame:
    """The designs on the front: the ε-front of the designs that meet every goal; when none
    does, the five that miss them least (``met`` false), so the table says how close the
    search came."""
    ok = evaluations[~evaluations["failed"]]
    met = ok[ok["met"]]
    if len(met):
        rows = met.iloc[epsilon_front(minimised(goals, met), epsilons(goals))].copy()
    else:
        miss = ok.apply(
            lambda r: sum(max(violation(t, r[t.outcome]), 0) for t in goals.goals), axis=1
        )
        rows = (
            ok.assign(miss=miss).sort_values(["miss", "order"]).head(CLOSEST).drop(columns="miss")
        )
    first = goals.objectives[0]
    rows = rows.sort_values(first.outcome, ascending=first.sense == "min", kind="stable")
    rows.insert(0, "design", [f"{goals.key}_{i + 1}" for i in range(len(rows))])
    return rows.reset_index(drop=True)


def convergence(goals: Goals, evaluations: pd.DataFrame) -> pd.DataFrame:
    """The hypervolume of the front of the designs meeting the goals found by each
    generation, on objectives scaled to [0, 1] over every feasible design evaluated (1.1
    the reference point), as a share of the box up to the reference point (0 to 1): it
    stops growing when the search stops finding better designs."""
    from pymoo.indicators.hv import HV

    ok = evaluations[evaluations["met"] & ~evaluations["failed"]]
    gens = sorted(evaluations["generation"].unique())
    rows = []
    if len(ok):
        f = minimised(goals, ok)
        lo, hi = f.min(axis=0), f.max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        hv = HV(ref_point=np.full(f.shape[1], REFERENCE))
    for g in gens:
        upto = ok["generation"].to_numpy() <= g if len(ok) else np.array([], bool)
        value = 0.0
        if len(ok) and upto.any():
            z = (f[upto] - lo) / span
            value = float(hv(z)) / REFERENCE ** f.shape[1]  # a share of the box to it
        rows.append(
            {
                "generation": int(g),
                "evaluated": int((evaluations["generation"] <= g).sum()),
                "meeting_goals": int(upto.sum()) if len(ok) else 0,
                "hypervolume": value,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- built-in structures
def standing(goals: Goals, designs: pd.DataFrame, structures: pd.DataFrame) -> pd.DataFrame:
    """Each built-in structure on the same people and seeds: whether it meets the goals,
    and whether it lies on or behind the front (some design on the front meets the goals
    and is no worse on any objective by more than its smallest difference that matters)."""
    eps = epsilons(goals)
    fd = minimised(goals, designs) if len(designs) and designs["met"].all() else np.zeros((0, 0))
    fs = minimised(goals, structures)
    rows = []
    for i, (_, s) in enumerate(structures.iterrows()):
        met = meets(goals, s)
        behind = [designs["design"].iloc[j] for j in range(len(fd)) if np.all(fd[j] <= fs[i] + eps)]
        rows.append(
            {
                "structure": s["structure"],
                "met": met,
                "behind_front": bool(behind),
                "matched_by": behind[0] if behind else "",
                **{t.outcome: s[t.outcome] for t in [*goals.objectives, *goals.goals]},
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- designs as files
def design_file(goals: Goals, row: pd.Series, lang_names: dict[str, str]) -> str:
    """A scenario file that extends the starting structure and sets only the levers the
    design moves, each with the search as its source."""
    from govsim.core.levers import LEVER
    from govsim.core.load import load_scenario
    from govsim.design.search import written_levers

    moved = written_levers(goals, load_scenario(goals.design.structure), row["levers"])
    start = goals.design.structure
    extends = (
        start if "/" not in start and not start.endswith(".toml") else str(Path(start).resolve())
    )
    src = f"design search {goals.key}, generation {int(row['generation'])}"
    lines = [
        f"# {row['design']}: a design found by `govsim design {Path(goals.file).name}` "
        f"(candidate {row['name']}),",
        f"# evaluated on {goals.design.replicates} paired replicates of "
        f"{goals.design.residents:,} residents over {goals.design.days} days.",
        "# Load it in any command by its path: the starting structure with the levers below.",
        "",
        f"extends = {_toml(extends)}",
        "",
        "[scenario]",
        f"name_zh = {_toml(lang_names['zh'])}",
        f"name_en = {_toml(lang_names['en'])}",
        "reference = false",
        f"before = {_toml(extends)}  # compared with the structure it starts from",
        "",
        "[levers]",
    ]
    for key, value in moved.items():
        unit = LEVER[key].unit("en")
        lines.append(f"# {LEVER[key].name_en}" + (f" ({unit})" if unit else ""))
        lines.append(f"{key} = {{ value = {_toml(value)}, source = {_toml(src)} }}")
    return "\n".join(lines) + "\n"


def _toml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"not a finite number: {v}")
        return repr(v)
    return json.dumps(str(v), ensure_ascii=False)


__all__ = ["START", "Target", "front", "convergence", "standing", "design_file", "epsilon_front"]
