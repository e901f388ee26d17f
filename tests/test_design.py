"""govsim design: goals files, the search (paired, resumable), the ε-front, the outputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from govsim.config.reading import ScenarioError
from govsim.design import front as fr
from govsim.design.goals import load_goals, with_settings
from govsim.design.search import EVALUATIONS, START, candidate_name, search
from govsim.results.store import OutputError

SMALL = """\
[design]
name_zh = "测试"
name_en = "test"
structure = "baseline"
residents = 300
days = 40
replicates = 1

[search]
generations = {generations}
candidates = 4
seed = 3

[levers]
points = {{}}
rc_staff = {{ low = 8, high = 20 }}
admin_tasks = {{ choices = [5, 20, 85] }}

[[goals]]
outcome = "handling_time_median_days"
at_most = {bound}

[[objectives]]
outcome = "cost_per_resident_yuan"

[[objectives]]
outcome = "participation_mean"
"""


def _goals(tmp_path, name="small", generations=1, bound=30, text=None):
    p = tmp_path / f"{name}.toml"
    p.write_text(text or SMALL.format(generations=generations, bound=bound), encoding="utf-8")
    return load_goals(p)


# ---------------------------------------------------------------- goals files
@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (("points = {}", "pointz = {}"), "levers.pointz", "no lever 'pointz'"),
        (("points = {}", "grid_workers = { low = 1, high = 2 }"), "levers.grid_workers", "switch"),
        (("low = 8, high = 20", "low = 8, high = 400"), "levers.rc_staff", "moves from"),
        (("choices = [5, 20, 85]", "choices = [5, 2.5]"), "levers.admin_tasks.choices", "whole"),
        (("at_most = 30", "at_most = 30\nat_least = 1"), "goals.0", "one of them"),
        (
            ('outcome = "participation_mean"', 'outcome = "participation"'),
            "objectives[1].outcome",
            "no outcome column",
        ),
        (
            ('outcome = "participation_mean"', 'outcome = "queue_length"'),
            "objectives[1].sense",
            "min",
        ),
        (("seed = 3", "seed = 3\ncandidate = 5"), "search.candidate", "unknown key"),
        (('structure = "baseline"', 'structure = "nowhere"'), "design.structure", "nowhere"),
    ],
)
def test_a_bad_goals_file_is_one_error_naming_file_and_key(tmp_path, change, key, words):
    text = SMALL.format(generations=1, bound=30).replace(*change)
    with pytest.raises(ScenarioError) as e:
        _goals(tmp_path, text=text)
    assert e.value.key == key, e.value
    assert words in str(e.value)
    assert e.value.file.endswith("small.toml")


def test_a_lever_the_starting_structure_lacks_is_refused(tmp_path):
    # Chengdong has no street level between the community and the district to remove
    text = SMALL.format(generations=1, bound=30)
    text = text.replace('structure = "baseline"', 'structure = "chengdong"')
    text = text.replace("points = {}", "no_street = {}")
    with pytest.raises(ScenarioError, match="chengdong") as e:
        _goals(tmp_path, text=text)
    assert e.value.key == "levers.no_street"


def test_goals_and_experiment_files_are_told_apart():
    from govsim.experiments.experiment import load_experiment

    with pytest.raises(ScenarioError, match="govsim design"):
        load_experiment("design_week")
    with pytest.raises(ScenarioError, match="govsim batch"):
        load_goals("ablations")
    g = load_goals("design_week")  # the shipped example
    assert g.design.structure == "baseline"
    assert {t.outcome for t in g.goals} == {"handling_time_median_days", "participation_mean"}


def test_command_line_sizes_are_checked_like_the_files(tmp_path):
    g = _goals(tmp_path)
    assert with_settings(g, residents=500).design.residents == 500
    with pytest.raises(ScenarioError) as e:
        with_settings(g, residents=5)
    assert e.value.key == "--residents"


# ---------------------------------------------------------------- the front
def test_the_epsilon_front_keeps_one_design_per_box_and_drops_dominated_boxes():
    eps = np.array([10.0, 0.01])
    f = np.array(
        [
            [104.0, -0.305],  # box (10, -31), farther from the box's best corner (100, -0.31)
            [101.0, -0.309],  # the same box, nearer its best corner: kept instead of row 0
            [150.0, -0.40],  # dearer, more participation: a trade-off, kept
            [160.0, -0.20],  # dearer and less participation: a dominated box
        ]
    )
    assert fr.epsilon_front(f, eps) == [1, 2]
    # a box dominated by another box goes even when its design is not dominated by a design
    g = np.array([[100.0, -0.30], [109.0, -0.295]])  # boxes (10, -30) and (10, -30): one
    assert fr.epsilon_front(g, eps) == [0]


# ---------------------------------------------------------------- the search
def _table(out):
    return pd.read_parquet(out / EVALUATIONS)


def test_a_search_evaluates_paired_candidates_and_replays_from_its_record(tmp_path):
    g = _goals(tmp_path)
    out = tmp_path / "d"
    rep = search(g, out, progress=False)
    table = _table(out)
    assert table["name"].iloc[0] == START  # the starting structure, as its file has it
    assert table["name"].is_unique
    assert rep.evaluated == len(table) - 1
    # each row is the design its levers make, named by them
    for _, r in table.iterrows():
        if r["name"] != START:
            import json

            assert r["name"] == candidate_name(json.loads(r["levers_json"]))
    # the same command again runs nothing and leaves the same record
    again = search(g, out, progress=False)
    assert again.evaluated == 0
    pd.testing.assert_frame_equal(_table(out), table)


def test_a_killed_search_goes_on_to_the_same_front(tmp_path, monkeypatch):
    import govsim.experiments.batch as batch

    g = _goals(tmp_path, generations=2)
    whole = tmp_path / "whole"
    search(g, whole, progress=False)

    real, calls = batch.run_batch, []

    def killed_in_the_second_generation(exp, out, **kw):
        calls.append(out)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(exp, out, **kw)

    cut = tmp_path / "cut"
    monkeypatch.setattr(batch, "run_batch", killed_in_the_second_generation)
    with pytest.raises(KeyboardInterrupt):
        search(g, cut, progress=False)
    monkeypatch.setattr(batch, "run_batch", real)
    assert len(_table(cut)) < len(_table(whole))  # stopped part way
    again = search(g, cut, progress=False)
    assert again.reused > 0  # what the first start evaluated is taken, not run again
    pd.testing.assert_frame_equal(_table(cut), _table(whole))
    ev = _table(whole).assign(levers=lambda t: t["levers_json"].map(__import__("json").loads))
    assert list(fr.front(g, ev)["name"]) == list(
        fr.front(g, _table(cut).assign(levers=ev["levers"]))["name"]
    )


def test_a_directory_of_another_search_is_refused_before_any_run(tmp_path):
    out = tmp_path / "d"
    search(_goals(tmp_path, generations=0), out, progress=False)
    other = _goals(tmp_path, name="other", generations=0, bound=20)
    with pytest.raises(OutputError, match="another design search"):
        search(other, out, progress=False)
    search(other, out, force=True, progress=False)  # --force: starts this one there


def test_a_goal_no_design_meets_leaves_the_closest_designs_marked_as_missing_it(tmp_path):
    g = _goals(tmp_path, generations=0, bound=0.01)  # answered within a quarter hour
    out = tmp_path / "d"
    rep = search(g, out, progress=False)
    front = fr.front(g, rep.evaluations)
    assert len(front) and not front["met"].any()


def test_a_robust_search_reads_each_design_at_the_worst_tenth_of_the_contested_settings(
    tmp_path,
):
    text = SMALL.format(generations=0, bound=30).replace(
        "seed = 3", "seed = 3\nrobust = true\nsettings = 3"
    )
    g = _goals(tmp_path, text=text)
    out = tmp_path / "d"
    search(g, out, progress=False)
    table = _table(out)
    assert table["settings_met"].between(0, 1).all()
    # each design ran at every setting: the starting structure's cost at the worst tenth is
    # the 90th percentile of its cost over the settings
    runs = pd.read_csv(out / "generations" / "g000" / "runs.csv")
    start = runs[runs["variant"].str.startswith(f"{START}_s")]
    per = start.groupby("variant")["cost_per_resident_yuan"].mean()
    assert len(per) == 3
    expected = np.quantile(per.to_numpy(), 0.9)
    got = table.set_index("name").loc[START, "cost_per_resident_yuan"]
    assert got == pytest.approx(expected)
    part = start.groupby("variant")["participation_mean"].mean()  # higher is better: 10th
    got = table.set_index("name").loc[START, "participation_mean"]
    assert got == pytest.approx(np.quantile(part.to_numpy(), 0.1))


def test_the_same_search_on_a_dask_cluster_finds_the_same_designs(tmp_path):
    g = _goals(tmp_path, generations=1)
    search(g, tmp_path / "local", workers=2, progress=False)
    search(g, tmp_path / "dask", workers=2, executor="dask", progress=False)
    pd.testing.assert_frame_equal(_table(tmp_path / "local"), _table(tmp_path / "dask"))


# ---------------------------------------------------------------- what a search leaves
@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A small finished search, with its files, charts and built-in structures."""
    from govsim.design.outputs import run_design

    tmp = tmp_path_factory.mktemp("design")
    g = _goals(tmp, generations=1)
    out = tmp / "search"
    result = run_design(g, out, workers=2, progress=False)
    return g, out, result


