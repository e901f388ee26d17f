"""Research batches: experiment files, resume after a kill, failures recorded, foreign
directories refused, Dask equal to local, and readers that take only whole runs."""

from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import rerecord

from govsim import cli
from govsim.config.reading import ScenarioError
from govsim.experiments import batch
from govsim.experiments.experiment import (
    compare_experiment,
    load_experiment,
    resolve,
    with_sampling,
    with_settings,
)
from govsim.results import store
from govsim.results.reading import Results, ResultsError

pytestmark = pytest.mark.slow  # not in the quick tier (make check)

ROOT = Path(__file__).resolve().parents[1]


def small(structures=("baseline", "chengdong"), replicates=2, residents=600, days=20, seed=3):
    # every structure on the one urban profile: these tests are about the batch's
    # mechanics, and on one profile a structure and its before-structure make one run each
    # (on their declared profiles, chengdong's Xining people add baseline@xining)
    return compare_experiment(list(structures), residents, days, seed, replicates, "urban")


def write_experiment(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_experiments_load_and_plan(tmp_path):
    from govsim.experiments.experiment import is_goals_file

    for f in sorted((ROOT / "experiments").glob("*.toml")):
        if is_goals_file(f):  # govsim design's (tests/test_design.py)
            continue
        exp = load_experiment(f)
        runs = resolve(exp)
        assert runs, f
        # common random numbers: replicate k has seed + k in every structure and variant
        for r in runs:
            assert r.seed == exp.settings.seed + r.replicate
        # every run is paired with a run the batch makes
        keys = {r.key for r in runs}
        assert {r.reference for r in runs} <= keys, f
    abl = resolve(load_experiment("ablations"))
    refs = {r.key: r.reference for r in abl}
    assert refs["baseline--no_street"] == "baseline"  # a lever against its own structure
    no_street = next(r for r in abl if r.variant == "no_street")
    assert ("institutions.street", None) in no_street.scenario_changes


def test_a_variant_names_a_lever_and_runs_its_changes(tmp_path):
    """Experiment files and the live app share the levers of govsim.core.levers: a
    variant naming one runs the lever's changes in its structure, named and sourced by the
    lever's documented reform unless the file says otherwise."""
    from govsim.core.levers import LEVER, scenario_changes
    from govsim.core.load import load_scenario

    exp = load_experiment("ablations")
    assert {v.lever for v in exp.variants.values()} <= set(LEVER)
    sc = load_scenario("baseline")
    for name, v in exp.variants.items():
        lever = LEVER[v.lever]
        assert v.value == lever.reform.value and v.source == lever.reform.source, name
        assert (v.name_zh, v.name_en) == (lever.reform.name_zh, lever.reform.name_en)
        run = next(r for r in resolve(exp) if r.variant == name)
        assert dict(run.scenario_changes) == scenario_changes(sc, {v.lever: v.value}), name
    # another value: the lever's name and the value, no source unless the file gives one
    exp = load_experiment(
        write_experiment(
            tmp_path,
            "[experiment]\nstructures = ['baseline', 'chengdong']\nreplicates = 1\n"
            "[variants.ten]\nlever = 'admin_tasks'\nvalue = 10\n",
        )
    )
    v = exp.variants["ten"]
    assert (v.value, v.name_en, v.source) == (10, "tasks pushed down to the committee: 10", "")
    runs = [r for r in resolve(exp) if r.variant == "ten" and r.replicate == 0]
    # each structure's own committee: the lever finds it by its actor, not by its key
    assert {r.structure for r in runs} == {"baseline", "chengdong"}
    for r in runs:
        committee = next(
            k
            for k, i in r.scenario_data["institutions"].items()
            if i["actor"] == "residents_committee"
        )
        assert dict(r.scenario_changes) == {f"institutions.{committee}.admin_tasks": 10}
        assert r.scenario_data["institutions"][committee]["admin_tasks"] == 10


def test_experiment_file_errors_name_file_and_key(tmp_path):
    cases = {
        "[experiment]\nstructures = ['baseline']\nreplicates = 0\n": "experiment.replicates",
        "[experiment]\nstructures = ['baseline']\nresidents = 1e12\n": "experiment.residents",
        "[experiment]\nstructures = ['baseline', 'baseline']\n": "experiment.structures",
        "[experiment]\nstructures = ['baseline']\nbogus = 1\n": "experiment.bogus",
        "[experiment]\nstructures = ['baseline']\n[variants.x]\nstructures = ['nanshan']\n": (
            "variants.x.structures"
        ),
        "[experiment]\nstructures = ['baseline']\n[[ranges]]\nkey = 'behaviour.peers'\n"
        "low = 2\nhigh = 1\n": "ranges",
        "[experiment]\nstructures = ['baseline']\n[[ranges]]\nkey = 'institutions.rc.staff'\n"
        "file = 'scenario'\nlow = 1\nhigh = 2\n": "ranges[0].structures",
        "[experiment]\nstructures = ['baseline']\n[variants.x]\n"
        "scenario = { 'institutions.rc.windows' = -3 }\n": "institutions.rc.windows",
        # a variant that names a lever of govsim.core.levers
        "[experiment]\nstructures = ['baseline']\n[variants.x]\nlever = 'nope'\n": (
            "variants.x.lever"
        ),
        "[experiment]\nstructures = ['baseline']\n[variants.x]\nlever = 'no_street'\n"
        "remove = ['institutions.street']\n": "variants.x",
        "[experiment]\nstructures = ['baseline']\n[variants.x]\nlever = 'no_street'\n"
        "value = 3\n": "variants.x.value",
        "[experiment]\nstructures = ['baseline']\n[variants.x]\nlever = 'admin_tasks'\n"
        "value = 2.5\n": "variants.x.value",
        "[experiment]\nstructures = ['baseline']\n[variants.x]\nlever = 'rc_staff'\n": (
            "variants.x.value"  # no documented reform: the file gives the value
        ),
        "[experiment]\nstructures = ['baseline']\n[variants.x]\nvalue = 5\n": "variants.x.value",
        "[experiment]\nstructures = ['baseline']\n[variants.x]\nlever = 'points'\n"
        "value = 'yes'\n": "variants.x.value",
        # a structure without the institution the lever needs (Chengdong has no street)
        "[experiment]\nstructures = ['chengdong']\n[variants.x]\nlever = 'no_street'\n": (
            "variants.x.lever"
        ),
    }
    for text, key in cases.items():
        p = write_experiment(tmp_path, text)
        with pytest.raises(ScenarioError) as e:
            resolve(load_experiment(p))
        msg = str(e.value)
        assert key in msg and "\n" not in msg, (text, msg)
        assert str(p) in msg or "baseline.toml" in msg
    # a variant's bad value names the scenario file and the experiment's variant
    assert "variants.x" in msg and "exp.toml" in msg


def test_batch_resumes_skipping_finished_runs_and_repairing_broken_ones(tmp_path):
    exp = small()
    out = tmp_path / "b"
    rep = batch.run_batch(exp, out, progress=False)
    assert rep.complete and rep.ran == 4 and rep.skipped == 0
    first = (out / "runs.csv").read_bytes()
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("runs/**/summary.json")}
    # one run deleted, one run's daily table truncated, a leftover of a run in flight
    runs = sorted((out / "runs").glob("structure=*/*/*/replicate=*"))
    import shutil

    shutil.rmtree(runs[0])  # a baseline run
    daily = runs[2] / "daily.parquet"  # a Chengdong run
    daily.write_bytes(daily.read_bytes()[:100])
    (out / store.INFLIGHT / "deadbeef").mkdir(parents=True)
    (out / store.INFLIGHT / "deadbeef" / "needs.parquet").write_bytes(b"half")
    res = Results.load(out)
    assert len(res.unfinished) == 2  # the reader takes only whole runs …
    assert any("daily.parquet" in u for u in res.unfinished)
    rep = batch.run_batch(exp, out, progress=False)
    assert rep.skipped == 2 and rep.ran == 2 and rep.complete  # … and the batch redoes them
    assert not (out / store.INFLIGHT).exists()
    assert (out / "runs.csv").read_bytes() == first
    untouched = [p for p in stamps if p.exists() and p.stat().st_mtime_ns == stamps[p]]
    assert len(untouched) == 2
    assert Results.load(out).finished


