"""The report's front page, for a reader who will not read a table of intervals.

Generated from the results: the question and the structures compared; for each headline
outcome, each structure's paired difference from the reference on the same residents and
needs, in plain words, with its interval, and whether it is within seed-to-seed noise;
"which structure for which goal"; and the caveats — what the intervals cover, which numbers
are assumptions and which conclusions hinge on them (from a sensitivity screen when one is
given), which population each structure ran on, what a trust score means.

Every sentence is a template of ``text.FRONT`` in Chinese and English; directions come from
each outcome's declared ``better`` (in the runs' ``catalog.json``), units from
``vocabulary.UNITS``.  Nothing here imports the simulator.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from markupsafe import Markup

from govsim.config.reading import population_name
from govsim.config.vocabulary import shown_as
from govsim.presentation.templating import macro
from govsim.presentation.text import (
    DIFFERENCE_WORDS,
    FRONT,
    difference_words,
    interval_words,
    label,
    shown,
    shown_difference,
    signed_difference,
)
from govsim.results.reading import Results
from govsim.results.tables import finding, mean_ci, too_small

FRONT_PAGE = "front.html"  # the front page's template (its macros)
GROUPS = ("elderly", "migrant", "vulnerable")  # the groups "fairest to" looks at
# the fairness ratio (worst-off group's participation ÷ everyone's): declared with the
# outcomes (govsim.core.summary.DERIVED), with its smallest difference that matters
FAIRNESS = "participation_ratio_worst_group"


def derived_outcome(key: str):
    """An outcome the report derives from the runs' outcomes, as ``govsim.core.summary``
    declares it (its unit, better way and smallest difference that matters)."""
    from govsim.core.summary import DERIVED

    return DERIVED[key]


def t(key: str, lang: str, **kw) -> str:
    text = label(FRONT, key, lang)
    return text.format(**kw) if kw else text


def paired(res: Results, key: str, outcome: str) -> tuple[float, float, float, int]:
    """Mean difference of run key ``key`` from its reference, replicate by replicate, with
    its 95% t-interval and the number of pairs."""
    ref = res.reference_of(key)
    table = res.table()
    a = table[table["key"] == key].set_index("replicate")[outcome].astype(float)
    b = table[table["key"] == ref].set_index("replicate")[outcome].astype(float)
    d = (a - b).dropna().to_numpy()
    m, lo, hi = mean_ci(d)
    return m, lo, hi, len(d)


def outcome_paragraph(res: Results, outcome: str, lang: str) -> str:
    """One outcome in words: the reference's value, then each structure better, worse or
    within noise, with its difference and interval."""
    info = res.outcomes[outcome]
    unit, better = info["unit"], info.get("better")
    ref = res.reference
    one = res.one_reference  # else each structure against what existed before it
    table = res.table()
    ref_value = table.loc[table["key"] == ref, outcome].astype(float).mean()
    groups: dict[str, list[str]] = {
        "better": [],
        "worse": [],
        "higher": [],
        "lower": [],
        "same": [],  # no larger than the outcome's declared "matters": no practical difference
        "noise": [],  # larger, but within seed-to-seed noise (or one replicate)
    }
    matters = info.get("matters")
    for k, kind, m, lo, hi, n in findings(res, outcome):
        name = res.short_name(k, lang)
        signed = kind in ("same", "noise", "one")  # no direction claimed: a signed value
        why = interval_words(unit, lo, hi, n, lang, signed)
        if not one or res.reference_of(k) != ref:  # what it is compared with, on its people
            why += t("other_reference", lang, ref=res.short_name(res.reference_of(k), lang))
        size = (
            signed_difference(unit, m)
            if signed
            else t("up" if m > 0 else "down", lang) + shown_difference(unit, m)
        ) + difference_words(unit, lang)
        item = f"{name}（{size}，{why}）" if lang == "zh" else f"{name} ({size}, {why})"
        groups["noise" if kind == "one" else kind].append(item)
    name = res.outcome_name(outcome, lang)
    parts = [
        t(
            "ref_value",
            lang,
            outcome=name,
            ref=res.short_name(ref, lang),
            value=shown(unit, ref_value) + _value_unit(unit, lang),
        )
        if one
        else t("before_lead", lang)
    ]
    sep = "；" if lang == "zh" else "; "
    for g in ("better", "worse", "higher", "lower"):
        if groups[g]:
            word = t(
                f"dir_{g}_{better or 'none'}" if g in ("better", "worse") else f"dir_{g}", lang
            )
            parts.append(word + sep.join(groups[g]))
    if groups["same"]:
        least = shown_difference(unit, matters) + difference_words(unit, lang)
        parts.append(t("dir_same", lang, least=least) + sep.join(groups["same"]))
    if groups["noise"]:
        parts.append(t("dir_noise", lang) + sep.join(groups["noise"]))
    return macro(FRONT_PAGE, "paragraph", lang, name, parts)


def _value_unit(unit: str, lang: str) -> str:
    words = DIFFERENCE_WORDS.get(shown_as(unit)[0])
    return t(words, lang) if words else ""


def _means(res: Results, outcome: str) -> dict[str, float]:
    table = res.table()
    return {
        k: float(table.loc[table["key"] == k, outcome].astype(float).mean()) for k in res.structures
    }


def goals_table(res: Results, lang: str) -> str:
    """Which structure for which goal: the best on each goal among the structures, its
    value, the runner-up, and whether the best is ahead by more than seed noise (paired
    when the two ran on the same residents)."""
    table = res.table()
    rows = []

    def ratio(frame: pd.DataFrame) -> pd.Series:
        # the participation of the group that takes part least, as a share of everyone's:
        # 1 when no group falls behind (a gap would call a structure where everyone takes
        # little part fair)
        cols = [f"{g}.participation_mean" for g in GROUPS if f"{g}.participation_mean" in frame]
        worst = frame[cols].astype(float).min(axis=1)
        everyone = frame["participation_mean"].astype(float)
        # at 1 no group falls behind: a group above everyone is not fairer than equal
        return (worst / everyone.where(everyone > 0)).clip(upper=1.0)

    fair = derived_outcome(FAIRNESS)
    # (goal, outcome, better way, derived value, its declaration)
    goals = [
        ("goal_fastest", "response_time_median_h", "lower", None, None),
        ("goal_handled", "handling_time_median_h", "lower", None, None),
        ("goal_participation", "participation_mean", "higher", None, None),
        ("goal_fairest", "participation_mean", fair.better, ratio, fair),
        ("goal_vulnerable_reported", "vulnerable.unreported_share", "lower", None, None),
        ("goal_cheapest", "cost_per_resident_yuan", "lower", None, None),
        ("goal_settled", "settled_in_community_share", "higher", None, None),
    ]
    for goal, outcome, way, derive, declared in goals:
        if outcome not in table:
            continue
        base = outcome.split(".")[-1]  # a group's column reads by its outcome's declaration
        info = res.outcomes.get(base, {})
        matters = declared.matters if derive else info.get("matters")
        values = derive(table) if derive else table[outcome].astype(float)
        frame = table.assign(_v=values)
        means = {k: float(frame.loc[frame["key"] == k, "_v"].mean()) for k in res.structures}
        means = {k: v for k, v in means.items() if v == v}
        if len(means) < 2:
            continue
        ranked = sorted(means, key=means.get, reverse=(way == "higher"))
        best, second = ranked[0], ranked[1]
        unit = declared.unit if derive else info["unit"]
        lead = means[best] - means[second]
        clear = _clearly_ahead(frame, best, second, way, res, matters, lead)
        value = shown(unit, means[best]) + _value_unit(unit, lang)
        value_next = shown(unit, means[second]) + _value_unit(unit, lang)
        rows.append(
            (
                t(goal, lang),
                res.short_name(best, lang),
                value,
                res.short_name(second, lang),
                value_next,
                t(clear, lang),
            )
        )
    heads = [t(k, lang) for k in ("goal", "goal_best", "goal_next", "goal_clear")]
    return macro(FRONT_PAGE, "goals", lang, heads, rows)


def _clearly_ahead(
    frame: pd.DataFrame,
    best: str,
    second: str,
    way: str,
    res: Results,
    matters: float | None,
    lead: float,
) -> str:
    """Whether ``best`` is ahead of ``second`` (by ``lead``, the difference of their means)
    by a difference that matters and is outside seed noise (paired, on the same residents)."""
    if matters is not None and too_small(lead, matters):
        return "clear_same"  # paired or not, too small to matter (rule 8)
    if res.population_of(best) != res.population_of(second):
        return "clear_other_people"
    a = frame[frame["key"] == best].set_index("replicate")["_v"]
    b = frame[frame["key"] == second].set_index("replicate")["_v"]
    d = (a - b).dropna().to_numpy()
    if len(d) < 2:
        return "clear_one_replicate"
    m, lo, hi = mean_ci(d)
    kind = finding(m, lo, hi, len(d), matters, way)
    return {"better": "clear_yes", "same": "clear_same"}.get(kind, "clear_no")


def caveats(res: Results, lang: str, sensitivity_dir: str | Path | None) -> str:
    items = [t("caveat_intervals", lang, replicates=res.replicates), t("caveat_assumptions", lang)]
    fragile = _fragile(res, sensitivity_dir, lang)
    if sensitivity_dir is None:
        items.append(t("caveat_not_screened", lang))
    elif fragile:
        items.append(
            t("caveat_fragile", lang, items=("；" if lang == "zh" else "; ").join(fragile))
        )
    else:
        items.append(t("caveat_robust", lang))
    pops = {}
    for k in res.structures:
        p = res.population_of(k)
        pops.setdefault(population_name(p, lang), []).append(res.short_name(k, lang))
    sep = "；" if lang == "zh" else "; "
    comma = "、" if lang == "zh" else ", "
    items.append(
        t(
            "caveat_populations",
            lang,
            items=sep.join(
                f"{p}：{comma.join(v)}" if lang == "zh" else f"{p}: {comma.join(v)}"
                for p, v in pops.items()
            ),
        )
    )
    items.append(t("caveat_sample", lang, residents=f"{res.residents:,}", days=res.days))
    trust = _means(res, "trust_mean") if "trust_mean" in res.outcomes else {}
    trust = {k: v for k, v in trust.items() if v == v}
    if trust:
        lo, hi = min(trust.values()), max(trust.values())
        items.append(t("caveat_trust", lang, lo=f"{lo:.3f}", hi=f"{hi:.3f}"))
    return macro(FRONT_PAGE, "caveats", t("caveats_title", lang), items)


def _fragile(res: Results, sensitivity_dir, lang: str) -> list[str]:
    """Differences whose direction a sensitivity screen did not keep in at least 90% of
    its sampled settings."""
    if sensitivity_dir is None:
        return []
    p = Path(sensitivity_dir) / "robustness.csv"
    if not p.exists():
        return []
    robust = pd.read_csv(p)
    out = []
    for _, r in robust.iterrows():
        if r["outcome"] not in res.headline or r["structure"] not in res.runs:
            continue
        share = r["same_sign_share"]
        if share == share and share < 0.9:
            out.append(
                t(
                    "fragile_item",
                    lang,
                    structure=res.short_name(r["structure"], lang),
                    outcome=res.outcome_name(r["outcome"], lang),
                    share=f"{100 * share:.0f}%",
                )
            )
    return out


# the outcomes the key messages speak of, in order (each a headline outcome that declares
# which way is better and what matters)
KEY_OUTCOMES = (
    "participation_mean",
    "response_time_median_h",
    "unreported_share",
    "cost_per_resident_yuan",
)


def findings(res: Results, outcome: str) -> list[tuple[str, str, float, float, float, int]]:
    """Each compared structure's paired difference on ``outcome`` from what it is compared
    with: (structure, finding, mean, low, high, pairs), in the report's order."""
    info = res.outcomes[outcome]
    out = []
    for k in res.order:
        if res.reference_of(k) in (None, k):
            continue
        m, lo, hi, n = paired(res, k, outcome)
        if m == m:
            out.append(
                (k, finding(m, lo, hi, n, info.get("matters"), info.get("better")), m, lo, hi, n)
            )
    return out


