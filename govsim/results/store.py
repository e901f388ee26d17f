"""A batch's results directory: layout, manifest, finished runs, failures, leftovers.

::

    DIR/manifest.json      govsim version, git commit, the experiment (resolved) and its
                           hash, the seed, and every planned run with its own hash
    DIR/runs/structure=S/variant=V/population=P/rep=K/
                           summary.json, outcomes.parquet, scenario.json, catalog.json,
                           daily.parquet, needs.parquet, hops.parquet (as kept)
    DIR/failures/<run>.json   a run that raised: its traceback (removed once it succeeds)
    DIR/.inflight/         runs being written (removed when a batch starts)
    DIR/runs.csv, summary.csv, paired.csv   tables of a finished batch

A run directory appears whole or not at all: its files are written into ``.inflight/`` and
the directory is renamed into place.  A run counts as finished when its ``summary.json``
reads, carries the planned configuration hash and lists files that are all there, and its
tables have the rows they should (``check_run``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from govsim.results.atomic import write_json
from govsim.version import __version__

MANIFEST = "manifest.json"
INFLIGHT = ".inflight"
TABLES = ("runs.csv", "summary.csv", "paired.csv")


class OutputError(ValueError):
    """The output directory cannot be used: names the path and what to do."""


def check_out(out: Path) -> None:
    """Fail before any work if ``out`` cannot hold results: a file, under a file, or not
    writable."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: is a file, not a directory; choose a directory")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"--out {out}: {parent} is a file; choose a directory")
            break
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise OutputError(f"--out {out}: cannot write there ({e.strerror})") from None


def read_manifest(out: Path) -> dict | None:
    p = Path(out) / MANIFEST
    if not p.exists():
        return None
    try:
        m = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise OutputError(f"{p}: not a readable manifest ({e}); remove it or use --force") from None
    if not isinstance(m, dict) or "config_hash" not in m or not isinstance(m.get("runs"), list):
        raise OutputError(f"{p}: not a govsim manifest (no config_hash or runs)")
    for e in m["runs"]:
        if not isinstance(e, dict) or not {"key", "partition", "config_hash"} <= set(e):
            raise OutputError(f"{p}: a run entry lacks key, partition or config_hash")
        if ".." in str(e["partition"]) or str(e["partition"]).startswith("/"):
            raise OutputError(f"{p}: run partition {e['partition']!r} leaves the directory")
    return m


def git_commit() -> str | None:
    """The commit of the govsim source, when it runs from a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        r = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if r.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
        return r.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def manifest_runs(runs) -> list[dict]:
    """The manifest's entry of each planned run."""
    return [
        {
            "key": r.key,
            "reference": r.reference,
            "partition": r.partition,
            "config_hash": r.config_hash,
            **r.columns,
            "seed": r.seed,
        }
        for r in runs
    ]


def manifest(exp, runs, comparison: dict, commit: str | None) -> dict:
    return {
        "govsim_version": __version__,
        "git_commit": commit,
        "experiment": exp.key,
        "experiment_file": str(exp.file),
        "config_hash": exp.config_hash(),
        "config": exp.config(),
        "seed": exp.settings.seed,
        "comparison": comparison,
        "runs": manifest_runs(runs),
    }


