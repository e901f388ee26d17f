"""The levers of a structure, declared once: each moves one thing a documented reform moved.

The live app offers them as switches and sliders (``govsim app``), and experiment files
name them (``[variants.no_street] lever = "no_street"``, ``experiments/ablations.toml``):
both take the name, the scenario changes and the source from here.

A lever finds the institution it acts on in any structure (``target``: the residents'
committee, a street office that relays, building heads …; ``needs`` says which, in words);
a structure without one does not have the lever.  ``changes(sc, target, value)`` are
scenario changes (dotted keys, ``None`` deletes), applied with
``load_scenario(name, changes=...)``.  A lever's ``reform`` is the value a documented
reform gives it, with that change's name and the passage it comes from: what an
experiment's variant of the lever runs unless it gives its own ``value``.

A number lever declares its unit (a key of ``govsim.config.vocabulary.UNITS``: ``unit(lang)``)
and the range a design may give it (``lo``–``hi`` in steps of ``step``) with where that range
comes from (``range_source``: a seed passage or ``assumption: why``); a value outside it is
refused (``check``).  A lever that buys something (``bought``: yearly yuan of services
bought from the institution it acts on) adds it to that institution's
``costs.purchased_services``, so that a design that asks more of the social organisations
pays for it.  ``scenario_changes(sc, {key: value})`` composes several levers (their
purchases added up); a scenario file's ``[levers]`` table is applied that way when it is
loaded (``govsim.core.load``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from govsim.config.schedule import WEEKDAYS
from govsim.config.vocabulary import UNITS, check_unit
from govsim.core.measure import DAYS_PER_YEAR

Scenario = Any  # a loaded structure (govsim.core.load.Scenario), which applies levers itself


@cache
def document(name: str) -> Scenario:
    """A built-in structure whose values a lever takes (Xinfeng's projects, the baseline's
    grants), read and validated as ``load_scenario`` reads a plain file: the loader applies
    levers, so the levers do not call it."""
    from govsim.config.reading import read_file
    from govsim.config.scenario import check_references, validate
    from govsim.core.spec import schemas

    path, data, sources = read_file(name, "scenario")
    return validate(schemas().Scenario, data, sources, path, check_references)


OPEN_9_21 = [{"days": list(WEEKDAYS), "open": [[9.0, 21.0]]}]
GRID_WORKERS = {
    "actor": "grid_workers",
    "hours": "office",
    "relay_delay_h": 4,
    "relay_loss": 0.04,
    "outreach": {"mode": "visits", "visits_per_staff_day": 5, "vacancy": 0.1, "detect": 0.75},
    "costs": {"salary_per_staff": 70000},
}
POINTS = {
    "per_session": {"volunteering": 10, "activity": 2},
    "yuan_per_point": 1.0,
    "redeem_share": 0.8,
}
ORGS_RUN_SERVICES = ("staff", "windows", "authority")  # taken from the Xinfeng file's projects
WEEKS_PER_YEAR = DAYS_PER_YEAR / 7
PER_10K = 10_000.0


# ---------------------------------------------------------------- what a lever acts on
def _first(sc: Scenario, test: Callable[[Any], bool]) -> str | None:
    return next((k for k, inst in sc.institutions.items() if test(inst)), None)


def _committee(sc: Scenario) -> str | None:
    return _first(sc, lambda i: i.actor == "residents_committee")


def _routed_to(sc: Scenario) -> set[str]:
    """Institutions residents reach first (walk-in or remote)."""
    remote = {sc.routing.remote.to} if sc.routing.remote is not None else set()
    return set(sc.routing.walk_in.values()) | remote


def _street(sc: Scenario) -> str | None:
    """A relay level between the community and the district: a street office (or town)
    that residents do not go to first and that passes requests on."""
    entries = _routed_to(sc)
    for k, i in sc.institutions.items():
        if i.actor == "street_office" and i.level != "district" and i.forwards_to:
            if k not in entries:
                return k
    return None


def _heads(sc: Scenario) -> str | None:
    return _first(sc, lambda i: i.actor == "building_heads")


def _visitors(sc: Scenario) -> str | None:
    """The institution whose staff visit households (building heads or grid workers)."""
    visits = [k for k, i in sc.institutions.items() if i.outreach and i.outreach.mode == "visits"]
    grid = [k for k in visits if sc.institutions[k].level == "grid"]
    return (grid or visits or [None])[0]


def _orgs(sc: Scenario) -> str | None:
    """Social organisations above the grid, when residents do not already go to them for
    public services."""
    key = _first(sc, lambda i: i.actor == "social_organisation" and i.level != "grid")
    return None if key is None or sc.routing.walk_in.get("public_service") == key else key


def _org_offering(kind: str) -> Callable[[Scenario], str | None]:
    """Social organisations above the grid that hold sessions of ``kind`` (found by their
    actor and their offers, not by their key)."""

    def target(sc: Scenario) -> str | None:
        return _first(
            sc,
            lambda i: (
                i.actor == "social_organisation"
                and i.level != "grid"
                and any(o.kind == kind and o.sessions_per_week > 0 for o in i.offers)
            ),
        )

    return target


def _committee_to_council(sc: Scenario) -> str | None:
    """A residents' committee without a council of its own that holds its own meetings
    (where a council would decide)."""
    key = _committee(sc)
    if key is None:
        return None
    rc = sc.institutions[key]
    meets = (
        rc.self_governance is not None
        and rc.sessions_per_year is not None
        and rc.self_governance.deliberation > 0
        and rc.sessions_per_year.deliberation > 0
    )
    return key if meets and rc.council is None else None


def _design(sc: Scenario, key: str) -> float:
    """Residents one instance of institution ``key`` (above the grid) is built for."""
    from govsim.core.structure import design_catchment

    # above the grid the household size is not used
    return design_catchment(sc.institutions[key], sc.layout, 0.0)


# ---------------------------------------------------------------- what a lever changes
def _remove_level(sc: Scenario, key: str) -> dict:
    """Remove institution ``key``; whoever relayed to it relays to where it relayed."""
    up = sc.institutions[key].forwards_to
    out: dict[str, Any] = {f"institutions.{key}": None}
    for k, inst in sc.institutions.items():
        if k == key:
            continue
        if inst.forwards_to == key:
            out[f"institutions.{k}.forwards_to"] = up
        for need_type, to in inst.forwards.items():
            if to == key:
                out[f"institutions.{k}.forwards.{need_type}"] = up
    return out


def _orgs_services(key: str) -> dict:
    """Public services handed to the organisations ``key`` as Xinfeng's projects are run
    (read from xinfeng.toml, declared there once): their staff, service teams and what they
    settle, the projects bought, and the baseline's small grants per organisation."""
    orgs = document("xinfeng").institutions["orgs"].model_dump(mode="json")
    base = document("baseline").institutions["orgs"].costs.per_organisation
    out = {"routing.walk_in.public_service": key}
    out.update({f"institutions.{key}.{k}": orgs[k] for k in ORGS_RUN_SERVICES})
    out[f"institutions.{key}.costs"] = {
        "per_organisation": base,
        "purchased_services": orgs["costs"]["purchased_services"],
    }
    return out