def _held(robustness_dir, outcome: str, claimed: list[tuple[str, str]]) -> float | None:
    """The least share of contested settings in which the claims "subject better / worse
    than its reference on ``outcome``" hold, for ``claimed`` (subject, direction) pairs;
    None without a robustness directory or when one of them is not among its claims."""
    if robustness_dir is None or not claimed:
        return None
    from govsim.presentation.robustness import read_claims

    summary = read_claims(robustness_dir)[0]
    made = summary[(summary["kind"] == "reference") & (summary["outcome"] == outcome)]
    shares = []
    for subject, direction in claimed:
        got = made[(made["subject"] == subject) & (made["direction"] == direction)]
        if got.empty:  # the robustness run read it otherwise, or did not run it
            return None
        shares.append(float(got["share"].min()))
    return min(shares)


def key_messages(res: Results, lang: str, robustness_dir: str | Path | None = None) -> str:
    """Three to five sentences a decision maker reads first: for each key outcome, how many
    structures do better and worse than what they are compared with by a difference that
    matters and is outside seed noise, the largest gain, and how many make no practical or
    no certain difference; with a robustness run, the least share of contested settings in
    which those better or worse hold."""
    items = []
    comma = "、" if lang == "zh" else ", "
    for outcome in KEY_OUTCOMES:
        if outcome not in res.outcomes or not res.outcomes[outcome].get("better"):
            continue
        rows = findings(res, outcome)
        if not rows:
            continue
        unit = res.outcomes[outcome]["unit"]
        better = [r for r in rows if r[1] == "better"]
        worse = [r for r in rows if r[1] == "worse"]
        unclear = [r for r in rows if r[1] in ("same", "noise", "one")]
        parts = []
        if better:
            top = max(better, key=lambda r: abs(r[2]))
            size = shown_difference(unit, top[2]) + difference_words(unit, lang)
            parts.append(
                t(
                    "key_better",
                    lang,
                    n=_count(len(better), lang),
                    top=res.short_name(top[0], lang),
                    size=t("up" if top[2] > 0 else "down", lang) + size,
                )
            )
        if worse:
            names = comma.join(res.short_name(r[0], lang) for r in worse)
            parts.append(t("key_worse", lang, n=_count(len(worse), lang), names=names))
        held = _held(robustness_dir, outcome, [(r[0], r[1]) for r in better + worse])
        if held is not None and parts:  # said of the better and worse just named
            share = f"{100 * held:.0f}%"
            parts[-1] += t("key_held_all" if share == "100%" else "key_held", lang, share=share)
        if unclear:
            parts.append(t("key_unclear", lang, n=_count(len(unclear), lang)))
        sep = "；" if lang == "zh" else "; "
        stop = "。" if lang == "zh" else "."
        items.append((res.outcome_name(outcome, lang), sep.join(parts) + stop))
    split = unresolved_split(res, lang)
    if split:  # beside what it explains: after never reported, else last
        names = [lead for lead, _ in items]
        after = res.outcome_name("unreported_share", lang)
        items.insert(names.index(after) + 1 if after in names else len(items), split)
    if not items:
        return Markup("")
    intro = (
        t("key_intro_one", lang, ref=res.short_name(res.reference, lang))
        if res.one_reference
        else t("key_intro", lang)
    )
    space = "" if lang == "zh" else " "
    note = intro + ("" if robustness_dir else space + t("key_untested", lang))
    return macro(FRONT_PAGE, "key_messages", lang, t("key_title", lang), items, note)


