"""The parameter table cannot drift; the reference structure matches its public figures."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from govsim import GovernanceModel, load_population, load_scenario
from govsim.config.params import FIELDS, field_doc, parameter_table_markdown
from govsim.config.scenario import (
    Behaviour,
    Costs,
    Demography,
    Initial,
    Institution,
    Layout,
    NeedRates,
    Offer,
    Outreach,
    Points,
    Routing,
    SelfGovernance,
    Workload,
)
from govsim.experiments.calibrate import (
    TARGETS,
    TURNOUT_TARGET,
    Fit,
    apply_to_profile,
    civic_share,
    committee_year,
    structure_figures,
)

ROOT = Path(__file__).resolve().parent.parent


def test_parameter_table_is_up_to_date():
    checked_in = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert checked_in == parameter_table_markdown(), (
        "docs/parameters.md is stale: run `govsim params --out docs/parameters.md`"
    )


@pytest.mark.parametrize(
    "model,prefix",
    [
        (Institution, ""),
        (Layout, ""),
        (Routing, ""),
        (SelfGovernance, "self_governance."),
        (Outreach, "outreach."),
        (Costs, "costs."),
        (Points, "points."),
        (Demography, "demography."),
        (Initial, "initial."),
        (NeedRates, "needs."),
        (Behaviour, "behaviour."),
        (Workload, "workload."),
    ],
)
def test_every_field_has_a_meaning_and_unit(model, prefix):
    missing = [
        f
        for f in model.model_fields
        if f != "sources" and f"{prefix}{f}" not in FIELDS and f not in FIELDS
    ]
    assert not missing, f"add to govsim.params.FIELDS: {missing}"


def test_offer_fields_are_described_in_the_offers_row():
    # offers are shown in one cell; the row's meaning names what the cell holds
    assert set(Offer.model_fields) >= {"kind", "sessions_per_week", "days_of_year", "seats"}
    assert "seats" in FIELDS["offers"][0]


def test_every_row_of_the_table_has_meaning_and_unit():
    text = parameter_table_markdown()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) > 150
    for line in rows:
        cells = [c.strip() for c in line.split("|")[1:-1]]
        key = cells[0].strip("`")
        assert cells[1], f"no meaning for {key}"
        assert cells[2], f"no unit for {key}"
        assert field_doc(key) != ("", "") or "." in key


def test_every_number_in_the_table_has_a_source():
    text = parameter_table_markdown()
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.split("|")[1:-1]]
        key = cells[0].strip("`")
        values = cells[3:-1]
        numeric = any(any(ch.isdigit() for ch in v) for v in values)
        if numeric and not key.endswith(
            (".actor", ".level", ".forwards_to", ".forwards", ".hours")
        ):
            assert cells[-1], f"{key} has numbers but no source"


# ------------------------------------------------------------------ calibration
@pytest.fixture(scope="module")
def reference():
    sc = load_scenario("baseline")
    assert sc.scenario.reference
    return sc


def test_reference_structure_matches_public_figures(reference):
    model = GovernanceModel(reference, residents=25_000, seed=0)
    figures = structure_figures(model)
    for key in (
        "residents_per_committee",
        "members_per_committee",
        "community_workers_per_10k",
        "social_organisations_per_10k",
        "admin_tasks_per_committee",
    ):
        target, source = TARGETS[key]
        assert figures[key] == pytest.approx(target, rel=0.05), (key, figures[key], source)


def test_admin_hours_per_task_gives_the_target_share(reference):
    model = GovernanceModel(reference, residents=25_000, seed=0)
    staff_h, load_units = committee_year(model)
    share = model.population.workload.admin_hours_per_task * load_units / staff_h
    assert share == pytest.approx(TARGETS["admin_time_share"][0], abs=0.01)
    # and in a run the committees really spend that share (absences and closed days included)
    model.run(28)
    committees = [a for a in model.node_agents if a.spec.actor == "residents_committee"]
    admin = sum(a.admin_hours_total for a in committees)
    possible = sum(
        a.staff * a.schedule.hours_per_week() * 4 * (1 - model.population.behaviour.staff_absence)
        for a in committees
    )
    assert admin / possible == pytest.approx(share, rel=0.02)


def test_yearly_civic_participation_near_election_turnout(reference):
    pop = load_population(reference.scenario.population)
    shares = civic_share(reference, pop, residents=8000, seeds=[11, 12])
    assert abs(np.mean(shares) - TURNOUT_TARGET) < 0.05, shares


def test_apply_writes_only_the_fitted_values(tmp_path):
    src = load_population("urban").file
    copy = tmp_path / "urban.toml"
    shutil.copy(src, copy)
    before = copy.read_text(encoding="utf-8")
    apply_to_profile(Fit(admin_hours_per_task=123.4, election_logit=-1.25), copy)
    after = copy.read_text(encoding="utf-8")
    data = tomllib.loads(after)
    assert data["workload"]["admin_hours_per_task"] == 123.4
    assert data["behaviour"]["base_logit"]["election"] == -1.25
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert len(changed) == 2
    assert (
        tomllib.loads(before)["behaviour"]["base_logit"]["activity"]
        == data["behaviour"]["base_logit"]["activity"]
    )
