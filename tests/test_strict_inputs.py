"""Strict inputs (issue 20): every output place, name and value is checked before any work,
in one line naming the argument or the file and key, and what is allowed; what is drawn
does not depend on the process (hash seed, memory addresses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import child, one_line_error

from govsim import load_scenario

LAYOUT = """
import json
from govsim import load_scenario
from govsim.presentation.charts.org_layout import layout
out = {}
for name in ("nanshan", "qingyuan", "shekou", "yunfu"):
    for lang in ("zh", "en"):
        lay = layout(load_scenario(name), lang)
        out[name + "/" + lang] = {
            "layers": lay.layers,
            "boxes": {k: [round(b.x, 6), round(b.y, 6)] for k, b in lay.boxes.items()},
            "lanes": {k: round(x, 6) for k, x in lay.lane_x.items()},
            "paths": [p.vertices.round(6).tolist() for _, p in lay.paths],
        }
print(json.dumps(out, sort_keys=True))
"""


def test_org_chart_layout_is_the_same_whatever_the_hash_seed():
    """Where every box and relay goes is the same in every process (before: ties between
    relays were broken by ``id()``, so ports moved from report to report)."""
    outs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", LAYOUT], capture_output=True, text=True, env=env, check=True
        )
        outs.append(json.loads(run.stdout))
    assert outs[0]["nanshan/en"]["paths"], "the layout has relays to compare"
    assert outs[0] == outs[1] == outs[2]


# ------------------------------------------------------------------ helpers
def scenario_file(tmp_path: Path, body: str, name: str = "bad") -> Path:
    return child(tmp_path, body, name)


def refused(load, path: Path, key: str) -> str:
    """``load(path)`` fails with one line naming the file and ``key``; its message."""
    return one_line_error(load, path, key).message


def experiment_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(body, encoding="utf-8")
    return path


# ------------------------------------------------------------------ strict values
@pytest.mark.parametrize(
    ("body", "key", "allowed"),
    [
        ("[institutions.rc]\nwindows = true\n", "institutions.rc.windows", "an integer from 0"),
        ("[institutions.rc]\nwindows = 2.0\n", "institutions.rc.windows", "an integer from 0"),
        ("[institutions.rc]\nbackup = 'yes'\n", "institutions.rc.backup", "true or false"),
        ("[institutions.rc]\nbackup = 1\n", "institutions.rc.backup", "true or false"),
        ("[institutions.rc]\nstaff = '3'\n", "institutions.rc.staff", "a finite number from 0"),
        ("[institutions.rc]\nstaff = true\n", "institutions.rc.staff", "a finite number from 0"),
        ("[scenario]\nreference = 'yes'\n", "scenario.reference", "true or false"),
    ],
)
def test_scenario_values_are_not_converted_loosely(tmp_path, body, key, allowed):
    message = refused(load_scenario, scenario_file(tmp_path, body), key)
    assert message.startswith(f"must be {allowed}"), message
    assert "got" in message


def test_a_whole_number_is_a_number_and_an_array_a_pair(tmp_path):
    """Strict is not pedantic: ``2`` where hours are declared, ``[9, 17]`` for a span."""
    path = scenario_file(
        tmp_path,
        "[institutions.street]\nrelay_delay_h = 2\n"
        '[institutions.rc]\nhours = [{ days = ["mon"], open = [[9, 17]] }]\n',
    )
    sc = load_scenario(path)
    assert sc.institutions["street"].relay_delay_h == 2.0
    assert sc.institutions["rc"].hours[0].open == [(9.0, 17.0)]


@pytest.mark.parametrize(
    ("line", "key", "allowed"),
    [
        ("residents = '25000'", "experiment.residents", "an integer from 1 to 5,000,000"),
        ("replicates = true", "experiment.replicates", "an integer from 1 to 10,000"),
        ("days = 365.0", "experiment.days", "an integer from 1 to 3,650"),
        ("seed = false", "experiment.seed", "an integer from 0 to 2,147,483,648"),
    ],
)
def test_experiment_values_are_not_converted_loosely(tmp_path, line, key, allowed):
    from govsim.experiments.experiment import load_experiment

    path = experiment_file(tmp_path, f"[experiment]\nstructures = ['baseline']\n{line}\n")
    message = refused(load_experiment, path, key)
    assert message.startswith(f"must be {allowed}"), message


def test_range_messages_state_one_range(tmp_path):
    """A key whose type says ≥ 1 and whose unit allows 0 to 10,000 is told one range, from 1
    (before: "greater than or equal to 1 …; allowed: a finite number from 0 to 10,000")."""
    message = refused(
        load_scenario,
        scenario_file(tmp_path, "[institutions.rc]\nper = 0\n"),
        "institutions.rc.per",
    )
    assert message == "must be an integer from 1 to 10,000 (units), got 0", message


# ------------------------------------------------------------------ output places
def _no_work(monkeypatch):
    """Make every kind of work fail loudly: a refusal must come before any of it."""
    import govsim.core.model as model_module
    import govsim.experiments.batch as batch_module
    import govsim.experiments.calibrate as cal
    import govsim.experiments.compare as compare_module
    import govsim.experiments.sensitivity as sensitivity_module
    import govsim.presentation.report as report_module

    def work(*a, **k):
        raise AssertionError("work started before the output place was checked")

    # the modules that bind run_batch by name are imported (above) before it is patched,
    # so none keeps the patched one after the test
    monkeypatch.setattr(model_module.GovernanceModel, "__init__", work)
    for module in (batch_module, compare_module, sensitivity_module):
        monkeypatch.setattr(module, "run_batch", work)
    monkeypatch.setattr(cal, "calibrate", work)
    monkeypatch.setattr(report_module, "build_report", work)


def _one_line(capsys, argv: list[str], argument: str) -> str:
    from govsim.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert f"argument {argument} " in err and "allowed: " in err, err
    return err


@pytest.fixture
def results_dir(tmp_path):
    """A directory that looks like results to the argument checks (no run needed)."""
    d = tmp_path / "results"
    d.mkdir()
    return d


def test_run_refuses_a_file_or_a_place_under_a_file_before_simulating(
    tmp_path, capsys, monkeypatch
):
    _no_work(monkeypatch)
    afile = tmp_path / "AFILE"
    afile.write_text("mine", encoding="utf-8")
    run = ["run", "baseline", "--residents", "25000", "--days", "365", "--out"]
    assert "is a file" in _one_line(capsys, [*run, str(afile)], "--out")
    assert "is a file" in _one_line(capsys, [*run, str(afile / "sub")], "--out")
    assert "cannot write" in _one_line(capsys, [*run, "/proc/nope/run"], "--out")
    assert afile.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("command", ["compare", "batch", "sensitivity"])
def test_batches_refuse_their_out_before_planning(tmp_path, capsys, monkeypatch, command):
    _no_work(monkeypatch)
    afile = tmp_path / "AFILE"
    afile.write_text("mine", encoding="utf-8")
    what = {"compare": ["baseline"], "batch": ["headline"], "sensitivity": ["contested"]}
    for out in (afile, afile / "sub", Path("/proc/nope/out")):
        _one_line(capsys, [command, *what[command], "--out", str(out)], "--out")


def test_report_refuses_a_directory_as_its_file_before_drawing(
    tmp_path, capsys, monkeypatch, results_dir
):
    _no_work(monkeypatch)
    existing = tmp_path / "EXISTING_DIR"
    existing.mkdir()
    err = _one_line(capsys, ["report", str(results_dir), "--out", str(existing)], "--out")
    assert "is a directory" in err
    assert not (tmp_path / "figures").exists()  # no chart drawn into the parent
    afile = tmp_path / "AFILE"
    afile.write_text("mine", encoding="utf-8")
    _one_line(capsys, ["report", str(results_dir), "--out", str(afile / "r.html")], "--out")
    # the figures go beside the report: a file named figures there is refused too
    (tmp_path / "figures").write_text("mine", encoding="utf-8")
    _one_line(capsys, ["report", str(results_dir), "--out", str(tmp_path / "r.html")], "--out")


def test_calibrate_refuses_its_report_before_the_fit(tmp_path, capsys, monkeypatch):
    from govsim.cli import main

    _no_work(monkeypatch)
    for bad in ("/proc/nope/c.md", str(tmp_path)):
        assert main(["calibrate", "--report", bad]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("govsim calibrate: error: argument --report ") and "\n" not in err


def test_params_and_robustness_check_their_out(tmp_path, capsys, results_dir):
    _one_line(capsys, ["params", "--out", str(tmp_path)], "--out")
    afile = tmp_path / "AFILE"
    afile.write_text("mine", encoding="utf-8")
    _one_line(capsys, ["robustness", str(results_dir), "--out", str(afile)], "--out")


# ------------------------------------------------------------------ names
@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ('[institutions."x.y"]\nstaff = 1\n', "institutions.x.y", "an identifier"),
        ("[institutions.a-b]\nstaff = 1\n", "institutions.a-b", "an identifier"),
        (
            f"[institutions.{'k' * 65}]\nstaff = 1\n",
            f"institutions.{'k' * 20}… (65 characters)",
            "1 to 64",
        ),
        ('[scenario]\nname_en = "a\\u0000b"\n', "scenario.name_en", "control character U+0000"),
        ('[scenario]\nname_zh = "x\\u001bx"\n', "scenario.name_zh", "control character U+001B"),
        ('[scenario]\nname_zh = "  "\n', "scenario.name_zh", "not only spaces"),
        ('[scenario]\nname_en = ""\n', "scenario.name_en", "1 to 200 characters"),
        (f'[scenario]\nname_en = "{"n" * 201}"\n', "scenario.name_en", "1 to 200 characters"),
    ],
)
def test_names_are_limited_in_length_and_characters(tmp_path, body, key, words):
    message = refused(load_scenario, scenario_file(tmp_path, body), key)
    assert words in message, message


def test_a_file_name_too_long_for_run_directories_is_refused(tmp_path):
    path = tmp_path / f"{'s' * 65}.toml"
    path.write_text('extends = "baseline"\n', encoding="utf-8")
    assert "1 to 64" in refused(load_scenario, path, "(file name)")


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ("", "experiment.structures", "the file is empty"),
        ("[experiment]\nreplicates = 1\n", "experiment.structures", "names the structures"),
        ("[experiment]\nstructures = ['']\n", "experiment.structures", "not empty"),
        (
            "[experiment]\nstructures = ['baseline']\n[variants.a-b]\n",
            "variants.a-b",
            "1 to 64 letters A–Z or a–z, digits and '_', got 'a-b'",
        ),
        (
            "[experiment]\nstructures = ['baseline']\n[variants.base]\n",
            "variants.base",
            "names the structures unchanged",
        ),
        (
            f"[experiment]\nstructures = ['baseline']\n[variants.{'v' * 1000}]\n",
            f"variants.{'v' * 20}… (1000 characters)",
            "1 to 64",
        ),
        (  # a line break at the end of a name (a directory name with a line break)
            "[experiment]\nstructures = ['baseline']\n[variants.\"abc\\n\"]\n",
            "variants.abc\\n",
            "1 to 64",
        ),
        (
            "[experiment]\nstructures = ['baseline']\nname_en = \"a\\u0001\"\n",
            "experiment.name_en",
            "control character U+0001",
        ),
        # a name in one language only: the other language's output would show the raw key
        (
            "[experiment]\nstructures = ['baseline']\n"
            "[variants.fewer_tasks]\nname_en = 'fewer tasks'\n",
            "variants.fewer_tasks.name_zh",
            "give the Chinese name too",
        ),
        (
            "[experiment]\nstructures = ['baseline']\nname_zh = '实验'\n",
            "experiment.name_en",
            "give the English name too",
        ),
        (
            "[experiment]\nstructures = ['baseline']\n[[ranges]]\nkey = 'behaviour.peers'\n"
            "factor = [0.5, 1.5]\nname_en = 'peers'\nname_zh = '  '\n",
            "ranges[0].name_zh",
            "or give neither: both languages show 'behaviour.peers'",
        ),
    ],
)
def test_experiment_names_and_an_empty_file_are_refused(tmp_path, body, key, words):
    from govsim.experiments.experiment import load_experiment

    message = refused(load_experiment, experiment_file(tmp_path, body), key)
    assert words in message, message
    assert "not 'base'" not in message


# ------------------------------------------------------------------ schedules
@pytest.mark.parametrize(
    ("body", "key", "span"),
    [
        (
            '[institutions.rc]\nhours = [{ days = ["mon"], open = [[9, 9.4]] }]\n',
            "institutions.rc.hours",
            "[9, 9.4] on mon",
        ),
        (  # 0.8 h, but less than half of either clock hour
            '[institutions.rc]\nhours = [{ days = ["mon"], open = [[9.6, 10.4], [14, 17]] }]\n',
            "institutions.rc.hours",
            "[9.6, 10.4] on mon",
        ),
        (
            'schedules.tiny = [{ days = ["tue"], open = [[8, 8.25]] }]\n'
            '[institutions.rc]\nhours = "tiny"\n',
            "schedules.tiny",
            "[8, 8.25] on tue",
        ),
    ],
)
def test_an_opening_shorter_than_the_model_counts_is_refused(tmp_path, body, key, span):
    """Residents come in whole clock hours, an hour counting as open when half of it is
    (``WeeklySchedule.hourly_mask``): a span that opens none would count staff hours while
    nobody could ever come (before: accepted, 98.4% of cases never reported)."""
    message = refused(load_scenario, scenario_file(tmp_path, body), key)
    assert span in message and "never opens to residents" in message, message


def test_spans_that_open_an_hour_are_accepted(tmp_path):
    from govsim.config.schedule import WeeklySchedule

    body = (  # half an hour; and two short spans that merge into one that covers 10:00–10:30
        '[institutions.rc]\nhours = [{ days = ["mon"], open = [[9, 9.5]] }, '
        '{ days = ["tue"], open = [[9.8, 10.2]] }, { days = ["tue"], open = [[10.2, 10.6]] }]\n'
    )
    sc = load_scenario(scenario_file(tmp_path, body))
    mask = sc.schedule_of(sc.institutions["rc"]).hourly_mask()
    assert mask[0, 9] and mask[1, 10]
    assert isinstance(sc.schedule_of(sc.institutions["rc"]), WeeklySchedule)


# ------------------------------------------------------------------ sensitivity
SOBOL_SMALL = """
[experiment]
structures = ["baseline"]
populations = ["urban"]
replicates = 1
residents = 300
days = 10
outputs = []

