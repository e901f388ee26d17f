"""The module framework: declarations, the day plan, random streams, typed records."""

from __future__ import annotations

import numpy as np
import pytest

from govsim import GovernanceModel, load_scenario
from govsim.core.mechanisms import MODULES
from govsim.core.module import Module, Step
from govsim.core.records import Residents
from govsim.core.streams import keyed_uniform, stream
from govsim.core.summary import OUTCOMES, by_group, daily_reporters, headline, per_replicate


def small(name="baseline", changes=None, **kw):
    return GovernanceModel(load_scenario(name, changes=changes), residents=2000, seed=3, **kw)


# ------------------------------------------------------------------ declarations
def test_every_mechanism_declares_steps_streams_and_a_docstring_naming_its_seed():
    for m in MODULES:
        doc = __import__(m.__module__, fromlist=["x"]).__doc__ or ""
        assert any(s in doc for s in ("000", "001", "002", "003", "004", "DOMAIN")), m.name
        assert m.name and m.pars, m.name
    assert {m.name for m in MODULES} >= {
        "arising",
        "reporting",
        "routing",
        "service",
        "workload",
        "discovery",
        "sessions",
        "feedback",
        "costs",
    }


def test_outcome_lists_come_from_the_declarations():
    assert headline()[0] == "participation_rate"
    assert set(headline()) <= set(per_replicate())
    assert all(OUTCOMES[k].by_group for k in by_group())
    keys = [o.key for m in MODULES for o in m.outcomes]
    assert len(keys) == len(set(keys)), "an outcome is declared twice"


def test_daily_reporters_are_the_daily_outcomes():
    m = small()
    cols = set(daily_reporters(m.modules)) - {"day"}
    assert cols == {k for k, o in OUTCOMES.items() if o.daily}
    m.run(3)
    df = m.datacollector.get_model_vars_dataframe()
    assert list(df["day"]) == [1, 2, 3]
    assert set(df.columns) == cols | {"day"}


def test_residents_refuse_undeclared_or_misshapen_arrays():
    r = small().residents
    with pytest.raises(AttributeError, match="declare it as a State"):
        r.wellbeing = np.zeros(r.n)
    with pytest.raises(ValueError, match="expected"):
        r.trust = np.zeros(r.n + 1, dtype=np.float32)
    fresh = Residents(5, [s for m in MODULES for s in m.states])
    assert (fresh.invited_until < 0).all() and set(fresh.last_day) == {
        "activity",
        "deliberation",
        "volunteering",
        "election",
    }


# ------------------------------------------------------------------ the day plan
def test_the_plan_is_ordered_and_every_input_comes_from_an_earlier_step():
    plan = small().plan_table()
    ats = [p[0] for p in plan]
    assert ats == sorted(ats) and len(set(ats)) == len(ats)
    made = set()
    for _, _, _, takes, gives in plan:
        assert set(takes) <= made
        made |= set(gives)


class _Orphan(Module):
    name = "orphan"
    steps = (Step(0.5, "step", inputs=("nothing_makes_this",)),)

    def step(self, day, x):  # pragma: no cover - never runs
        pass


class _Clash(Module):
    name = "clash"
    steps = (Step(3.0, "step"),)

    def step(self, day):  # pragma: no cover - never runs
        pass


def test_a_step_taking_what_nothing_returns_is_refused_before_the_run():
    with pytest.raises(ValueError, match="nothing_makes_this"):
        small(modules=(_Orphan,))


def test_two_steps_at_one_position_are_refused():
    with pytest.raises(ValueError, match="both at 3.0"):
        small(modules=(_Clash,))


def test_an_extra_module_runs_in_the_day_and_reports():
    class Counter(Module):
        name = "counter"
        steps = (Step(3.25, "step", inputs=("resolved",)),)

        def setup(self):
            self.seen = 0

        def step(self, day, resolved):
            self.seen += len(resolved)

    m = small(modules=(Counter,)).run(40)
    assert m.counter.seen == m.needs.counts()["resolved"] - _wishes_met(m) > 0


def _wishes_met(m):
    from govsim.core.records import ACTIVITY, RESOLVED

    nd = m.needs
    return int(((nd.col("type") == ACTIVITY) & (nd.col("status") == RESOLVED)).sum())


# ------------------------------------------------------------------ random streams
def test_streams_are_named_per_module_and_process_and_independent():
    a, b = stream(1, "service.absence").random(5), stream(1, "discovery.visits").random(5)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(a, stream(1, "service.absence").random(5))


def test_keyed_draws_do_not_depend_on_order_or_batch():
    ids = np.array([5, 17, 3, 99])
    u = keyed_uniform(7, "routing.relay", ids, 2)
    np.testing.assert_array_equal(u[::-1], keyed_uniform(7, "routing.relay", ids[::-1], 2))
    np.testing.assert_array_equal(u[1:2], keyed_uniform(7, "routing.relay", ids[1:2], 2))
    assert not np.allclose(u, keyed_uniform(7, "routing.relay", ids, 3))
    big = keyed_uniform(1, "x", np.arange(100_000))
    assert abs(big.mean() - 0.5) < 0.01 and 0 <= big.min() and big.max() < 1


def test_switching_a_mechanism_on_leaves_the_other_draws_alone():
    """Building heads' outreach off versus on: the same needs arise, and every relay hop
    that happens in both runs has the same delay (keyed by need and hop)."""
    off = small(changes={"institutions.heads.outreach": None}).run(30)
    on = small().run(30)
    n = min(off.needs.n, on.needs.n)
    for col in ("type", "resident", "t_arose", "u_service", "u_process"):
        a, b = off.needs.col(col)[:n], on.needs.col(col)[:n]
        np.testing.assert_array_equal(a, b, err_msg=col)
    assert off.needs.n == on.needs.n

    def relays(m):
        h = m.world.hops.arrays()
        fwd = h["event"] != 2
        return {
            (int(i), float(t)): float(o - t)
            for i, t, o in zip(h["need"][fwd], h["t_in"][fwd], h["t_out"][fwd], strict=True)
        }

    ra, rb = relays(off), relays(on)
    common = set(ra) & set(rb)
    assert len(common) > 50
    assert all(ra[k] == rb[k] for k in common)
