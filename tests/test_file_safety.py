"""Files: govsim never touches what it did not write, and trusts only what is whole.

``--force`` removes only run directories govsim can prove it made and follows no link; every
file it rewrites is written whole or not at all (a file-size limit leaves the old file);
``extends`` may not leave its directory; each run's files carry a content record checked on
resume and on load; a full disk, a file-size limit or a name too long is one line, the run
recorded under ``failures/``, leftovers removed at the next start; ``govsim run`` refuses a
running batch's directory and an existing run before it simulates."""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from govsim import ScenarioError, load_scenario
from govsim.cli import main
from govsim.experiments import batch
from govsim.experiments.experiment import compare_experiment
from govsim.results import store
from govsim.results.reading import Results

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--residents", "300", "--days", "3", "--workers", "1"]


def tiny(days=3, replicates=1, structures=("baseline",)):
    return compare_experiment(list(structures), 300, days, 1, replicates, "urban")


def compare(out: Path, *extra: str, days: str = "3") -> list[str]:
    return [
        "compare",
        "baseline",
        *SMALL[:2],
        "--days",
        days,
        *SMALL[4:],
        "--out",
        str(out),
        *extra,
    ]


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("govsim: error: ") and "\n" not in err, err
    assert "Traceback" not in err
    return err


def run_dirs(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("structure=*/variant=*/population=*/replicate=*"))


# ------------------------------------------------------------------ 1. --force


def test_force_removes_only_run_directories_govsim_made(tmp_path, capsys):
    out = tmp_path / "proj"
    assert main(compare(out)) == 0
    [old_run] = run_dirs(out)
    # the user's own data under runs/, four levels down like a run, and a look-alike of a
    # run's place that govsim did not make (no mark, not in the manifest)
    raw = out / "runs" / "2024" / "may" / "exp1" / "raw"
    raw.mkdir(parents=True)
    (raw / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    look = out / "runs" / "structure=mine" / "variant=a" / "population=b" / "replicate=0"
    look.mkdir(parents=True)
    (look / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "failures").mkdir()
    (out / "failures" / "README").write_text("mine", encoding="utf-8")
    assert main(compare(out, days="2")) == 2  # another experiment: refused without --force
    one_error_line(capsys)
    assert main(compare(out, "--force", days="2")) == 0
    assert (raw / "data.csv").read_text(encoding="utf-8") == "a,b\n1,2\n"
    assert (look / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "failures" / "README").read_text(encoding="utf-8") == "mine"
    res = Results.load(out)
    assert res.days == 2 and res.finished
    # the old run was replaced by the new one (the same place, another configuration)
    assert json.loads((old_run / "summary.json").read_text(encoding="utf-8"))["days"] == 2
    assert store.is_run_dir(old_run)  # each run carries govsim's mark


def test_a_run_of_an_earlier_version_is_removed_when_its_manifest_lists_it(tmp_path):
    out = tmp_path / "old"
    batch.run_batch(tiny(replicates=2), out, progress=False)
    for d in run_dirs(out):  # as earlier versions wrote them: no content record
        (d / store.RUN_RECORD).unlink()
        s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        s["files"].remove(store.RUN_RECORD)
        (d / "summary.json").write_text(json.dumps(s), encoding="utf-8")
    assert Results.load(out).finished  # still read, checked as they were
    batch.run_batch(tiny(days=2, replicates=1), out, force=True, progress=False)
    # replicate=1 is not planned any more: listed in the old manifest, so govsim's to remove
    assert [d.name for d in run_dirs(out)] == ["replicate=0"]


def test_a_runs_directory_that_is_a_link_is_refused_and_nothing_is_removed(tmp_path, capsys):
    storage = tmp_path / "storage"
    data = storage / "projA" / "2024" / "05" / "raw" / "data.csv"
    data.parent.mkdir(parents=True)
    data.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "runs").symlink_to(storage)
    for argv in (compare(out), compare(out, "--force")):
        assert main(argv) == 2
        err = one_error_line(capsys)
        assert "runs is a symbolic link" in err and str(out) in err
    assert data.read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in storage.iterdir()) == ["projA"]


