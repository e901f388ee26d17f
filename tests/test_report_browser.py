"""The HTML report as a reader gets it: a comparison of every built-in structure, its reports
in Chinese and English opened in headless Chromium (Debian's ``chromium``, driven by
Playwright) at desktop and phone width, and printed to PDF.

Checked: the page is one file under 1 MB with no link to any other file; the body never
scrolls sideways (wide tables scroll inside their own wrapper); every piece of text is drawn
with the embedded font (the WOFF2 subset of Noto Sans CJK SC), never a fallback font or boxes;
the PDF has a few pages.  Screenshots and the PDF are left in the test's tmp_path
(``pytest --basetemp DIR`` keeps them where you can look).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from govsim import list_scenarios
from govsim.config.reading import population_name
from govsim.experiments.compare import compare
from govsim.presentation import fonts
from govsim.presentation.fonts import FAMILY
from govsim.presentation.report import build_report
from govsim.presentation.text import SEED_TITLES, TEXT, label

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
LANGS = ("zh", "en")
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
MAX_BYTES = 1_000_000
# the elements that carry the report's text
TEXT_ELEMENTS = "h1, h2, h3, p, th, td, li, summary, figcaption, small"

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium "
    "(make test installs it with apt-get when run as root)",
)

pytestmark = pytest.mark.slow  # not in the quick tier (make check)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("cmp")
    compare(list_scenarios(), 1500, 60, 5, 2, out, workers=2)
    return {lang: build_report(out, lang, out / f"report_{lang}.html") for lang in LANGS}


@pytest.mark.parametrize("lang", LANGS)
def test_report_travels_alone(reports, lang):
    page = reports[lang].read_text(encoding="utf-8")
    size = reports[lang].stat().st_size
    assert size <= MAX_BYTES, f"report_{lang}.html is {size:,} bytes"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    # every src, href and CSS url() is a data: URI or a link inside the page
    targets = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page)
    targets += re.findall(r"""url\(\s*["']?([^"')\s]+)""", page)
    assert targets, "no embedded figure or font found"
    outside = [t[:60] for t in targets if not t.startswith(("data:", "#"))]
    assert not outside, outside
    # the table of contents: every in-page link leads to a part of the page
    links = [t[1:] for t in targets if t.startswith("#")]
    assert len(links) >= 8
    ids = set(re.findall(r"""\bid\s*=\s*["']?([^"'\s>]+)""", page))
    assert set(links) <= ids, set(links) - ids
    # source documents by title (the file name only on hover), population profiles by label
    shown = [f for f in SEED_TITLES if f"title='{f}'" in page]
    assert shown == sorted(SEED_TITLES)  # every built-in structure is in the comparison
    for file in shown:
        assert label(SEED_TITLES, file, lang) in page
    assert population_name("rural", lang) in page
    # the settings say whether the simulated year was an election year (five-year terms)
    assert html.escape(label(TEXT, "election_not_held", lang)) in page
    # each structure says how many sessions its bodies hold a year
    assert page.count(html.escape(label(TEXT, "sessions_held", lang))) == page.count(
        "<div class=structure>"
    )
    if lang == "zh":  # no profile key where its label belongs (the sources cite English)
        assert not re.search(r"[：>](urban|rural)\b", page)
        # Chinese throughout: the appendix of sources has no English reasoning, raw key or
        # backtick outside the documents' quoted words ("AB岗" is a term of document 001),
        # and the page no traditional character (document 004's quotes are simplified)
        import opencc

        from govsim.presentation.sources import QUOTE

        words = html.unescape(re.sub(r"<[^>]+>", " ", page.split("<h2 id=sources>")[1]))
        assert set(re.findall(r"[A-Za-z_`]{2,}", QUOTE.sub("", words))) <= {"AB"}
        shown_text = html.unescape(
            re.sub(r"<style>.*?</style>|<[^>]+>|data:[^'\"]+", " ", page, flags=re.S)
        )
        assert opencc.OpenCC("t2s").convert(shown_text) == shown_text


def test_missing_font_is_one_clear_error(monkeypatch):
    from matplotlib import font_manager

    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    with pytest.raises(fonts.FontMissingError, match="fonts-noto-cjk"):
        fonts.cjk_font.__wrapped__()


def _fonts_used(page) -> dict[str, set[str]]:
    """Per font Chromium drew text with (family, 'embedded' or 'system'): the text-bearing
    elements it drew, from the DevTools protocol's CSS.getPlatformFontsForNode."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": TEXT_ELEMENTS})
    used: dict[str, set[str]] = {}
    for node in nodes["nodeIds"]:
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        if not fonts:
            continue
        desc = cdp.send("DOM.describeNode", {"nodeId": node})["node"]["localName"]
        for f in fonts:
            kind = "embedded" if f.get("isCustomFont") else "system"
            used.setdefault(f"{f['familyName']} ({kind})", set()).add(desc)
    cdp.detach()
    return used


@needs_chromium
@pytest.mark.parametrize("lang", LANGS)
def test_report_in_chromium(reports, lang, tmp_path):
    from playwright.sync_api import sync_playwright

    url = reports[lang].resolve().as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for where, (width, height) in SIZES.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(url)
                page.wait_for_load_state("load")
                page.evaluate("document.fonts.ready")
                wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                page.screenshot(path=tmp_path / f"{lang}_{where}.png", full_page=True)
                assert wide[0] <= wide[1], f"{where}: the page is {wide[0]}px wide in {wide[1]}px"
                # every figure decoded and shown no wider than the page
                figs = page.evaluate(
                    "[...document.images].map(i => [i.complete && i.naturalWidth > 0,"
                    " i.getBoundingClientRect().right <= window.innerWidth + 0.5])"
                )
                assert figs and all(ok and inside for ok, inside in figs), figs
                used = _fonts_used(page)
                assert used == {f"{FAMILY} (embedded)": used.get(f"{FAMILY} (embedded)")}, (
                    f"{where}: text drawn with other fonts than the embedded {FAMILY}: "
                    + "; ".join(f"{k}: {sorted(v)}" for k, v in used.items())
                )
                if where == "phone":  # a chart squeezed to the phone opens at full size
                    img = page.locator("figure img").first
                    img.click()
                    zoomed = page.evaluate(
                        "(() => { const i = document.querySelector("
                        "'input.zoom:checked + .frame img');"
                        " return i ? i.getBoundingClientRect().width : 0 })()"
                    )
                    assert zoomed > width, zoomed
                    img.click()
                    assert page.locator("input.zoom:checked").count() == 0
                # a decision maker's first screen, on a desk or a phone: the key messages,
                # the matrix's head and its first structure's row
                top = page.evaluate(
                    "['ol.key', 'table.matrix', 'table.matrix tbody tr'].map(s =>"
                    " document.querySelector(s).getBoundingClientRect().top)"
                )
                assert all(y < height for y in top), f"{where}: {top} (screen {height}px)"
                if where == "desktop":
                    pdf = tmp_path / f"{lang}.pdf"
                    page.pdf(path=pdf, format="A4", print_background=True)
                    pages = pdf.read_bytes().count(b"/Type /Page\n") or len(
                        re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes())
                    )
                    assert 3 <= pages <= 40, pages
                    # the institutions' sources are an appendix printed with the rest
                    page.emulate_media(media="print")
                    shown = page.evaluate(
                        "[...document.querySelectorAll('.sources li')]"
                        ".map(e => e.getBoundingClientRect().height > 0)"
                    )
                    assert shown and all(shown), shown
                    page.emulate_media(media="screen")
                page.close()
        finally:
            browser.close()


def test_english_quotes_are_not_set_full_width():
    """The embedded font keeps its proportional forms ('pwid') and the English report asks
    for them: “better” in English is not set with the full-width quotes of a CJK font."""
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(fonts.woff2_subset("“better” — x")))
    features = {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}
    assert "pwid" in features
    from govsim.presentation.report import css

    assert 'html[lang=en] body{font-feature-settings:"pwid"}' in css()
