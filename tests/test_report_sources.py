"""The report's appendix of where each institution's numbers come from, in the report's
language: in Chinese, what each value rests on (documents by number, laws by title, a public
statistic, an assumption …) and the documents' own words in simplified characters, never the
English reasoning of the scenario files or a raw key; in English, the source lines as written."""

from __future__ import annotations

import re

import opencc
import pytest

from govsim import list_scenarios, load_scenario
from govsim.presentation.sources import QUOTE, quotes, source_words
from govsim.presentation.text import SOURCE_KINDS, label

T2S = opencc.OpenCC("t2s")


def all_sources() -> list[str]:
    return [
        text
        for name in list_scenarios()
        for key, text in load_scenario(name).sources.items()
        if key.startswith("institutions.")
    ]


def test_chinese_sources_are_chinese():
    lines = all_sources()
    assert len(lines) > 100
    kinds = {label(SOURCE_KINDS, k, "zh") for k in SOURCE_KINDS}
    for text in lines:
        words = source_words(text, "zh")
        outside = QUOTE.sub("", words)  # the quoted passages are the documents' own words
        # no English prose, key or backtick outside the quotes: only document numbers,
        # the kinds' words and titles
        assert not re.search(r"[A-Za-z_`]{2,}", outside), (text, words)
        assert outside.startswith((*kinds, "《")), (text, words)  # what it rests on, first
        # every passage the line quotes is there, in simplified characters
        for q in quotes(text):
            assert f"「{q}」" in words
            assert T2S.convert(q) == q
        assert T2S.convert(words) == words, words


def test_traditional_quotes_are_simplified():
    # 004 is written in traditional characters: its quotes are shown simplified
    line = next(t for t in all_sources() if "只轉事務" in t)
    assert "「只转事务，不放权限」" in source_words(line, "zh")
    assert "只轉" not in source_words(line, "en")


@pytest.mark.parametrize(
    "line, shown",
    [
        ("assumption: one member on duty", "假设"),
        (
            "004: 「只轉事務,不放權限」; assumption on the size",
            "文件004、假设：「只转事务，不放权限」",
        ),
        ("law: 《城市居民委员会组织法》 five-year terms", "法律《城市居民委员会组织法》"),
        ("public statistic: 616,000 members", "公开统计"),
        ("as per: a street office serves 100,000", label(SOURCE_KINDS, "unnamed", "zh")),
    ],
)
def test_source_words(line, shown):
    assert source_words(line, "zh") == shown
    assert source_words(line, "en").startswith(line.split("「")[0])
    assert source_words("assumption: fitted by `govsim calibrate`", "en") == (
        "assumption: fitted by govsim calibrate"
    )
