"""Bad input: every bad file, argument or results directory gives ONE clear line naming the
file and key (or the argument) and what is allowed, before any work starts; nothing is lost."""

from __future__ import annotations

import html
import json
import math
import os
import shutil
import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import child, one_line_error, rerecord

from govsim import load_population, load_scenario
from govsim.cli import main
from govsim.config.reading import POPULATION_DIR, SCENARIO_DIR
from govsim.config.vocabulary import UNITS

URBAN = (POPULATION_DIR / "urban.toml").read_text(encoding="utf-8")


def cli_error(capsys, argv: list[str]) -> str:
    """``govsim argv`` exits with 2 and prints one error line (no traceback)."""
    code = main(argv)
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("govsim: error: ") and "\n" not in err, err
    assert "Traceback" not in err
    return err


# ------------------------------------------------------------------ 1. numbers
@pytest.mark.parametrize(
    ("line", "key", "allowed"),
    [
        ("relay_delay_h = inf", "relay_delay_h", "a finite number from 0 to 8,760 (h (open))"),
        ("relay_delay_h = 1e9", "relay_delay_h", "a finite number from 0 to 8,760 (h (open))"),
        (
            "processing_days = inf",
            "processing_days",
            "a finite number from 0 to 3,650 (working days)",
        ),
        (
            "processing_days = nan",
            "processing_days",
            "a finite number from 0 to 3,650 (working days)",
        ),
        (
            "processing_days = 1e5",
            "processing_days",
            "a finite number from 0 to 3,650 (working days)",
        ),
        ("windows = 1e12", "windows", "an integer from 0 to 10,000 (slots)"),
        ("staff = 1e15", "staff", "a finite number from 0 to 10,000 (persons)"),
        ("admin_tasks = 1e18", "admin_tasks", "a finite number from 0 to 10,000 (tasks)"),
        ("per = 1000000000000", "per", "an integer from 1 to 10,000 (units)"),
        (
            "design_residents = 9000000000",
            "design_residents",
            "an integer from 1 to 50,000,000 (residents)",
        ),
    ],
)
def test_non_finite_and_absurd_institution_numbers_are_refused_at_load(
    tmp_path, line, key, allowed
):
    p = child(tmp_path, f"[institutions.rc]\n{line}\n")
    err = one_line_error(load_scenario, p, f"institutions.rc.{key}")
    # the one range the key allows: its unit's narrowed by its type's bounds, an integer
    # said so (was "a finite number from 0" for per and design_residents, declared ≥ 1)
    assert f"must be {allowed}" in err.message, err.message


def test_numbers_inside_tables_and_by_type_are_checked_with_their_full_key(tmp_path):
    p = child(tmp_path, "[institutions.rc.costs]\nrunning = inf\n")
    err = one_line_error(load_scenario, p, "institutions.rc.costs.running")
    assert "(yuan/yr)" in err.message
    p = child(tmp_path, "[needs]\nper_year.dispute = inf\n", parent="urban")
    err = one_line_error(load_population, p, "needs.per_year.dispute")
    assert "from 0 to 1,000 (1/yr)" in err.message
    p = child(tmp_path, "[behaviour]\ntrust = -1e300\n", parent="urban")
    err = one_line_error(load_population, p, "behaviour.trust")
    assert "from -50 to 50 (logit)" in err.message and "-1e+300" in err.message


def test_population_numbers_are_bounded(tmp_path):
    p = child(tmp_path, "[behaviour]\nties_per_resident = 1e9\n", parent="urban")
    err = one_line_error(load_population, p, "behaviour.ties_per_resident")
    assert "from 0 to 200 (ties)" in err.message
    p = child(tmp_path, "[initial]\npropensity_beta.elderly = [inf, 2]\n", parent="urban")
    err = one_line_error(load_population, p, "initial.propensity_beta.elderly.0")
    assert "finite" in err.message


def test_every_declared_unit_of_a_number_has_a_range():
    """A new unit of a file's number gets a deliberate bound (``Unit.limit``), not the
    catch-all one."""
    from govsim.core.params import declared_rows

    numeric = {"0–1", "1/yr", "days", "h", "h (open)", "households", "logit", "persons"}
    units = {r["unit"] for r in declared_rows()}
    assert numeric <= units
    labels = {"institution", "level", "need types", "schedule", "yes/no"}
    limited = {u for u, x in UNITS.items() if x.limit is not None}
    assert units - labels <= limited, units - labels - limited
    limits = [x.limit for x in UNITS.values() if x.limit is not None]
    assert all(math.isfinite(hi) and lo < hi for lo, hi in limits)


