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

from markupsafe import Markup

from govsim.config.reading import population_name
from govsim.config.vocabulary import ACTORS, SESSION_KINDS, value_range
from govsim.presentation import fonts
from govsim.presentation.briefing import front_page
from govsim.presentation.colours import colour_order
from govsim.presentation.sources import parameter_name, source_words
from govsim.presentation.templating import macro, render, stylesheet
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


def _value(unit: str, m: float, lo: float, hi: float) -> tuple[str, str | None, str | None]:
    """A mean as shown, with its interval's ends (None: no interval)."""
    if lo != lo or m != m:
        return shown(unit, m), None, None
    return shown(unit, m), shown(unit, lo), shown(unit, hi)


def headline_table(res: Results, lang: str, columns: tuple[str, ...] | None = None) -> Markup:
    """Means and 95% intervals of ``columns`` (default: the headline outcomes) by structure."""
    table = res.table()
    columns = headline(res) if columns is None else columns
    colours = colour_order(res.order)
    heads = [
        (res.outcome_name(k, lang), shown_unit(res.outcomes[k]["unit"], lang)) for k in columns
    ]
    rows = []
    for s in res.order:
        sub = table[table["key"] == s]
        cells = []
        for k in columns:
            unit = res.outcomes[k]["unit"]
            cells.append(_value(unit, *mean_ci(sub[k].to_numpy(), value_range(unit))))
        rows.append((colours[s], res.name(s, lang), res.short_name(s, lang), cells))
    return macro(SECTIONS, "table", label(TEXT, "structure", lang), heads, rows)


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


def seed_title(file: str, lang: str) -> tuple[str, str, str]:
    """A source document: its file name (shown on hover), number and title."""
    number = file.split("_", 1)[0]
    return file, number, label(SEED_TITLES, file, lang) if file in SEED_TITLES else file


def governance_section(res: Results, lang: str) -> Markup:
    """How the community governs itself: the outcomes declared ``governance``."""
    if not res.governance:
        return Markup("")
    table = headline_table(res, lang, res.governance)
    return macro(SECTIONS, "governance", label(TEXT, "governance", lang), table)


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


def _value_name(sc, key: str, lang: str) -> str:
    """A value of an institution named in words (its key where the names table has none),
    without the institution's name: it is shown under the institution."""
    try:
        name = parameter_name(sc, key, lang)
    except KeyError:
        return key.split(".", 2)[-1]
    return name.split("：" if lang == "zh" else ": ", 1)[-1]


def structures_section(res: Results, lang: str) -> tuple[Markup, Markup]:
    """Each structure: its description, population, sessions held and source documents;
    and the appendix of the sources of its institutions' numbers (last, kept in print)."""
    items = []
    for k in res.structures:
        sc = res.scenarios[k]
        meta = sc.scenario
        sources = dict(sc.sources) if hasattr(sc, "sources") else {}
        institutions = []
        for key, inst in sc.institutions.items():
            prefix = f"institutions.{key}."
            cites = [
                (_value_name(sc, f, lang), source_words(v, lang))
                for f, v in sources.items()
                if f.startswith(prefix)
            ]
            actor = label(ACTORS, inst.actor, lang)
            own = pick(
                getattr(inst, "name_zh", None) or "", getattr(inst, "name_en", None) or "", lang
            )
            institutions.append((own or actor, actor if own and own != actor else "", cites))
        items.append(
            {
                "id": f"sources_{len(items)}",
                "name": pick(meta.name_zh, meta.name_en, lang),
                "description": pick(meta.description_zh, meta.description_en, lang),
                "population": population_label(res.population_of(k), lang),
                "sessions_held": sessions_text(res, k, lang),
                "seeds": [seed_title(f, lang) for f in meta.seeds],
                "institutions": institutions,
            }
        )
    colon = "：" if lang == "zh" else ": "
    labels = {
        "population": label(TEXT, "population_profile", lang) + colon,
        "sessions_held": label(TEXT, "sessions_held", lang) + colon,
        "source_documents": label(TEXT, "source_documents", lang) + colon,
        "institution_sources": label(TEXT, "institution_sources", lang) + colon,
        "in_appendix": label(TEXT, "in_appendix", lang),
        "colon": colon,
        "sep": "；" if lang == "zh" else "; ",
        "brackets": ("（", "）") if lang == "zh" else (" (", ")"),
    }
    appendix = macro(
        SECTIONS,
        "appendix",
        label(TEXT, "appendix_sources", lang),
        label(TEXT, "appendix_intro", lang),
        items,
        labels,
    )
    return macro(SECTIONS, "structures", items, labels), appendix


def compared_with_text(res: Results, lang: str) -> str:
    """Each structure and the structure it is compared with (on the same residents)."""
    sep, arrow = ("；", "：") if lang == "zh" else ("; ", ": ")
    return sep.join(
        f"{res.short_name(k, lang)}{arrow}{res.short_name(r, lang)}"
        for k in res.order
        if (r := res.reference_of(k)) not in (None, k)
    )


def settings_section(res: Results, lang: str) -> Markup:
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
    return macro(SECTIONS, "settings", rows)


def css() -> str:
    """The report's stylesheet (``templates/report.css``), for the embedded font's family."""
    return stylesheet().replace("FAMILY", fonts.EMBEDDED_FAMILY)


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