def test_batch_refuses_another_experiments_directory_unless_forced(tmp_path, capsys):
    out = tmp_path / "b"
    batch.run_batch(small(days=20), out, progress=False)
    other = small(days=10)
    with pytest.raises(store.OutputError) as e:
        batch.run_batch(other, out, progress=False)
    assert "--force" in str(e.value) and str(out) in str(e.value)
    # the CLI says so in one line, before any work, and leaves the old results alone
    before = (out / "runs.csv").read_bytes()
    argv = ["compare", "baseline", "chengdong", "--residents", "600", "--days", "10"]
    argv += ["--seed", "3", "--replicates", "2", "--workers", "1", "--out", str(out)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("govsim: error: --out") and "\n" not in err
    assert (out / "runs.csv").read_bytes() == before
    # --force replaces them, and only them
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert cli.main([*argv, "--force"]) == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert Results.load(out).days == 10 and Results.load(out).finished


def test_out_is_checked_before_any_work(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(
        batch, "execute_safely", lambda r, c=None: calls.append(r) or ("error", "x")
    )
    f = tmp_path / "afile"
    f.write_text("x", encoding="utf-8")
    for out in (f, f / "below"):
        argv = ["compare", "baseline", "--residents", "600", "--days", "5", "--out", str(out)]
        assert cli.main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert "--out" in err and "file" in err and "\n" not in err
    # a directory this user cannot write (root writes anywhere but into /proc)
    argv = ["compare", "baseline", "--residents", "600", "--days", "5", "--out", "/proc/govsim"]
    assert cli.main(argv) == 2
    assert "cannot write" in capsys.readouterr().err
    # a directory of old results without a manifest is not mixed with a new batch
    old = tmp_path / "old"
    (old / "runs").mkdir(parents=True)
    (old / "summary.csv").write_text("scenario\n", encoding="utf-8")
    argv = ["compare", "baseline", "--residents", "600", "--days", "5", "--out", str(old)]
    assert cli.main(argv) == 2
    assert "no manifest.json" in capsys.readouterr().err
    assert calls == []  # nothing was run


def test_a_failing_run_is_recorded_and_the_batch_goes_on(tmp_path, monkeypatch):
    real = batch.execute_safely

    def flaky(run, commit=None):
        if run.structure == "chengdong" and run.replicate == 1:
            try:
                raise RuntimeError("simulated failure in a run")
            except RuntimeError:
                import traceback

                return "error", traceback.format_exc()
        return real(run, commit)

    monkeypatch.setattr(batch, "execute_safely", flaky)
    out = tmp_path / "f"
    rep = batch.run_batch(small(), out, progress=False)
    assert rep.ran == 3 and len(rep.failed) == 1 and not rep.complete
    [failure] = (out / "failures").glob("*.json")
    record = json.loads(failure.read_text(encoding="utf-8"))
    assert "simulated failure" in record["error"] and "Traceback" in record["error"]
    assert not (out / "runs.csv").exists()  # no tables from an incomplete batch
    monkeypatch.setattr(batch, "execute_safely", real)
    rep = batch.run_batch(small(), out, progress=False)
    assert rep.ran == 1 and rep.complete
    assert not list((out / "failures").glob("*.json"))


def test_one_name_per_concept_and_units_in_every_table(tmp_path):
    out = tmp_path / "n"
    batch.run_batch(small(), out, progress=False)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    ident = ["key", "structure", "variant", "population", "replicate", "seed"]
    for e in m["runs"]:
        assert set(ident) <= set(e) and "rep" not in e
        assert e["partition"].endswith(f"/replicate={e['replicate']}")
    assert m["format"] == store.FORMAT and "keys" in m["comparison"]
    assert not {"scenarios", "scenario_names"} & set(m["comparison"])
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs.columns[:6]) == ident and "scenario" not in runs and "rep" not in runs
    for name in ("summary.csv", "paired.csv"):
        t = pd.read_csv(out / name)
        assert t.columns[0] == "key" and "scenario" not in t
    # summary.csv names each run key as runs.csv does, then its replicates
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns[:5]) == [*ident[:4], "replicates"]
    first = runs.drop_duplicates("key").set_index("key")[ident[1:4]]
    pd.testing.assert_frame_equal(summary.set_index("key")[ident[1:4]], first)
    # a run's summary.json names its structure as runs.csv and the manifest do
    for e in m["runs"]:
        s = json.loads((out / "runs" / e["partition"] / "summary.json").read_text("utf-8"))
        assert s["structure"] == e["structure"] and "scenario" not in s
    # Results.table() (what charts read) names them as runs.csv does
    table = Results.load(out).table()
    assert list(table.columns[:6]) == ident and "scenario" not in table
    # every column of runs.csv in columns.csv, with its unit and names from the declarations
    book = pd.read_csv(out / "columns.csv", keep_default_na=False).set_index("column")
    assert list(book.index) == list(runs.columns)
    assert book.loc["response_time_median_h", "unit"] == "h"
    assert book.loc["response_time_median_days", "unit"] == "days"
    assert book.loc["elderly.response_time_median_days", "outcome"] == "response_time_median_h"
    assert book.loc["elderly.response_time_median_days", "group"] == "elderly"
    assert book.loc["participation_rate", "unit"] == "share"
    assert book.loc["participation_rate", "name_en"] and book.loc["participation_rate", "name_zh"]
    assert book.loc["key", "unit"] == "" and book.loc["key", "outcome"] == ""
    outcome_cols = [c for c in runs.columns if c not in ident]
    assert all(book.loc[c, "unit"] for c in outcome_cols)
    # summary.csv's days are its hours / 24, intervals too
    for c in ("response_time_median", "response_time_median_ci_low"):
        days = c.replace("response_time_median", "response_time_median_days")
        hours = c.replace("response_time_median", "response_time_median_h")
        assert summary[days].to_numpy() == pytest.approx(summary[hours].to_numpy() / 24)


