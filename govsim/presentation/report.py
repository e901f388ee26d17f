"""``govsim report DIR``: one self-contained HTML report of a comparison.

Headline table (means and 95% intervals), every chart of ``govsim.plot``, the structures with
the documents they were drawn from, and the run settings.  Works on ``compare`` output with one
or many replicates, and on any directory of runs ``Results.load`` understands.

The page is whole on its own (it can be emailed alone): charts are embedded as PNG with a
reduced palette (full-quality PNG and SVG copies are saved in ``figures/`` beside it, but not
linked), the Chinese font as a WOFF2 subset of the page's characters (``fonts``), and there is
no link to any other file.  It reads on a phone (viewport, tables that scroll sideways with the
structure's name kept in view) and prints (no row split across pages, a page per section).
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

from govsim.config.reading import population_name
from govsim.config.vocabulary import ACTORS, SESSION_KINDS, value_range
from govsim.presentation import fonts
from govsim.presentation.briefing import front_page
from govsim.presentation.colours import colour_order
from govsim.presentation.text import (
    CAPTIONS,
    SEED_TITLES,
    TEXT,
    label,
    pick,
    shown,
    shown_unit,
)
from govsim.results.atomic import atomic_write, remove_leftovers
from govsim.results.reading import Results, ResultsError
from govsim.results.tables import mean_ci

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
            m, lo, hi = mean_ci(sub[k].to_numpy(), value_range(unit))
            cells.append(f"<td>{_fmt(unit, m, lo, hi)}</td>")
        swatch = f"<span class=sw style='background:{html.escape(colours[s])}'></span>"
        rows.append(f"<tr><th class=name>{swatch}{names(res, s, lang)}</th>{''.join(cells)}</tr>")
    first = html.escape(label(TEXT, "structure", lang))
    return scroll(
        f"<table class=headline><thead><tr><th class=name>{first}</th>{''.join(heads)}</tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def names(res: Results, key: str, lang: str) -> str:
    """HTML: a structure's full name, and its short name shown instead on a phone."""
    full, brief = res.name(key, lang), res.short_name(key, lang)
    if brief == full:
        return html.escape(full)
    return (
        f"<span class=full>{html.escape(full)}</span><span class=short>{html.escape(brief)}</span>"
    )


def scroll(table: str) -> str:
    """A table in a wrapper that scrolls sideways on a narrow screen (not in print)."""
    return f"<div class=scroll>{table}</div>"


def population_label(key: str, lang: str) -> str:
    """A population profile by its label (its key for a profile without one)."""
    return population_name(key, lang)


def populations_text(res: Results, lang: str) -> str:
    """The population profile the runs used, by its label; each structure's when they differ."""
    pops = {k: res.population_of(k) for k in res.order}
    if len(set(pops.values())) <= 1:
        return population_label(next(iter(pops.values()), ""), lang)
    sep = "；" if lang == "zh" else "; "
    colon = "：" if lang == "zh" else ": "
    return sep.join(
        f"{res.short_name(k, lang)}{colon}{population_label(p, lang)}" for k, p in pops.items()
    )


def elections_text(res: Results, lang: str) -> str:
    """Whether the simulated year was an election year (``[scenario] election_year``, in
    each run's summary); each structure's when they differ."""
    held = {k: res.first(k).summary.get("election_year") for k in res.order}
    text = {
        k: label(TEXT, "election_held" if v else "election_not_held", lang)
        if v is not None
        else "—"
        for k, v in held.items()
    }
    if len(set(text.values())) <= 1:
        return next(iter(text.values()), "—")
    sep = "；" if lang == "zh" else "; "
    colon = "：" if lang == "zh" else ": "
    return sep.join(f"{res.short_name(k, lang)}{colon}{v}" for k, v in text.items())


def seed_title(file: str, lang: str) -> str:
    """HTML: a source document by its number and title, its file name on hover."""
    number = file.split("_", 1)[0]
    title = label(SEED_TITLES, file, lang) if file in SEED_TITLES else file
    return f"<span class=seed title='{html.escape(file)}'>{html.escape(number)} {html.escape(title)}</span>"


