"""The levers: declared once with their units and ranges, what the new ones change and what
they cost, a scenario file's [levers] table, and experiment variants that set several."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from govsim.config.reading import ScenarioError
from govsim.config.scenario import builtin_order
from govsim.core.levers import (
    LEVER,
    LEVERS,
    PER_10K,
    WEEKS_PER_YEAR,
    lever_problem,
    levers_of,
    scenario_changes,
    yuan_per_session,
)
from govsim.core.load import load_scenario
from govsim.core.model import GovernanceModel
from govsim.experiments.experiment import lever_variant, load_experiment

SOURCE = re.compile(r"^(\d{3}: 「|assumption: )")


# ---------------------------------------------------------------- the declarations
def test_every_number_lever_has_a_unit_and_a_sourced_range():
    for lv in LEVERS:
        if lv.kind == "switch":
            assert lv.unit("zh") == lv.unit("en") == "" and not lv.range_source, lv.key
            continue
        assert lv.unit("zh") and lv.unit("en") and lv.unit("zh") != lv.unit("en"), lv.key
        assert SOURCE.match(lv.range_source), (lv.key, lv.range_source)
        assert lv.lo < lv.hi and 0 < lv.step <= lv.hi - lv.lo, lv.key
        # a value out of its range, or of the wrong kind, is refused, naming what is allowed
        for wrong in (lv.lo - lv.step, lv.hi + lv.step, True, "3"):
            assert lv.check(wrong) is not None, (lv.key, wrong)
            assert f"from {lv.lo:g} to {lv.hi:g}" in lv.check(wrong), lv.key
        assert lv.check(lv.lo) is None and lv.check(lv.hi) is None, lv.key


def test_the_ranges_hold_every_structure_of_the_documents():
    """A range with a reason holds what the documented structures have: each built-in
    structure's own value of each of its levers lies in the lever's range."""
    for name in builtin_order():
        sc = load_scenario(name)
        for key, target in levers_of(sc).items():
            lv = LEVER[key]
            if lv.kind != "switch":
                assert lv.lo <= lv.current(sc, target) <= lv.hi, (name, key)


def test_a_number_lever_sets_its_value_in_every_structure():
    """Setting a lever to a value and reading it back gives the value (current and
    changes agree), in every structure that has it."""
    for name in builtin_order():
        sc = load_scenario(name)
        for key, target in levers_of(sc).items():
            lv = LEVER[key]
            if lv.kind == "switch":
                continue
            value = lv.lo + lv.step * round((lv.hi - lv.lo) / lv.step / 3)
            changed = load_scenario(name, changes=scenario_changes(sc, {key: value}))
            assert lv.current(changed, target) == pytest.approx(value), (name, key)


# ---------------------------------------------------------------- the new levers
def test_a_session_costs_what_the_xinfeng_projects_pay_a_session():
    """(375,000 − 4 staff × 50,000) ÷ ((14 + 10) sessions × 365/7 weeks), from the file."""
    xf = load_scenario("xinfeng")
    orgs = xf.institutions["orgs"]
    assert orgs.costs.purchased_services == 375_000 and orgs.staff == 4
    assert yuan_per_session() == pytest.approx((375_000 - 4 * 50_000) / (24 * 365 / 7))
    assert 100 < yuan_per_session() < 200


def test_organisations_sessions_are_per_10k_residents_and_are_paid_for():
    """The same value means the same sessions a resident in every structure (rule 5), and
    sessions beyond the structure's own are bought at the cost of a session."""
    for name in ("baseline", "xinfeng", "yunfu"):
        sc = load_scenario(name)
        key = levers_of(sc)["org_activities"]
        ch = scenario_changes(sc, {"org_activities": 20.0})
        changed = load_scenario(name, changes=ch)
        inst = changed.institutions[key]
        design = sc.layout.residents_per_community if inst.level == "community" else None
        if design is not None:
            acts = sum(o.sessions_per_week for o in inst.offers if o.kind == "activity")
            assert acts == pytest.approx(20.0 * design / PER_10K), name
        assert LEVER["org_activities"].current(changed, key) == pytest.approx(20.0), name
        before = sc.institutions[key]
        have = sum(o.sessions_per_week for o in before.offers if o.kind == "activity")
        bought = inst.costs.purchased_services - before.costs.purchased_services
        added = sum(o.sessions_per_week for o in inst.offers if o.kind == "activity") - have
        assert bought == pytest.approx(max(0.0, added) * WEEKS_PER_YEAR * yuan_per_session())
        # what the offers do is kept: seats, needs collected, capacity added
        for a, b in zip(before.offers, inst.offers, strict=True):
            assert (a.kind, a.seats, a.collects_needs, a.adds_capacity) == (
                b.kind,
                b.seats,
                b.collects_needs,
                b.adds_capacity,
            )
    # fewer sessions than the structure's own save nothing
    sc = load_scenario("baseline")
    assert "institutions.orgs.costs.purchased_services" not in scenario_changes(
        sc, {"org_activities": 1.0}
    )


