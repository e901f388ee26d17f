"""The report's front page: sentences that follow the results, a goal table, caveats."""

from __future__ import annotations

import html
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


def text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def segments(paragraph: str, lang: str) -> dict[str, str]:
    """A paragraph's parts after each direction word (better, worse, no practical
    difference, noise)."""
    i = lang == "en"
    words = {
        "better": FRONT["dir_better_higher"][i],
        "worse": FRONT["dir_worse_higher"][i],
        "noise": FRONT["dir_noise"][i],
        "same": FRONT["dir_same"][i].split("{")[0],
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
            if matters is not None and abs(m) <= matters:
                # rule 8: no practical difference, whatever its interval
                assert name in parts["same"], (outcome, k)
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
    page = goals_table(res, lang)
    table = res.table()
    rows = {
        goal: text(r)
        for r in re.findall(r"<tr>(.*?)</tr>", page)[1:]
        for goal in ("goal_fastest", "goal_handled", "goal_cheapest", "goal_fairest")
        if text(r).startswith(FRONT[goal][lang == "en"])
    }
    assert len(re.findall(r"<tr>", page)) == 8  # the header and seven goals

    def best(column_or_values, way):
        means = table.assign(_v=column_or_values).groupby("key")["_v"].mean()
        means = means[means.index.isin(res.structures)]  # the goal table ranks these
        return means.idxmin() if way == "lower" else means.idxmax()

    def named_best(goal, key):  # the best is the first structure named after the goal
        after = rows[goal][len(FRONT[goal][lang == "en"]) :]
        return after.startswith(res.short_name(key, lang))

    assert named_best("goal_fastest", best(table["response_time_median_h"], "lower"))
    assert named_best("goal_handled", best(table["handling_time_median_h"], "lower"))
    assert named_best("goal_cheapest", best(table["cost_per_resident_yuan"], "lower"))
    # fairest: the worst-off group's participation as a share of everyone's, highest first
    # (not the smallest gap, which a structure where nobody takes part would win)
    # (capped at 1: a group above everyone is no fairer than equal)
    groups = table[[f"{g}.participation_mean" for g in ("elderly", "migrant", "vulnerable")]]
    ratio = groups.astype(float).min(axis=1) / table["participation_mean"].astype(float)
    ratio = ratio.clip(upper=1.0)
    means = table.assign(_v=ratio).groupby("key")["_v"].mean()
    means = means[means.index.isin(res.structures)]
    tied = means[means >= means.max() - 1e-12].index
    assert any(named_best("goal_fairest", k) for k in tied)


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
    """Rule 8: a difference no larger than the outcome's declared smallest difference that
    matters is "no practical difference", never better or worse, whatever its interval."""
    outcome = "response_time_median_h"
    info = dict(res.outcomes[outcome])
    monkeypatch.setitem(res.outcomes, outcome, {**info, "matters": 1e9})
    p = text(outcome_paragraph(res, outcome, lang))
    parts = segments(p, lang)
    assert "better" not in parts and "worse" not in parts
    assert res.short_name("chengdong", lang) in parts["same"]
    assert res.short_name("suzhou", lang) in parts["same"]
    assert "noise" not in parts  # within noise or not, too small to matter comes first
    monkeypatch.setitem(res.outcomes, outcome, {**info, "matters": 1e-9})
    parts = segments(text(outcome_paragraph(res, outcome, lang)), lang)
    assert "same" not in parts


@pytest.mark.parametrize(
    ("m", "lo", "hi", "n", "matters", "better", "expected"),
    [
        (0.005, -0.1, 0.2, 5, 0.01, "higher", "same"),  # small, whatever its interval
        (0.005, 0.004, 0.006, 5, 0.01, "higher", "same"),  # small and outside noise
        (0.01, 0.009, 0.011, 5, 0.01, "higher", "same"),  # equal to it is not beyond it
        (0.05, -0.01, 0.1, 5, 0.01, "higher", "noise"),
        (0.05, 0.02, 0.08, 1, 0.01, "higher", "one"),
        (0.05, 0.02, 0.08, 5, 0.01, "higher", "better"),
        (0.05, 0.02, 0.08, 5, 0.01, "lower", "worse"),
        (-30.0, -40.0, -20.0, 5, 12.0, "lower", "better"),
        (0.05, 0.02, 0.08, 5, None, None, "higher"),
        (-0.05, -0.08, -0.02, 5, None, None, "lower"),
    ],
)
def test_how_a_paired_difference_reads(m, lo, hi, n, matters, better, expected):
    from govsim.results.tables import finding

    assert finding(m, lo, hi, n, matters, better) == expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_minus_zero_and_no_zero_width_interval(res, lang, monkeypatch):
    """A difference that rounds to zero has no sign, and an interval whose ends show the
    same is said to be the same in every replicate (issue: "−0", "0.015 to 0.015")."""
    import govsim.presentation.briefing as b

    outcome = "cost_per_resident_yuan"
    info = dict(res.outcomes[outcome])
    # every structure differs from its reference by the same tiny amount in every replicate
    monkeypatch.setattr(b, "paired", lambda res, k, o: (-0.0004, -0.0004, -0.0004, 3))
    p = text(outcome_paragraph(res, outcome, lang))
    assert "−0" not in p and "-0" not in p and "+0至" not in p
    assert FRONT["every_replicate"][lang == "en"] in p
    assert "same" in segments(p, lang)
    # ends on either side of zero that both show as zero: the same, not "0 to 0"
    monkeypatch.setattr(b, "paired", lambda res, k, o: (1e-5, -4e-4, 4e-4, 3))
    p = text(outcome_paragraph(res, outcome, lang))
    assert FRONT["every_replicate"][lang == "en"] in p
    assert "0至0" not in p and "0 to 0" not in p
    # a difference that matters, the same in every replicate, claims its direction
    monkeypatch.setattr(b, "paired", lambda res, k, o: (-40.0, -40.0, -40.0, 3))
    monkeypatch.setitem(res.outcomes, outcome, {**info, "matters": 10.0})
    p = text(outcome_paragraph(res, outcome, lang))
    assert res.short_name("chengdong", lang) in segments(p, lang)["better"]
    assert FRONT["every_replicate"][lang == "en"] in p


def test_goal_table_says_when_the_lead_is_too_small_to_matter(res, monkeypatch):
    outcome = "response_time_median_h"
    info = dict(res.outcomes[outcome])
    monkeypatch.setitem(res.outcomes, outcome, {**info, "matters": 1e9})
    rows = re.findall(r"<tr>(.*?)</tr>", goals_table(res, "en"))[1:]
    fastest = [r for r in rows if FRONT["goal_fastest"][1] in text(r)][0]
    assert FRONT["clear_same"][1] in text(fastest)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_matrix_reads_each_difference_as_the_paragraphs_do(res, lang):
    """One cell per compared structure and headline outcome, its class and word the
    difference's finding (better, worse, no practical difference, uncertain)."""
    from govsim.presentation.briefing import findings, matrix

    page = matrix(res, lang)
    rows = re.findall(r"<tr><th class=name>(.*?)</tr>", page)
    shown = {text(r.split("<br>")[0]): re.findall(r"<td class=(\w+)>(.*?)<br>", r) for r in rows}
    checked = 0
    for i, outcome in enumerate(o for o in res.headline if o in res.outcomes):
        for k, kind, *_ in findings(res, outcome):
            cls, word = shown[res.short_name(k, lang)][i]
            assert cls == kind and word == FRONT[f"m_{kind}"][lang == "en"], (outcome, k)
            checked += 1
    assert checked >= 16


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_key_messages_count_what_the_findings_say(res, lang):
    from govsim.presentation.briefing import KEY_OUTCOMES, _count, findings, key_messages

    items = [text(li) for li in re.findall(r"<li>(.*?)</li>", key_messages(res, lang))]
    assert 3 <= len(items) <= 5
    # the message on where the unresolved cases are is not a count (its own test below)
    items = [i for i in items if not i.startswith(FRONT["key_unresolved_lead"][lang == "en"])]
    for outcome, item in zip([o for o in KEY_OUTCOMES if o in res.outcomes], items, strict=True):
        assert item.startswith(res.outcome_name(outcome, lang))
        kinds = [f[1] for f in findings(res, outcome)]
        for kind, key, cut in (
            ("better", "key_better", "{top}"),
            ("worse", "key_worse", "{names}"),
        ):
            n = kinds.count(kind)
            lead = FRONT[key][lang == "en"].split(cut)[0]
            if n:
                assert lead.format(n=_count(n, lang)) in item, (outcome, kind, item)
            else:
                word = re.split(r"[，（(,]", lead.split("{n}")[1])[0].strip()  # 更好, worse …
                assert not re.search(rf"\d\D{{0,12}}{word}", item), (outcome, kind, item)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_key_messages_tell_never_reported_from_reported_but_unresolved(res, lang):
    """The front page says how many cases never reach any body apart from how many reported
    ones stay unresolved: each as its range over the structures, after never reported."""
    from govsim.presentation.briefing import key_messages
    from govsim.presentation.text import shown

    items = [text(li) for li in re.findall(r"<li>(.*?)</li>", key_messages(res, lang))]
    lead = FRONT["key_unresolved_lead"][lang == "en"]
    at = [i for i, item in enumerate(items) if item.startswith(lead)]
    assert len(at) == 1
    assert items[at[0] - 1].startswith(res.outcome_name("unreported_share", lang))
    table = res.table()
    table = table[table["key"].isin(res.structures)]  # the structures, not what was before
    for outcome in ("unreported_share", "reported_unresolved_share"):
        means = table.groupby("key")[outcome].mean()
        for end in (means.min(), means.max()):
            assert shown("share", end) in items[at[0]], (outcome, items[at[0]])
    # "mostly never reported" when in every structure they are over half the unresolved
    means = table.groupby("key")[["unreported_share", "unresolved_share"]].mean()
    mostly = (means["unreported_share"] > means["unresolved_share"] / 2).all()
    said = FRONT["key_unresolved_mostly"][lang == "en"].split("{never}")[0]
    assert (said in items[at[0]]) == mostly, (mostly, items[at[0]])


def test_fairness_reads_its_smallest_difference_from_its_declaration(res, monkeypatch):
    """The fairness ratio's smallest difference that matters is declared with the outcomes
    (govsim.core.summary.DERIVED), not in the report: a huge one makes any lead too small."""
    import dataclasses

    from govsim.core import summary
    from govsim.presentation.briefing import FAIRNESS

    fair = summary.DERIVED[FAIRNESS]
    assert fair.matters and fair.matters_source.startswith("assumption")

    def fairest():
        rows = re.findall(r"<tr>(.*?)</tr>", goals_table(res, "en"))[1:]
        return text([r for r in rows if FRONT["goal_fairest"][1] in text(r)][0])

    monkeypatch.setitem(summary.DERIVED, FAIRNESS, dataclasses.replace(fair, matters=1e9))
    assert FRONT["clear_same"][1] in fairest()
    monkeypatch.setitem(summary.DERIVED, FAIRNESS, dataclasses.replace(fair, matters=1e-9))
    assert FRONT["clear_same"][1] not in fairest()
