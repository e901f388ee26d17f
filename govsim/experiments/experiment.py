"""Experiment files: which runs a batch makes (``experiments/*.toml``).

An experiment names structures (the first is the reference), the population profiles they
run on, lever changes as named **variants** or as **ranges** sampled on a grid or a Latin
hypercube, the number of replicates, residents and days, and which outputs to keep::

    [experiment]
    name_zh = "…"
    name_en = "…"
    structures = ["reference", "reform"]   # names in scenarios/, or paths
    populations = ["declared"]    # each structure's own; or profile names
    replicates = 5
    residents = 25000
    days = 365
    seed = 0
    outputs = ["daily", "needs", "hops"]
    compare_with = "before"       # each structure with its own before-structure (default),
                                  # or one structure's name: every structure with that one

    [variants.open_late]          # one lever moved, on the structures named
    name_zh = "…"
    name_en = "…"
    structures = ["reference"]
    scenario = { "institutions.rc.hours" = "extended" }
    population = { "behaviour.base_logit" = -2.5 }
    remove = ["institutions.street"]     # scenario keys deleted

    [variants.no_street]          # a lever of govsim.core.levers: its name, source
    lever = "no_street"           # and changes in each structure, at its documented reform
    value = true                  # (or this value)

    [variants.design]             # several levers at once, each checked by its lever,
    levers = { points = true, org_activities = 8 }   # named from their names and values

    [[ranges]]                    # a lever or an assumption over a range
    key = "institutions.service.staff"
    file = "scenario"             # or "population"
    structures = ["reform"]
    factor = [0.5, 1.5]           # relative to the file's value; or low/high absolute
    source = "assumption: …"

    [[ranges]]                    # an assumption that is one of a few values, not a number
    key = "institutions.rc.hours"
    file = "scenario"
    structures = ["reference"]
    choices = ["office", "daily_day"]  # sampled with equal weight
    source = "assumption: …"

    [sampling]                    # how ``govsim batch`` samples the ranges
    method = "lhs"                # or "grid"
    points = 16                   # lhs: points; grid: levels per range

Validated like a scenario file: every problem is one ``ScenarioError`` naming the file and
the key.  ``resolve(experiment)`` turns it into the list of runs; each run carries a hash of
everything that determines its outputs (the loaded structure and population after changes,
residents, days, seed, outputs), which is how a restarted batch knows a run is done.

Common random numbers (rule 3): replicate ``k`` uses seed ``seed + k`` in every structure,
variant and sampled point, so within a replicate they meet the same residents and the same
stream of needs.

Pairing (rule 7, a reform is compared with what existed before it in that place): each
structure is paired with the structure its file names as ``[scenario] before``, run on the
SAME population and seeds; a before-structure the experiment does not list is added (and
its own before, down to a reference, a file with ``reference = true`` and no ``before``).
A structure whose file names none is paired with the experiment's first structure.
``compare_with = "<structure>"`` forces one structure for all (the old single reference).
A ``before`` that names no structure, or a chain of them that comes back to itself, is one
``ScenarioError`` naming the file and the key, before any run.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator

from govsim.config.declare import Strict
from govsim.config.reading import (
    MAX_NAME,
    NAME_RULE,
    ScenarioError,
    check_text,
    read_toml,
    shown_name,
    valid_name,
)
from govsim.config.scenario import MAX_DAYS, MAX_RESIDENTS, _format_error, declared_type
from govsim.core.levers import LEVER, lever_problem, scenario_changes
from govsim.core.streams import MAX_SEED
from govsim.version import __version__

EXPERIMENT_DIR = Path(__file__).resolve().parents[2] / "experiments"
BASE = "base"  # the variant with no changes
COMPARE = "compare"  # the file of the experiment ``govsim compare`` makes: it has none
OUTPUTS = ("daily", "needs", "hops")  # optional outputs; summary, outcomes, scenario always
NAME = re.compile(r"^[A-Za-z0-9_]+$")  # a variant's name (with at most MAX_NAME characters)
VARIANT_RULE = f"1 to {MAX_NAME} letters A–Z or a–z, digits and '_'"
MAX_RUNS = 100_000
# what names and explains an experiment without changing a run: left out of its hash
COSMETIC = ("name_zh", "name_en", "description_zh", "description_en", "source")


class _Strict(Strict):
    """A table of an experiment file: no unknown keys, no loose conversions (``Strict``)."""


class Settings(_Strict):
    name_zh: str = ""
    name_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    structures: list[str] = Field(min_length=1)  # named by every file: no default plan
    populations: list[str] = Field(default_factory=lambda: ["declared"], min_length=1)
    replicates: int = Field(5, ge=1, le=10_000)
    residents: int = Field(25_000, ge=1, le=MAX_RESIDENTS)
    days: int = Field(365, ge=1, le=MAX_DAYS)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    outputs: list[Literal["daily", "needs", "hops"]] = Field(default_factory=lambda: [*OUTPUTS])
    # what each structure is paired with: "before" — what existed before it in its place
    # (its file's ``[scenario] before``); or one of ``structures``, for every structure
    compare_with: str = "before"

    @field_validator("structures", "populations")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if any(not x.strip() for x in v):
            raise ValueError(f"a name or path of a file, not empty, got {v}")
        if len(set(v)) != len(v):
            raise ValueError(f"each name at most once, got {v}")
        return v


class Variant(_Strict):
    name_zh: str = ""
    name_en: str = ""
    structures: list[str] | None = None  # default: every structure
    scenario: dict[str, Any] = Field(default_factory=dict)
    population: dict[str, Any] = Field(default_factory=dict)
    remove: list[str] = Field(default_factory=list)  # scenario keys deleted (TOML has no null)
    lever: str | None = None  # a lever of govsim.core.levers instead of scenario keys
    value: Any = None  # the lever's value (checked by the lever; default: its reform's)
    levers: dict[str, Any] | None = None  # several levers and their values
    source: str = ""


class Range(_Strict):
    key: str
    name_zh: str = ""  # how charts name it (default: the key)
    name_en: str = ""
    file: Literal["scenario", "population"] = "population"
    structures: list[str] | None = None  # scenario keys: the structures whose file has it
    low: float | None = None
    high: float | None = None
    factor: tuple[float, float] | None = None
    # the values a categorical assumption takes (a word, yes/no, a number), sampled with
    # equal weight: the sampled number in [0, len(choices)) picks choices[floor(number)]
    choices: list[str | bool | int | float] | None = None
    integer: bool = False
    source: str = ""

    def model_post_init(self, _):
        absolute = self.low is not None or self.high is not None
        if self.choices is not None:
            if absolute or self.factor is not None or self.integer:
                raise ValueError("choices take no low, high, factor or integer")
            if len(self.choices) < 2:
                raise ValueError(f"choices need at least two values, got {self.choices}")
            if len({json.dumps(c) for c in self.choices}) != len(self.choices):
                raise ValueError(f"each choice at most once, got {self.choices}")
            return
        if absolute == (self.factor is not None):
            raise ValueError("give either low and high, factor = [low, high], or choices")
        lo, hi = self.factor if self.factor is not None else (self.low, self.high)
        if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError("low and high must both be finite numbers")
        if not lo < hi:
            raise ValueError(f"low must be below high, got [{lo}, {hi}]")

    @property
    def name(self) -> str:
        where = f"[{','.join(self.structures)}]" if self.structures else ""
        return f"{self.file}.{self.key}{where}"

    @property
    def bounds(self) -> tuple[float, float]:
        """The interval sampled: the factors, the values, or [0, number of choices)."""
        if self.choices is not None:
            return 0.0, float(len(self.choices))
        return self.factor if self.factor is not None else (self.low, self.high)

    def pick(self, v: float):
        """The choice a sampled number stands for (a number range: the number itself)."""
        if self.choices is None:
            return v
        return self.choices[min(max(int(math.floor(v)), 0), len(self.choices) - 1)]


class Sampling(_Strict):
    """How the ranges are sampled: ``grid`` (``points`` levels per range, every
    combination), ``lhs`` (``points`` points of a Latin hypercube), or SALib's designs for
    sensitivity analysis: ``morris`` (``points`` trajectories of ``levels`` levels) and
    ``sobol`` (Saltelli's scheme: ``points`` base samples, a power of 2, first and total
    order)."""

    method: Literal["grid", "lhs", "morris", "sobol"] = "lhs"
    points: int = Field(8, ge=1, le=10_000)
    levels: int = Field(4, ge=2, le=20)
    seed: int = Field(0, ge=0)

    def model_post_init(self, _):
        if self.method == "sobol" and self.points & (self.points - 1):
            raise ValueError(f"sobol needs points = a power of 2, got {self.points}")
        if self.method == "morris" and self.points < 2:  # σ and μ*'s interval need two
            raise ValueError(
                "morris needs at least 2 trajectories (points = 2 or more): the spread of a "
                f"parameter's effects is undefined from one; got {self.points}"
            )


class ExperimentFile(_Strict):
    experiment: Settings
    variants: dict[str, Variant] = Field(default_factory=dict)
    ranges: list[Range] = Field(default_factory=list)
    sampling: Sampling = Field(default_factory=Sampling)


@dataclass(frozen=True)
class RunSpec:
    """One run of a batch: where it goes and everything that determines its outputs."""

    structure: str  # the scenario's key
    scenario: str  # name or path, as loaded
    variant: str
    population: str  # the profile's name (its file's stem)
    profile: str  # the profile as loaded: a name or a path
    replicate: int
    seed: int
    residents: int
    days: int
    scenario_changes: tuple[tuple[str, Any], ...]
    population_changes: tuple[tuple[str, Any], ...]
    outputs: tuple[str, ...]
    key: str  # the run's key in tables and charts
    reference: str  # the run key it is paired with (itself for the reference)
    config_hash: str = ""
    # the structure and population exactly as validated when the batch was planned (changes
    # applied): what the run builds its model from, so a file edited during a batch, or a
    # worker on another machine with other files, cannot make it differ from its hash
    scenario_data: dict | None = field(default=None, compare=False, repr=False)
    population_data: dict | None = field(default=None, compare=False, repr=False)

    @property
    def partition(self) -> str:
        """The run's directory below ``runs/`` (hive partitioning)."""
        return (
            f"structure={self.structure}/variant={self.variant}/"
            f"population={self.population}/replicate={self.replicate}"
        )

    @property
    def columns(self) -> dict[str, Any]:
        """The partition columns, also stored inside the run's files."""
        return {
            "structure": self.structure,
            "variant": self.variant,
            "population": self.population,
            "replicate": self.replicate,
        }