def _open_9_21(sc: Scenario, key: str, on: bool) -> dict:
    if not on:
        return {}
    return {"schedules.every_day_9_21": OPEN_9_21, f"institutions.{key}.hours": "every_day_9_21"}


def _points(sc: Scenario, on: bool) -> dict:
    if on:
        return {} if sc.incentives.points else {"incentives.points": POINTS}
    return {"incentives.points": None} if sc.incentives.points else {}


@cache
def yuan_per_session() -> float:
    """What one session of the social organisations costs when it is bought as a service
    (yuan), derived from the Xinfeng file, where they are (read from it, declared there
    once): its projects cost ``purchased_services`` (375,000 yuan a year, 002:
    「社区每年接受民政专项资金等各条线拨款等共计65万元」 less running costs and subsidies) and
    pay both the organisations' public-service staff (4, paid from the projects, not as
    salaries) and their sessions (14 activities and 10 volunteer turns a week).  The staff's
    share is taken at the pay of the Xinfeng committee's workers (50,000 a year, the
    file's assumption); the rest is spread over the sessions of a year:
    (375,000 − 4 × 50,000) ÷ ((14 + 10) × 365 ÷ 7) ≈ 140 yuan a session.  An assumption
    on top of the file's: an activity and a volunteer turn cost alike (002 does not split
    the projects' money between them)."""
    xf = document("xinfeng")
    orgs, rc = xf.institutions["orgs"], xf.institutions["rc"]
    staff_pay = orgs.staff * rc.costs.salary_per_staff
    sessions = sum(o.sessions_per_week for o in orgs.offers) * WEEKS_PER_YEAR
    return (orgs.costs.purchased_services - staff_pay) / sessions


