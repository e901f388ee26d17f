"""Scenario files: a governance structure as data — where the files are, and the checks
and helpers that work on any validated scenario.

A scenario (``scenarios/*.toml``) says which institutions exist, their staff, hours,
windows, authority, how requests route, what tasks are pushed down and what incentives
exist.  It never states an outcome.  A population profile (``scenarios/populations/*.toml``)
holds the place and its people: demography, how often needs arise, how residents behave.
Keeping the two apart is what lets ``compare`` run every structure on the same people
(EMA-workbench style: structure = policy levers, population = uncertainties).

The schemas are built from the parameter declarations of the model
(``govsim.core.spec``) and files are loaded by ``govsim.core.load``; reading a file
(TOML, ``extends``, ``remove``, sources beside values) is ``govsim.config.reading``.  Any
error is raised once, as a ``ScenarioError`` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import copy
import importlib.resources
import math
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from govsim.config.declare import allowed_range, nested_model, range_text
from govsim.config.reading import ScenarioError
from govsim.config.schedule import WEEKDAYS
from govsim.config.vocabulary import NEED_TYPE_KEYS

# built-in files are package data (``govsim.scenarios``, the repository's ``scenarios/``)
SCENARIO_DIR = Path(str(importlib.resources.files("govsim.scenarios")))
POPULATION_DIR = SCENARIO_DIR / "populations"


def _format_error(path: Path, err: ValidationError, model: type[BaseModel]) -> ScenarioError:
    e = err.errors()[0]
    loc = [str(p) for p in e["loc"] if not str(p).startswith("function-")]
    key = ".".join(loc) or "(top level)"
    if e["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        msg = f"unknown key; allowed here: {', '.join(allowed)}" if allowed else "unknown key"
    elif e["type"] == "missing":
        msg = "required key is missing"
    elif e["type"] == "value_error":
        msg = e["msg"].removeprefix("Value error, ")
    else:
        msg = e["msg"]
        if "input" in e and not isinstance(e["input"], dict):
            msg += f" (got {e['input']!r})"
        unit = _unit_at(model, loc)
        if e["type"] in NUMBER_ERRORS and unit is not None:
            msg += f"; allowed: {range_text(unit)}"
    return ScenarioError(path, key, msg)


# pydantic's errors about a number: the message then says the range the unit allows
NUMBER_ERRORS = {
    "finite_number",
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "float_parsing",
    "float_type",
    "int_parsing",
    "int_type",
    "int_from_float",
}


def _unit_at(model: Any, loc: list[str]) -> str | None:
    """The declared unit of the field at ``loc`` (its values too, for a table by type)."""
    unit, skip = None, False
    for part in loc:
        if skip:
            skip = False
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            break
        field = model.model_fields.get(part)
        if field is None:
            return unit
        unit = (field.json_schema_extra or {}).get("unit", unit)
        model = nested_model(field.annotation)
        skip = _is_container(field.annotation)
    return unit if isinstance(unit, str) else None


def check_ranges(obj: BaseModel, path: Path | str, prefix: str = "") -> None:
    """Every number of a validated file is finite and within the range its unit allows
    (``govsim.config.vocabulary.UNITS``: its ``limit``); the first that is not is one
    ``ScenarioError``."""
    for name, field in type(obj).model_fields.items():
        if name in INTERNAL_FIELDS:
            continue
        unit = (field.json_schema_extra or {}).get("unit", "")
        _check_value(getattr(obj, name), f"{prefix}{name}", unit, path)


def _check_value(v: Any, key: str, unit: str, path: Path | str) -> None:
    if isinstance(v, BaseModel):
        check_ranges(v, path, key + ".")
    elif isinstance(v, dict):
        for k, x in v.items():
            _check_value(x, f"{key}.{k}", unit, path)
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            _check_value(x, f"{key}.{i}", unit, path)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        lo, hi = allowed_range(unit)
        if not ((isinstance(v, int) or math.isfinite(v)) and lo <= v <= hi):
            raise ScenarioError(path, key, f"must be {range_text(unit)}, got {v!r}")


INTERNAL_FIELDS = ("file", "key", "sources")


def _allowed_keys(model: Any, loc: list[str]) -> list[str]:
    """Field names allowed at ``loc`` (a path of keys from the top of the file)."""
    skip = False
    for part in loc:
        if skip:  # the key of a dict entry or the index of a list item
            skip = False
            continue
        field = (
            model.model_fields.get(part)
            if isinstance(model, type) and issubclass(model, BaseModel)
            else None
        )
        if field is None:
            return []
        model = nested_model(field.annotation)
        skip = _is_container(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [k for k in model.model_fields if k not in INTERNAL_FIELDS]
    return []


def _is_container(annotation: Any) -> bool:
    from typing import get_args, get_origin

    if get_origin(annotation) in (dict, list):
        return True
    return any(_is_container(a) for a in get_args(annotation) if a is not type(None))


def resolve_path(name_or_path: str | Path, directory: Path, what: str) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.exists():
            raise ScenarioError(p, "(file)", f"no such {what} file")
        return p
    candidate = directory / f"{name_or_path}.toml"
    if not candidate.exists():
        known = sorted(f.stem for f in directory.glob("*.toml"))
        raise ScenarioError(
            candidate, "(file)", f"no {what} named {name_or_path!r}; known: {', '.join(known)}"
        )
    return candidate


def file_population(value: Any, path: Path) -> Any:
    """The population profile a scenario FILE names (``[scenario] population``), as the
    loader keeps it: a profile's name (``"urban"``, a file of ``scenarios/populations/``),
    or a relative path to a file inside that directory or beside the scenario file, kept as
    the path of that file.  Absolute paths and ``..`` are refused, so a file cannot make a
    run read (or ``calibrate --apply`` write) a file elsewhere; the command line's
    ``--population PATH`` may name any file."""
    if not isinstance(value, str):
        return value  # the schema names the type
    key = "scenario.population"
    known = ", ".join(list_populations())
    allowed = (
        f"a profile's name ({known}) or a relative path to a .toml file in "
        f"{POPULATION_DIR} or beside this file"
    )
    windows = PureWindowsPath(value)
    if (
        PurePosixPath(value).is_absolute()
        or windows.is_absolute()
        or windows.drive
        or ".." in windows.parts
    ):
        raise ScenarioError(path, key, f"{value!r} is not allowed in a file; must be {allowed}")
    if "/" not in value and "\\" not in value and not value.endswith(".toml"):
        if not (POPULATION_DIR / f"{value}.toml").is_file():
            raise ScenarioError(path, key, f"no population profile named {value!r}; known: {known}")
        return value
    for base in (Path(path).parent, POPULATION_DIR):
        cand = base / value
        if cand.suffix == ".toml" and cand.is_file():
            if not cand.resolve().is_relative_to(base.resolve()):
                raise ScenarioError(path, key, f"{value!r} links outside {base}; must be {allowed}")
            return str(cand.absolute())
    raise ScenarioError(path, key, f"no file {value!r}; must be {allowed}")


def check_population(pop, path: Path | str) -> None:
    """Cross-checks of a validated population profile: the shares that split the people
    into groups fit in one (``govsim.core.population.make_population``)."""
    from typing import get_args

    beta = pop.initial.propensity_beta
    groups = get_args(get_args(type(pop.initial).model_fields["propensity_beta"].annotation)[0])
    missing = [g for g in groups if g not in beta]
    if missing:
        raise ScenarioError(
            path,
            "initial.propensity_beta",
            f"must give every age group ({', '.join(groups)}); missing: {', '.join(missing)}",
        )
    d = pop.demography
    total = d.share_children + d.share_elderly
    if total > 1.0 + 1e-9:
        raise ScenarioError(
            path,
            "demography.share_children + demography.share_elderly",
            f"the age groups' shares must sum to at most 1 (the rest are 18–59), got {total:g}",
        )
    if d.party_member_share > 1.0 - d.share_children + 1e-9:
        raise ScenarioError(
            path,
            "demography.party_member_share",
            "party members are adults: must be at most 1 − demography.share_children "
            f"= {1.0 - d.share_children:g}, got {d.party_member_share:g}",
        )


def apply_changes(raw: dict, changes: dict[str, Any], path: Path | str) -> dict:
    """``raw`` with ``changes`` applied: dotted keys (``institutions.rc.windows``; list items
    by index, ``offers.0.seats``) set to new values, or deleted with ``None``.  A key that
    cannot be reached (a number's sub-key, a list index out of range) or a deletion of a key
    the file does not have is one ``ScenarioError`` naming the key."""
    raw = copy.deepcopy(raw)
    for dotted, value in changes.items():
        node = raw
        parts = dotted.split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            where = ".".join(parts[: i + 1])
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ScenarioError(
                        path,
                        dotted,
                        f"{where}: a list of {len(node)} items, index with 0–{len(node) - 1}",
                    )
                if last:
                    if value is None:
                        del node[int(part)]
                    else:
                        node[int(part)] = value
                else:
                    node = node[int(part)]
            elif isinstance(node, dict):
                if last:
                    if value is None:
                        if part not in node:
                            raise ScenarioError(
                                path, dotted, "cannot be removed: the file has no such key"
                            )
                        del node[part]
                    else:
                        node[part] = value
                else:
                    node = node.setdefault(part, {})
            else:
                parent = ".".join(parts[:i])
                raise ScenarioError(
                    path, dotted, f"{parent} is a value ({node!r}), it has no key {part!r}"
                )
    return raw


# The size of one run: a run keeps every resident and every need in memory, about 1.2 kB a
# resident for a year (README, Performance: 458 MB for 378,800 residents), so 5 million
# residents is ~6 GB; outputs and memory grow with the days too.
MAX_RESIDENTS = 5_000_000
MAX_DAYS = 3650  # ten years


# a name from a file that becomes part of a file name, a run's key or a page: a scenario
# or profile file's name, an institution's key (letters of any script, digits, _ - .)
NAME_PATTERN = re.compile(r"\w[\w.-]*")
NAME_RULE = "letters, digits, '_', '-' and '.' only, starting with a letter, digit or '_', no '..'"


def valid_name(name: str) -> bool:
    """Whether ``name`` is safe as a key, a file name and text of a page (``NAME_RULE``)."""
    return bool(NAME_PATTERN.fullmatch(name)) and ".." not in name


def check_file_name(path: Path | str, what: str) -> None:
    """The name of a scenario or profile file (its key in runs and reports) is valid."""
    stem = Path(path).stem
    if not valid_name(stem):
        raise ScenarioError(
            path, "(file name)", f"the {what} file's name {stem!r} must use {NAME_RULE}"
        )


def check_references(sc, path: Path) -> None:
    """Cross-checks of a validated scenario: names it refers to exist, schedules are
    defined and open some time, every request can reach full authority without a loop."""
    insts = sc.institutions
    names = sorted(insts)
    if not insts:
        raise ScenarioError(path, "institutions", "at least one institution is required")
    for name in insts:
        if not valid_name(name):
            raise ScenarioError(
                path, f"institutions.{name}", f"an institution's key must use {NAME_RULE}"
            )
    for name, blocks in sc.schedules.items():
        if not blocks:
            raise ScenarioError(
                path,
                f"schedules.{name}",
                "a schedule needs at least one block of open hours, "
                'e.g. [{ days = ["mon", "tue"], open = [[9, 17]] }]',
            )
    if sc.routing.remote is not None and not sc.routing.remote.types:
        raise ScenarioError(
            path,
            "routing.remote.types",
            "must name at least one need type (or leave out [routing.remote])",
        )

    def known(key: str, value: str):
        if value not in insts:
            raise ScenarioError(
                path, key, f"refers to unknown institution {value!r}; defined: {', '.join(names)}"
            )

    schedules = set(sc.schedules)

    def known_schedule(key: str, hours) -> None:
        if isinstance(hours, str) and hours not in schedules:
            raise ScenarioError(
                path,
                key,
                f"unknown schedule {hours!r}; define it under [schedules] (defined: {', '.join(sorted(schedules)) or 'none'}) or give blocks",
            )

    def open_some_time(key: str, hours) -> None:
        if isinstance(hours, list) and not hours:
            raise ScenarioError(
                path,
                key,
                "needs at least one block of open hours, e.g. "
                '[{ days = ["mon"], open = [[9, 17]] }], or the name of a schedule',
            )

    for name, inst in insts.items():
        known_schedule(f"institutions.{name}.hours", inst.hours)
        open_some_time(f"institutions.{name}.hours", inst.hours)
        if inst.level == "district" and not inst.design_residents:
            raise ScenarioError(
                path,
                f"institutions.{name}.design_residents",
                "a district-level institution needs the residents it is built for "
                "(e.g. design_residents = 400000); a run simulates a sample of them",
            )
        for j, off in enumerate(inst.offers):
            if off.hours is not None:
                known_schedule(f"institutions.{name}.offers.{j}.hours", off.hours)
                open_some_time(f"institutions.{name}.offers.{j}.hours", off.hours)
            sched = sc.schedule_of(off if off.hours is not None else inst)
            for d in off.days_of_year:
                if sched.hours_on(d % 7) <= 0:
                    raise ScenarioError(
                        path,
                        f"institutions.{name}.offers.{j}.days_of_year",
                        f"day {d} is a {WEEKDAYS[d % 7]}, when the offer's hours are closed; choose a day whose weekday is open",
                    )
        if inst.forwards_to is not None:
            known(f"institutions.{name}.forwards_to", inst.forwards_to)
        for t, target in inst.forwards.items():
            known(f"institutions.{name}.forwards.{t}", target)
        if (
            any(v > 0 for v in inst.authority.values())
            and inst.windows == 0
            and not inst.accept_first
        ):
            raise ScenarioError(
                path,
                f"institutions.{name}.windows",
                "an institution with authority needs windows >= 1 (service slots) to handle requests",
            )
        if (
            inst.outreach
            and inst.outreach.mode == "visits"
            and (inst.staff <= 0 or inst.outreach.visits_per_staff_day <= 0)
        ):
            raise ScenarioError(
                path,
                f"institutions.{name}.staff",
                "outreach by visits needs staff > 0 (people per instance) and outreach.visits_per_staff_day > 0",
            )
        if inst.self_governance is not None and inst.windows == 0 and inst.staff <= 0:
            raise ScenarioError(
                path, f"institutions.{name}.staff", "self-governance needs staff > 0"
            )

    for t in NEED_TYPE_KEYS:
        if t not in sc.routing.walk_in:
            raise ScenarioError(
                path,
                f"routing.walk_in.{t}",
                f"every need type needs a walk-in entry; defined institutions: {', '.join(names)}",
            )
    for t, target in sc.routing.walk_in.items():
        known(f"routing.walk_in.{t}", target)
    if sc.routing.remote is not None:
        known("routing.remote.to", sc.routing.remote.to)

    # every entry (and every outreach forwarder) must reach full authority without a cycle
    starts = {(t, sc.routing.walk_in[t], f"routing.walk_in.{t}") for t in NEED_TYPE_KEYS}
    if sc.routing.remote is not None:
        starts |= {(t, sc.routing.remote.to, "routing.remote.to") for t in sc.routing.remote.types}
    for name, inst in insts.items():
        if inst.outreach is not None or inst.offers or inst.self_governance is not None:
            starts |= {(t, name, f"institutions.{name}") for t in NEED_TYPE_KEYS}
    for t, start, key in sorted(starts):
        if t != "activity":  # a wish for an activity is met by taking part, not by a case file
            route_of(sc, t, start, key)


def route_of(sc, need_type: str, start: str, key: str = "routing") -> list[str]:
    """Institutions a request of ``need_type`` may visit from ``start`` to full authority."""
    route, node = [], start
    while True:
        if node in route:
            raise ScenarioError(
                sc.file, key, f"routing for {need_type!r} loops: {' -> '.join(route + [node])}"
            )
        route.append(node)
        inst = sc.institutions[node]
        if inst.authority.get(need_type, 0.0) >= 1.0:
            return route
        nxt = inst.forwards.get(need_type, inst.forwards_to)
        if nxt is None:
            raise ScenarioError(
                sc.file,
                f"institutions.{node}.forwards_to",
                f"a {need_type!r} request reaching {node!r} can go no further, but no institution on its way ({' -> '.join(route)}) has full authority (1.0) for it",
            )
        node = nxt


def list_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def list_populations() -> list[str]:
    return sorted(p.stem for p in POPULATION_DIR.glob("*.toml"))


def builtin_order() -> list[str]:
    """Built-in scenarios, the one marked ``reference = true`` first, then by name (read
    from the files themselves, without the model)."""
    from govsim.config.reading import read_spec

    def is_reference(n: str) -> bool:
        data, _ = read_spec(SCENARIO_DIR / f"{n}.toml", SCENARIO_DIR)
        return bool(data.get("scenario", {}).get("reference", False))

    return sorted(list_scenarios(), key=lambda n: (not is_reference(n), n))


__all__ = [
    "ScenarioError",
    "list_scenarios",
    "list_populations",
    "builtin_order",
    "route_of",
    "WEEKDAYS",
]