@dataclass
class Experiment:
    """A validated experiment: its file (or ``<compare>``), settings, variants and ranges."""

    file: str
    settings: Settings
    variants: dict[str, Variant] = field(default_factory=dict)
    ranges: list[Range] = field(default_factory=list)
    sampling: Sampling = field(default_factory=Sampling)
    points: list[dict[str, float]] = field(default_factory=list)  # sampled range values

    @property
    def key(self) -> str:
        return Path(self.file).stem

    def config(self) -> dict:
        """Everything that defines the experiment (not its file's path), as the results
        directory's manifest records it."""
        return {
            "settings": self.settings.model_dump(mode="json"),
            "variants": {k: v.model_dump(mode="json") for k, v in self.variants.items()},
            "ranges": [r.model_dump(mode="json") for r in self.ranges],
            "sampling": self.sampling.model_dump(mode="json"),
            "points": self.points,
        }

    def config_hash(self) -> str:
        """The experiment's identity: its configuration without names, descriptions and
        sources (editing those does not make it another experiment)."""
        return digest(_without(self.config(), COSMETIC))

    def variant_names(self) -> dict[str, dict[str, str]]:
        names = {k: {"zh": v.name_zh or k, "en": v.name_en or k} for k, v in self.variants.items()}
        return {BASE: {"zh": "", "en": ""}, **names}


