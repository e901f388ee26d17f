"""The report's front page: sentences that follow the results, a goal table, caveats."""

from __future__ import annotations

import re

import pytest

from govsim import GovernanceModel
from govsim.presentation.briefing import front_page, goals_table, outcome_paragraph, paired
from govsim.presentation.text import FRONT
from govsim.results.reading import Results


@pytest.fixture(scope="module")
def res():
    # each structure on its place's people, and the traditional structure (what existed
    # before both) on the same people, as the planner pairs them
    runs = [("baseline", None), ("chengdong", None), ("suzhou", None)]
    runs += [("baseline", "xining"), ("baseline", "suzhou_park")]
    models = [
        GovernanceModel(s, residents=1500, seed=k, population=p).run(60)
        for s, p in runs
        for k in range(3)
    ]
    res = Results.from_models(models)
    assert res.reference_of("chengdong") == "baseline@xining"
    assert res.reference_of("suzhou") == "baseline@suzhou_park"
    return res


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def segments(paragraph: str, lang: str) -> dict[str, str]:
    """A paragraph's parts after each direction word (better, worse, too small to matter, noise)."""
    i = lang == "en"
    words = {
        "better": FRONT["dir_better_higher"][i],
        "worse": FRONT["dir_worse_higher"][i],
        "noise": FRONT["dir_noise"][i],
        "small": FRONT["dir_small"][i].split("{")[0],
    }
    found = sorted((paragraph.find(w), k, w) for k, w in words.items() if w in paragraph)
    out = {}
    for j, (at, k, w) in enumerate(found):
        end = found[j + 1][0] if j + 1 < len(found) else len(paragraph)
        out[k] = paragraph[at + len(w) : end]
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_front_page_states_each_difference_the_way_the_data_has_it(res, lang):
    paragraphs = {
        text(p).split("：" if lang == "zh" else ": ", 1)[0]: text(p)
        for p in re.findall(r"<p><b>.*?</p>", front_page(res, lang))
    }
    checked = 0
    for outcome in res.headline:
        better = res.outcomes[outcome].get("better")
        parts = segments(paragraphs[res.outcome_name(outcome, lang)], lang)
        for k in ("chengdong", "suzhou"):
            m, lo, hi, n = paired(res, k, outcome)
            assert n == 3
            name = res.short_name(k, lang)
            matters = res.outcomes[outcome].get("matters")
            if (lo > 0 or hi < 0) and matters is not None and abs(m) < matters:
                assert name in parts["small"], (outcome, k)  # rule 8: not a finding
                checked += 1
            elif (lo > 0 or hi < 0) and better is not None:
                good = (m > 0) == (better == "higher")
                assert name in parts["better" if good else "worse"], (outcome, k)
                checked += 1
            elif not (lo > 0 or hi < 0):
                assert name in parts["noise"], (outcome, k)
                checked += 1
    assert checked >= 8


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_goal_table_names_the_best_structure(res, lang):
    html = goals_table(res, lang)
    table = res.table()
    fastest = table.groupby("scenario")["response_time_median_h"].mean().idxmin()
    cheapest = table.groupby("scenario")["cost_per_resident_yuan"].mean().idxmin()
    rows = re.findall(r"<tr>(.*?)</tr>", html)[1:]
    assert len(rows) == 5
    assert res.short_name(fastest, lang) in text(rows[0]).split(")")[0] or res.short_name(
        fastest, lang
    ) in text(rows[0])
    assert res.short_name(cheapest, lang) in text(rows[3])


def test_caveats_and_full_width_punctuation(res):
    zh, en = front_page(res, "zh"), front_page(res, "en")
    assert "seed" in en and "assumption" in en and "0–1 scale" in en
    assert "随机种子" in zh and "假设" in zh
    assert "not been checked" in text(en)  # no sensitivity screen given
    for key, (z, _) in FRONT.items():
        bare = re.sub(r"\{[^}]*\}", "", z)
        assert not re.search(r"[\u4e00-\u9fff][,;:()!?]|[,;:()!?][\u4e00-\u9fff]", bare), key


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_difference_smaller_than_what_matters_is_not_a_finding(res, lang, monkeypatch):
    """Rule 8: a difference outside seed noise but under the outcome's declared smallest
    difference that matters is said to be too small, never better or worse."""
    outcome = "response_time_median_h"
    info = dict(res.outcomes[outcome])
    monkeypatch.setitem(res.outcomes, outcome, {**info, "matters": 1e9})
    p = text(outcome_paragraph(res, outcome, lang))
    parts = segments(p, lang)
    assert "better" not in parts and "worse" not in parts
    assert res.short_name("chengdong", lang) in parts["small"]
    monkeypatch.setitem(res.outcomes, outcome, {**info, "matters": 1e-9})
    parts = segments(text(outcome_paragraph(res, outcome, lang)), lang)
    assert "small" not in parts
