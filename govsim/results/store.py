"""A batch's results directory: layout, manifest, finished runs, failures, leftovers.

::

    DIR/manifest.json      govsim version, git commit, the experiment (resolved) and its
                           hash, the seed, and every planned run with its own hash
    DIR/runs/structure=S/variant=V/population=P/replicate=K/
                           summary.json, outcomes.parquet, scenario.json, catalog.json,
                           daily.parquet, needs.parquet, hops.parquet (as kept)
    DIR/failures/<run>.json   a run that raised: its traceback (removed once it succeeds)
    DIR/.inflight/         runs being written (removed when a batch starts)
    DIR/runs.csv, summary.csv, paired.csv, columns.csv   tables of a finished batch

Batches of earlier versions named a run's directory ``rep=K`` (and its column ``rep``), and
the structure in a run's ``summary.json`` ``scenario`` (now ``structure``; their manifests
carry no ``format``, or an older one than ``FORMAT``): they are read as they are
(``Results.load``, ``outcome_row``, ``summary_keys``), but a batch does not go on in them,
which would mix both names in one directory (``old_layout``): ``--force`` runs them again.

A run directory appears whole or not at all: its files are written into ``.inflight/`` and
the directory is renamed into place.  Each run directory holds ``.govsim-run.json``, its
content record (``content_record``): the sha256 of every file, written with them.  A run
counts as finished when every file is the one written (the hashes match), its
``summary.json`` carries the planned configuration hash and lists files that are all there,
and its tables have the rows they should (``check_run``); a bit flipped anywhere makes it
unfinished, so a batch redoes it and a reader names the file.

Nothing govsim did not write is touched: no link in the directory is followed (a ``runs/``
that is a link is refused), and ``--force`` removes only run directories the old manifest
lists or that carry a content record, its own tables, manifest and failure records, never
another directory.  Temporary files of writes a kill interrupted (``.<name>.<pid>.*.tmp``)
and ``.inflight/`` are removed when a batch starts.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

from govsim.results.atomic import remove_leftovers, write_json
from govsim.version import __version__

MANIFEST = "manifest.json"
# the version of the names in a results directory, in its manifest: 2 — run directories
# ``replicate=K``, a run's structure ``structure`` in its ``summary.json`` (1, unwritten:
# ``scenario``, and at first ``rep=K``)
FORMAT = 2
# a run summary's keys as earlier versions named them -> their name now
OLD_SUMMARY_KEYS = {"scenario": "structure"}
INFLIGHT = ".inflight"
TABLES = ("runs.csv", "summary.csv", "paired.csv", "columns.csv")
RUN_RECORD = ".govsim-run.json"  # a run's content record, and govsim's mark on its directory
FAILURES = "failures"
# the files of a single run (``govsim run --out``; ``run_files`` writes them)
RUN_FILES = (
    "summary.json",
    "scenario.json",
    "catalog.json",
    "outcomes.parquet",
    "daily.parquet",
    "needs.parquet",
    "hops.parquet",
    RUN_RECORD,
)
# the names a batch writes at the top of its directory: never links
OURS = (MANIFEST, INFLIGHT, FAILURES, "runs", *TABLES)
# writing errors after which no other run can be written either: the batch stops
NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


class OutputError(ValueError):
    """The output directory cannot be used: names the path and what to do."""


DIRECTORY, FILE = "directory", "file"
ALLOWED_PLACE = {
    DIRECTORY: "a directory (a new one, or one govsim wrote), not a file nor under a file",
    FILE: "a file name in a directory that can be written (a new file, or one to replace), "
    "not a directory",
}


def check_place(argument: str, path: Path, kind: str) -> Path:
    """Before any work: ``path`` (given as ``argument``, e.g. ``--out``) can be written as
    ``kind`` — a ``DIRECTORY`` of results or a ``FILE`` (a report).  Refused in one line
    naming the argument and what is allowed (``OutputError``): a file where a directory is
    meant, a directory where a file is meant, a place under a file, a place that cannot be
    written.  Nothing is created."""
    import tempfile

    path = Path(path)

    def refuse(why: str):
        raise OutputError(f"argument {argument} {path}: {why}; allowed: {ALLOWED_PLACE[kind]}")

    if not str(path).strip() or "\0" in str(path):
        refuse("not a place")
    if path.exists() or path.is_symlink():
        if kind == DIRECTORY and not path.is_dir():
            refuse("is a file")
        if kind == FILE and path.is_dir():
            refuse("is a directory")
        if kind == FILE and not path.is_file():
            refuse("is not a regular file")
    # the nearest place that exists: it must be a directory where govsim may write
    probe = path if kind == DIRECTORY and path.is_dir() else path.parent
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        refuse(f"{probe} is a file")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".govsim-probe-", dir=probe)
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        refuse(f"cannot write in {probe} ({e.strerror})")
    return path


def check_out(out: Path) -> None:
    """Fail before any work if ``out`` cannot hold results (``check_place``: a file, under
    a file, or not writable); then make it."""
    out = check_place("--out", out, DIRECTORY)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(
            f"argument --out {out}: cannot make it ({e.strerror}); allowed: "
            f"{ALLOWED_PLACE[DIRECTORY]}"
        ) from None


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
        "format": FORMAT,
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
    """Hold ``DIR/.lock`` while a batch runs in ``out``; a second batch is refused.

    The lock file is created exclusively and never through a link; one that exists is used
    only when it is a regular file with no other name (a hard link would be another file's
    content), and it is rewritten (with this process's id) only when it holds nothing but
    a process id: any other ``.lock`` is locked as it is, its content left alone."""
    import fcntl
    import re

    path = Path(out) / ".lock"

    def refuse(why: str):
        raise OutputError(
            f"--out {out}: its .lock {why}; govsim writes only a regular file of its own "
            "there and follows no link: remove it, or choose another directory"
        )

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        try:
            fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as e:
            refuse(f"cannot be used ({e.strerror})")
    except OSError as e:
        refuse(f"cannot be used ({e.strerror})")
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        refuse(
            "is not a regular file"
            if not stat.S_ISREG(st.st_mode)
            else f"has {st.st_nlink} names (a hard link to another file)"
        )
    f = os.fdopen(fd, "r+", encoding="ascii", errors="replace")
    try:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            pid = f.read(32).strip() or "?"
            raise OutputError(
                f"--out {out}: another batch (process {pid}) is running there; wait for it or "
                "choose another directory"
            ) from None
        f.seek(0)
        # ours (or empty): a process id, nothing else
        if os.fstat(fd).st_size <= 24 and re.fullmatch(r"\d*\n?", f.read()):
            f.seek(0)
            f.truncate()
            f.write(str(os.getpid()))
            f.flush()
        yield
    finally:
        f.close()


def content_record(files: dict[str, bytes]) -> bytes:
    """The content record of a run's ``files`` (name -> bytes): the sha256 of each (the
    record itself aside).  Written beside them, it is govsim's mark on the directory."""
    sums = {n: hashlib.sha256(b).hexdigest() for n, b in sorted(files.items()) if n != RUN_RECORD}
    return json.dumps({"govsim": __version__, "sha256": sums}, indent=2).encode("utf-8")


