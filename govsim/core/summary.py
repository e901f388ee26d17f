"""Outcomes of a run, generated from the modules' ``Outcome`` declarations.

- ``daily_reporters``: the DataCollector's columns — ``day`` and every outcome declared
  ``daily``, in module order;
- ``summarize``: ``summary.json`` — every outcome overall, by resident group (those
  declared ``by_group``) and by need type (``by_need_type``), plus the modules' details
  (cost breakdown, sessions held), institution statistics and need counts;
- ``headline``, ``per_replicate``, ``by_group``: the outcome lists everything downstream uses.
"""

from __future__ import annotations

import numpy as np

from govsim.config.vocabulary import NEED_TYPE_KEYS
from govsim.core.mechanisms import MODULES
from govsim.core.module import Outcome, declared


def outcomes(modules=MODULES) -> dict[str, Outcome]:
    """Every outcome the modules declare, by key (classes or instances)."""
    return {o.key: o for o in declared(list(modules), "outcomes")}


OUTCOMES: dict[str, Outcome] = outcomes()


def headline(modules=MODULES) -> tuple[str, ...]:
    """The outcomes every table, chart and report leads with, in their declared order."""
    outs = outcomes(modules)
    return tuple(sorted((k for k, o in outs.items() if o.headline), key=lambda k: outs[k].headline))


def per_replicate(modules=MODULES) -> tuple[str, ...]:
    """Columns of ``runs.csv``, ``summary.csv`` and ``paired.csv``."""
    return tuple(o.key for o in outcomes(modules).values() if o.per_replicate)


def by_group(modules=MODULES) -> tuple[str, ...]:
    """Outcomes per resident group in ``runs.csv`` (``<group>.<outcome>`` columns)."""
    return tuple(o.key for o in outcomes(modules).values() if o.by_group and o.per_replicate)


def daily_reporters(modules) -> dict:
    """DataCollector reporters: the day, then every daily outcome of every module."""
    reporters = {"day": lambda m: m.day_count}
    for mod in modules:
        keys = [o.key for o in mod.outcomes if o.daily]
        if keys:
            cache = {}

            def fetch(m, key, mod=mod, keys=tuple(keys), cache=cache):
                # one call of the module's daily() per day, shared by its columns
                if cache.get("day") != m.day_count:
                    cache["day"] = m.day_count
                    cache["values"] = mod.daily(m.day_count - 1)
                return cache["values"][key]

            for k in keys:
                reporters[k] = lambda m, k=k, fetch=fetch: fetch(m, k)
    return reporters


class Summary(dict):
    """A run's outcomes (``summarize``): a plain dict of stored values (times in hours,
    shares as fractions) that shows itself in a notebook as a table in the units people read
    (days, %), Chinese beside English."""

    def _repr_html_(self) -> str:
        from govsim.presentation.notebook import summary_html

        return summary_html(self)


def end_reporters(modules) -> dict:
    """DataCollector reporters of the end-of-run outcomes that are not daily columns: None
    until the model's last day (``GovernanceModel(days=...)``), then the run's value, so
    ``mesa.batch_run`` (which reads the collector) returns response times, costs … too."""
    daily = {o.key for o in outcomes(modules).values() if o.daily}
    return {
        k: (lambda m, k=k: None if m.end_outcomes is None else m.end_outcomes.get(k))
        for k in per_replicate(modules)
        if k not in daily
    }


def _outcomes(modules, day: int, residents, needs, want) -> dict:
    out = {}
    for mod in modules:
        got = mod.report(day, residents, needs)
        for o in mod.outcomes:
            if want(o) and o.key in got:
                out[o.key] = got[o.key]
    return out


def summarize(model) -> dict:
    r = model.residents
    day = model.day_count - 1
    nd = model.needs
    mods = model.modules
    cost = model.costs.yearly(model.day_count)
    out: dict = {
        "scenario": model.spec.key,
        "scenario_name_zh": model.spec.scenario.name_zh,
        "scenario_name_en": model.spec.scenario.name_en,
        "population": model.population.key,
        "residents": r.n,
        "days": model.day_count,
        "seed": model.seed,
    }
    all_needs = np.ones(nd.n, dtype=bool)
    out.update(_outcomes(mods, day, None, all_needs, lambda o: True))
    out["cost_per_resident_yuan"] = cost["total"] / r.n
    out["cost_breakdown_yuan_per_year"] = cost
    typ = nd.col("type")
    out["by_need_type"] = {
        t: _outcomes(mods, day, None, all_needs & (typ == ti), lambda o: o.by_need_type)
        for ti, t in enumerate(NEED_TYPE_KEYS)
    }
    need_res = nd.col("resident")
    groups = {}
    for g, mask in r.group_masks().items():
        if g == "all":
            continue
        s = _outcomes(mods, day, mask, mask[need_res], lambda o: o.by_group)
        s["residents"] = int(mask.sum())
        # costs are paid for the whole community, not allocated to groups
        s["cost_per_resident_yuan"] = out["cost_per_resident_yuan"]
        groups[g] = s
    out["by_group"] = groups
    out["institutions"] = institution_stats(model)
    for mod in mods:
        out.update(mod.details())
    out["needs_status"] = nd.counts()
    # daily-only outcomes are not end-of-run outcomes
    for o in outcomes(mods).values():
        if o.daily and not o.per_replicate:
            out.pop(o.key, None)
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
