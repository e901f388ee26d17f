"""The classroom exercises (notebook 04), declared once: which lever each moves, what the
model shows at full size for the outcomes each asks about, and the size a class runs them at.

Each exercise moves one lever of the traditional structure to what a documented reform does
(``govsim.core.levers``: the same changes as ``experiments/ablations.toml``) and is
paired with the unchanged structure on the same seeds.  ``Expect`` is what the paired
difference reads as (``govsim.results.tables.finding``: "better", "worse", or "same" — no
larger than the outcome's declared ``matters``) at the full size; the class size is the
smallest tried at which every one of them reads the same in a class's minute
(``tests/test_exercises.py`` runs each at that size and fails on any other reading).  The
notebook shows the same table after each exercise (``answer``), so students compare their
prediction with what the model shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from govsim.core.levers import LEVER
from govsim.results.tables import finding, mean_ci

BASE = "baseline"  # the traditional structure every exercise changes


class Size(NamedTuple):
    residents: int
    days: int
    replicates: int  # paired seeds 0 … replicates-1


FULL_SIZE = Size(25_000, 365, 5)
# the smallest size tried at which every expected reading below holds on seeds 0-2 (tried:
# 2,000, 3,000 and 5,000 residents; 120, 180, 240 and 365 days): the street level's removal
# slows answers through a backlog at the district's departments that builds up over months —
# at 180 days, or with 2,000 residents, its interval still spans zero
CLASS_SIZE = Size(3_000, 240, 3)


@dataclass(frozen=True)
class Expect:
    outcome: str
    reads: str  # a finding(): "better", "worse" or "same" (no practical difference)


@dataclass(frozen=True)
class Exercise:
    key: str  # the changed structure's key in tables and charts
    lever: str  # a key of levers.LEVER, moved to its documented reform's value
    expect: tuple[Expect, ...]

    @property
    def name_zh(self) -> str:
        return LEVER[self.lever].reform.name_zh

    @property
    def name_en(self) -> str:
        return LEVER[self.lever].reform.name_en


# how each reads at FULL_SIZE (measured on seeds 0-4), and so at CLASS_SIZE: "same" is a
# lesson too — the lever moves that outcome by less than the smallest difference that matters
EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        "no_street",
        "no_street",
        (Expect("response_time_median_h", "worse"), Expect("cost_per_resident_yuan", "better")),
    ),
    Exercise(
        "fewer_tasks",
        "admin_tasks",
        (Expect("unreported_share", "better"), Expect("participation_mean", "same")),
    ),
    Exercise(
        "open_9_21",
        "open_9_21",
        (
            Expect("unreported_share", "better"),
            Expect("response_time_median_h", "better"),
            Expect("participation_mean", "same"),
        ),
    ),
    Exercise(
        "grid_workers",
        "grid_workers",
        (Expect("unreported_share", "same"), Expect("cost_per_resident_yuan", "worse")),
    ),
    Exercise(
        "points",
        "points",
        (Expect("participation_mean", "same"), Expect("cost_per_resident_yuan", "same")),
    ),
    Exercise(
        "orgs_run_services",
        "orgs_services",
        (Expect("response_time_median_h", "better"), Expect("cost_per_resident_yuan", "worse")),
    ),
)
EXERCISE = {e.key: e for e in EXERCISES}


def changes(key: str) -> dict:
    """The scenario changes exercise ``key`` makes in the traditional structure (dotted keys,
    ``None`` deletes): its lever at the documented reform's value."""
    from govsim.core.load import load_scenario

    lever = LEVER[EXERCISE[key].lever]
    sc = load_scenario(BASE)
    return lever.changes(sc, lever.target(sc), lever.reform.value)


def scenario(key: str):
    """The traditional structure changed by exercise ``key``, under the exercise's key and
    names (so tables and charts keep it apart from the unchanged one)."""
    from govsim.core.load import load_scenario

    ex = EXERCISE[key]
    names = {"scenario.name_zh": ex.name_zh, "scenario.name_en": ex.name_en}
    return load_scenario(BASE, changes={**changes(key), **names}, key=ex.key)


def run(scenario_or_name, size: Size = CLASS_SIZE) -> list:
    """The structure on seeds 0 … size.replicates-1 (models that have run)."""
    from govsim.core.model import GovernanceModel

    return [
        GovernanceModel(scenario_or_name, residents=size.residents, seed=k).run(size.days)
        for k in range(size.replicates)
    ]


def readings(key: str, base: list, changed: list) -> pd.DataFrame:
    """Per expected outcome of exercise ``key``: the paired difference (changed − unchanged,
    seed by seed), its 95% interval, how it reads and how the exercise expects it to read."""
    from govsim.core.summary import OUTCOMES

    before = {m.seed: m.summary() for m in base}
    after = [(m.seed, m.summary()) for m in changed if m.seed in before]  # paired by seed
    rows = []
    for e in EXERCISE[key].expect:
        info = OUTCOMES[e.outcome]
        d = np.array(
            [
                float(s[e.outcome]) - float(before[seed][e.outcome])
                for seed, s in after
                if s[e.outcome] is not None and before[seed][e.outcome] is not None
            ]
        )
        m, lo, hi = mean_ci(d)
        rows.append(
            {
                "outcome": e.outcome,
                "difference": m,
                "ci_low": lo,
                "ci_high": hi,
                "pairs": len(d),
                "reads": finding(m, lo, hi, len(d), info.matters, info.better),
                "expected": e.reads,
                "matters": info.matters,
                "unit": info.unit,
            }
        )
    return pd.DataFrame(rows)


def answer(key: str, base: list, changed: list, lang: str = "zh") -> pd.DataFrame:
    """What the model shows for the outcomes exercise ``key`` asks about, as a class reads
    it: the paired difference with its 95% interval, how it reads (better, worse, no
    practical difference, uncertain) and how it reads at full size."""
    from govsim.core.summary import OUTCOMES
    from govsim.presentation.text import (
        FRONT,
        difference_words,
        interval_words,
        label,
        signed_difference,
    )

    zh = lang == "zh"
    rows = []
    for r in readings(key, base, changed).itertuples():
        why = interval_words(r.unit, r.ci_low, r.ci_high, r.pairs, lang)
        value = signed_difference(r.unit, r.difference) + difference_words(r.unit, lang)
        value += f"（{why}）" if zh else f" ({why})"
        rows.append(
            {
                ("结果" if zh else "outcome"): OUTCOMES[r.outcome].zh
                if zh
                else OUTCOMES[r.outcome].en,
                ("配对差异" if zh else "paired difference"): value,
                ("读作" if zh else "reads"): label(FRONT, f"m_{r.reads}", lang),
                ("全规模" if zh else "at full size"): label(FRONT, f"m_{r.expected}", lang),
            }
        )
    return pd.DataFrame(rows)


def measure(size: Size = FULL_SIZE) -> pd.DataFrame:
    """Every exercise's readings at ``size`` (one row per expected outcome, with the
    exercise's key): how to check the expectations above again after the model changes,
    ``python -m govsim.experiments.exercises`` (full size, about two minutes on 2 cores)."""
    base = run(BASE, size)
    frames = [
        readings(ex.key, base, run(scenario(ex.key), size)).assign(exercise=ex.key)
        for ex in EXERCISES
    ]
    return pd.concat(frames, ignore_index=True)


if __name__ == "__main__":
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(measure(FULL_SIZE))