def governance_section(res: Results, lang: str) -> str:
    """How the community governs itself: the outcomes declared ``governance``."""
    if not res.governance:
        return ""
    return f"<h2>{html.escape(label(TEXT, 'governance', lang))}</h2>" + headline_table(
        res, lang, res.governance
    )


def sessions_text(res: Results, key: str, lang: str) -> str:
    """The sessions one body of each institution holds a year, by kind (its programmes and
    its own cycle, ``sessions_per_year``; the mean of the structure's runs, from the
    ``institutions`` section of their summaries)."""
    sc = res.scenarios[key]
    runs = res.runs[key]
    colon = "：" if lang == "zh" else ": "
    comma = "、" if lang == "zh" else ", "
    parts = []
    for inst_key, inst in sc.institutions.items():
        held = {}
        for kind in SESSION_KINDS:
            got = [
                r.summary.get("institutions", {})
                .get(inst_key, {})
                .get(f"sessions_per_instance_year.{kind}")
                for r in runs
            ]
            got = [float(v) for v in got if v is not None]
            if got and sum(got) > 0:
                held[kind] = sum(got) / len(got)
        if held:
            own = pick(
                getattr(inst, "name_zh", None) or "", getattr(inst, "name_en", None) or "", lang
            )
            name = own or label(ACTORS, inst.actor, lang)
            parts.append(
                name
                + colon
                + comma.join(f"{label(SESSION_KINDS, k, lang)} {v:,.0f}" for k, v in held.items())
            )
    return ("；" if lang == "zh" else "; ").join(parts) or "—"


def structures_section(res: Results, lang: str) -> str:
    out = []
    for k in res.structures:
        sc = res.scenarios[k]
        meta = sc.scenario
        name = pick(meta.name_zh, meta.name_en, lang)
        desc = pick(meta.description_zh, meta.description_en, lang)
        seeds = "<br>".join(seed_title(f, lang) for f in meta.seeds) or "—"
        items = []
        sources = dict(sc.sources) if hasattr(sc, "sources") else {}
        for key, inst in sc.institutions.items():
            prefix = f"institutions.{key}."
            cites = "; ".join(
                f"<b>{html.escape(f.removeprefix(prefix))}</b>: {html.escape(v)}"
                for f, v in sources.items()
                if f.startswith(prefix)
            )
            actor = label(ACTORS, inst.actor, lang)
            own = pick(
                getattr(inst, "name_zh", None) or "", getattr(inst, "name_en", None) or "", lang
            )
            kind = f" <small>({html.escape(actor)})</small>" if own and own != actor else ""
            items.append(f"<li><b>{html.escape(own or actor)}</b>{kind} — {cites or '—'}</li>")
        colon = "：" if lang == "zh" else ": "
        seeds_label = html.escape(label(TEXT, "source_documents", lang) + colon)
        pop_label = html.escape(label(TEXT, "population_profile", lang) + colon)
        pop = html.escape(population_label(res.population_of(k), lang))
        sources_label = html.escape(label(TEXT, "institution_sources", lang))
        held_label = html.escape(label(TEXT, "sessions_held", lang) + colon)
        held = html.escape(sessions_text(res, k, lang))
        out.append(
            f"<div class=structure><h3>{html.escape(name)}</h3><p>{html.escape(desc)}</p>"
            f"<p class=meta>{pop_label}{pop}</p><p class=meta>{held_label}{held}</p>"
            f"<p class=meta>{seeds_label}<br>{seeds}</p>"
            f"<details><summary>{sources_label}</summary><ul>{''.join(items)}</ul></details></div>"
        )
    return "".join(out)


def compared_with_text(res: Results, lang: str) -> str:
    """Each structure and the structure it is compared with (on the same residents)."""
    sep, arrow = ("；", "：") if lang == "zh" else ("; ", ": ")
    return sep.join(
        f"{res.short_name(k, lang)}{arrow}{res.short_name(r, lang)}"
        for k in res.order
        if (r := res.reference_of(k)) not in (None, k)
    )


