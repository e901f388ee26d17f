"""The parameter table (``govsim params --markdown`` → ``docs/parameters.md``).

Generated from the scenario files, the population profiles and the model's own constants,
so it cannot drift: a test regenerates it and fails when the checked-in copy differs.
Every row gives the parameter, its meaning, its unit, its value in each file and its
source as the file cites it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from govsim.config.scenario import POPULATION_DIR, SCENARIO_DIR, list_scenarios

# meaning and unit of every key a scenario or profile may set (a test checks coverage)
FIELDS: dict[str, tuple[str, str]] = {
    # scenario meta / layout
    "population": ("population profile the structure is usually run with", "name"),
    "reference": ("the structure others are compared against", "yes/no"),
    "residents_per_community": ("residents of a community (the 2–3万 service unit)", "residents"),
    "residents_per_jurisdiction": ("residents of a 居委会 jurisdiction", "residents"),
    "households_per_grid": ("households of a grid", "households"),
    # routing
    "walk_in": ("institution residents walk in to, by need type", "institution"),
    "remote": ("phone / online / proxy channel: where it goes and for which need types", "—"),
    "remote.to": ("institution remote reports reach", "institution"),
    "remote.types": ("need types that can be reported remotely", "need types"),
    "relay": ("relay delay: random (exponential) or fixed", "—"),
    "schedules": ("named opening hours (days: open spans)", "h of day"),
    # institution
    "actor": ("kind of actor (label only)", "—"),
    "level": ("unit one instance serves", "level"),
    "per": ("one instance per this many units of its level", "units"),
    "design_residents": (
        "residents one instance is built for (capacity and cost scale down to the simulated catchment)",
        "residents",
    ),
    "staff": ("staff per instance", "persons"),
    "members": ("elected committee members among the staff", "persons"),
    "organisations": ("organisations this entry stands for", "organisations"),
    "hours": ("opening hours (schedule)", "schedule"),
    "windows": ("service slots working the queue in parallel", "slots"),
    "backup": ("AB backup posts: an absent post is covered", "yes/no"),
    "authority": ("share of requests of each need type it can settle", "share"),
    "forwards_to": ("where it relays what it cannot settle", "institution"),
    "forwards": ("relay target by need type, overriding forwards_to", "institution"),
    "relay_delay_h": ("mean delay before a relayed request leaves, in working hours", "h (open)"),
    "relay_loss": (
        "chance a relayed request is forwarded without follow-up (一转了事)",
        "probability",
    ),
    "processing_days": ("median back-office processing after the front desk", "working days"),
    "time_limit_days": (
        "time-limit commitment capping back-office processing (限时办结)",
        "working days",
    ),
    "accept_first": ("resolved when accepted, checked later (信用在先、审核在后)", "yes/no"),
    "admin_tasks": ("task types pushed down onto it from above", "tasks"),
    "self_governance": ("how spare staff-hours are spent", "—"),
    "self_governance.activity": ("share of spare hours on activities", "share"),
    "self_governance.deliberation": ("share of spare hours on meetings (议事)", "share"),
    "self_governance.visits": ("share of spare hours on household visits", "share"),
    "self_governance.hours_per_activity": ("staff-hours to prepare and run an activity", "staff-h"),
    "self_governance.activity_seats": ("seats at an activity", "seats"),
    "self_governance.hours_per_meeting": ("staff-hours to prepare and chair a meeting", "staff-h"),
    "self_governance.meeting_seats": ("seats at a meeting", "seats"),
    "self_governance.visits_per_hour": ("households visited per staff-hour", "visits/h"),
    "offers": (
        "fixed programmes of sessions (kind, sessions a week or days of the year, seats)",
        "—",
    ),
    "outreach": ("proactive discovery", "—"),
    "outreach.mode": (
        "visits to households, or party members noticing needs among their ties",
        "—",
    ),
    "outreach.visits_per_staff_day": (
        "households visited per staff member per open day",
        "visits/day",
    ),
    "outreach.vacancy": ("share of posts empty", "share"),
    "outreach.detect": ("chance a visit notices a pending need", "probability"),
    "outreach.ties_detect_per_day": (
        "daily chance a mobilised member notices a tie's pending need",
        "probability/day",
    ),
    "costs": ("yearly money per instance", "yuan/yr"),
    "costs.salary_per_staff": ("pay and on-costs per staff member", "yuan/yr"),
    "costs.premises": ("rent or upkeep of premises", "yuan/yr"),
    "costs.purchased_services": ("services bought from others (政府购买服务, 费随事转)", "yuan/yr"),
    "costs.subsidies": ("subsidies paid to residents (meal, helper allowances)", "yuan/yr"),
    "costs.running": ("running costs", "yuan/yr"),
    # incentives
    "points.per_session": ("points earned per session, by kind", "points"),
    "points.yuan_per_point": ("value of a point when redeemed", "yuan"),
    "points.redeem_share": ("share of points redeemed", "share"),
    # population profile
    "name_zh": ("name (Chinese)", "—"),
    "name_en": ("name (English)", "—"),
    "demography.share_children": ("share aged 0–17", "share"),
    "demography.share_elderly": ("share aged 60+", "share"),
    "demography.employment_working_age": ("share of 18–59 in work with fixed hours", "share"),
    "demography.migrant_share": ("share of migrants / new citizens", "share"),
    "demography.vulnerable_share_elderly": ("share of elderly who are vulnerable", "share"),
    "demography.vulnerable_share_other": ("share of under-60s who are vulnerable", "share"),
    "demography.party_member_share": ("share of the population in the party", "share"),
    "demography.household_size": ("mean persons per household", "persons"),
    "demography.households_per_building": ("mean households per building", "households"),
    "demography.residents_per_km2": ("residential density", "residents/km²"),
    "demography.digital_access_elderly": ("share of elderly using online services", "share"),
    "demography.digital_access_other": ("share of under-60s using online services", "share"),
    "initial.propensity_beta": ("Beta(a, b) of the propensity to take part, by age group", "—"),
    "initial.party_propensity_bonus": ("propensity added for party members", "0–1"),
    "initial.trust_mean": ("mean starting trust", "0–1"),
    "initial.trust_sd": ("spread of starting trust", "0–1"),
    "initial.belonging_mean": ("mean starting belonging", "0–1"),
    "initial.belonging_mean_migrant": ("mean starting belonging of migrants", "0–1"),
    "initial.belonging_sd": ("spread of starting belonging", "0–1"),
    "needs.per_year": ("needs per resident per year, by type", "1/yr"),
    "needs.elderly_multiplier": ("rate multiplier for the elderly", "×"),
    "needs.vulnerable_multiplier": ("rate multiplier for vulnerable residents", "×"),
    "needs.migrant_multiplier": ("rate multiplier for migrants", "×"),
    "needs.service_hours": (
        "mean staff-hours of front-line work per request (exponential)",
        "staff-h",
    ),
    "needs.patience_days": ("mean days a resident keeps an unreported need (exponential)", "days"),
    "needs.report_per_day": ("daily chance of reporting when a channel fits", "probability/day"),
    "behaviour.base_logit": ("logit of joining an available session, by kind", "logit"),
    "behaviour.propensity": ("logit weight of propensity", "logit"),
    "behaviour.trust": ("logit weight of trust − ½", "logit"),
    "behaviour.belonging": ("logit weight of belonging − ½", "logit"),
    "behaviour.peers": ("logit weight of the share of ties active in 30 days", "logit"),
    "behaviour.invited": ("logit weight of an invitation", "logit"),
    "behaviour.points": ("logit weight of points on offer", "logit"),
    "behaviour.distance_per_15min": (
        "weight of walking time per 15 minutes (logit for sessions, log-rate for reporting)",
        "per 15 min",
    ),
    "behaviour.working_leave_factor": (
        "reporting factor for a working resident when office hours shut them out",
        "×",
    ),
    "behaviour.vulnerable_report_factor": ("reporting factor for vulnerable residents", "×"),
    "behaviour.trust_report": ("reporting rises by this × (trust − ½)", "×"),
    "behaviour.trust_gain_resolved": ("trust gained when a need is answered in time", "0–1"),
    "behaviour.trust_loss_slow": ("trust lost when an answer is slow or a need is given up", "0–1"),
    "behaviour.trust_loss_lost": (
        "trust lost when a request is forwarded without follow-up",
        "0–1",
    ),
    "behaviour.slow_threshold_h": ("response time residents call slow, by type", "h"),
    "behaviour.belonging_gain": ("belonging gained per session attended", "0–1"),
    "behaviour.belonging_decay_per_day": ("belonging lost per day", "0–1/day"),
    "behaviour.invitation_days": ("days an invitation counts", "days"),
    "behaviour.staff_absence": ("chance a post's holder is away on a day", "probability"),
    "behaviour.walking_kmh": ("walking speed", "km/h"),
    "behaviour.ties_per_resident": ("ties drawn per resident besides the household", "ties"),
    "behaviour.long_tie_share": ("share of drawn ties that reach across the district", "share"),
    "workload.admin_hours_per_task": (
        "staff-hours a year one pushed-down task costs a committee of reference size",
        "staff-h/yr",
    ),
    "workload.reference_residents": ("committee size the task figures describe", "residents"),
}


def constants() -> list[tuple[str, Any, str, str, str]]:
    """(name, value, meaning, unit, source) of the model's built-in constants."""
    from govsim.core import handling, institutions, metrics, participation, population

    blocks = "; ".join(
        f"{name}: "
        + ", ".join(
            f"{'–'.join(d[:1] + d[-1:]) if len(d) > 1 else d[0]} {spans}"
            for d, spans in population.FREE_TIME_BLOCKS[code]
        )
        for name, code in (
            ("free", population.TU_FREE),
            ("employed", population.TU_EMPLOYED),
            ("student", population.TU_STUDENT),
        )
    )
    return [
        (
            "institutions.PROCESSING_SIGMA",
            institutions.PROCESSING_SIGMA,
            "spread (lognormal σ) of back-office processing times",
            "—",
            "assumption: a long right tail of processing times",
        ),
        (
            "handling.FEEDBACK_WAIT_H",
            handling.FEEDBACK_WAIT_H,
            "wait for an answer before a resident whose request was lost may try again",
            "h",
            "assumption: a week",
        ),
        (
            "participation.VOLUNTEER_SHIFT_H",
            participation.VOLUNTEER_SHIFT_H,
            "hours a volunteer gives in a session",
            "h",
            "assumption",
        ),
        (
            "participation.SESSION_H",
            participation.SESSION_H,
            "length of a committee activity or meeting",
            "h",
            "assumption",
        ),
        (
            "metrics.SETTLE_DAYS",
            metrics.SETTLE_DAYS,
            "needs younger than this at the end are left out of unreported/unresolved shares",
            "days",
            "assumption: a fair chance to be answered",
        ),
        (
            "population.FREE_TIME_BLOCKS",
            blocks,
            "hours residents are free, by time-use class",
            "h",
            "assumption: work 9–18 on weekdays, school 8–16:30, sleep 22–7 (no time-use survey in the seeds)",
        ),
    ]


