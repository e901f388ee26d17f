"""The teaching notebooks as committed: no outputs, Chinese and English headings, the size
switch first.  Running them is the suite's job too: ``--nbmake`` (pyproject's addopts) executes
every notebook under ``notebooks/`` top to bottom in its small mode."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = {
    "01_认识治理结构_structures.ipynb",
    "02_比较_compare.ipynb",
    "03_批量与敏感性_batch_sensitivity.ipynb",
    "04_课堂练习_what_if.ipynb",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
FULL_SWITCH = re.compile(r"^FULL = False  # True: .*\d.*$")


def _cells(name: str) -> list[dict]:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def test_the_four_notebooks_are_there():
    assert {p.name for p in NOTEBOOKS.glob("*.ipynb")} == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_committed_without_outputs_or_execution_counts(name):
    for cell in _cells(name):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{name}: a cell keeps its outputs"
            assert cell["execution_count"] is None, f"{name}: a cell keeps its execution count"
        assert "attachments" not in cell or not cell["attachments"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_runs_on_the_python3_kernel(name):
    meta = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["metadata"]
    assert meta["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_headings_are_chinese_first_with_english(name):
    headings = [
        line
        for cell in _cells(name)
        if cell["cell_type"] == "markdown"
        for line in _source(cell).splitlines()
        if line.startswith("#")
    ]
    assert headings and headings[0].startswith("# "), f"{name}: starts with a title"
    sections = [h for h in headings if h.startswith("## ")]
    assert len(sections) >= 3, f"{name}: too few sections"
    for h in headings:
        zh, sep, en = h.lstrip("# ").partition(" / ")
        assert sep, f"{name}: heading {h!r} has no ' / English' part"
        assert CJK.search(zh), f"{name}: heading {h!r} does not start in Chinese"
        assert LATIN_WORD.search(en) and not CJK.search(en), f"{name}: {h!r}: English after /"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_starts_with_the_full_size_switch(name):
    code = [c for c in _cells(name) if c["cell_type"] == "code"]
    first = _source(code[0]).splitlines()[0]
    assert FULL_SWITCH.match(first), f"{name}: first code line is {first!r}"
    # the switch is used: sizes depend on it
    assert re.search(r"if FULL else", _source(code[0])), f"{name}: FULL switches nothing"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_code_cells_are_python_and_write_only_to_a_temporary_folder(name):
    text = []
    for cell in _cells(name):
        if cell["cell_type"] != "code":
            continue
        src = "\n".join(
            line for line in _source(cell).splitlines() if not line.lstrip().startswith("%")
        )
        ast.parse(src)  # a syntax error fails here, not half-way through a class
        text.append(src)
    code = "\n".join(text)
    if "run_batch(" in code or "sensitivity(" in code:
        assert "tempfile.mkdtemp(" in code, f"{name}: batches must write under tempfile"
        assert "shutil.rmtree(OUT)" in code, f"{name}: the temporary folder is removed"
