"""Scenario files: malformed files give one clear ScenarioError naming the file, the key
and what is allowed; built-in files load; files are data only; every number is sourced."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import govsim.config.scenario as scenario_mod
from govsim import ScenarioError, list_scenarios, load_population, load_scenario
from govsim.config.scenario import SCENARIO_DIR, Institution

BASELINE = (SCENARIO_DIR / "baseline.toml").read_text(encoding="utf-8")
ALL_DEPT_AUTHORITY = (
    "authority = { admin_service = 1.0, public_service = 1.0, dispute = 1.0, public_space = 1.0 }"
)


def variant(tmp_path: Path, old: str, new: str, name: str = "broken") -> Path:
    """The baseline file with the first ``old`` replaced by ``new``, written to tmp_path."""
    assert old in BASELINE, old
    path = tmp_path / f"{name}.toml"
    path.write_text(BASELINE.replace(old, new, 1), encoding="utf-8")
    return path


def error_of(path_or_name, **kw) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path_or_name, **kw)
    err = info.value
    assert str(err).startswith(f"{err.file}: key '{err.key}': ")
    assert err.message and err.message in str(err)
    return err


def assert_names(err: ScenarioError, path: Path, key: str) -> None:
    assert str(path) in str(err)
    assert err.file == str(path)
    assert err.key == key
    assert f"'{key}'" in str(err)


# ------------------------------------------------------------------ built-in files
def test_builtin_scenarios_are_listed():
    assert {"baseline", "suzhou", "chengdong", "nanshan", "xinfeng"} <= set(list_scenarios())


@pytest.mark.parametrize("name", list_scenarios())
def test_builtin_scenario_loads(name):
    sc = load_scenario(name)
    assert sc.key == name
    assert Path(sc.file) == SCENARIO_DIR / f"{name}.toml"
    assert sc.scenario.name_zh and sc.scenario.name_en
    assert sc.institutions


def test_builtin_population_loads():
    pop = load_population("urban")
    assert 0 < pop.demography.share_elderly < 1


def test_scenario_loads_from_a_path(tmp_path):
    p = tmp_path / "copy.toml"
    p.write_text(BASELINE, encoding="utf-8")
    sc = load_scenario(p)
    assert sc.key == "copy" and sc.file == str(p)
    assert sc.institutions == load_scenario("baseline").institutions


# ------------------------------------------------------------------ malformed files
def test_unknown_key_lists_allowed_keys(tmp_path):
    p = variant(tmp_path, "staff = 14.4\n", "staff = 14.4\nstaf = 3\n")
    err = error_of(p)
    assert_names(err, p, "institutions.rc.staf")
    assert "unknown key" in err.message
    # what is allowed here: the keys of an institution
    for allowed in ("staff", "windows", "relay_delay_h", "admin_tasks"):
        assert allowed in err.message, err.message


def test_unknown_top_level_table_lists_allowed_tables(tmp_path):
    p = tmp_path / "extra.toml"
    p.write_text(BASELINE + "\n[extras]\nx = 1\n", encoding="utf-8")
    err = error_of(p)
    assert_names(err, p, "extras")
    for allowed in ("scenario", "layout", "schedules", "routing", "institutions", "incentives"):
        assert allowed in err.message


def test_unknown_nested_key_lists_allowed_keys(tmp_path):
    p = variant(
        tmp_path, "self_governance = { activity = 0.5,", "self_governance = { activiti = 0.5,"
    )
    err = error_of(p)
    assert_names(err, p, "institutions.rc.self_governance.activiti")
    assert "unknown key" in err.message
    for allowed in ("activity", "deliberation", "visits"):
        assert allowed in err.message, err.message


def test_wrong_type(tmp_path):
    p = variant(tmp_path, "windows = 1\n", 'windows = "two"\n')
    err = error_of(p)
    assert_names(err, p, "institutions.rc.windows")
    assert "integer" in err.message and "'two'" in err.message


def test_value_out_of_range(tmp_path):
    p = variant(tmp_path, "relay_loss = 0.10\n", "relay_loss = 1.5\n")
    err = error_of(p)
    assert_names(err, p, "institutions.rc.relay_loss")
    assert "less than or equal to 1" in err.message and "1.5" in err.message


def test_negative_value_out_of_range(tmp_path):
    p = variant(tmp_path, "staff = 14.4\n", "staff = -2\n")
    err = error_of(p)
    assert_names(err, p, "institutions.rc.staff")
    assert "greater than or equal to 0" in err.message


def test_unknown_actor(tmp_path):
    p = variant(tmp_path, 'actor = "residents_committee"', 'actor = "mayor"')
    err = error_of(p)
    assert str(p) in str(err)
    assert "'mayor'" in err.message
    assert "residents_committee" in err.message and "street_office" in err.message
    assert err.key == "institutions.rc.actor"


def test_unknown_institution_in_forwards_to(tmp_path):
    p = variant(tmp_path, 'forwards_to = "street"', 'forwards_to = "nowhere"')
    err = error_of(p)
    assert_names(err, p, "institutions.rc.forwards_to")
    assert "'nowhere'" in err.message
    assert "dept, heads, orgs, rc, street" in err.message


def test_unknown_institution_in_forwards_by_type(tmp_path):
    p = variant(
        tmp_path, 'forwards_to = "street"', 'forwards_to = "street"\nforwards = { dispute = "x" }'
    )
    err = error_of(p)
    assert_names(err, p, "institutions.rc.forwards.dispute")
    assert "'x'" in err.message


def test_unknown_institution_in_walk_in(tmp_path):
    p = variant(
        tmp_path, 'admin_service = "rc", public_service', 'admin_service = "town", public_service'
    )
    err = error_of(p)
    assert_names(err, p, "routing.walk_in.admin_service")
    assert "'town'" in err.message and "rc" in err.message


def test_missing_walk_in_entry(tmp_path):
    p = variant(tmp_path, ', activity = "rc" }', " }")
    err = error_of(p)
    assert_names(err, p, "routing.walk_in.activity")


def test_routing_loop(tmp_path):
    # the department loses full authority for administrative errands and hands them back
    # to the committee: rc -> street -> dept -> rc
    p = tmp_path / "loop.toml"
    text = BASELINE.replace(
        ALL_DEPT_AUTHORITY,
        'authority = { admin_service = 0.5, public_service = 1.0, dispute = 1.0, public_space = 1.0 }\nforwards_to = "rc"',
    )
    assert text != BASELINE
    p.write_text(text, encoding="utf-8")
    err = error_of(p)
    assert str(p) in str(err) and f"'{err.key}'" in str(err)
    assert err.key.startswith(("institutions.", "routing."))
    assert "loops" in err.message and "'admin_service'" in err.message
    assert "rc -> street -> dept -> rc" in err.message


def test_need_type_without_full_authority_on_its_route(tmp_path):
    # nobody has full authority for public services any more
    p = variant(
        tmp_path,
        ALL_DEPT_AUTHORITY,
        "authority = { admin_service = 1.0, public_service = 0.9, dispute = 1.0, public_space = 1.0 }",
    )
    err = error_of(p)
    assert_names(err, p, "institutions.dept.forwards_to")
    assert "'public_service'" in err.message and "full authority" in err.message


def test_toml_syntax_error(tmp_path):
    p = variant(tmp_path, "windows = 1\n", "windows = = 1\n")
    err = error_of(p)
    assert_names(err, p, "(syntax)")
    assert "not valid TOML" in err.message and "line" in err.message


def test_missing_file(tmp_path):
    p = tmp_path / "does_not_exist.toml"
    err = error_of(p)
    assert_names(err, p, "(file)")
    assert "no such scenario file" in err.message


def test_unknown_scenario_name_lists_known_ones():
    err = error_of("atlantis")
    assert "atlantis" in str(err)
    assert err.key == "(file)"
    for name in list_scenarios():
        assert name in err.message


def test_unknown_schedule_name(tmp_path):
    p = variant(tmp_path, 'hours = "office"', 'hours = "night_shift"')
    err = error_of(p)
    assert_names(err, p, "institutions.rc.hours")
    assert "'night_shift'" in err.message and "daily_day, election_day, office" in err.message


def test_bad_change_is_reported_like_a_file_error():
    err = error_of("baseline", changes={"institutions.rc.windows": -1})
    assert err.key == "institutions.rc.windows"
    assert str(SCENARIO_DIR / "baseline.toml") in str(err)


def test_source_citing_an_unknown_key(tmp_path):
    p = variant(
        tmp_path, "[institutions.rc.sources]\n", '[institutions.rc.sources]\nwindowz = "x"\n'
    )
    err = error_of(p)
    assert_names(err, p, "institutions.rc.sources.windowz")


# ------------------------------------------------------------------ data only
def test_python_code_in_a_scenario_file_is_a_syntax_error_and_never_runs(tmp_path):
    marker = tmp_path / "ran.txt"
    p = tmp_path / "code.toml"
    p.write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n", encoding="utf-8"
    )
    err = error_of(p)
    assert_names(err, p, "(syntax)")
    assert not marker.exists()


def test_scenario_files_are_read_with_tomllib(monkeypatch):
    calls = []
    real = tomllib.load

    def spy(fh, *a, **kw):
        calls.append(fh.name)
        return real(fh, *a, **kw)

    assert scenario_mod.tomllib is tomllib
    monkeypatch.setattr(scenario_mod.tomllib, "load", spy)
    load_scenario("baseline")
    assert calls == [str(SCENARIO_DIR / "baseline.toml")]


# ------------------------------------------------------------------ every number has a source
NOT_NUMBERS = {"actor", "level", "hours", "forwards_to", "forwards", "sources"}
AS_BASELINE = "as the baseline"


def raw_institutions(name: str) -> dict:
    with open(SCENARIO_DIR / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)["institutions"]


def unsourced_keys() -> list[str]:
    """Keys set in a scenario institution without a ``sources`` entry.  A key counts as
    sourced without an entry only when the institution's sources say it is kept "as the
    baseline", the baseline has the same institution with the same value, and the
    baseline cites it."""
    base = raw_institutions("baseline")
    missing = []
    for scen in list_scenarios():
        for name, inst in raw_institutions(scen).items():
            sources = inst.get("sources", {})
            says_as_baseline = any(AS_BASELINE in v for v in sources.values())
            for key, value in inst.items():
                if key in NOT_NUMBERS or key in sources:
                    continue
                b = base.get(name, {})
                if (
                    scen != "baseline"
                    and says_as_baseline
                    and b.get(key) == value
                    and key in b.get("sources", {})
                ):
                    continue
                missing.append(f"{scen}: institutions.{name}.{key}")
    return missing


def test_source_keys_are_institution_fields():
    for scen in list_scenarios():
        for name, inst in raw_institutions(scen).items():
            for key in inst.get("sources", {}):
                assert key in Institution.model_fields, (scen, name, key)


def test_every_number_in_an_institution_has_a_source():
    missing = unsourced_keys()
    assert not missing, "keys without a source:\n" + "\n".join(missing)
