"""The module framework: declarations, the day plan, random streams, typed records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from govsim import GovernanceModel, load_scenario
from govsim.config.declare import Par
from govsim.core.mechanisms import MODULES
from govsim.core.module import (
    PHASE_NAMES,
    Module,
    Outcome,
    Step,
    UndeclaredName,
    check_modules,
    plan,
)
from govsim.core.records import Residents
from govsim.core.streams import keyed_uniform, stream, stream_at
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
    # the headline participation is the 30-day share averaged over the days (it does not
    # depend on the day a run stops); the end-of-run 30-day share is secondary
    assert headline()[0] == "participation_mean"
    assert set(headline()) <= set(per_replicate())
    assert all(OUTCOMES[k].by_group for k in by_group())
    keys = [o.key for m in MODULES for o in m.outcomes]
    assert len(keys) == len(set(keys)), "an outcome is declared twice"


def test_headline_is_a_rank_checked_over_all_modules():
    ranks = sorted(o.headline for m in MODULES for o in m.outcomes if o.headline is not None)
    assert ranks == list(range(1, len(ranks) + 1))
    assert headline() == tuple(
        o.key for r in ranks for m in MODULES for o in m.outcomes if o.headline == r
    )
    for bad in (True, 0, -1, 1.5):
        with pytest.raises(ValueError, match="headline must be a rank"):
            Outcome("x", "x", "x", "share", headline=bad)
    rival = _module("rival", outcomes=(Outcome("rival_share", "x", "x", "share", headline=2),))
    with pytest.raises(
        ValueError,
        match=r"outcomes sessions\.wishes_met_share and "
        r"rival\.rival_share both have headline rank 2",
    ):
        check_modules((*MODULES, rival))
    with pytest.raises(ValueError, match="both have headline rank 2"):
        small(modules=(rival,))


def test_a_parameter_under_a_table_no_file_has_is_refused_at_import():
    """``hotline.x`` used to be accepted and then dropped from the schema."""
    with pytest.raises(
        ValueError,
        match=r"module 'hotline': parameter 'hotline\.x' is not under "
        "a table of a file; declare it as '<table>.<name>' with <table> one of: "
        "institutions.\\*, layout, routing, incentives, demography",
    ):
        _module("hotline", pars=(Par("hotline.x", float, 1.0, "x", "share"),))
    with pytest.raises(ValueError, match=r"'behaviour\.hotline\.x' is not under a table"):
        _module("nested", pars=(Par("behaviour.hotline.x", float, 1.0, "x", "share"),))
    # a reference (no type) may name a nested key; a declared one under a table works
    _module(
        "fine",
        pars=(Par("institutions.*.outreach"), Par("behaviour.hotline_x", float, 1.0, "x", "share")),
    )


def test_daily_reporters_are_the_daily_outcomes():
    m = small()
    cols = set(daily_reporters(m.modules)) - {"day"}
    assert cols == {k for k, o in OUTCOMES.items() if o.daily}
    m.run(3)
    df = m.datacollector.get_model_vars_dataframe()
    assert list(df["day"]) == [1, 2, 3]
    # and the seed, so the rows of Mesa's batch_run show the one a run drew (seed=None)
    assert set(df.columns) == cols | {"day", "seed"}


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
# the built-in day, step by step: the order every run so far has had (outputs are
# bit-identical only in this order)
TODAY = [
    ("arise", "arising", "step"),
    ("arise", "reporting", "at_arising"),
    ("arise", "routing", "intake_all"),
    ("arise", "sessions", "invite"),
    ("report", "reporting", "expire"),
    ("report", "feedback", "gave_up"),
    ("report", "reporting", "step"),
    ("report", "routing", "intake_all"),
    ("report", "sessions", "invite"),
    ("serve", "evaluation", "step"),
    ("serve", "routing", "step"),
    ("serve", "feedback", "lost"),
    ("serve", "service", "settle"),
    ("serve", "feedback", "resolved"),
    ("workload", "workload", "step"),
    ("discover", "discovery", "step"),
    ("discover", "sessions", "invite"),
    ("sessions", "organisations", "step"),
    ("sessions", "sessions", "step"),
    ("sessions", "service", "set_volunteers"),
    ("sessions", "feedback", "attended"),
    ("sessions", "feedback", "resolved"),
    ("close", "feedback", "decay"),
]


def test_the_planned_day_is_todays_order():
    assert [(m.name, s.method) for m, s in plan(MODULES)] == [t[1:] for t in TODAY]
    table = small().plan_table()
    assert [row[:3] for row in table] == TODAY
    made = set()
    for _, _, _, takes, gives, _ in table:
        assert set(takes) <= made and not set(gives) & made  # each name returned once
        made |= set(gives)
    # phases in their declared order, and the modules in the order they first act
    assert [p for p in PHASE_NAMES if p in {t[0] for t in TODAY}] == list(
        dict.fromkeys(t[0] for t in TODAY)
    )
    first = list(dict.fromkeys(t[1] for t in TODAY))
    assert [m.name for m in MODULES][: len(first)] == first


def _module(name, *steps, **attrs):
    """A module class with ``steps`` and a method for each (defined at call time)."""
    body = {"name": name, "steps": steps, **attrs}
    for s in steps:
        body[s.method] = lambda self, day, *a: None
    return type(name.capitalize(), (Module,), body)


def _refused(*extra, match):
    with pytest.raises(ValueError, match=match):
        plan((*MODULES, *extra))


def test_a_step_returning_a_name_another_step_returns_is_refused():
    """The review's trial: a new step in the report phase that returns ``reports`` used to
    silently replace the walk-in reports."""
    hotline = _module("hotline", Step("report", "step", outputs=("reports",)))
    _refused(
        hotline,
        match=r"reporting\.step \(report\) and hotline\.step \(report\) both "
        r"return 'reports'.*another name",
    )
    with pytest.raises(ValueError, match="both return 'reports'"):
        load_scenario("baseline", modules=(hotline,))  # refused when the scenario is loaded
    with pytest.raises(ValueError, match="both return 'reports'"):
        GovernanceModel(load_scenario("baseline"), residents=500, modules=(hotline,))


def test_a_step_taking_what_nothing_returns_is_refused_before_the_run():
    orphan = _module("orphan", Step("arise", "step", inputs=("nothing_makes_this",)))
    with pytest.raises(
        ValueError,
        match=r"orphan\.step \(arise\) takes 'nothing_makes_this', "
        "which no step returns",
    ):
        small(modules=(orphan,))


def test_a_step_taking_what_a_later_phase_returns_is_refused():
    early = _module("early", Step("report", "step", inputs=("spare_hours",)))
    _refused(
        early,
        match=r"early\.step \(report\) takes 'spare_hours', which "
        r"workload\.step \(workload\) returns only later",
    )


def test_two_steps_of_a_phase_with_no_order_between_them_are_refused():
    # the workload phase holds Workload.step alone; a second step there must say where
    loose = _module("loose", Step("workload", "step"))
    _refused(
        loose,
        match=r"steps workload\.step and loose\.step are both in phase 'workload' "
        r"with no order between them: give one of them after=\('loose\.step',\)",
    )
    placed = _module("placed", Step("workload", "step", after=("workload.step",)))
    assert [(m.name, s.method) for m, s in plan((*MODULES, placed))][15] == ("placed", "step")
    # a step taking what another returns is ordered by that alone
    reader = _module("reader", Step("workload", "step", inputs=("spare_hours",)))
    assert ("reader", "step") in [(m.name, s.method) for m, s in plan((*MODULES, reader))]


def test_a_cycle_in_a_phase_is_refused():
    a = _module("aa", Step("close", "step", inputs=("from_b",), outputs=("from_a",)))
    b = _module("bb", Step("close", "step", inputs=("from_a",), outputs=("from_b",)))
    _refused(a, b, match=r"steps .*aa\.step.*bb\.step.* in phase 'close' wait for each other")
    own = _module("own", Step("close", "step", after=("own.step",)))
    _refused(own, match=r"own\.step → own\.step in phase 'close' wait for each other")


def test_an_after_naming_no_step_or_a_later_one_is_refused():
    typo = _module("typo", Step("close", "step", after=("feedback.decays",)))
    _refused(typo, match=r"typo\.step \(close\) runs after 'feedback\.decays', which is no step")
    late = _module("late", Step("arise", "step", after=("feedback.decay",)))
    _refused(late, match=r"runs after 'feedback\.decay', which runs only in a later phase")


def test_an_unknown_phase_or_a_misdeclared_step_is_refused_at_import():
    with pytest.raises(
        ValueError,
        match=r"module 'night': step 'step' is in phase 'night'; "
        "the phases of a day are arise, report",
    ):
        _module("night", Step("night", "step"))
    with pytest.raises(ValueError, match=r"step 'missing' is no method"):
        type("Nomethod", (Module,), {"name": "nomethod", "steps": (Step("close", "missing"),)})
    with pytest.raises(TypeError, match=r"inputs must be a tuple of names.*\('name',\)"):
        _module("bare", Step("close", "step", inputs="resolved"))
    with pytest.raises(ValueError, match=r"runs after 'decay'; name a step as 'module\.method'"):
        _module("dotless", Step("close", "step", after=("decay",)))

    # a duck-typed module (no class check) is refused by the plan too
    class Duck:
        name, steps = "duck", (Step("night", "step"),)

    _refused(Duck, match=r"step duck\.step: unknown phase 'night'")


def test_an_extra_module_runs_in_the_day_and_reports():
    class Counter(Module):
        name = "counter"
        steps = (Step("serve", "step", inputs=("resolved",), after=("feedback.resolved",)),)

        def setup(self):
            self.seen = 0

        def step(self, day, resolved):
            self.seen += len(resolved)

    m = small(modules=(Counter,)).run(40)
    assert [r[1:3] for r in m.plan_table()][14] == ("counter", "step")
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


def test_a_module_draws_only_from_the_streams_it_declares():
    m = small()
    routing, sessions = m.routing, m.sessions
    ids = np.array([5, 17, 3])
    # the declared names, as "<module>.<process>": the same draws as before the methods
    np.testing.assert_array_equal(
        routing.keyed_draw("relay", ids, 2), keyed_uniform(m.seed, "routing.relay", ids, 2)
    )
    np.testing.assert_array_equal(
        sessions.keyed_stream("choice", 4, 1).random(3),
        stream_at(m.seed, "sessions.choice", 4, 1).random(3),
    )
    np.testing.assert_array_equal(
        sessions.rng["assign"].random(3), stream(m.seed, "sessions.assign").random(3)
    )
    with pytest.raises(
        UndeclaredName,
        match=r"module 'routing' has no keyed draw 'relays'; its "
        "keyed draws are authority, relay",
    ):
        routing.keyed_draw("relays", ids, 2)
    with pytest.raises(UndeclaredName, match="module 'sessions' has no keyed draw 'assign'"):
        sessions.keyed_stream("assign", 4)  # a stream, not a keyed draw
    with pytest.raises(
        UndeclaredName, match="module 'routing' has no stream 'relay'; its streams are none"
    ):
        routing.rng["relay"]


def test_mechanisms_name_no_stream_by_hand():
    """Stream names are built from the declarations: no mechanism calls the stream
    functions with a name it typed."""
    import govsim.core.mechanisms as pkg

    for path in Path(pkg.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in ("keyed_uniform(", "stream_at(", "stream("):
            assert call not in text.replace("_stream(", "_s("), (path.name, call)


def test_stream_declarations_are_checked_at_import():
    with pytest.raises(
        ValueError, match=r"module 'twice': 'x' is declared twice in streams and keyed"
    ):
        type("Twice", (Module,), {"name": "twice", "streams": ("x",), "keyed": ("x",)})
    with pytest.raises(
        ValueError, match=r"module 'odd': keyed names 'Self report'; a process name"
    ):
        type("Odd", (Module,), {"name": "odd", "keyed": ("Self report",)})
    with pytest.raises(TypeError, match=r"module 'bare': streams must be a tuple"):
        type("Bare", (Module,), {"name": "bare", "streams": "visits"})


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


def test_a_draw_or_channel_the_module_does_not_declare_is_refused_at_import():
    """The module's code is read when its class is defined: a keyed draw, a stream or a
    channel it names without declaring is one error naming the module, the call and what
    it declares."""
    from govsim.core.module import Module, UndeclaredName

    with pytest.raises(UndeclaredName, match=r"module 'typo': self\.keyed_draw\('reed'\)"):

        class Typo(Module):
            name = "typo"
            keyed = ("read",)

            def step(self, day):
                return self.keyed_draw("reed", np.arange(3), day)

    with pytest.raises(UndeclaredName, match=r"self\.rng\['visit'\] in Rng names 'visit'"):

        class Rng(Module):
            name = "rng_typo"
            streams = ("visits",)

            def step(self, day):
                return self.rng["visit"].random()

    with pytest.raises(UndeclaredName, match=r"self\.channel\('chatt'\) .* channels"):

        class Channel(Module):
            name = "channel_typo"

            def step(self, day):
                return self.channel("chatt")

    class Fine(Module):  # declared names, and the vocabulary's channels, are accepted
        name = "fine_draws"
        keyed = ("read",)
        streams = ("visits",)

        def step(self, day):
            self.rng["visits"].random()
            self.channel("walk_in")
            return self.keyed_draw("read", np.arange(3), day)


def test_a_service_no_module_provides_is_refused_at_load():
    from govsim.core.load import load_scenario
    from govsim.core.module import Module

    class Needy(Module):
        name = "needy"
        uses = ("hotline_queue",)

    with pytest.raises(ValueError, match="module 'needy' uses hotline_queue, which no module"):
        load_scenario("baseline", modules=(Needy,))