@contextlib.contextmanager
def lock(out: Path):
    """Hold ``DIR/.lock`` while a batch runs in ``out``; a second batch is refused."""
    import fcntl
    import stat

    path = Path(out) / ".lock"
    try:  # never through a symbolic link: the lock is written, and must be ours
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as e:
        raise OutputError(
            f"--out {out}: its .lock cannot be used ({e.strerror}); govsim writes only a regular "
            "file of its own there and follows no link: remove it, or choose another directory"
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OutputError(
            f"--out {out}: its .lock is not a regular file; remove it, or choose another directory"
        )
    f = os.fdopen(fd, "r+", encoding="ascii")
    try:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            pid = f.read().strip() or "?"
            raise OutputError(
                f"--out {out}: another batch (process {pid}) is running there; wait for it or "
                "choose another directory"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        yield
    finally:
        f.close()


def prepare(out: Path, exp, force: bool, keep: dict[str, str] | None = None) -> None:
    """Make ``out`` ready for ``exp``: refuse a directory made by another experiment (or
    not by a batch) unless ``force``; with ``force``, remove the old batch's files (and only
    those) but keep its runs that ``exp`` plans with the same configuration hash (``keep``:
    partition -> hash); remove leftovers of runs that were being written."""
    out = Path(out)
    check_out(out)
    old = None
    try:
        old = read_manifest(out)
    except OutputError:
        if not force:
            raise
    ours = {MANIFEST, INFLIGHT, "failures", *TABLES}
    if old is not None and old["config_hash"] != exp.config_hash() and not force:
        raise OutputError(
            f"--out {out}: holds the results of another experiment "
            f"({old.get('experiment')!r}, configuration {old['config_hash']}; this one is "
            f"{exp.key!r}, {exp.config_hash()}); choose a new directory, or add --force to "
            "replace them (runs this experiment makes the same way are kept)"
        )
    if old is None and not force:
        foreign = [
            p.name for p in out.iterdir() if p.name in {*ours, "runs"} or p.name == "summary.json"
        ]
        if foreign:
            raise OutputError(
                f"--out {out}: holds {', '.join(sorted(foreign))} but no {MANIFEST} (not made "
                "by this version's batches); choose a new directory, or add --force to replace "
                "them"
            )
    if force and (old is None or old["config_hash"] != exp.config_hash()):
        for name in ours:
            p = out / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
        keep = keep or {}
        runs_dir = out / "runs"
        for summary in list(runs_dir.glob("*/*/*/*/summary.json")) if runs_dir.is_dir() else []:
            d = summary.parent
            part = d.relative_to(runs_dir).as_posix()
            if part not in keep or check_run_dir(d, keep[part]) is not None:
                shutil.rmtree(d)
        if runs_dir.is_dir():  # run directories without a summary are leftovers too
            for d in runs_dir.glob("*/*/*/*"):
                if d.is_dir() and not (d / "summary.json").exists():
                    shutil.rmtree(d)
    shutil.rmtree(out / INFLIGHT, ignore_errors=True)


def check_run(out: Path, run: dict) -> str | None:
    """None when the planned ``run`` (a manifest entry) is finished and whole; else why not."""
    return check_run_dir(Path(out) / "runs" / run["partition"], run["config_hash"])


def check_run_dir(d: Path, config_hash: str | None = None) -> str | None:
    """None when the run directory ``d`` holds a whole run (made with ``config_hash`` when
    given); else why not."""
    s = Path(d) / "summary.json"
    if not s.exists():
        return "not run"
    try:
        summary = json.loads(s.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return f"{s}: unreadable"
    if not isinstance(summary, dict) or "scenario" not in summary:
        return f"{s}: not a run summary"
    settings = summary.get("settings", {})
    if config_hash is not None:
        if not isinstance(settings, dict) or settings.get("config_hash") != config_hash:
            return "made with another configuration"
    files = summary.get("files", [])
    if not isinstance(files, list):
        return f"{s}: not a run summary"
    for f in files:
        if not isinstance(f, str) or "/" in f or not (d / f).exists():
            return f"{d / str(f)}: missing"
    return _check_tables(d, summary)


def _check_tables(d: Path, summary: dict) -> str | None:
    import pyarrow.parquet as pq

    expected = {"outcomes.parquet": 1, "daily.parquet": summary.get("days")}
    for f in summary.get("files", []):
        if not f.endswith(".parquet"):
            continue
        try:
            n = pq.ParquetFile(d / f).metadata.num_rows
        except Exception as e:  # a truncated or foreign file
            return f"{d / f}: unreadable ({type(e).__name__})"
        if f in expected and expected[f] is not None and n != expected[f]:
            return f"{d / f}: {n} rows, expected {expected[f]}"
    return None


def outcome_row(outcomes, key: str, replicate: int):
    """A run's ``outcomes.parquet`` (a frame) as the row of a runs table: ``scenario`` (the
    run key) first, the partition columns (``rep`` as ``replicate``; a single run's file has
    none, so ``replicate`` is given), the seed and every outcome."""
    f = outcomes.rename(columns={"rep": "replicate"})
    f.insert(0, "scenario", key)
    if "replicate" not in f:
        f.insert(1, "replicate", replicate)
    return f


def read_outcomes(run_dir: Path, key: str, replicate: int):
    """``outcome_row`` of the run in ``run_dir``."""
    import pandas as pd

    return outcome_row(pd.read_parquet(Path(run_dir) / "outcomes.parquet"), key, replicate)


def write_run_dir(out: Path, partition: str, files: dict[str, bytes]) -> None:
    """Write a run's files into ``.inflight/`` and rename the directory into place
    (replacing a run made with another configuration)."""
    out = Path(out)
    tmp = out / INFLIGHT / uuid.uuid4().hex
    tmp.mkdir(parents=True)
    for name, data in files.items():  # created as any file is: 0666 less the umask
        (tmp / name).write_bytes(data)
    final = out / "runs" / partition
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        trash = out / INFLIGHT / f"old-{uuid.uuid4().hex}"
        os.replace(final, trash)
        os.replace(tmp, final)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(tmp, final)


def failure_path(out: Path, partition: str) -> Path:
    return Path(out) / "failures" / (partition.replace("/", "__") + ".json")


def record_failure(out: Path, run, error: str) -> None:
    write_json(
        failure_path(out, run.partition),
        {"run": run.partition, "key": run.key, "config_hash": run.config_hash, "error": error},
    )


def clear_failure(out: Path, partition: str) -> None:
    failure_path(out, partition).unlink(missing_ok=True)
