"""The front page's claims with what they rest on: for each conclusion the report draws —
a structure better or worse than its reference on a headline outcome, the structure first
on participation and on response — the share of contested settings in which it holds and
the assumptions it hinges on, from a ``govsim robustness`` directory
(``govsim.experiments.claims``).  Sentences from ``text.CLAIMS``; nothing here imports the
simulator."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from govsim.config.reading import population_name
from govsim.presentation.templating import macro
from govsim.presentation.text import CLAIMS, label
from govsim.results.reading import Results, ResultsError

FILES = ("claims.parquet", "claim_boxes.parquet", "claim_names.json")
POPULATION = "population profile"  # govsim.experiments.claims.POPULATION (no simulator import)
DECLARED = "declared"


def read_claims(d: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A robustness directory's claims, boxes and names, or one clear ``ResultsError``."""
    d = Path(d)
    try:
        summary = pd.read_parquet(d / FILES[0])
        boxes = pd.read_parquet(d / FILES[1])
        names = json.loads((d / FILES[2]).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
        raise ResultsError(
            f"{d}: not a govsim robustness directory ({why}: {', '.join(FILES)} expected); "
            "run govsim robustness on a batch of experiments/contested.toml first"
        ) from None
    return summary, boxes, names


def _number(v: float) -> str:
    if v != v:
        return "–"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def _parameter(p: str, names: dict, lang: str) -> str:
    if p == POPULATION:
        return label(CLAIMS, "population_profile", lang)
    return names.get("parameters", {}).get(p, {}).get(lang, p)


def _limit(b, lang: str) -> str:
    """One restricted assumption of a box: its range where the claim fails."""
    if b["values"]:
        sep = "、" if lang == "zh" else ", "
        values = json.loads(b["values"])
        if b["parameter"] == POPULATION:
            values = [
                population_name(v, lang)
                if v != DECLARED
                else label(CLAIMS, "declared_population", lang)
                for v in values
            ]
        return "∈ {" + sep.join(values) + "}"
    at_low = math.isclose(b["low"], b["range_low"])
    at_high = math.isclose(b["high"], b["range_high"])
    if at_low and not at_high:
        return f"≤ {_number(b['high'])}"
    if at_high and not at_low:
        return f"≥ {_number(b['low'])}"
    return f"{_number(b['low'])}–{_number(b['high'])}"


def hinge_text(claim: str, row, boxes: pd.DataFrame, names: dict, lang: str) -> str:
    """What a claim hinges on, in words: the significant restrictions of its box with their
    limits, coverage and density; or that it holds (fails) everywhere, or in no region."""
    mine = boxes[(boxes["claim"] == claim) & boxes["significant"].astype(bool)]
    if mine.empty:
        share = row["share"]
        if share == share and share >= 1.0:
            return label(CLAIMS, "hinges_none", lang)
        if share == share and share <= 0.0:
            return label(CLAIMS, "hinges_never", lang)
        return label(CLAIMS, "hinges_unclear", lang)
    sep = "；" if lang == "zh" else "; "
    items = [
        f"{_parameter(b['parameter'], names, lang)} {_limit(b, lang)}" for _, b in mine.iterrows()
    ]
    cov, den = mine["coverage"].iloc[0], mine["density"].iloc[0]
    box = label(CLAIMS, "box", lang).format(
        coverage=f"{100 * cov:.0f}%", density=f"{100 * den:.0f}%"
    )
    return label(CLAIMS, "hinges", lang).format(names=sep.join(items)) + box


def _sentence(row, res: Results, names: dict, lang: str) -> str:
    def name(s: str) -> str:
        if s in res.runs:
            return res.short_name(s, lang)
        return names.get("structures", {}).get(s, {}).get(lang, s)

    subjects = row.get("subjects") if hasattr(row, "get") else None
    subject = (
        ("、" if lang == "zh" else ", ").join(name(s) for s in subjects)
        if subjects
        else name(row["subject"])
    )

    outcome = (
        res.outcome_name(row["outcome"], lang)
        if row["outcome"] in res.outcomes
        else names.get("outcomes", {}).get(row["outcome"], {}).get(lang, row["outcome"])
    )
    return label(CLAIMS, f"{row['kind']}_{row['direction']}", lang).format(
        subject=subject, other=name(row["other"]), outcome=outcome
    )


def claims_section(res: Results, robustness_dir: str | Path | None, lang: str) -> Markup:
    """The front page's table of claims: each claim of a difference the robustness run
    makes for a structure of this report (and each "first"), with "holds in N% of
    contested settings; hinges on …".  Empty without a robustness directory."""
    if robustness_dir is None:
        return Markup("")
    summary, boxes, names = read_claims(robustness_dir)
    shown = set(res.structures)
    made = summary[
        summary["outcome"].isin(res.headline)
        & (
            ((summary["kind"] == "reference") & summary["direction"].isin(("better", "worse")))
            | (summary["kind"] == "first")
        )
        & summary["subject"].isin(shown)
    ]
    order = {o: i for i, o in enumerate(res.headline)}
    made = made.assign(
        _k=made["kind"].map({"first": 0, "reference": 1}), _o=made["outcome"].map(order)
    ).sort_values(["_k", "_o", "share"], ascending=[True, True, False])
    rows = []
    # the claims that hold in every contested setting, one line per outcome and direction
    made = made.assign(subjects=None).astype({"subjects": object})
    everywhere = (made["kind"] == "reference") & (made["share"] >= 1.0)
    merged = []
    for _, g in made[everywhere].groupby(["_o", "direction", "other"], sort=False):
        first = g.iloc[0].copy()
        first["subjects"] = list(g["subject"])
        merged.append(first)
    made = pd.concat([made[~everywhere], pd.DataFrame(merged)], ignore_index=True)
    made = made.sort_values(["_k", "_o", "share"], ascending=[True, True, False])
    for _, r in made.iterrows():
        share = r["share"]
        holds = label(CLAIMS, "holds", lang).format(
            share="–" if share != share else f"{100 * share:.0f}%"
        )
        rows.append(
            (_sentence(r, res, names, lang), holds, hinge_text(r["claim"], r, boxes, names, lang))
        )
    if not rows:
        return Markup("")
    runs = names.get("runs", {})
    intro = label(CLAIMS, "claims_intro", lang).format(
        settings=names.get("contested_settings"),
        residents=f"{runs.get('residents', 0):,}",
        days=runs.get("days", "–"),
        replicates=runs.get("replicates", "–"),
    )
    heads = [label(CLAIMS, k, lang) for k in ("claim", "holds_share", "hinges_on")]
    return macro("front.html", "claims", label(CLAIMS, "claims_title", lang), intro, heads, rows)
