"""The report's section "designs that meet the goals" (``govsim report DIR --design
SEARCH``): what the search was asked, its front (chart and table), where the built-in
structures stand, the three most different designs with their organisation charts and the
documented structure nearest to each, how the search converged, and its limits."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
from markupsafe import Markup

from govsim.presentation.sources import source_words
from govsim.presentation.templating import macro
from govsim.presentation.text import TEXT, label, pick

DESIGN = "design.html"
EMBED_DPI = 96  # the report's charts' resolution (``build_report``)
ORG_DPI = 72  # three organisation charts more: drawn smaller, so the page stays under 1 MB


def t(key: str, lang: str, **kw) -> str:
    text = label(TEXT, key, lang)
    return text.format(**kw) if kw else text


def _value(column: str, value: float, lang: str) -> str:
    from govsim.presentation.charts.front import column_text

    _, factor = column_text(column, lang)
    return f"{value * factor:,.1f}" if abs(value * factor) < 1000 else f"{value * factor:,.0f}"


def lever_value(key: str, value, lang: str) -> str:
    from govsim.core.levers import LEVER

    lever = LEVER[key]
    if isinstance(value, bool):
        return t("design_on" if value else "design_off", lang)
    unit = lever.unit(lang) if hasattr(lever, "unit") else ""
    number = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{number}{unit}" if lang == "zh" else f"{number} {unit}".strip()


def lever_text(key: str, value, lang: str) -> str:
    from govsim.core.levers import LEVER

    sep = "：" if lang == "zh" else ": "
    return f"{LEVER[key].name(lang)}{sep}{lever_value(key, value, lang)}"


def most_different(goals, front, n: int = 3) -> list[int]:
    """``n`` rows of the front far apart in what they achieve: the first objective's best,
    then each time the design farthest (objectives scaled to [0, 1]) from those chosen."""
    from govsim.design.front import minimised

    if len(front) <= n:
        return list(range(len(front)))
    f = minimised(goals, front)
    span = np.where(f.max(0) > f.min(0), f.max(0) - f.min(0), 1.0)
    z = (f - f.min(0)) / span
    chosen = [int(np.argmin(f[:, 0]))]
    while len(chosen) < n:
        d = np.min([np.linalg.norm(z - z[c], axis=1) for c in chosen], axis=0)
        d[chosen] = -1
        chosen.append(int(np.argmax(d)))
    return chosen


DIFFERS = 0.1  # assumption: two values of a number lever a tenth of its range apart differ


def nearest_structure(goals, levers: dict, structures: list[str]) -> tuple[str, int, int]:
    """The built-in structure nearest a design by its levers: of the levers the design and
    the structure both have, the fewest whose values differ (a number by more than
    ``DIFFERS`` of its range), as a share of those it has: (its key, how many differ, of how
    many).  A structure without a lever (Chengdong has no street level to remove) is not
    farther for lacking it: it is compared on the others (on at least half the levers)."""
    from govsim.core.levers import LEVER, levers_of
    from govsim.core.load import load_scenario

    best, best_share = ("", 0, 0), 2.0
    for s in structures:
        sc = load_scenario(s)
        targets = levers_of(sc)
        shared = [v for v in goals.variables if v.lever in targets]
        if not shared or len(shared) * 2 < len(goals.variables):
            continue
        differ = 0
        for v in shared:
            own = LEVER[v.lever].current(sc, targets[v.lever])
            mine = levers[v.lever]
            if isinstance(mine, bool) or isinstance(own, bool):
                differ += bool(mine) != bool(own)
            else:
                width = LEVER[v.lever].hi - LEVER[v.lever].lo
                differ += abs(float(mine) - float(own)) > DIFFERS * width
        if differ / len(shared) < best_share:
            best, best_share = (s, differ, len(shared)), differ / len(shared)
    return best


def _embed(png: Path, colours: int = 64) -> dict:
    """A chart made small for the page, as the report's own (organisation charts, boxes
    and lines, in 32 colours; others in 64): the page travels under 1 MB."""
    from govsim.presentation.report import compact_image

    mime, raw, (w, h) = compact_image(png, colours)
    return {"mime": mime, "data": base64.b64encode(raw).decode("ascii"), "width": w, "height": h}


def design_section(design_dir: str | Path, lang: str, fig_dir: Path) -> Markup:
    """The section's HTML, its charts drawn into ``fig_dir`` and embedded."""
    from govsim.core.load import load_scenario
    from govsim.design.outputs import design_names, read_design
    from govsim.design.search import lever_changes, written_levers
    from govsim.presentation.charts.front import column_text, front_chart, structure_names
    from govsim.presentation.charts.org import org_chart
    from govsim.presentation.charts.style import save_chart
    from govsim.results.reading import short

    d = read_design(design_dir)
    goals, front, structures, conv = d.goals, d.front, d.structures, d.convergence
    start = load_scenario(goals.design.structure)
    name = pick(goals.design.name_zh, goals.design.name_en, lang) or goals.key
    met = bool(len(front)) and bool(front["met"].all())
    columns = list(dict.fromkeys(x.outcome for x in [*goals.objectives, *goals.goals]))
    heads = [column_text(c, lang)[0] for c in columns]

    def goal_text(g) -> str:
        op = t("design_at_most" if g.sense == "min" else "design_at_least", lang)
        return f"{column_text(g.outcome, lang)[0]} {op} {_value(g.outcome, g.bound, lang)}"

    from govsim.core.levers import LEVER

    levers = []
    for v in goals.variables:
        lever = LEVER[v.lever]
        if v.kind == "switch":
            moves = t("design_switch", lang)
        elif v.kind == "choice":
            moves = ("、" if lang == "zh" else ", ").join(
                lever_value(v.lever, c, lang) for c in v.choices
            )
        else:
            moves = f"{lever_value(v.lever, v.low, lang)} – {lever_value(v.lever, v.high, lang)}"
        source = source_words(lever.range_source, lang) if lever.range_source else ""
        levers.append((lever.name(lang), lever_value(v.lever, v.current, lang), moves, source))

    rows = []
    for _, r in front.iterrows():
        moved = [
            lever_text(k, val, lang) for k, val in written_levers(goals, start, r["levers"]).items()
        ]
        rows.append(
            (
                r["design"].rsplit("_", 1)[-1],
                ("；" if lang == "zh" else "; ").join(moved) or t("design_unchanged", lang),
                [_value(c, r[c], lang) for c in columns],
            )
        )
    names = structure_names(structures, lang)
    standing = [
        (
            names[s["structure"]],
            t("design_yes" if s["met"] else "design_no", lang),
            t("design_behind" if (s["behind_front"] or not s["met"]) else "design_beyond", lang),
            [_value(c, s[c], lang) for c in columns],
        )
        for _, s in structures.iterrows()
    ]
    behind = sum(1 for _, s in structures.iterrows() if s["behind_front"] or not s["met"])

    # the front drawn again for the page at the report's 96 dpi (the search's own is
    # sharper, for slides), beside the report's other figures
    fig_dir.mkdir(parents=True, exist_ok=True)
    fig = front_chart(
        goals, d.evaluations, front, structures, structure_names(structures, lang), lang
    )
    front_png = save_chart(fig, fig_dir / f"design_front_{lang}.png", EMBED_DPI)
    charts = [{"caption": t("design_front_caption", lang), **_embed(front_png)}]
    examples = []
    if met:
        for i in most_different(goals, front):
            r = front.iloc[i]
            sc = load_scenario(
                goals.design.structure,
                changes=lever_changes(goals, start, r["levers"]) or None,
                key=r["design"],
            )
            names_of = design_names(goals, r)
            sc = sc.model_copy(
                update={
                    "scenario": sc.scenario.model_copy(
                        update={"name_zh": names_of["zh"], "name_en": names_of["en"]}
                    )
                }
            )
            png = save_chart(
                org_chart(sc, lang), fig_dir / f"design_{r['design']}_{lang}.png", ORG_DPI
            )
            key, differ, of = nearest_structure(goals, r["levers"], list(structures["structure"]))
            examples.append(
                {
                    "title": t("design_example", lang, n=r["design"].rsplit("_", 1)[-1]),
                    "nearest": t(
                        "design_nearest", lang, name=names.get(key, key), differ=differ, of=of
                    ),
                    **_embed(png, 32),
                }
            )
    n_eval = int((~d.evaluations["failed"]).sum())
    limits = t(
        "design_limits",
        lang,
        evaluations=n_eval,
        generations=goals.search.generations + 1,
        replicates=goals.design.replicates,
        residents=f"{goals.design.residents:,}",
        days=goals.design.days,
    )
    if goals.search.robust:
        limits += t("design_robust", lang, settings=goals.search.settings)
    growth = [
        (int(c["generation"]), int(c["meeting_goals"]), f"{c['hypervolume']:.3f}")
        for _, c in conv.iterrows()
    ]
    return macro(
        DESIGN,
        "section",
        {
            "title": t("design_section", lang),
            "asked": t(
                "design_asked",
                lang,
                name=name,
                start=short(pick(start.scenario.name_zh, start.scenario.name_en, lang)),
            ),
            "goals": [
                (goal_text(g), source_words(g.source, lang) if g.source else "")
                for g in goals.goals
            ],
            "objectives": [
                f"{column_text(o.outcome, lang)[0]}（{t('design_' + o.sense, lang)}）"
                if lang == "zh"
                else f"{column_text(o.outcome, lang)[0]} ({t('design_' + o.sense, lang)})"
                for o in goals.objectives
            ],
            "levers": levers,
            "lever_heads": [
                t(k, lang)
                for k in ("design_lever", "design_now", "design_moves", "design_range_source")
            ],
            "found": t("design_found", lang, n=len(front)) if met else t("design_none", lang),
            "heads": heads,
            "rows": rows,
            "design_head": t("design_design", lang),
            "changes_head": t("design_changes", lang),
            "standing_intro": t("design_standing", lang, n=len(structures), behind=behind)
            if met
            else "",
            "standing_heads": [
                t("design_structure", lang),
                t("design_meets", lang),
                t("design_place", lang),
            ],
            "standing": standing,
            "charts": charts,
            "examples": examples,
            "growth_intro": t("design_growth", lang),
            "growth_heads": [
                t(k, lang) for k in ("design_generation", "design_meeting", "design_hv")
            ],
            "growth": growth,
            "limits": limits,
            "sep": "；" if lang == "zh" else "; ",
            "labels": {
                "goals": t("design_goals", lang),
                "objectives": t("design_objectives", lang),
                "levers": t("design_levers", lang),
            },
        },
    )
