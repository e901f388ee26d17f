"""Each owner of scenario keys checks its own part of a scenario (``Module.check``, the
structure's ``check``), and every value that names an institution or a schedule — a new
module's too — is checked when the file is loaded, with one line naming the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from govsim import GovernanceModel, ScenarioError, load_scenario
from govsim.config.declare import InstitutionKey, Par, Refers, ScheduleName, Strict, field
from govsim.config.reading import SCENARIO_DIR
from govsim.config.scenario import references
from govsim.core import structure
from govsim.core.mechanisms import MODULES
from govsim.core.module import Module

BASELINE = SCENARIO_DIR / "baseline.toml"


class Hotline(Strict):
    """A 12345 hotline kept at an institution (the trial of docs/extending.md)."""

    to: InstitutionKey = field(meaning="institution calls are passed to", unit="institution")
    hours: ScheduleName | None = field(None, "when it answers (a schedule's name)", "schedule")


class _Hotline(Module):
    """A hotline: its own references, and a rule of its own (not to itself)."""

    name = "hotline"
    pars = (
        Par("institutions.*.hotline", Hotline | None, None, "a 12345 hotline run here", "—"),
        Par("routing.hotline_from", InstitutionKey | None, None, "who answers first", "—"),
    )

    @classmethod
    def check(cls, sc, path) -> None:
        for name, inst in sc.institutions.items():
            if inst.hotline is not None and inst.hotline.to == name:
                raise ScenarioError(
                    path, f"institutions.{name}.hotline.to", "a hotline cannot pass calls to itself"
                )


def child(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "trial.toml"
    path.write_text('extends = "baseline"\n' + body, encoding="utf-8")
    return path


def one_line(call, path, key: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        call()
    err = info.value
    assert err.file == str(path) and err.key == key, (err.file, err.key, str(err))
    assert str(err).startswith(f"{path}: key '{key}': ") and "\n" not in str(err)
    return err


# ------------------------------------------------------------------ a new module's references
def test_a_new_modules_unknown_institution_is_one_line_at_load(tmp_path):
    p = child(tmp_path, '[institutions.street]\nhotline = { to = "nope" }\n')
    key = "institutions.street.hotline.to"
    err = one_line(lambda: load_scenario(p, modules=(_Hotline,)), p, key)
    assert "unknown institution 'nope'" in err.message and "rc, street" in err.message
    # the model loads the file the same way: the error comes before anything is built
    one_line(lambda: GovernanceModel(str(p), residents=200, modules=(_Hotline,)), p, key)
    ok = child(tmp_path, '[institutions.street]\nhotline = { to = "rc" }\n')
    assert load_scenario(ok, modules=(_Hotline,)).institutions["street"].hotline.to == "rc"


def test_a_new_modules_unknown_schedule_and_section_key_are_one_line_at_load(tmp_path):
    p = child(tmp_path, '[institutions.street]\nhotline = { to = "rc", hours = "night" }\n')
    err = one_line(
        lambda: load_scenario(p, modules=(_Hotline,)), p, "institutions.street.hotline.hours"
    )
    assert "unknown schedule 'night'" in err.message and "office" in err.message
    p = child(tmp_path, '[routing]\nhotline_from = "nope"\n')
    err = one_line(lambda: load_scenario(p, modules=(_Hotline,)), p, "routing.hotline_from")
    assert "unknown institution 'nope'" in err.message


def test_a_new_module_checks_its_own_rule_at_load(tmp_path):
    p = child(tmp_path, '[institutions.street]\nhotline = { to = "street" }\n')
    err = one_line(
        lambda: load_scenario(p, modules=(_Hotline,)), p, "institutions.street.hotline.to"
    )
    assert err.message == "a hotline cannot pass calls to itself"


def test_a_reference_may_name_only_what_a_file_defines():
    with pytest.raises(ValueError, match="institution, schedule"):
        Refers("need type")


# ------------------------------------------------------------------ the built-in keys
def test_every_owner_of_keys_checks_its_part():
    checks = load_scenario("baseline").checks
    assert checks[0] is structure.check
    assert [c.__self__ for c in checks[1:]] == list(MODULES)
    extra = load_scenario("baseline", modules=(_Hotline,)).checks
    assert extra[-1].__self__ is _Hotline


def test_the_built_in_references_are_found_from_the_declarations():
    sc = load_scenario("baseline")
    refs = {key: (what, value) for key, what, value in references(sc)}
    assert refs["routing.walk_in.dispute"] == ("institution", sc.routing.walk_in["dispute"])
    assert refs["institutions.rc.forwards_to"] == ("institution", "street")
    assert refs["institutions.rc.hours"][0] == "schedule"
    assert refs["institutions.rc.offers.0.hours"] == ("schedule", "election_day")
    for what, value in refs.values():
        assert value in (sc.institutions if what == "institution" else sc.schedules)


@pytest.mark.parametrize(
    ("changes", "key", "says"),
    [
        # routing's references (every institution key, every table by need type)
        ({"institutions.rc.forwards": {"dispute": "nope"}}, "institutions.rc.forwards.dispute",
         "unknown institution 'nope'"),
        ({"routing.remote": {"to": "nope", "types": ["dispute"]}}, "routing.remote.to",
         "unknown institution 'nope'"),
        # Service: authority needs windows
        ({"institutions.rc.windows": 0}, "institutions.rc.windows", "needs windows >= 1"),
        # Discovery: visits need staff; what outreach finds can be settled from there
        ({"institutions.heads.staff": 0}, "institutions.heads.staff",
         "outreach by visits needs staff > 0"),
        ({"institutions.heads.forwards_to": None}, "institutions.heads.forwards_to",
         "can go no further"),
        # Sessions: self-governance needs staff; offers are open, on open weekdays
        (
            {"institutions.rc.windows": 0, "institutions.rc.staff": 0,
             "institutions.rc.authority": {}},
            "institutions.rc.staff", "self-governance needs staff > 0",
        ),
        (
            {"institutions.rc.offers": [{"kind": "election", "days_of_year": [180], "seats": 9,
                                         "hours": [{"days": ["mon"], "open": [[9, 17]]}]}]},
            "institutions.rc.offers.0.days_of_year", "day 180 is a sat",
        ),
        (
            {"institutions.rc.offers": [{"kind": "activity", "sessions_per_week": 1, "seats": 9,
                                         "hours": []}]},
            "institutions.rc.offers.0.hours", "at least one block of open hours",
        ),
        (
            {"institutions.rc.offers": [{"kind": "activity", "sessions_per_week": 1, "seats": 9,
                                         "hours": "night"}]},
            "institutions.rc.offers.0.hours", "unknown schedule 'night'",
        ),
        # the structure: a district-level institution says the residents it is built for
        ({"institutions.dept.design_residents": None}, "institutions.dept.design_residents",
         "district-level institution needs"),
    ],
)  # fmt: skip
def test_each_built_in_rule_is_one_line_naming_the_key(changes, key, says):
    err = one_line(lambda: load_scenario("baseline", changes=changes), BASELINE, key)
    assert says in err.message, err.message
