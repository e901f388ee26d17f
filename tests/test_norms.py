"""The cross-structure rules (scenarios/norms.toml, govsim.core.norms): every built-in
structure follows them or declares a departure quoting its own seed; a file that does not
is refused with one error naming the file and the key; the community-workers outcome is the
rule's figure and does not depend on the residents simulated."""

from __future__ import annotations

import pytest

from govsim import ScenarioError, load_scenario
from govsim.config.reading import SCENARIO_DIR
from govsim.config.scenario import builtin_order
from govsim.core import norms
from govsim.core.model import GovernanceModel


def child(tmp_path, body: str, name: str = "variant"):
    """A structure of its own (a [scenario] section, the baseline's seeds) extending the
    baseline with ``body``."""
    p = tmp_path / f"{name}.toml"
    p.write_text(
        'extends = "baseline"\n[scenario]\nname_zh = "变体"\nname_en = "variant"\n' + body,
        encoding="utf-8",
    )
    return p


@pytest.mark.parametrize("name", builtin_order())
def test_every_builtin_file_follows_the_rules(name):
    sc = load_scenario(name)
    norms.check(sc)  # also checked at load; here the figures are read one by one
    tol = norms.value("check.tolerance")
    for key, row in norms.figures(sc).items():
        if key.startswith("decide_share."):
            assert row["class"] is not None or "departure" in row, (name, key, row)
            continue
        want = row.get("departure", row["norm"])
        assert abs(row["figure"] - want) <= tol * max(abs(want), 1.0), (name, key, row)
    for key, (_, src) in norms.departures(sc).items():
        assert norms.cites_own_seed(src, norms.seed_numbers(sc)), (name, key)


def test_the_baseline_has_the_national_figures():
    sc = load_scenario("baseline")
    assert norms.community_workers_per_10k(sc) == pytest.approx(18.0, abs=0.5)
    assert norms.organisations_per_10k(sc) == pytest.approx(6.3, rel=0.05)
    assert sc.institutions["rc"].admin_tasks == norms.value("admin_tasks.per_committee.admin_tasks")


def test_a_committee_beside_a_window_body_keeps_the_residual_and_that_body_the_rest():
    for name in ("chengdong", "nanshan", "suzhou", "xinfeng", "shekou", "qingyuan"):
        sc = load_scenario(name)
        window = norms.window_body(sc)
        assert window is not None, name
        keep = norms.value("admin_tasks.committee_with_windows.admin_tasks")
        assert sc.institutions["rc"].admin_tasks == keep, name
        total = norms.value("admin_tasks.per_committee.admin_tasks")
        assert sc.institutions[window].admin_tasks == total - keep, name


def test_accept_and_proxy_is_not_deciding():
    """003: the agency accepts and proxies the 156 items (「不涉及行政主体资格」): its share is
    the accept-and-proxy class's, not a delegated approval's."""
    sc = load_scenario("shekou")
    row = norms.figures(sc)["decide_share.svc"]
    assert row["class"] == "accept_and_proxy"
    assert row["figure"] == norms.decide_classes()["accept_and_proxy"]
    assert norms.figures(load_scenario("chengdong"))["decide_share.center"]["class"] == (
        "delegated_approval"
    )


