"""Moving ONE structural lever moves outcomes the documented way (DOMAIN.md §3).

Each test runs a scenario twice on the same seed (common random numbers: the same
people and the same need stream) with one lever changed, on several seeds, and checks
the direction with a margin on every seed and on the average.
"""

from __future__ import annotations

import numpy as np
import pytest

from govsim import GovernanceModel, load_scenario

SEEDS = (1, 2, 3)


def run(name: str, changes: dict, seed: int, residents: int = 5000, days: int = 90) -> dict:
    sc = load_scenario(name, changes=changes or None)
    return GovernanceModel(sc, residents=residents, seed=seed).run(days).summary()


def paired(name, changes_a, changes_b, **kw) -> list[tuple[dict, dict]]:
    return [(run(name, changes_a, s, **kw), run(name, changes_b, s, **kw)) for s in SEEDS]


# ------------------------------------------------------------------ capacity
def test_more_windows_shorter_waits():
    """Mechanism 2: the Chengdong public service center with 4 windows instead of 1."""
    pairs = paired(
        "chengdong", {"institutions.center.windows": 1}, {"institutions.center.windows": 4}
    )
    waits = [
        (a["institutions"]["center"]["mean_wait_h"], b["institutions"]["center"]["mean_wait_h"])
        for a, b in pairs
    ]
    for (one, four), (a, b) in zip(waits, pairs, strict=True):
        assert a["institutions"]["center"]["windows_per_instance"] == 1
        assert b["institutions"]["center"]["windows_per_instance"] == 4
        assert a["institutions"]["center"]["served"] > 100
        assert four < 0.5 * one, waits
    # and the response to administrative errands (entered at the center) is no slower
    # (waits are a small part of it: relays and the back office dominate)
    rt = [
        (
            a["by_need_type"]["admin_service"]["response_time_mean_h"],
            b["by_need_type"]["admin_service"]["response_time_mean_h"],
        )
        for a, b in pairs
    ]
    assert np.mean([b for _, b in rt]) <= 1.01 * np.mean([a for a, _ in rt]), rt


# ------------------------------------------------------------------ routing depth
def test_one_relay_level_fewer_shorter_response():
    """Mechanism 1.  Clean one-lever change: in both arms the baseline street office is a
    pure relay (no authority of its own), so the only difference between the arms is
    ``rc.forwards_to``: committee -> street -> department versus committee ->
    department.  (Skipping the baseline street as it is would also move its authority
    and its shorter processing to the department — two levers at once, with opposite
    effects.)"""
    # the department gets every request the committee cannot settle in both arms; with
    # its 32 windows for 400,000 residents that queue is near saturation and would decide
    # the result (the 8% not lost at the street tip it over), so here it does not bind
    relay = {"institutions.street.authority": {}, "institutions.dept.windows": 200}
    pairs = paired("baseline", relay, {**relay, "institutions.rc.forwards_to": "dept"})
    for a, b in pairs:
        # the lever did what we think: the street handles nothing in either arm and is
        # skipped entirely in the second
        assert a["institutions"]["street"]["served"] == 0
        assert a["institutions"]["street"]["forwarded"] > 50
        assert b["institutions"]["street"]["arrivals"] == 0
        # measured 0.71–0.77 on these seeds
        assert b["response_time_median_h"] < 0.9 * a["response_time_median_h"]
        adm_a = a["by_need_type"]["admin_service"]["response_time_median_h"]
        adm_b = b["by_need_type"]["admin_service"]["response_time_median_h"]
        assert adm_b < 0.9 * adm_a
        # fewer hops also lose fewer requests on the way
        assert b["needs_status"]["resolved"] >= a["needs_status"]["resolved"]


# ------------------------------------------------------------------ crowding-out
def test_admin_load_makes_the_committees_own_sessions_slip():
    """Mechanism 3: pushed-down tasks crowd out self-governance.  The committee's own
    activities and meetings follow its documented cycle (``sessions_per_year``) and are held
    only when its spare hours cover their preparation: without tasks it holds its cycle;
    with 110 (more than the 85 its spare hours still cover) they slip, and fewer residents
    take part.  Spare hours beyond the cycle make no more sessions."""
    pairs = paired(
        "baseline", {"institutions.rc.admin_tasks": 110}, {"institutions.rc.admin_tasks": 0}
    )
    cycle = load_scenario("baseline").institutions["rc"].sessions_per_year
    one_session = 365 / 90  # one session over a 90-day run, a year
    for a, b in pairs:
        ra, rb = a["institutions"]["rc"], b["institutions"]["rc"]
        assert rb["selfgov_hours_per_instance_day"] > 1.5 * ra["selfgov_hours_per_instance_day"]
        # without tasks: the cycle, however many spare hours are left over
        held = rb["sessions_per_instance_year.activity"]
        assert abs(held - cycle.activity) <= one_session
        assert rb["unused_session_hours_per_instance_year"] > 0
        # loaded: the sessions slip
        assert ra["sessions_per_instance_year.activity"] < held / 2
        assert b["participation_mean"] > a["participation_mean"] + 0.005
        # the committee outcomes say the same: no time on admin tasks, more self-governance
        assert a["committee_admin_share"] > 0.7 and b["committee_admin_share"] == 0.0
        assert b["committee_selfgov_h_per_10k"] > 2 * a["committee_selfgov_h_per_10k"]