def test_a_link_on_the_way_to_a_run_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(compare(out)) == 0
    storage = tmp_path / "storage"
    (storage / "keep").mkdir(parents=True)
    (storage / "keep" / "x.txt").write_text("x", encoding="utf-8")
    structure = out / "runs" / "structure=baseline"
    import shutil

    shutil.rmtree(structure)
    structure.symlink_to(storage)
    for argv in (compare(out), compare(out, "--force", days="2")):
        assert main(argv) == 2
        assert "runs/structure=baseline is a symbolic link" in one_error_line(capsys)
    assert (storage / "keep" / "x.txt").read_text(encoding="utf-8") == "x"
    assert sorted(p.name for p in storage.iterdir()) == ["keep"]


def test_a_planned_runs_place_held_by_a_directory_govsim_did_not_make_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    place = (
        out / "runs" / "structure=baseline" / "variant=base" / "population=urban" / "replicate=0"
    )
    place.mkdir(parents=True)
    (place / "mine.txt").write_text("mine", encoding="utf-8")
    assert main(compare(out, "--force")) == 2
    err = one_error_line(capsys)
    assert "runs/structure=baseline/variant=base/population=urban/replicate=0" in err
    assert "did not make" in err
    assert (place / "mine.txt").read_text(encoding="utf-8") == "mine"


# ------------------------------------------------------------------ 2. whole files

SIGXFSZ_IGNORED = """
import resource, signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
"""


