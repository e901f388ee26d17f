"""The classroom exercises teach what the model shows: each exercise's outcomes read at the
size a class runs them (``exercises.CLASS_SIZE``) as they do at full size — the readings
declared once in ``govsim.experiments.exercises`` and shown by notebook 04 beside the class's
own run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from govsim.core.levers import LEVER
from govsim.core.summary import OUTCOMES
from govsim.experiments import exercises

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_课堂练习_what_if.ipynb"


def test_each_exercise_moves_a_documented_lever_and_expects_a_reading():
    assert len(exercises.EXERCISES) == 6
    assert len(exercises.EXERCISE) == 6, "exercise keys are unique"
    for ex in exercises.EXERCISES:
        lever = LEVER[ex.lever]
        assert lever.reform is not None, f"{ex.key}: its lever has no documented reform"
        assert exercises.changes(ex.key), f"{ex.key}: changes nothing"
        assert ex.expect, f"{ex.key}: expects nothing"
        for e in ex.expect:
            info = OUTCOMES[e.outcome]
            # a reading needs the outcome's better way and smallest difference that matters
            assert info.better and info.matters, f"{ex.key}: {e.outcome} cannot read"
            assert e.reads in ("better", "worse", "same"), f"{ex.key}: {e.reads}"


def test_the_class_size_is_a_class_minute():
    size = exercises.CLASS_SIZE
    # seven structures (the unchanged one and six exercises), each on every seed
    assert size.replicates >= 3, "an interval needs a few pairs"
    assert size.residents * size.days * size.replicates <= 3_000 * 365 * 3


@dataclass
class _Run:
    seed: int
    values: dict

    def summary(self):
        return self.values


def test_a_reading_follows_the_paired_difference():
    """readings() can fail: a difference inside the outcome's `matters` reads "same", a clear
    one in the worse direction "worse", one whose interval spans zero "noise"."""
    h = "response_time_median_h"
    base = [_Run(k, {h: 100.0, "cost_per_resident_yuan": 50.0}) for k in range(3)]
    slower = [_Run(k, {h: 100.0 + 200 + k, "cost_per_resident_yuan": 49.0}) for k in range(3)]
    r = exercises.readings("no_street", base, slower).set_index("outcome")
    assert r.loc[h, "reads"] == "worse" and r.loc[h, "expected"] == "worse"
    assert r.loc["cost_per_resident_yuan", "reads"] == "same"  # 1 yuan: less than matters
    noisy = [
        _Run(k, {h: 100.0 + (-300, 300, 60)[k], "cost_per_resident_yuan": 50.0}) for k in range(3)
    ]
    assert (
        exercises.readings("no_street", base, noisy).set_index("outcome").loc[h, "reads"] == "noise"
    )
    table = exercises.answer("no_street", base, slower, "en")
    assert list(table.iloc[0]) == [
        OUTCOMES[h].en,
        "+8.4 days (95% interval +8.3 to +8.5)",
        "worse",
        "worse",
    ]
    # the same difference on every seed: no zero-width interval
    assert table.iloc[1, 1] == "−1 yuan a year (the same in every replicate)"
    assert list(table.iloc[1, 2:]) == ["no practical difference", "better"]


def test_notebook_04_runs_each_exercise_at_the_class_size_and_shows_its_answer():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert "FULL_SIZE if FULL else CLASS_SIZE" in code[0]
    text = "\n".join(code)
    for ex in exercises.EXERCISES:
        assert text.count(f'exercise("{ex.key}")') == 1, f"{ex.key}: not run once"
        assert text.count(f'answer("{ex.key}",') == 1, f"{ex.key}: its answer is not shown"


def test_notebook_02_runs_its_one_lever_ablations_at_the_class_size():
    nb = NOTEBOOK.with_name("02_比较_compare.ipynb")
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "LEVERS_SIZE = FULL_SIZE if FULL else CLASS_SIZE" in code
    for part in ("residents", "days", "replicates"):
        assert f"{part}=LEVERS_SIZE.{part}" in code, f"the ablations' {part}"


@pytest.fixture(scope="module")
def unchanged():
    return exercises.run(exercises.BASE, exercises.CLASS_SIZE)


@pytest.mark.slow
@pytest.mark.parametrize("key", [ex.key for ex in exercises.EXERCISES])
def test_each_exercise_reads_at_the_class_size_as_at_full_size(key, unchanged):
    changed = exercises.run(exercises.scenario(key), exercises.CLASS_SIZE)
    r = exercises.readings(key, unchanged, changed)
    wrong = r[r.reads != r.expected]
    assert wrong.empty, f"{key} at {exercises.CLASS_SIZE}:\n{wrong.to_string()}"
