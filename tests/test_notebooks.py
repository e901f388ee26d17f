"""The teaching notebooks as committed: no outputs, Chinese and English headings, the size
switch first, Markdown that renders as written, tables in words rather than keys, and the
tools that open and run them installed by the README's setup.  Running them is the suite's job too: ``--nbmake`` (pyproject's addopts) executes
every notebook under ``notebooks/`` top to bottom in its small mode."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = {
    "01_认识治理结构_structures.ipynb",
    "02_比较_compare.ipynb",
    "03_批量与敏感性_batch_sensitivity.ipynb",
    "04_课堂练习_what_if.ipynb",
    "05_设计_design.ipynb",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
FULL_SWITCH = re.compile(r"^FULL = False  # True: .*\d.*$")


def _cells(name: str) -> list[dict]:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def test_the_five_notebooks_are_there():
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


# Jupyter renders Markdown cells as CommonMark with GitHub's tables; markdown-it-py parses the
# same way, so what it makes of a cell is what the class sees
MARKDOWN = MarkdownIt("commonmark").enable("table")
CJK_TEXT = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # with full-width marks
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # a key such as relay_delay_h


def _raw_keys() -> set[str]:
    """The names the model gives its outcomes and parameters (the last part of a dotted
    key): words a class reads in the notebooks' tables and charts, never as such in prose."""
    from govsim.core.params import declared_rows
    from govsim.core.summary import OUTCOMES

    return set(OUTCOMES) | {r["key"].rsplit(".", 1)[-1] for r in declared_rows()}


def markdown_faults(text: str, raw_keys: set[str]) -> list[str]:
    """What in one Markdown cell does not render as its author meant or is not for a class:
    a code block that is not fenced (indented by four spaces or more: meant as text), an
    ordered list that does not start at 1, bold left as asterisks, an italic (English) line
    that runs on after the line above in one paragraph, a raw key in a code span or a
    key-like word in the prose, and references to the developers' notes (DOMAIN.md, §)."""
    faults = []
    for tok in MARKDOWN.parse(text):
        if tok.type == "code_block":
            faults.append(f"indented text renders as code: {tok.content.splitlines()[0]!r}")
        if tok.type == "ordered_list_open" and tok.attrGet("start") not in (None, 1, "1"):
            faults.append(f"ordered list starts at {tok.attrGet('start')}")
        children = tok.children or []
        for a, b in zip(children, children[1:], strict=False):
            if a.type == "softbreak" and b.type == "em_open":  # English run on after Chinese
                faults.append("an italic line runs on after the line above: leave a blank line")
        for a, b in zip(children, children[1:], strict=False):
            if b.type == "softbreak" and CJK_TEXT.search(a.content[-1:]):  # shows as a space
                faults.append(f"a Chinese line runs on into the next: {a.content[-20:]!r}")
        for child in children:
            if child.type == "code_inline" and child.content in raw_keys:
                faults.append(f"raw key in prose: `{child.content}`")
            if child.type == "text":
                faults += [f"key-like word in prose: {w!r}" for w in SNAKE.findall(child.content)]
                if "**" in child.content:  # bold that did not open or close (beside punctuation)
                    faults.append(f"unrendered bold: {child.content!r}")
            if child.type in ("text", "code_inline") and (
                "DOMAIN.md" in child.content or "§" in child.content
            ):
                faults.append(f"developers' reference in prose: {child.content!r}")
    return faults


def test_the_markdown_check_finds_what_it_looks_for():
    keys = {"relay_delay_h"}
    assert markdown_faults("### 讨论\n\n1. 一\n2. 二\n", keys) == []
    assert markdown_faults("```python\nx = 1\n```\n", keys) == []
    assert markdown_faults("        ### 讨论 / Discuss\n", keys)  # indented: a code block
    assert markdown_faults("text\n\n    1. indented\n", keys)
    assert markdown_faults("    1. 一\n2. 二\n", keys)[-1] == "ordered list starts at 2"
    assert markdown_faults("延误（`relay_delay_h`）", keys) == ["raw key in prose: `relay_delay_h`"]
    assert markdown_faults("延误 relay_delay_h 小时", keys)
    assert markdown_faults("见 DOMAIN.md §2", keys)
    assert markdown_faults("`m.summary()` 与 `institutions.rc.staff`", keys) == []
    assert markdown_faults("是**同样的居民**（共同随机数）", keys) == []
    assert markdown_faults("是**“传声筒”**的", keys)  # CommonMark keeps these asterisks
    assert markdown_faults("中文。\n*English.*", keys)  # one paragraph: the lines run on
    assert markdown_faults("中文。\n\n*English.*", keys) == []
    assert markdown_faults("第一句。\n第二句。", keys)  # joined with a space between


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_markdown_cells_render_as_meant(name):
    keys = _raw_keys()
    faults = [
        f"{name} cell {i}: {fault}"
        for i, cell in enumerate(_cells(name))
        if cell["cell_type"] == "markdown"
        for fault in markdown_faults(_source(cell), keys)
    ]
    assert not faults, "\n".join(faults)