def test_each_design_on_the_front_is_a_scenario_file_every_command_loads(finished):
    from govsim.core.levers import LEVER
    from govsim.core.load import load_scenario
    from govsim.design.outputs import design_levers
    from govsim.design.search import lever_changes

    g, out, result = finished
    front = result.front
    files = sorted((out / fr.DESIGNS).glob("*.toml"))
    assert [f.stem for f in files] == sorted(
        k for k, n in zip(front["design"], front["name"], strict=True) if n != START
    )
    start = load_scenario("baseline")
    for f in files:
        row = front.set_index("design").loc[f.stem]
        structure, levers = design_levers(f)
        assert structure == "baseline"
        # the levers it moves, each at the design's value
        assert levers and all(levers[k] == row["levers"][k] for k in levers)
        moved = {v.lever for v in g.variables if row["levers"][v.lever] != v.current}
        assert moved <= set(levers)
        sc = load_scenario(f)
        for v in g.variables:  # the structure loaded from the file has every lever as run
            lv = LEVER[v.lever]
            assert lv.current(sc, lv.target(sc)) == pytest.approx(row["levers"][v.lever])
        same = load_scenario("baseline", changes=lever_changes(g, start, row["levers"]))
        assert sc.institutions == same.institutions
        assert "design search small" in sc.sources[f"levers.{next(iter(levers))}"]