def _without(obj, keys: tuple[str, ...]):
    if isinstance(obj, dict):
        return {k: _without(v, keys) for k, v in obj.items() if k not in keys}
    if isinstance(obj, list):
        return [_without(v, keys) for v in obj]
    return obj


def digest(obj) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _invalid(file: str, err: ValidationError, within: str = "") -> ScenarioError:
    """A settings object's first validation error as one ``ScenarioError`` whose key is
    the field's place ``within`` a table of ``file`` (a file or a command)."""
    e = err.errors()[0]
    key = ".".join([within, *map(str, e["loc"])] if within else map(str, e["loc"]))
    return ScenarioError(file, key, e["msg"].removeprefix("Value error, "))


def _error(path, err: ValidationError) -> ScenarioError:
    return _format_error(Path(path), err, ExperimentFile)


def is_goals_file(path: Path) -> bool:
    """A goals file (``govsim design``) has a ``[design]`` table; an experiment file an
    ``[experiment]`` one.  Both live in ``experiments/``."""
    try:
        return "design" in read_toml(path)
    except ScenarioError:
        return False


def resolve_file(name_or_path: str | Path, goals: bool = False) -> Path:
    """The experiment file (``goals``: the goals file) a command names: a path, or a name in
    ``experiments/``; one that is not there is one ``ScenarioError`` listing the known."""
    what = "goals file" if goals else "experiment file"
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise ScenarioError(p, "(file)", f"no such {what}")
        return p
    candidate = EXPERIMENT_DIR / f"{name_or_path}.toml"
    if not candidate.is_file():
        known = sorted(f.stem for f in EXPERIMENT_DIR.glob("*.toml") if is_goals_file(f) == goals)
        raise ScenarioError(
            candidate,
            "(file)",
            f"no {what.removesuffix(' file')} named {str(name_or_path)!r}; known: "
            f"{', '.join(known) or 'none'}",
        )
    return candidate


def load_experiment(name_or_path: str | Path) -> Experiment:
    """Read and validate an experiment file (a name in ``experiments/`` or a path)."""
    path = resolve_file(name_or_path)
    raw = read_toml(path)
    check_text(raw, path)
    if "design" in raw and "experiment" not in raw:
        raise ScenarioError(
            path, "design", "a goals file, not an experiment file: run it with govsim design"
        )
    table = raw.get("experiment", {})
    if isinstance(table, dict) and "structures" not in table:  # never a default plan
        raise ScenarioError(
            path,
            "experiment.structures",
            ("the file is empty; " if not raw else "")
            + "an experiment names the structures it runs, e.g. [experiment] structures = "
            '["baseline", "chengdong"] (the first is the reference)',
        )
    try:
        f = ExperimentFile.model_validate(raw)
    except ValidationError as err:
        raise _error(path, err) from None
    return build(str(path), f.experiment, f.variants, f.ranges, f.sampling)


