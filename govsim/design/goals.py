"""Goals files: what a community wants of a design, and which levers may move to get it.

A goals file (``experiments/design_week.toml``) names a starting structure and the people
it serves, the levers that may move (each over its declared range, or a narrower one), the
goals a design must meet (constraints on outcomes) and what to make as good as possible
(objectives)::

    [design]
    name_zh = "…"
    name_en = "…"
    structure = "baseline"        # the starting structure (a name in scenarios/ or a path)
    population = "declared"       # its own people, or a profile's name
    residents = 3000              # residents simulated per run (a sample of the district)
    days = 365
    replicates = 2                # paired replicates of every candidate (seeds seed + k)
    seed = 0

    [search]
    generations = 10              # NSGA-II generations after the first
    candidates = 12               # designs per generation
    seed = 0                      # the optimiser's own random stream
    robust = false                # true: every candidate over the contested assumptions
    settings = 6                  # how many contested settings (a Latin hypercube)

    [levers]                      # the levers that may move (govsim/core/levers.py)
    points = {}                   # a switch: on or off
    org_activities = { low = 0, high = 60 }   # a number: a range inside the lever's own
    admin_tasks = { choices = [5, 10, 20] }   # or a few values

    [[goals]]                     # a design must meet every goal
    outcome = "handling_time_median_days"     # a column of runs.csv
    at_most = 7                               # in that column's unit
    source = "…"                              # why this goal

    [[objectives]]                # made as good as possible, in the outcome's own direction
    outcome = "cost_per_resident_yuan"

Every problem is one ``ScenarioError`` naming the file and the key, before any run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from govsim.config.declare import Strict
from govsim.config.reading import ScenarioError, check_text, read_toml
from govsim.config.scenario import MAX_DAYS, MAX_RESIDENTS, _format_error
from govsim.core.levers import LEVER, levers_of
from govsim.core.streams import MAX_SEED
from govsim.experiments.experiment import resolve_file
from govsim.results.tables import outcome_columns

MAX_EVALUATIONS = 20_000  # candidates × generations (× settings): a search of days, not weeks


class _Strict(Strict):
    """A table of a goals file: no unknown keys, no loose conversions."""


class DesignSettings(_Strict):
    name_zh: str = ""
    name_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    structure: str
    population: str = "declared"
    residents: int = Field(3000, ge=100, le=MAX_RESIDENTS)
    days: int = Field(365, ge=30, le=MAX_DAYS)
    replicates: int = Field(2, ge=1, le=100)
    seed: int = Field(0, ge=0, le=MAX_SEED)


class SearchSettings(_Strict):
    generations: int = Field(10, ge=0, le=1000)
    candidates: int = Field(12, ge=4, le=1000)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    robust: bool = False
    settings: int = Field(6, ge=2, le=200)


class LeverRange(_Strict):
    low: float | None = None
    high: float | None = None
    choices: list[bool | int | float] | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if self.choices is not None and (self.low is not None or self.high is not None):
            raise ValueError("give low and high, or choices, not both")
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high")
        if self.choices is not None:
            if len(self.choices) < 2:
                raise ValueError(f"choices need at least two values, got {self.choices}")
            if len({json.dumps(c) for c in self.choices}) != len(self.choices):
                raise ValueError(f"each choice at most once, got {self.choices}")
        return self


class Goal(_Strict):
    outcome: str
    at_most: float | None = Field(None, allow_inf_nan=False)
    at_least: float | None = Field(None, allow_inf_nan=False)
    source: str = ""

    @model_validator(mode="after")
    def _one_bound(self):
        if (self.at_most is None) == (self.at_least is None):
            raise ValueError("give at_most or at_least (one of them)")
        return self


class Objective(_Strict):
    outcome: str
    # the direction: the outcome's declared one (lower or higher is better) unless given
    sense: Literal["min", "max"] | None = None


class GoalsFile(_Strict):
    design: DesignSettings
    search: SearchSettings = Field(default_factory=SearchSettings)
    levers: dict[str, LeverRange] = Field(min_length=1)
    goals: list[Goal] = Field(default_factory=list)
    objectives: list[Objective] = Field(min_length=1)


# ---------------------------------------------------------------- the validated goals
@dataclass(frozen=True)
class Variable:
    """One lever the search moves: a switch, a whole number, a number (over ``low`` …
    ``high``, on the lever's ``step``) or one of ``choices``."""

    lever: str
    kind: Literal["switch", "int", "float", "choice"]
    low: float = 0.0
    high: float = 1.0
    step: float = 1.0
    choices: tuple = ()
    current: Any = None  # its value in the starting structure

    def snap(self, value: Any) -> Any:
        """``value`` as the lever takes it: a switch a bool, a number on the lever's step
        inside the range (so that designs read as a person would set them)."""
        if self.kind == "switch":
            return bool(value)
        if self.kind == "choice":  # the declared value itself (a Python bool, int or float)
            return (
                next(c for c in self.choices if c == value and type(c) is not bool)
                if not isinstance(value, (bool, np.bool_))
                else bool(value)
            )
        if self.kind == "int":
            return int(min(max(round(float(value)), self.low), self.high))
        steps = round((float(value) - self.low) / self.step)
        return float(min(max(round(self.low + steps * self.step, 6), self.low), self.high))


@dataclass(frozen=True)
class Target:
    """A goal (``bound`` with ``op`` "at_most"/"at_least") or an objective (``sense``) on an
    outcome column, with the smallest difference that matters in that column's unit."""

    outcome: str
    sense: Literal["min", "max"]
    matters: float
    bound: float | None = None
    source: str = ""

    @property
    def op(self) -> str:
        return "at_most" if self.sense == "min" else "at_least"


@dataclass
class Goals:
    file: str
    design: DesignSettings
    search: SearchSettings
    variables: list[Variable]
    goals: list[Target]
    objectives: list[Target]
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def key(self) -> str:
        return Path(self.file).stem

    def config(self) -> dict:
        """What defines the search, as validated (not the file's path, names or sources; a
        default given or left out is the same): the sizes, the levers and their ranges, the
        goals and objectives, the starting structure and population as loaded, and govsim's
        version.  A directory holds one search, and a restart goes on only with the same."""
        import dataclasses

        from govsim.core.load import load_scenario
        from govsim.experiments.experiment import digest
        from govsim.version import __version__

        cosmetic = {"name_zh", "name_en", "description_zh", "description_en"}
        start = load_scenario(self.design.structure).model_dump(mode="json")
        return {
            "design": {
                k: v for k, v in self.design.model_dump(mode="json").items() if k not in cosmetic
            },
            "search": self.search.model_dump(mode="json"),
            "variables": [dataclasses.asdict(v) for v in self.variables],
            "goals": [
                {k: v for k, v in dataclasses.asdict(t).items() if k != "source"}
                for t in self.goals
            ],
            "objectives": [
                {k: v for k, v in dataclasses.asdict(t).items() if k != "source"}
                for t in self.objectives
            ],
            "start": digest(start),
            "version": __version__,
        }


def load_goals(name_or_path: str | Path) -> Goals:
    """Read and validate a goals file (a name in ``experiments/`` or a path)."""
    path = resolve_file(name_or_path, goals=True)
    raw = read_toml(path)
    check_text(raw, path)
    if "experiment" in raw and "design" not in raw:
        raise ScenarioError(
            path, "design", "an experiment file, not a goals file: run it with govsim batch"
        )
    return goals_from(str(path), raw)


def goals_from(file: str, raw: dict) -> Goals:
    """Goals from a goals file's data as read (a search's ``design.json`` keeps it)."""
    try:
        f = GoalsFile.model_validate(raw)
    except ValidationError as err:
        raise _format_error(Path(file), err, GoalsFile) from None
    return _build(file, f, raw)


def _build(file: str, f: GoalsFile, raw: dict) -> Goals:
    from govsim.core.load import load_population, load_scenario

    d = f.design
    try:
        sc = load_scenario(d.structure)
    except ScenarioError as e:
        raise ScenarioError(file, "design.structure", f"{d.structure!r}: {e}") from None
    if d.population != "declared":
        try:
            load_population(d.population)
        except ScenarioError as e:
            raise ScenarioError(file, "design.population", f"{d.population!r}: {e}") from None
    targets = levers_of(sc)
    variables = []
    for key, rng in f.levers.items():
        where = f"levers.{key}"
        lever = LEVER.get(key)
        if lever is None:
            raise ScenarioError(file, where, f"no lever {key!r}; levers: {', '.join(LEVER)}")
        if key not in targets:
            raise ScenarioError(
                file,
                where,
                f"lever {key!r} needs {lever.needs}, which structure {sc.key!r} lacks; its "
                f"levers: {', '.join(sorted(targets))}",
            )
        current = lever.current(sc, targets[key])
        variables.append(_variable(file, where, lever, rng, current))
    columns = outcome_columns()
    goals = [
        _target(file, f"goals[{i}]", g.outcome, columns, None, g) for i, g in enumerate(f.goals)
    ]
    objectives = [
        _target(file, f"objectives[{i}]", o.outcome, columns, o.sense, None)
        for i, o in enumerate(f.objectives)
    ]
    seen = [o.outcome for o in objectives]
    if len(set(seen)) != len(seen):
        raise ScenarioError(file, "objectives", f"each outcome at most once, got {seen}")
    s = f.search
    n = (s.generations + 1) * s.candidates * (s.settings if s.robust else 1)
    if n > MAX_EVALUATIONS:
        raise ScenarioError(
            file,
            "search",
            f"{n:,} evaluations ((generations + 1) × candidates"
            + (" × settings" if s.robust else "")
            + f"); at most {MAX_EVALUATIONS:,}",
        )
    if s.robust:
        from govsim.experiments.experiment import load_experiment

        contested = load_experiment("contested")
        if sc.key not in contested.settings.structures:
            raise ScenarioError(
                file,
                "search.robust",
                f"the contested assumptions (experiments/contested.toml) name no ranges for "
                f"{sc.key!r}; its structures: {', '.join(contested.settings.structures)}",
            )
    return Goals(file, d, s, variables, goals, objectives, raw)


def _variable(file: str, where: str, lever, rng: LeverRange, current) -> Variable:
    if lever.kind == "switch":
        if rng.low is not None:
            raise ScenarioError(file, where, f"lever {lever.key!r} is a switch: no low or high")
        if rng.choices is not None and any(not isinstance(c, bool) for c in rng.choices):
            raise ScenarioError(file, f"{where}.choices", "a switch takes true or false")
        return Variable(lever.key, "switch", current=current)
    if rng.choices is not None:
        for c in rng.choices:
            wrong = lever.check(c)
            if wrong is None and not lever.lo <= c <= lever.hi:
                wrong = f"a value from {lever.lo:g} to {lever.hi:g}"
            if wrong is not None:
                raise ScenarioError(
                    file, f"{where}.choices", f"lever {lever.key!r} takes {wrong}, got {c!r}"
                )
        return Variable(lever.key, "choice", choices=tuple(rng.choices), current=current)
    lo, hi = (lever.lo, lever.hi) if rng.low is None else (rng.low, rng.high)
    if not lever.lo <= lo < hi <= lever.hi:
        raise ScenarioError(
            file,
            where,
            f"lever {lever.key!r} moves from {lever.lo:g} to {lever.hi:g}: give low < high "
            f"inside that, got [{lo:g}, {hi:g}]",
        )
    if lever.kind == "int" and not (float(lo).is_integer() and float(hi).is_integer()):
        raise ScenarioError(file, where, f"lever {lever.key!r} takes whole numbers")
    return Variable(lever.key, lever.kind, float(lo), float(hi), float(lever.step), (), current)


def _target(file, where, column, columns, sense, goal: Goal | None) -> Target:
    if column not in columns:
        near = [c for c in columns if column.split("_")[0] in c][:6]
        raise ScenarioError(
            file,
            f"{where}.outcome",
            f"no outcome column {column!r}"
            + (f"; perhaps {', '.join(near)}" if near else "")
            + " (the columns of runs.csv: govsim params lists the outcomes)",
        )
    _, better, matters, factor = columns[column]
    if goal is not None:
        sense = "min" if goal.at_most is not None else "max"
        bound = goal.at_most if goal.at_most is not None else goal.at_least
        return Target(column, sense, (matters or 0.0) * factor, bound, goal.source)
    if sense is None:
        if better not in ("lower", "higher"):
            raise ScenarioError(
                file,
                f"{where}.sense",
                f'{column!r} declares no better direction: give sense = "min" or "max"',
            )
        sense = "min" if better == "lower" else "max"
    return Target(column, sense, (matters or 0.0) * factor, None)


def with_settings(goals: Goals, **changes) -> Goals:
    """``goals`` with the command line's sizes instead of the file's (None: the file's),
    checked like the file's: an error names the argument."""
    import dataclasses

    given = {k: v for k, v in changes.items() if v is not None}
    if not given:
        return goals
    design_keys = {"residents", "days", "replicates"}
    raw = json.loads(json.dumps(goals.raw))
    for k, v in given.items():
        raw.setdefault("design" if k in design_keys else "search", {})[k] = v
    try:
        design = DesignSettings.model_validate(raw["design"])
        search = SearchSettings.model_validate(raw.get("search", {}))
    except ValidationError as err:
        e = err.errors()[0]
        key = str(e["loc"][0])
        raise ScenarioError(
            "command line", f"--{key}", e["msg"].removeprefix("Value error, ")
        ) from None
    n = (search.generations + 1) * search.candidates * (search.settings if search.robust else 1)
    if n > MAX_EVALUATIONS:
        raise ScenarioError(
            "command line", "--generations", f"{n:,} evaluations; at most {MAX_EVALUATIONS:,}"
        )
    return dataclasses.replace(goals, design=design, search=search, raw=raw)