def test_two_levers_that_buy_from_the_organisations_add_up():
    sc = load_scenario("baseline")
    one = scenario_changes(sc, {"org_activities": 10.0})
    two = scenario_changes(sc, {"org_volunteering": 6.0})
    both = scenario_changes(sc, {"org_activities": 10.0, "org_volunteering": 6.0})
    key = "institutions.orgs.costs.purchased_services"
    assert both[key] == pytest.approx(one[key] + two[key])
    changed = load_scenario("baseline", changes=both)
    assert LEVER["org_activities"].current(changed, "orgs") == pytest.approx(10.0)
    assert LEVER["org_volunteering"].current(changed, "orgs") == pytest.approx(6.0)
    # with the services handed over as well, the purchases add to the Xinfeng projects'
    handed = scenario_changes(sc, {"orgs_services": True, "org_activities": 10.0})
    xinfeng = load_scenario("xinfeng").institutions["orgs"].costs.purchased_services
    costs = handed["institutions.orgs.costs"]
    assert costs["purchased_services"] == pytest.approx(xinfeng + one[key])


def test_the_council_is_the_xinfeng_council_with_a_fund_per_resident():
    sc = load_scenario("baseline")
    ch = scenario_changes(sc, {"council": True})
    council = load_scenario("baseline", changes=ch).institutions["rc"].council
    xf = load_scenario("xinfeng")
    theirs = xf.institutions["rc"].council
    assert (council.settles, council.quorum, council.carry_out_days) == (
        theirs.settles,
        theirs.quorum,
        theirs.carry_out_days,
    )
    assert (
        council.yuan_per_decision
        == load_scenario("nanshan").institutions["party"].council.yuan_per_decision
    )
    pooled = xf.institutions["units"].pools.yuan_per_year / xf.layout.residents_per_community
    assert council.fund_yuan_per_year == pytest.approx(pooled * 8000)
    # a structure whose committee has a council already does not have the lever
    assert "council" not in levers_of(xf)
    assert scenario_changes(sc, {"council": False}) == {}


def test_the_new_levers_move_the_model_and_the_cost(tmp_path):
    """A small run: more sessions bought, more people take part and the cost per resident
    rises; the structure unchanged costs what it did."""
    sc = load_scenario("baseline")

    def run(levers, residents=1500):
        changed = load_scenario("baseline", changes=scenario_changes(sc, levers) or None)
        return GovernanceModel(changed, residents=residents, seed=1).run(60).summary()

    levers = {"org_activities": 16.0, "org_volunteering": 8.0}
    base, more = run({}), run(levers)
    assert more["participation_mean"] > base["participation_mean"] + 0.05
    added = more["cost_per_resident_yuan"] - base["cost_per_resident_yuan"]
    # what they buy: (16 − 3.2 + 8 − 1.2) sessions a week per 10,000 at a session's cost
    bought = (16 - 3.2 + 8 - 1.2) * WEEKS_PER_YEAR * yuan_per_session() / PER_10K
    assert added == pytest.approx(bought, rel=0.05)
    # the same per resident in a larger run (rule 5)
    big = (
        run(levers, residents=4000)["cost_per_resident_yuan"]
        - run({}, 4000)["cost_per_resident_yuan"]
    )
    assert big == pytest.approx(added, rel=0.02)