def build(
    file: str,
    settings: Settings,
    variants: dict[str, Variant] | None = None,
    ranges: list[Range] | None = None,
    sampling: Sampling | None = None,
) -> Experiment:
    """Cross-check an experiment and sample its ranges (``points``)."""
    variants = dict(variants or {})
    ranges = list(ranges or [])
    sampling = sampling or Sampling()
    _both_names(file, "experiment.", settings, Path(file).stem)
    for name, v in variants.items():
        _both_names(file, f"variants.{shown_name(name)}.", v, shown_name(name))
    for i, r in enumerate(ranges):
        _both_names(file, f"ranges[{i}].", r, r.key)
    for name, v in variants.items():
        if name == BASE:
            raise ScenarioError(
                file,
                f"variants.{name}",
                f"{BASE!r} names the structures unchanged; give the variant another name",
            )
        if not NAME.fullmatch(name) or len(name) > MAX_NAME:
            shown = shown_name(name)
            raise ScenarioError(
                file, f"variants.{shown}", f"a variant's name must be {VARIANT_RULE}, got {shown!r}"
            )
        if v.structures is not None and not v.structures:
            raise ScenarioError(
                file,
                f"variants.{name}.structures",
                "empty; name structures, or leave it out for all",
            )
        _known(file, f"variants.{name}.structures", v.structures, settings)
        variants[name] = checked_variant(file, name, v)
    for i, r in enumerate(ranges):
        _known(file, f"ranges[{i}].structures", r.structures, settings)
    for i, r in enumerate(ranges):
        if r.file == "scenario" and not r.structures:
            raise ScenarioError(
                file,
                f"ranges[{i}].structures",
                "a scenario key's range names the structures whose file it changes",
            )
    if len({r.name for r in ranges}) != len(ranges):
        raise ScenarioError(file, "ranges", "each key (and structures) at most once")
    if ranges and variants:
        raise ScenarioError(
            file, "ranges", "an experiment has either named variants or sampled ranges"
        )
    for i, r in enumerate(ranges):
        if r.structures is not None and not r.structures:
            raise ScenarioError(
                file, f"ranges[{i}].structures", "empty; name structures, or leave it out for all"
            )
    n_points = 1 + (
        (
            _grid_count(sampling, ranges)
            if sampling.method == "grid"
            else _point_count(sampling, len(ranges))
        )
        if ranges
        else len(variants)
    )
    n_runs = n_points * len(settings.structures) * settings.replicates
    if n_runs > MAX_RUNS:
        raise ScenarioError(
            file,
            "sampling" if ranges else "experiment",
            f"would make at least {n_runs:,} runs; at most {MAX_RUNS:,}",
        )
    exp = Experiment(file, settings, variants, ranges, sampling)
    exp.points = sample_points(exp) if ranges else []
    return exp


def _both_names(file: str, prefix: str, obj, key: str) -> None:
    """A name is given in both languages or in neither (then output in both shows ``key``):
    a name in one alone would leave the other language's output with the raw key."""
    given = [lang for lang in ("zh", "en") if getattr(obj, f"name_{lang}").strip()]
    if len(given) == 1:
        other = "zh" if given == ["en"] else "en"
        language = {"zh": "Chinese", "en": "English"}
        raise ScenarioError(
            file,
            f"{prefix}name_{other}",
            f"name_{given[0]} is given, so give the {language[other]} name too: output in "
            f"{language[other]} shows it (or give neither: both languages show {key!r})",
        )


def lever_variant(
    levers: dict[str, Any],
    name: str = "design",
    file: str = "(levers)",
    **fields: Any,
) -> Variant:
    """A variant that sets several ``levers`` (``{"points": True, "org_activities": 8}``),
    checked and named as a file's ``[variants.<name>] levers = {…}`` is (``checked_variant``;
    ``file`` and ``name`` say where a problem is); ``fields``: the variant's other fields
    (``structures``, ``name_zh``, ``name_en``, ``source``, ``population``)."""
    if not NAME.fullmatch(name) or len(name) > MAX_NAME or name == BASE:
        raise ScenarioError(
            file, f"variants.{shown_name(name)}", f"a variant's name must be {VARIANT_RULE}"
        )
    try:
        v = Variant(levers=dict(levers), **fields)
    except ValidationError as err:
        raise _format_error(Path(file), err, Variant) from None
    return checked_variant(file, name, v)


def _value_words(lever, value: Any, lang: str) -> str:
    """A lever at ``value`` in words: a switch by its name (off: 不/without), a number by
    its name, value and unit."""
    if lever.kind == "switch":
        if lang == "zh":
            return lever.name_zh if value else f"不设{lever.name_zh}"
        return lever.name_en if value else f"without {lever.name_en}"
    unit = lever.unit(lang)
    if lang == "zh":
        return f"{lever.name_zh}：{value:g}{unit}"
    return f"{lever.name_en}: {value:g} {unit}"


def _with_levers(file: str, name: str, v: Variant) -> Variant:
    """A variant that sets several levers, each checked by its lever, named from the
    levers' names and values in both languages where it gives no name."""
    where = f"variants.{name}"
    if v.lever is not None or v.value is not None:
        raise ScenarioError(
            file, f"{where}.levers", "a variant gives one lever (lever, value) or levers, not both"
        )
    if v.scenario or v.remove:
        raise ScenarioError(
            file, where, "a variant moves levers or lists scenario changes and removals, not both"
        )
    if not v.levers:
        raise ScenarioError(
            file,
            f"{where}.levers",
            f"empty; name levers and their values, from: {', '.join(LEVER)}",
        )
    for k, value in v.levers.items():
        problem = lever_problem(None, k, value)
        if problem is not None:
            raise ScenarioError(file, f"{where}.levers.{shown_name(k)}", problem)
    chosen = [(LEVER[k], value) for k, value in v.levers.items()]
    reforms = [lv.reform.source for lv, value in chosen if lv.reform and value == lv.reform.value]
    return v.model_copy(
        update={
            "name_zh": v.name_zh or "，".join(_value_words(lv, x, "zh") for lv, x in chosen),
            "name_en": v.name_en or "; ".join(_value_words(lv, x, "en") for lv, x in chosen),
            "source": v.source or "; ".join(reforms),
        }
    )


