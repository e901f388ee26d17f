"""The rules every structure is read by: one value per quantity that crosses structures.

The values and their sources live in ``scenarios/norms.toml`` (scenario files take them with
``same_as = "norms:<key>"``); their names in ``govsim.config.vocabulary`` (``NORM_FIGURES``,
``DECIDE_CLASSES``).  This module computes, for a loaded structure, its figure for each rule
(``figures``) and checks it (``check``):

- **community workers per 10,000 residents** (``community_workers_per_10k``): the staff of
  every community-level body with paid posts — committee, public service and mass-work
  centers, workstation, liaison center, village station, paid grid workers — each over the
  residents one of it is built for (``design_catchment``), so the figure does not depend on
  the residents simulated.  Not counted: street offices and towns (above the community),
  social organisations, and agencies paid under contract (their staff are the agency's);
- **members per committee**: a committee's ``members`` (or its staff);
- **administrative tasks**: 85 a committee; where residents bring their errands to another
  community-level body (the first stop of ``routing.walk_in.admin_service`` — a workstation,
  a center, a liaison center's workstation, a village station), the committee keeps
  ``admin_tasks.committee_with_windows`` and that body carries the rest;
- **what a body may decide of the errands** (``authority.admin_service``): each body on the
  errands' route from the walk-in stop has a class — accept and proxy (受理、代办: 003's 156
  items 「不涉及行政主体资格」, 000's village 代办员), a street's or town's own powers,
  delegated approval (审批权限下放: 001, 000 Qingyuan), a department — whose value is the
  cumulative share of all errands settled at or below it; the body's own share is of what
  reaches it, ``(class − settled before) ÷ (1 − settled before)``; a body in the community
  accepts and proxies or holds delegated approvals, one above it has a street's, delegated or
  a department's powers.  The documents' item
  counts (003: 156; 000 Qingyuan: 108 in 8 categories; 002: 26 in 7; 000 Yunfu: 29 in 4) say
  what a body's windows accept — every errand is routed there — not a share it decides: no
  document gives the items' total or how residents' errands spread over them;
- **registered social organisations per 10,000 residents**: one register (registered
  organisations, 891,300 in 2022), the initial count of every organisation body over its
  design catchment.

Urban rules (workers, members) are not applied to village committees (``level_name =
"administrative_village"``): 《村民委员会组织法》 gives three to seven members and the
worker target counts urban residents.

A file departs from a rule only in its ``[departures]`` section —
``community_workers_per_10k``, ``members_per_committee``, ``social_organisations_per_10k``,
``admin_tasks.<institution>``, ``decide_share.<institution>`` — each with the figure it has
and a source that quotes one of the file's own seeds (``"001: 「…」"``).  ``check`` runs when
a file that lists seeds is loaded as written (``load_scenario`` without ``changes``: levers
and sampled ranges move the structure on purpose); every problem is one ``ScenarioError``
naming the file, the key and what is allowed.
"""

from __future__ import annotations

import re
from functools import cache

from govsim.config.reading import NORMS, SCENARIO_DIR, ScenarioError, read_spec

COMMITTEE_ACTOR = "residents_committee"
ORG_ACTOR = "social_organisation"
VILLAGE_LEVEL_NAME = "administrative_village"
ERRAND = "admin_service"
DEPARTURE_FIGURES = (
    "community_workers_per_10k",
    "members_per_committee",
    "social_organisations_per_10k",
)
PER_INSTITUTION = ("admin_tasks", "decide_share")
# the classes a body may have: one in the community accepts and proxies or holds delegated
# approvals; a street office, town or department has its own powers (or delegated ones)
LOCAL_CLASSES = ("accept_and_proxy", "delegated_approval")
ABOVE_CLASSES = ("street", "delegated_approval", "department")
SEED_QUOTE = re.compile(r"(\d{3})[^:：]{0,40}[:：]\s*「[^」]+」")


@cache
def table() -> tuple[dict, dict]:
    """``(values, sources)`` of ``scenarios/norms.toml``: nested values, sources by dotted key."""
    return read_spec(NORMS, SCENARIO_DIR)


def value(key: str) -> float:
    node = table()[0]
    for part in key.split("."):
        node = node[part]
    return float(node)


def source(key: str) -> str:
    return table()[1].get(key, "")


def decide_classes() -> dict[str, float]:
    """Class → cumulative share of the errands settled at or below a body of it."""
    return {k: float(v[ERRAND]) for k, v in table()[0]["decide_share"].items()}


# ------------------------------------------------------------------ who counts
def is_local(spec) -> bool:
    """A body serving one community or less (not a street office, town or department)."""
    return spec.level in ("jurisdiction", "grid") or (
        spec.level == "community" and spec.per == 1 and spec.design_residents is None
    )


