"""The model's vocabulary, each term declared once with its Chinese and English name: actors,
need types, resident groups, session kinds, channels, levels and the names of levels, and
units.

Scenario files, parameter declarations, the simulator and the charts all speak these words:
the schemas take their allowed values from here (``govsim.config.declare``), the modules
their keys, and presentation their names (``govsim.presentation.text.label``).  The text
that only people read — chart titles, report sentences, captions — is not vocabulary; it
lives in ``govsim.presentation.text``.  Population profiles are named in their own files
(``name_zh`` / ``name_en`` of ``scenarios/populations/*.toml``); outcomes where they are
declared (``Outcome`` in each module).

This module imports nothing of govsim, so the core and presentation may both import it.
"""

from __future__ import annotations

import math
import sys
from typing import NamedTuple


class Term(NamedTuple):
    """A word of the vocabulary: its Chinese and English name."""

    zh: str
    en: str


class ShortTerm(NamedTuple):
    """A word with a short name too, for crowded places (organisation charts)."""

    zh: str
    en: str
    short_zh: str
    short_en: str


# actor kinds a scenario institution may declare (``actor = "..."``).  The kind only
# chooses the label; behaviour comes from the capabilities the scenario gives it.
ACTORS: dict[str, Term] = {
    "resident": Term("居民", "resident"),
    "residents_committee": Term("居委会", "residents' committee"),
    "street_office": Term("街道办事处", "street office"),
    "district_department": Term("区职能部门", "district department"),
    "party_committee": Term("社区党委", "community party committee"),
    "workstation": Term("社区工作站", "community workstation"),
    "public_service_center": Term("社区公共服务中心", "public service center"),
    "community_service_center": Term("社区服务中心", "community service center"),
    "mass_work_center": Term("社区群众工作中心", "mass-work center"),
    "liaison_center": Term("民众联络所", "community liaison center"),
    "grid_workers": Term("网格员", "grid workers"),
    "building_heads": Term("楼栋长", "building heads"),
    "social_organisation": Term("社会组织", "social organisations"),
    "mediation_workshop": Term("居意坊", "stairwell mediation workshop"),
    "deliberation_council": Term("居民议事会", "residents' deliberation council"),
    "village_service_station": Term("村级社会综合服务站", "village service station"),
    "town_service_center": Term("镇社会综合服务中心", "town service center"),
    "villager_council": Term("村民理事会", "villager council"),
    "resident_unit": Term("驻区单位", "resident unit"),
    # a firm paid by the owners' fees, not a social organisation nor community workers:
    # an actor of its own keeps it out of the organisation and community-worker counts
    "property_company": Term("物业服务企业", "property company"),
}

# government above the community: what they settle leaves the community (小事不出社区)
ABOVE_COMMUNITY_ACTORS = frozenset({"street_office", "town_service_center", "district_department"})
# the community-level bodies whose paid posts are community workers (社区工作者, the rule of
# scenarios/norms.toml): not social organisations, residents' councils, property companies
# or units in the area
COMMUNITY_WORKER_ACTORS = frozenset(
    {
        "residents_committee",
        "party_committee",
        "workstation",
        "public_service_center",
        "community_service_center",
        "mass_work_center",
        "liaison_center",
        "grid_workers",
        "building_heads",
        "village_service_station",
    }
)

# the figures the cross-structure rules (``scenarios/norms.toml``, ``govsim.core.norms``)
# are read on, and the classes of what a body may decide of the administrative errands
NORM_FIGURES: dict[str, Term] = {
    "community_workers_per_10k": Term("每万人社区工作者", "community workers per 10,000 residents"),
    "members_per_committee": Term("居委会成员", "members per committee"),
    "admin_tasks": Term("下派行政任务", "administrative tasks pushed down"),
    "decide_share": Term("行政事务自办比例", "share of administrative errands decided"),
    "social_organisations_per_10k": Term(
        "每万人登记社会组织", "registered social organisations per 10,000 residents"
    ),
}
DECIDE_CLASSES: dict[str, Term] = {
    "accept_and_proxy": Term("受理、代办", "accept and proxy"),
    "street": Term("街道（镇）本级权限", "street or town powers"),
    "delegated_approval": Term("审批权限下放", "delegated approval"),
    "department": Term("职能部门", "department"),
}


# need types, with short names for crowded places (organisation charts)
NEED_TYPES: dict[str, ShortTerm] = {
    "admin_service": ShortTerm(
        "行政事务（社保/计生/民政/低保/证明）", "administrative service", "行政", "admin"
    ),
    "public_service": ShortTerm(
        "基本公共服务（养老/助残/托育）", "basic public service", "公服", "care"
    ),
    "dispute": ShortTerm("邻里矛盾", "neighbour dispute", "纠纷", "dispute"),
    "public_space": ShortTerm(
        "公共空间/物业问题", "public-space / property issue", "公共空间", "space"
    ),
    "activity": ShortTerm("活动意愿", "wish for an activity", "活动", "activity"),
}
NEED_TYPE_KEYS: tuple[str, ...] = tuple(NEED_TYPES)