def test_a_batch_of_the_earlier_layout_is_read_but_not_gone_on_with(tmp_path):
    from govsim.results.run_files import _parquet_bytes

    out = tmp_path / "old"
    batch.run_batch(small(), out, progress=False)
    # as earlier versions wrote it: run directories rep=K, a column ``rep`` in every table,
    # the structure named ``scenario`` in summary.json, no format in the manifest
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    del m["format"]
    m["comparison"]["scenarios"] = m["comparison"].pop("keys")
    for e in m["runs"]:
        new = out / "runs" / e["partition"]
        e["partition"] = e["partition"].replace("/replicate=", "/rep=")
        e["rep"] = e.pop("replicate")
        files = {p.name: p.read_bytes() for p in new.iterdir()}
        for name in [n for n in files if n.endswith(".parquet")]:
            frame = pd.read_parquet(new / name).rename(columns={"replicate": "rep"})
            files[name] = _parquet_bytes(frame)
        summary = json.loads(files["summary.json"])
        summary = {("scenario" if k == "structure" else k): v for k, v in summary.items()}
        files["summary.json"] = json.dumps(summary).encode("utf-8")
        files[store.RUN_RECORD] = store.content_record(files)
        old = out / "runs" / e["partition"]
        old.mkdir()
        for name, data in files.items():
            (old / name).write_bytes(data)
        import shutil

        shutil.rmtree(new)
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    # read as it is: every run whole, the replicate named ``replicate``
    res = Results.load(out)
    assert res.finished and len(res.table()) == 4
    assert "replicate" in res.table() and "rep" not in res.table()
    assert sorted(res.table()["replicate"]) == [0, 0, 1, 1]
    assert res.order == m["comparison"]["scenarios"]
    assert {(r.key, r.structure) for v in res.runs.values() for r in v} == {
        (e["key"], e["structure"]) for e in m["runs"]
    }
    # but not gone on with (that would mix rep= and replicate= in one directory): one line
    with pytest.raises(store.OutputError, match=r"earlier govsim version.*rep=.*--force") as e:
        batch.run_batch(small(), out, progress=False)
    assert "\n" not in str(e.value)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    # with --force it is run again in place, in the names of this version only
    rep = batch.run_batch(small(), out, force=True, progress=False)
    assert rep.complete and rep.ran == 4
    assert not list((out / "runs").glob("*/*/*/rep=*"))
    assert len(list((out / "runs").glob("*/*/*/replicate=*"))) == 4
    assert Results.load(out).finished