# ---------------------------------------------------------------- a design file
DESIGN = """\
extends = "baseline"

[scenario]
name_zh = "设计甲"
name_en = "Design A"
reference = false
before = "baseline"

[levers]
points = { value = true, source = "design search, experiments/design_week.toml, generation 7" }
org_activities = { value = 12, source = "design search, generation 7" }
council = true
"""


def test_a_design_file_loads_with_its_levers(tmp_path):
    path = tmp_path / "design_a.toml"
    path.write_text(DESIGN, encoding="utf-8")
    sc = load_scenario(path)
    base = load_scenario("baseline")
    assert sc.key == "design_a" and sc.scenario.name_en == "Design A"
    assert sc.incentives.points is not None and base.incentives.points is None
    assert LEVER["org_activities"].current(sc, "orgs") == pytest.approx(12)
    assert sc.institutions["rc"].council is not None
    assert sc.institutions["orgs"].costs.purchased_services > 0
    assert sc.sources["levers.points"].startswith("design search")
    # the same structure as the levers' changes on the file it extends
    same = load_scenario(
        "baseline",
        changes=scenario_changes(base, {"points": True, "org_activities": 12, "council": True}),
    )
    assert same.institutions == sc.institutions and same.incentives == sc.incentives
    # a run's changes apply after the levers
    later = load_scenario(path, changes={"institutions.rc.windows": 3})
    assert later.institutions["rc"].windows == 3 and later.incentives.points is not None
    # a file that extends a design keeps the design's levers and may move one
    child = tmp_path / "child.toml"
    child.write_text('extends = "design_a"\n[levers]\norg_activities = 4\n', encoding="utf-8")
    sc2 = load_scenario(child)
    assert sc2.incentives.points is not None
    assert LEVER["org_activities"].current(sc2, "orgs") == pytest.approx(4)