def test_a_search_places_every_built_in_structure_against_its_front(finished):
    from govsim.config.reading import list_scenarios

    _, out, result = finished
    st = pd.read_csv(out / "structures.csv")
    assert set(st["structure"]) == set(list_scenarios()) - {"calibrated", "norms"}
    assert st["met"].dtype == bool and st["behind_front"].dtype == bool
    conv = pd.read_csv(out / fr.CONVERGENCE)
    assert list(conv["generation"]) == [0, 1]
    assert conv["hypervolume"].between(0, 1).all()
    assert conv["meeting_goals"].iloc[-1] == result.evaluations["met"].sum()
    for lang in ("zh", "en"):
        assert (out / f"front_{lang}.png").stat().st_size > 10_000
        assert (out / f"front_{lang}.svg").is_file()


def test_the_report_section_names_the_goals_designs_and_structures(finished, tmp_path):
    from govsim.design.section import design_section

    g, out, result = finished
    for lang in ("zh", "en"):
        html = str(design_section(out, lang, tmp_path / "figures"))
        assert "id=design" in html
        assert ("满足目标的设计" if lang == "zh" else "Designs that meet the goals") in html
        assert ("传统四级管理" if lang == "zh" else "Traditional") in html
        assert html.count("<img") >= 2  # the front and at least one organisation chart
        assert "<script" not in html
        if lang == "zh":  # no English prose in the Chinese section
            import re

            text = re.sub(r"<[^>]+>|data:[^'\"]+", " ", html)
            assert not re.findall(r"[A-Za-z]{4,}", text), re.findall(r"[A-Za-z]{4,}", text)[:9]


def test_the_app_offers_the_designs_of_a_search(finished, monkeypatch):
    from govsim.app.page import DESIGN_ENV, designs

    _, out, result = finished
    monkeypatch.setenv(DESIGN_ENV, str(out))
    offered = designs()
    moved = [r for _, r in result.front.iterrows() if r["name"] != START]
    assert [name for name, _, _ in offered] == [r["design"] for r in moved]
    assert all(structure == "baseline" for _, structure, _ in offered)