def checked_variant(file: str, name: str, v: Variant) -> Variant:
    """A variant that moves a lever or several, with the levers' values, names and source
    where it gives none (a documented reform's); a variant without one as it is.  Every
    problem is one ``ScenarioError`` naming ``file`` and ``variants.<name>…``."""
    if v.levers is not None:
        return _with_levers(file, name, v)
    return _with_lever(file, name, v)


def _with_lever(file: str, name: str, v: Variant) -> Variant:
    """A variant that moves a lever, with the lever's value, names and source where it
    gives none (the documented reform's); a variant without one as it is."""
    where = f"variants.{name}"
    if v.lever is None:
        if v.value is not None:
            raise ScenarioError(file, f"{where}.value", "a value needs a lever; name one")
        return v
    lever = LEVER.get(v.lever)
    if lever is None:
        raise ScenarioError(
            file, f"{where}.lever", f"no lever {v.lever!r}; levers: {', '.join(LEVER)}"
        )
    if v.scenario or v.remove:
        raise ScenarioError(
            file, where, "a variant moves a lever or lists scenario changes and removals, not both"
        )
    reform = lever.reform
    if v.value is None and reform is None:
        raise ScenarioError(
            file, f"{where}.value", f"lever {lever.key!r} has no documented reform; give a value"
        )
    value = reform.value if v.value is None else v.value
    wrong = lever.check(value)
    if wrong is not None:
        raise ScenarioError(
            file, f"{where}.value", f"lever {lever.key!r} takes {wrong}, got {value!r}"
        )
    at_reform = reform is not None and value == reform.value
    names = (
        (reform.name_zh, reform.name_en)
        if at_reform
        else (
            f"{lever.name_zh}：{value}",
            f"{lever.name_en}: {value}",
        )
    )
    return v.model_copy(
        update={
            "value": value,
            "name_zh": v.name_zh or names[0],
            "name_en": v.name_en or names[1],
            "source": v.source or (reform.source if at_reform else ""),
        }
    )


def _known(file: str, key: str, structures: list[str] | None, settings: Settings) -> None:
    for s in structures or []:
        if s not in settings.structures:
            raise ScenarioError(
                file,
                key,
                f"{s!r} is not one of experiment.structures ({', '.join(settings.structures)})",
            )


def _point_count(sampling: Sampling, d: int) -> int:
    """How many points ``sampling`` makes over ``d`` ranges (before making them)."""
    n = sampling.points
    return {"grid": n**d, "lhs": n, "morris": n * (d + 1), "sobol": n * (d + 2)}[sampling.method]


def _grid_count(sampling: Sampling, ranges: list[Range]) -> int:
    """How many points a grid makes: ``points`` levels per number range, each choice once."""
    return math.prod(len(r.choices) if r.choices else sampling.points for r in ranges)


def salib_problem(exp: Experiment) -> dict:
    """The ranges as a SALib problem (names, bounds; a factor range's bounds are factors)."""
    return {
        "num_vars": len(exp.ranges),
        "names": [r.name for r in exp.ranges],
        "bounds": [list(r.bounds) for r in exp.ranges],
    }


def sample_points(exp: Experiment) -> list[dict[str, float]]:
    """The sampled values of the ranges (``Sampling``): scipy's Latin hypercube, a full
    grid, or SALib's Morris or Saltelli designs — all seeded."""
    problem = salib_problem(exp)
    bounds = problem["bounds"]
    n, method, seed = exp.sampling.points, exp.sampling.method, exp.sampling.seed
    if method == "grid":  # a range of choices: each choice once (the middle of its interval)
        levels = [
            np.arange(len(r.choices)) + 0.5 if r.choices else np.linspace(lo, hi, n)
            for r, (lo, hi) in zip(exp.ranges, bounds, strict=True)
        ]
        values = np.array(list(itertools.product(*levels)), dtype=float)
    elif method == "lhs":
        from scipy.stats import qmc

        u = qmc.LatinHypercube(d=len(bounds), seed=seed).random(n)
        lo = np.array([b[0] for b in bounds])
        hi = np.array([b[1] for b in bounds])
        values = lo + u * (hi - lo)
    elif method == "morris":
        from SALib.sample import morris

        values = morris.sample(problem, N=n, num_levels=exp.sampling.levels, seed=seed)
    else:
        from SALib.sample import sobol

        values = sobol.sample(problem, N=n, calc_second_order=False, seed=seed)
    return [{r.name: float(v) for r, v in zip(exp.ranges, row, strict=True)} for row in values]


def point_changes(exp: Experiment, point: dict[str, float], structure: str, scenario, population):
    """The scenario and population changes of one sampled point for one structure (ranges
    that name other structures are left out; ``factor`` multiplies the file's value)."""
    sc_changes: dict[str, Any] = {}
    pop_changes: dict[str, Any] = {}
    for r in exp.ranges:
        if r.structures and structure not in r.structures:
            continue
        v = r.pick(point[r.name])
        target = scenario if r.file == "scenario" else population
        if r.factor:
            v = v * float(_get(target, r.key, exp.file, r))
        if r.integer or (r.choices is None and _integer_key(r)):
            v = int(round(v))
        (sc_changes if r.file == "scenario" else pop_changes)[r.key] = v
    return sc_changes, pop_changes


def _integer_key(r: Range) -> bool:
    """Whether the key a range samples is declared an integer (windows, staff posts …): its
    sampled values are then rounded, as ``integer = true`` asks (the declaration says it
    once; a file need not repeat it)."""
    from govsim.core.load import schemas

    models = schemas(())
    model = models.Scenario if r.file == "scenario" else models.Population
    return declared_type(model, r.key) is int