def test_a_batch_naming_the_structure_scenario_is_read_but_not_gone_on_with(tmp_path):
    # the version before: replicate= directories, but a run's summary.json named its
    # structure ``scenario`` and the manifest had no format
    out = tmp_path / "v1"
    batch.run_batch(small(), out, progress=False)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    del m["format"]
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    for e in m["runs"]:
        d = out / "runs" / e["partition"]
        files = {p.name: p.read_bytes() for p in d.iterdir()}
        summary = json.loads(files["summary.json"])
        summary["scenario"] = summary.pop("structure")
        files["summary.json"] = json.dumps(summary).encode("utf-8")
        files[store.RUN_RECORD] = store.content_record(files)
        for name in ("summary.json", store.RUN_RECORD):
            (d / name).write_bytes(files[name])
    res = Results.load(out)  # read correctly: the structure under its name now
    assert res.finished
    assert {(r.key, r.structure) for v in res.runs.values() for r in v} == {
        (e["key"], e["structure"]) for e in m["runs"]
    }
    with pytest.raises(store.OutputError, match=r"earlier govsim version.*format 1.*--force"):
        batch.run_batch(small(), out, progress=False)
    rep = batch.run_batch(small(), out, force=True, progress=False)
    assert rep.complete and rep.ran == 4
    assert json.loads((out / "manifest.json").read_text("utf-8"))["format"] == store.FORMAT