def unresolved_split(res: Results, lang: str) -> tuple[str, str] | None:
    """Cases unresolved at the end, split: the share of all cases never reported to any
    body, and the share of reported cases still unresolved, each as its range over the
    structures; "mostly never reported" when in every structure the never reported are
    more than half the unresolved."""
    keys = ("unreported_share", "reported_unresolved_share", "unresolved_share")
    if not all(k in res.outcomes for k in keys):
        return None
    means = {k: _means(res, k) for k in keys}
    if any(v != v for m in means.values() for v in m.values()):
        return None

    def span(key: str) -> str:
        unit = res.outcomes[key]["unit"]
        lo, hi = shown(unit, min(means[key].values())), shown(unit, max(means[key].values()))
        return lo if lo == hi else t("range", lang, lo=lo, hi=hi)

    mostly = all(
        means["unreported_share"][k] > means["unresolved_share"][k] / 2 for k in res.structures
    )
    text = t(
        "key_unresolved_mostly" if mostly else "key_unresolved",
        lang,
        never=span("unreported_share"),
        reported=span("reported_unresolved_share"),
    )
    return t("key_unresolved_lead", lang), text + ("。" if lang == "zh" else ".")


def _count(n: int, lang: str) -> str:
    if lang == "zh":
        return f"{n}种结构"
    return f"{n} structure" + ("" if n == 1 else "s")