def test_bad_number_through_the_cli_is_one_line_and_nothing_is_written(tmp_path, capsys):
    p = child(tmp_path, "[institutions.rc]\nrelay_delay_h = inf\n")
    out = tmp_path / "out"
    err = cli_error(capsys, ["run", str(p), "--residents", "200", "--days", "2", "--out", str(out)])
    assert str(p) in err and "institutions.rc.relay_delay_h" in err and "8,760" in err
    assert not out.exists()


# ------------------------------------------------------------------ 3. empty lists
def test_an_empty_schedule_is_refused_at_load(tmp_path):
    p = child(tmp_path, "[schedules]\noffice = []\n")
    err = one_line_error(load_scenario, p, "schedules.office")
    assert "at least one block of open hours" in err.message


def test_empty_hours_and_open_spans_and_remote_types_are_refused_at_load(tmp_path):
    p = child(tmp_path, "[institutions.rc]\nhours = []\n")
    err = one_line_error(load_scenario, p, "institutions.rc.hours")
    assert "at least one block of open hours" in err.message
    p = child(tmp_path, '[schedules]\noffice = [{ days = ["mon"], open = [] }]\n')
    err = one_line_error(load_scenario, p, "schedules.office.0.open")
    assert "at least 1 item" in err.message
    p = child(tmp_path, '[routing.remote]\nto = "rc"\ntypes = []\n')
    err = one_line_error(load_scenario, p, "routing.remote.types")
    assert "at least one need type" in err.message


# ------------------------------------------------------------------ 4. encoding
def test_a_gbk_file_is_one_line_naming_the_file_and_utf8(tmp_path):
    p = tmp_path / "gbk.toml"
    p.write_bytes('extends = "baseline"\n[scenario]\nname_zh = "基线"\n'.encode("gbk"))
    err = one_line_error(load_scenario, p, "(file)")
    assert "must be UTF-8" in err.message and "line 3" in err.message


def test_a_utf8_file_with_a_byte_order_mark_loads(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + (SCENARIO_DIR / "baseline.toml").read_bytes())
    assert load_scenario(p).institutions == load_scenario("baseline").institutions
    q = tmp_path / "bompop.toml"
    q.write_bytes(b"\xef\xbb\xbf" + URBAN.encode("utf-8"))
    assert load_population(q).demography == load_population("urban").demography


# ------------------------------------------------------------------ 5. shares
def test_age_group_shares_over_one_name_both_keys_and_the_sum(tmp_path):
    p = child(tmp_path, "[demography]\nshare_children = 0.6\nshare_elderly = 0.5\n", parent="urban")
    err = one_line_error(load_population, p, "demography.share_children + demography.share_elderly")
    assert "at most 1" in err.message and "got 1.1" in err.message


def test_party_members_cannot_outnumber_the_adults(tmp_path):
    p = child(
        tmp_path, "[demography]\nshare_children = 0.5\nparty_member_share = 0.6\n", parent="urban"
    )
    err = one_line_error(load_population, p, "demography.party_member_share")
    assert "at most 1 − demography.share_children = 0.5" in err.message


# ------------------------------------------------------------------ 6. profile paths
@pytest.mark.parametrize("value", ["/etc/passwd", "../urban.toml", "populations/../../x.toml"])
def test_a_file_cannot_name_a_profile_outside_the_project(tmp_path, value):
    p = child(tmp_path, f'[scenario]\npopulation = "{value}"\n')
    err = one_line_error(load_scenario, p, "scenario.population")
    assert "is not allowed in a file" in err.message
    # the shipped profiles are listed (the places' among them)
    assert "rural, shenzhen" in err.message and "beside this file" in err.message


def test_a_file_may_name_a_profile_by_name_or_beside_it(tmp_path):
    assert load_scenario(
        child(tmp_path, '[scenario]\npopulation = "rural"\n')
    ).scenario.population == ("rural")
    (tmp_path / "mine.toml").write_text(URBAN, encoding="utf-8")
    sc = load_scenario(child(tmp_path, '[scenario]\npopulation = "mine.toml"\n'))
    assert Path(sc.scenario.population) == (tmp_path / "mine.toml").absolute()
    assert load_population(sc.scenario.population).key == "mine"
    err = one_line_error(
        load_scenario,
        child(tmp_path, '[scenario]\npopulation = "nowhere"\n'),
        "scenario.population",
    )
    assert "known: resettled, rural, shenzhen, suzhou_park, urban, xining" in err.message