# resident groups outcomes are reported for (groups overlap)
GROUPS: dict[str, Term] = {
    "all": Term("全体", "all"),
    "elderly": Term("老年人", "elderly"),
    "working_age": Term("劳动年龄人口", "working-age"),
    "migrant": Term("流动人口/新市民", "migrants"),
    "vulnerable": Term("弱势群体", "vulnerable"),
}

SESSION_KINDS: dict[str, Term] = {
    "activity": Term("文体活动", "activity"),
    "deliberation": Term("议事协商", "deliberation"),
    "volunteering": Term("志愿服务", "volunteering"),
    "election": Term("居委会选举", "committee election"),
}

# how a need reaches the structure (a need's ``channel``); the charts read them from the
# runs' ``catalog.json``, so a new channel shows there without a change to any chart
CHANNELS: dict[str, Term] = {
    "walk_in": Term("上门办理", "walk-in"),
    "remote": Term("电话/网上/代办", "phone / online / proxy"),
    "discovered": Term("主动发现", "discovered proactively"),
}


class Level(NamedTuple):
    """A level of the structure: how far from residents an institution sits."""

    zh: str
    en: str
    unit: bool  # a unit an institution instance can serve (``level`` in a scenario file)
    name: str  # what one unit of it is called by default (a key of ``LEVEL_NAMES``)


# the levels, far from residents to near: the one order of rows in organisation charts and
# of bars in the need-flows chart.  ``above_community`` is no unit of its own: it is where
# the government above the community sits (``tier``).
LEVELS: dict[str, Level] = {
    "district": Level("区/县", "district / county", True, "district"),
    "above_community": Level("街道/镇", "street office / town", False, "street"),
    "community": Level("社区", "community", True, "community"),
    "jurisdiction": Level(
        "居委会辖区/行政村", "committee jurisdiction / village", True, "committee_area"
    ),
    "grid": Level("网格/楼道/自然村", "grid / stairwell / natural village", True, "grid"),
}
# the units an institution instance can serve (``level`` in a scenario file), largest first
UNIT_LEVELS: tuple[str, ...] = tuple(k for k, v in LEVELS.items() if v.unit)


def tier(inst) -> str:
    """The level (a key of ``LEVELS``) an institution sits at, seen from residents: its own
    level, with the government above the community (street office, town, district
    department) counted above the community unless it serves the whole district — the same
    rule as the outcome ``settled_in_community_share``."""
    if inst.actor in ABOVE_COMMUNITY_ACTORS and inst.level != "district":
        return "above_community"
    return inst.level


# what one unit of an institution's level is called where it is (``level_name`` in a
# scenario file; organisation charts label their rows with it).  By default a level is
# named as in a city (``Level.name``): district, street, community, committee area, grid.
LEVEL_NAMES: dict[str, Term] = {
    "district": Term("区", "district"),
    "county": Term("县", "county"),
    "county_city": Term("县级市", "county-level city"),
    "street": Term("街道", "street"),
    "town": Term("镇", "town"),
    "town_or_street": Term("镇（街道）", "town / street"),
    "community": Term("社区", "community"),
    "committee_area": Term("居委会辖区", "residents' committee area"),
    "administrative_village": Term("行政村", "administrative village"),
    "natural_village": Term("自然村", "natural village"),
    "grid": Term("网格", "grid"),
    "estate": Term("小区", "housing estate"),
}


# ------------------------------------------------------------------ units
UNBOUNDED = (-math.inf, math.inf)
NON_NEGATIVE = (0.0, math.inf)
ZERO_ONE = (0.0, 1.0)
ANY_NUMBER = (-1e12, 1e12)  # a number a file gives in a unit without a limit of its own
_YEAR_H = 8760.0  # hours in a year


class Unit(NamedTuple):
    """A unit: its Chinese and English label, what it means, and

    - ``range``: the values a quantity in it can take; a 95% interval across replicates
      stays inside (``govsim.results.tables.mean_ci``: logit scale for 0–1, log scale for ≥ 0);
    - ``limit``: the bound of a number a file gives in it, checked when the file is loaded
      (None: not a number, or any finite number up to ±1e12);
    - ``shown``, ``factor``, ``digits``: how people read a value (the unit it is shown in,
      the factor from the stored value, the decimals): shares as %, hours as days;
    - ``difference``: the unit a difference of two values is shown in (shares: percentage
      points; default: ``shown``).
    """

    zh: str
    en: str
    meaning: str
    range: tuple[float, float] = UNBOUNDED
    limit: tuple[float, float] | None = None
    shown: str = ""
    factor: float = 1.0
    digits: int = 3
    difference: str = ""


