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

import numpy as np

from .labels import ACTORS, OUTCOMES, TEXT, label
from .metrics import HEADLINE as _LEAD
from .results import Results, colour_order

# the headline outcomes, with the yearly civic participation the reference is calibrated to
HEADLINE = (_LEAD[0], "participation_civic_year", *_LEAD[1:])


CAPTIONS = {
    "participation_over_time": (
        "每条线是一种结构在各次重复中的均值,阴影为95%区间。前30天统计窗口尚未填满。",
        "Each line is one structure's mean over replicates, the band its 95% interval. The first 30 days fill the 30-day window.",
    ),
    "response_time_ecdf": (
        "横轴为从需求产生到得到解决的天数(对数刻度),纵轴为在此时间内已解决的需求比例;曲线终点低于100%的部分为未解决或从未反映的需求;竖线为已解决需求的中位数。",
        "For each need type: the share of needs answered within a given number of days (log scale). Where a curve ends below 100%, the rest were never answered; the tick marks the median of answered needs.",
    ),
    "paired_differences": (
        "每个点是某结构与参照结构在同一种子下的差异的均值;横线为95%区间;穿过零线表示差异不确定。",
        "Each point is a structure's mean difference from the reference on the same seeds; bars are 95% intervals; a bar crossing zero means the difference is uncertain.",
    ),
    "equity": (
        "老年人、劳动年龄人口、流动人口、弱势群体的参与率、响应时间中位数和未反映比例(群体有重叠)。",
        "Participation, median response time and share never reported for the elderly, working-age, migrants and vulnerable residents (groups overlap).",
    ),
    "cost_vs_outcomes": (
        "横轴为人均年成本(人员、场地、购买服务、补贴、积分兑换),纵轴为结果;误差线为95%区间。",
        "Cost per resident per year (staff, premises, purchased services, subsidies, points redeemed) against outcomes; bars are 95% intervals.",
    ),
    "need_flows": (
        "左:需求如何被反映、结果如何;右:已解决的需求在哪一级办结,越靠右越接近居民。",
        "Left: how needs were reported and how they ended. Right: at which level answered needs were settled, nearer residents to the right.",
    ),
    "org_chart": (
        "直接由情景文件绘制:机构按层级排列,箭头为请求转递路径,括号内为可办结比例,蓝色箭头为居民首先去的地方。",
        "Drawn from the scenario file itself: institutions by level, arrows are the routes requests take, brackets the share each can settle, blue arrows where residents go first.",
    ),
}


def _fmt(key: str, m: float, lo: float, hi: float) -> str:
    unit = OUTCOMES[key][2]
    if m != m:
        return "–"
    if unit == "share":
        f = lambda v: f"{100 * v:.1f}%"  # noqa: E731
    elif unit == "h":
        f = lambda v: f"{v / 24:.1f}"  # noqa: E731
    elif unit == "yuan":
        f = lambda v: f"{v:.0f}"  # noqa: E731
    else:
        f = lambda v: f"{v:.3f}"  # noqa: E731
    return f(m) if lo != lo else f"{f(m)} <span class=ci>[{f(lo)}, {f(hi)}]</span>"


def headline_table(res: Results, lang: str) -> str:
    from .compare import mean_ci

    table = res.table()
    colours = colour_order(res.order)
    heads = []
    for k in HEADLINE:
        zh, en, unit = OUTCOMES[k]
        unit_txt = {
            "share": "%",
            "h": "天" if lang == "zh" else "days",
            "yuan": "元/年" if lang == "zh" else "yuan/yr",
            "0-1": "0–1",
        }[unit]
        heads.append(
            f"<th>{html.escape(zh if lang == 'zh' else en)}<br><small>({unit_txt})</small></th>"
        )
    rows = []
    for s in res.order:
        sub = table[table["scenario"] == s]
        cells = []
        for k in HEADLINE:
            col = sub[k] if k in sub else sub.get(k, None)
            m, lo, hi = mean_ci(col.to_numpy()) if col is not None else (np.nan, np.nan, np.nan)
            cells.append(f"<td>{_fmt(k, m, lo, hi)}</td>")
        swatch = f"<span class=sw style='background:{colours[s]}'></span>"
        rows.append(
            f"<tr><th class=name>{swatch}{html.escape(res.name(s, lang))}</th>{''.join(cells)}</tr>"
        )
    first = "结构" if lang == "zh" else "structure"
    return f"<table class=headline><tr><th class=name>{first}</th>{''.join(heads)}</tr>{''.join(rows)}</table>"