def _sessions(sc: Scenario, key: str, kind: str) -> float:
    """Sessions of ``kind`` a week one instance of ``key`` holds (at full size)."""
    return sum(o.sessions_per_week for o in sc.institutions[key].offers if o.kind == kind)


def _org_sessions_now(kind: str) -> Callable[[Scenario, str], float]:
    """Sessions of ``kind`` the organisations hold a week per 10,000 residents.

    Per 10,000 residents, not per instance: an instance of the organisations serves as many
    residents as its structure's file says (25,000 a community in the baseline, 6,500 in
    Xinfeng, 8,000 a committee area in Yunfu), so "14 a week" would mean four times as much
    in Xinfeng as in the baseline.  Per 10,000 a value means the same offer to each
    resident in every structure (rule 5, ODD §2), a design found on one structure can be
    read on another, and the range is one range (the Xinfeng file's 21.5 per 10,000)."""

    def current(sc: Scenario, key: str) -> float:
        return _sessions(sc, key, kind) * PER_10K / _design(sc, key)

    return current


def _org_sessions(kind: str) -> Callable[[Scenario, str, Any], dict]:
    """Changes that make the organisations ``key`` hold ``value`` sessions of ``kind`` a
    week per 10,000 residents: each of its offers of that kind scaled alike (its seats,
    hours and what it does kept; one change per offer, so that levers of other kinds
    compose)."""

    def changes(sc: Scenario, key: str, value: Any) -> dict:
        have = _sessions(sc, key, kind)
        want = float(value) * _design(sc, key) / PER_10K
        return {
            f"institutions.{key}.offers.{i}.sessions_per_week": o.sessions_per_week * want / have
            for i, o in enumerate(sc.institutions[key].offers)
            if o.kind == kind
        }

    return changes


def _org_sessions_bought(kind: str) -> Callable[[Scenario, str, Any], float]:
    """Yearly yuan of the sessions bought beyond those the structure holds (each at
    ``yuan_per_session``); fewer sessions save nothing (the structure's own are paid
    from grants and volunteers' time its file declares, which a cut does not return)."""

    def bought(sc: Scenario, key: str, value: Any) -> float:
        have = _sessions(sc, key, kind)
        want = float(value) * _design(sc, key) / PER_10K
        return max(0.0, want - have) * WEEKS_PER_YEAR * yuan_per_session()

    return bought


@cache
def _xinfeng_council() -> tuple[dict, float]:
    """Xinfeng's residents' council (002: 居民议事会), read from its file: the council of its
    committee, and the money a year per resident the units in the area pool into it
    (their ``pools``, over the residents one of them is built for)."""
    xf = document("xinfeng")
    rc = _committee(xf)
    pooled = sum(
        i.pools.yuan_per_year / _design(xf, k)
        for k, i in xf.institutions.items()
        if i.pools is not None and i.pools.into == rc
    )
    return xf.institutions[rc].council.model_dump(mode="json"), pooled


def _council(sc: Scenario, key: str, on: bool) -> dict:
    """The committee ``key`` gets Xinfeng's council, with a fund of what Xinfeng's units
    pool per resident, for the residents the committee is built for."""
    if not on:
        return {}
    council, per_resident = _xinfeng_council()
    fund = council["fund_yuan_per_year"] + per_resident * _design(sc, key)
    return {f"institutions.{key}.council": {**council, "fund_yuan_per_year": fund}}


# ---------------------------------------------------------------- the declaration
@dataclass(frozen=True)
class Reform:
    """What a documented reform sets a lever to: the value, what that change is called,
    and the passage it comes from (a variant of the lever in an experiment)."""

    value: Any
    name_zh: str
    name_en: str
    source: str