def test_hive_layout_reads_with_one_glob(tmp_path):
    out = tmp_path / "h"
    batch.run_batch(small(), out, progress=False)
    import pyarrow.dataset as ds

    for name, per_run in (("outcomes", 1), ("daily", 20)):
        files = sorted(glob.glob(str(out / "runs" / "*" / "*" / "*" / "*" / f"{name}.parquet")))
        t = ds.dataset(files, format="parquet").to_table().to_pandas()
        assert len(t) == 4 * per_run
        # one name per concept: the replicate is ``replicate`` in the directory names, inside
        # the files, in the manifest and in runs.csv
        assert list(t.columns[:4]) == ["structure", "variant", "population", "replicate"]
        for f in files:  # the columns inside the files match the directory names
            part = dict(p.split("=") for p in Path(f).parent.relative_to(out / "runs").parts)
            row = pd.read_parquet(f).iloc[0]
            assert {k: str(row[k]) for k in part} == part
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["config_hash"] and m["govsim_version"] and len(m["runs"]) == 4
    assert m["config"]["settings"]["seed"] == 3
    assert m["git_commit"] is None or len(m["git_commit"]) >= 40
    # files respect the umask: the tables, the manifest and every run's files
    mask = os.umask(0)
    os.umask(mask)
    files = [out / "runs.csv", out / "manifest.json", *out.glob("runs/*/*/*/*/*")]
    assert {f.stat().st_mode & 0o777 for f in files} == {0o666 & ~mask}


def test_variants_and_sampled_points_are_paired_on_common_random_numbers(tmp_path):
    p = write_experiment(
        tmp_path,
        """
[experiment]
structures = ["baseline"]
replicates = 1
residents = 600
days = 15
outputs = ["needs"]

[variants.more_windows]
name_zh = "两个窗口"
name_en = "two windows"
scenario = { "institutions.rc.windows" = 2 }
""",
    )
    out = tmp_path / "v"
    assert batch.run_batch(load_experiment(p), out, progress=False).complete
    res = Results.load(out)
    assert res.order == ["baseline", "baseline--more_windows"]
    assert res.name("baseline--more_windows", "en").endswith("(two windows)")
    assert res.name("baseline--more_windows", "zh").endswith("（两个窗口）")
    assert res.reference_of("baseline--more_windows") == "baseline"
    a, b = (res.needs(k, ["type", "resident", "t_arose_h"]) for k in res.order)
    pd.testing.assert_frame_equal(a, b)  # the same residents and needs
    used = res.first("baseline--more_windows").scenario()
    assert used.institutions["rc"].windows == 2
    # sampled points: a grid over one range
    p2 = write_experiment(
        tmp_path,
        """
[experiment]
structures = ["baseline"]
replicates = 1
[[ranges]]
key = "behaviour.peers"
factor = [0.5, 1.5]
[sampling]
method = "grid"
points = 3
""",
        "grid.toml",
    )
    runs = resolve(load_experiment(p2))
    peers = [dict(r.population_changes).get("behaviour.peers") for r in runs]
    assert peers == [None, 1.0, 2.0, 3.0]  # the file's 2.0 times 0.5, 1.0, 1.5