def test_the_command_line_may_name_any_profile_path(tmp_path):
    """``--population PATH`` is the user's own choice: any readable file."""
    elsewhere = tmp_path / "a" / "b"
    elsewhere.mkdir(parents=True)
    (elsewhere / "people.toml").write_text(URBAN, encoding="utf-8")
    out = tmp_path / "out"
    code = main(
        [
            "run",
            "baseline",
            "--residents",
            "200",
            "--days",
            "2",
            "--population",
            str(elsewhere / "people.toml"),
            "--out",
            str(out),
        ]
    )
    assert code == 0 and (out / "summary.json").exists()


# ------------------------------------------------------------------ 9. names from files
def test_an_institution_key_that_is_markup_is_refused_at_load(tmp_path):
    p = child(
        tmp_path,
        '[institutions."<img src=x onerror=alert(3)>"]\nactor = "residents_committee"\n'
        'level = "grid"\n',
    )
    err = one_line_error(load_scenario, p, "institutions.<img src=x onerror=alert(3)>")
    assert "letters, digits" in err.message


def test_a_scenario_file_name_that_is_markup_is_refused_at_load(tmp_path, capsys):
    p = tmp_path / "q'><svg onload=alert(4)>.toml"
    p.write_text('extends = "baseline"\n', encoding="utf-8")
    err = one_line_error(load_scenario, p, "(file name)")
    assert "letters, digits" in err.message
    out = tmp_path / "out"
    line = cli_error(capsys, ["run", str(p), "--days", "2", "--out", str(out)])
    assert str(p) in line and not out.exists()


def test_a_name_in_another_script_is_a_valid_name(tmp_path):
    p = tmp_path / "我的方案.toml"
    p.write_text('extends = "baseline"\n', encoding="utf-8")
    assert load_scenario(p).key == "我的方案"


# ------------------------------------------------------------------ 8. file permissions
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_respect_the_umask(tmp_path, umask, mode):
    from govsim.results.atomic import atomic_write, write_json

    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "a.txt", lambda tmp: tmp.write_text("x", encoding="utf-8"))
        write_json(tmp_path / "b.json", {"a": 1})
    finally:
        os.umask(old)
    for name in ("a.txt", "b.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.json"]  # no temp left