[[ranges]]
key = "behaviour.peers"
factor = [0.5, 1.5]
source = "assumption: a test range"

[[ranges]]
key = "behaviour.propensity"
factor = [0.6, 1.4]
source = "assumption: a test range"

[sampling]
method = "sobol"
points = 2
"""


def test_salib_warnings_are_kept_and_said_in_words_not_printed(tmp_path):
    """Too few points for SALib's estimates (the base samples all alike, only the
    resampled columns differ): no SALib or numpy warning reaches the user; the analysis
    keeps what it meant, for one note (before: ``UserWarning: Constant values encountered``
    and numpy ``RuntimeWarning``s printed by ``govsim sensitivity``)."""
    import warnings

    import numpy as np

    from govsim.experiments.experiment import load_experiment, salib_problem
    from govsim.experiments.sensitivity import _salib

    exp = load_experiment(experiment_file(tmp_path, SOBOL_SMALL))
    problem = salib_problem(exp)
    d = len(exp.ranges)
    x = np.array([[p[n] for n in problem["names"]] for p in exp.points])
    # Saltelli's rows come in blocks of d + 2: A, AB_1 … AB_d, B
    v = np.array([0.0 if 0 < i % (d + 2) <= d else 1.0 for i in range(len(exp.points))])
    v[1] = 2.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        idx, said = _salib(exp, problem, x, v)
    assert not caught, [str(w.message) for w in caught]
    assert said.startswith("constant values encountered"), said
    assert set(idx) == set(problem["names"]) and "ST" in idx[problem["names"][0]]


def test_morris_needs_two_trajectories(tmp_path):
    """One trajectory gives no spread (σ): refused before any run, not a warning after."""
    from govsim.experiments.experiment import load_experiment

    body = SOBOL_SMALL.replace('"sobol"', '"morris"').replace("points = 2", "points = 1")
    message = refused(load_experiment, experiment_file(tmp_path, body), "sampling")
    assert "at least 2 trajectories" in message


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [  # a value of the wrong shape is told the shape, at the key that has it
        (
            '[institutions.rc]\nhours = [{ days = "mon", open = [[9, 17]] }]\n',
            "institutions.rc.hours.0.days",
            "must be an array",
        ),
        ("[routing]\nwalk_in = 3\n", "routing.walk_in", "must be a table"),
        ("[institutions.rc]\nhours = 5\n", "institutions.rc.hours", "must be the name of one"),
        (
            "[institutions.rc]\nforwards_to = 5\n",
            "institutions.rc.forwards_to",
            "must be the key of one of the file's [institutions]",
        ),
    ],
)
def test_shapes_are_said_at_the_key_that_has_them(tmp_path, body, key, words):
    message = refused(load_scenario, scenario_file(tmp_path, body), key)
    assert message.startswith(words), message


def test_population_values_are_not_converted_loosely(tmp_path):
    from govsim import load_population

    path = tmp_path / "people.toml"
    path.write_text('extends = "urban"\n[behaviour]\npeers = "0.5"\n', encoding="utf-8")
    message = refused(load_population, path, "behaviour.peers")
    assert message.startswith("must be a finite number") and "got '0.5'" in message, message


def test_numbers_from_code_are_numbers_and_integer_keys_are_sampled_as_integers(tmp_path):
    """numpy's numbers given from code are numbers (np.int64(2) is the integer 2); a range
    over a key declared an integer gives whole values without ``integer = true``."""
    import numpy as np

    from govsim.experiments.experiment import load_experiment, point_changes

    sc = load_scenario(
        "baseline",
        changes={"institutions.rc.windows": np.int64(2), "institutions.rc.relay_delay_h": 3.0},
    )
    assert (sc.institutions["rc"].windows, sc.institutions["rc"].relay_delay_h) == (2, 3.0)
    body = (
        "[experiment]\nstructures = ['baseline']\n[sampling]\nmethod = 'lhs'\npoints = 4\n"
        "[[ranges]]\nkey = 'institutions.rc.windows'\nfile = 'scenario'\nstructures = ['baseline']\n"
        "low = 1\nhigh = 3\n"
        "[[ranges]]\nkey = 'institutions.rc.relay_delay_h'\nfile = 'scenario'\n"
        "structures = ['baseline']\nlow = 1\n"
        "high = 3\n"
    )
    exp = load_experiment(experiment_file(tmp_path, body))
    base = load_scenario("baseline")
    for point in exp.points:
        changes, _ = point_changes(exp, point, "baseline", base, None)
        assert type(changes["institutions.rc.windows"]) is int, changes
        assert not float(changes["institutions.rc.relay_delay_h"]).is_integer(), changes
        load_scenario("baseline", changes=changes)  # every sampled point loads


def test_robustness_checks_the_directory_it_writes_into_before_reading(capsys):
    """Without --out, govsim robustness writes into the batch's directory: one that cannot
    be written (``/proc/self``, not even by root) is refused in one line before any work."""
    from govsim.cli import main

    if not Path("/proc/self").is_dir():
        pytest.skip("no /proc on this machine")
    assert main(["robustness", "/proc/self"]) == 2
    err = capsys.readouterr().err.strip()
    assert "argument DIR /proc/self: cannot write" in err and "\n" not in err, err