def _mode(p: Path) -> int:
    """The file type of ``p`` itself (a link is not followed); 0 when there is none, or it
    cannot be looked at (a name too long, say)."""
    try:
        return stat.S_IFMT(os.lstat(p).st_mode)
    except OSError:
        return 0


def _regular(p: Path) -> bool:
    return _mode(p) == stat.S_IFREG


def _real_dir(p: Path) -> bool:
    """``p`` is a directory, not a link to one."""
    return _mode(p) == stat.S_IFDIR


def is_run_dir(d: Path) -> bool:
    """Whether govsim can prove it made ``d``: a directory (not a link) holding a content
    record."""
    return _real_dir(d) and _regular(Path(d) / RUN_RECORD)


def _recorded(d: Path) -> set[str]:
    """The names the content record of the run directory ``d`` lists (none if unreadable)."""
    sums = _read_record(Path(d) / RUN_RECORD)
    return set(sums) if isinstance(sums, dict) else set()


def _read_record(record: Path) -> dict[str, str] | str:
    """A content record's sha256 by file name; or, when it is not one, why not."""
    if not _regular(record):
        return f"{record}: not a regular file"
    try:
        sums = json.loads(record.read_text(encoding="utf-8")).get("sha256")
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return f"{record}: unreadable"
    if not isinstance(sums, dict) or not all(
        isinstance(n, str) and n and "/" not in n and isinstance(h, str) for n, h in sums.items()
    ):
        return f"{record}: not a content record"
    return sums


def _refuse_links(out: Path, partitions=()) -> None:
    """One line if a name govsim writes in ``out`` (or on the way to a planned run) is a
    symbolic link: it would write or remove through it, in a place it did not make."""
    places = [out / n for n in OURS]
    for part in partitions:
        p = out / "runs"
        for piece in Path(part).parts:
            p = p / piece
            places.append(p)
    for p in dict.fromkeys(places):
        if _mode(p) == stat.S_IFLNK:
            raise OutputError(
                f"--out {out}: {p.relative_to(out)} is a symbolic link; govsim follows no link "
                "in a results directory: replace it by a directory of its own, or choose "
                "another directory"
            )


