"""Calibration of the reference structure to public figures (``govsim calibrate``).

Structure figures are checked, not fitted — they are inputs of the reference scenario and
the population profile, and the check proves the files say what the sources say:

- about 8,000 urban residents and about 5.5 elected members per 居委会 (Ministry of Civil
  Affairs 2020: 113,000 committees, 616,000 members);
- 18 community workers per 10,000 urban residents (14th Five-Year community service plan);
- about 6.3 social organisations per 10,000 residents (national 2022, 891,300);
- 85 pushed-down tasks per committee (004 after the clean-up; a Chongqing survey of 80 communities, 2013, found 73).

Two behavioural quantities are fitted:

1. ``workload.admin_hours_per_task`` so the 85 tasks take ``ADMIN_SHARE_TARGET`` of the
   committee office's working time (closed form: the load is linear in it);
2. ``behaviour.base_logit.election`` so the share of adults who deliberated or voted in
   the year matches the 居委会 election turnout of a large city, 47.89% (Shanghai Urban
   Neighborhood Survey 2017), by bisection on paired runs (the share rises with the logit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from govsim.core.load import Population, Scenario, load_population, load_scenario
from govsim.core.mechanisms.workload import COMMITTEE_ACTOR
from govsim.core.model import GovernanceModel

TURNOUT_TARGET = 0.4789  # Shanghai Urban Neighborhood Survey 2017
ADMIN_SHARE_TARGET = 0.80  # assumption: administrative work takes most of a committee's time
ORG_ACTOR = "social_organisation"
TARGETS = {
    "residents_per_committee": (
        8000.0,
        "Ministry of Civil Affairs 2020: ~113,000 urban residents' committees for ~900 million urban residents",
    ),
    "members_per_committee": (
        5.5,
        "Ministry of Civil Affairs 2020: 616,000 members in 113,000 committees",
    ),
    "community_workers_per_10k": (
        18.0,
        "14th Five-Year urban–rural community service plan: 18 per 10,000 urban residents",
    ),
    "social_organisations_per_10k": (
        6.3,
        "national 2022: 891,300 social organisations; Shenzhen about 6.2",
    ),
    "admin_tasks_per_committee": (
        85.0,
        "004: 「清理后仍有85項」 (Chongqing, after the clean-up); a Chongqing survey of 80 communities (2013) found 73",
    ),
    "admin_time_share": (
        ADMIN_SHARE_TARGET,
        "assumption: surveys report most committee time goes to administrative work; 000 「社区自治事务无法顾及」",
    ),
    "civic_participation_year": (
        TURNOUT_TARGET,
        "Shanghai Urban Neighborhood Survey 2017: 居委会 election turnout 47.89%",
    ),
}


@dataclass
class Fit:
    figures: dict[str, float] = field(default_factory=dict)
    admin_hours_per_task: float = 0.0
    election_logit: float = 0.0
    civic_by_seed: list[float] = field(default_factory=list)
    iterations: list[tuple[float, float]] = field(default_factory=list)
    settings: dict = field(default_factory=dict)


def structure_figures(model: GovernanceModel) -> dict[str, float]:
    """Figures of the built structure that public statistics describe: of the full-size
    institutions the run samples (each counts for the share of its people simulated,
    ``scale``; ODD §2), so they do not depend on the residents simulated."""
    n = model.residents.n
    committees = [a for a in model.node_agents if a.spec.actor == COMMITTEE_ACTOR]
    workers = sum(a.staff * a.scale for a in model.node_agents if is_community_worker_post(a.spec))
    orgs = sum(
        (a.spec.organisations or 0.0) * a.scale
        for a in model.node_agents
        if a.spec.actor == ORG_ACTOR
    )
    return {
        "residents_per_committee": float(np.mean([a.kind.design for a in committees])),
        "members_per_committee": float(
            np.mean([a.spec.members if a.spec.members is not None else a.staff for a in committees])
        ),
        "community_workers_per_10k": workers / n * 1e4,
        "social_organisations_per_10k": orgs / n * 1e4,
        "admin_tasks_per_committee": float(np.mean([a.spec.admin_tasks for a in committees])),
    }


def is_community_worker_post(spec) -> bool:
    """Paid staff of an institution serving one community or less (not a social organisation)."""
    local = spec.level in ("jurisdiction", "grid") or (
        spec.level == "community" and spec.per == 1 and spec.design_residents is None
    )
    return local and spec.costs.salary_per_staff > 0 and spec.actor != ORG_ACTOR


def committee_year(model: GovernanceModel) -> tuple[float, float]:
    """Σ staff-hours and Σ (tasks × residents-served share) of the committees, per year."""
    staff_h = load_units = 0.0
    absence = model.population.behaviour.staff_absence
    ref = model.population.workload.reference_residents
    for a in model.node_agents:
        if a.spec.actor != COMMITTEE_ACTOR:
            continue
        staff_h += a.staff * a.schedule.hours_per_week() * 52.0 * (1.0 - absence)
        load_units += a.admin_tasks_served(ref)
    return staff_h, load_units


def with_values(
    pop: Population, admin_hours_per_task: float | None = None, election_logit: float | None = None
) -> Population:
    if admin_hours_per_task is not None:
        pop = pop.model_copy(
            update={
                "workload": pop.workload.model_copy(
                    update={"admin_hours_per_task": admin_hours_per_task}
                )
            }
        )
    if election_logit is not None:
        logits = {**pop.behaviour.base_logit, "election": election_logit}
        pop = pop.model_copy(
            update={"behaviour": pop.behaviour.model_copy(update={"base_logit": logits})}
        )
    return pop


def civic_share(
    sc: Scenario, pop: Population, residents: int, seeds: list[int], days: int = 365
) -> list[float]:
    out = []
    for s in seeds:
        m = GovernanceModel(sc, residents=residents, seed=s, population=pop).run(days)
        out.append(m.summary()["participation_civic_year"])
    return out


def calibrate(
    scenario: str | Scenario | None = None,
    residents: int = 25_000,
    seeds: int = 3,
    lo: float = -6.0,
    hi: float = 2.0,
    tol: float = 0.004,
    max_iter: int = 14,
    progress=None,
) -> Fit:
    sc = _reference(scenario)
    pop = load_population(sc.scenario.population)
    fit = Fit(
        settings={
            "scenario": sc.key,
            "population": pop.key,
            "residents": residents,
            "seeds": list(range(seeds)),
        }
    )
    probe = GovernanceModel(sc, residents=residents, seed=0, population=pop)
    fit.figures = structure_figures(probe)
    staff_h, load_units = committee_year(probe)
    fit.admin_hours_per_task = (
        round(ADMIN_SHARE_TARGET * staff_h / load_units, 1) if load_units else 0.0
    )
    fit.figures["admin_time_share"] = (
        fit.admin_hours_per_task * load_units / staff_h if staff_h else 0.0
    )
    pop = with_values(pop, admin_hours_per_task=fit.admin_hours_per_task)
    seed_list = list(range(seeds))
    for _ in range(max_iter):
        mid = (lo + hi) / 2.0
        shares = civic_share(sc, with_values(pop, election_logit=mid), residents, seed_list)
        m = float(np.mean(shares))
        fit.iterations.append((mid, m))
        if progress:
            progress(mid, m)
        if abs(m - TURNOUT_TARGET) <= tol:
            break
        lo, hi = (mid, hi) if m < TURNOUT_TARGET else (lo, mid)
    fit.election_logit, _ = min(fit.iterations, key=lambda it: abs(it[1] - TURNOUT_TARGET))
    fit.election_logit = round(fit.election_logit, 3)
    fit.civic_by_seed = civic_share(
        sc, with_values(pop, election_logit=fit.election_logit), residents, seed_list
    )
    fit.figures["civic_participation_year"] = float(np.mean(fit.civic_by_seed))
    return fit


def _reference(scenario) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if scenario is not None:
        return load_scenario(scenario)
    from govsim.core.load import builtin_order

    refs = [s for s in map(load_scenario, builtin_order()) if s.scenario.reference]
    if len(refs) != 1:
        raise ValueError(
            f"exactly one built-in scenario must say reference = true, found {[s.key for s in refs]}"
        )
    return refs[0]


def report_markdown(fit: Fit) -> str:
    s = fit.settings
    lines = [
        "# Calibration of the reference structure",
        "",
        f"Generated by `govsim calibrate` — scenario `{s['scenario']}`, population `{s['population']}`, "
        f"{s['residents']:,} residents, 365 days, seeds {s['seeds']}. Rerun it after changing either file.",
        "",
        "| figure | target | source | model | fit |",
        "|---|---|---|---|---|",
    ]
    for key, (target, source) in TARGETS.items():
        v = fit.figures.get(key)
        rel = (v - target) / target if v is not None and target else float("nan")
        lines.append(f"| {key} | {target:g} | {source} | {v:.4g} | {rel:+.1%} |")
    sd = float(np.std(fit.civic_by_seed, ddof=1)) if len(fit.civic_by_seed) > 1 else float("nan")
    lines += [
        "",
        "Fitted values (written to the population profile):",
        "",
        f"- `workload.admin_hours_per_task` = **{fit.admin_hours_per_task:g}** (closed form: target share × committee staff-hours ÷ Σ tasks × residents served / reference)",
        f"- `behaviour.base_logit.election` = **{fit.election_logit:g}** (bisection; yearly civic participation by seed: "
        + ", ".join(f"{x:.4f}" for x in fit.civic_by_seed)
        + f"; sd {sd:.4f})",
        "",
        "Bisection steps (logit → share):",
        "",
        *[f"- {a:.4f} → {b:.4f}" for a, b in fit.iterations],
        "",
    ]
    return "\n".join(lines)


def apply_to_profile(fit: Fit, path: Path) -> None:
    """Write the fitted values into the population profile, leaving the rest untouched."""
    text = Path(path).read_text(encoding="utf-8")
    text, n1 = re.subn(
        r"(?m)^(admin_hours_per_task\s*=\s*(?:\{\s*value\s*=\s*)?)[-0-9.eE+]+",
        lambda m: f"{m.group(1)}{fit.admin_hours_per_task:g}",
        text,
    )
    text, n2 = re.subn(
        r"(?m)^(base_logit\s*=\s*\{.*?\belection\s*=\s*)[-0-9.eE+]+",
        lambda m: f"{m.group(1)}{fit.election_logit:g}",
        text,
    )
    if n1 != 1 or n2 != 1:
        raise ValueError(
            f"{path}: could not find admin_hours_per_task and base_logit.election to update"
        )
    Path(path).write_text(text, encoding="utf-8")
