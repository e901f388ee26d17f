"""Parameter declarations and the file schemas built from them.

Every parameter a scenario or population file may set is declared once, as a ``Par``, by
the part of the model that owns it (a mechanism module, the structure, the population):
its dotted key, type, default, meaning and unit.  ``section_model`` turns the declarations
under one key prefix (``institutions.*.``, ``behaviour.``, ``routing.`` …) into a strict
pydantic model, so the schema, the validation messages and the parameter table all come
from the one declaration.  Nested tables (``outreach``, ``offers`` …) are pydantic models
declared beside their owner, with ``meaning``/``unit`` on each field (``field``).

A value that names something the file itself defines says so in its type: ``InstitutionKey``
(a key of ``[institutions]``) and ``ScheduleName`` (a key of ``[schedules]``), e.g.
``Par("institutions.*.forwards_to", InstitutionKey | None, …)``.  Every such value of every
declaration — a new module's too — is checked when the file is loaded
(``govsim.config.scenario.check_references``).  Need types, levels and session kinds are
fixed vocabularies: their types (``NeedType`` …) accept only the known names.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model, model_validator

from govsim.config.vocabulary import (
    ANY_NUMBER,
    NEED_TYPE_KEYS,
    SESSION_KINDS,
    UNIT_LEVELS,
    UNITS,
    check_unit,
)

REQUIRED: Any = ...  # a Par whose value every file must give

NeedType = Literal[NEED_TYPE_KEYS]  # type: ignore[valid-type]
SessionKind = Literal[tuple(SESSION_KINDS)]  # type: ignore[valid-type]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Level = Literal[UNIT_LEVELS]  # type: ignore[valid-type]
Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
# (a number's upper bound comes from its unit: ``vocabulary.UNITS``, checked at load by
# ``govsim.config.scenario.check_ranges``)
NonNeg = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]  # finite

# The tables of the files a parameter can be declared under (``govsim.core.spec`` builds a
# model for each): a scenario's sections and its institutions, a population profile's
SCENARIO_SECTIONS = ("layout", "routing", "incentives")
POPULATION_SECTIONS = ("demography", "initial", "needs", "behaviour", "workload", "organisations")
PREFIXES = ("institutions.*.", *(f"{s}." for s in (*SCENARIO_SECTIONS, *POPULATION_SECTIONS)))


def allowed_range(unit: str) -> tuple[float, float]:
    """The range a number of this unit must lie in (``vocabulary.UNITS``: its ``limit``)."""
    u = UNITS.get(unit)
    return u.limit if u is not None and u.limit is not None else ANY_NUMBER


def range_text(unit: str, constraints: tuple = (), integer: bool = False) -> str:
    """``"a finite number from 0 to 8,760 (h (open))"``: what a number of ``unit`` may be —
    the unit's range narrowed by the type's own bounds (``constraints``: ``Field(ge=1)``
    …), so one message states the one range a value must lie in (``"an integer from 1 to
    10,000 (seats)"``, never "≥ 1" and "from 0")."""
    lo, hi = allowed_range(unit)
    lo_open = hi_open = False
    for c in _bounds(constraints):
        for name, x in (("ge", "lo"), ("gt", "lo"), ("le", "hi"), ("lt", "hi")):
            b = getattr(c, name, None)
            if b is None:
                continue
            if x == "lo" and (b > lo or (b == lo and name == "gt")):
                lo, lo_open = b, name == "gt"
            if x == "hi" and (b < hi or (b == hi and name == "lt")):
                hi, hi_open = b, name == "lt"
    shown = f" ({unit})" if unit and unit in UNITS else ""
    what = "an integer" if integer else "a finite number"
    if not (lo_open or hi_open):
        return f"{what} from {_num(lo)} to {_num(hi)}{shown}"
    low = f"above {_num(lo)}" if lo_open else f"at least {_num(lo)}"
    high = f"below {_num(hi)}" if hi_open else f"at most {_num(hi)}"
    return f"{what} {low} and {high}{shown}"


def _bounds(constraints) -> list:
    """The bound objects (``annotated_types.Ge`` …) among a type's metadata, those inside a
    ``Field(...)`` too."""
    from pydantic.fields import FieldInfo

    out = []
    for c in constraints:
        if isinstance(c, FieldInfo):
            out += _bounds(c.metadata)
        elif any(hasattr(c, n) for n in ("ge", "gt", "le", "lt")):
            out.append(c)
    return out


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


class Strict(BaseModel):
    """A table of a file: unknown keys are errors, values are frozen once validated, and
    no value is converted loosely (pydantic's strict mode): ``windows = true`` is not 1,
    ``backup = 'yes'`` not true, ``staff = '3'`` not 3, ``staff = 2.5`` not an integer.
    A whole number is a number (an ``int`` is accepted where a ``float`` is declared: TOML
    writes ``9`` for 9.0), and an array is a pair or triple where a ``tuple`` is declared
    (TOML has arrays only)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _arrays_as_tuples(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {
            k: _as_declared(fields[k].annotation, v) if k in fields else v for k, v in data.items()
        }


def _as_declared(ann: Any, v: Any) -> Any:
    """``v`` with every list that stands where ``ann`` declares a tuple made a tuple, and
    numpy's numbers as Python's (nothing else changes: the strict schema then checks every
    value)."""
    from typing import Union, get_args, get_origin

    origin, args = get_origin(ann), get_args(ann)
    if origin is Annotated:
        return _as_declared(args[0], v)
    if origin in (Union, types.UnionType):
        for a in args:  # the member of the value's shape (a list: a list or a tuple)
            o = get_origin(a) or a
            if isinstance(v, list) and o in (list, tuple) or isinstance(v, dict) and o is dict:
                return _as_declared(a, v)
        return v
    if origin is tuple and isinstance(v, list):
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_as_declared(args[0], x) for x in v)
        if len(args) == len(v):
            return tuple(_as_declared(a, x) for a, x in zip(args, v, strict=True))
        return tuple(v)  # the wrong length: the schema says so
    if origin is list and isinstance(v, list) and args:
        return [_as_declared(args[0], x) for x in v]
    if origin is dict and isinstance(v, dict) and len(args) == 2:
        return {k: _as_declared(args[1], x) for k, x in v.items()}
    if isinstance(v, np.generic) and not isinstance(v, np.bool_):  # numpy's numbers, as
        return v.item()  # Python's (a value given from code: np.int64(2) is the integer 2)
    return v


# what a value may name of the file it is in: the file's table of those names
REFERENCE_TABLES = {"institution": "institutions", "schedule": "schedules"}


@dataclass(frozen=True)
class Refers:
    """Type metadata: the string names an institution or a schedule of the same file
    (``Annotated[str, Refers("institution")]``; checked at load)."""

    what: str

    def __post_init__(self):
        if self.what not in REFERENCE_TABLES:
            raise ValueError(
                f"Refers({self.what!r}): a value may name one of {', '.join(REFERENCE_TABLES)}"
            )


InstitutionKey = Annotated[str, Refers("institution")]  # a key of the file's [institutions]
ScheduleName = Annotated[str, Refers("schedule")]  # a key of the file's [schedules]


@dataclass(frozen=True)
class Par:
    """A parameter: the dotted key it has in a file (``institutions.*.windows``,
    ``behaviour.trust_report``), its type, default (``REQUIRED``: the file must give it),
    meaning and unit.  A ``Par`` without a type is a reference: the module reads a
    parameter declared elsewhere (shown as "used by" in the parameter table)."""

    key: str
    type: Any = None
    default: Any = REQUIRED
    meaning: str = ""
    unit: str = ""

    def __post_init__(self):
        if self.declares or self.unit:
            check_unit(self.unit, f"parameter {self.key!r}")

    @property
    def declares(self) -> bool:
        return self.type is not None


def every(keys, what: str) -> AfterValidator:
    """A validator: a mapping must give a value for each of ``keys`` (e.g. every need type)."""

    def check(v: dict) -> dict:
        missing = [k for k in keys if k not in v]
        if missing:
            raise ValueError(f"must give every {what}; missing: {', '.join(missing)}")
        return v

    return AfterValidator(check)


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``Outreach | None`` → ``Outreach``)."""
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = nested_model(arg)
        if found is not None:
            return found
    return None


def field(default: Any = REQUIRED, meaning: str = "", unit: str = "", **constraints) -> Any:
    """A field of a nested table model with its meaning and unit (for the parameter table)."""
    check_unit(unit, f"field {meaning!r}", depth=1)
    return Field(default, description=meaning, json_schema_extra={"unit": unit}, **constraints)


def section_model(name: str, pars: list[tuple[str, Par]], base: type[BaseModel] = Strict):
    """A strict pydantic model named ``name`` with one field per ``(field name, Par)``."""
    fields = {}
    for fname, p in pars:
        fields[fname] = (
            p.type,
            Field(p.default, description=p.meaning, json_schema_extra={"unit": p.unit}),
        )
    return create_model(name, __base__=base, **fields)


def under(pars: list[Par], prefix: str) -> list[tuple[str, Par]]:
    """Declarations directly under ``prefix`` (``"institutions.*."``), as (field, Par)."""
    out = []
    for p in pars:
        if p.declares and p.key.startswith(prefix):
            rest = p.key[len(prefix) :]
            if "." not in rest:
                out.append((rest, p))
    return out


def check_key(owner: str, p: Par) -> None:
    """A declared parameter sits directly under a table a file has (``PREFIXES``): its key
    is ``<prefix><name>``.  (A reference, a ``Par`` without a type, may name any key.)"""
    if not p.declares:
        return
    for prefix in PREFIXES:
        rest = p.key[len(prefix) :]
        if p.key.startswith(prefix) and rest and "." not in rest:
            return
    raise ValueError(
        f"{owner}: parameter {p.key!r} is not under a table of a file; declare it as "
        f"'<table>.<name>' with <table> one of: {', '.join(x.rstrip('.') for x in PREFIXES)}"
    )


def check_unique(pars: list[tuple[str, Par]]) -> None:
    """Each key is declared once (by one owner)."""
    seen: dict[str, str] = {}
    for owner, p in pars:
        if p.declares:
            if p.key in seen:
                raise ValueError(f"parameter {p.key!r} is declared by {seen[p.key]} and {owner}")
            seen[p.key] = owner


class HoursBlock(Strict):
    """Open hours on some weekdays, e.g. ``{days = ["mon","tue"], open = [[9, 12], [14, 17.5]]}``."""

    days: list[Weekday] = Field(
        min_length=1, description="weekdays these hours hold on", json_schema_extra={"unit": "days"}
    )
    open: list[
        tuple[Annotated[float, Field(ge=0, le=24)], Annotated[float, Field(ge=0, le=24)]]
    ] = Field(
        min_length=1,
        description="open spans [start, end] in hours of the day",
        json_schema_extra={"unit": "h of day"},
    )

    def model_post_init(self, _context) -> None:
        for a, b in self.open:
            if not a < b:
                raise ValueError(
                    f"each open span must be [start, end] with start < end, got [{a}, {b}]"
                )


# opening hours: the name of a schedule of the file, or blocks written in place
Hours = ScheduleName | list[HoursBlock]


@dataclass(frozen=True)
class Const:
    """A number fixed in the code (not a file key), declared with its meaning, unit and
    source so the parameter table lists it; the value is the module global ``name``."""

    name: str
    meaning: str
    unit: str
    source: str

    def __post_init__(self):
        check_unit(self.unit, f"constant {self.name!r}")