def _get(obj, dotted: str, file: str, r: Range):
    node = obj
    for part in dotted.split("."):
        if isinstance(node, dict):
            if part not in node:
                break
            node = node[part]
        elif hasattr(node, part):
            node = getattr(node, part)
        else:
            break
    else:
        if isinstance(node, (int, float)) and not isinstance(node, bool):
            return node
    raise ScenarioError(
        file, f"ranges: {r.name}", "factor needs a number at this key in the file it changes"
    )


# ---------------------------------------------------------------- the runs


def _run_key(structure: str, variant: str, population: str, declared: str) -> str:
    key = structure if variant == BASE else f"{structure}--{variant}"
    return key if population == declared else f"{key}@{population}"


def _locate(name: str, exp_file: str) -> str:
    """A structure or population given as a relative path is looked up beside the
    experiment file first (then from the working directory)."""
    p = Path(name)
    looks_like_path = p.suffix == ".toml" or len(p.parts) > 1
    if looks_like_path and not p.is_absolute():
        beside = Path(exp_file).parent / p
        if beside.exists():
            return str(beside)
    return name


def _in(exp: Experiment, where: str, load, *args, changes: dict | None = None, table: str = ""):
    """``load(*args)`` (with ``changes``, the experiment's to the file it loads), a
    ``ScenarioError`` naming the experiment file and its key first (the file the user
    wrote), then the file loaded and its key: ``where`` in the experiment, its ``table``
    (``scenario``, ``population``) when the key is one of the changes.  Without an
    experiment file (``govsim compare``), the loaded file's error, naming the command."""
    try:
        return load(*args) if changes is None else load(*args, changes=changes)
    except ScenarioError as e:
        if exp.file == COMPARE:  # no experiment file: the structures' files are the user's
            raise ScenarioError(e.file, e.key, f"{e.message} (in {exp.file}: {where})") from None
        changed = [k for k in changes or {} if e.key == k or e.key.startswith(f"{k}.")]
        if changed and table == "scenario" and (changes or {})[changed[0]] is None:
            table = "remove"  # a removal: ``remove = [...]``, a change to None
        key = f"{where}.{table}" if changed and table and where.startswith("variants.") else where
        raise ScenarioError(exp.file, key, f"{e.file}: key '{e.key}': {e.message}") from None


@dataclass
class _Plan:
    """What resolving an experiment has loaded: each structure as given (``given``: name or
    path) and as loaded (``specs``), and each population with its changes, loaded once."""

    exp: Experiment
    given: dict[str, str]
    specs: dict[str, Any]
    loaded: dict[tuple, Any] = field(default_factory=dict)
    # each structure's before-structure (a key of ``specs``; None for a reference), the
    # before-structures the experiment does not list among them
    before: dict[str, str | None] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        return self.exp.settings.structures[0]

    def chain(self, s: str) -> list[str]:
        """``s`` after its before-structures, the oldest first."""
        out = [s]
        while (b := self.before.get(out[0])) is not None:
            out.insert(0, b)
        return out

    def declared(self, s: str) -> str:
        """The population profile structure ``s``'s file declares."""
        return self.specs[s].scenario.population

    def population(self, name: str, changes: dict, where: str):
        from govsim.core.load import load_population

        k = (name, digest(changes))
        if k not in self.loaded:
            self.loaded[k] = _in(
                self.exp, where, load_population, name, changes=changes or None, table="population"
            )
        return self.loaded[k]

    def stem(self, name: str, where: str = "experiment.populations") -> str:
        """A population's name (its file's stem), which names its runs."""
        return self.population(name, {}, where).key


def resolve(exp: Experiment) -> list[RunSpec]:
    """Every run of the experiment, in report order, with its pairing, its hash and the
    validated structure and population it runs; loads (and so checks) every structure and
    population with its changes first."""
    plan = _load_structures(exp)
    pairs = _pairs(plan)
    _check_stems(plan, pairs)
    template = [
        _template_row(plan, vname, s, pop, changes)
        for vname, v in _variants(exp)
        for s, pop in pairs
        if (changes := _changes(plan, vname, v, s, pop)) is not None
    ]
    _refuse_twice(
        exp, [t["key"] for t in template], "two runs would both be {!r}; rename a file or variant"
    )
    runs = _replicates(exp, template)
    _refuse_twice(
        exp, [r.partition for r in runs], "two runs would share the directory {}; rename one"
    )
    return runs