def _run_dirs(runs_dir: Path) -> list[Path]:
    """The directories four levels under ``runs/`` (where runs are), links not followed."""
    level = [runs_dir] if _real_dir(runs_dir) else []
    for _ in range(4):
        level = [
            Path(e.path) for d in level for e in os.scandir(d) if e.is_dir(follow_symlinks=False)
        ]
    return sorted(level)


def _prune(d: Path, top: Path) -> None:
    """Remove the empty directories from ``d`` up to (not including) ``top``."""
    while d != top and top in d.parents:
        try:
            d.rmdir()
        except OSError:
            return
        d = d.parent


def remove_inflight(out: Path) -> None:
    """Remove what runs being written left in ``out/.inflight`` (never through a link)."""
    p = Path(out) / INFLIGHT
    if _real_dir(p):
        shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def run_out(out: Path, force: bool = False):
    """Hold ``out`` for one run (``govsim run --out``), checked before any work: refused
    while a batch runs there (its lock), when it holds a batch's results, or a run already
    (unless ``force``); a run's files that govsim cannot prove it wrote (no content record
    lists them) are never replaced, even with ``force``; leftovers of interrupted writes are
    removed."""
    out = Path(out)
    check_out(out)
    with lock(out):
        batch = [n for n in (MANIFEST, "runs") if _mode(out / n)]
        if batch:
            raise OutputError(
                f"--out {out}: holds a batch's results ({', '.join(batch)}); a run is written "
                "into a directory of its own: choose another"
            )
        present = [n for n in RUN_FILES if _mode(out / n)]
        if present and not is_run_dir(out):
            raise OutputError(
                f"--out {out}: holds {', '.join(present)} but no {RUN_RECORD}, so govsim cannot "
                "tell it wrote them and will not replace them, not even with --force: move them "
                "away, or choose another directory"
            )
        if present and not force:
            raise OutputError(
                f"--out {out}: holds a run already; choose a new directory, or add --force to "
                "replace it"
            )
        foreign = [n for n in present if n != RUN_RECORD and n not in _recorded(out)]
        if foreign:
            raise OutputError(
                f"--out {out}: {foreign[0]} is not in the run's content record {RUN_RECORD}, "
                "so govsim cannot tell it wrote it and will not replace it: move it away, or "
                "choose another directory"
            )
        remove_leftovers(out, RUN_FILES)
        yield


