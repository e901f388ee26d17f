"""``govsim report DIR``: one self-contained HTML report of a comparison.

Headline table (means and 95% intervals), every chart of ``govsim.plot`` (embedded; PNG and
SVG copies saved beside the report), the structures with their seed sources, and the run
settings.  Works on ``compare`` output with one or many replicates, and on any directory of
runs ``Results.load`` understands.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

from govsim.io import atomic_write
from govsim.labels import ACTORS, CAPTIONS, TEXT, label, pick, shown, shown_unit
from govsim.presentation.results import Results, ResultsError, colour_order
from govsim.tables import UNBOUNDED, UNIT_RANGE, mean_ci

# shown after the first headline outcome: the yearly civic participation the reference is
# calibrated to
CALIBRATED = "participation_civic_year"


def headline(res: Results) -> tuple[str, ...]:
    """The columns of the headline table: the runs' headline outcomes, with the yearly
    civic participation after the first."""
    lead = [k for k in res.headline if k != CALIBRATED]
    extra = (CALIBRATED,) if CALIBRATED in res.outcomes else ()
    return (*lead[:1], *extra, *lead[1:])


def _fmt(unit: str, m: float, lo: float, hi: float) -> str:
    if lo != lo or m != m:
        return shown(unit, m)
    return f"{shown(unit, m)} <span class=ci>[{shown(unit, lo)}, {shown(unit, hi)}]</span>"


def headline_table(res: Results, lang: str, columns: tuple[str, ...] | None = None) -> str:
    """Means and 95% intervals of ``columns`` (default: the headline outcomes) by structure."""
    table = res.table()
    columns = headline(res) if columns is None else columns
    colours = colour_order(res.order)
    heads = []
    for k in columns:
        unit_txt = shown_unit(res.outcomes[k]["unit"], lang)
        heads.append(
            f"<th>{html.escape(res.outcome_name(k, lang))}<br><small>({html.escape(unit_txt)})</small></th>"
        )
    rows = []
    for s in res.order:
        sub = table[table["scenario"] == s]
        cells = []
        for k in columns:
            unit = res.outcomes[k]["unit"]
            m, lo, hi = mean_ci(sub[k].to_numpy(), UNIT_RANGE.get(unit, UNBOUNDED))
            cells.append(f"<td>{_fmt(unit, m, lo, hi)}</td>")
        swatch = f"<span class=sw style='background:{html.escape(colours[s])}'></span>"
        rows.append(
            f"<tr><th class=name>{swatch}{html.escape(res.name(s, lang))}</th>{''.join(cells)}</tr>"
        )
    first = html.escape(label(TEXT, "structure", lang))
    return f"<table class=headline><tr><th class=name>{first}</th>{''.join(heads)}</tr>{''.join(rows)}</table>"


def governance_section(res: Results, lang: str) -> str:
    """How the community governs itself: the outcomes declared ``governance``."""
    if not res.governance:
        return ""
    return f"<h2>{html.escape(label(TEXT, 'governance', lang))}</h2>" + headline_table(
        res, lang, res.governance
    )


def structures_section(res: Results, lang: str) -> str:
    out = []
    for k in res.structures:
        sc = res.scenarios[k]
        meta = sc.scenario
        name = pick(meta.name_zh, meta.name_en, lang)
        desc = pick(meta.description_zh, meta.description_en, lang)
        seeds = ", ".join(meta.seeds) or "—"
        items = []
        sources = dict(sc.sources) if hasattr(sc, "sources") else {}
        for key, inst in sc.institutions.items():
            prefix = f"institutions.{key}."
            cites = "; ".join(
                f"<b>{html.escape(f.removeprefix(prefix))}</b>: {html.escape(v)}"
                for f, v in sources.items()
                if f.startswith(prefix)
            )
            items.append(
                f"<li><b>{html.escape(label(ACTORS, inst.actor, lang))}</b> [{html.escape(key)}] — {cites or '—'}</li>"
            )
        seeds_label = html.escape(label(TEXT, "seed_documents", lang))
        sources_label = html.escape(label(TEXT, "institution_sources", lang))
        out.append(
            f"<h3>{html.escape(name)}</h3><p>{html.escape(desc)}</p><p><small>{seeds_label}: {html.escape(seeds)}</small></p>"
            f"<details><summary>{sources_label}</summary><ul>{''.join(items)}</ul></details>"
        )
    return "".join(out)


def settings_section(res: Results, lang: str) -> str:
    rows = [
        ("govsim", res.version),
        ("residents", f"{res.residents:,}"),
        ("days", str(res.days)),
        ("replicates", str(res.replicates)),
        ("seeds", ", ".join(map(str, res.seeds))),
        ("population_profile", res.population),
        ("reference_structure", res.name(res.reference, lang)),
        ("results_directory", str(res.root)),
    ]
    rows = [rows[0], *((label(TEXT, k, lang), v) for k, v in rows[1:])]
    return (
        "<table class=settings>"
        + "".join(f"<tr><th>{html.escape(a)}</th><td>{html.escape(b)}</td></tr>" for a, b in rows)
        + "</table>"
    )


CSS = """
body{font-family:"govsim-cjk","Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.35em .6em;text-align:right;vertical-align:top}
th.name,table.settings th{text-align:left}table.settings td{text-align:left}
.ci{color:#777;font-size:.85em;white-space:nowrap}.sw{display:inline-block;width:.9em;height:.9em;margin-right:.4em;border-radius:2px;vertical-align:middle}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{color:#444;font-size:.92em}
details{margin-bottom:1em}.warn{background:#fff3cd;border:1px solid #e0c060;padding:.6em .9em}td.l{text-align:left}.scroll{overflow-x:auto}li{margin:.2em 0;font-size:.9em}
"""


def embedded_font_css(text: str) -> str:
    """@font-face with the CJK font shipped by ``mplfonts``, cut down to the characters of
    the page, so the report reads the same on a machine without Chinese fonts."""
    from fontTools import subset
    from mplfonts.conf import FONT_DIR

    path = Path(FONT_DIR) / "NotoSansCJKsc-Regular.otf"
    if not path.exists():
        return ""
    chars = {ord(c) for c in text if ord(c) >= 32} | set(range(32, 127))
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    font = subset.load_font(str(path), opts)
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted(chars))
    sub.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f"@font-face{{font-family:'govsim-cjk';src:url(data:font/otf;base64,{data}) format('opentype');}}"


def unfinished_banner(res: Results, lang: str) -> str:
    if res.finished:
        return ""
    planned = sum(len(v) for v in res.runs.values()) + len(res.unfinished)
    text = label(TEXT, "unfinished", lang).format(planned=planned, missing=len(res.unfinished))
    return f"<p class=warn>{html.escape(text)}</p>"


def hinges_section(res: Results, sensitivity_dir: str | Path | None, lang: str) -> str:
    """Which assumptions the comparison's conclusions hinge on, from a ``govsim
    sensitivity`` directory: for each structure and headline outcome, how often its paired
    difference from the reference kept its direction over the sampled settings, the range
    it took, and the two assumptions it depends on most."""
    if sensitivity_dir is None:
        return ""
    import pandas as pd

    d = Path(sensitivity_dir)
    try:
        robust = pd.read_csv(d / "robustness.csv")
        idx = pd.read_parquet(d / "sensitivity.parquet")
    except (OSError, ValueError) as e:
        raise ResultsError(
            f"{d}: not a finished sensitivity directory ({type(e).__name__}: {e})"
        ) from None
    key = "mu_star" if (idx["method"] == "morris").any() else "ST"
    diff = idx[(idx["target"] == "difference") & (idx[key] > 0)]
    rows = []
    for s in res.structures:
        first = len(rows)
        for o in res.headline:
            r = robust[
                (robust["structure"] == s)
                & (robust["population"] == res.population_of(s))
                & (robust["outcome"] == o)
            ]
            if r.empty or o not in res.outcomes:
                continue
            r = r.iloc[0]
            unit = res.outcomes[o]["unit"]
            nan = float("nan")
            span = f"{_fmt(unit, r['difference_min'], nan, nan)} … {_fmt(unit, r['difference_max'], nan, nan)}"
            share = r["same_sign_share"]
            kept = "–" if share != share else f"{100 * share:.0f}%"
            top = diff[
                (diff["structure"] == s)
                & (diff["population"] == res.population_of(s))
                & (diff["outcome"] == o)
            ].nlargest(2, key)
            params = (
                ", ".join(
                    f"{p} (×{v:.2f})"
                    for p, v in zip(top["parameter"], top["of_value"], strict=True)
                )
                or "–"
            )
            rows.append(
                f"<td class=l>{html.escape(res.outcome_name(o, lang))}</td><td>{kept}</td>"
                f"<td>{span}</td><td class=l><code>{html.escape(params)}</code></td></tr>"
            )
        if len(rows) > first:  # the structure's name once, beside its outcomes
            name = html.escape(res.short_name(s, lang))
            rows[first] = f"<th class=name rowspan={len(rows) - first}>{name}</th>" + rows[first]
            rows[first:] = ["<tr>" + r for r in rows[first:]]
    if not rows:
        return ""
    points = int(robust["points"].max())
    intro = label(TEXT, "hinges_intro", lang).format(
        points=points, ref=res.short_name(res.reference, lang)
    )
    head = "".join(
        f"<th>{html.escape(label(TEXT, k, lang))}</th>"
        for k in ("structure", "outcome", "same_sign", "difference_range", "depends_most")
    )
    return (
        f"<h2>{html.escape(label(TEXT, 'hinges_title', lang))}</h2><p>{html.escape(intro)}</p>"
        f"<div class=scroll><table class=hinges><tr>{head}</tr>{''.join(rows)}</table></div>"
    )


def build_report(
    results_dir: str | Path,
    lang: str = "en",
    out: str | Path | None = None,
    dpi: int = 110,
    sensitivity: str | Path | None = None,
) -> Path:
    """Write the HTML report (and its figures as PNG at ``dpi`` and SVG in ``figures/``
    beside it); with ``sensitivity`` (a ``govsim sensitivity`` directory), a section on
    which assumptions the conclusions hinge on."""
    from govsim.presentation.plot import save_figures

    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    from govsim.presentation.plot import check_figure_keys

    res = Results.load(results_dir)
    check_figure_keys(res)  # before any work: figure files are named after the structures
    out = Path(out) if out else Path(results_dir) / f"report_{lang}.html"
    from govsim.store import check_out

    try:  # where the report and its figures go, and the sensitivity section, before drawing
        check_out(out.parent)
    except ValueError as e:
        raise ResultsError(str(e).replace("--out", "report to", 1)) from None
    hinges = hinges_section(res, sensitivity, lang)
    fig_dir = out.parent / "figures"
    saved = save_figures(res, fig_dir, lang, dpi=dpi)
    figures = []
    for name, png, svg in saved:
        base = "org_chart" if name.startswith("org_chart_") else name
        cap = label(CAPTIONS, base, lang)
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        rel = f"figures/{svg.name}" if fig_dir.parent == out.parent else str(svg)
        figures.append(
            f"<figure id='{html.escape(name)}'><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{html.escape(cap)} <a href='{html.escape(rel)}'>SVG</a></figcaption></figure>"
        )
    title = label(TEXT, "report_title", lang)
    body = f"""<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<title>{html.escape(title)}</title><style>{CSS}</style></head><body>
<h1>{html.escape(title)}</h1>
{unfinished_banner(res, lang)}
<p>{html.escape(" · ".join(res.name(k, lang) for k in res.order))}</p>
<h2>{html.escape(label(TEXT, "headline", lang))}</h2>
{headline_table(res, lang)}
<p><small>{html.escape(label(TEXT, "paired_design", lang))}</small></p>
{governance_section(res, lang)}
{hinges}
<h2>{html.escape(label(TEXT, "charts", lang))}</h2>
{"".join(figures)}
<h2>{html.escape(label(TEXT, "structures", lang))}</h2>
{structures_section(res, lang)}
<h2>{html.escape(label(TEXT, "settings", lang))}</h2>
{settings_section(res, lang)}
</body></html>
"""
    body = body.replace(
        "<style>", "<style>" + embedded_font_css(re.sub(r"<[^>]+>|data:[^'\"]+", " ", body)), 1
    )
    atomic_write(out, lambda tmp: tmp.write_text(body, encoding="utf-8"))
    return out
