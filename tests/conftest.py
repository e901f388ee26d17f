"""Shared test constants and helpers."""

import pytest

from govsim import ScenarioError
from govsim.core.summary import headline

# the headline outcomes (declared by the modules) are in summary.json, at the top and in
# every by_group entry
SUMMARY_KEYS = headline()
GROUPS = ("elderly", "working_age", "migrant", "vulnerable")


def rerecord(run_dir) -> None:
    """Make a run's content record match its files again, after a test edited them on
    purpose (what it tests is what the files say, not that they were edited: an edited run
    is refused, tests/test_file_safety.py)."""
    from pathlib import Path

    from govsim.results.store import RUN_RECORD, content_record

    d = Path(run_dir)
    files = {f.name: f.read_bytes() for f in d.iterdir() if f.is_file() and f.name != ".lock"}
    (d / RUN_RECORD).write_bytes(content_record(files))


def child(tmp_path, body: str, name: str = "bad", parent: str = "baseline"):
    """A scenario file extending the baseline (a profile extending urban) with ``body``."""
    path = tmp_path / f"{name}.toml"
    path.write_text(f'extends = "{parent}"\n' + body, encoding="utf-8")
    return path


def one_line_error(load, path, key: str):
    """``load(path)`` fails with one ScenarioError naming the file and the key, on one line."""
    with pytest.raises(ScenarioError) as info:
        load(path)
    err = info.value
    assert err.file == str(path) and err.key == key, (err.file, err.key, str(err))
    assert str(err).startswith(f"{path}: key '{key}': ")
    assert "\n" not in str(err)
    return err