@dataclass(frozen=True)
class Lever:
    """One lever: its name, the institution it acts on in a structure (``target``; None:
    the structure has none, ``needs`` says what it needs), its value there (``current``)
    and the scenario changes that set it to a value (``sets``; with what it buys:
    ``changes``).  ``kind``: "switch" (on or off), "int" or "float" (a slider from ``lo``
    to ``hi`` in steps of ``step``, in ``unit_key``, a key of ``vocabulary.UNITS``, the
    range from ``range_source``).  ``bought``: yearly yuan of services a value buys from
    the institution it acts on (added to its ``costs.purchased_services``)."""

    key: str
    name_zh: str
    name_en: str
    kind: Literal["switch", "int", "float"]
    needs: str
    target: Callable[[Scenario], str | None]
    current: Callable[[Scenario, str], Any]
    sets: Callable[[Scenario, str, Any], dict]
    reform: Reform | None = None
    lo: float = 0
    hi: float = 1
    step: float = 1
    unit_key: str | None = None
    range_source: str = ""
    bought: Callable[[Scenario, str, Any], float] | None = None

    def __post_init__(self) -> None:
        if self.kind == "switch":
            if self.unit_key is not None or self.range_source:
                raise ValueError(f"lever {self.key!r}: a switch has no unit or range")
            return
        if self.unit_key is None or not self.range_source:
            raise ValueError(f"lever {self.key!r}: a number lever declares its unit and range")
        check_unit(self.unit_key, f"lever {self.key!r}")
        if not self.lo < self.hi or self.step <= 0:
            raise ValueError(f"lever {self.key!r}: needs lo < hi and step > 0")

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def unit(self, lang: str) -> str:
        """The unit of its values in ``lang`` ("" for a switch)."""
        if self.unit_key is None:
            return ""
        u = UNITS[self.unit_key]
        return u.zh if lang == "zh" else u.en

    def allowed(self) -> str:
        """Its values, in words."""
        if self.kind == "switch":
            return "true or false"
        what = "a whole number" if self.kind == "int" else "a number"
        return f"{what} from {self.lo:g} to {self.hi:g} ({self.unit('en')})"

    def check(self, value: Any) -> str | None:
        """None when ``value`` is a value of this lever; else what is allowed."""
        if self.kind == "switch":
            return None if isinstance(value, bool) else self.allowed()
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.allowed()
        if self.kind == "int" and not float(value).is_integer():
            return self.allowed()
        if not self.lo <= value <= self.hi:
            return self.allowed()
        return None

    def changes(self, sc: Scenario, target: str, value: Any) -> dict:
        """The scenario changes that set this lever alone to ``value`` on ``sc`` (what it
        buys included)."""
        return scenario_changes(sc, {self.key: value})


def _committee_number(
    key: str, field: str, kind: str, names: tuple[str, str], lo: float, hi: float, **kw
) -> Lever:
    """A lever that sets one number of the committee (``institutions.<committee>.<field>``)."""
    cast = float if kind == "float" else int
    return Lever(
        key,
        *names,
        kind,
        "a residents' committee",
        _committee,
        lambda sc, k: getattr(sc.institutions[k], field),
        lambda sc, k, v: {f"institutions.{k}.{field}": cast(v)},
        lo=lo,
        hi=hi,
        **kw,
    )


def _org_sessions_lever(
    key: str, kind: str, names: tuple[str, str], needs: str, hi: float, range_source: str
) -> Lever:
    """A lever that sets how many sessions of ``kind`` the social organisations hold a week
    per 10,000 residents, those beyond the structure's own bought as a service."""
    return Lever(
        key,
        *names,
        "float",
        needs,
        _org_offering(kind),
        _org_sessions_now(kind),
        _org_sessions(kind),
        lo=0.5,
        hi=hi,
        step=0.5,
        unit_key="1/wk per10k",
        range_source=range_source,
        bought=_org_sessions_bought(kind),
    )


