"""Charts as a reader sees them: every text inside the figure and clear of every other text
(measured with the renderer), time axes in hours, days, weeks and months, the direction of
better on paired differences when the outcome declares it, structure colours only for
structures, text kept as text in SVG, and full-width punctuation in Chinese labels."""

from __future__ import annotations

import io
import itertools
import re

import numpy as np
import pytest
from matplotlib.colors import to_hex, to_rgb
from matplotlib.text import Text

from govsim import list_scenarios
from govsim.config import vocabulary
from govsim.config.scenario import builtin_order
from govsim.experiments.compare import compare
from govsim.presentation import plot as gp
from govsim.presentation import text as screen_text
from govsim.presentation.colours import colour_order
from govsim.results.reading import Results

pytestmark = pytest.mark.slow  # not in the quick tier (make check)

LANGS = ("zh", "en")
CJK = r"[\u3400-\u9fff]"


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    out = tmp_path_factory.mktemp("charts")
    compare(list_scenarios(), 1200, 100, 5, 2, out, workers=2)
    return Results.load(out)


def _drawn_texts(fig) -> list[Text]:
    """Every visible, non-empty text the figure draws (tick labels only at ticks in view)."""
    fig.canvas.draw()
    found = list(fig.texts)
    if fig._suptitle is not None:
        found.append(fig._suptitle)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        found += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        found += list(ax.texts)
        for artist in [*ax.artists, ax.get_legend()]:
            if artist is not None and artist.get_visible():
                found += [t for t in artist.findobj(Text) if t is not artist]
        if ax.axison:
            for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
                lo, hi = min(lo, hi), max(lo, hi)
                pad = (hi - lo) * 1e-6
                for tick in axis.get_major_ticks():
                    if lo - pad <= tick.get_loc() <= hi + pad and tick.label1.get_visible():
                        found.append(tick.label1)
    found = list({id(t): t for t in found}.values())  # the suptitle is in fig.texts too
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def _box(text: Text, renderer):
    bb = text.get_window_extent(renderer)
    return (bb.x0, bb.y0, bb.x1, bb.y1)


def _text_problems(fig) -> list[str]:
    texts = _drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    w, h = fig.bbox.width, fig.bbox.height
    boxes = [(t.get_text(), _box(t, renderer)) for t in texts]
    problems = []
    for s, (x0, y0, x1, y1) in boxes:
        if x0 < -1 or y0 < -1 or x1 > w + 1 or y1 > h + 1:
            problems.append(f"outside the figure: {s!r}")
    for (s, a), (u, b) in itertools.combinations(boxes, 2):
        # one pixel of slack: boxes include the font's line gap
        ox = min(a[2], b[2]) - max(a[0], b[0])
        oy = min(a[3], b[3]) - max(a[1], b[1])
        if ox > 1.5 and oy > 1.5:
            problems.append(f"overlap: {s!r} / {u!r}")
    for ax in fig.axes:
        frame = ax.get_window_extent(renderer)
        # notes, labels of points and values sit inside their panel, clear of its frame
        for t in ax.texts:
            if t.get_visible() and t.get_text().strip():
                x0, y0, x1, y1 = _box(t, renderer)
                if x0 < frame.x0 + 1 or x1 > frame.x1 - 1 or y0 < frame.y0 + 1 or y1 > frame.y1:
                    problems.append(f"past its panel's frame: {t.get_text()!r}")
        # neighbouring tick labels do not touch (a gap of at least 3 pixels)
        ticks = [t for t in texts if t in ax.get_xticklabels()]
        ticks.sort(key=lambda t: _box(t, renderer)[0])
        for a, b in itertools.pairwise(ticks):
            if _box(b, renderer)[0] - _box(a, renderer)[2] < 3:
                problems.append(f"tick labels touch: {a.get_text()!r} / {b.get_text()!r}")
    return problems


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", gp.CHARTS)
def test_no_text_outside_the_figure_or_over_another(res, name, lang):
    fig = getattr(gp, name)(res, lang)
    assert not _text_problems(fig)


@pytest.mark.parametrize("lang", LANGS)
def test_response_time_axis_reads_hours_days_weeks_months(res, lang):
    fig = gp.response_time_ecdf(res, lang)
    fig.canvas.draw()
    allowed = {gp.t(f"tick_{k}", lang) for k in gp.TIME_TICK_KEYS}
    for ax in fig.axes[: len(vocabulary.NEED_TYPE_KEYS)]:
        shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert set(shown) <= allowed, shown
        for key in ("1h", "1d", "1w", "1mo"):
            assert gp.t(f"tick_{key}", lang) in shown
        assert not ax.xaxis.get_minor_ticks() or not any(
            t.label1.get_text() for t in ax.xaxis.get_minor_ticks()
        )
    # the footnote in both languages says the same: never reported ones are included
    assert "从未反映" in gp.t("ecdf_caption", "zh")
    assert "never reported" in gp.t("ecdf_caption", "en")


def test_response_time_bands_across_replicates(res):
    fig = gp.response_time_ecdf(res, "en")
    assert res.replicates >= 2
    assert all(ax.collections for ax in fig.axes[: len(vocabulary.NEED_TYPE_KEYS)])