def limited(code: str, limit: int, cwd: Path) -> subprocess.CompletedProcess:
    """``code`` run by this Python with files limited to ``limit`` bytes (SIGXFSZ ignored,
    so a write past the limit is an error, EFBIG, not the end of the process)."""
    script = SIGXFSZ_IGNORED.format(limit=limit) + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_calibrate_apply_under_a_file_size_limit_leaves_the_file_whole(tmp_path):
    from govsim.config.reading import CALIBRATED

    copy = tmp_path / "calibrated.toml"
    copy.write_bytes(CALIBRATED.read_bytes())
    before = copy.read_bytes()
    code = f"""
    import errno, tomllib
    from pathlib import Path
    from govsim.config.reading import read_spec, SCENARIO_DIR
    from govsim.experiments import calibrate as cal

    path = Path({str(copy)!r})
    data, _ = read_spec(path, SCENARIO_DIR)
    rc = data["baseline"]["institutions"]
    times = {{
        f"institutions.{{k}}.{{p}}": v * 1.5 for k, t in rc.items() for p, v in t.items()
    }}
    prof = data["urban"]
    fit = cal.Fit(
        admin_hours_per_task=prof["workload"]["admin_hours_per_task"] * 1.5,
        election_logit=prof["behaviour"]["base_logit"]["election"] * 1.5,
        founding_per_1k_active_year=prof["organisations"]["founding_per_1k_active_year"] * 1.5,
        time_values=times,
        settings={{"scenario": "baseline", "population": "urban"}},
    )
    try:
        cal.write_calibrated(fit, path)
    except OSError as e:
        print("errno", e.errno)
    else:
        print("written")
    """
    r = limited(code, len(before) // 2, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["errno", str(errno.EFBIG)]
    assert copy.read_bytes() == before  # whole: the old file, not its first half
    assert [p.name for p in tmp_path.iterdir()] == ["calibrated.toml"]  # no temporary left
    # and without a limit the same write goes through (the limit is what stopped it)
    r = limited(code, resource.RLIM_INFINITY, tmp_path)
    assert r.stdout.split() == ["written"], r.stderr
    assert copy.read_bytes() != before


@pytest.mark.slow
def test_calibrate_apply_under_a_file_size_limit_leaves_the_file_whole_cli(tmp_path):
    """The command itself, pointed at a copy of the shipped file: the shipped file is only
    read, so tests running at the same time never meet it half-written."""
    from govsim.config.reading import CALIBRATED

    shipped = CALIBRATED.read_bytes()
    copy = tmp_path / "scenarios" / "calibrated.toml"
    copy.parent.mkdir()
    copy.write_bytes(shipped)
    code = f"""
    import sys
    from pathlib import Path
    from govsim import cli
    from govsim.config.reading import read_spec, SCENARIO_DIR, CALIBRATED
    from govsim.experiments import calibrate as cal

    copy = Path({str(copy)!r})
    data, _ = read_spec(CALIBRATED, SCENARIO_DIR)
    rc = data["baseline"]["institutions"]
    prof = data["urban"]
    fit = cal.Fit(
        admin_hours_per_task=prof["workload"]["admin_hours_per_task"] * 1.5,
        election_logit=prof["behaviour"]["base_logit"]["election"] * 1.5,
        founding_per_1k_active_year=prof["organisations"]["founding_per_1k_active_year"] * 1.5,
        time_values={{
            f"institutions.{{k}}.{{p}}": v * 1.5 for k, t in rc.items() for p, v in t.items()
        }},
        settings={{"scenario": "baseline", "population": "urban"}},
    )
    cal.calibrate = lambda **kw: fit  # the fit itself is not what is tested
    cal.report_markdown = lambda fit: "report\\n"
    write = cal.write_calibrated
    cal.write_calibrated = lambda fit, path=copy: write(fit, path)  # the copy, not the shipped
    cal.CALIBRATED = copy
    sys.exit(cli.main(["calibrate", "--apply", "--report", {str(tmp_path / "c.md")!r}]))
    """
    r = limited(code, len(shipped) // 2, tmp_path)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    [line] = [x for x in r.stderr.splitlines() if x.startswith("govsim")]
    assert line == f"govsim: error: [Errno 27] File too large: '{copy}'"
    assert copy.read_bytes() == shipped  # whole: the old file, not its first half
    assert [p.name for p in copy.parent.iterdir()] == ["calibrated.toml"]  # no temporary left
    assert CALIBRATED.read_bytes() == shipped  # only read


def test_calibrate_apply_that_cannot_write_is_one_line(tmp_path, capsys, monkeypatch):
    import govsim.experiments.calibrate as cal

    fit = cal.Fit(settings={"scenario": "ref", "population": "pop"})
    monkeypatch.setattr(cal, "calibrate", lambda **kw: fit)
    monkeypatch.setattr(cal, "report_markdown", lambda fit: "report\n")

    def full(fit, path=cal.CALIBRATED):
        raise OSError(errno.EFBIG, os.strerror(errno.EFBIG), str(path))

    monkeypatch.setattr(cal, "write_calibrated", full)
    assert main(["calibrate", "--apply", "--report", str(tmp_path / "c.md")]) == 2
    err = capsys.readouterr().err
    assert "File too large" in err and "calibrated.toml" in err and "Traceback" not in err


def test_atomic_writes_name_their_process_and_leftovers_are_removed(tmp_path):
    from govsim.results.atomic import atomic_write

    def killed(tmp: Path):
        tmp.write_text("half", encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "runs.csv", killed)
    assert list(tmp_path.iterdir()) == []  # an interrupted write removes its own
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    stale = [f".runs.csv.{dead}.ab12cd_3.tmp", ".equity_en.png.k2jd8x0q.tmp"]  # ours, older ours
    kept = [
        f".runs.csv.{os.getpid()}.ab12cd_3.tmp",  # this process may be writing it
        f".runs.csv.{os.getppid()}.ab12cd_3.tmp",  # a live process may be writing it
        "notes.tmp",  # a user's
        ".notes.tmp",
        ".draft.k2jd8x0q.tmp",  # looks like an older version's leftover, of no file of ours
        ".notes.abcdefgh.tmp",
        ".cfg.1234.backup01.tmp",
        f".cfg.{dead}.abcdefgh.tmp",  # a dead process's, but not of a file of ours
    ]
    for name in stale + kept:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / f".link.{dead}.abcdefgh.tmp").symlink_to(tmp_path / "notes.tmp")
    from govsim.results.atomic import remove_leftovers

    removed = remove_leftovers(tmp_path, ["runs.csv", "equity_en.png"])
    assert sorted(p.name for p in removed) == sorted(stale)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*kept, f".link.{dead}.abcdefgh.tmp"]
    )


# ------------------------------------------------------------------ 3. extends