# Every unit a parameter, field, constant or outcome may name.  Each ``limit`` is generous —
# far above any real value — and exists so that a typo or an infinity is refused when the
# file is loaded instead of running: the model's clocks, queues and arrays grow with delays,
# days, counts and rates, so ``relay_delay_h = inf`` or ``windows = 1e12`` would grow memory
# until the machine dies.
UNITS: dict[str, Unit] = {
    # shares, scores and probabilities
    "share": Unit("比例", "share", "a share, 0 to 1", ZERO_ONE, ZERO_ONE, "%", 100.0, 1, "pp"),
    "%": Unit("%", "%", "a percentage, 0 to 100", (0.0, 100.0), (0.0, 100.0)),
    "pp": Unit("百分点", "percentage points", "a difference of two percentages"),
    "probability": Unit("概率", "probability", "a probability", ZERO_ONE, ZERO_ONE),
    "probability/day": Unit("概率/天", "probability/day", "a daily chance", ZERO_ONE, ZERO_ONE),
    "0–1": Unit("0–1", "0–1", "a score on a scale from 0 to 1", ZERO_ONE, ZERO_ONE),
    "0–1/day": Unit("0–1/天", "0–1/day", "a change of a 0–1 score a day", ZERO_ONE, ZERO_ONE),
    # logit weights: ±50 is a probability within 1e-21 of 0 or 1
    "logit": Unit("logit", "logit", "a weight on the log-odds scale", limit=(-50.0, 50.0)),
    "per 15 min": Unit(
        "每15分钟", "per 15 min", "a log-odds weight per 15 minutes", limit=(-50.0, 50.0)
    ),
    "×": Unit("倍", "×", "a multiple", NON_NEGATIVE, (0.0, 1000.0)),
    # times: a year's hours, ten years of days (the longest run the command line allows)
    "h": Unit(
        "小时", "h", "hours", NON_NEGATIVE, (0.0, _YEAR_H), shown="days", factor=1 / 24, digits=1
    ),
    "h (open)": Unit("开放小时", "h (open)", "hours while open", NON_NEGATIVE, (0.0, _YEAR_H)),
    "h of day": Unit("时", "h of day", "an hour of the day", (0.0, 24.0), (0.0, 24.0)),
    "staff-h": Unit("工时", "staff-h", "staff-hours", NON_NEGATIVE, (0.0, _YEAR_H), digits=0),
    # staff-hours a year one pushed-down task costs: a hundred full-time posts
    "staff-h/yr": Unit(
        "工时/年", "staff-h/yr", "staff-hours a year", NON_NEGATIVE, (0.0, 100 * _YEAR_H)
    ),
    "days": Unit("天", "days", "days", NON_NEGATIVE, (0.0, 3650.0)),
    "working days": Unit("工作日", "working days", "working days", NON_NEGATIVE, (0.0, 3650.0)),
    "day": Unit("日序", "day", "a day of the year, 0 to 364", (0.0, 364.0), (0.0, 364.0)),
    "weeks": Unit("周", "weeks", "weeks", NON_NEGATIVE),
    # counts of one institution or place: thousands of posts, slots, tasks; people and
    # residents up to the largest city (about 32 million)
    "slots": Unit("个名额", "slots", "places at a session", NON_NEGATIVE, (0.0, 10_000.0)),
    "persons": Unit("人", "persons", "people on a post", NON_NEGATIVE, (0.0, 10_000.0)),
    "tasks": Unit("项", "tasks", "pushed-down tasks", NON_NEGATIVE, (0.0, 10_000.0)),
    "windows": Unit("个窗口", "windows", "service windows", NON_NEGATIVE, (0.0, 10_000.0)),
    "units": Unit("个单位", "units", "units of a level", NON_NEGATIVE, (0.0, 10_000.0)),
    "organisations": Unit(
        "个组织", "organisations", "organisations", NON_NEGATIVE, (0.0, 100_000.0)
    ),
    "households": Unit("户", "households", "households", NON_NEGATIVE, (0.0, 1_000_000.0)),
    "residents": Unit("人", "residents", "residents", NON_NEGATIVE, (0.0, 50_000_000.0)),
    "seats": Unit("席", "seats", "seats", NON_NEGATIVE, (0.0, 10_000_000.0)),
    "people": Unit("人", "people", "people", NON_NEGATIVE, (0.0, 10_000_000.0)),
    # the densest districts have about 130,000
    "residents/km²": Unit(
        "人/平方公里", "residents/km²", "residents per km²", NON_NEGATIVE, (0.0, 200_000.0)
    ),
    # memory grows with ties × residents; Dunbar's number is 150
    "ties": Unit("个联系", "ties", "acquaintances of a resident", NON_NEGATIVE, (0.0, 200.0)),
    "passes": Unit("遍", "passes", "passes of a procedure", NON_NEGATIVE),
    "needs": Unit("件需求", "needs", "a count of needs", NON_NEGATIVE),
    "requests": Unit("件请求", "requests", "a count of requests", NON_NEGATIVE),
    "per10k": Unit("每万人", "per 10,000", "per 10,000 residents", NON_NEGATIVE, digits=1),
    "km/h": Unit("公里/小时", "km/h", "a speed", NON_NEGATIVE, (0.0, 30.0)),
    # rates: more than a thousand a year (about three a day) is not a yearly rate any more
    "1/yr": Unit("次/年", "1/yr", "a rate a year", NON_NEGATIVE, (0.0, 1000.0)),
    "1/wk": Unit("次/周", "1/wk", "a rate a week", NON_NEGATIVE, (0.0, 1000.0)),
    "1/wk per10k": Unit(
        "次/周·每万人",
        "sessions/wk per 10,000",
        "sessions a week per 10,000 residents",
        NON_NEGATIVE,
        (0.0, 1000.0),
    ),
    "visits/h": Unit("户/小时", "visits/h", "visits an hour", NON_NEGATIVE, (0.0, 1000.0)),
    "visits/day": Unit("户/天", "visits/day", "visits a day", NON_NEGATIVE, (0.0, 1000.0)),
    # money: a trillion yuan is beyond any district's budget.  The one outcome in yuan, the
    # cost per resident, is a cost a year and is shown so.
    "yuan": Unit("元", "yuan", "yuan", NON_NEGATIVE, (0.0, 1e12), shown="yuan/yr", digits=0),
    "yuan/yr": Unit("元/年", "yuan/yr", "yuan a year", NON_NEGATIVE, (0.0, 1e12), digits=0),
    "points": Unit("积分", "points", "points of an incentive scheme", NON_NEGATIVE, (0.0, 1e6)),
    # a plain number: e.g. the Beta(a, b) shapes of the propensity
    "—": Unit("—", "—", "a plain number", NON_NEGATIVE, (0.0, 1e6)),
    # not numbers: what a value names
    "institution": Unit("机构", "institution", "the key of an institution of the file"),
    "level": Unit("层级", "level", "a level (district, community, jurisdiction, grid)"),
    "need types": Unit("需求类型", "need types", "need types"),
    "schedule": Unit("作息", "schedule", "opening hours or the name of a schedule"),
    "yes/no": Unit("是/否", "yes/no", "true or false"),
}