LEVERS: tuple[Lever, ...] = (
    _committee_number(
        "rc_staff",
        "staff",
        "float",
        ("居委会人员", "committee staff"),
        3,
        22,
        step=0.1,
        unit_key="persons",
        range_source="assumption: from 3, the fewest members a committee has by law "
        "(《村民委员会组织法》 「由主任、副主任和委员共三至七人组成」, qingyuan.toml), to 22, the "
        "14th Five-Year plan's 18 community workers per 10,000 residents (norms.toml) in the "
        "largest committee area of the files (Chengdong, about 12,000: 18 × 1.2 = 21.6)",
    ),
    _committee_number(
        "rc_windows",
        "windows",
        "int",
        ("居委会办事窗口", "committee service windows"),
        1,
        3,
        unit_key="windows",
        range_source="001: 「开辟2--3个综合服务窗口」 — a community's one-stop hall has up to "
        "three; assumption: a committee's own no more",
    ),
    Lever(
        "open_9_21",
        "居委会每天9–21时开放",
        "committee open 9:00–21:00 every day",
        "switch",
        "a residents' committee",
        _committee,
        lambda sc, k: sc.schedules[sc.institutions[k].hours] == sc.schedules.get("every_day_9_21"),
        _open_9_21,
        Reform(
            True,
            "居委会每天9–21时开放",
            "committee open 9:00–21:00 every day",
            "000: 「民众联络所实行全年无休的工作制度,每天开放时间为上午9点至晚上9点」 "
            "(Suzhou's hours, given to the committee)",
        ),
    ),
    _committee_number(
        "admin_tasks",
        "admin_tasks",
        "int",
        ("居委会下派任务（项）", "tasks pushed down to the committee"),
        0,
        85,
        unit_key="tasks",
        range_source="004: 「村居承擔的工作任務在清理前有435項,但清理后仍有85項」 — up to the "
        "85 left after the clean-up; 0: every government task taken back (001: 居政分离)",
        reform=Reform(
            5,
            "下派任务减至5项",
            "pushed-down tasks cut to 5",
            "001: 居政分离 — 「属于政府及其职能部门职责范围内的事情,不再由居委会承担」 "
            "(assumption: 5, below the 10 the cross-structure rule leaves a committee beside a "
            "body with the windows, norms.toml)",
        ),
    ),
    Lever(
        "no_street",
        "撤销街道一级（直接转区职能部门）",
        "street level removed (straight to the district)",
        "switch",
        "a street office between the community and the district that residents do not go to first",
        _street,
        lambda sc, k: k not in sc.institutions,
        lambda sc, k, v: _remove_level(sc, k) if v else {},
        Reform(
            True,
            "撤销街道一级",
            "street level removed",
            "001: Chengdong 「撤销街道办事处」 — the committee passes what it cannot settle "
            "straight to the district's departments",
        ),
    ),
    Lever(
        "grid_workers",
        "专职网格员取代楼栋长",
        "paid grid workers instead of building heads",
        "switch",
        "building heads",
        _heads,
        lambda sc, k: sc.institutions[k].actor == "grid_workers",
        lambda sc, k, v: {f"institutions.{k}.{a}": b for a, b in GRID_WORKERS.items()} if v else {},
        Reform(
            True,
            "专职网格员取代楼栋长",
            "paid grid workers instead of building heads",
            "003: 「实行一格一长制,将每个社区分为若干个格,社区工作人员大部分下沉到网格任格长」 "
            "(the Nanshan file's grid chiefs: five visits a working day, 10% vacancy, 0.75 "
            "detection, 70,000 yuan)",
        ),
    ),
    Lever(
        "visits",
        "每人每天走访户数",
        "household visits per worker a day",
        "float",
        "staff who visit households (building heads or grid workers)",
        _visitors,
        lambda sc, k: sc.institutions[k].outreach.visits_per_staff_day,
        lambda sc, k, v: {f"institutions.{k}.outreach.visits_per_staff_day": float(v)},
        lo=0.2,
        hi=6,
        step=0.1,
        unit_key="visits/day",
        range_source="assumption: from one visit a working week (staff who reach residents by "
        "visiting visit, the fewest a file gives is Yunfu's 0.3; none is a body without "
        "outreach, which the files declare otherwise) up to the six a working day the Chengdong file gives its grid workers "
        "(001: 「走百家门、管千件事、说万句话、暖万人心」), the most any file gives",
    ),
    Lever(
        "points",
        "积分激励（民生银行）",
        "points for taking part",
        "switch",
        "nothing (every structure has incentives)",
        lambda sc: "incentives",
        lambda sc, k: sc.incentives.points is not None,
        lambda sc, k, v: _points(sc, v),
        Reform(
            True,
            "积分激励（民生银行）",
            "points for taking part (the livelihood bank)",
            "002: 「成立社区民生银行,通过居民日常行为进行积分,积分兑换社区的服务红利」 "
            "(the Xinfeng file's points)",
        ),
    ),
    Lever(
        "orgs_services",
        "公共服务交社会组织承接",
        "public services handed to social organisations",
        "switch",
        "social organisations above the grid that do not already run public services",
        _orgs,
        lambda sc, k: sc.routing.walk_in.get("public_service") == k,
        lambda sc, k, v: _orgs_services(k) if v else {},
        Reform(
            True,
            "公共服务交社会组织承接",
            "public services handed to social organisations",
            "002: 「社区共有社会组织39家,运作包括巧手聚乡邻、法律工作室等60多个服务项目」, "
            "「社区每年接受民政专项资金等各条线拨款等共计65万元」 (the Xinfeng file's "
            "projects, read from it: their paid staff, service teams, what they settle and "
            "the services bought)",
        ),
    ),
    _org_sessions_lever(
        "org_activities",
        "activity",
        ("社会组织活动（购买服务）", "organisations' activities (bought as a service)"),
        "social organisations above the grid that hold activities",
        22,
        "002: 「社区共有社会组织39家,运作包括巧手聚乡邻、法律工作室等60多个服务项目」 — "
        "the Xinfeng file's 14 activities a week for its 6,500 residents (21.5 per 10,000), "
        "the most a document shows; from 0.5 (some activities)",
    ),
    _org_sessions_lever(
        "org_volunteering",
        "volunteering",
        ("社会组织志愿服务（购买服务）", "organisations' volunteer turns (bought as a service)"),
        "social organisations above the grid that run volunteer turns",
        16,
        "002: 「“五金”志愿服务项目以党组织引领、政府资助、社会运作、居民参与为运作模式」 — "
        "the Xinfeng file's 10 volunteer turns a week for its 6,500 residents (15.4 per "
        "10,000), the most a document shows; from 0.5 (some turns)",
    ),
    Lever(
        "council",
        "居民议事会（议决）",
        "residents' council that decides",
        "switch",
        "a residents' committee without a council that holds its own meetings",
        _committee_to_council,
        lambda sc, k: sc.institutions[k].council is not None,
        _council,
        Reform(
            True,
            "居民议事会",
            "residents' council",
            "002: 居民议事会 「对社区事务进行科学评判、民主决策,逐步形成民主提事、民主议事和民主决事」 "
            "(the Xinfeng file's council, read from it: what it settles, its quorum and days "
            "to carry out, 1,000 yuan a decision as Nanshan's, and a fund of what Xinfeng's "
            "units pool a resident, 「2014年、2015年吸纳社会资金…12万元」; a decision's money "
            "is counted as spent)",
        ),
    ),
)
LEVER = {lv.key: lv for lv in LEVERS}
SWITCHES_FIRST = sorted(LEVERS, key=lambda lv: lv.kind != "switch")  # sliders refine switches