def structures_section(res: Results, lang: str) -> str:
    out = []
    for k in res.order:
        sc = res.scenarios[k]
        meta = sc.scenario
        name = meta.name_zh if lang == "zh" else meta.name_en
        desc = meta.description_zh if lang == "zh" else meta.description_en
        seeds = ", ".join(meta.seeds) or "—"
        items = []
        for key, inst in sc.institutions.items():
            cites = "; ".join(
                f"<b>{html.escape(f)}</b>: {html.escape(v)}" for f, v in inst.sources.items()
            )
            items.append(
                f"<li><b>{html.escape(label(ACTORS, inst.actor, lang))}</b> [{key}] — {cites or '—'}</li>"
            )
        seeds_label = "来源文件" if lang == "zh" else "seed documents"
        sources_label = (
            "各机构参数来源" if lang == "zh" else "sources of each institution's numbers"
        )
        out.append(
            f"<h3>{html.escape(name)}</h3><p>{html.escape(desc)}</p><p><small>{seeds_label}: {html.escape(seeds)}</small></p>"
            f"<details><summary>{sources_label}</summary><ul>{''.join(items)}</ul></details>"
        )
    return "".join(out)


def settings_section(res: Results, lang: str) -> str:
    rows = [
        ("govsim", res.version),
        ("居民人数" if lang == "zh" else "residents", f"{res.residents:,}"),
        ("模拟天数" if lang == "zh" else "days", str(res.days)),
        ("重复次数" if lang == "zh" else "replicates", str(res.replicates)),
        ("随机种子" if lang == "zh" else "seeds", ", ".join(map(str, res.seeds))),
        ("人口画像" if lang == "zh" else "population profile", res.population),
        ("参照结构" if lang == "zh" else "reference structure", res.name(res.reference, lang)),
        ("结果目录" if lang == "zh" else "results directory", str(res.root)),
    ]
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
details{margin-bottom:1em}li{margin:.2em 0;font-size:.9em}
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


def build_report(results_dir: str | Path, lang: str = "en", out: str | Path | None = None) -> Path:
    """Write the HTML report (and its figures as PNG and SVG in ``figures/`` beside it)."""
    from .outputs import atomic_write
    from .plot import save_figures

    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    res = Results.load(results_dir)
    out = Path(out) if out else Path(results_dir) / f"report_{lang}.html"
    fig_dir = out.parent / "figures"
    saved = save_figures(res, fig_dir, lang)
    figures = []
    for name, png, svg in saved:
        base = "org_chart" if name.startswith("org_chart_") else name
        cap = CAPTIONS[base][0 if lang == "zh" else 1]
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        rel = f"figures/{svg.name}" if fig_dir.parent == out.parent else str(svg)
        figures.append(
            f"<figure id='{name}'><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{html.escape(cap)} <a href='{html.escape(rel)}'>SVG</a></figcaption></figure>"
        )
    title = label(TEXT, "report_title", lang)
    body = f"""<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<title>{html.escape(title)}</title><style>{CSS}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(" · ".join(res.name(k, lang) for k in res.order))}</p>
<h2>{html.escape(label(TEXT, "headline", lang))}</h2>
{headline_table(res, lang)}
<p><small>{html.escape(label(TEXT, "paired_design", lang))}</small></p>
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