def test_spare_hours_beyond_the_cycle_make_no_more_sessions():
    """Chengdong's committee, with five tasks, has several times the baseline's spare hours
    but holds the cycle its document gives (001: 「三会一评」), no more."""
    s = run("chengdong", {}, SEEDS[0], days=365)
    rc = s["institutions"]["rc"]
    cycle = load_scenario("chengdong").institutions["rc"].sessions_per_year
    assert rc["sessions_per_instance_year.deliberation"] == cycle.deliberation
    assert rc["sessions_per_instance_year.activity"] == cycle.activity
    assert rc["unused_session_hours_per_instance_year"] > 1000


@pytest.mark.slow
def test_authority_in_the_community_keeps_cases_in_the_community():
    """小事不出社区: a committee that may settle every dispute that reaches it settles them
    inside the community; without authority they go to the street office."""
    full = {"institutions.rc.authority": {"dispute": 1.0}}
    none = {"institutions.rc.authority": {"dispute": 0.0}}
    for a, b in paired("baseline", none, full, days=120):
        inside_a = a["by_need_type"]["dispute"]["settled_in_community_share"]
        inside_b = b["by_need_type"]["dispute"]["settled_in_community_share"]
        assert inside_a == 0.0 and inside_b == 1.0, (inside_a, inside_b)


# ------------------------------------------------------------------ proactive discovery
@pytest.mark.slow
def test_proactive_discovery_reduces_unreported_needs_of_vulnerable_residents():
    """Mechanism 4: building heads visiting eight households a day with every post
    filled, instead of one visit a day with half the posts empty (the outreach
    intensity lever).  Vulnerable residents rarely report by themselves (004)."""
    more = {
        "institutions.heads.outreach.visits_per_staff_day": 8,
        "institutions.heads.outreach.vacancy": 0,
    }
    pairs = paired("baseline", {}, more, residents=12000, days=120)
    shares = [
        (
            a["by_group"]["vulnerable"]["unreported_share"],
            b["by_group"]["vulnerable"]["unreported_share"],
        )
        for a, b in pairs
    ]
    # about 270 cases of vulnerable residents a run (service cases only): a seed's share
    # moves by ±0.03, so the direction is checked on each seed and the size on the mean
    # (measured −0.015 to −0.094 per seed, −0.06 on average)
    for a_share, b_share in shares:
        assert b_share < a_share, shares
    assert np.mean([a - b for a, b in shares]) > 0.04, shares
    for a, b in pairs:
        assert b["unreported_share"] < a["unreported_share"]


# ------------------------------------------------------------------ access: opening hours
@pytest.mark.slow
def test_longer_opening_hours_raise_working_age_participation():
    """Mechanism 6: the Suzhou liaison center open 9:00–21:00 every day versus office
    hours; its programme (sessions per week) is the same in both arms."""
    # 12,000 residents: at 5,000 the working-age share moves by ±0.03 between seeds (each
    # session opens only the sample's share of its seats), as much as the effect
    pairs = paired("suzhou", {"institutions.liaison.hours": "office"}, {}, residents=12_000)
    diffs = []
    for a, b in pairs:
        wa, wb = (
            a["by_group"]["working_age"]["participation_rate"],
            b["by_group"]["working_age"]["participation_rate"],
        )
        assert wb > wa, (wa, wb)
        diffs.append(wb - wa)
    # measured +0.003 to +0.020 per seed (+0.010 on average) at 12,000 residents since the
    # estates' property companies take public-space problems in every urban structure
    # (issue 19 §6); +0.006 to +0.026 (+0.016) before, since committee turnover and
    # organisations' growth came in (issue 8 §5); +0.023 to +0.029 before that
    assert np.mean(diffs) > 0.005, diffs
