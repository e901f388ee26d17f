"""The front of a design search: the first two objectives against each other (cost and
response time in the shipped example), coloured by the third; every candidate evaluated
faint behind it, the goals as dashed lines, and the built-in structures on the same
people and seeds marked and named for reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from govsim.presentation.charts.costs import label_points
from govsim.presentation.charts.style import chart, figure, save_chart, shown_scale, t
from govsim.presentation.text import pick
from govsim.results.reading import short


def column_text(column: str, lang: str) -> tuple[str, float]:
    """How a chart names an outcome column of runs.csv (with its unit) and the factor from
    the column's values to the values shown (shares as %; a time column is in days)."""
    from govsim.config.vocabulary import GROUPS, NEED_TYPES, UNITS
    from govsim.core.summary import OUTCOMES
    from govsim.results.tables import outcome_columns

    base = outcome_columns()[column][0]
    o = OUTCOMES[base]
    part, _, stem = column.rpartition(".")
    whose = GROUPS.get(part) or NEED_TYPES.get(part)
    if stem != base:  # a view (hours shown in days): already in the shown unit
        unit, factor = UNITS[o.unit].shown, 1.0
    else:
        factor, unit = shown_scale(o.unit)
    u = UNITS.get(unit)
    shown = pick(u.zh, u.en, lang) if u is not None else unit
    name = pick(o.zh, o.en, lang)
    if whose is not None:  # a group's or a need type's
        name = pick(f"{whose.zh}：{name}", f"{whose.en}: {name}", lang)
    return (f"{name}（{shown}）" if lang == "zh" else f"{name} ({shown})"), factor


@chart
def front_chart(goals, evaluations, front, structures, names: dict[str, str], lang: str = "en"):
    objs = goals.objectives
    x_t, y_t = objs[0], objs[1] if len(objs) > 1 else objs[0]
    c_t = objs[2] if len(objs) > 2 else None
    xl, xf = column_text(x_t.outcome, lang)
    yl, yf = column_text(y_t.outcome, lang)
    fig = figure(figsize=(9.5, 6.2))
    ax = fig.subplots()
    ok = evaluations[~evaluations["failed"]]
    ax.scatter(
        ok[x_t.outcome] * xf,
        ok[y_t.outcome] * yf,
        s=14,
        color="#bbbbbb",
        label=t("design_evaluated", lang, n=len(ok)),
        zorder=1,
    )
    met = front[front["met"]] if "met" in front else front
    colour_kw = {}
    if c_t is not None and len(met):
        cl, cf = column_text(c_t.outcome, lang)
        colour_kw = {"c": met[c_t.outcome] * cf, "cmap": "viridis"}
    if len(met):
        order = np.argsort(met[x_t.outcome].to_numpy())
        ax.plot(
            met[x_t.outcome].to_numpy()[order] * xf,
            met[y_t.outcome].to_numpy()[order] * yf,
            color="#444444",
            lw=1,
            zorder=2,
        )
        sc = ax.scatter(
            met[x_t.outcome] * xf,
            met[y_t.outcome] * yf,
            s=70,
            edgecolor="black",
            zorder=3,
            label=t("design_front", lang, n=len(met)),
            **({"color": "#1f77b4"} if not colour_kw else colour_kw),
        )
        if colour_kw:
            fig.colorbar(sc, ax=ax, label=cl)
    labels = [
        (r["design"].rsplit("_", 1)[-1], r[x_t.outcome] * xf, r[y_t.outcome] * yf, "#222222")
        for _, r in met.iterrows()
    ]
    for _, s in structures.iterrows():
        x, y = s[x_t.outcome] * xf, s[y_t.outcome] * yf
        ax.scatter(x, y, marker="D", s=46, color="white", edgecolor="#d62728", lw=1.5, zorder=4)
        labels.append((names.get(s["structure"], s["structure"]), x, y, "#d62728"))
    ax.scatter(
        [], [], marker="D", color="white", edgecolor="#d62728", label=t("design_builtin", lang)
    )
    for g in goals.goals:
        for target, f, line in ((x_t, xf, ax.axvline), (y_t, yf, ax.axhline)):
            if g.outcome == target.outcome:
                line(g.bound * f, ls="--", color="#d62728", lw=1, zorder=0)
    ax.set_xlabel(xl)
    ax.set_ylabel(yl)
    ax.grid(alpha=0.3)
    ax.margins(0.12)
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
    title = goals.design.name_zh if lang == "zh" else goals.design.name_en
    ax.set_title(t("design_title", lang, name=title or goals.key), fontsize=12)
    note = t(
        "design_note",
        lang,
        runs=goals.design.replicates,
        residents=f"{goals.design.residents:,}",
        days=goals.design.days,
    )
    fig.text(0.01, 0.01, note, fontsize=8, color="#555555")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    label_points(ax, labels)  # once the axes have their final size
    return fig


def structure_names(structures, lang: str) -> dict[str, str]:
    """The built-in structures' short names, as the chart labels them."""
    from govsim.core.load import load_scenario

    names = {}
    for k in structures["structure"]:
        sc = load_scenario(k).scenario
        names[k] = short(pick(sc.name_zh, sc.name_en, lang))
    return names


def save_front_charts(
    goals, evaluations, front, structures, out: Path, dpi: int = 130, stem: str = "front"
) -> list[Path]:
    """The front chart in both languages, as PNG (at ``dpi``) and SVG in ``out``."""
    paths = []
    for lang in ("zh", "en"):
        names = structure_names(structures, lang)
        fig = front_chart(goals, evaluations, front, structures, names, lang)
        paths.append(save_chart(fig, Path(out) / f"{stem}_{lang}.png", dpi=dpi))
        paths.append(Path(out) / f"{stem}_{lang}.svg")
    return paths
