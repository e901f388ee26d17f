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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from govsim.config.schedule import WEEKDAYS

if TYPE_CHECKING:
    from govsim.core.load import Scenario

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
    from govsim.core.load import load_scenario

    orgs = load_scenario("xinfeng").institutions["orgs"].model_dump(mode="json")
    base = load_scenario("baseline").institutions["orgs"].costs.per_organisation
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
    and the scenario changes that set it to a value (``changes``).  ``kind``: "switch"
    (on or off), "int" or "float" (a slider from ``lo`` to ``hi``)."""

    key: str
    name_zh: str
    name_en: str
    kind: Literal["switch", "int", "float"]
    needs: str
    target: Callable[[Scenario], str | None]
    current: Callable[[Scenario, str], Any]
    changes: Callable[[Scenario, str, Any], dict]
    reform: Reform | None = None
    lo: float = 0
    hi: float = 1
    step: float = 1

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def check(self, value: Any) -> str | None:
        """None when ``value`` is a value of this lever; else what is allowed."""
        if self.kind == "switch":
            return None if isinstance(value, bool) else "true or false"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "a number"
        if self.kind == "int" and not float(value).is_integer():
            return "a whole number"
        return None


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


LEVERS: tuple[Lever, ...] = (
    _committee_number(
        "rc_staff", "staff", "float", ("居委会人员", "committee staff"), 1, 40, step=0.1
    ),
    _committee_number(
        "rc_windows", "windows", "int", ("居委会办事窗口", "committee service windows"), 1, 6
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
        100,
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
        lo=0,
        hi=10,
        step=0.1,
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
)
LEVER = {lv.key: lv for lv in LEVERS}
SWITCHES_FIRST = sorted(LEVERS, key=lambda lv: lv.kind != "switch")  # sliders refine switches


def levers_of(sc: Scenario) -> dict[str, str]:
    """The levers a structure has, each with the institution it acts on."""
    return {lv.key: t for lv in LEVERS if (t := lv.target(sc)) is not None}


def scenario_changes(sc: Scenario, levers: dict[str, Any]) -> dict[str, Any]:
    """The scenario changes (dotted keys, ``None`` deletes) that set ``levers`` on the
    structure ``sc`` (as loaded from its file).  A lever the structure lacks is an error."""
    targets = levers_of(sc)
    unknown = [k for k in levers if k not in LEVER]
    lacking = [k for k in levers if k in LEVER and k not in targets]
    if unknown or lacking:
        raise ValueError(
            f"levers {unknown + lacking} are not levers of {sc.key!r}; it has {sorted(targets)}"
        )
    out: dict[str, Any] = {}
    for lv in SWITCHES_FIRST:
        if lv.key in levers:
            out.update(lv.changes(sc, targets[lv.key], levers[lv.key]))
    return out