def settings_section(res: Results, lang: str) -> str:
    rows = [
        ("govsim", res.version),
        ("residents", f"{res.residents:,}"),
        ("days", str(res.days)),
        ("replicates", str(res.replicates)),
        ("seeds", ", ".join(map(str, res.seeds))),
        ("population_profile", populations_text(res, lang)),
        (
            ("reference_structure", res.name(res.reference, lang))
            if res.one_reference
            else ("compared_with", compared_with_text(res, lang))
        ),
        ("election_year", elections_text(res, lang)),
        ("results_directory", str(res.root)),
    ]
    rows = [rows[0], *((label(TEXT, k, lang), v) for k, v in rows[1:])]
    return scroll(
        "<table class=settings>"
        + "".join(f"<tr><th>{html.escape(a)}</th><td>{html.escape(b)}</td></tr>" for a, b in rows)
        + "</table>"
    )


CSS = (
    """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{font-family:"FAMILY",sans-serif;max-width:1200px;margin:0 auto;padding:1em;color:#222;line-height:1.55;font-size:16px;overflow-wrap:break-word}
h1{font-size:1.6em;line-height:1.3;margin:.4em 0}h2{font-size:1.3em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{font-size:1.1em;margin:1.4em 0 .3em}
code{font-family:inherit;font-size:.95em;background:#f4f4f4;padding:0 .2em;border-radius:2px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:1em 0;max-width:100%}
table{border-collapse:separate;border-spacing:0;font-size:.92em}
th,td{border:1px solid #ddd;border-width:0 1px 1px 0;padding:.35em .6em;text-align:right;vertical-align:top;background:#fff}
tr>:first-child{border-left-width:1px}thead tr:first-child>*,table>tr:first-child>*,tbody:first-child>tr:first-child>*{border-top-width:1px}
thead th{background:#f6f6f6;font-weight:600}
th.name,table.settings th{text-align:left}table.settings th{white-space:nowrap}table.settings td{text-align:left}
th.name{position:sticky;left:0;z-index:1;min-width:9em;max-width:16em;background:#fafafa;box-shadow:1px 0 0 #ddd}
table.headline th:not(.name){min-width:7.5em}
.ci{color:#666;font-size:.85em;white-space:nowrap}.sw{display:inline-block;width:.9em;height:.9em;margin-right:.4em;border-radius:2px;vertical-align:-.1em}
figure{margin:1.5em 0}figure img{display:block;max-width:100%;height:auto;border:1px solid #eee;cursor:zoom-in}figcaption{color:#444;font-size:.92em;margin-top:.3em}
figure.zoom{position:fixed;inset:0;margin:0;overflow:auto;background:#fff;z-index:9;padding:.5em}figure.zoom img{max-width:none;cursor:zoom-out}
details{margin-bottom:1em}summary{cursor:pointer}.warn{background:#fff3cd;border:1px solid #e0c060;padding:.6em .9em}td.l{text-align:left}
li{margin:.2em 0;font-size:.9em}.meta{font-size:.9em;color:#444;margin:.3em 0}.seed{white-space:normal}
.short{display:none}
@media (max-width:600px){.full{display:none}.short{display:inline}body{padding:.6em;font-size:15px}h1{font-size:1.35em}th.name{min-width:7.5em;max-width:9.5em}table{font-size:.88em}}
@media print{
@page{size:A4;margin:15mm 12mm}
body{max-width:none;padding:0;font-size:10pt;line-height:1.45;color:#000}
h1,h2,h3{break-after:avoid}
.major{break-before:page}
.scroll{overflow:visible}
table{font-size:8.5pt;width:100%}th,td{padding:.25em .4em}.ci{white-space:normal}
th.name{position:static;min-width:0;box-shadow:none}table.headline th:not(.name){min-width:0}
thead{display:table-header-group}tr,th,td,li{break-inside:avoid}
figure{break-inside:avoid}figure img{max-height:235mm;width:auto;border:0}
details{display:none}
}
"""
).replace("FAMILY", fonts.EMBEDDED_FAMILY)


def embedded_font_css(text: str) -> str:
    """@font-face with the CJK font (``fonts``: Noto Sans CJK SC) as a WOFF2 subset of the
    characters of ``text`` (the page), so the report reads the same on a machine without
    Chinese fonts.  Raises ``fonts.FontMissingError`` when the font is not installed."""
    return fonts.font_face_css(text)