def unfinished_banner(res: Results, lang: str) -> Markup:
    if res.finished:
        return Markup("")
    planned = sum(len(v) for v in res.runs.values()) + len(res.unfinished)
    text = label(TEXT, "unfinished", lang).format(planned=planned, missing=len(res.unfinished))
    return macro(SECTIONS, "banner", text)


def hinges_section(res: Results, sensitivity_dir: str | Path | None, lang: str) -> Markup:
    """Which assumptions the comparison's conclusions hinge on, from a ``govsim
    sensitivity`` directory: for each structure and headline outcome, how often its paired
    difference from the reference kept its direction over the sampled settings, the range
    it took, and the two assumptions it depends on most."""
    if sensitivity_dir is None:
        return Markup("")
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
    groups = []
    for s in res.structures:
        rows = []
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
            low, high = shown(unit, r["difference_min"]), shown(unit, r["difference_max"])
            rows.append((res.outcome_name(o, lang), kept, low, high, params))
        if rows:  # the structure's name once, beside its outcomes
            groups.append((res.short_name(s, lang), rows))
    if not groups:
        return Markup("")
    points = int(robust["points"].max())
    ref = (
        res.short_name(res.reference, lang)
        if res.one_reference
        else label(TEXT, "before_each", lang)
    )
    intro = label(TEXT, "hinges_intro", lang).format(points=points, ref=ref)
    heads = [
        label(TEXT, k, lang)
        for k in ("structure", "outcome", "same_sign", "difference_range", "depends_most")
    ]
    return macro(SECTIONS, "hinges", label(TEXT, "hinges_title", lang), intro, heads, groups)


SECTIONS = "sections.html"  # the template of the sections after the front page (its macros)
# the sections' headings: their ids (the table of contents links to them) and texts
HEADINGS = {
    "table": "headline",
    "charts": "charts",
    "structures": "structures",
    "settings": "settings",
    "sources": "appendix_sources",  # the appendix (structures_section)
}


def contents(lang: str) -> list[tuple[str, str]]:
    """The table of contents: the ids and titles of the front page's parts and the sections."""
    from govsim.presentation.briefing import t as front

    return [
        ("key", front("key_title", lang)),
        ("matrix", front("matrix_title", lang)),
        ("goals", front("goals_title", lang)),
        ("outcomes", front("details_title", lang)),
        *(
            item
            for k, v in HEADINGS.items()
            for item in [(k, label(TEXT, v, lang))]
            + ([("design", label(TEXT, "design_section", lang))] if k == "charts" else [])
        ),
    ]


IMAGE_PARTS = ("width", "height", "mime", "data")


def _image_mark(i: int, part: str) -> str:
    """Where ``part`` (of ``IMAGE_PARTS``) of the ``i``-th figure goes in the page until it
    is drawn: a mark no text of the page holds (a NUL character, which escaping keeps)."""
    return f"\0{part}{i}\0"


def build_report(
    results_dir: str | Path,
    lang: str = "en",
    out: str | Path | None = None,
    dpi: int = 96,
    sensitivity: str | Path | None = None,
    robustness: str | Path | None = None,
    design: Markup | None = None,
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

    # the page is made with marks where each image's size and data go: its text does not
    # depend on the images, so the font is cut while the figures are drawn
    figures = []
    for i, name in enumerate(figure_names(res)):
        base = "org_chart" if name.startswith("org_chart_") else name
        figures.append(
            {
                "name": name,
                "caption": label(CAPTIONS, base, lang),
                **{part: _image_mark(i, part) for part in IMAGE_PARTS},
            }
        )
    front = front_page(res, lang, sensitivity, robustness)
    structures, appendix = structures_section(res, lang)
    designs = design if design is not None else Markup("")  # govsim.design.section
    body = str(  # text, to add the font below (Markup would escape what it adds)
        render(
            "report.html",
            html_lang="zh-CN" if lang == "zh" else "en",
            title=label(TEXT, "report_title", lang),
            css=Markup(css()),
            contents_label=label(TEXT, "contents", lang) + ("：" if lang == "zh" else ": "),
            contents=[
                (k, v)
                for k, v in contents(lang)
                if k in HEADINGS or f"id={k}>" in front or f"id={k}>" in designs
            ],
            banner=unfinished_banner(res, lang),
            front=front,
            structure_names=[res.name(k, lang) for k in res.order],
            headings={k: label(TEXT, v, lang) for k, v in HEADINGS.items()},
            headline_table=headline_table(res, lang),
            paired_design=label(TEXT, "paired_design", lang),
            governance=governance_section(res, lang),
            hinges=hinges,
            figures_note=label(TEXT, "figures_beside", lang),
            figures=figures,
            structures=structures,
            appendix=appendix,
            settings=settings_section(res, lang),
            design=designs,
        )
    )
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
        for part, value in zip(IMAGE_PARTS, (w, h, mime, data), strict=True):
            body = body.replace(_image_mark(i, part), str(value), 1)
    body = body.replace("<style>", "<style>" + font[0], 1)
    atomic_write(out, lambda tmp: tmp.write_text(body, encoding="utf-8"))
    return out