def is_community_worker_post(spec) -> bool:
    """Paid staff of a community-level body of government or self-government
    (``COMMUNITY_WORKER_ACTORS``; not a social organisation, not contracted staff)."""
    from govsim.config.vocabulary import COMMUNITY_WORKER_ACTORS

    return (
        is_local(spec) and spec.costs.salary_per_staff > 0 and spec.actor in COMMUNITY_WORKER_ACTORS
    )


def committees(sc) -> dict:
    return {k: i for k, i in sc.institutions.items() if i.actor == COMMITTEE_ACTOR}


def is_rural(sc) -> bool:
    return any(i.level_name == VILLAGE_LEVEL_NAME for i in committees(sc).values())


def household_size(sc) -> float:
    """Persons per household of the file's population profile (a grid's residents)."""
    return profile_household_size(str(sc.scenario.population))


@cache
def profile_household_size(population: str) -> float:
    # read as written (extends resolved; the profile is validated where it is loaded to run)
    from govsim.config.reading import read_file

    return float(
        read_file(population, "population profile", None)[1]["demography"]["household_size"]
    )


def has_organisations(inst) -> bool:
    return inst.actor == ORG_ACTOR and bool(inst.organisations)


# what each per-10,000 rule counts: (which bodies, the field counted on each)
PER_10K = {
    "community_workers_per_10k": (is_community_worker_post, "staff"),
    "social_organisations_per_10k": (has_organisations, "organisations"),
}


def counted(sc, figure: str) -> dict:
    """The institutions a per-10,000 rule (``PER_10K``) counts, by key."""
    counts, _ = PER_10K[figure]
    return {k: i for k, i in sc.institutions.items() if counts(i)}


def per_10k(sc, figure: str, hh_size: float | None = None) -> float:
    """A per-10,000 rule's figure (``PER_10K``): the field counted on each body it counts,
    each over the residents one of it is built for (full-size institutions, so the figure
    does not depend on the residents simulated).  ``hh_size``: persons per household (a
    grid's residents); default: the file's population profile's."""
    from govsim.core.structure import design_catchment

    hh = household_size(sc) if hh_size is None else hh_size
    field = PER_10K[figure][1]
    return sum(
        getattr(i, field) / design_catchment(i, sc.layout, hh) * 1e4
        for i in counted(sc, figure).values()
    )


def community_workers_per_10k(sc, hh_size: float | None = None) -> float:
    """Community workers per 10,000 residents: the staff of every community-level body with
    paid posts (``per_10k``)."""
    return per_10k(sc, "community_workers_per_10k", hh_size)


def organisations_per_10k(sc, hh_size: float | None = None) -> float:
    return per_10k(sc, "social_organisations_per_10k", hh_size)


def members(inst) -> float:
    return float(inst.members if inst.members is not None else inst.staff)


def window_body(sc) -> str | None:
    """The community-level body other than a committee where residents bring errands
    (the walk-in stop for errands), or None where that is the committee or above."""
    start = sc.routing.walk_in.get(ERRAND)
    if start is None or start not in sc.institutions:
        return None
    inst = sc.institutions[start]
    return start if inst.actor != COMMITTEE_ACTOR and is_local(inst) else None


def expected_tasks(sc) -> dict[str, float]:
    """Institution → the tasks the rule gives it (every other institution: none)."""
    total = value("admin_tasks.per_committee.admin_tasks")
    window = window_body(sc)
    out = {k: 0.0 for k in sc.institutions}
    for k in committees(sc):
        out[k] = value("admin_tasks.committee_with_windows.admin_tasks") if window else total
    if window:
        out[window] = total - value("admin_tasks.committee_with_windows.admin_tasks")
    return out


def errand_route(sc) -> list[str]:
    from govsim.config.scenario import route_of

    start = sc.routing.walk_in.get(ERRAND)
    return route_of(sc, ERRAND, start) if start in sc.institutions else []


def decide_shares(sc) -> list[tuple[str, float, dict[str, float]]]:
    """Along the errands' route from the walk-in stop: (institution, its share, the share
    each class allows it there) for each body that decides some."""
    out, settled = [], 0.0
    for k in errand_route(sc):
        inst = sc.institutions[k]
        a = float(inst.authority.get(ERRAND, 0.0))
        if a > 0:
            classes = LOCAL_CLASSES if is_local(inst) else ABOVE_CLASSES
            allowed = {
                c: round((v - settled) / (1.0 - settled), 4)
                for c, v in decide_classes().items()
                if v > settled and c in classes
            }
            out.append((k, a, allowed))
        settled = 1.0 - (1.0 - settled) * (1.0 - a)
    return out


def class_of(share: float, allowed: dict[str, float], tol: float = 0.01) -> str | None:
    return next((c for c, v in allowed.items() if abs(v - share) <= tol), None)