# ------------------------------------------------------------------ flattening
def _flat(table: dict, prefix: str = "") -> dict[str, Any]:
    """Dotted keys of a raw TOML table, nested tables flattened one level (not sources)."""
    out = {}
    for k, v in table.items():
        if k == "sources":
            continue
        key = f"{prefix}{k}"
        if isinstance(v, dict) and k in ("self_governance", "outreach", "costs", "remote"):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _sources(table: dict, prefix: str = "") -> dict[str, str]:
    out = {f"{prefix}{k}": v for k, v in table.get("sources", {}).items()}
    for k, v in table.items():
        if isinstance(v, dict) and k in ("self_governance", "outreach", "costs", "remote"):
            nested = _sources(v, f"{prefix}{k}.")
            out.update(nested)
            for kk in v:  # a nested key without its own source takes its table's
                out.setdefault(f"{prefix}{k}.{kk}", out.get(f"{prefix}{k}", ""))
    return out


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    if isinstance(v, list):
        if v and all(isinstance(x, dict) for x in v):
            return "; ".join(_fmt_offer(x) if "kind" in x else _fmt(x) for x in v)
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def _fmt_offer(o: dict) -> str:
    when = (
        f"{_fmt(o['sessions_per_week'])}/wk"
        if o.get("sessions_per_week")
        else f"days {o.get('days_of_year')}"
    )
    extra = [k for k in ("collects_needs", "adds_capacity") if o.get(k)]
    return f"{o['kind']} {when} × {o['seats']} seats" + (f" ({', '.join(extra)})" if extra else "")


