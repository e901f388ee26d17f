"""Scenario files: malformed files give one clear ScenarioError naming the file, the key
and what is allowed; built-in files load; files are data only; every number is sourced."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import govsim.config.reading as reading_mod
from govsim import ScenarioError, list_scenarios, load_population, load_scenario
from govsim.config.reading import SCENARIO_DIR
from govsim.core import norms

BASELINE = (SCENARIO_DIR / "baseline.toml").read_text(encoding="utf-8")


def child(tmp_path: Path, body: str, name: str = "broken") -> Path:
    """A file that extends the baseline with ``body`` (what it changes)."""
    path = tmp_path / f"{name}.toml"
    path.write_text('extends = "baseline"\n' + body, encoding="utf-8")
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
    p = child(tmp_path, "[institutions.rc]\nstaf = 3\n")
    err = error_of(p)
    assert_names(err, p, "institutions.rc.staf")
    assert "unknown key" in err.message
    # what is allowed here: the keys of an institution
    for allowed in ("staff", "windows", "relay_delay_h", "admin_tasks"):
        assert allowed in err.message, err.message


def test_unknown_top_level_table_lists_allowed_tables(tmp_path):
    p = child(tmp_path, "[extras]\nx = 1\n")
    err = error_of(p)
    assert_names(err, p, "extras")
    for allowed in ("scenario", "layout", "schedules", "routing", "institutions", "incentives"):
        assert allowed in err.message


def test_unknown_nested_key_lists_allowed_keys(tmp_path):
    p = child(tmp_path, "[institutions.rc]\nself_governance = { activiti = 0.5 }\n")
    err = error_of(p)
    assert_names(err, p, "institutions.rc.self_governance.activiti")
    assert "unknown key" in err.message
    for allowed in ("activity", "deliberation", "visits"):
        assert allowed in err.message, err.message


def test_wrong_type(tmp_path):
    p = child(tmp_path, '[institutions.rc]\nwindows = "two"\n')
    err = error_of(p)
    assert_names(err, p, "institutions.rc.windows")
    assert "integer" in err.message and "'two'" in err.message


def test_value_out_of_range(tmp_path):
    p = child(tmp_path, "[institutions.rc]\nrelay_loss = { value = 1.5, source = 'x' }\n")
    err = error_of(p)
    assert_names(err, p, "institutions.rc.relay_loss")
    # the range the key allows, in words (was pydantic's "less than or equal to 1")
    assert "from 0 to 1 (probability)" in err.message and "1.5" in err.message


def test_negative_value_out_of_range(tmp_path):
    p = child(tmp_path, "[institutions.rc]\nstaff = -2\n")
    err = error_of(p)
    assert_names(err, p, "institutions.rc.staff")
    assert "from 0 to 10,000 (persons)" in err.message and "-2" in err.message  # in words


def test_unknown_actor(tmp_path):
    p = child(tmp_path, '[institutions.rc]\nactor = "mayor"\n')
    err = error_of(p)
    assert str(p) in str(err)
    assert "'mayor'" in err.message
    assert "residents_committee" in err.message and "street_office" in err.message
    assert err.key == "institutions.rc.actor"


def test_unknown_institution_in_forwards_to(tmp_path):
    p = child(tmp_path, '[institutions.rc]\nforwards_to = "nowhere"\n')
    err = error_of(p)
    assert_names(err, p, "institutions.rc.forwards_to")
    assert "'nowhere'" in err.message
    # the baseline's institutions, its estate property-service desk included
    assert "dept, estate, heads, orgs, rc, street" in err.message


def test_unknown_institution_in_forwards_by_type(tmp_path):
    p = child(tmp_path, '[institutions.rc]\nforwards = { dispute = "x" }\n')
    err = error_of(p)
    assert_names(err, p, "institutions.rc.forwards.dispute")
    assert "'x'" in err.message


def test_unknown_institution_in_walk_in(tmp_path):
    p = child(
        tmp_path,
        '[routing]\nwalk_in = { admin_service = "town", public_service = "rc", dispute = "rc",'
        ' public_space = "rc", activity = "rc" }\n',
    )
    err = error_of(p)
    assert_names(err, p, "routing.walk_in.admin_service")
    assert "'town'" in err.message and "rc" in err.message


def test_missing_walk_in_entry(tmp_path):
    p = child(
        tmp_path,
        '[routing]\nwalk_in = { admin_service = "rc", public_service = "rc", dispute = "rc",'
        ' public_space = "rc" }\n',
    )
    err = error_of(p)
    assert_names(err, p, "routing.walk_in.activity")


def test_routing_loop(tmp_path):
    # the department loses full authority for administrative errands and hands them back
    # to the committee: rc -> street -> dept -> rc
    p = child(
        tmp_path,
        "[institutions.dept]\nauthority = { admin_service = 0.5, public_service = 1.0,"
        ' dispute = 1.0, public_space = 1.0 }\nforwards_to = "rc"\n',
        "loop",
    )
    err = error_of(p)
    assert str(p) in str(err) and f"'{err.key}'" in str(err)
    assert err.key.startswith(("institutions.", "routing."))
    assert "loops" in err.message and "'admin_service'" in err.message
    assert "rc -> street -> dept -> rc" in err.message


def test_need_type_without_full_authority_on_its_route(tmp_path):
    # nobody has full authority for public services any more
    p = child(
        tmp_path,
        "[institutions.dept]\nauthority = { admin_service = 1.0, public_service = 0.9,"
        " dispute = 1.0, public_space = 1.0 }\n",
    )
    err = error_of(p)
    assert_names(err, p, "institutions.dept.forwards_to")
    assert "'public_service'" in err.message and "full authority" in err.message


def test_toml_syntax_error(tmp_path):
    p = child(tmp_path, "[institutions.rc]\nwindows = = 1\n")
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
    p = child(tmp_path, '[institutions.rc]\nhours = "night_shift"\n')
    err = error_of(p)
    assert_names(err, p, "institutions.rc.hours")
    assert "'night_shift'" in err.message and "daily_day, election_day, office" in err.message


def test_bad_change_is_reported_like_a_file_error():
    err = error_of("baseline", changes={"institutions.rc.windows": -1})
    assert err.key == "institutions.rc.windows"
    assert str(SCENARIO_DIR / "baseline.toml") in str(err)


def test_a_separate_sources_table_is_refused_with_the_new_form(tmp_path):
    p = child(tmp_path, '[institutions.rc]\nstaff = 3\n[institutions.rc.sources]\nstaff = "x"\n')
    err = error_of(p)
    assert_names(err, p, "institutions.rc.sources")
    assert "value = ..., source" in err.message


def test_a_source_without_a_value_is_refused(tmp_path):
    p = child(tmp_path, '[institutions.rc]\nstaff = { source = "x" }\n')
    err = error_of(p)
    assert_names(err, p, "institutions.rc.staff.source")


def test_a_file_that_is_not_utf8_is_one_clear_error_and_a_bom_is_dropped(tmp_path):
    p = tmp_path / "latin.toml"
    p.write_bytes('extends = "baseline"\n[scenario]\nname_zh = "caf\xe9"\n'.encode("latin-1"))
    err = error_of(p)
    assert_names(err, p, "(file)")
    assert "UTF-8" in err.message and "line 3" in err.message
    q = tmp_path / "bom.toml"
    q.write_bytes(b"\xef\xbb\xbf" + (SCENARIO_DIR / "baseline.toml").read_bytes())
    assert load_scenario(q).institutions == load_scenario("baseline").institutions


# ------------------------------------------------------------------ inheritance
def test_an_extending_file_changes_only_what_it_names(tmp_path):
    p = child(
        tmp_path,
        '[institutions.rc]\nwindows = { value = 2, source = "assumption: two on duty" }\n',
        "two_windows",
    )
    sc, base = load_scenario(p), load_scenario("baseline")
    assert sc.institutions["rc"].windows == 2
    assert sc.sources["institutions.rc.windows"] == "assumption: two on duty"
    # everything else, and its source, is the baseline's
    assert sc.institutions["rc"].staff == base.institutions["rc"].staff
    assert sc.sources["institutions.rc.staff"] == base.sources["institutions.rc.staff"]
    assert sc.institutions["street"] == base.institutions["street"]
    assert list(sc.institutions) == list(base.institutions)
    assert sc.schedules == base.schedules


def test_a_field_is_replaced_whole_and_remove_deletes(tmp_path):
    p = child(
        tmp_path,
        'remove = ["institutions.heads", "institutions.rc.offers"]\n'
        "[institutions.rc]\nauthority = { dispute = 1.0 }\n",
    )
    sc = load_scenario(p)
    assert "heads" not in sc.institutions
    assert sc.institutions["rc"].offers == []  # back to the declared default
    assert sc.institutions["rc"].authority == {"dispute": 1.0}  # not merged with the parent's
    assert not any(k.startswith("institutions.heads") for k in sc.sources)


def test_remove_of_a_key_the_parent_does_not_have_is_an_error(tmp_path):
    p = child(tmp_path, 'remove = ["institutions.town"]\n')
    err = error_of(p)
    assert_names(err, p, "remove")
    assert "'institutions.town'" in err.message


def test_chains_and_changes_and_loops(tmp_path):
    a = child(tmp_path, "[institutions.rc]\nwindows = 2\n", "a")
    b = tmp_path / "b.toml"
    b.write_text('extends = "a"\n[institutions.rc]\nstaff = 20\n', encoding="utf-8")
    sc = load_scenario(b, changes={"institutions.street.windows": 7})
    assert (sc.institutions["rc"].windows, sc.institutions["rc"].staff) == (2, 20)
    assert sc.institutions["street"].windows == 7
    a.write_text('extends = "b"\n', encoding="utf-8")
    err = error_of(b)
    assert err.key == "extends" and "loop" in err.message and "b.toml -> a.toml" in err.message


# ------------------------------------------------------------------ same_as references
def test_a_reference_takes_the_value_and_the_source_of_the_key_it_names(tmp_path):
    base = load_scenario("baseline")
    p = child(
        tmp_path,
        "[institutions.rc]\n"
        'relay_delay_h = { same_as = "baseline:institutions.street.relay_delay_h" }\n'
        'authority = { same_as = "baseline:institutions.street.authority" }\n'
        "[institutions.street]\n"
        'costs.value = { salary_per_staff = { same_as = "baseline:institutions.dept.costs.salary_per_staff" }, premises = 1, running = 2 }\n'
        'costs.source = "assumption: a test"\n',
    )
    sc = load_scenario(p)
    street, dept = base.institutions["street"], base.institutions["dept"]
    assert sc.institutions["rc"].relay_delay_h == street.relay_delay_h
    assert sc.institutions["rc"].authority == street.authority
    assert (
        sc.sources["institutions.rc.relay_delay_h"]
        == (base.sources["institutions.street.relay_delay_h"])
    )
    assert sc.sources["institutions.rc.authority"] == base.sources["institutions.street.authority"]
    # inside a value: the value's own source stays, the referred one is the nested key's
    assert sc.institutions["street"].costs.salary_per_staff == dept.costs.salary_per_staff
    assert sc.institutions["street"].costs.premises == 1
    assert sc.sources["institutions.street.costs"] == "assumption: a test"
    assert (
        sc.sources["institutions.street.costs.salary_per_staff"]
        == base.sources["institutions.dept.costs"]
    )


def test_references_chain_name_their_own_file_and_may_cross_between_files(tmp_path):
    a = child(
        tmp_path,
        "[institutions.rc]\n"
        'windows = { value = 3, source = "assumption: a" }\n'
        'staff = { same_as = "b:institutions.rc.staff" }\n',
        "a",
    )
    b = child(
        tmp_path,
        "[institutions.rc]\n"
        'staff = { value = 9, source = "assumption: b" }\n'
        'windows = { same_as = "a:institutions.rc.windows" }\n'
        '[institutions.street]\nwindows = { same_as = "b:institutions.rc.windows" }\n',  # its own file, a chain
        "b",
    )
    sa, sb = load_scenario(a), load_scenario(b)
    assert (sa.institutions["rc"].staff, sb.institutions["rc"].windows) == (9, 3)
    assert sb.institutions["street"].windows == 3
    assert sb.sources["institutions.street.windows"] == "assumption: a"
    # a chain that comes back to itself is a loop, named where the loop closes
    b.write_text(
        'extends = "baseline"\n[institutions.rc]\nstaff = { same_as = "a:institutions.rc.staff" }\n',
        encoding="utf-8",
    )
    err = error_of(a)
    assert_names(err, a, "institutions.rc.staff")
    assert "a loop" in err.message
    assert "a.toml:institutions.rc.staff -> b.toml:institutions.rc.staff" in err.message
    # a key that refers to itself, and a key that refers to its own inside
    for target, says in (
        ("institutions.rc.staff", "a loop"),
        ("institutions.rc.staff.x", "a loop"),
    ):
        p = child(tmp_path, f'[institutions.rc]\nstaff = {{ same_as = "self:{target}" }}\n', "self")
        err = error_of(p)
        assert err.key in ("institutions.rc.staff", "institutions.rc.staff.same_as")
        assert says in err.message, err.message


@pytest.mark.parametrize(
    ("reference", "says"),
    [
        ("atlantis:institutions.rc.staff", "no file 'atlantis' beside this one or among"),
        ("baseline:institutions.rc.stafff", "baseline.toml has no key 'institutions.rc.stafff'"),
        ("baseline:institutions.nowhere.staff", "has no key 'institutions.nowhere.staff'"),
        ("baseline:institutions.rc.offers.7", "has no key 'institutions.rc.offers.7'"),
        ("../baseline:institutions.rc.staff", "names a file beside this one or a built-in one"),
        ("sub/x:institutions.rc.staff", "names a file beside this one or a built-in one"),
        ("/etc/x:institutions.rc.staff", "names a file beside this one or a built-in one"),
        ("C:/x:institutions.rc.staff", "must be 'file:dotted.key'"),
        ("institutions.rc.staff", "must be 'file:dotted.key'"),
        ("baseline:", "must be 'file:dotted.key'"),
        ("baseline:institutions..staff", "must be 'file:dotted.key'"),
        # a value of another parameter: another unit and meaning
        ("baseline:institutions.street.relay_loss", "'staff' and 'institutions.street.relay_loss'"),
    ],
)
def test_a_bad_reference_is_one_line_naming_the_file_and_key(tmp_path, reference, says):
    p = child(tmp_path, f'[institutions.rc]\nstaff = {{ same_as = "{reference}" }}\n')
    err = error_of(p)
    assert err.file == str(p)
    assert err.key in ("institutions.rc.staff", "institutions.rc.staff.same_as")
    assert says in err.message, err.message
    assert "\n" not in str(err)


def test_a_reference_into_a_file_outside_its_folder_is_refused(tmp_path):
    (tmp_path / "inside").mkdir()
    outside = tmp_path / "outside.toml"
    outside.write_text("[x]\ny = 1\n", encoding="utf-8")
    (tmp_path / "inside" / "link.toml").symlink_to(outside)
    p = child(tmp_path / "inside", '[institutions.rc]\nstaff = { same_as = "link:x.y" }\n')
    err = error_of(p)
    assert_names(err, p, "institutions.rc.staff.same_as")
    assert "links outside" in err.message


def test_a_reference_stands_alone(tmp_path):
    p = child(tmp_path, '[institutions.rc]\nstaff = { same_as = "baseline:x", source = "s" }\n')
    err = error_of(p)
    assert_names(err, p, "institutions.rc.staff.same_as")
    assert "stands alone" in err.message and "source" in err.message
    p = child(
        tmp_path,
        '[institutions.rc]\nstaff = { value = { same_as = "baseline:x" }, source = "s" }\n',
    )
    err = error_of(p)
    assert_names(err, p, "institutions.rc.staff")
    assert "takes the source of the value it refers to" in err.message


def test_a_reference_is_resolved_before_changes_and_validation(tmp_path):
    p = child(
        tmp_path, '[institutions.rc]\nstaff = { same_as = "baseline:institutions.rc.name_zh" }\n'
    )
    err = error_of(p)
    assert_names(err, p, "institutions.rc.staff")  # another parameter: a text for a number
    assert "takes the same parameter" in err.message
    p = child(
        tmp_path, '[institutions.rc]\nstaff = { same_as = "baseline:institutions.street.staff" }\n'
    )
    sc = load_scenario(p, changes={"institutions.rc.staff": 2})
    assert sc.institutions["rc"].staff == 2
    assert "institutions.rc.staff" not in sc.sources


def test_an_unknown_parent_is_named_with_the_known_ones(tmp_path):
    p = tmp_path / "orphan.toml"
    p.write_text('extends = "atlantis"\n', encoding="utf-8")
    err = error_of(p)
    assert_names(err, p, "extends")
    assert "'atlantis'" in err.message and "baseline" in err.message


def test_a_bad_value_in_an_extending_file_names_that_file_and_the_key(tmp_path):
    p = child(tmp_path, "[institutions.heads]\noutreach = { detect = 2.0 }\n")
    err = error_of(p)
    assert_names(err, p, "institutions.heads.outreach.detect")


def test_builtin_structures_extend_the_baseline_and_keep_their_order():
    order = {
        # the baseline's estate property-service desk is inherited last
        "suzhou": ["liaison", "rc", "street", "dept", "heads", "orgs", "estate"],
        "chengdong": ["center", "masswork", "rc", "grid", "dept", "orgs", "estate"],
        "qingyuan": ["branch", "council", "rc", "station", "town", "county"],
    }
    for name, want in order.items():
        assert list(load_scenario(name).institutions) == want
    for name in list_scenarios():
        text = (SCENARIO_DIR / f"{name}.toml").read_text(encoding="utf-8")
        assert ("extends" in text) == (name != "baseline"), name
        assert "[institutions.rc.sources]" not in text


def _at(data, key: str):
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            return KeyError  # not there
        data = data[part]
    return data


def repeated_keys(path: Path, builtin_dir: Path) -> list[str]:
    """The keys a file sets (merged as ``extends`` merges) to the value its parent gives."""
    from govsim.config.reading import _find, _merge, read_spec, read_toml, split_sources

    raw = read_toml(path)
    parent = raw.pop("extends", None)
    raw.pop("remove", None)
    if parent is None:
        return []
    own, _ = split_sources(raw, path)
    pdata, _ = read_spec(_find(parent, path, builtin_dir), builtin_dir)
    data, _ = read_spec(path, builtin_dir)
    _, touched = _merge(pdata, own)
    return [k for k in touched if _at(pdata, k) is not KeyError and _at(data, k) == _at(pdata, k)]


def test_no_shipped_file_repeats_its_parents_value():
    from govsim.config.reading import POPULATION_DIR

    found = [
        f"{path.name}: {key}"
        for folder in (SCENARIO_DIR, POPULATION_DIR)
        for path in sorted(folder.glob("*.toml"))
        for key in repeated_keys(path, folder)
    ]
    assert not found, "delete these keys, the parent gives the same value:\n" + "\n".join(found)


def test_the_repeat_check_finds_a_repeated_value(tmp_path):
    p = child(
        tmp_path,
        'remove = ["institutions.heads"]\n'
        "[layout]\nhouseholds_per_grid = 300\nresidents_per_jurisdiction = 9000\n"
        "[institutions.street]\n"
        'relay_loss = { value = 0.08, source = "s" }\n'
        'staff = { same_as = "baseline:institutions.street.staff" }\n'
        "windows = 3\n",
    )
    assert repeated_keys(p, SCENARIO_DIR) == [
        "layout.households_per_grid",
        "institutions.street.relay_loss",
        "institutions.street.staff",
    ]


def test_shipped_files_say_same_as_not_as_the_baseline():
    """A value copied from another file is a same_as reference (or inherited), not a
    number with a phrase saying where it was copied from."""
    from govsim.config.reading import POPULATION_DIR

    for path in [*SCENARIO_DIR.glob("*.toml"), *POPULATION_DIR.glob("*.toml")]:
        data, sources = reading_mod.read_spec(path, path.parent)
        texts = [*sources.items(), ("(the file, comments too)", path.read_text(encoding="utf-8"))]
        for key, text in texts:
            for phrase in ("as the baseline", "as at the baseline", "as in the baseline", "同基线"):
                assert phrase not in text, f"{path.name}: {key}: {phrase}"


def test_shipped_files_wrap_their_lines():
    """Lines of at most 100 characters: long sources and texts as multi-line strings whose
    line ends are escaped, long tables key by key; only an inline table that is one item
    of a list cannot be broken (TOML 1.0 keeps an inline table on one line)."""
    from govsim.config.reading import POPULATION_DIR

    long = [
        f"{path.name}:{i}"
        for path in [
            *SCENARIO_DIR.glob("*.toml"),
            *POPULATION_DIR.glob("*.toml"),
            *(Path(__file__).resolve().parents[1] / "experiments").glob("*.toml"),
        ]
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > 100 and not (line.startswith("    { ") and line.endswith(" },"))
    ]
    assert not long, long


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
    real = tomllib.loads

    def spy(text, *a, **kw):
        calls.append(text[:20])
        return real(text, *a, **kw)

    assert reading_mod.tomllib is tomllib
    # the rules and the profiles' household sizes are read once a session (the check of a
    # document-based file, govsim.core.norms): a first load of each reads those, whatever
    # the tests before did
    norms.table(), norms.profile_household_size("urban")
    load_scenario("suzhou"), load_scenario("xinfeng")
    monkeypatch.setattr(reading_mod.tomllib, "loads", spy)
    load_scenario("suzhou")
    # the file, the one it extends, the fitted values and the rules that one refers to, once
    assert len(calls) == 4 and len(set(calls)) == 4
    calls.clear()
    load_scenario("xinfeng")  # refers to the baseline's values several times: still once
    # xinfeng, the baseline, the fitted values, the cross-structure rules and nanshan (whose
    # council decision cost it takes), each once
    assert len(calls) == 5 and len(set(calls)) == 5


# ------------------------------------------------------------------ every number has a source
NOT_NUMBERS = {"actor", "level", "hours", "forwards_to", "forwards"}


def _numbers(v) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    if isinstance(v, dict):
        return any(_numbers(x) for x in v.values())
    if isinstance(v, (list, tuple)):
        return any(_numbers(x) for x in v)
    return False


def test_every_number_of_every_structure_has_a_source():
    """Inherited values count with the source their own file gives (nearest table up)."""
    missing = []
    for scen in list_scenarios():
        sc = load_scenario(scen)
        raw = sc.model_dump(exclude={"sources", "file", "key"})
        for name, inst in raw["institutions"].items():
            for key, value in inst.items():
                path = f"institutions.{name}.{key}"
                if key in NOT_NUMBERS or not _numbers(value):
                    continue
                field = type(sc.institutions[name]).model_fields[key]
                if not field.is_required() and field.default == getattr(sc.institutions[name], key):
                    continue  # the declared default, not set by any file
                if not any(
                    sc.sources.get(path.rsplit(".", i)[0]) for i in range(0, path.count("."))
                ):
                    missing.append(f"{scen}: {path}")
    assert not missing, "keys without a source:\n" + "\n".join(missing)