def _load_structures(exp: Experiment) -> _Plan:
    """Load every structure of the experiment; their names must be able to name runs, once
    each."""
    from govsim.core.load import load_scenario

    structures = exp.settings.structures
    given = {s: _locate(s, exp.file) for s in structures}
    specs = {s: _in(exp, "experiment.structures", load_scenario, given[s]) for s in structures}
    keys = [specs[s].key for s in structures]
    for k in keys:
        if not valid_name(k) or "--" in k or "@" in k:
            raise ScenarioError(
                exp.file,
                "experiment.structures",
                f"a structure's file name {k!r} cannot name runs: {NAME_RULE}, and no '--' or '@'",
            )
    if len(set(keys)) != len(keys):
        raise ScenarioError(
            exp.file,
            "experiment.structures",
            f"two files give the same structure name; names: {', '.join(keys)}",
        )
    plan = _Plan(exp, given, specs)
    _befores(plan)
    keys = [plan.specs[s].key for s in plan.specs]
    if len(set(keys)) != len(keys):
        raise ScenarioError(
            exp.file,
            "experiment.structures",
            f"two files give the same structure name (with the before-structures); "
            f"names: {', '.join(keys)}",
        )
    # one rule for the year: committees are elected in every structure or in none (the
    # before-structures included)
    first = plan.specs[structures[0]]
    held = first.scenario.election_year
    for s, sc in plan.specs.items():
        if sc.scenario.election_year != held:
            raise ScenarioError(
                sc.file or plan.given[s],
                "scenario.election_year",
                f"is {str(not held).lower()} while the reference {first.key!r} says "
                f"{str(held).lower()}: every structure of a comparison runs in the same year "
                "(an election year in all or in none); declare it in the reference file only",
            )
    return plan


def _befores(plan: _Plan) -> None:
    """Each structure's before-structure (``plan.before``), loading those the experiment
    does not list; ``compare_with`` a structure's name pairs every other with that one.  A
    chain of ``before`` that comes back to itself is one ``ScenarioError``."""
    from govsim.config.reading import before_file
    from govsim.core.load import load_scenario

    exp, st = plan.exp, plan.exp.settings
    if st.compare_with != "before":
        if st.compare_with not in st.structures:
            raise ScenarioError(
                exp.file,
                "experiment.compare_with",
                f'"before" or one of the structures ({", ".join(st.structures)}); '
                f"got {st.compare_with!r}",
            )
        plan.before = {s: None if s == st.compare_with else st.compare_with for s in st.structures}
        return
    first = st.structures[0]
    queue = list(st.structures)
    while queue:
        s = queue.pop(0)
        meta = plan.specs[s].scenario
        if not meta.before:
            plan.before[s] = None if meta.reference or s == first else first
            continue
        file = plan.specs[s].file
        if meta.reference:
            raise ScenarioError(
                file, "scenario.before", "a reference (reference = true) is compared with nothing"
            )
        path = _in(exp, "experiment.structures", before_file, meta.before, file).resolve()
        match = next((t for t in plan.specs if Path(plan.specs[t].file).resolve() == path), None)
        if match is None:
            match = str(path)
            plan.given[match] = match
            where = f"experiment.structures ({plan.specs[s].key}'s scenario.before)"
            plan.specs[match] = _in(exp, where, load_scenario, match)
            queue.append(match)
        plan.before[s] = match
    for s in plan.before:
        seen, node = [s], plan.before[s]
        while node is not None:
            if node in seen:
                loop = " -> ".join(plan.specs[t].key for t in [*seen[seen.index(node) :], node])
                raise ScenarioError(
                    plan.specs[s].file,
                    "scenario.before",
                    f"the before-structures come back to themselves ({loop}); the chain must "
                    "end at a reference (reference = true, no before)",
                )
            seen.append(node)
            node = plan.before[node]


def _pairs(plan: _Plan) -> list[tuple[str, str]]:
    """(structure, population) pairs in report order: each structure on each population
    asked for, after the structures it is compared with (its before-structures, or the
    one ``compare_with`` names) on that same population."""
    st = plan.exp.settings
    pairs: list[tuple[str, str]] = []
    for p in st.populations:
        pops = {
            s: (plan.declared(s) if p == "declared" else _locate(p, plan.exp.file))
            for s in st.structures
        }
        for pop in dict.fromkeys(pops.values()):
            for s in st.structures:
                if pops[s] != pop:
                    continue
                for t in plan.chain(s):
                    if (t, pop) not in pairs:
                        pairs.append((t, pop))
    return pairs


def _check_stems(plan: _Plan, pairs: list[tuple[str, str]]) -> None:
    """A population's name (its file's stem) names runs: one name, one population."""
    files: dict[str, str] = {}
    for _, pop in pairs:
        profile = plan.population(pop, {}, "experiment.populations")
        if files.setdefault(profile.key, str(profile.file)) != str(profile.file):
            raise ScenarioError(
                plan.exp.file,
                "experiment.populations",
                f"two population files are both named {profile.key!r} "
                f"({files[profile.key]}, {profile.file}); rename one",
            )


def _variants(exp: Experiment) -> list[tuple[str, Any]]:
    """The unchanged structures, then each sampled point or named variant."""
    if exp.points:
        return [(BASE, None), *((f"p{i:04d}", pt) for i, pt in enumerate(exp.points))]
    return [(BASE, None), *exp.variants.items()]