# ------------------------------------------------------------------ 2. arguments
@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["run", "baseline", "--residents", "abc"],
            "govsim run: error: argument --residents: expected an integer from 1 to 5,000,000, "
            "got 'abc' (memory: about 1.2 kB a resident-year)",
        ),
        (
            ["run", "baseline", "--residents", "3000000000"],
            "govsim run: error: argument --residents: expected an integer from 1 to 5,000,000, "
            "got '3000000000' (memory: about 1.2 kB a resident-year)",
        ),
        (
            ["compare", "--days", "100000"],
            "govsim compare: error: argument --days: expected an integer from 1 to 3,650 "
            "(ten years), got '100000'",
        ),
        (
            ["run", "baseline", "--days", "0"],
            "govsim run: error: argument --days: expected an integer from 1 to 3,650 "
            "(ten years), got '0'",
        ),
        (
            ["run", "baseline", "--seed", "-1"],
            "govsim run: error: argument --seed: expected an integer from 0 to 2,147,483,648, got '-1'",
        ),
        (
            ["compare", "--replicates", "two"],
            "govsim compare: error: argument --replicates: expected a positive integer, got 'two'",
        ),
        (
            ["calibrate", "--residents", "1e6"],
            "govsim calibrate: error: argument --residents: expected an integer from 1 to "
            "5,000,000, got '1e6' (memory: about 1.2 kB a resident-year)",
        ),
    ],
)
def test_bad_arguments_name_the_argument_and_the_allowed_range(tmp_path, capsys, argv, line):
    with pytest.raises(SystemExit) as info:
        main([*argv, "--out", str(tmp_path / "out")] if argv[0] != "calibrate" else argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == line
    assert "_positive" not in err and "_residents" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ 7. calibrate --apply
def unconverged_fit():
    from govsim.experiments.calibrate import ERRAND_LIMIT_DAYS, TARGETS, TURNOUT_TARGET, Fit

    return Fit(
        admin_hours_per_task=250.0,
        election_logit=-2.0,
        founding_per_1k_active_year=0.5,
        turnout_by_seed=[0.40, 0.41],
        iterations=[(-2.0, 0.405)],
        time_iterations=[(1.0, 33.2)],
        figures={k: target for k, (target, _) in TARGETS.items()},
        settings={"scenario": "ref", "population": "pop", "residents": 500, "seeds": [0, 1]},
        fitted={
            "admin_time_share": (0.8, 0.8, 0.005),
            "errand_p90_district_days": (33.2, ERRAND_LIMIT_DAYS, 0.5),
            "election_turnout": (0.405, TURNOUT_TARGET, 0.004),
        },
    )


@pytest.fixture
def fake_calibration(monkeypatch):
    """``calibrate`` returns a prepared fit at once; the apply functions only record."""
    import govsim.experiments.calibrate as cal

    state = {"fit": unconverged_fit(), "applied": [], "calibrated": 0}

    def calibrate(**kw):
        state["calibrated"] += 1
        return state["fit"]

    monkeypatch.setattr(cal, "calibrate", calibrate)
    monkeypatch.setattr(
        cal,
        "write_calibrated",
        lambda fit, path=cal.CALIBRATED: state["applied"].append(path) or path,
    )
    return state


def test_calibrate_apply_refuses_an_unconverged_fit(tmp_path, capsys, fake_calibration):
    files = [POPULATION_DIR / "urban.toml", *sorted(SCENARIO_DIR.glob("*.toml"))]
    before = {f: f.read_bytes() for f in files}
    report = tmp_path / "calibration.md"
    line = cli_error_prefixed(capsys, ["calibrate", "--apply", "--report", str(report)])
    assert line.startswith("govsim calibrate: error: the fit did not reach its tolerance")
    assert "errand_p90_district_days = 33.2, target 30: missed by 3.2 (tolerance 0.5)" in line
    assert "election_turnout = 0.405, target 0.4789: missed by 0.0739" in line
    assert "admin_time_share" not in line  # within its tolerance
    assert fake_calibration["applied"] == []
    assert {f: f.read_bytes() for f in files} == before
    # nothing is lost: the report is written, and says why nothing was applied
    assert "did not reach its tolerance" in report.read_text(encoding="utf-8")


def test_calibrate_apply_writes_a_converged_fit_into_the_calibrated_file(
    tmp_path, capsys, fake_calibration
):
    from govsim.config.reading import CALIBRATED

    fit = fake_calibration["fit"]
    fit.fitted = {k: (t, t, tol) for k, (_, t, tol) in fit.fitted.items()}
    assert main(["calibrate", "--apply", "--report", str(tmp_path / "c.md")]) == 0
    assert fake_calibration["applied"] == [CALIBRATED]
    assert CALIBRATED.parent == SCENARIO_DIR
    assert f"wrote the fitted values into {CALIBRATED}" in capsys.readouterr().out


def test_calibrate_apply_refuses_a_reference_that_does_not_read_the_calibrated_file(
    tmp_path, capsys, monkeypatch, fake_calibration
):
    """Before any work: a fitted value the reference gives itself would not follow the fit."""
    import govsim.experiments.calibrate as cal

    text = (SCENARIO_DIR / "baseline.toml").read_text(encoding="utf-8")
    line = 'relay_delay_h = { same_as = "calibrated:baseline.institutions.rc.relay_delay_h" }'
    assert text.count(line) == 1
    copy = tmp_path / "baseline.toml"
    copy.write_text(text.replace(line, "relay_delay_h = 8.8"), encoding="utf-8")
    monkeypatch.setattr(cal, "_reference", lambda scenario: load_scenario(copy))
    report = tmp_path / "c.md"
    line = cli_error_prefixed(capsys, ["calibrate", "--apply", "--report", str(report)])
    assert line.startswith(
        f"govsim calibrate: error: {copy}: key 'institutions.rc.relay_delay_h': the fit owns "
        "this value: take it from calibrated.toml"
    )
    assert fake_calibration["calibrated"] == 0 and fake_calibration["applied"] == []
    assert not report.exists()


def test_calibrate_report_defaults_to_the_repository_docs_only(
    tmp_path, capsys, monkeypatch, fake_calibration
):
    import govsim.experiments.calibrate as cal

    repo = Path(cal.__file__).resolve().parent.parent.parent
    assert cal.default_report() == repo / "docs" / "calibration.md"
    monkeypatch.setattr(cal, "default_report", lambda: None)
    monkeypatch.chdir(tmp_path)
    line = cli_error_prefixed(capsys, ["calibrate"])
    assert line == (
        "govsim calibrate: error: argument --report: required when govsim does not run from "
        "its repository (no docs/ beside the package)"
    )
    assert list(tmp_path.iterdir()) == []  # nothing written in the working directory


def cli_error_prefixed(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


# ------------------------------------------------------------------ 9. the HTML report
@pytest.fixture(scope="module")
def one_run(tmp_path_factory):
    """A small run's outputs (``govsim run``), copied by each test that alters them."""
    out = tmp_path_factory.mktemp("run") / "baseline"
    assert main(["run", "baseline", "--residents", "500", "--days", "30", "--out", str(out)]) == 0
    return out


def altered(one_run: Path, tmp_path: Path, summary=None, scenario=None) -> Path:
    """A copy of the run (``tmp_path/results/run``) with its JSON files changed."""
    d = tmp_path / "results" / "run"
    shutil.copytree(one_run, d)
    for name, change in (("summary.json", summary), ("scenario.json", scenario)):
        if change:
            data = json.loads((d / name).read_text(encoding="utf-8"))
            change(data)
            (d / name).write_text(json.dumps(data), encoding="utf-8")
    rerecord(d)
    return d


class Markup(HTMLParser):
    """The tags and attribute names of a page."""

    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs |= {a for a, _ in attrs}


@pytest.mark.slow
def test_report_escapes_every_text_from_the_files(one_run, tmp_path):
    evil = "<img src=x onerror=alert(3)>"

    def summary(s):
        s["scenario_name_en"] = "<script>alert(1)</script>"
        s["population"] = "<svg onload=alert(2)>"

    def scenario(sc):
        sc["scenario"]["description_en"] = "<iframe src=javascript:alert(6)>"
        sc["scenario"]["seeds"] = ["<b onmouseover=alert(7)>seed</b>"]
        sc["institutions"][evil] = dict(sc["institutions"]["rc"], name_en=evil)  # shown by name
        sc["sources"][f"institutions.{evil}.staff"] = "<script>alert(5)</script>"

    results = altered(one_run, tmp_path, summary, scenario)
    out = tmp_path / "report.html"
    assert main(["report", str(results), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    parsed = Markup()
    parsed.feed(page)
    assert not parsed.tags & {"script", "svg", "iframe"}, parsed.tags
    assert not [a for a in parsed.attrs if a.startswith("on")], parsed.attrs
    for text in (evil, "<script>alert(1)</script>", "<svg onload=alert(2)>"):
        assert html.escape(text) in page, text
    assert html.escape("<script>alert(5)</script>") in page


@pytest.mark.parametrize("key", ["../../../x", "q'><svg onload=alert(4)>", "a/b"])
def test_report_refuses_a_structure_key_that_is_not_a_name(one_run, tmp_path, capsys, key):
    run = altered(one_run, tmp_path, summary=lambda s: s.update(structure=key))
    files = sorted(p.name for p in run.iterdir())
    line = cli_error_prefixed(capsys, ["report", str(run)])
    summary = run / "summary.json"
    assert line.startswith(f"govsim: error: {summary}: key 'structure': {key!r} is not")
    assert "letters, digits" in line
    # nothing written: no figures, no report, nothing beside or above the results
    assert sorted(p.name for p in run.iterdir()) == files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    assert sorted(p.name for p in run.parent.iterdir()) == ["run"]


def test_a_table_by_age_group_must_give_every_group(tmp_path):
    p = child(tmp_path, "[initial]\npropensity_beta = {}\n", parent="urban")
    err = one_line_error(load_population, p, "initial.propensity_beta")
    assert "every age group (child, working_age, elderly)" in err.message


# ------------------------------------------------------------------ meeting cycles
@pytest.mark.parametrize(
    ("body", "key", "says"),
    [
        (
            'remove = ["institutions.rc.sessions_per_year"]\n',
            "institutions.rc.sessions_per_year",
            "needs its documented cycle",
        ),
        (
            'remove = ["institutions.rc.self_governance"]\n',
            "institutions.rc.sessions_per_year",
            "needs self_governance",
        ),
        (
            "[institutions.rc]\n"
            "self_governance = { activity = 0.5, deliberation = 0.0, visits = 0.3 }\n",
            "institutions.rc.self_governance.deliberation",
            "a share of spare hours > 0",
        ),
    ],
)
def test_a_body_with_self_governance_declares_a_cycle_it_can_prepare(tmp_path, body, key, says):
    err = one_line_error(load_scenario, child(tmp_path, body), key)
    assert says in err.message, err.message


@pytest.mark.parametrize("kind", ["link", "directory"])
def test_a_lock_that_is_not_govsims_own_file_is_refused_and_left_alone(tmp_path, capsys, kind):
    """A `.lock` that is a symbolic link (to a file govsim did not write) or not a regular
    file: one line naming the directory, before any run; the link's target is untouched."""
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    if kind == "link":
        (out / ".lock").symlink_to(victim)
    else:
        (out / ".lock").mkdir()
    code = main(["compare", "baseline", "--residents", "300", "--days", "3", "--out", str(out)])
    err = capsys.readouterr().err
    assert code != 0
    assert ".lock" in err and str(out) in err and len(err.strip().splitlines()) == 1
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert not (out / "runs").exists()  # nothing ran


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "baseline", "--seed", "18446744073709551621"], "--seed"),
        (["compare", "baseline", "--seed", "-1"], "--seed"),
        (["compare", "baseline", "--workers", str((os.cpu_count() or 1) + 1)], "--workers"),
    ],
)
def test_seeds_and_workers_out_of_range_are_refused_before_any_run(tmp_path, capsys, args, says):
    """A seed beyond what a run's files can hold (experiment files cap it at 2³¹), or more
    worker processes than the machine has cores: one line naming the argument and what is
    allowed, before anything is written."""
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as e:
        main([*args, "--out", str(out)])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert says in err and "expected an integer from" in err
    assert not out.exists()