@pytest.mark.parametrize("where", ["absolute", "parent"])
def test_extends_may_not_leave_the_files_directory(tmp_path, where):
    outside = tmp_path / "x.toml"
    outside.write_text((ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8"))
    d = tmp_path / "mine"
    d.mkdir()
    value = str(outside) if where == "absolute" else "../x.toml"
    path = d / "child.toml"
    path.write_text(f'extends = "{value}"\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert err.file == str(path) and err.key == "extends" and "\n" not in str(err)
    assert "not allowed in a file" in str(err) and "beside this one" in str(err)


def test_extends_through_a_link_leading_outside_is_refused(tmp_path):
    outside = tmp_path / "elsewhere" / "x.toml"
    outside.parent.mkdir()
    outside.write_text((ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8"))
    d = tmp_path / "mine"
    d.mkdir()
    (d / "x.toml").symlink_to(outside)
    path = d / "child.toml"
    path.write_text('extends = "x"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="links outside") as info:
        load_scenario(path)
    assert info.value.key == "extends"


def test_extends_beside_the_file_and_built_in_still_work(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "parent.toml").write_text('extends = "baseline"\n', encoding="utf-8")
    path = tmp_path / "child.toml"
    path.write_text('extends = "sub/parent.toml"\n', encoding="utf-8")
    assert load_scenario(path).scenario.name_en == load_scenario("baseline").scenario.name_en


# ------------------------------------------------------------------ 4. content hashes


def flip(path: Path) -> None:
    """Flip one bit of the byte in the middle of ``path``."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def test_every_run_records_the_sha256_of_its_files(tmp_path):
    import hashlib

    out = tmp_path / "b"
    batch.run_batch(tiny(), out, progress=False)
    [d] = run_dirs(out)
    record = json.loads((d / store.RUN_RECORD).read_text(encoding="utf-8"))
    names = {p.name for p in d.iterdir()} - {store.RUN_RECORD}
    assert set(record["sha256"]) == names and "summary.json" in names
    for name, h in record["sha256"].items():
        assert hashlib.sha256((d / name).read_bytes()).hexdigest() == h


def test_a_bit_flipped_run_is_redone_by_the_batch_and_named_by_the_reader(tmp_path):
    exp = tiny(replicates=2)
    out = tmp_path / "b"
    batch.run_batch(exp, out, progress=False)
    tables = (out / "runs.csv").read_bytes()
    first, second = run_dirs(out)
    untouched = (first / "daily.parquet").stat().st_mtime_ns
    daily = second / "daily.parquet"
    good = daily.read_bytes()
    flip(daily)
    res = Results.load(out)
    assert [r.replicate for r in res.runs["baseline"]] == [0]
    [why] = res.unfinished
    assert why.startswith("structure=baseline/variant=base/population=urban/replicate=1: ")
    assert f"{daily}: damaged" in why
    rep = batch.run_batch(exp, out, progress=False)
    assert rep.skipped == 1 and rep.ran == 1 and rep.complete
    assert daily.read_bytes() == good  # made again, the same bits
    assert (first / "daily.parquet").stat().st_mtime_ns == untouched
    assert (out / "runs.csv").read_bytes() == tables
    assert Results.load(out).unfinished == []


@pytest.mark.parametrize("name", ["daily.parquet", "summary.json", ".govsim-run.json"])
def test_report_names_the_run_and_the_damaged_file_in_one_line(tmp_path, capsys, name):
    out = tmp_path / "one"
    assert main(["run", "baseline", *SMALL[:4], "--out", str(out)]) == 0
    capsys.readouterr()
    flip(out / name)
    assert main(["report", str(out)]) == 2
    err = one_error_line(capsys)
    assert str(out) in err and (name in err or store.RUN_RECORD in err)
    assert "ArrowInvalid" not in err
    assert not (out / "report_en.html").exists() and not (out / "figures").exists()


def test_a_damaged_reference_run_is_named_in_the_reports_one_line(tmp_path, capsys):
    out = tmp_path / "b"
    batch.run_batch(tiny(), out, progress=False)
    [d] = run_dirs(out)
    flip(d / "daily.parquet")
    assert main(["report", str(out)]) == 2
    err = one_error_line(capsys)
    assert f"{d / 'daily.parquet'}: damaged" in err and "ArrowInvalid" not in err


def test_a_damaged_run_in_a_batch_is_one_warning_line_in_the_report(tmp_path, capsys, monkeypatch):
    import govsim.presentation.report as report

    out = tmp_path / "b"
    batch.run_batch(tiny(replicates=2), out, progress=False)
    flip(run_dirs(out)[1] / "daily.parquet")

    def stop(*a, **k):  # the warning is what this test is about, not the drawing
        raise FileNotFoundError("stopped before drawing")

    monkeypatch.setattr(report, "build_report", stop)
    main(["report", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    [warning] = [line for line in err if "warning" in line]
    assert "replicate=1" in warning and "daily.parquet: damaged" in warning


# ------------------------------------------------------------------ 5. disk full, limits


def fail_writes_into_inflight(monkeypatch, code: int, after: int = 1, only=None):
    """Writing a run's files (into ``.inflight/``) fails with ``code`` after ``after`` files
    (the last half-written), for the runs whose partition contains ``only`` (or every run)."""
    real_dir, real_bytes = store.write_run_dir, Path.write_bytes
    failing = {"on": False, "n": 0}

    def write_bytes(self, data):
        if failing["on"]:
            failing["n"] += 1
            if failing["n"] > after:
                real_bytes(self, data[: len(data) // 2])
                raise OSError(code, os.strerror(code), str(self))
        return real_bytes(self, data)

    def write_run_dir(out, partition, files):
        failing.update(on=only is None or only in partition, n=0)
        try:
            return real_dir(out, partition, files)
        finally:
            failing["on"] = False

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    monkeypatch.setattr(store, "write_run_dir", write_run_dir)


def test_a_full_disk_stops_the_batch_in_one_line_and_keeps_finished_runs(
    tmp_path, capsys, monkeypatch
):
    out = tmp_path / "b"
    argv = ["compare", "baseline", *SMALL[:4], "--replicates", "3", "--workers", "1"]
    argv += ["--out", str(out)]
    fail_writes_into_inflight(monkeypatch, errno.ENOSPC, only="replicate=1")
    assert main(argv) == 2
    err = one_error_line(capsys)
    assert "No space left on device" in err and "replicate=1" in err and "1 of 3 runs" in err
    assert not (out / store.INFLIGHT).exists()  # the half-written run is gone
    [failure] = (out / "failures").glob("*.json")
    assert "replicate=1" in json.loads(failure.read_text(encoding="utf-8"))["run"]
    assert [d.name for d in run_dirs(out)] == ["replicate=0"]  # rep=2 was never started
    monkeypatch.undo()
    assert main(argv) == 0
    assert [d.name for d in run_dirs(out)] == ["replicate=0", "replicate=1", "replicate=2"]
    assert not list((out / "failures").glob("*.json"))


def test_a_full_disk_while_the_tables_are_written_is_one_line(tmp_path, capsys, monkeypatch):
    out = tmp_path / "b"

    def full(out, runs, meta):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / "runs.csv"))

    monkeypatch.setattr(batch, "write_tables", full)
    assert main(compare(out)) == 2
    err = one_error_line(capsys)
    assert f"{out / 'runs.csv'}" in err and "No space left" in err and "1 of 1 runs" in err
    monkeypatch.undo()
    assert main(compare(out)) == 0  # the run is kept, the tables written now
    assert "0 run now" in capsys.readouterr().out and (out / "runs.csv").exists()


def test_a_name_too_long_fails_its_run_and_the_batch_goes_on(tmp_path, capsys, monkeypatch):
    out = tmp_path / "b"
    fail_writes_into_inflight(monkeypatch, errno.ENAMETOOLONG, after=0, only="replicate=0")
    rep = batch.run_batch(tiny(replicates=2), out, progress=False)
    assert rep.ran == 1 and rep.failed == [
        "structure=baseline/variant=base/population=urban/replicate=0"
    ]
    assert "File name too long" in capsys.readouterr().err
    assert not (out / store.INFLIGHT).exists()
    assert len(list((out / "failures").glob("*.json"))) == 1


def test_a_failure_record_of_a_very_long_name_can_be_written(tmp_path):
    part = "structure=baseline/variant=" + "v" * 1000 + "/population=urban/replicate=0"
    p = store.failure_path(tmp_path, part)
    assert len(p.name.encode()) <= 255 and p.parent == tmp_path / "failures"
    assert p != store.failure_path(tmp_path, part.replace("replicate=0", "replicate=1"))


@pytest.mark.slow
def test_a_file_size_limit_during_a_batch_is_one_line_and_leaves_nothing(tmp_path):
    out = tmp_path / "b"
    code = f"""
    import sys
    from govsim.cli import main
    sys.exit(main({compare(out)!r}))
    """
    r = limited(code, 8192, tmp_path)  # the manifest fits, a run's files do not
    assert r.returncode == 2, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("govsim")]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "File too large" in lines[0] and "structure=baseline" in lines[0]
    assert not (out / store.INFLIGHT).exists()
    assert not [p for p in out.rglob("*.tmp")]
    assert (out / "failures").is_dir()  # the record is small enough to be written
    # with room again the same command finishes
    r = limited(code, resource.RLIM_INFINITY, tmp_path)
    assert r.returncode == 0, r.stderr
    assert Results.load(out).finished


def test_leftovers_of_a_killed_batch_are_removed_at_the_next_start(tmp_path):
    out = tmp_path / "b"
    batch.run_batch(tiny(), out, progress=False)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    left = [out / f".runs.csv.{dead}.x1y2z3w4.tmp", out / ".summary.csv.abcd1234.tmp"]
    [run] = store.read_manifest(out)["runs"]
    failure = store.failure_path(out, run["partition"]).name
    left.append(out / "failures" / f".{failure}.{dead}.abcd1234.tmp")
    left[-1].parent.mkdir()
    (out / store.INFLIGHT / "deadbeef").mkdir(parents=True)
    (out / store.INFLIGHT / "deadbeef" / "daily.parquet").write_bytes(b"half")
    for p in left:
        p.write_text("half", encoding="utf-8")
    (out / "notes.tmp").write_text("mine", encoding="utf-8")
    rep = batch.run_batch(tiny(), out, progress=False)
    assert rep.skipped == 1 and rep.ran == 0
    assert not any(p.exists() for p in left) and not (out / store.INFLIGHT).exists()
    assert (out / "notes.tmp").read_text(encoding="utf-8") == "mine"


def test_a_table_write_killed_with_sigkill_leaves_a_leftover_the_next_start_removes(tmp_path):
    out = tmp_path / "b"
    batch.run_batch(tiny(), out, progress=False)
    tables = (out / "runs.csv").read_bytes()
    code = f"""
    import os, signal
    from pathlib import Path
    from govsim.results.atomic import atomic_write

    def killed(tmp):
        tmp.write_text("half a table", encoding="utf-8")
        os.kill(os.getpid(), signal.SIGKILL)

    atomic_write(Path({str(out / "runs.csv")!r}), killed)
    """
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=False)
    assert r.returncode == -signal.SIGKILL
    [left] = out.glob(".runs.csv.*.tmp")
    assert (out / "runs.csv").read_bytes() == tables  # the old table, whole
    rep = batch.run_batch(tiny(), out, progress=False)
    assert rep.skipped == 1 and not left.exists()
    assert (out / "runs.csv").read_bytes() == tables


def test_leftovers_of_a_killed_report_are_removed_when_the_next_starts(tmp_path, monkeypatch):
    import govsim.presentation.plot as plot
    from govsim.presentation.report import build_report

    out = tmp_path / "b"
    batch.run_batch(tiny(), out, progress=False)
    left = [out / ".report_en.html.abcd1234.tmp", out / "figures" / ".equity_en.png.k2jd8x0q.tmp"]
    left[1].parent.mkdir()
    other = out / ".notes.txt.abcd1234.tmp"  # not a file the report writes: not its to remove
    for p in [*left, other]:
        p.write_text("half", encoding="utf-8")

    def stop(*a, **k):
        raise KeyboardInterrupt  # killed again, at once

    monkeypatch.setattr(plot, "save_figures", stop)
    with pytest.raises(KeyboardInterrupt):
        build_report(out)
    assert not any(p.exists() for p in left) and other.exists()


@pytest.mark.parametrize("command", ["compare", "run"])
def test_leftover_cleanup_keeps_the_users_own_hidden_files(tmp_path, command):
    out = tmp_path / "u2"
    out.mkdir()
    mine = [".draft.k2jd8x0q.tmp", ".notes.abcdefgh.tmp", ".cfg.1234.backup01.tmp"]
    (out / "failures").mkdir()
    for name in mine:
        (out / name).write_text("mine", encoding="utf-8")
    (out / "failures" / ".draft.k2jd8x0q.tmp").write_text("mine", encoding="utf-8")
    if command == "compare":
        assert main(compare(out, "--force")) == 0
    else:
        (out / "failures").rename(tmp_path / "f")
        assert main(["run", "baseline", *SMALL[:4], "--out", str(out)]) == 0
    for name in mine:
        assert (out / name).read_text(encoding="utf-8") == "mine"
    if command == "compare":
        assert (out / "failures" / ".draft.k2jd8x0q.tmp").exists()


# ------------------------------------------------------------------ 6. govsim run --out


def test_run_refuses_a_running_batchs_directory_before_simulating(tmp_path, capsys, monkeypatch):
    from govsim.core.model import GovernanceModel

    simulated = []
    monkeypatch.setattr(GovernanceModel, "run", lambda self, *a, **k: simulated.append(1))
    out = tmp_path / "b"
    out.mkdir()
    with store.lock(out):
        assert main(["run", "baseline", *SMALL[:4], "--out", str(out)]) == 2
        assert "another batch" in one_error_line(capsys)
    assert simulated == [] and not (out / "summary.json").exists()


def test_run_refuses_a_batch_directory_and_an_existing_run_without_force(tmp_path, capsys):
    b = tmp_path / "b"
    assert main(compare(b)) == 0
    capsys.readouterr()
    argv = ["run", "baseline", *SMALL[:4], "--out"]
    assert main([*argv, str(b)]) == 2
    assert "holds a batch's results" in one_error_line(capsys)
    assert main([*argv, str(b), "--force"]) == 2  # never a run into a batch's directory
    one_error_line(capsys)
    one = tmp_path / "one"
    assert main([*argv, str(one)]) == 0
    summary = (one / "summary.json").read_bytes()
    assert main([*argv, str(one), "--seed", "5"]) == 2
    err = one_error_line(capsys)
    assert "holds a run already" in err and "--force" in err
    assert (one / "summary.json").read_bytes() == summary
    assert main([*argv, str(one), "--seed", "5", "--force"]) == 0
    assert json.loads((one / "summary.json").read_text(encoding="utf-8"))["seed"] == 5
    assert store.check_run_dir(one) is None


# ------------------------------------------------------------------ the lock


def test_a_lock_hard_linked_to_another_file_is_refused_and_the_file_kept(tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    out = tmp_path / "h"
    out.mkdir()
    os.link(victim, out / ".lock")
    assert main(["run", "baseline", *SMALL[:4], "--out", str(out)]) == 2
    assert "hard link" in one_error_line(capsys)
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not (out / "summary.json").exists()


def test_a_users_own_lock_file_is_locked_but_not_rewritten(tmp_path):
    out = tmp_path / "u"
    out.mkdir()
    (out / ".lock").write_text("my notes on locks\n", encoding="utf-8")
    with store.lock(out):
        assert (out / ".lock").read_text(encoding="utf-8") == "my notes on locks\n"
        with pytest.raises(store.OutputError, match="another batch"):
            with store.lock(out):
                pass
    assert (out / ".lock").read_text(encoding="utf-8") == "my notes on locks\n"
    (out / ".lock").write_text("12\n", encoding="utf-8")  # an earlier batch's: rewritten
    with store.lock(out):
        assert (out / ".lock").read_text(encoding="utf-8") == str(os.getpid())
    (out / ".lock").unlink()
    with store.lock(out):  # made afresh
        assert (out / ".lock").read_text(encoding="utf-8") == str(os.getpid())


@pytest.mark.parametrize("name", ["summary.json", "outcomes.parquet"])
def test_run_force_never_replaces_files_govsim_cannot_prove_it_wrote(tmp_path, capsys, name):
    out = tmp_path / "mine"
    out.mkdir()
    (out / name).write_text("my own\n", encoding="utf-8")
    argv = ["run", "baseline", *SMALL[:4], "--out", str(out)]
    for extra in ([], ["--force"]):
        assert main([*argv, *extra]) == 2
        err = one_error_line(capsys)
        assert name in err and store.RUN_RECORD in err
        assert (out / name).read_text(encoding="utf-8") == "my own\n"
    assert sorted(p.name for p in out.iterdir() if p.name != ".lock") == [name]


def test_run_force_keeps_a_file_beside_a_run_that_its_record_does_not_list(tmp_path, capsys):
    out = tmp_path / "one"
    argv = ["run", "baseline", *SMALL[:4], "--out", str(out)]
    assert main(argv) == 0
    (out / "hops.parquet").unlink()  # the run's own, gone; a file of the user's in its place
    record = json.loads((out / store.RUN_RECORD).read_text(encoding="utf-8"))
    del record["sha256"]["hops.parquet"]
    (out / store.RUN_RECORD).write_text(json.dumps(record), encoding="utf-8")
    (out / "hops.parquet").write_text("mine\n", encoding="utf-8")
    capsys.readouterr()
    assert main([*argv, "--force"]) == 2
    assert "hops.parquet" in one_error_line(capsys)
    assert (out / "hops.parquet").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("name", ["runs.csv", "summary.csv", "paired.csv", "manifest.json"])
def test_force_without_a_manifest_keeps_the_users_own_tables(tmp_path, capsys, name):
    out = tmp_path / "proj"
    out.mkdir()
    (out / name).write_text("my own\n", encoding="utf-8")
    assert main(compare(out, "--force")) == 2
    err = one_error_line(capsys)
    assert name in err and "--force" in err
    assert (out / name).read_text(encoding="utf-8") == "my own\n"
    assert not (out / "runs").exists()


def test_force_removes_only_failure_records_under_failures(tmp_path, capsys):
    out = tmp_path / "proj"
    assert main(compare(out)) == 0
    (out / "failures").mkdir()
    (out / "failures" / "mine.json").write_text('{"my": "data"}', encoding="utf-8")
    stale = out / "failures" / "structure=x__variant=y__population=z__rep=0.json"
    stale.write_text(
        json.dumps({"run": "x", "key": "x", "config_hash": "0", "error": "e"}), encoding="utf-8"
    )
    assert main(compare(out, "--force", days="2")) == 0
    assert (out / "failures" / "mine.json").read_text(encoding="utf-8") == '{"my": "data"}'
    assert not stale.exists()


def test_run_refuses_its_out_before_building_the_model(tmp_path, capsys, monkeypatch):
    from govsim.core.model import GovernanceModel

    built = []
    real = GovernanceModel.__init__

    def init(self, *a, **k):
        built.append(1)
        real(self, *a, **k)

    monkeypatch.setattr(GovernanceModel, "__init__", init)
    out = tmp_path / "b"
    out.mkdir()
    argv = ["run", "baseline", *SMALL[:4], "--out", str(out)]
    with store.lock(out):
        assert main(argv) == 2
        assert "another batch" in one_error_line(capsys)
    (out / "summary.json").write_text("{}", encoding="utf-8")
    assert main(argv) == 2
    one_error_line(capsys)
    assert built == []
    held = []
    run = GovernanceModel.run

    def checked(self, *a, **k):
        held.append(_held(one))
        return run(self, *a, **k)

    monkeypatch.setattr(GovernanceModel, "run", checked)
    one = tmp_path / "one"
    assert main(["run", "baseline", *SMALL[:4], "--out", str(one)]) == 0
    assert built == [1] and held == [True]  # the lock is held while it simulates


def _held(out: Path) -> bool:
    try:
        with store.lock(out):
            return False
    except store.OutputError:
        return True


def test_calibrate_apply_checks_the_file_it_writes_before_the_fit(tmp_path, capsys, monkeypatch):
    import govsim.experiments.calibrate as cal

    fitted = []
    monkeypatch.setattr(cal, "calibrate", lambda **kw: fitted.append(1))
    place = tmp_path / "calibrated.toml"
    place.mkdir()  # a directory where the file --apply writes is meant
    monkeypatch.setattr(cal, "CALIBRATED", place)
    assert main(["calibrate", "--apply", "--report", str(tmp_path / "c.md")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("govsim calibrate: error: argument --apply") and "\n" not in err
    assert str(place) in err and "is a directory" in err
    assert fitted == [] and not (tmp_path / "c.md").exists()