def _fmt_hours(blocks: list) -> str:
    return "; ".join(
        f"{'–'.join(b['days'][:1] + b['days'][-1:]) if len(b['days']) > 1 else b['days'][0]} "
        + ", ".join(f"{a:g}–{e:g}" for a, e in b["open"])
        for b in blocks
    )


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _read(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def scenario_rows() -> tuple[list[str], list[tuple[str, dict, dict]]]:
    names = list_scenarios()
    raws = {n: _read(SCENARIO_DIR / f"{n}.toml") for n in names}
    rows: dict[str, tuple[dict, dict]] = {}

    def put(key, name, value, source):
        vals, srcs = rows.setdefault(key, ({}, {}))
        vals[name] = value
        if source:
            srcs[name] = source

    for n, raw in raws.items():
        for section in ("scenario", "layout", "routing"):
            tab = raw.get(section, {})
            flat, src = _flat(tab), _sources(tab)
            for k, v in flat.items():
                if section == "scenario" and k not in ("population", "reference"):
                    continue
                put(f"{section}.{k}", n, v, src.get(k, ""))
        sched_src = raw.get("schedules", {}).get("sources", {})
        for k, v in raw.get("schedules", {}).items():
            if k != "sources":
                put(f"schedules.{k}", n, _fmt_hours(v), sched_src.get(k, ""))
        for inst, tab in raw.get("institutions", {}).items():
            flat, src = _flat(tab), _sources(tab)
            for k, v in flat.items():
                if k == "hours" and isinstance(v, str) and "hours" not in src:
                    src["hours"] = sched_src.get(v, "")
                put(f"institutions.{inst}.{k}", n, v, src.get(k, ""))
        pts = raw.get("incentives", {}).get("points")
        if pts:
            for k, v in _flat(pts).items():
                put(f"incentives.points.{k}", n, v, pts.get("sources", {}).get(k, ""))
    return names, [(k, *rows[k]) for k in sorted(rows, key=_order)]


def _order(key: str) -> tuple:
    head = key.split(".")[0]
    rank = {
        "scenario": 0,
        "layout": 1,
        "schedules": 2,
        "routing": 3,
        "institutions": 4,
        "incentives": 5,
    }.get(head, 9)
    return (rank, key)


def field_doc(key: str) -> tuple[str, str]:
    if key.startswith("schedules."):
        return FIELDS["schedules"]
    parts = key.split(".")
    for i in range(len(parts)):
        cand = ".".join(parts[i:])
        if cand in FIELDS:
            return FIELDS[cand]
    return ("", "")


def _source_cell(vals: dict, srcs: dict[str, str], names: list[str]) -> str:
    """One source if every file that sets the value cites the same; else file by file."""
    setters = [n for n in names if n in vals]
    distinct: dict[str, list[str]] = {}
    for n in setters:
        if n in srcs:
            distinct.setdefault(srcs[n], []).append(n)
    if len(distinct) == 1 and sum(len(w) for w in distinct.values()) == len(setters):
        return next(iter(distinct))
    return "<br>".join(f"{', '.join(who)}: {src}" for src, who in distinct.items())


def population_rows() -> tuple[list[str], list[tuple[str, dict, dict]]]:
    names = sorted(p.stem for p in POPULATION_DIR.glob("*.toml"))
    rows: dict[str, tuple[dict, dict]] = {}
    for n in names:
        raw = _read(POPULATION_DIR / f"{n}.toml")
        for section in ("demography", "initial", "needs", "behaviour", "workload"):
            tab = raw.get(section, {})
            for k, v in tab.items():
                if k == "sources":
                    continue
                vals, srcs = rows.setdefault(f"{section}.{k}", ({}, {}))
                vals[n] = v
                if k in tab.get("sources", {}):
                    srcs[n] = tab["sources"][k]
    return names, [(k, *rows[k]) for k in rows]


def _table(files: list[str], rows: list[tuple[str, dict, dict]]) -> list[str]:
    """Markdown rows: parameter, meaning, unit, its value in each file, source."""
    out = ["| parameter | meaning | unit | " + " | ".join(files) + " | source |"]
    out.append("|---|---|---|" + "---|" * len(files) + "---|")
    for key, vals, srcs in rows:
        meaning, unit = field_doc(key)
        cells = [_cell(_fmt(vals[n])) if n in vals else "" for n in files]
        source = _cell(_source_cell(vals, srcs, files))
        out.append(
            f"| `{key}` | {_cell(meaning)} | {unit} | " + " | ".join(cells) + f" | {source} |"
        )
    return out


def parameter_table_markdown() -> str:
    out = [
        "# Parameter table",
        "",
        "Generated by `govsim params --markdown` from `scenarios/*.toml`, `scenarios/populations/*.toml`",
        "and the model's constants — do not edit by hand (a test fails when this file is stale).",
        "Sources: seed files by number (`000`…`004`, see `../shared/seeds/README.md`) with a quote,",
        'public statistics, or "assumption: why".',
        "",
        "## Governance structures (scenario files)",
        "",
    ]
    out += _table(*scenario_rows())
    out += ["", "## Population profiles", ""]
    out += _table(*population_rows())
    out += [
        "",
        "## Model constants",
        "",
        "| parameter | meaning | unit | value | source |",
        "|---|---|---|---|---|",
    ]
    for name, value, meaning, unit, source in constants():
        out.append(
            f"| `{name}` | {_cell(meaning)} | {unit} | {_cell(_fmt(value))} | {_cell(source)} |"
        )
    return "\n".join(out) + "\n"