@pytest.mark.slow
def test_a_dollar_in_a_name_is_drawn_as_written(tmp_path):
    """Names come from files: "$" is a character in every chart, never matplotlib's
    mathematics (an unknown command used to fail the report after the batch)."""
    sc = tmp_path / "dollars.toml"
    sc.write_text(
        'extends = "baseline"\n[scenario]\n'
        'name_zh = "居委会 $\\\\notacommand$"\nname_en = "Costs: $5 vs $8"\n',
        encoding="utf-8",
    )
    out = tmp_path / "cmp"
    args = ["compare", str(sc), "--residents", "300", "--days", "35", "--replicates", "2"]
    assert main([*args, "--workers", "1", "--out", str(out)]) == 0
    # the Chinese name holds an unknown command: mathematics would fail to draw it
    for lang in ("zh", "en"):
        assert main(["report", str(out), "--lang", lang]) == 0
    page = (out / "report_en.html").read_text(encoding="utf-8")
    assert "Costs: $5 vs $8" in html.unescape(page)


@pytest.mark.parametrize(
    ("variant", "key", "loaded", "loaded_key", "says"),
    [
        (  # a typo in a scenario key the variant changes
            'scenario = { "institutions.rc.admin_taks" = 5 }',
            "variants.fewer.scenario",
            "baseline.toml",
            "institutions.rc.admin_taks",
            "unknown key; allowed here:",
        ),
        (  # a value out of its range
            'scenario = { "institutions.rc.admin_tasks" = -5 }',
            "variants.fewer.scenario",
            "baseline.toml",
            "institutions.rc.admin_tasks",
            "from 0 to",
        ),
        (  # a typo in a population key
            'population = { "behaviour.peer" = 0.5 }',
            "variants.fewer.population",
            "urban.toml",
            "behaviour.peer",
            "unknown key",
        ),
        (  # a removal that leaves another key of the file pointing at nothing
            'remove = ["institutions.street"]',
            "variants.fewer",
            "baseline.toml",
            "institutions.rc.forwards_to",
            "unknown institution 'street'",
        ),
    ],
)
def test_a_variant_error_names_the_experiment_file_first(
    tmp_path, capsys, variant, key, loaded, loaded_key, says
):
    """The file the researcher wrote comes first, with the variant's key; then the file the
    change was made to, with its key; then what is wrong."""
    exp = tmp_path / "mine.toml"
    exp.write_text(
        f'[experiment]\nstructures = ["baseline"]\n[variants.fewer]\n{variant}\n', encoding="utf-8"
    )
    err = cli_error(capsys, ["batch", str(exp), "--out", str(tmp_path / "out"), "--dry-run"])
    first = f"govsim: error: {exp}: key '{key}': "
    assert err.startswith(first), err
    loaded_file, _, rest = err.removeprefix(first).partition(": key ")
    assert Path(loaded_file).name == loaded, err
    assert rest.startswith(f"'{loaded_key}': ") and says in rest, err
    assert not (tmp_path / "out").exists()