def matrix(res: Results, lang: str) -> str:
    """Structures × headline outcomes at one glance: better, no practical difference, worse
    or uncertain (within seed noise) against what each is compared with, in colour and in
    words, with the difference."""
    outcomes = [o for o in res.headline if o in res.outcomes]
    cells: dict[str, dict[str, dict]] = {}
    for o in outcomes:
        unit = res.outcomes[o]["unit"]
        for k, kind, m, _lo, _hi, _n in findings(res, o):
            cells.setdefault(k, {})[o] = {
                "kind": kind,
                "word": t(f"m_{kind}", lang),
                "value": signed_difference(unit, m) + difference_words(unit, lang),
            }
    if not cells:
        return Markup("")
    rows = [
        (
            res.short_name(k, lang),
            t("m_against", lang, ref=res.short_name(res.reference_of(k), lang)),
            [cells[k].get(o) for o in outcomes],
        )
        for k in cells
    ]
    return macro(
        FRONT_PAGE,
        "matrix",
        t("matrix_title_one" if res.one_reference else "matrix_title", lang),
        t("m_structure", lang),
        [res.outcome_name(o, lang) for o in outcomes],
        rows,
        t("matrix_note", lang),
    )


def front_page(
    res: Results,
    lang: str,
    sensitivity_dir: str | Path | None = None,
    robustness_dir: str | Path | None = None,
) -> str:
    """The front page's HTML; with ``robustness_dir`` (``govsim robustness``), each claim
    with the share of contested settings in which it holds and what it hinges on."""
    from govsim.presentation.robustness import claims_section

    names = ("、" if lang == "zh" else ", ").join(res.short_name(k, lang) for k in res.structures)
    intro = t(
        "front_intro" if res.one_reference else "front_intro_before",
        lang,
        n=len(res.structures),
        names=names,
        ref=res.short_name(res.reference, lang),
        residents=f"{res.residents:,}",
        days=res.days,
        replicates=res.replicates,
    )
    paragraphs = Markup("").join(
        outcome_paragraph(res, o, lang) for o in res.headline if o in res.outcomes
    )
    return macro(
        FRONT_PAGE,
        "page",
        t("front_title", lang),
        t("front_question", lang),
        key_messages(res, lang, robustness_dir),
        matrix(res, lang),
        t("goals_title", lang),
        goals_table(res, lang),
        caveats(res, lang, sensitivity_dir),
        t("details_title", lang),
        intro,
        paragraphs,
        claims_section(res, robustness_dir, lang),
    )
