"""Verification against theory: Erlang C, deterministic relay chains, Little's law."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from govsim import GovernanceModel, list_scenarios, load_population, load_scenario
from govsim.config.vocabulary import NEED_TYPE_KEYS
from govsim.experiments.verification import batch_means, erlang_c, littles_law, queue_records

DATA = Path(__file__).parent / "data"
WARMUP_DAYS = 10


def poisson_population(lam_per_h: float, mu_per_h: float, residents: int):
    """The urban profile with only administrative needs, at total rate λ, work content
    exponential with mean 1/μ, nobody ever absent."""
    pop = load_population("urban")
    per_year = {t: 0.0 for t in NEED_TYPE_KEYS}
    per_year["admin_service"] = lam_per_h * 24 * 365 / residents
    ones = {t: 1.0 for t in NEED_TYPE_KEYS}
    needs = pop.needs.model_copy(
        update={
            "per_year": per_year,
            "elderly_multiplier": ones,
            "vulnerable_multiplier": ones,
            "migrant_multiplier": ones,
            "service_hours": {t: 1.0 / mu_per_h for t in NEED_TYPE_KEYS},
        }
    )
    beh = pop.behaviour.model_copy(update={"staff_absence": 0.0})
    return pop.model_copy(update={"needs": needs, "behaviour": beh})


@pytest.mark.parametrize(
    "lam,mu,c",
    [(0.5, 1.0, 1), (1.4, 1.0, 2), (3.2, 1.0, 4), (2.0, 0.5, 5)],
)
def test_one_service_point_reproduces_erlang_c(lam, mu, c):
    residents, days = 2000, 1000
    sc = load_scenario(DATA / "service_point.toml", changes={"institutions.desk.windows": c})
    model = GovernanceModel(
        sc,
        residents=residents,
        seed=7,
        population=poisson_population(lam, mu, residents),
        report_at_arising=True,
    )
    model.run(days)
    (q,) = queue_records(model)
    theory = erlang_c(lam, mu, c)
    keep = (q.arrival >= WARMUP_DAYS * 24) & ~np.isnan(q.start)
    waits = q.start[keep] - q.arrival[keep]
    mean, half = batch_means(waits, batches=20)
    # the theoretical mean wait lies within the 95% interval (widened by 5% of W for the
    # batch-means approximation) and the arrival rate is the one asked for
    assert abs(mean - theory["wq"]) <= half + 0.05 * theory["w"], (mean, half, theory)
    rate = keep.sum() / ((days - WARMUP_DAYS) * 24)
    assert rate == pytest.approx(lam, rel=0.03)
    # utilisation: busy server-hours over available server-hours
    (desk,) = model.queue_agents
    rho = model.service.busy_total[desk.node] / (c * days * 24)
    assert rho == pytest.approx(theory["rho"], abs=0.02)
    # service times are exponential with mean 1/μ
    service = (q.end - q.start)[keep]
    assert service.mean() == pytest.approx(1 / mu, rel=0.04)
    assert np.std(service) == pytest.approx(1 / mu, rel=0.06)


def test_deterministic_relay_chain_response_is_the_sum_of_delays():
    pop = poisson_population(1.0, 60.0, 1000)
    pop = pop.model_copy(
        update={
            "needs": pop.needs.model_copy(
                update={"service_hours": {t: 0.0 for t in NEED_TYPE_KEYS}}
            )
        }
    )
    sc = load_scenario(DATA / "relay_chain.toml")
    model = GovernanceModel(sc, residents=1000, seed=3, population=pop, report_at_arising=True).run(
        20
    )
    nd = model.needs
    done = nd.col("status") == 2
    assert done.sum() > 300
    rt = (nd.col("t_resolved") - nd.col("t_arose"))[done]
    # 3 h at a, 5 h at b on the way up; the answer comes back the same way
    np.testing.assert_allclose(rt, 2 * (3 + 5), atol=1e-9)
    assert (nd.col("hops")[done] == 3).all()


def test_relay_chain_in_office_hours_adds_working_hours_only():
    """The same chain with the first relay working office hours: its 3 h are working
    hours, so a need arising on Friday evening leaves a on Monday 11:30."""
    pop = poisson_population(0.5, 60.0, 1000)
    pop = pop.model_copy(
        update={
            "needs": pop.needs.model_copy(
                update={"service_hours": {t: 0.0 for t in NEED_TYPE_KEYS}}
            )
        }
    )
    sc = load_scenario(DATA / "relay_chain.toml", changes={"institutions.a.hours": "office"})
    model = GovernanceModel(sc, residents=1000, seed=4, population=pop, report_at_arising=True).run(
        14
    )
    a = model.kinds[0].agents[0]
    nd = model.needs
    done = np.flatnonzero(nd.col("status") == 2)
    assert len(done) > 50
    t0 = nd.t_arose[done]
    left_a = a.clock.from_open(a.clock.to_open(t0) + 3.0, side="left")
    np.testing.assert_allclose(nd.t_resolved[done], t0 + 2 * ((left_a - t0) + 5.0), atol=1e-6)
    # a need arising on Friday evening leaves a on Monday 11:30 (8:30 + 3 working hours)
    friday_evening = (t0 // 24 % 7 == 4) & (t0 % 24 > 18)
    assert friday_evening.sum() >= 1
    np.testing.assert_allclose(left_a[friday_evening] % (24 * 7), 11.5, atol=1e-9)


@pytest.mark.parametrize("name", list_scenarios())
def test_littles_law_holds_for_every_queue(name):
    model = GovernanceModel(load_scenario(name), residents=5000, seed=2).run(150)
    rows = littles_law(model, warmup_h=10 * 24, samples=40_000, seed=1)
    checked = 0
    for row in rows:
        if row["arrivals"] < 100:
            continue
        checked += 1
        tol = max(3 * row["L_se"], 0.05 * row["lambda_W"], 1e-3)
        assert abs(row["L"] - row["lambda_W"]) <= tol, row
    assert checked >= 1
    # every request that reached a queue was served, relayed, lost or is still waiting
    # (background requests of the residents not simulated are not counted: need id −1)
    routing, service = model.routing, model.service
    for a in model.queue_agents:
        waiting = sum(e.need >= 0 for e in a.queue)
        i = a.node
        assert routing.arrivals[i] == (
            service.served[i] + routing.forwarded[i] + routing.lost[i] + waiting
        )


def test_an_institution_settles_its_declared_share_of_what_reaches_it():
    """Authority is a share of the requests that reach an institution, drawn at each
    institution on its own: a lower institution's share acts whatever the others declare
    (a → b → c, settling 30%, 60% and all of what reaches each)."""
    sc = load_scenario(
        DATA / "relay_chain.toml",
        changes={
            "institutions.a.authority": {t: 0.3 for t in ("admin_service", "dispute")},
            "institutions.a.windows": 50,
            "institutions.b.authority": {t: 0.6 for t in ("admin_service", "dispute")},
            "institutions.b.windows": 50,
        },
    )
    pop = poisson_population(2.0, 1.0, 1000)
    model = GovernanceModel(sc, residents=1000, seed=5, population=pop, report_at_arising=True)
    stats = model.run(120).summary()["institutions"]
    for key, declared in (("a", 0.3), ("b", 0.6)):
        st = stats[key]
        assert st["arrivals"] > 1000, (key, st)
        settled = st["served"] / (st["served"] + st["forwarded"] + st["lost"])
        half = 3 * np.sqrt(declared * (1 - declared) / st["arrivals"])
        assert abs(settled - declared) < half, (key, settled, declared)
    # b gets what a could not settle (but for the few relays still on the way at the end)
    assert 0 <= stats["a"]["forwarded"] - stats["b"]["arrivals"] < 20


def test_random_relay_delays_have_the_declared_mean_whatever_the_authority():
    """The exponential relay delay is drawn apart from the authority draw: the requests an
    institution forwards (those it could not settle) wait the declared mean, not a tail."""
    sc = load_scenario(
        DATA / "relay_chain.toml",
        changes={
            "routing.relay": "exponential",
            "institutions.a.authority": {t: 0.8 for t in ("admin_service", "dispute")},
            "institutions.a.windows": 50,
        },
    )
    pop = poisson_population(2.0, 1.0, 1000)
    model = GovernanceModel(sc, residents=1000, seed=9, population=pop, report_at_arising=True)
    model.run(200)
    h = model.world.hops.arrays()
    a = next(x for x in model.node_agents if x.key == "a")
    fwd = (h["node"] == a.node) & (h["event"] == 0)
    delays = h["t_out"][fwd] - h["t_in"][fwd]
    assert len(delays) > 300
    se = delays.std() / np.sqrt(len(delays))
    assert abs(delays.mean() - 3.0) < 3 * se, (delays.mean(), se)