def prepare(out: Path, exp, force: bool, keep: dict[str, str] | None = None) -> None:
    """Make ``out`` ready for ``exp``: refuse a directory made by another experiment (or
    not by a batch) unless ``force``; with ``force``, remove the old batch's files (and only
    those) but keep its runs that ``exp`` plans with the same configuration hash (``keep``:
    partition -> hash); remove leftovers of writes a kill interrupted.

    Only what govsim can prove it wrote is removed: run directories the old manifest lists
    or that carry a content record (``is_run_dir``), the manifest and tables of a directory
    with a readable govsim manifest (without one, a manifest or table there is refused, even
    with ``force``), and files under ``failures/`` that read as failure records; no link is
    followed, and a planned run's place that holds a directory govsim did not make is
    refused, not replaced."""
    out = Path(out)
    check_out(out)
    keep = keep or {}
    _refuse_links(out, keep)
    old = None
    try:
        old = read_manifest(out)
    except OutputError:
        if not force:
            raise
    if old is not None and old["config_hash"] != exp.config_hash() and not force:
        raise OutputError(
            f"--out {out}: holds the results of another experiment "
            f"({old.get('experiment')!r}, configuration {old['config_hash']}; this one is "
            f"{exp.key!r}, {exp.config_hash()}); choose a new directory, or add --force to "
            "replace them (runs this experiment makes the same way are kept)"
        )
    if old is not None and not force and (why := old_layout(old)) is not None:
        raise OutputError(
            f"--out {out}: written by an earlier govsim version ({why}); it can still be read "
            "(govsim report) but not gone on with: choose a new directory, or add --force to "
            "run it again in place"
        )
    if old is None and not force:
        foreign = [p.name for p in out.iterdir() if p.name in OURS or p.name == "summary.json"]
        if foreign:
            raise OutputError(
                f"--out {out}: holds {', '.join(sorted(foreign))} but no {MANIFEST} (not made "
                "by this version's batches); choose a new directory, or add --force to replace "
                "them"
            )
    listed = {e["partition"] for e in old["runs"]} if old is not None else set()
    runs_dir = out / "runs"
    if force and old is None:  # nothing proves the files at the top are govsim's: kept
        theirs = [n for n in (MANIFEST, *TABLES) if _mode(out / n)]
        if theirs:
            raise OutputError(
                f"--out {out}: holds {', '.join(theirs)} but no readable govsim {MANIFEST}, so "
                "govsim cannot tell it wrote them and will not replace them, not even with "
                "--force: move them away, or choose another directory"
            )
    if force and (
        old is None or old["config_hash"] != exp.config_hash() or old_layout(old) is not None
    ):
        for name in (MANIFEST, *TABLES):
            if _regular(out / name):
                (out / name).unlink()
        failures = out / FAILURES
        if _real_dir(failures):  # failure records only: the files that read as one
            for f in failures.glob("*.json"):
                if _regular(f) and _is_failure_record(f):
                    f.unlink()
            _prune(failures, out)
        for d in _run_dirs(runs_dir):
            part = d.relative_to(runs_dir).as_posix()
            if part not in listed and not is_run_dir(d):
                continue  # not provably govsim's: left alone
            if part in keep and _current(d) and check_run_dir(d, keep[part]) is None:
                continue  # made the same way, in this version's names
            shutil.rmtree(d)
            _prune(d.parent, runs_dir)
    for part in keep:  # a planned run's place: empty, or a run govsim made
        d = runs_dir / part
        if _mode(d) and part not in listed and not is_run_dir(d):
            raise OutputError(
                f"--out {out}: runs/{part} exists but govsim did not make it (no {RUN_RECORD}, "
                f"not in {MANIFEST}); move it away, or choose another directory"
            )
    remove_inflight(out)
    if _real_dir(out):
        remove_leftovers(out, (MANIFEST, *TABLES))
    if _real_dir(out / FAILURES):
        remove_leftovers(out / FAILURES, [failure_path(out, p).name for p in keep])


def old_layout(manifest: dict) -> str | None:
    """How the batch of ``manifest`` names things as earlier versions did (its first run
    directory ``…/rep=K``, now ``…/replicate=K``; or its runs' summaries name the structure
    ``scenario``, now ``structure``: a manifest without ``format`` or an older one); None
    for a batch of this version's names."""
    for e in manifest["runs"]:
        if str(e["partition"]).rsplit("/", 1)[-1].startswith("rep="):
            return f"runs/{e['partition']}: replicates are now named replicate=, not rep="
    fmt = manifest.get("format", 1)
    if not isinstance(fmt, int) or fmt < FORMAT:
        return (
            f"results format {fmt}, now {FORMAT}: its runs' summary.json name the structure "
            "'scenario', now 'structure'"
        )
    return None


