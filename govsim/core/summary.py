"""Outcomes of a run, generated from the modules' ``Outcome`` declarations.

- ``daily_reporters``: the DataCollector's columns — ``day`` and every outcome declared
  ``daily``, in module order;
- ``summarize``: ``summary.json`` — every outcome overall, by resident group (those
  declared ``by_group`` or ``whole_community``) and by need type (``by_need_type``), plus
  the modules' details (cost breakdown, sessions held), institution statistics
  (``Module.by_institution``) and need counts;
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


# outcomes the report derives from the modules' outcomes after the runs (not a module's,
# not a column of runs.csv), declared as theirs are: which way is better, what matters
DERIVED: dict[str, Outcome] = {
    o.key: o
    for o in (
        Outcome(
            "participation_ratio_worst_group",
            "参与最少的群体的参与率与全体之比",
            "participation of the group taking part least, as a share of everyone's",
            "×",
            per_replicate=False,
            better="higher",
            matters=0.02,
            matters_source="assumption: two hundredths of the ratio — participation's one "
            "percentage point (participation_mean) on a 50% level",
        ),
    )
}


def headline(modules=MODULES) -> tuple[str, ...]:
    """The outcomes every table, chart and report leads with, by their declared rank."""
    ranked = [o for o in outcomes(modules).values() if o.headline is not None]
    return tuple(o.key for o in sorted(ranked, key=lambda o: o.headline))


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
    shares as fractions); in a notebook a table in the units people read (days, %), Chinese
    beside English (``govsim.presentation.notebook``)."""


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
    out: dict = {
        "structure": model.spec.key,
        "scenario_name_zh": model.spec.scenario.name_zh,
        "scenario_name_en": model.spec.scenario.name_en,
        "population": model.population.key,
        "residents": r.n,
        "days": model.day_count,
        "seed": model.seed,
    }
    all_needs = np.ones(nd.n, dtype=bool)
    out.update(_outcomes(mods, day, None, all_needs, lambda o: True))
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
        s = _outcomes(mods, day, mask, mask[need_res], lambda o: o.by_group or o.whole_community)
        s["residents"] = int(mask.sum())
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
    """By institution kind: what it is (actor, instances, staff, windows, walking time to
    it) and what the modules counted there (``Module.by_institution``)."""
    day = model.day_count - 1
    counted = [m.by_institution(day) for m in model.modules]
    out = {}
    for k in model.kinds:
        ags = k.agents
        st = {"actor": k.spec.actor, "instances": k.n_instances}
        for c in counted:
            st.update(c.get(k.key, {}))
        st["staff_per_instance"] = float(np.mean([a.staff for a in ags]))
        st["windows_per_instance"] = float(np.mean([a.windows for a in ags]))
        st["mean_walk_min"] = float(np.mean(k.walk_min[model.residents.building]))
        out[k.key] = st
    return out
