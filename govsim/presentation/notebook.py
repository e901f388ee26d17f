"""How govsim's objects show themselves in Jupyter: a model, a scenario and a summary as
small bilingual HTML, and charts of models held in memory (``govsim.plot``).

A scenario shows its names, where its residents go first, each institution with its level,
staff, windows and hours, and its organisation chart; a model its structure, size and day
and, once it has run, its headline outcomes; a summary the headline outcomes in the units
people read (shares as %, times in days: ``vocabulary.UNITS``), Chinese beside English.
Nothing here changes matplotlib's global settings (charts draw in their own style).

The core knows nothing of this: ``show_in_notebook`` registers these views with IPython's
HTML formatter by the classes' module and name (so registering loads no simulator), and
``import govsim`` calls it when IPython is running.
"""

from __future__ import annotations

import base64
import html
import io

from govsim.config.vocabulary import LEVELS, NEED_TYPES
from govsim.presentation.text import label, shown, shown_unit

STYLE = (
    "<style>.govsim td,.govsim th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}"
    ".govsim td.n{text-align:right}.govsim caption{text-align:left;font-weight:bold}</style>"
)


def _e(x) -> str:
    return html.escape(str(x), quote=False)  # text of cells and headings, never attributes


def _table(caption: str, head: list[str], rows: list[list[str]]) -> str:
    """A small table; cells are already escaped."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(rows_cell for rows_cell in r) + "</tr>" for r in rows)
    return f"{STYLE}<table class=govsim><caption>{caption}</caption><tr>{th}</tr>{body}</table>"


def _figure_png(fig, dpi: int = 80) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f"<img style='max-width:100%' src='data:image/png;base64,{data}'>"


def outcomes_html(values: dict, caption: str) -> str:
    """Headline outcomes of ``values`` (a run's summary) in display units, zh and en."""
    from govsim.core.summary import OUTCOMES, headline

    rows = []
    for k in headline():
        o = OUTCOMES[k]
        rows.append(
            [
                f"<td>{_e(o.zh)}</td>",
                f"<td>{_e(o.en)}</td>",
                f"<td class=n>{_e(shown(o.unit, values.get(k)))}</td>",
                f"<td>{_e(shown_unit(o.unit, 'zh'))} / {_e(shown_unit(o.unit, 'en'))}</td>",
            ]
        )
    return _table(caption, ["结果", "outcome", "", "单位 / unit"], rows)


def summary_html(summary: dict) -> str:
    name = f"{summary.get('scenario_name_zh', '')} / {summary.get('scenario_name_en', '')}"
    size = f"{summary.get('residents', 0):,} 居民 residents · {summary.get('days', 0)} 天 days"
    return outcomes_html(summary, f"{_e(name)} — {_e(size)}")


def scenario_html(sc, chart: bool = True) -> str:
    """A structure: names, description, institutions, where residents go first, and its
    organisation chart."""
    from govsim.config.reading import population_name
    from govsim.presentation.charts.org_layout import institution_name
    from govsim.presentation.sources import opening_hours

    meta = sc.scenario
    rows = []
    for key, inst in sc.institutions.items():
        hours = opening_hours(sc, inst.hours, "zh") if inst.hours is not None else "–"
        rows.append(
            [
                f"<td>{_e(institution_name(inst, 'zh'))}</td>",
                f"<td>{_e(institution_name(inst, 'en'))}</td>",
                f"<td>{_e(label(LEVELS, inst.level, 'zh'))} / {_e(label(LEVELS, inst.level, 'en'))}</td>",
                f"<td class=n>{_e(f'{inst.staff:g}' if inst.staff is not None else '–')}</td>",
                f"<td class=n>{_e(inst.windows if inst.windows is not None else '–')}</td>",
                f"<td>{_e(hours)}</td>",
                f"<td><code>{_e(key)}</code></td>",
            ]
        )

    def first(lang: str) -> str:
        return ("；" if lang == "zh" else "; ").join(
            f"{label(NEED_TYPES, t, lang)} → {institution_name(sc.institutions[k], lang)}"
            for t, k in sc.routing.walk_in.items()
        )

    head = (
        f"<h4>{_e(meta.name_zh)} / {_e(meta.name_en)}</h4>"
        f"<p>{_e(meta.description_zh)}<br><i>{_e(meta.description_en)}</i></p>"
        f"<p><small>人口：{_e(population_name(meta.population, 'zh'))} · "
        f"居民首先找：{_e(first('zh'))}<br>"
        f"population: {_e(population_name(meta.population, 'en'))} · "
        f"residents go first: {_e(first('en'))}<br>"
        f"文件 file: {_e(sc.key)}</small></p>"
    )
    table = _table(
        "机构 institutions",
        [
            "机构",
            "institution",
            "层级 level",
            "人员 staff",
            "窗口 windows",
            "开放时间 hours",
            "文件中的名称 key in the file",
        ],
        rows,
    )
    org = ""
    if chart:
        from govsim.presentation.plot import org_chart

        org = _figure_png(org_chart(sc, "zh"), dpi=110)
    return head + table + org


def _population(key: str) -> str:
    from govsim.config.reading import population_name

    return f"{population_name(key, 'zh')} / {population_name(key, 'en')}"


def model_html(model) -> str:
    sc = model.spec.scenario
    head = (
        f"<b>GovernanceModel</b>: {_e(sc.name_zh)} / {_e(sc.name_en)} · "
        f"{model.residents.n:,} 居民 residents · 第 {model.day_count} 天 day {model.day_count} · "
        f"种子 seed {model.seed} · {_e(_population(model.population.key))}"
    )
    if model.day_count == 0:
        return f"<p>{head}<br><small>尚未运行 not run yet: model.run(days)</small></p>"
    return f"<p>{head}</p>" + outcomes_html(model.summary(), "至今 so far")


def plot(models, chart: str = "participation_over_time", lang: str = "en", **kw):
    """One of ``govsim.presentation.plot``'s charts (participation_over_time,
    response_time_ecdf, equity, need_flows …; paired_differences needs two structures) of
    a model, or of models, run in this session: a structure's models on one population are
    its replicates, the first structure is the reference.  A matplotlib Figure that shows
    itself in a notebook: ``govsim.plot(model)``, ``govsim.plot([m1, m2], "equity", "zh")``."""
    from govsim.presentation import plot as gp
    from govsim.results.reading import Results

    if chart not in gp.CHARTS and chart != "outcome_over_time":
        raise ValueError(f"chart must be one of {', '.join(gp.CHARTS)}, got {chart!r}")
    models = [models] if hasattr(models, "summary") else list(models)
    return getattr(gp, chart)(Results.from_models(models), lang, **kw)


def _resident_value(field: str, value) -> str:
    """A resident's value in both languages ("是 / yes", "第24天 / day 24")."""
    from govsim.presentation.text import AGE_NAMES, RESIDENT_DAYS, RESIDENT_TEXT

    def both(key: str, **kw) -> str:
        return " / ".join(label(RESIDENT_TEXT, key, lang).format(**kw) for lang in ("zh", "en"))

    if field == "age_group" and value in AGE_NAMES:
        return f"{AGE_NAMES[value][0]} / {AGE_NAMES[value][1]}"
    if isinstance(value, bool):
        return both("yes" if value else "no")
    if field in RESIDENT_DAYS:
        return both("never") if value is None else both("day", n=value)
    if field == "member_of" and value == -1:
        return both("none")
    return "–" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def resident_html(r) -> str:
    """One resident (``model.residents[i]``): each attribute and state named in Chinese
    and English (``text.RESIDENT_FIELDS``; a state of an added module by its name), with
    its value in words where it is a word; the day of last taking part by session kind."""
    from dataclasses import fields

    from govsim.config.vocabulary import SESSION_KINDS
    from govsim.presentation.text import RESIDENT_FIELDS, RESIDENT_TEXT

    def name(field: str, lang: str, **kw) -> str:
        return (
            label(RESIDENT_FIELDS, field, lang).format(**kw) if field in RESIDENT_FIELDS else field
        )

    rows = []

    def row(zh: str, en: str, value: str) -> None:
        rows.append([f"<td>{_e(zh)}</td>", f"<td>{_e(en)}</td>", f"<td class=n>{_e(value)}</td>"])

    for f in fields(r):
        if f.name != "states":
            row(name(f.name, "zh"), name(f.name, "en"), _resident_value(f.name, getattr(r, f.name)))
    for key, value in r.states.items():
        if isinstance(value, dict):  # a state kept by kind
            for kind, v in value.items():
                zh = label(SESSION_KINDS, kind, "zh") if kind in SESSION_KINDS else kind
                en = label(SESSION_KINDS, kind, "en") if kind in SESSION_KINDS else kind
                row(name(key, "zh", kind=zh), name(key, "en", kind=en), _resident_value(key, v))
        else:
            row(name(key, "zh"), name(key, "en"), _resident_value(key, value))
    caption = " / ".join(
        label(RESIDENT_TEXT, "caption", lang).format(i=r.index) for lang in ("zh", "en")
    )
    head = [label(RESIDENT_TEXT, "attribute", "zh"), label(RESIDENT_TEXT, "attribute", "en")]
    value = " / ".join(label(RESIDENT_TEXT, "value", lang) for lang in ("zh", "en"))
    return _table(_e(caption), [*head, value], rows)


# what shows as HTML in a notebook: (module, class) -> view; a subclass shows as its class
VIEWS = {
    ("govsim.core.model", "GovernanceModel"): model_html,
    ("govsim.core.spec", "ScenarioBase"): scenario_html,
    ("govsim.core.summary", "Summary"): summary_html,
    ("govsim.core.records", "ResidentView"): resident_html,
}


def show_in_notebook(shell=None) -> bool:
    """Register the HTML views of models, scenarios and summaries with ``shell`` (default:
    the running IPython, if any); False when there is none."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    html_formatter = shell.display_formatter.formatters["text/html"]
    for (module, name), view in VIEWS.items():
        html_formatter.for_type_by_name(module, name, view)
    return True