class UnknownUnit(ValueError):
    """A declaration names a unit that ``UNITS`` does not have."""


def check_unit(unit: str, what: str, depth: int = 2) -> None:
    """Raise ``UnknownUnit`` unless ``unit`` is a key of ``UNITS``; the message names the
    module that declares ``what`` (found ``depth`` frames up: the caller of a dataclass's
    ``__init__``), ``what`` and the allowed units."""
    if unit in UNITS:
        return
    try:
        where = sys._getframe(depth + 1).f_globals.get("__name__", "?")
    except ValueError:  # pragma: no cover - a shallow stack
        where = "?"
    raise UnknownUnit(
        f"{where}: {what} has unit {unit!r}, which is not in govsim.config.vocabulary.UNITS; "
        f"allowed: {', '.join(repr(u) for u in UNITS)} (or add it there, with its Chinese "
        "and English label)"
    )


def shown_as(unit: str) -> tuple[str, float, int]:
    """(unit shown, factor from the stored value, decimals) of a value of ``unit``; a unit
    not in ``UNITS`` (a results directory from an older version) is shown as stored."""
    u = UNITS.get(unit)
    if u is None:
        return unit, 1.0, 3
    return u.shown or unit, u.factor, u.digits


def difference_as(unit: str) -> tuple[str, float, int]:
    """(unit, factor, decimals) a difference of two values of ``unit`` is shown in."""
    shown, factor, digits = shown_as(unit)
    u = UNITS.get(unit)
    return (u.difference if u is not None and u.difference else shown), factor, digits


def value_range(unit: str) -> tuple[float, float]:
    """The values a quantity of ``unit`` can take (``Unit.range``; unbounded if unknown)."""
    u = UNITS.get(unit)
    return u.range if u is not None else UNBOUNDED