def _current(d: Path) -> bool:
    """Whether the run in ``d`` names things as this version does (its ``summary.json``
    has none of ``OLD_SUMMARY_KEYS``), so it may be kept beside the runs made now."""
    try:
        summary = json.loads((Path(d) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(summary, dict) and not set(OLD_SUMMARY_KEYS) & set(summary)


def summary_keys(summary: dict) -> dict:
    """A run's ``summary.json`` (read) with the keys earlier versions named otherwise
    (``OLD_SUMMARY_KEYS``: ``scenario``) under their names now (``structure``), so a run of
    an earlier version reads as one of this version; a summary with both is left as it is."""
    if not isinstance(summary, dict):
        return summary
    old = {o: n for o, n in OLD_SUMMARY_KEYS.items() if o in summary and n not in summary}
    return {old.get(k, k): v for k, v in summary.items()} if old else summary


def check_run(out: Path, run: dict) -> str | None:
    """None when the planned ``run`` (a manifest entry) is finished and whole; else why not."""
    return check_run_dir(Path(out) / "runs" / run["partition"], run["config_hash"])


def check_run_dir(d: Path, config_hash: str | None = None) -> str | None:
    """None when the run directory ``d`` holds a whole run (made with ``config_hash`` when
    given); else why not, naming the file.  A run with a content record (all runs this
    version writes) is whole when every file is the one written; a run of earlier versions
    has none and is checked as they were (its files there and readable, its tables' rows)."""
    d = Path(d)
    try:
        if _mode(d) == stat.S_IFLNK:
            return f"{d}: a symbolic link, not a run directory"
        s = d / "summary.json"
        if not _mode(s):
            return "not run"
        record = d / RUN_RECORD
        sums = None
        if _mode(record):  # first: a damaged file is named as damaged, whatever it holds
            why, sums = _check_record(d)
            if why:
                return why
        try:
            summary = summary_keys(json.loads(s.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return f"{s}: unreadable"
        if not isinstance(summary, dict) or "structure" not in summary:
            return f"{s}: not a run summary"
        settings = summary.get("settings", {})
        if config_hash is not None:
            if not isinstance(settings, dict) or settings.get("config_hash") != config_hash:
                return "made with another configuration"
        files = summary.get("files", [])
        if not isinstance(files, list):
            return f"{s}: not a run summary"
        for f in files:
            if not isinstance(f, str) or "/" in f or not _regular(d / f):
                return f"{d / str(f)}: missing"
        if sums is not None:  # (a record listed but not there is missing, above)
            for f in {*files, "summary.json"} - {RUN_RECORD}:
                if f not in sums:
                    return f"{d / f}: not in the run's content record {record}"
        return _check_tables(d, summary)
    except OSError as e:
        return f"{e.filename or d}: {e.strerror}"


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _check_record(d: Path) -> tuple[str | None, dict[str, str]]:
    """(None, the record's sums) when every file the content record of ``d`` lists is there
    with the content written; else the first that is not, and how."""
    record = d / RUN_RECORD
    sums = _read_record(record)
    if isinstance(sums, str):
        return sums, {}
    for name, want in sorted(sums.items()):
        p = d / name
        if not _regular(p):
            return f"{p}: missing", sums
        if _sha256(p) != want:
            return f"{p}: damaged (its sha256 is not the one written in {RUN_RECORD})", sums
    return None, sums


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
    """A run's ``outcomes.parquet`` (a frame) as the row of a runs table: ``key`` (the run
    key, as the manifest names it) first, the partition columns (``structure``, ``variant``,
    ``population``, ``replicate``; a single run's file has none, so ``replicate`` is given),
    the seed and every outcome.  A file of an earlier version names the replicate ``rep``:
    read as ``replicate``."""
    f = outcomes.rename(columns={"rep": "replicate"})
    f.insert(0, "key", key)
    if "replicate" not in f:
        f.insert(1, "replicate", replicate)
    return f


def read_outcomes(run_dir: Path, key: str, replicate: int):
    """``outcome_row`` of the run in ``run_dir``."""
    import pandas as pd

    return outcome_row(pd.read_parquet(Path(run_dir) / "outcomes.parquet"), key, replicate)


def write_run_dir(out: Path, partition: str, files: dict[str, bytes]) -> None:
    """Write a run's files (with their content record, ``run_files`` makes it) into
    ``.inflight/`` and rename the directory into place (replacing a run made with another
    configuration).  A write that fails (disk full, a file-size limit, a name too long)
    leaves nothing behind and raises its ``OSError``."""
    out = Path(out)
    tmp = out / INFLIGHT / uuid.uuid4().hex
    try:
        tmp.mkdir(parents=True)
        for name, data in files.items():  # created as any file is: 0666 less the umask
            (tmp / name).write_bytes(data)
        final = out / "runs" / partition
        final.parent.mkdir(parents=True, exist_ok=True)
        if _mode(final):
            trash = out / INFLIGHT / f"old-{uuid.uuid4().hex}"
            os.replace(final, trash)
            os.replace(tmp, final)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _is_failure_record(p: Path) -> bool:
    """Whether ``p`` reads as a failure record ``record_failure`` wrote."""
    try:
        r = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(r, dict) and set(r) == {"run", "key", "config_hash", "error"}


def failure_path(out: Path, partition: str) -> Path:
    """``failures/<partition, / as __>.json``; a name too long for a file system (over 200
    bytes) is cut and given a hash of the whole, so the record can be written."""
    name = partition.replace("/", "__")
    if len(name.encode("utf-8")) > 200:
        cut = name.encode("utf-8")[:150].decode("utf-8", errors="ignore")
        name = f"{cut}-{hashlib.sha256(partition.encode('utf-8')).hexdigest()[:16]}"
    return Path(out) / FAILURES / (name + ".json")


def record_failure(out: Path, run, error: str) -> bool:
    """Record the failure of ``run`` under ``failures/``; False when even that cannot be
    written (a full disk)."""
    try:
        write_json(
            failure_path(out, run.partition),
            {"run": run.partition, "key": run.key, "config_hash": run.config_hash, "error": error},
        )
    except OSError:
        return False
    return True


def clear_failure(out: Path, partition: str) -> None:
    failure_path(out, partition).unlink(missing_ok=True)