def test_govsim_design_refuses_a_bad_goals_file_before_writing_anything(tmp_path, capsys):
    from govsim.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.format(generations=1, bound=30).replace("points", "pointz"), "utf-8")
    out = tmp_path / "out"
    assert main(["design", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "levers.pointz" in err
    assert not out.exists()


def test_a_goal_may_name_a_groups_or_a_need_types_column(tmp_path):
    text = SMALL.format(generations=0, bound=30).replace(
        'outcome = "participation_mean"', 'outcome = "vulnerable.participation_mean"'
    )
    g = _goals(tmp_path, text=text)
    assert g.objectives[1].sense == "max" and g.objectives[1].matters == pytest.approx(0.01)
    out = tmp_path / "d"
    search(g, out, progress=False)
    runs = pd.read_csv(out / "generations" / "g000" / "runs.csv")
    base = runs[runs["variant"] == "base"]["vulnerable.participation_mean"].mean()
    got = _table(out).set_index("name").loc[START, "vulnerable.participation_mean"]
    assert got == pytest.approx(base)


def test_a_candidate_that_is_no_valid_structure_is_recorded_and_the_search_goes_on(
    tmp_path, monkeypatch
):
    import govsim.design.search as ds

    g = _goals(tmp_path, generations=1)
    real = ds.lever_changes

    def no_staff_when_points(goals, sc, levers):  # a combination no file may hold
        out = real(goals, sc, levers)
        if levers["points"]:
            out["institutions.rc.staff"] = -1
        return out

    monkeypatch.setattr(ds, "lever_changes", no_staff_when_points)
    rep = search(g, tmp_path / "d", progress=False)
    t = rep.evaluations
    bad = t[[lv["points"] for lv in t["levers"]]]
    assert len(bad) and bad["failed"].all()
    assert bad["why"].str.contains("institutions.rc.staff").all()
    assert not t[[not lv["points"] for lv in t["levers"]]]["failed"].any()


def test_a_design_keeps_a_lever_another_lever_would_move(tmp_path):
    """Paid grid workers bring five visits a day: a design with grid workers and one visit
    runs with one visit, and its file says so."""
    from govsim.core.levers import LEVER
    from govsim.core.load import load_scenario
    from govsim.design.search import lever_changes, written_levers

    text = SMALL.format(generations=0, bound=30).replace(
        "points = {}", "grid_workers = {}\nvisits = {}"
    )
    g = _goals(tmp_path, text=text)
    start = load_scenario("baseline")
    levers = {v.lever: v.current for v in g.variables} | {"grid_workers": True, "visits": 1.0}
    assert levers["visits"] == next(v.current for v in g.variables if v.lever == "visits")
    sc = load_scenario("baseline", changes=lever_changes(g, start, levers))
    lv = LEVER["visits"]
    assert lv.current(sc, lv.target(sc)) == 1.0  # not the grid workers' five
    assert written_levers(g, start, levers) == {"grid_workers": True, "visits": 1.0}


def test_a_finished_search_forced_over_by_another_leaves_no_old_outputs(finished, tmp_path):
    import shutil

    from govsim.design.outputs import read_design
    from govsim.results.reading import ResultsError

    g, out, result = finished
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    mine = copy / fr.DESIGNS / "mine.toml"
    mine.write_text("# my own notes\n", encoding="utf-8")
    edited = sorted((copy / fr.DESIGNS).glob("small_*.toml"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    other = _goals(tmp_path, name="other", generations=0, bound=20)
    search(other, copy, force=True, progress=False)  # (killed before its outputs)
    for name in ("front.parquet", "structures.csv", "convergence.csv", "front_zh.png"):
        assert not (copy / name).exists(), name
    assert mine.exists() and edited.exists()  # not written by govsim, or changed since
    with pytest.raises(ResultsError, match="not a finished design search|not finished"):
        read_design(copy)


def test_loading_a_structure_with_changes_leaves_the_callers_values_alone():
    """A lever's table (paid grid workers' outreach) given as a change and then changed
    deeper by another change must stay as declared: else a process that loads designs one
    after another runs each with what the one before left."""
    from govsim.core import levers
    from govsim.core.load import load_scenario

    before = json.dumps(levers.GRID_WORKERS, sort_keys=True)
    changes = {f"institutions.heads.{k}": v for k, v in levers.GRID_WORKERS.items()}
    changes["institutions.heads.outreach.visits_per_staff_day"] = 1.0
    load_scenario("baseline", changes=changes)
    assert json.dumps(levers.GRID_WORKERS, sort_keys=True) == before


def test_a_design_whose_staff_cannot_hold_its_windows_open_is_no_design(tmp_path):
    text = (
        SMALL.format(generations=1, bound=30)
        .replace("points = {}", "rc_windows = { choices = [2, 3] }\nopen_9_21 = {}")
        .replace("low = 8, high = 20", "low = 3, high = 20")
    )
    g = _goals(tmp_path, text=text)
    rep = search(g, tmp_path / "d", progress=False)
    t = rep.evaluations
    thin = [
        lv["rc_windows"] * (84 if lv["open_9_21"] else 35) > lv["rc_staff"] * 40
        for lv in t["levers"]
    ]
    assert any(thin)  # the search proposed some
    assert (t[thin]["failed"]).all() and t[thin]["why"].str.contains("cannot hold open").all()
    assert not t[[not x for x in thin]]["failed"].any()