def _changes(plan: _Plan, vname: str, v, s: str, pop: str) -> tuple[dict, dict, str] | None:
    """The scenario and population changes of variant ``vname`` (a sampled point, a lever
    or listed changes) for structure ``s`` on population ``pop``, and where in the
    experiment they come from; None when the variant does not apply to ``s``."""
    exp = plan.exp
    if vname == BASE:
        return {}, {}, "experiment.structures"
    if exp.points:
        sc_ch, pop_ch = point_changes(
            exp,
            v,
            s,
            plan.specs[s].model_dump(),
            plan.population(pop, {}, "experiment.populations"),
        )
        return sc_ch, pop_ch, "ranges"
    if v.structures is not None and s not in v.structures:
        return None
    where = f"variants.{vname}"
    if v.lever is None and v.levers is None:
        return {**dict.fromkeys(v.remove), **v.scenario}, dict(v.population), where
    levers, sc = v.levers or {v.lever: v.value}, plan.specs[s]
    for k in levers:
        lever = LEVER[k]
        if lever.target(sc) is None:
            raise ScenarioError(
                exp.file,
                f"{where}.levers.{k}" if v.levers is not None else f"{where}.lever",
                f"lever {lever.key!r} needs {lever.needs}, which structure {sc.key!r} lacks; "
                f"list the structures it applies to in {where}.structures",
            )
    return scenario_changes(sc, levers), dict(v.population), where


def _template_row(plan: _Plan, vname: str, s: str, pop: str, changes: tuple) -> dict:
    """One run of every replicate: the structure and population loaded with their changes,
    its key, the run it is paired with, and a digest of everything it runs."""
    from govsim.core.load import load_scenario

    sc_ch, pop_ch, where = changes
    exp, spec, ref = plan.exp, plan.specs[s], plan.before.get(s)
    sc = _in(exp, where, load_scenario, plan.given[s], changes=sc_ch or None, table="scenario")
    popm = plan.population(pop, pop_ch, where)
    stem, declared_stem = plan.stem(pop), plan.stem(plan.declared(s), "structures")
    sc_data = sc.model_dump(mode="json")
    pop_data = popm.model_dump(mode="json")
    return {
        "structure": spec.key,
        "scenario": plan.given[s],
        "variant": vname,
        "population": stem,
        "profile": pop,
        "scenario_changes": tuple(sc_ch.items()),
        "population_changes": tuple(pop_ch.items()),
        "key": _run_key(spec.key, vname, stem, declared_stem),
        # a lever's effect: against the same structure without it; a structure's: against
        # its before-structure on the same people (a reference: itself)
        "reference": (
            _run_key(spec.key, BASE, stem, declared_stem)
            if vname != BASE or ref is None
            else _run_key(
                plan.specs[ref].key, BASE, stem, plan.stem(plan.declared(ref), "structures")
            )
        ),
        "scenario_data": sc_data,
        "population_data": pop_data,
        "content": digest(
            {
                "scenario": _content(sc_data),
                "population": _content(pop_data),
                "version": __version__,
            }
        ),
    }


def _replicates(exp: Experiment, template: list[dict]) -> list[RunSpec]:
    """Every template row once per replicate, replicate ``k`` on seed ``seed + k``."""
    st = exp.settings
    runs: list[RunSpec] = []
    for rep in range(st.replicates):
        seed = st.seed + rep
        for t in template:
            runs.append(
                RunSpec(
                    **{k: v for k, v in t.items() if k != "content"},
                    replicate=rep,
                    seed=seed,
                    residents=st.residents,
                    days=st.days,
                    outputs=tuple(st.outputs),
                    config_hash=digest(
                        [t["content"], seed, st.residents, st.days, list(st.outputs)]
                    ),
                )
            )
    return runs


def _refuse_twice(exp: Experiment, names: list[str], message: str) -> None:
    """A ``ScenarioError`` when a run's name (``message`` names the first) comes twice."""
    dup = [k for k, n in Counter(names).items() if n > 1]
    if dup:
        raise ScenarioError(exp.file, "experiment", message.format(dup[0]))


def _content(dump: dict) -> dict:
    """A loaded file's content without where it was read from."""
    return {k: v for k, v in dump.items() if k not in ("file", "sources")}


def with_sampling(exp: Experiment, method: str, points: int | None = None) -> Experiment:
    """``exp`` with its ranges sampled by ``method`` (and ``points``)."""
    if not exp.ranges:
        raise ScenarioError(exp.file, "ranges", "no [[ranges]] to sample; declare some")
    data = {**exp.sampling.model_dump(), "method": method}
    if points is not None:
        data["points"] = points
    try:
        sampling = Sampling.model_validate(data)
    except ValidationError as err:
        raise _invalid(exp.file, err, "sampling") from None
    return build(exp.file, exp.settings, exp.variants, exp.ranges, sampling)


def with_settings(exp: Experiment, **changes) -> Experiment:
    """``exp`` with some settings changed (``residents=2000``: a quick look at a shipped
    experiment); ``None`` values are ignored.  A changed experiment has another hash, so it
    needs its own results directory."""
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        return exp
    try:
        settings = Settings.model_validate({**exp.settings.model_dump(), **changes})
    except ValidationError as err:
        raise _invalid(exp.file, err, "experiment") from None
    return build(exp.file, settings, exp.variants, exp.ranges, exp.sampling)


def compare_experiment(
    structures: list[str],
    residents: int,
    days: int,
    seed: int,
    replicates: int,
    population: str | None = None,
    compare_with: str = "before",
) -> Experiment:
    """The experiment ``govsim compare`` runs: structures paired on the same seeds, each
    with its before-structure (or every one with ``compare_with``, a structure's name)."""
    try:
        settings = Settings(
            structures=list(structures),
            compare_with=compare_with,
            populations=[population or "declared"],
            replicates=replicates,
            residents=residents,
            days=days,
            seed=seed,
        )
    except ValidationError as err:
        raise _invalid("govsim compare", err) from None
    return build(COMPARE, settings)