def levers_of(sc: Scenario) -> dict[str, str]:
    """The levers a structure has, each with the institution it acts on."""
    return {lv.key: t for lv in LEVERS if (t := lv.target(sc)) is not None}


def lever_problem(sc: Scenario | None, key: str, value: Any) -> str | None:
    """What is wrong with setting lever ``key`` to ``value`` (on structure ``sc``; None:
    any structure), in words naming what is allowed; None when nothing is."""
    lever = LEVER.get(key)
    if lever is None:
        return f"no lever {key!r}; levers: {', '.join(LEVER)}"
    if sc is not None and lever.target(sc) is None:
        return (
            f"lever {key!r} needs {lever.needs}, which structure {sc.key!r} lacks; "
            f"its levers: {', '.join(levers_of(sc))}"
        )
    wrong = lever.check(value)
    if wrong is not None:
        return f"lever {key!r} takes {wrong}, got {value!r}"
    return None


# law: 《国务院关于职工工作时间的规定》 「职工每日工作8小时、每周工作40小时」
WORK_WEEK_H = 40.0


def thin_windows(sc: Scenario) -> list[tuple[str, int, float, float, float]]:
    """The institutions of ``sc`` whose service windows its staff cannot hold open: a
    window open needs one of the body's staff on duty, so windows × hours open a week may
    not exceed staff × the 40-hour working week.  Every built-in structure keeps to it; a
    body with no paid staff (volunteers at Nanshan's organisations' window) is not held to
    it.  Levers that move staff, windows and hours separately can break it together (a
    committee of four keeping three windows open twelve hours a day): such a design is no
    structure a place could run.  Each: (key, windows, hours open a week, staff needed,
    staff it has)."""
    from govsim.config.schedule import WeeklySchedule

    out = []
    for key, inst in sc.institutions.items():
        if not inst.windows or inst.staff <= 0:
            continue
        blocks = [(b.days, b.open) for b in sc.schedules[inst.hours]]
        week = WeeklySchedule.from_blocks(blocks).hours_per_week()
        if inst.windows * week > inst.staff * WORK_WEEK_H + 1e-9:
            need = inst.windows * week / WORK_WEEK_H
            out.append((key, int(inst.windows), week, need, float(inst.staff)))
    return out