def test_an_undeclared_departure_is_refused_with_file_and_key(tmp_path):
    p = child(tmp_path, "[institutions.rc]\nstaff = 30\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    err = e.value
    assert err.file == str(p) and "institutions.rc.staff" in err.key
    assert "community_workers_per_10k" in err.message and "18" in err.message
    assert "\n" not in str(err)


def test_pushed_down_tasks_off_the_rule_are_refused(tmp_path):
    p = child(tmp_path, "[institutions.rc]\nadmin_tasks = 42.5\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    assert e.value.key == "institutions.rc.admin_tasks" and "85" in e.value.message


def test_a_share_of_no_class_is_refused_with_the_classes_allowed(tmp_path):
    p = child(tmp_path, "[institutions.rc]\nauthority = { admin_service = 0.4, dispute = 0.5 }\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    assert e.value.key == "institutions.rc.authority.admin_service"
    assert "accept_and_proxy 0.25" in e.value.message


def test_a_body_in_the_community_has_no_street_powers(tmp_path):
    """0.6 is the street class's share at a first stop: a committee (accept and proxy, or
    delegated approval) may not take it — the error names the classes it may have."""
    p = child(tmp_path, "[institutions.rc]\nauthority = { admin_service = 0.6, dispute = 0.5 }\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    assert e.value.key == "institutions.rc.authority.admin_service"
    assert "street" not in e.value.message.split("(")[-1]
    assert "delegated_approval 0.85" in e.value.message


def test_a_departure_citing_the_files_own_seed_is_accepted(tmp_path):
    p = child(
        tmp_path,
        "[institutions.rc]\nstaff = 30\n[departures]\n"
        'community_workers_per_10k = { value = 37.5, source = "004: 「一個頂兩個」 — assumption" }\n',
    )
    sc = load_scenario(p)
    assert norms.figures(sc)["community_workers_per_10k"]["departure"] == 37.5


@pytest.mark.parametrize(
    "source",
    [
        "assumption: more workers",  # no seed
        "002: 「社区共有社会组织39家」",  # a seed, but not one of this file's (004, 001, 000)
        "004: more workers",  # the file's seed without a quote
    ],
)
def test_a_departure_without_a_quote_of_its_own_seed_is_refused(tmp_path, source):
    p = child(
        tmp_path,
        "[institutions.rc]\nstaff = 30\n[departures]\n"
        f'community_workers_per_10k = {{ value = 37.5, source = "{source}" }}\n',
    )
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    assert e.value.key == "departures.community_workers_per_10k"
    assert "own seeds" in e.value.message and "004" in e.value.message


def test_a_departure_from_no_figure_is_refused(tmp_path):
    p = child(
        tmp_path,
        '[departures]\nadmin_tasks.street = { value = 3, source = "004: 「只轉事務」" }\n',
    )
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    assert e.value.key == "departures.admin_tasks.street"


def test_variants_and_levers_are_not_read_by_the_rules(tmp_path):
    """A variant without a [scenario] of its own, and a run's changes, move a structure on
    purpose (experiments, sampled ranges)."""
    p = tmp_path / "lever.toml"
    p.write_text('extends = "baseline"\n[institutions.rc]\nstaff = 30\n', encoding="utf-8")
    assert load_scenario(p).institutions["rc"].staff == 30
    sc = load_scenario("baseline", changes={"institutions.rc.admin_tasks": 10})
    assert sc.institutions["rc"].admin_tasks == 10


def test_the_rules_file_is_no_scenario():
    from govsim.config.reading import list_scenarios

    assert (SCENARIO_DIR / "norms.toml").is_file() and "norms" not in list_scenarios()


@pytest.mark.parametrize("name", ["baseline", "chengdong"])
def test_community_workers_outcome_does_not_depend_on_residents_simulated(name):
    sc = load_scenario(name)
    got = [
        GovernanceModel(sc, residents=n, seed=3).run(3).summary()["community_workers_per_10k"]
        for n in (1500, 6000)
    ]
    assert got[0] == got[1] == pytest.approx(norms.community_workers_per_10k(sc))
    if name == "baseline":
        assert got[0] == pytest.approx(norms.value("community_workers.per_10k"), rel=0.01)
    else:  # the committee's members, the centers, the grid workers and the street's staff
        assert got[0] == pytest.approx(24.0, rel=0.01)


def test_only_community_bodies_of_government_and_self_government_count_as_workers():
    """Paid staff of a social organisation (or a property company, a unit in the area) are
    not community workers; paid building heads would be."""
    paid = {"salary_per_staff": 50000}
    sc = load_scenario(
        "baseline", changes={"institutions.orgs.staff": 10, "institutions.orgs.costs": paid}
    )
    assert norms.community_workers_per_10k(sc) == pytest.approx(18.0)
    sc = load_scenario("baseline", changes={"institutions.heads.costs": paid})
    per_grid = 300 * norms.household_size(sc)
    assert norms.community_workers_per_10k(sc) == pytest.approx(18.0 + 1e4 / per_grid)