def test_the_setup_installs_the_notebook_tools():
    """The README's two commands (make results, make test) build the environment with
    what opens and runs the notebooks: JupyterLab, nbconvert, the kernel and nbmake."""
    import tomllib

    root = NOTEBOOKS.parent
    extras = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    install = re.search(r'pip install .*-e "\.\[([\w,]+)\]"', (root / "Makefile").read_text())
    assert install, "the Makefile installs no extras of the package"
    names = {
        re.match(r"[A-Za-z0-9_.-]+", req).group().lower()
        for extra in install.group(1).split(",")
        for req in extras[extra]
    }
    assert {"jupyterlab", "nbconvert", "ipykernel", "nbmake"} <= names, sorted(names)


def _latin_words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{3,}", text)


def test_every_sourced_value_has_a_name_in_both_languages():
    """Notebook 01 names each value whose source it shows in words, never by its key: every
    key a built-in file gives a source for has a Chinese and an English name."""
    import govsim
    from govsim.presentation.sources import parameter_name

    for name in govsim.list_scenarios():
        sc = govsim.load_scenario(name)
        for key in sc.sources:
            zh, en = parameter_name(sc, key, "zh"), parameter_name(sc, key, "en")
            assert CJK.search(zh) and not _latin_words(zh), f"{name}: {key} → {zh!r}"
            assert LATIN_WORD.search(en) and not CJK.search(en), f"{name}: {key} → {en!r}"
    with pytest.raises(KeyError, match="no name"):
        parameter_name(govsim.load_scenario("baseline"), "institutions.rc.no_such_key", "zh")


def test_source_passages_are_shown_in_simplified_characters():
    """The passages notebook 01 quotes: simplified characters (one document is in
    traditional ones) and Chinese punctuation beside Chinese; the names in their language."""
    import opencc

    import govsim
    from govsim.presentation.sources import documents, quoted_sources, simplified

    assert simplified("對不屬于自己職責,及時反饋(處理)") == "对不属于自己职责，及时反馈（处理）"
    assert simplified("2-3万人, QQ群") == "2-3万人，QQ群"
    # every document a line quotes, not only the first (the baseline's walk-in: 001 and 004)
    assert documents("000/001: 「甲」; 004: 「乙」 at 8:30") == ["000", "001", "004"]
    t2s = opencc.OpenCC("t2s")
    half = re.compile(r"[\u4e00-\u9fff][,;:?!()]|[,;:?!()][\u4e00-\u9fff]")
    shown = 0
    for name in govsim.list_scenarios():
        for row in quoted_sources(govsim.load_scenario(name)):
            passages = row["引文 passages"]
            assert passages.startswith("「") and t2s.convert(passages) == passages, passages
            assert not half.search(passages), passages
            assert not _latin_words(row["取值"]) and not CJK.search(row["value"]), row
            assert re.fullmatch(r"\d{3}(、\d{3})*", row["原文 document"]), row
            shown += 1
    assert shown > 50


def test_a_structure_shows_in_words_not_keys():
    """A structure in a notebook (its names, people, where residents go first, institutions
    with their opening hours): need types, schedules and population profiles by their names,
    the file's keys only in the column that says they are the file's."""
    import govsim
    from govsim.config.vocabulary import NEED_TYPES
    from govsim.presentation.notebook import scenario_html

    for name in govsim.list_scenarios():
        sc = govsim.load_scenario(name)
        page = re.sub(r"<code>.*?</code>|<style>.*?</style>", "", scenario_html(sc, chart=False))
        text = re.sub(r"<[^>]+>", " ", page)
        # keys of more than one word (admin_service, every_day_9_21, suzhou_park) are never
        # words of a sentence; an institution after an arrow is named, not keyed (→ rc)
        keys = {k for k in {*NEED_TYPES, *sc.schedules, sc.scenario.population} if "_" in k}
        found = sorted(k for k in keys if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", text))
        found += [k for k in re.findall(r"→\s*(\w+)\s*[,;<]", page) if k in sc.institutions]
        assert not found, f"{name}: {found}"


def test_a_resident_shows_each_attribute_and_state_by_name():
    """``m.residents[42]`` in a notebook: every attribute and every state of the built-in
    modules named in Chinese and English, values in words (是 / yes, 第24天 / day 24)."""
    from dataclasses import fields

    from IPython.core.formatters import DisplayFormatter

    import govsim
    from govsim.presentation.notebook import show_in_notebook
    from govsim.presentation.text import RESIDENT_FIELDS

    m = govsim.GovernanceModel("xinfeng", residents=400, seed=1).run(35)
    r = m.residents[7]
    names = [f.name for f in fields(r) if f.name != "states"] + list(r.states)
    assert set(names) <= set(RESIDENT_FIELDS), set(names) - set(RESIDENT_FIELDS)
    shell = type("Shell", (), {"display_formatter": DisplayFormatter()})()
    assert show_in_notebook(shell)
    page = shell.display_formatter.format(r)[0]["text/html"]
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page)
    assert not [n for n in names if re.search(rf"(?<!\w){n}(?!\w)", text) and "_" in n]
    assert "劳动年龄" in text or "老年" in text or "儿童" in text
    assert re.search(r"(是|否) / (yes|no)", text)
    assert re.search(r"第\d+天 / day \d+|从未 / never", text)