def test_sensitivity_runs_end_to_end(tmp_path, capsys):
    out = tmp_path / "s"
    argv = ["sensitivity", "screen", "--residents", "500", "--days", "20", "--points", "2"]
    argv += ["--workers", "2", "--out", str(out)]
    assert cli.main(argv) == 0
    idx = pd.read_parquet(out / "sensitivity.parquet")
    exp = with_sampling(load_experiment("screen"), "morris", 2)
    assert set(idx["parameter"]) == {r.name for r in exp.ranges}
    assert set(idx["target"]) == {"level", "difference"}
    assert {"mu_star", "sigma", "relative", "of_value"} <= set(idx.columns)
    # Chengdong's committee staff moves only Chengdong: every other structure's level
    # outcomes do not depend on it at all
    staff = idx[(idx["parameter"] == "scenario.institutions.rc.staff[chengdong]")]
    level = staff[staff["target"] == "level"]
    assert (level[level["structure"] != "chengdong"]["mu_star"] == 0).all()
    assert level[level["structure"] == "chengdong"]["mu_star"].max() > 0
    robust = pd.read_csv(out / "robustness.csv")
    assert robust["same_sign_share"].dropna().between(0, 1).all()
    assert (out / "sensitivity_zh.png").stat().st_size > 20_000
    assert "chengdong − reference" in capsys.readouterr().out
    # the comparison's report says what its conclusions hinge on, and that it is unfinished
    from govsim.presentation.report import build_report

    cmp_dir = tmp_path / "cmp"
    # on the declared profiles, as the screen ran: chengdong on Xining's people, paired with
    # baseline@xining (so 6 runs: baseline, baseline@xining, chengdong, twice)
    declared = compare_experiment(["baseline", "chengdong"], 600, 20, 3, 2)
    batch.run_batch(declared, cmp_dir, progress=False)
    import shutil

    shutil.rmtree(next((cmp_dir / "runs").glob("structure=chengdong/*/*/replicate=1")))
    page = build_report(cmp_dir, "en", sensitivity=out).read_text(encoding="utf-8")
    assert "Which assumptions the conclusions hinge on" in page
    hinges = page.split("class=hinges")[1].split("</table>")[0]
    assert "Chengdong" in hinges and "%" in hinges and "population.behaviour." in hinges
    assert "this results directory is unfinished — 1 of its 6 planned runs" in page


def test_dask_local_cluster_gives_the_local_results(tmp_path):
    pytest.importorskip("distributed")
    exp = small(replicates=2)
    batch.run_batch(exp, tmp_path / "local", workers=1, progress=False)
    rep = batch.run_batch(exp, tmp_path / "dask", workers=2, executor="dask", progress=False)
    assert rep.complete
    for f in ("runs.csv", "summary.csv", "paired.csv"):
        assert (tmp_path / "local" / f).read_bytes() == (tmp_path / "dask" / f).read_bytes(), f
    for d in (tmp_path / "local" / "runs").glob("*/*/*/*"):
        other = tmp_path / "dask" / d.relative_to(tmp_path / "local")
        for f in ("needs.parquet", "outcomes.parquet"):
            assert pd.read_parquet(d / f).equals(pd.read_parquet(other / f))


