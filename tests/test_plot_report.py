"""Charts in both languages without missing glyphs, and the HTML report."""

from __future__ import annotations

import io
import re
import warnings

import matplotlib
import pytest
from matplotlib import font_manager

from govsim import cli, list_scenarios, load_scenario
from govsim.experiments.compare import compare
from govsim.presentation import plot as gp
from govsim.presentation.report import build_report
from govsim.presentation.results import Results, colour_order

LANGS = ("zh", "en")


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    compare(list_scenarios(), 1500, 75, 3, 2, out, workers=2)
    return Results.load(out)


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    out = tmp_path_factory.mktemp("one")
    compare(["baseline", "chengdong"], 1000, 45, 1, 1, out, workers=1)
    return Results.load(out)


def render(fig) -> list[str]:
    """Draw a figure to PNG and SVG; return the warnings raised while drawing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png", dpi=60)
        fig.savefig(io.BytesIO(), format="svg")
    matplotlib.pyplot.close(fig)
    return [str(w.message) for w in caught]


def texts(fig) -> str:
    parts = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        parts.append(fig._suptitle.get_text())
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.texts]
        parts += [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels()]
        if ax.get_legend():
            parts += [t.get_text() for t in ax.get_legend().get_texts()]
    return "\n".join(parts)


def test_cjk_font_ships_with_a_package():
    path = font_manager.findfont(
        font_manager.FontProperties(family=gp.CJK_FONT), fallback_to_default=False
    )
    assert path.endswith("NotoSansCJKsc-Regular.otf")
    assert matplotlib.rcParams["font.sans-serif"][0] == gp.CJK_FONT


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", gp.CHARTS)
def test_every_chart_renders_without_missing_glyphs(many, name, lang):
    fig = getattr(gp, name)(many, lang)
    content = texts(fig)
    problems = [w for w in render(fig) if "missing from" in w or "Glyph" in w]
    assert not problems, problems
    # a title, labelled axes with units, and the note of residents, days and replicates
    assert fig._suptitle is not None or any(ax.get_title() for ax in fig.axes)
    labelled = [ax for ax in fig.axes if ax.get_xlabel() or ax.get_ylabel()]
    assert labelled, f"{name}: no axis labels"
    for ax in labelled:  # units in brackets, in the axis labels or the panel title
        assert "(" in ax.get_xlabel() + ax.get_ylabel() + ax.get_title(), (
            name,
            ax.get_xlabel(),
            ax.get_ylabel(),
        )
    assert "1,500" in content and "75" in content and "2" in content
    has_cjk = bool(re.search(r"[\u4e00-\u9fff]", content))
    assert has_cjk == (lang == "zh"), f"{name} {lang}: language of the labels"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scenario", list_scenarios())
def test_org_chart_of_every_structure(scenario, lang):
    sc = load_scenario(scenario)
    fig = gp.org_chart(sc, lang)
    content = texts(fig)
    assert not [w for w in render(fig) if "missing from" in w or "Glyph" in w]
    for key in sc.institutions:
        assert f"[{key}]" in content  # every institution is drawn
    assert (sc.scenario.name_zh if lang == "zh" else sc.scenario.name_en) in content


def test_one_colour_per_structure_in_every_chart(many):
    colours = colour_order(many.order)
    assert len(set(colours.values())) == len(many.order)
    fig = gp.participation_over_time(many, "en")
    lines = {
        line.get_label(): matplotlib.colors.to_hex(line.get_color())
        for line in fig.axes[0].get_lines()
    }
    for k in many.order:
        assert lines[many.short_name(k, "en")].lower() == colours[k].lower()
    matplotlib.pyplot.close(fig)
    # a structure keeps its colour when compared with fewer others
    sub = colour_order(many.order[:2])
    assert all(sub[k] == colours[k] for k in many.order[:2])


def test_flow_shares_add_up_to_all_needs(many):
    for k, shares in gp.flow_shares(many).items():
        assert sum(shares.values()) == pytest.approx(100.0), k
    for k, shares in gp.resolver_shares(many).items():
        assert sum(shares.values()) == pytest.approx(100.0), k


@pytest.mark.parametrize("lang", LANGS)
def test_single_replicate_charts_and_report(single, tmp_path, lang):
    for name in gp.CHARTS:
        fig = getattr(gp, name)(single, lang)
        assert not [w for w in render(fig) if "missing from" in w]
    out = build_report(single.root, lang, tmp_path / f"r_{lang}.html")
    assert out.exists()


@pytest.mark.parametrize("lang", LANGS)
def test_report_is_self_contained_and_complete(many, tmp_path, lang):
    out = build_report(many.root, lang, tmp_path / "report.html")
    page = out.read_text(encoding="utf-8")
    # every chart embedded, and saved beside it as PNG and SVG
    expected = [*gp.CHARTS, *(f"org_chart_{k}" for k in many.order)]
    for name in expected:
        assert f"id='{name}'" in page
        assert (tmp_path / "figures" / f"{name}_{lang}.png").stat().st_size > 1000
        assert (tmp_path / "figures" / f"{name}_{lang}.svg").stat().st_size > 1000
    assert page.count("data:image/png;base64,") == len(expected)
    assert not re.search(r"<(img|script|link)[^>]+(src|href)=['\"]https?:", page)
    # headline table with intervals, the structures with their seeds, the settings
    assert "class=headline" in page and "class=ci" in page
    for k in many.order:
        sc = many.scenarios[k].scenario
        assert (sc.name_zh if lang == "zh" else sc.name_en) in page
        for seed_file in sc.seeds:
            assert seed_file in page
    assert "1,500" in page and ">75<" in page and "3, 4" in page
    assert many.version in page


def test_report_cli_and_bad_directory(many, tmp_path, capsys):
    assert (
        cli.main(["report", str(many.root), "--lang", "en", "--out", str(tmp_path / "x.html")]) == 0
    )
    assert (tmp_path / "x.html").exists()
    assert cli.main(["report", str(tmp_path / "nothing"), "--out", str(tmp_path / "y.html")]) == 2
    assert "no such results directory" in capsys.readouterr().err


def test_results_load_a_single_run(tmp_path):
    out = tmp_path / "run"
    assert cli.main(["run", "suzhou", "--residents", "800", "--days", "20", "--out", str(out)]) == 0
    res = Results.load(out)
    assert res.order == ["suzhou"] and res.replicates == 1 and res.days == 20
    fig = gp.equity(res, "zh")
    assert not [w for w in render(fig) if "missing from" in w]