# ------------------------------------------------------------------ the figures and the check
def figures(sc, hh_size: float | None = None) -> dict:
    """A structure's figure for each rule, the rule's value and any departure the file
    declares, by figure key (``admin_tasks.<inst>``, ``decide_share.<inst>``)."""
    hh = household_size(sc) if hh_size is None else hh_size
    rural = is_rural(sc)
    out: dict[str, dict] = {}

    def per_10k_row(figure: str, rule: str) -> dict:
        field = PER_10K[figure][1]
        return {
            "figure": per_10k(sc, figure, hh),
            "norm": value(rule),
            "keys": [f"institutions.{k}.{field}" for k in counted(sc, figure)],
        }

    if not rural:
        out["community_workers_per_10k"] = per_10k_row(
            "community_workers_per_10k", "community_workers.per_10k"
        )
        for k, i in committees(sc).items():
            out["members_per_committee"] = {
                "figure": members(i),
                "norm": value("committee.members"),
                "keys": [f"institutions.{k}.members"],
            }
    if counted(sc, "social_organisations_per_10k"):
        out["social_organisations_per_10k"] = per_10k_row(
            "social_organisations_per_10k", "social_organisations.per_10k"
        )
    for k, want in expected_tasks(sc).items():
        got = float(sc.institutions[k].admin_tasks)
        if got or want:
            out[f"admin_tasks.{k}"] = {
                "figure": got,
                "norm": want,
                "keys": [f"institutions.{k}.admin_tasks"],
            }
    for k, share, allowed in decide_shares(sc):
        out[f"decide_share.{k}"] = {
            "figure": share,
            "allowed": allowed,
            "class": class_of(share, allowed),
            "keys": [f"institutions.{k}.authority.{ERRAND}"],
        }
    deps = departures(sc)
    for key, row in out.items():
        if key in deps:
            row["departure"], row["source"] = deps[key]
    return out


def departures(sc) -> dict[str, tuple[float, str]]:
    """The file's departures, flat: figure key → (value, source)."""
    out = {}
    for k, v in (sc.departures or {}).items():
        if isinstance(v, dict):
            for inst, x in v.items():
                out[f"{k}.{inst}"] = (float(x), sc.sources.get(f"departures.{k}.{inst}", ""))
        else:
            out[k] = (float(v), sc.sources.get(f"departures.{k}", ""))
    return out


def seed_numbers(sc) -> list[str]:
    return [s[:3] for s in sc.scenario.seeds]


def cites_own_seed(text: str, seeds: list[str]) -> bool:
    """Whether ``text`` quotes one of ``seeds`` (``"001: 「…」"``)."""
    return any(m.group(1) in seeds for m in SEED_QUOTE.finditer(text))


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(abs(b), 1.0) if b else abs(a) <= 1e-9


def check(sc) -> None:
    """Every figure of ``sc`` follows its rule or a departure the file declares with a
    source quoting one of its own seeds; else one ``ScenarioError``."""
    file, seeds = sc.file, seed_numbers(sc)
    tol = value("check.tolerance")
    figs = figures(sc)
    allowed_keys = [*DEPARTURE_FIGURES, *(f"{p}.<institution>" for p in PER_INSTITUTION)]
    for key, (_, src) in departures(sc).items():
        where = f"departures.{key}"
        if key not in figs:
            raise ScenarioError(
                file,
                where,
                f"no figure {key!r} to depart from in this structure; a departure is one of "
                f"{', '.join(allowed_keys)} (of an institution the rule reads)",
            )
        if not cites_own_seed(src, seeds):
            raise ScenarioError(
                file,
                where,
                "a departure needs a source quoting one of the file's own seeds "
                f'({", ".join(seeds) or "none listed"}), e.g. "{(seeds or ["001"])[0]}: 「…」"',
            )
    for key, row in figs.items():
        got = row["figure"]
        if "departure" in row:
            if not _close(got, row["departure"], tol):
                raise ScenarioError(
                    file,
                    ", ".join(row["keys"]),
                    f"{key} = {got:.4g}, but [departures] declares {row['departure']:g}",
                )
            continue
        if key.startswith("decide_share."):
            if row["class"] is None:
                opts = ", ".join(f"{c} {v:g}" for c, v in row["allowed"].items())
                raise ScenarioError(
                    file,
                    row["keys"][0],
                    f"{got:g} is no class of norms.toml decide_share at this place on the "
                    f"errands' route ({opts}); or declare [departures] {key} with a source "
                    "quoting the file's own seed",
                )
            continue
        if not _close(got, row["norm"], tol if not key.startswith("admin_tasks.") else 0.0):
            raise ScenarioError(
                file,
                ", ".join(row["keys"]),
                f"{key} = {got:.4g}, the rule (norms.toml) gives {row['norm']:g} "
                f"(±{tol:.0%}); follow it or declare [departures] {key} = "
                '{ value = …, source = "NNN: 「…」" } quoting the file\'s own seed',
            )


