"""Scenario files: a governance structure as data — validating what was read, and the
checks and helpers that work on any validated scenario.

A scenario (``scenarios/*.toml``) says which institutions exist, their staff, hours,
windows, authority, how requests route, what tasks are pushed down and what incentives
exist.  It never states an outcome.  A population profile (``scenarios/populations/*.toml``)
holds the place and its people: demography, how often needs arise, how residents behave.
Keeping the two apart is what lets ``compare`` run every structure on the same people
(EMA-workbench style: structure = policy levers, population = uncertainties).

Loading is one pass (``govsim.core.load``): ``govsim.config.reading.read_file`` finds and
reads a file (TOML, ``extends``, ``remove``, ``same_as``, sources beside values), then
``validate`` here checks it against the schema the model's declarations build
(``govsim.core.spec``), its numbers against their units' ranges, and its cross-references.
Any error is raised once, as a ``ScenarioError`` naming the file, the key and what is
allowed.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from govsim.config.declare import (
    REFERENCE_TABLES,
    Refers,
    allowed_range,
    nested_model,
    range_text,
)
from govsim.config.reading import (
    SCENARIO_DIR,
    ScenarioError,
    list_scenarios,
    read_spec,
)


def validate(model: type[BaseModel], data: dict, sources: dict, path: Path, check: Callable) -> Any:
    """``data`` read from ``path`` (``read_file``) as an instance of ``model``: validated
    against the schema, every number within its unit's range (``check_ranges``), then
    ``check(obj, path)`` (``check_references`` for a scenario, ``check_population`` for a
    profile)."""
    try:
        obj = model.model_validate(
            {**data, "sources": sources, "file": str(path), "key": path.stem}
        )
    except ValidationError as err:
        raise _format_error(path, err, model) from None
    check_ranges(obj, path)
    check(obj, path)
    return obj


def _format_error(path: Path, err: ValidationError, model: type[BaseModel]) -> ScenarioError:
    # of a value that fits no member of a union (a schedule's name, or blocks), the error
    # of the member it went furthest into; the places name keys, not the members tried
    errors = [(e, [str(p) for p in e["loc"] if not _tried(str(p))]) for e in err.errors()]
    e, loc = max(errors, key=lambda el: len(el[1]))
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
        allowed = allowed_at(model, loc) if e["type"] in VALUE_ERRORS else SHAPES.get(e["type"])
        if allowed is not None:  # what is allowed, from the one declaration of the key
            msg = f"must be {allowed}"
        if "input" in e and not isinstance(e["input"], dict):
            msg += f" (got {e['input']!r})" if allowed is None else f", got {e['input']!r}"
    return ScenarioError(path, key, msg)


def _tried(part: str) -> bool:
    """Whether a part of an error's place is how pydantic names what it tried (a member of
    a union, ``str``, ``list[HoursBlock]``; a validator) rather than a key of the file."""
    return part.startswith("function-") or "[" in part or part in ("str", "int", "float", "bool")


# pydantic's errors about one value (a number, a yes/no, a word): the message then says
# what the key allows (``allowed_at``)
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
VALUE_ERRORS = NUMBER_ERRORS | {"bool_type", "bool_parsing", "string_type"}
# pydantic's errors about the shape of a value, in the words of TOML
SHAPES = {
    "list_type": "an array, [ … ]",
    "tuple_type": "an array, [ … ]",
    "dict_type": "a table, { … } or a [section]",
    "model_type": "a table, { … } or a [section]",
}


def allowed_at(model: Any, loc: list[str]) -> str | None:
    """What the value at ``loc`` (keys from the top of a file of ``model``) may be, in
    words: a number's range (its unit's, narrowed by its type's bounds: ``range_text``),
    ``true or false``, text; None when the place is not found."""
    leaf = _leaf(model, loc)
    if leaf is None:
        return None
    ann, constraints, unit = leaf
    if ann is bool:
        return "true or false"
    refers = [c for c in constraints if isinstance(c, Refers)]
    if ann is str and refers:  # a name of the file's institutions or schedules
        return REFERS_TEXT[refers[0].what]
    if ann is str:
        return "text in quotes"
    if ann in (int, float):
        return range_text(unit or "", tuple(constraints), integer=ann is int)
    return None


# what a value that names something of its file may be (``Refers``)
REFERS_TEXT = {
    "institution": "the key of one of the file's [institutions], in quotes",
    "schedule": "the name of one of the file's [schedules] in quotes, or blocks such as "
    '[{ days = ["mon", "tue"], open = [[9, 17]] }]',
}


def declared_type(model: Any, key: str) -> Any:
    """The type a file of ``model`` declares at the dotted ``key`` (``int``, ``float`` …),
    without its bounds; None when the key is not found."""
    leaf = _leaf(model, key.split("."))
    return None if leaf is None else leaf[0]


def _leaf(model: Any, loc: list[str]) -> tuple[Any, list, str | None] | None:
    """(the declared type, its bounds, its unit) of the value at ``loc``: fields of
    models, entries of tables, items of lists (a table by type gives its values its unit)."""
    from typing import Union, get_args, get_origin

    ann, meta, unit = model, [], None
    parts = list(loc)
    while True:
        while get_origin(ann) is Annotated:
            meta += list(get_args(ann)[1:])
            ann = get_args(ann)[0]
        if get_origin(ann) in (Union, types.UnionType):
            members = [a for a in get_args(ann) if a is not type(None)]
            named = [a for a in members if parts and parts[0] == _label(a)]
            if named:  # pydantic names the member of a union it tried
                parts.pop(0)
                ann = named[0]
                continue
            fits = [a for a in members if _fits(a, parts)]
            if not fits:
                return None
            ann = fits[0]
            continue
        if not parts:
            return ann, meta, unit
        part = parts.pop(0)
        origin, args = get_origin(ann), get_args(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            field = ann.model_fields.get(part)
            if field is None:
                return None
            extra = field.json_schema_extra
            unit = extra.get("unit", unit) if isinstance(extra, dict) else unit
            ann, meta = field.annotation, list(field.metadata)
        elif origin is dict and args:
            ann, meta = args[1], []
        elif origin is list and args:
            ann, meta = args[0], []
        elif origin is tuple and args and part.isdigit():
            same = len(args) == 2 and args[1] is Ellipsis
            if not same and int(part) >= len(args):
                return None
            ann, meta = (args[0] if same else args[int(part)]), []
        else:
            return None


def _label(ann: Any) -> str:
    """How pydantic names a member of a union in an error's place (``float``,
    ``dict[str,float]``, ``list[HoursBlock]``)."""
    from typing import get_args, get_origin

    if get_origin(ann) is Annotated:
        return _label(get_args(ann)[0])
    if get_origin(ann) is None:
        return getattr(ann, "__name__", str(ann))
    inner = ",".join(_label(a) for a in get_args(ann))
    return f"{get_origin(ann).__name__}[{inner}]"


def _fits(ann: Any, parts: list[str]) -> bool:
    """Whether a member of a union can hold the rest of a place (``parts``)."""
    from typing import get_args, get_origin

    while get_origin(ann) is Annotated:
        ann = get_args(ann)[0]
    if not parts:
        return True
    origin = get_origin(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return parts[0] in ann.model_fields
    return origin is dict or (origin in (list, tuple) and parts[0].isdigit())


def check_ranges(obj: BaseModel, path: Path | str, prefix: str = "", root: Any = None) -> None:
    """Every number of a validated file is finite and within the range its unit allows
    (``govsim.config.vocabulary.UNITS``: its ``limit``); the first that is not is one
    ``ScenarioError`` saying the range the key allows (``allowed_at``)."""
    root = root if root is not None else type(obj)
    for name, field in type(obj).model_fields.items():
        if name in INTERNAL_FIELDS:
            continue
        unit = (field.json_schema_extra or {}).get("unit", "")
        _check_value(getattr(obj, name), f"{prefix}{name}", unit, path, root)


def _check_value(v: Any, key: str, unit: str, path: Path | str, root: Any) -> None:
    if isinstance(v, BaseModel):
        check_ranges(v, path, key + ".", root)
    elif isinstance(v, dict):
        for k, x in v.items():
            _check_value(x, f"{key}.{k}", unit, path, root)
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            _check_value(x, f"{key}.{i}", unit, path, root)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        lo, hi = allowed_range(unit)
        if not ((isinstance(v, int) or math.isfinite(v)) and lo <= v <= hi):
            allowed = allowed_at(root, key.split(".")) or range_text(unit)
            raise ScenarioError(path, key, f"must be {allowed}, got {v!r}")


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
    check_title(pop, path, "", "population profile")
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


MAX_TITLE = 200  # characters of a name shown in charts and pages (the longest shipped: 71)


def check_title(obj, path: Path | str, prefix: str, what: str) -> None:
    """A file's names as shown (``name_zh``, ``name_en``): not empty, at most MAX_TITLE
    characters."""
    for lang in ("zh", "en"):
        text = getattr(obj, f"name_{lang}")
        if not text.strip() or len(text) > MAX_TITLE:
            raise ScenarioError(
                path,
                f"{prefix}name_{lang}",
                f"the {what}'s name as charts show it: 1 to {MAX_TITLE} characters, "
                f"not only spaces (got {len(text)} characters)",
            )


# The size of one run: a run keeps every resident and every need in memory, about 1.2 kB a
# resident for a year (README, Performance: 458 MB for 378,800 residents), so 5 million
# residents is ~6 GB; outputs and memory grow with the days too.
MAX_RESIDENTS = 5_000_000
MAX_DAYS = 3650  # ten years


def check_references(sc, path: Path) -> None:
    """Cross-checks of a validated scenario.  Here only what belongs to no owner of a key:
    there is an institution, its names as shown are given, every schedule has hours;
    then every value that names an institution or a schedule (declared ``InstitutionKey``,
    ``ScheduleName`` by any module: ``references``) names one the file defines; then the
    cross-checks of each owner of keys (``sc.checks``: the structure's and every module's
    ``Module.check``, the extra modules' of ``load_scenario(..., modules=...)`` too)."""
    insts = sc.institutions
    if not insts:
        raise ScenarioError(path, "institutions", "at least one institution is required")
    check_title(sc.scenario, path, "scenario.", "structure")
    for name, blocks in sc.schedules.items():
        if not blocks:
            raise ScenarioError(
                path,
                f"schedules.{name}",
                "a schedule needs at least one block of open hours, "
                'e.g. [{ days = ["mon", "tue"], open = [[9, 17]] }]',
            )
    check_hours(sc, path)
    for key, what, value in references(sc):
        defined = getattr(sc, REFERENCE_TABLES[what])
        if value not in defined:
            names = ", ".join(sorted(defined)) or "none"
            raise ScenarioError(path, key, UNKNOWN_NAME[what].format(value=value, names=names))
    for check in type(sc).checks:
        check(sc, path)


def check_hours(sc, path: Path | str) -> None:
    """Every open span of every schedule (named, or written in place for an institution or
    an offer) opens at least one hour as the model counts hours open
    (``WeeklySchedule.hourly_mask``: residents come in whole clock hours, an hour that is
    open for at least half of it): a span that opens none would count staff hours while no
    resident could ever come.  Spans are taken as the model takes them, those of one weekday
    merged."""
    from govsim.config.declare import HoursBlock
    from govsim.config.schedule import WEEKDAYS, WeeklySchedule

    for key, blocks in _values_of(sc, HoursBlock):
        week = WeeklySchedule.from_blocks([(list(b.days), list(b.open)) for b in blocks])
        for w, spans in enumerate(week.intervals):
            for a, b in spans:
                one = WeeklySchedule.from_blocks([([WEEKDAYS[w]], [(a, b)])])
                if not one.hourly_mask().any():
                    raise ScenarioError(
                        path,
                        key,
                        f"the open span [{a:g}, {b:g}] on {WEEKDAYS[w]} never opens to "
                        "residents: they come in whole clock hours, and an hour is open when "
                        "at least half of it is; give spans that cover at least half an hour "
                        "of one clock hour (e.g. [9, 9.5] or [9, 17])",
                    )


def _values_of(obj: Any, kind: type, prefix: str = "") -> Iterator[tuple[str, list]]:
    """(dotted key, the list) of every non-empty list of ``kind`` items in a validated
    file."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            if name not in INTERNAL_FIELDS:
                key = f"{prefix}.{name}" if prefix else name
                yield from _values_of(getattr(obj, name), kind, key)
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _values_of(v, kind, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, (list, tuple)) and obj:
        if all(isinstance(x, kind) for x in obj):
            yield prefix, list(obj)
        else:
            for i, v in enumerate(obj):
                yield from _values_of(v, kind, f"{prefix}.{i}")


# what an unknown name is told, by what it should name (``Refers``)
UNKNOWN_NAME = {
    "institution": "refers to unknown institution {value!r}; defined: {names}",
    "schedule": "unknown schedule {value!r}; define it under [schedules] (defined: {names}) "
    "or give blocks",
}


def references(obj: BaseModel, prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """(dotted key, what it names, the name) of every value of a validated file whose
    declared type says it names an institution or a schedule (``Refers``)."""
    for name, field in type(obj).model_fields.items():
        if name in INTERNAL_FIELDS:
            continue
        ann = field.annotation
        if field.metadata:
            ann = Annotated[(ann, *field.metadata)]
        yield from _references(ann, getattr(obj, name), f"{prefix}{name}")


def _references(ann: Any, value: Any, key: str) -> Iterator[tuple[str, str, str]]:
    from typing import Union, get_args, get_origin

    origin, args = get_origin(ann), get_args(ann)
    if origin is Annotated:
        refers = [m for m in args[1:] if isinstance(m, Refers)]
        if refers and isinstance(value, str):
            yield key, refers[0].what, value
        elif not refers:
            yield from _references(args[0], value, key)
    elif origin in (Union, types.UnionType):
        for arg in args:
            yield from _references(arg, value, key)
    elif origin is dict and isinstance(value, dict):
        for k, v in value.items():
            yield from _references(args[1], v, f"{key}.{k}")
    elif origin in (list, tuple) and isinstance(value, (list, tuple)) and args:
        same = origin is list or (len(args) == 2 and args[1] is Ellipsis)
        for i, v in enumerate(value):  # a list, ``tuple[X, ...]`` or a tuple item by item
            yield from _references(args[0] if same else args[i], v, f"{key}.{i}")
    elif isinstance(ann, type) and issubclass(ann, BaseModel) and isinstance(value, ann):
        yield from references(value, key + ".")


def check_routes(sc, starts) -> None:
    """Every request entering at one of ``starts`` — (need type, institution, the key that
    sends it there) — can reach full authority without a loop (``route_of``); a wish for an
    activity is met by taking part, not by a case file."""
    for t, start, key in sorted(starts):
        if t != "activity":
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


def builtin_order() -> list[str]:
    """Built-in scenarios, the one marked ``reference = true`` first, then by name (read
    from the files themselves, without the model; read again only when a file changed)."""
    names = list_scenarios()
    stamp = tuple((n, (SCENARIO_DIR / f"{n}.toml").stat().st_mtime_ns) for n in names)
    return list(_builtin_order(stamp))


@lru_cache(maxsize=4)
def _builtin_order(stamp: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    def is_reference(n: str) -> bool:
        data, _ = read_spec(SCENARIO_DIR / f"{n}.toml", SCENARIO_DIR)
        return bool(data.get("scenario", {}).get("reference", False))

    return tuple(sorted((n for n, _ in stamp), key=lambda n: (not is_reference(n), n)))


__all__ = [
    "builtin_order",
    "declared_type",
    "route_of",
    "check_routes",
    "references",
    "validate",
]