@pytest.mark.parametrize(
    "table, allowed",
    [
        ("nope = 1", "no lever 'nope'; levers: rc_staff"),
        ("org_activities = 40", "from 0.5 to 22"),
        ("points = 1", "true or false"),
        ("admin_tasks = 2.5", "a whole number from 0 to 85"),
        ("no_street = true", "which structure"),
    ],
)
def test_a_wrong_lever_in_a_file_is_one_error_naming_file_and_key(tmp_path, table, allowed):
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "chengdong"\n[levers]\n{table}\n', encoding="utf-8")
    key = table.split(" =")[0]
    with pytest.raises(ScenarioError, match="bad.toml") as err:
        load_scenario(path)
    assert f"'levers.{key}'" in str(err.value) and allowed in str(err.value)
    path.write_text('extends = "baseline"\nlevers = 3\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="'levers': must be a table"):
        load_scenario(path)


def test_govsim_run_runs_a_design_file(tmp_path):
    path = tmp_path / "design_a.toml"
    path.write_text(DESIGN, encoding="utf-8")
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "govsim.cli", "run", str(path), "--residents", "400"]
    done = subprocess.run(
        [*cmd, "--days", "20", "--out", str(out)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert (out / "summary.json").exists()


# ---------------------------------------------------------------- variants of several levers
def test_a_variant_of_several_levers_is_checked_and_named_from_them(tmp_path):
    v = lever_variant({"points": True, "org_activities": 8, "council": False}, name="g1")
    assert (
        v.name_zh
        == "积分激励（民生银行），社会组织活动（购买服务）：8次/周·每万人，不设居民议事会（议决）"
    )
    assert v.name_en.startswith("points for taking part; organisations' activities")
    assert "8 sessions/wk per 10,000" in v.name_en
    assert v.source == LEVER["points"].reform.source  # the one at its documented reform
    for levers, key in (
        ({"nope": 1}, "variants.g1.levers.nope"),
        ({"org_volunteering": 99}, "variants.g1.levers.org_volunteering"),
        ({}, "variants.g1.levers"),
    ):
        with pytest.raises(ScenarioError, match=re.escape(f"'{key}'")):
            lever_variant(levers, name="g1")
    # the same check reads a file's variants
    exp = tmp_path / "exp.toml"
    exp.write_text(
        "[experiment]\nstructures = ['baseline', 'chengdong']\nresidents = 300\ndays = 10\n"
        "[variants.mix]\nlevers = { points = true, org_activities = 8 }\n"
        "[variants.one]\nlever = 'admin_tasks'\nvalue = 10\n",
        encoding="utf-8",
    )
    e = load_experiment(str(exp))
    assert e.variants["mix"].name_en == lever_variant(e.variants["mix"].levers).name_en
    assert e.variants["one"].value == 10
    exp.write_text(
        "[experiment]\nstructures = ['baseline']\n"
        "[variants.mix]\nlevers = { points = true }\nlever = 'points'\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match="variants.mix.levers"):
        load_experiment(str(exp))


def test_a_variant_of_several_levers_runs_their_changes(tmp_path):
    from govsim.experiments.experiment import resolve

    exp = tmp_path / "exp.toml"
    exp.write_text(
        "[experiment]\nstructures = ['baseline', 'chengdong']\nresidents = 300\ndays = 10\n"
        "[variants.mix]\nlevers = { points = true, org_activities = 8, no_street = true }\n"
        "structures = ['baseline']\n",
        encoding="utf-8",
    )
    runs = resolve(load_experiment(str(exp)))
    run = next(r for r in runs if r.variant == "mix")
    sc = load_scenario("baseline")
    want = scenario_changes(sc, {"points": True, "org_activities": 8, "no_street": True})
    assert dict(run.scenario_changes) == want
    # a lever a structure lacks is named when the variant is planned for it
    exp.write_text(
        "[experiment]\nstructures = ['chengdong']\nresidents = 300\ndays = 10\n"
        "[variants.mix]\nlevers = { points = true, no_street = true }\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match="variants.mix.levers.no_street"):
        resolve(load_experiment(str(exp)))


def test_lever_problem_names_what_is_allowed():
    assert lever_problem(None, "points", True) is None
    assert "no lever" in lever_problem(None, "x", 1)
    assert "lacks" in lever_problem(load_scenario("chengdong"), "no_street", True)


def test_the_levers_module_is_read_by_the_core_not_from_above():
    text = Path(sys.modules["govsim.core.levers"].__file__).read_text(encoding="utf-8")
    assert "govsim.experiments" not in text and "govsim.app" not in text


def test_every_structure_of_the_documents_can_staff_its_windows_and_levers_can_break_it():
    from govsim.config.scenario import builtin_order
    from govsim.core.levers import scenario_changes, understaffed

    for s in builtin_order():
        assert understaffed(load_scenario(s)) == [], s
    b = load_scenario("baseline")
    thin = scenario_changes(b, {"rc_staff": 3.7, "rc_windows": 3, "open_9_21": True})
    (problem,) = understaffed(load_scenario("baseline", changes=thin))
    assert problem.startswith("rc: 3 windows open 84 h a week need 6.3 staff")
    enough = scenario_changes(b, {"rc_staff": 7.0, "rc_windows": 3, "open_9_21": True})
    assert understaffed(load_scenario("baseline", changes=enough)) == []


def test_the_live_app_says_when_its_levers_leave_windows_without_staff():
    from govsim.app.live import LiveModel, Settings
    from govsim.core.levers import thin_windows

    thin = LiveModel(
        Settings("baseline", residents=1000, levers={"rc_staff": 3.0, "rc_windows": 3})
    )
    assert thin_windows(thin.as_run) == []  # three windows on office hours: 2.6 staff
    late = LiveModel(
        Settings(
            "baseline",
            residents=1000,
            levers={"rc_staff": 3.0, "rc_windows": 3, "open_9_21": True},
        )
    )
    assert thin_windows(late.as_run) == [("rc", 3, 84.0, 6.3, 3.0)]