def understaffed(sc: Scenario) -> list[str]:
    """``thin_windows`` in words (for errors and records)."""
    return [
        f"{key}: {w} windows open {week:g} h a week need {need:.1f} staff on a "
        f"{WORK_WEEK_H:g}-hour week; it has {staff:g}"
        for key, w, week, need, staff in thin_windows(sc)
    ]


def scenario_changes(sc: Scenario, levers: dict[str, Any]) -> dict[str, Any]:
    """The scenario changes (dotted keys, ``None`` deletes) that set ``levers`` on the
    structure ``sc`` (as loaded from its file), what they buy added to the purchased
    services of the institutions they buy from.  An unknown lever, one the structure lacks
    or a value out of its range is a ``ValueError`` naming each."""
    problems = [p for k, v in levers.items() if (p := lever_problem(sc, k, v)) is not None]
    if problems:
        raise ValueError("; ".join(problems))
    targets = levers_of(sc)
    out: dict[str, Any] = {}
    bought: dict[str, float] = {}
    for lv in SWITCHES_FIRST:
        if lv.key in levers:
            t = targets[lv.key]
            out.update(lv.sets(sc, t, levers[lv.key]))
            if lv.bought is not None:
                bought[t] = bought.get(t, 0.0) + lv.bought(sc, t, levers[lv.key])
    for t, yuan in bought.items():
        if yuan <= 0:
            continue
        whole = f"institutions.{t}.costs"
        if whole in out:  # a lever that sets the costs anew (services handed over)
            costs = dict(out[whole])
            costs["purchased_services"] = costs.get("purchased_services", 0.0) + yuan
            out[whole] = costs
        else:
            out[f"{whole}.purchased_services"] = sc.institutions[t].costs.purchased_services + yuan
    return out


def markdown() -> list[str]:
    """The levers as a markdown section (of ``docs/parameters.md``): each with its unit,
    range and where the range comes from, or the documented reform a switch copies."""

    def cell(text: str) -> str:
        return " ".join(str(text).split()).replace("|", "\\|")

    out = [
        "## Levers (`govsim/core/levers.py`)",
        "",
        "What the live app, experiment variants (`lever`, `levers`) and a scenario file's "
        "`[levers]` table may move; a number outside its range is refused.",
        "",
        "| lever | name | needs | values | unit | range from / reform |",
        "|---|---|---|---|---|---|",
    ]
    for lv in LEVERS:
        values = "true / false" if lv.kind == "switch" else f"{lv.lo:g}–{lv.hi:g} by {lv.step:g}"
        unit = f"{lv.unit('zh')} / {lv.unit('en')}" if lv.unit_key else "—"
        source = lv.range_source or (lv.reform.source if lv.reform else "")
        out.append(
            f"| `{lv.key}` | {cell(lv.name_zh)} / {cell(lv.name_en)} | {cell(lv.needs)} | "
            f"{values} | {unit} | {cell(source)} |"
        )
    return out