def test_sigterm_stops_the_workers_and_the_batch_resumes(tmp_path):
    out = tmp_path / "t"
    argv = [sys.executable, "-m", "govsim.cli", "compare", "baseline", "chengdong", "nanshan"]
    argv += ["--residents", "4000", "--days", "120", "--replicates", "6", "--seed", "2"]
    argv += ["--workers", "2", "--out", str(out)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    while not list(out.glob("runs/*/*/*/*/summary.json")) and time.time() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "run the same command again" in err
    done = len(list(out.glob("runs/*/*/*/*/summary.json")))
    assert 0 < done < 18
    time.sleep(2.5)  # nothing is written after the batch stopped
    assert len(list(out.glob("runs/*/*/*/*/summary.json"))) == done
    assert not (out / store.INFLIGHT).exists() or not any((out / store.INFLIGHT).iterdir())
    with pytest.raises(ResultsError, match="manifest.json"):
        _truncated_manifest(out)
    # started again, it finishes only what is missing
    r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert f"{done} already finished" in r.stdout


def _truncated_manifest(out: Path):
    """A truncated manifest is one error naming it (on a copy)."""
    import shutil

    copy = out.parent / "copy"
    shutil.copytree(out, copy)
    m = copy / "manifest.json"
    m.write_bytes(m.read_bytes()[:50])
    Results.load(copy)


def test_results_reject_truncated_and_foreign_files(tmp_path):
    out = tmp_path / "r"
    batch.run_batch(small(replicates=2), out, progress=False)
    base = out / "runs" / "structure=baseline" / "variant=base" / "population=urban"
    # a stray run directory that the manifest does not plan is never read, even whole
    import shutil

    stray = base / "replicate=9"
    shutil.copytree(base / "replicate=0", stray)
    s = json.loads((stray / "summary.json").read_text(encoding="utf-8"))
    s["settings"]["replicate"] = 9
    (stray / "summary.json").write_text(json.dumps(s), encoding="utf-8")
    rerecord(stray)  # edited on purpose: whole in every other respect
    assert store.check_run_dir(stray) is None  # whole, so only the manifest keeps it out
    res = Results.load(out)
    assert [r.replicate for r in res.runs["baseline"]] == [0, 1]
    # a truncated summary makes its run unfinished, not a traceback
    run = next((out / "runs").glob("structure=chengdong/*/*/replicate=0"))
    sj = run / "summary.json"
    sj.write_text(sj.read_text(encoding="utf-8")[:40], encoding="utf-8")
    res = Results.load(out)
    # (the content record finds it first: the summary is not the file written)
    assert any("summary.json: damaged" in u for u in res.unfinished)
    # (small() runs chengdong on the urban profile, not its declared Xining one: @urban)
    assert [r.replicate for r in res.runs["chengdong@urban"]] == [1]
    # without the reference's runs nothing can be compared: one line saying so
    shutil.rmtree(base / "replicate=0")
    shutil.rmtree(base / "replicate=1")
    with pytest.raises(ResultsError, match="reference structure's runs"):
        Results.load(out)
    # an empty summary in a single run's directory is one error naming it
    single = tmp_path / "single"
    single.mkdir()
    (single / "summary.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ResultsError, match="summary.json"):
        Results.load(single)


def test_names_that_would_collide_are_refused(tmp_path):
    import shutil

    pops = tmp_path / "pops"
    pops.mkdir()
    shutil.copy(ROOT / "scenarios" / "populations" / "urban.toml", pops / "urban.toml")
    p = write_experiment(
        tmp_path,
        '[experiment]\nstructures = ["baseline"]\npopulations = ["urban", "pops/urban.toml"]\n',
    )
    with pytest.raises(ScenarioError, match="both named 'urban'"):
        resolve(load_experiment(p))
    shutil.copy(ROOT / "scenarios" / "baseline.toml", tmp_path / "baseline--x.toml")
    p = write_experiment(tmp_path, '[experiment]\nstructures = ["baseline", "baseline--x.toml"]\n')
    with pytest.raises(ScenarioError, match="no '--' or '@'"):
        resolve(load_experiment(p))


def test_resume_removes_stale_tables_and_a_second_batch_is_refused(tmp_path, monkeypatch):
    out = tmp_path / "s"
    exp = small()
    batch.run_batch(exp, out, progress=False)
    import shutil

    shutil.rmtree(next((out / "runs").glob("structure=chengdong/*/*/replicate=1")))

    def interrupted(run, commit=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "execute_safely", interrupted)
    with pytest.raises(batch.BatchInterrupted, match="3 of 4 runs finished"):
        batch.run_batch(exp, out, progress=False)
    assert not any((out / t).exists() for t in store.TABLES)  # no tables of other runs
    with store.lock(out), pytest.raises(store.OutputError, match="another batch"):
        batch.run_batch(exp, out, progress=False)


def test_sensitivity_over_two_populations(tmp_path):
    from govsim.experiments.sensitivity import sensitivity

    p = write_experiment(
        tmp_path,
        """
[experiment]
structures = ["baseline", "qingyuan"]
populations = ["urban", "rural"]
replicates = 1
residents = 300
days = 10
outputs = []
[sampling]
method = "morris"
points = 2
[[ranges]]
key = "behaviour.peers"
factor = [0.5, 1.5]
[[ranges]]
key = "behaviour.propensity"
factor = [0.5, 1.5]
""",
    )
    exp = load_experiment(p)
    out = tmp_path / "sp"
    idx, robust, charts = sensitivity(exp, out, progress=False, langs=("en",))
    assert set(robust["population"]) == {"urban", "rural"}
    assert set(zip(robust["structure"], robust["population"], strict=True)) == {
        ("qingyuan", "urban"),
        ("qingyuan", "rural"),
    }
    assert charts[0].stat().st_size > 10_000


def test_a_killed_worker_fails_its_runs_and_the_batch_goes_on(tmp_path):
    out = tmp_path / "k"
    argv = [sys.executable, "-m", "govsim.cli", "compare", "baseline", "chengdong"]
    argv += ["--residents", "3000", "--days", "150", "--replicates", "4", "--seed", "1"]
    argv += ["--workers", "2", "--out", str(out)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def workers():
        kids = []
        for d in Path("/proc").iterdir():
            try:
                stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
                cmd = (d / "cmdline").read_bytes()
            except (OSError, IndexError):
                continue
            if b"forkserver" in cmd:
                kids.append((int(d.name), int(stat[1])))
        servers = {pid for pid, ppid in kids if ppid == proc.pid}
        return [pid for pid, ppid in kids if ppid in servers]

    deadline = time.time() + 120
    while not list(out.glob("runs/*/*/*/*/summary.json")) and time.time() < deadline:
        time.sleep(0.1)
    victims = workers()
    assert victims, "no worker processes found"
    os.kill(victims[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err  # the batch finished the rest and says some failed
    assert "failed" in err
    failures = [json.loads(f.read_text(encoding="utf-8")) for f in out.glob("failures/*.json")]
    assert failures and all("worker process" in f["error"] for f in failures)
    r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert Results.load(out).finished


def test_compare_of_one_structure_twice_is_one_clear_error(capsys):
    assert cli.main(["compare", "baseline", "baseline", "--out", "/tmp/never"]) == 2
    err = capsys.readouterr().err.strip()
    assert "structures" in err and "at most once" in err and "\n" not in err
    assert not Path("/tmp/never").exists()
    argv = ["compare", "baseline", "--executor", "local", "--scheduler", "tcp://h:1"]
    assert cli.main([*argv, "--out", "/tmp/never"]) == 2
    assert "--scheduler" in capsys.readouterr().err


def test_quick_look_settings_change_the_experiment(tmp_path):
    exp = load_experiment("headline")
    quick = with_settings(exp, residents=800, days=10, replicates=1)
    assert quick.config_hash() != exp.config_hash()
    assert quick.settings.residents == 800 and quick.settings.structures == exp.settings.structures
    with pytest.raises(ScenarioError, match="experiment.residents"):
        with_settings(exp, residents=10**10)


def test_replicates_needed_for_a_requested_precision(tmp_path, capsys):
    from scipy import stats

    from govsim.results.tables import replicates_needed

    rng = __import__("numpy").random.default_rng(0)
    v = rng.normal(0.3, 0.05, 12)
    for h in (0.05, 0.01, 0.002):
        n = replicates_needed(v, h)
        sd = v.std(ddof=1)
        assert stats.t.ppf(0.975, n - 1) * sd / n**0.5 <= h  # enough …
        assert n == 2 or stats.t.ppf(0.975, n - 2) * sd / (n - 1) ** 0.5 > h  # … and no more
    assert replicates_needed(v[:1], 0.01) is None
    out = tmp_path / "p"
    batch.run_batch(small(replicates=3), out, progress=False)
    argv = ["precision", str(out), "--outcome", "participation_rate", "--half-width", "0.01"]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert "chengdong" in text and "paired difference from baseline" in text
    assert cli.main(["precision", str(out), "--outcome", "nope", "--half-width", "1"]) == 2
    assert "--outcome 'nope'" in capsys.readouterr().err