# ------------------------------------------------------------------ the table side by side
NORM_KEYS = {  # figure → the key of its rule in norms.toml
    "community_workers_per_10k": "community_workers.per_10k",
    "members_per_committee": "committee.members",
    "admin_tasks": "admin_tasks.per_committee.admin_tasks",
    "social_organisations_per_10k": "social_organisations.per_10k",
}


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(scenarios: list) -> list[str]:
    """The rules and every structure's figures side by side, with each departure's source
    (a section of ``docs/parameters.md``)."""
    from govsim.config.vocabulary import DECIDE_CLASSES, NORM_FIGURES

    out = [
        "## Cross-structure rules (`scenarios/norms.toml`)",
        "",
        "One rule per quantity that crosses structures, declared once (`govsim.core.norms`);",
        "a file departs from one only in its `[departures]`, with a source quoting its own seed",
        "(checked when the file is loaded). Village committees are not read by the urban rules",
        "(community workers, members). The documents' item counts (003: 156 items; 000 Qingyuan:",
        "108 services in 8 categories; 002: 26 services in 7 categories; 000 Yunfu: 29 items in 4",
        "categories) say what a body's windows accept — every errand is routed there — not a",
        "share it decides: no document gives the items' total or how residents' errands spread",
        "over them; what a body decides follows the class of power its document names.",
        "",
        "| rule | value | source |",
        "|---|---|---|",
    ]
    for fig, key in NORM_KEYS.items():
        out.append(f"| {NORM_FIGURES[fig].en} | {value(key):g} | {_md(source(key))} |")
    key = "admin_tasks.committee_with_windows.admin_tasks"
    out.append(
        f"| {NORM_FIGURES['admin_tasks'].en}: a committee beside a body with the windows "
        f"(that body carries the rest) | {value(key):g} | {_md(source(key))} |"
    )
    for c, v in decide_classes().items():
        out.append(
            f"| {NORM_FIGURES['decide_share'].en}, at or below a body of class "
            f"*{DECIDE_CLASSES[c].en}* ({DECIDE_CLASSES[c].zh}) | {v:g} | "
            f"{_md(source(f'decide_share.{c}.{ERRAND}'))} |"
        )
    out.append(
        f"| tolerance of a figure | {value('check.tolerance'):g} | "
        f"{_md(source('check.tolerance'))} |"
    )
    heads = [
        NORM_FIGURES["community_workers_per_10k"].en,
        NORM_FIGURES["members_per_committee"].en,
        f"{NORM_FIGURES['admin_tasks'].en} (per committee; elsewhere)",
        f"{NORM_FIGURES['decide_share'].en} (along the errands' route)",
        NORM_FIGURES["social_organisations_per_10k"].en,
        "departures (source)",
    ]
    out += [
        "",
        "| structure | " + " | ".join(heads) + " |",
        "|---|" + "---|" * len(heads),
    ]
    for sc in scenarios:
        figs = figures(sc)

        def num(key: str, figs: dict = figs, sc=sc) -> str:
            row = figs.get(key)
            if row is None and key == "community_workers_per_10k":
                return f"{community_workers_per_10k(sc):.3g} (village: not read)"
            if row is None and key == "members_per_committee" and committees(sc):
                return f"{members(next(iter(committees(sc).values()))):.3g} (village: not read)"
            if row is None:
                return "—"
            mark = " (departs)" if "departure" in row else ""
            return f"{row['figure']:.3g}{mark}"

        com = [k for k in committees(sc)]
        tasks = [
            f"{k} {figs[f'admin_tasks.{k}']['figure']:g}" for k in com if f"admin_tasks.{k}" in figs
        ]
        rest = [
            f"{k.split('.', 1)[1]} {r['figure']:g}"
            for k, r in figs.items()
            if k.startswith("admin_tasks.") and k.split(".", 1)[1] not in com
        ]
        route = " → ".join(
            f"{k.split('.', 1)[1]} {r['figure']:g} ({DECIDE_CLASSES[r['class']].en if r['class'] else 'departs'})"
            for k, r in figs.items()
            if k.startswith("decide_share.")
        )
        deps = "<br>".join(f"`{k}` = {v:g}: {_md(src)}" for k, (v, src) in departures(sc).items())
        cells = [
            num("community_workers_per_10k"),
            num("members_per_committee"),
            "; ".join([", ".join(tasks), ", ".join(rest) or "—"]),
            route,
            num("social_organisations_per_10k"),
            deps or "—",
        ]
        out.append(f"| {sc.key} | " + " | ".join(cells) + " |")
    return out
