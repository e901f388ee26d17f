"""Outcomes users compare (DOMAIN.md §4), overall and by group.

- participation over the last 30 days (any, activity, deliberation, volunteering);
- response time, hours from the need arising to the answer reaching the resident, over
  resolved needs (median, p90, mean), overall and by need type;
- share never reported and share unresolved at the end, over needs that arose at least
  ``SETTLE_DAYS`` before the end (younger needs have not had a fair chance yet);
- trust and belonging; cost per resident per year.
"""

from __future__ import annotations

import numpy as np

from govsim.core.needs import RESOLVED
from govsim.core.participation import KINDS, ONGOING
from govsim.core.population import CHILD
from govsim.labels import NEED_TYPE_KEYS

SETTLE_DAYS = 30
# the outcomes every summary, table and chart leads with (summary.json has them overall and by group)
HEADLINE = (
    "participation_rate",
    "response_time_median_h",
    "response_time_p90_h",
    "unreported_share",
    "unresolved_share",
    "trust_mean",
    "cost_per_resident_yuan",
)


def participation(model, day: int, mask: np.ndarray | None = None) -> dict[str, float]:
    """Shares taking part in the last 30 days (any ongoing kind — activity, deliberation,
    volunteering — and each kind, elections included), and the share of adults
    who deliberated or voted in the last 365 days (the measure calibrated to election
    turnout)."""
    r = model.residents
    sel = np.ones(r.n, dtype=bool) if mask is None else mask
    out = {}
    anyp = np.zeros(r.n, dtype=bool)
    for k in KINDS:
        got = r.last_day[k] >= day - 29
        if k in ONGOING:
            anyp |= got
        out[f"participation_{k}"] = _share(got, sel)
    out["participation_rate"] = _share(anyp, sel)
    civic = (r.last_day["deliberation"] >= day - 364) | (r.last_day["election"] >= day - 364)
    out["participation_civic_year"] = _share(civic, sel & (r.age_group != CHILD))
    return out


def _share(flags: np.ndarray, sel: np.ndarray) -> float | None:
    n = int(sel.sum())
    return float(flags[sel].sum() / n) if n else None


def _rt_stats(rt: np.ndarray, prefix: str = "response_time") -> dict[str, float | None]:
    if not len(rt):
        return {f"{prefix}_median_h": None, f"{prefix}_p90_h": None, f"{prefix}_mean_h": None}
    return {
        f"{prefix}_median_h": float(np.median(rt)),
        f"{prefix}_p90_h": float(np.percentile(rt, 90)),
        f"{prefix}_mean_h": float(rt.mean()),
    }


def need_outcomes(model, need_mask: np.ndarray) -> dict:
    """Response times and shares for the needs in ``need_mask``, overall and by type."""
    nd = model.needs
    day_end = model.day_count * 24.0
    horizon = day_end - SETTLE_DAYS * 24.0 if model.day_count > 2 * SETTLE_DAYS else day_end
    resolved = nd.col("status") == RESOLVED
    rt = nd.col("t_resolved") - nd.col("t_arose")
    settled = nd.col("t_arose") < horizon
    unreported = (nd.col("reports") == 0) & ~resolved

    def outcomes(mask: np.ndarray) -> dict:
        out = _rt_stats(rt[mask & resolved])
        out["needs"] = int(mask.sum())
        fair = mask & settled
        out["unreported_share"] = _share(unreported, fair)
        out["unresolved_share"] = _share(~resolved, fair)
        return out

    out = outcomes(need_mask)
    typ = nd.col("type")
    out["by_need_type"] = {
        t: outcomes(need_mask & (typ == ti)) for ti, t in enumerate(NEED_TYPE_KEYS)
    }
    return out


def yearly_cost(model) -> dict[str, float]:
    """Structure costs per year (staff, premises, purchased services, subsidies, running)
    plus points redeemed, scaled to a year."""
    parts = {
        "staff": 0.0,
        "premises": 0.0,
        "purchased_services": 0.0,
        "subsidies": 0.0,
        "running": 0.0,
    }
    for a in model.node_agents:
        c = a.spec.costs
        parts["staff"] += a.staff * c.salary_per_staff
        parts["premises"] += c.premises * a.scale
        parts["purchased_services"] += c.purchased_services * a.scale
        parts["subsidies"] += c.subsidies * a.scale
        parts["running"] += c.running * a.scale
    pts = model.spec.incentives.points
    years = max(model.day_count, 1) / 365.0
    parts["points_redeemed"] = (
        (model.participation.points_earned * pts.redeem_share * pts.yuan_per_point / years)
        if pts
        else 0.0
    )
    parts["total"] = sum(parts.values())
    return parts


def summarize(model) -> dict:
    r = model.residents
    day = model.day_count - 1
    groups = r.group_masks()
    nd = model.needs
    need_res = nd.col("resident")
    cost = yearly_cost(model)
    out: dict = {
        "scenario": model.spec.key,
        "scenario_name_zh": model.spec.scenario.name_zh,
        "scenario_name_en": model.spec.scenario.name_en,
        "population": model.population.key,
        "residents": r.n,
        "days": model.day_count,
        "seed": model.seed,
    }
    out.update(participation(model, day))
    out.update(need_outcomes(model, np.ones(nd.n, dtype=bool)))
    out["trust_mean"] = float(r.trust.mean())
    out["belonging_mean"] = float(r.belonging.mean())
    out["cost_per_resident_yuan"] = cost["total"] / r.n
    out["cost_breakdown_yuan_per_year"] = cost
    by_group = {}
    for g, mask in groups.items():
        if g == "all":
            continue
        s = participation(model, day, mask)
        no = need_outcomes(model, mask[need_res])
        no.pop("by_need_type")
        s.update(no)
        s["trust_mean"] = float(r.trust[mask].mean()) if mask.any() else None
        s["belonging_mean"] = float(r.belonging[mask].mean()) if mask.any() else None
        s["residents"] = int(mask.sum())
        # costs are paid for the whole community, not allocated to groups
        s["cost_per_resident_yuan"] = out["cost_per_resident_yuan"]
        by_group[g] = s
    out["by_group"] = by_group
    out["institutions"] = institution_stats(model)
    p = model.participation
    out["sessions"] = {
        k: {"held": int(p.sessions_held[k]), "attendances": int(p.attendance[k])} for k in KINDS
    }
    out["needs_status"] = nd.counts()
    return out


def institution_stats(model) -> dict:
    days = max(model.day_count, 1)
    out = {}
    for k in model.kinds:
        ags = k.agents
        out[k.key] = {
            "actor": k.spec.actor,
            "instances": k.n_instances,
            "arrivals": int(sum(a.arrivals for a in ags)),
            "served": int(sum(a.served for a in ags)),
            "forwarded": int(sum(a.forwarded for a in ags)),
            "lost": int(sum(a.lost for a in ags)),
            "mean_wait_h": (
                sum(a.wait_hours_total for a in ags) / max(1, sum(a.served for a in ags))
            )
            if k.spec.windows
            else None,
            "staff_per_instance": float(np.mean([a.staff for a in ags])),
            "windows_per_instance": float(np.mean([a.windows for a in ags])),
            "selfgov_hours_per_instance_day": sum(a.selfgov_hours_total for a in ags)
            / (days * len(ags)),
            "admin_hours_per_instance_day": sum(a.admin_hours_total for a in ags)
            / (days * len(ags)),
            "mean_walk_min": float(np.mean(k.walk_min[model.residents.building])),
        }
    return out
