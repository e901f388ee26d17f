"""Scenario files: a governance structure as data, validated on load.

A scenario (``scenarios/*.toml``) says which institutions exist, their staff, hours,
windows, authority, how requests route, what tasks are pushed down and what incentives
exist.  It never states an outcome.  A population profile (``scenarios/populations/*.toml``)
holds the place and its people: demography, how often needs arise, how residents behave.
Keeping the two apart is what lets ``compare`` run every structure on the same people
(EMA-workbench style: structure = policy levers, population = uncertainties).

Files are TOML, read with ``tomllib``: data only, nothing in a file can run code.  Any
error is raised once, as a ``ScenarioError`` naming the file, the key and what is allowed.
Every table may carry a ``sources`` sub-table that cites, key by key, where each number
comes from (seed file and quote, public statistic, or "assumption: why").
"""

from __future__ import annotations

import copy
import importlib.resources
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from govsim.config.schedule import WEEKDAYS, WeeklySchedule
from govsim.labels import ACTORS, NEED_TYPE_KEYS

# built-in files are package data (``govsim.scenarios``, the repository's ``scenarios/``)
SCENARIO_DIR = Path(str(importlib.resources.files("govsim.scenarios")))
POPULATION_DIR = SCENARIO_DIR / "populations"

NeedType = Literal["admin_service", "public_service", "dispute", "public_space", "activity"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Level = Literal["district", "community", "jurisdiction", "grid"]
SessionKind = Literal["activity", "deliberation", "volunteering", "election"]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Sources = dict[str, str]


class ScenarioError(ValueError):
    """A scenario or population file is malformed: names the file, the key, what is allowed."""

    def __init__(self, file: str | Path, key: str, message: str):
        self.file, self.key, self.message = str(file), key, message
        super().__init__(f"{file}: key '{key}': {message}")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- hours
class HoursBlock(Strict):
    """Open hours on some weekdays, e.g. ``{days = ["mon","tue"], open = [[9, 12], [14, 17.5]]}``."""

    days: list[Weekday] = Field(min_length=1)
    open: list[tuple[Annotated[float, Field(ge=0, le=24)], Annotated[float, Field(ge=0, le=24)]]]

    @model_validator(mode="after")
    def _spans(self):
        for a, b in self.open:
            if not a < b:
                raise ValueError(
                    f"each open span must be [start, end] with start < end, got [{a}, {b}]"
                )
        return self


Hours = str | list[HoursBlock]


# --------------------------------------------------------------------------- institutions
class Outreach(Strict):
    """Proactive discovery (mechanism 4): visits to households, or needs noticed among ties."""

    mode: Literal["visits", "ties"] = "visits"
    visits_per_staff_day: NonNeg = 0.0  # households visited per staff member per working day
    vacancy: Share = 0.0  # share of posts empty (楼栋长更换频繁甚至长期空缺, 004)
    detect: Share = 0.8  # chance a visit (or a tie) notices a pending need
    ties_detect_per_day: Share = (
        0.0  # mode="ties": daily chance a mobilised member notices a tie's need
    )
    sources: Sources = {}


class SelfGovernance(Strict):
    """How a committee spends the staff-hours left after admin tasks and requests."""

    activity: Share = 0.0
    deliberation: Share = 0.0
    visits: Share = 0.0
    hours_per_activity: NonNeg = 6.0
    activity_seats: int = Field(30, ge=1)
    hours_per_meeting: NonNeg = 8.0
    meeting_seats: int = Field(40, ge=1)
    visits_per_hour: NonNeg = 2.0
    sources: Sources = {}

    @model_validator(mode="after")
    def _shares(self):
        total = self.activity + self.deliberation + self.visits
        if total > 1.0 + 1e-9:
            raise ValueError(f"activity + deliberation + visits must be <= 1, got {total:g}")
        return self


class Offer(Strict):
    """A fixed programme of sessions residents can join at the institution's premises:
    ``sessions_per_week`` spread over open days, and/or events on ``days_of_year``
    (0–364, repeating every 365 days; day 0 is a Monday), e.g. an election."""

    kind: SessionKind
    sessions_per_week: NonNeg = 0.0
    days_of_year: list[Annotated[int, Field(ge=0, le=364)]] = []
    seats: int = Field(ge=1)
    duration_h: Annotated[float, Field(gt=0, le=24)] = (
        2.0  # a resident free at any hour of it can come
    )
    hours: Hours | None = None  # when sessions may start (default: the institution's hours)
    collects_needs: bool = False  # attendees' unreported needs are collected (搜集社情民意)
    adds_capacity: bool = False  # volunteer attendees add service capacity (volunteering only)
    sources: Sources = {}

    @model_validator(mode="after")
    def _some_sessions(self):
        if self.sessions_per_week <= 0 and not self.days_of_year:
            raise ValueError("an offer needs sessions_per_week > 0 or days_of_year")
        return self


class Costs(Strict):
    """Yearly money per instance (yuan)."""

    salary_per_staff: NonNeg = 0.0
    premises: NonNeg = 0.0
    purchased_services: NonNeg = 0.0
    subsidies: NonNeg = 0.0
    running: NonNeg = 0.0
    sources: Sources = {}


class Institution(Strict):
    actor: str
    level: Level
    per: int = Field(1, ge=1)  # one instance per `per` units of `level`
    design_residents: int | None = Field(None, ge=1)  # residents one instance is built for
    staff: NonNeg = 0.0
    members: NonNeg | None = (
        None  # of the staff, elected committee members (委员); the rest are hired
    )
    organisations: NonNeg | None = None  # how many organisations this entry stands for
    hours: Hours = "office"
    windows: int = Field(0, ge=0)
    backup: bool = False  # AB posts (AB岗): an absent post is covered
    authority: dict[NeedType, Share] = {}
    forwards_to: str | None = None
    forwards: dict[NeedType, str] = {}
    relay_delay_h: NonNeg = 0.0
    relay_loss: Share = 0.0
    processing_days: NonNeg = 0.0
    time_limit_days: NonNeg | None = None
    accept_first: bool = False  # 信用在先、审核在后: resolved when accepted, checked later
    admin_tasks: NonNeg = 0.0
    self_governance: SelfGovernance | None = None
    offers: list[Offer] = []
    outreach: Outreach | None = None
    costs: Costs = Costs()
    sources: Sources = {}

    @field_validator("actor")
    @classmethod
    def _actor(cls, v: str) -> str:
        if v not in ACTORS:
            raise ValueError(f"actor must be one of {', '.join(sorted(ACTORS))}, got {v!r}")
        return v


# --------------------------------------------------------------------------- whole scenario
class Meta(Strict):
    name_zh: str
    name_en: str
    description_zh: str = ""
    description_en: str = ""
    seeds: list[str] = []
    population: str = "urban"
    reference: bool = False  # the structure others are compared against (listed first)
    sources: Sources = {}


class Layout(Strict):
    residents_per_community: int = Field(25_000, ge=100)
    residents_per_jurisdiction: int = Field(8_000, ge=50)
    households_per_grid: int = Field(300, ge=5)
    sources: Sources = {}


class RemoteChannel(Strict):
    to: str
    types: list[NeedType]
    sources: Sources = {}


class Routing(Strict):
    walk_in: dict[NeedType, str]
    remote: RemoteChannel | None = None
    relay: Literal["exponential", "fixed"] = (
        "exponential"  # relay delay: random around the mean, or exactly it
    )
    sources: Sources = {}


class Points(Strict):
    """A points bank (积分): taking part earns points redeemable for services."""

    per_session: dict[SessionKind, NonNeg]
    yuan_per_point: NonNeg
    redeem_share: Share = 0.8
    sources: Sources = {}


class Incentives(Strict):
    points: Points | None = None
    sources: Sources = {}


class Scenario(Strict):
    scenario: Meta
    layout: Layout = Layout()
    schedules: dict[str, list[HoursBlock]] = {}
    routing: Routing
    institutions: dict[str, Institution]
    incentives: Incentives = Incentives()

    schedule_sources: Sources = {}  # [schedules.sources] in the file

    # filled in by load_scenario (not from the file)
    file: str = ""
    key: str = ""

    @model_validator(mode="before")
    @classmethod
    def _schedule_sources(cls, raw):
        if (
            isinstance(raw, dict)
            and isinstance(raw.get("schedules"), dict)
            and "sources" in raw["schedules"]
        ):
            raw = dict(raw)
            raw["schedules"] = dict(raw["schedules"])
            raw["schedule_sources"] = raw["schedules"].pop("sources")
        return raw

    def schedule_of(self, inst: Institution | Offer) -> WeeklySchedule:
        hours = inst.hours
        blocks = self.schedules[hours] if isinstance(hours, str) else hours
        return WeeklySchedule.from_blocks([(list(b.days), list(b.open)) for b in blocks])


# --------------------------------------------------------------------------- population
class Demography(Strict):
    share_children: Share  # 0–17
    share_elderly: Share  # 60+
    employment_working_age: Share
    migrant_share: Share
    vulnerable_share_elderly: Share
    vulnerable_share_other: Share
    party_member_share: Share
    household_size: Annotated[float, Field(ge=1.0, le=8.0)]
    households_per_building: Annotated[float, Field(ge=1.0)]
    residents_per_km2: Annotated[float, Field(gt=0.0)]
    digital_access_elderly: Share
    digital_access_other: Share
    sources: Sources = {}


class NeedRates(Strict):
    """Per resident per year, and multipliers by group; work content; patience."""

    per_year: dict[NeedType, NonNeg]
    elderly_multiplier: dict[NeedType, NonNeg]
    vulnerable_multiplier: dict[NeedType, NonNeg]
    migrant_multiplier: dict[NeedType, NonNeg]
    service_hours: dict[NeedType, NonNeg]  # staff-hours of front-line work per request
    patience_days: dict[NeedType, NonNeg]  # mean days a resident keeps an unreported need
    report_per_day: dict[NeedType, Share]  # daily chance of reporting when a channel fits
    sources: Sources = {}


class Behaviour(Strict):
    # participation choice, logit of the daily chance to join an available session
    base_logit: dict[SessionKind, float]
    propensity: float
    trust: float
    belonging: float
    peers: float
    invited: float
    points: float
    distance_per_15min: float
    working_leave_factor: (
        Share  # chance factor a working resident takes time off to go to an office
    )
    vulnerable_report_factor: Share  # self-expression of vulnerable residents (自主表达能力较弱)
    trust_report: float  # reporting rises with trust: factor (1 + trust_report*(trust-0.5))
    # feedback
    trust_gain_resolved: NonNeg
    trust_loss_slow: NonNeg
    trust_loss_lost: NonNeg
    slow_threshold_h: dict[NeedType, NonNeg]
    belonging_gain: NonNeg
    belonging_decay_per_day: NonNeg
    invitation_days: NonNeg
    staff_absence: Share
    walking_kmh: Annotated[float, Field(gt=0)]
    ties_per_resident: NonNeg
    long_tie_share: Share
    sources: Sources = {}


class Workload(Strict):
    admin_hours_per_task: (
        NonNeg  # staff-hours a year one pushed-down task type costs a committee of reference size
    )
    reference_residents: Annotated[
        float, Field(gt=0)
    ]  # residents of the committee the task figures describe
    sources: Sources = {}


class Initial(Strict):
    """Starting values of residents' traits."""

    propensity_beta: dict[
        Literal["child", "working_age", "elderly"],
        tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]],
    ]
    party_propensity_bonus: Share
    trust_mean: Share
    trust_sd: NonNeg
    belonging_mean: Share
    belonging_mean_migrant: Share
    belonging_sd: NonNeg
    sources: Sources = {}