def test_direction_markers_follow_the_declared_direction(res):
    outcomes = res.outcomes
    saved = {k: outcomes[k].get("better") for k in res.headline}
    try:
        for k in res.headline:
            outcomes[k].pop("better", None)
        fig = gp.paired_differences(res, "en")
        assert not [t for t in fig.findobj(Text) if t.get_gid() == "better"]
        declared = {}
        for i, k in enumerate(res.headline[:-1]):  # the last one declares nothing
            declared[k] = outcomes[k]["better"] = "higher" if i % 2 else "lower"
        for lang in LANGS:
            fig = gp.paired_differences(res, lang)
            marks = [t for ax in fig.axes for t in ax.texts if t.get_gid() == "better"]
            assert len(marks) == len(declared)
            for ax, key in zip(fig.axes, res.headline, strict=False):
                mine = [t for t in ax.texts if t.get_gid() == "better"]
                if key not in declared:
                    assert not mine
                    continue
                (mark,) = mine
                if declared[key] == "higher":
                    assert mark.get_text() == gp.t("better_right", lang)
                    assert mark.get_text().endswith("→") and mark.get_position()[0] > 0.5
                else:
                    assert mark.get_text() == gp.t("better_left", lang)
                    assert mark.get_text().startswith("←") and mark.get_position()[0] < 0.5
            assert not _text_problems(fig)
    finally:
        for k, v in saved.items():
            outcomes[k].pop("better", None)
            if v is not None:
                outcomes[k]["better"] = v


def _structure_colours() -> set[str]:
    """Every colour a structure can have: the built-in ones and the second set."""
    keys = [*builtin_order(), *(f"other{i}" for i in range(8))]
    return {c.lower() for c in colour_order(keys).values()}


@pytest.mark.parametrize("lang", LANGS)
def test_need_flows_use_no_structure_colour(res, lang):
    fig = gp.need_flows(res, lang)
    fig.canvas.draw()
    taken = _structure_colours()
    used = set()
    for ax in fig.axes:
        for p in ax.patches:
            used.add(to_hex(p.get_facecolor()).lower())
        for t in ax.texts:
            used.add(to_hex(t.get_color()).lower())
    for c in used:
        assert c not in taken, c
        # nor one a reader would take for it
        near = [s for s in taken if np.linalg.norm(np.subtract(to_rgb(c), to_rgb(s))) < 0.12]
        assert not near, (c, near)


@pytest.mark.parametrize("name", ["participation_over_time", "response_time_ecdf"])
def test_lines_of_structures_differ_by_more_than_colour(res, name):
    fig = getattr(gp, name)(res, "en")
    ax = fig.axes[-1] if name == "response_time_ecdf" else fig.axes[0]
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert len(lines) == len(res.order)
    colours = colour_order(res.order)
    for ln, k in zip(lines, res.order, strict=True):
        assert to_hex(ln.get_color()).lower() == colours[k].lower()
    styles = [(ln.get_linestyle(), ln.get_marker()) for ln in lines]
    # neighbours in the order (close colours) never share a line style
    assert all(a[0] != b[0] for a, b in itertools.pairwise(styles))


@pytest.mark.parametrize("lang", LANGS)
def test_svg_keeps_text_as_text(res, lang):
    fig = gp.equity(res, lang)
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    assert svg.count("<text") > 20
    assert gp.CJK_FONT in svg  # the family the report embeds for Chinese
    if lang == "zh":
        texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
        assert any(re.search(CJK, t) for t in texts)


# ---------------------------------------------------------------- labels
HALF = ",.:;()!?"


def _zh_strings():
    """Every Chinese name of the vocabulary and every Chinese text of the screen."""
    for module in (vocabulary, screen_text):
        for name, table in vars(module).items():
            if not isinstance(table, dict) or name.startswith("_"):
                continue
            for key, entry in table.items():
                if isinstance(entry, tuple) and isinstance(entry[0], str):
                    yield f"{name}[{key!r}]", entry[0]


def punctuation_problems(text: str) -> list[str]:
    """Half-width punctuation next to a Chinese character (or a bracket in Chinese text),
    outside ``{format}`` placeholders."""
    if not re.search(CJK, text):
        return []
    bare = re.sub(r"\{[^{}]*\}", "", text)
    found = []
    for m in re.finditer(r"[,.:;!?()]", bare):
        ch, i = m.group(), m.start()
        before, after = bare[i - 1 : i], bare[i + 1 : i + 2]
        if ch in "()" or re.match(CJK, before) or re.match(CJK, after):
            if ch in ",." and before.isdigit() and after.isdigit():
                continue  # 1,000 and 0.5
            found.append(f"{ch!r} at {i}")
    return found


def test_punctuation_check_itself():
    assert punctuation_problems("近30天(天)")
    assert punctuation_problems("前30天:统计")
    assert punctuation_problems("因此,不确定")
    assert not punctuation_problems("近30天（天）：1,000人，0.5")
    assert not punctuation_problems("{residents:,} 名居民 · {n:.1f}天")
    assert not punctuation_problems("(vs {ref}), time: 5")  # English


def test_chinese_labels_use_full_width_punctuation():
    strings = list(_zh_strings())
    assert len(strings) > 100
    bad = [f"{where}: {text!r} {p}" for where, text in strings if (p := punctuation_problems(text))]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_a_title_names_the_bands_only_when_it_draws_them(lang):
    """One run has no interval across replicates: its charts draw no band and their titles
    name none; two replicates draw bands and the titles say what they are."""
    import govsim

    bands = screen_text.TEXT["bands"][0 if lang == "zh" else 1]
    one = [govsim.GovernanceModel("baseline", residents=600, seed=1).run(40)]
    two = one + [govsim.GovernanceModel("baseline", residents=600, seed=2).run(40)]
    for models, drawn in ((one, False), (two, True)):
        res = Results.from_models(models)
        fig = gp.participation_over_time(res, lang)
        assert (bands in fig.axes[0].get_title()) is drawn
        assert bool(fig.axes[0].collections) is drawn  # fill_between: the bands
        fig = gp.response_time_ecdf(res, lang)
        assert (bands in fig._suptitle.get_text()) is drawn