def reduced_palette(im, colours: int = 128):
    """``im`` (RGB) with at most ``colours`` colours: its most frequent half exactly (the
    background, text, grid, the structures' colours and their bands), every other pixel (the
    anti-aliased edges) the nearest of an octree palette of the other half."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(im.convert("RGB"), dtype=np.uint32)
    keys = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    values, counts = np.unique(keys, return_counts=True)
    if len(values) <= colours:  # already few enough: every colour exact
        exact, approx = values, 0
    else:
        approx = colours // 2
        exact = values[np.argsort(counts, kind="stable")[::-1][: colours - approx]]
    index = np.zeros(keys.shape, dtype=np.uint8)
    palette = []
    if approx:
        rest = im.convert("RGB").quantize(
            colors=approx, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
        index[:] = np.asarray(rest)
        palette = rest.getpalette()[: 3 * approx]
        palette += [0] * (3 * approx - len(palette))
    exact = np.sort(exact)
    pos = np.searchsorted(exact, keys).clip(0, len(exact) - 1)
    hit = exact[pos] == keys
    index[hit] = (approx + pos[hit]).astype(np.uint8)
    for k in exact.tolist():
        palette += [(k >> 16) & 255, (k >> 8) & 255, k & 255]
    out = Image.fromarray(index, mode="P")
    out.putpalette(palette)
    return out


def compact_image(path: Path, colours: int = 128) -> tuple[str, bytes, tuple[int, int]]:
    """The chart saved as PNG at ``path``, made small for embedding: at most ``colours``
    colours (``reduced_palette``: a chart has few, and its most frequent ones, the
    structures' among them, stay exact) in lossless WebP, or PNG where Pillow has no WebP.
    Returns its MIME type, its bytes and its size in pixels."""
    from PIL import Image, features

    with Image.open(path) as im:
        small = reduced_palette(im, colours)
    buf = io.BytesIO()
    if features.check("webp"):
        small.save(buf, format="WEBP", lossless=True, quality=100, method=4)
        return "image/webp", buf.getvalue(), small.size
    small.save(buf, format="PNG", optimize=True)
    return "image/png", buf.getvalue(), small.size


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
    ref = (
        res.short_name(res.reference, lang)
        if res.one_reference
        else label(TEXT, "before_each", lang)
    )
    intro = label(TEXT, "hinges_intro", lang).format(points=points, ref=ref)
    head = "".join(
        f"<th>{html.escape(label(TEXT, k, lang))}</th>"
        for k in ("structure", "outcome", "same_sign", "difference_range", "depends_most")
    )
    return (
        f"<h2>{html.escape(label(TEXT, 'hinges_title', lang))}</h2><p>{html.escape(intro)}</p>"
        f"<div class=scroll><table class=hinges><tr>{head}</tr>{''.join(rows)}</table></div>"
    )


def contents(lang: str) -> str:
    """The table of contents: in-page links to the front page's parts and the sections."""
    from govsim.presentation.briefing import t as front

    items = [
        ("key", front("key_title", lang)),
        ("matrix", front("matrix_title", lang)),
        ("goals", front("goals_title", lang)),
        ("outcomes", front("details_title", lang)),
        ("table", label(TEXT, "headline", lang)),
        ("charts", label(TEXT, "charts", lang)),
        ("structures", label(TEXT, "structures", lang)),
        ("settings", label(TEXT, "settings", lang)),
    ]
    links = "".join(f"<li><a href='#{k}'>{html.escape(v)}</a></li>" for k, v in items)
    head = html.escape(label(TEXT, "contents", lang)) + ("：" if lang == "zh" else ": ")
    return f"<nav class=toc><b>{head}</b><ol>{links}</ol></nav>"


def _image_mark(i: int) -> str:
    """Where the ``i``-th figure's size and data go in the page until it is drawn."""
    return f"data-govsim-image='{i}'"


def build_report(
    results_dir: str | Path,
    lang: str = "en",
    out: str | Path | None = None,
    dpi: int = 96,
    sensitivity: str | Path | None = None,
    robustness: str | Path | None = None,
) -> Path:
    """Write the HTML report (and its figures as PNG at ``dpi`` and SVG in ``figures/``
    beside it; 96 dpi keeps the page with every chart under 1 MB); with ``sensitivity`` (a
    ``govsim sensitivity`` directory), a section on which assumptions the conclusions hinge
    on."""
    from govsim.presentation.plot import figure_files, figure_names, save_figures

    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    from govsim.presentation.plot import check_figure_keys

    res = Results.load(results_dir)
    check_figure_keys(res)  # before any work: figure files are named after the structures
    out = Path(out) if out else Path(results_dir) / f"report_{lang}.html"
    from govsim.results.store import check_out

    try:  # where the report and its figures go, and the sensitivity section, before drawing
        check_out(out.parent)
    except ValueError as e:
        raise ResultsError(str(e).replace("--out", "report to", 1)) from None
    hinges = hinges_section(res, sensitivity, lang)
    if robustness is not None:  # a robustness directory that cannot be read: before drawing
        from govsim.presentation.robustness import read_claims

        read_claims(robustness)
    fig_dir = out.parent / "figures"
    remove_leftovers(out.parent, [out.name])  # what a killed report left half-written
    remove_leftovers(fig_dir, figure_files(res, lang))

    def embedded(name: str, png: Path):
        # org charts (one a structure, ten and more) are boxes, lines and text: 32 colours
        # keep them sharp; the other charts 64 (the page travels under 1 MB)
        return compact_image(png, 32 if name.startswith("org_chart_") else 64)

    # the page is made with a mark where each image goes: its text does not depend on the
    # images, so the font is cut while the figures are drawn
    figures = []
    for i, name in enumerate(figure_names(res)):
        base = "org_chart" if name.startswith("org_chart_") else name
        cap = label(CAPTIONS, base, lang)
        figures.append(
            f"<figure id='{html.escape(name)}' onclick=\"this.classList.toggle('zoom')\">"
            f"<img alt='{html.escape(cap)}' {_image_mark(i)}>"
            f"<figcaption>{html.escape(cap)}</figcaption></figure>"
        )
    title = label(TEXT, "report_title", lang)
    body = f"""<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{CSS}</style></head><body>
<h1>{html.escape(title)}</h1>
{contents(lang)}
{unfinished_banner(res, lang)}
{front_page(res, lang, sensitivity, robustness)}
<p>{html.escape(" · ".join(res.name(k, lang) for k in res.order))}</p>
<section class=major>
<h2 id=table>{html.escape(label(TEXT, "headline", lang))}</h2>
{headline_table(res, lang)}
<p><small>{html.escape(label(TEXT, "paired_design", lang))}</small></p>
{governance_section(res, lang)}
{hinges}
</section>
<section class=major>
<h2 id=charts>{html.escape(label(TEXT, "charts", lang))}</h2>
<p class=meta>{html.escape(label(TEXT, "figures_beside", lang))}</p>
{"".join(figures)}
</section>
<section class=major>
<h2 id=structures>{html.escape(label(TEXT, "structures", lang))}</h2>
{structures_section(res, lang)}
<h2 id=settings>{html.escape(label(TEXT, "settings", lang))}</h2>
{settings_section(res, lang)}
</section>
</body></html>
"""
    # the font cut down to the characters the page shows (tags and embedded data left out)
    shown_text = html.unescape(re.sub(r"<[^>]+>|data:[^'\"]+", " ", body))
    font = []
    saved = save_figures(
        res,
        fig_dir,
        lang,
        dpi=dpi,
        then=embedded,
        meanwhile=lambda: font.append(embedded_font_css(shown_text)),
    )
    for i, (_name, _png, _svg, (mime, raw, (w, h))) in enumerate(saved):
        data = base64.b64encode(raw).decode("ascii")
        body = body.replace(
            _image_mark(i), f"width={w} height={h} src='data:{mime};base64,{data}'", 1
        )
    body = body.replace("<style>", "<style>" + font[0], 1)
    atomic_write(out, lambda tmp: tmp.write_text(body, encoding="utf-8"))
    return out