class Population(Strict):
    name_zh: str
    name_en: str
    demography: Demography
    initial: Initial
    needs: NeedRates
    behaviour: Behaviour
    workload: Workload
    file: str = ""
    key: str = ""


# --------------------------------------------------------------------------- loading
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
    return ScenarioError(path, key, msg)


INTERNAL_FIELDS = ("file", "key", "schedule_sources")


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
        model = _inner_model(field.annotation)
        skip = _is_container(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [k for k in model.model_fields if k not in INTERNAL_FIELDS]
    return []


def _is_container(annotation: Any) -> bool:
    from typing import get_args, get_origin

    if get_origin(annotation) in (dict, list):
        return True
    return any(_is_container(a) for a in get_args(annotation) if a is not type(None))


def _inner_model(annotation: Any) -> Any:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, "(syntax)", f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise ScenarioError(path, "(file)", f"cannot be read: {exc.strerror}") from None


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


def scenario_from_dict(raw: dict, path: Path | str = "<dict>") -> Scenario:
    """Validate a raw scenario mapping (as read from TOML) into a ``Scenario``."""
    path = Path(path)
    try:
        sc = Scenario.model_validate({**raw, "file": str(path), "key": path.stem})
    except ValidationError as err:
        raise _format_error(path, err, Scenario) from None
    _check_references(sc, path)
    return sc


def load_scenario(name_or_path: str | Path, changes: dict[str, Any] | None = None) -> Scenario:
    """Load a built-in scenario by name (a file stem in ``scenarios/``) or any ``.toml`` path.

    ``changes`` maps dotted keys to new values (``{"institutions.street.windows": 4}``):
    the way to move one structural lever for an experiment; the result is validated
    like a file.
    """
    path = resolve_path(name_or_path, SCENARIO_DIR, "scenario")
    raw = _read_toml(path)
    if changes:
        raw = apply_changes(raw, changes, path)
    return scenario_from_dict(raw, path)


def apply_changes(raw: dict, changes: dict[str, Any], path: Path | str) -> dict:
    raw = copy.deepcopy(raw)
    for dotted, value in changes.items():
        node = raw
        parts = dotted.split(".")
        for part in parts[:-1]:
            if isinstance(node, list):
                node = node[int(part)]
            else:
                node = node.setdefault(part, {})
        if isinstance(node, list):
            node[int(parts[-1])] = value
        elif value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return raw


def load_population(name_or_path: str | Path) -> Population:
    path = resolve_path(name_or_path, POPULATION_DIR, "population profile")
    raw = _read_toml(path)
    try:
        pop = Population.model_validate({**raw, "file": str(path), "key": path.stem})
    except ValidationError as err:
        raise _format_error(path, err, Population) from None
    from govsim.labels import SESSION_KINDS

    missing = [k for k in SESSION_KINDS if k not in pop.behaviour.base_logit]
    if missing:
        raise ScenarioError(
            path,
            "behaviour.base_logit",
            f"must give every session kind; missing: {', '.join(missing)}",
        )
    for tname in ("per_year", "service_hours", "patience_days", "report_per_day"):
        got = getattr(pop.needs, tname)
        missing = [t for t in NEED_TYPE_KEYS if t not in got]
        if missing:
            raise ScenarioError(
                path, f"needs.{tname}", f"must give every need type; missing: {', '.join(missing)}"
            )
    return pop


def _check_references(sc: Scenario, path: Path) -> None:
    insts = sc.institutions
    names = sorted(insts)
    if not insts:
        raise ScenarioError(path, "institutions", "at least one institution is required")

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

    for name, inst in insts.items():
        known_schedule(f"institutions.{name}.hours", inst.hours)
        for j, off in enumerate(inst.offers):
            if off.hours is not None:
                known_schedule(f"institutions.{name}.offers.{j}.hours", off.hours)
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
        for k in inst.sources:
            if k not in Institution.model_fields:
                raise ScenarioError(
                    path,
                    f"institutions.{name}.sources.{k}",
                    f"cites a key that does not exist; allowed: {', '.join(Institution.model_fields)}",
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


def route_of(sc: Scenario, need_type: str, start: str, key: str = "routing") -> list[str]:
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


def builtin_order() -> list[str]:
    """Built-in scenarios, the one marked ``reference = true`` first, then by name."""
    return sorted(list_scenarios(), key=lambda n: (not load_scenario(n).scenario.reference, n))


__all__ = [
    "Scenario",
    "Population",
    "ScenarioError",
    "load_scenario",
    "load_population",
    "list_scenarios",
    "route_of",
    "WEEKDAYS",
]
