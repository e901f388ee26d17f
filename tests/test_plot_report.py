"""Charts in both languages without missing glyphs, and the HTML report.

Rendering is most of the cost of this file, so each chart of the comparison is built and
drawn once per language: by the report of that language, built in another process
(``background``, started when the module starts, runs on the other core while this process
works).  The report process records each figure's words and lines as built and the
warnings raised while saving it (PNG and SVG); the chart tests check those.
"""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager

from govsim import cli, list_scenarios, load_scenario
from govsim.config.vocabulary import UNITS
from govsim.experiments.compare import compare
from govsim.presentation import plot as gp
from govsim.presentation import report as gr
from govsim.presentation.colours import colour_order
from govsim.presentation.report import headline_table
from govsim.presentation.text import TEXT, label
from govsim.results.reading import Results

pytestmark = pytest.mark.slow  # not in the quick tier (make check)

LANGS = ("zh", "en")
RESIDENTS, DAYS, SEED, REPLICATES = 1500, 75, 3, 2

# build one report and record, per figure, its words as built and the warnings raised while
# saving it (PNG and SVG); the English report goes through the command line (``govsim
# report``), the Chinese one through ``build_report`` at a low resolution
REPORT = r"""
import json, sys, warnings
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from govsim.presentation import plot as gp
from govsim.presentation.report import build_report

result_file, how, results_dir, lang, out = sys.argv[1:]
order, names, saving, described = [], {}, {}, {}
all_figures, savefig = gp.all_figures, Figure.savefig


def describe(fig):
    # the words of a figure as built (before it is drawn), and its first panel's lines
    parts = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        parts.append(fig._suptitle.get_text())
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.texts]
        parts += [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels()]
        if ax.get_legend():
            parts += [t.get_text() for t in ax.get_legend().get_texts()]
    return {
        "suptitle": None if fig._suptitle is None else fig._suptitle.get_text(),
        "axes": [
            {"title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel()}
            for ax in fig.axes
        ],
        "figtexts": [t.get_text() for t in fig.texts],
        "content": "\n".join(parts),
        "lines": [[ln.get_label(), to_hex(ln.get_color())] for ln in fig.axes[0].get_lines()],
    }


def recording_all_figures(res, lang="en"):
    for name, fig in all_figures(res, lang):
        order.append(name)
        names[id(fig)] = name
        described[name] = describe(fig)
        yield name, fig


def recording_savefig(self, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        done = savefig(self, *args, **kwargs)
    saving.setdefault(names[id(self)], []).extend(str(w.message) for w in caught)
    return done


gp.all_figures, Figure.savefig = recording_all_figures, recording_savefig
gp.figure_workers = lambda jobs: 1  # drawn in this process, where they are recorded
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    if how == "cli":
        from govsim import cli

        code = cli.main(["report", results_dir, "--lang", lang, "--out", out])
    else:
        code = 0 if build_report(results_dir, lang, out, dpi=50) else 1
with open(result_file, "w", encoding="utf-8") as f:
    json.dump(
        {"code": code, "figures": order, "saving": saving, "described": described,
         "warnings": [str(w.message) for w in caught]},
        f,
    )
"""

# a user's own matplotlib session: their backend, settings and a pyplot figure; then govsim's
# modules are imported and charts drawn
ISOLATION = r"""
import io, json, sys, warnings
import matplotlib
matplotlib.use("svg")
matplotlib.rcParams["font.family"] = "serif"
matplotlib.rcParams["font.size"] = 13.0
matplotlib.rcParams["axes.unicode_minus"] = True
matplotlib.rcParams["svg.fonttype"] = "none"
import matplotlib.pyplot as plt
plt.figure()
before, backend, nums = dict(matplotlib.rcParams), matplotlib.get_backend(), plt.get_fignums()
SIMULATOR = ("govsim.core", "govsim.experiments", "mesa")

import govsim.presentation.plot, govsim.presentation.report, govsim.results.reading
out = {"after_import": sorted(m for m in sys.modules if m.startswith(SIMULATOR))}
out["changed_by_import"] = sorted(
    k for k, v in matplotlib.rcParams.items() if before[k] != v
)

from govsim.presentation import plot as gp
from govsim.presentation.report import headline_table
from govsim.results.reading import Results

res = Results.load(sys.argv[1])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    fig = gp.participation_over_time(res, "zh")
    fig.savefig(io.BytesIO(), format="png", dpi=30)
    fig.savefig(io.BytesIO(), format="svg")
    org = gp.org_chart(res.scenarios[res.order[0]], "zh")
    org.savefig(io.BytesIO(), format="png", dpi=30)
    headline_table(res, "zh")
out["missing_glyphs"] = [str(w.message) for w in caught if "missing from" in str(w.message)]
out["changed"] = {
    k: [repr(before[k]), repr(v)] for k, v in matplotlib.rcParams.items() if before[k] != v
}
out["backend"] = [backend, matplotlib.get_backend()]
out["fignums"] = [nums, plt.get_fignums()]
out["after_drawing"] = sorted(m for m in sys.modules if m.startswith(SIMULATOR))

import govsim  # the package's names still resolve, on first use
from govsim import GovernanceModel, load_scenario
out["lazy_names"] = govsim.GovernanceModel is GovernanceModel and callable(load_scenario)
print(json.dumps(out))
"""


class Background:
    """Python processes started at once and read when a test needs what they found."""

    def __init__(self):
        self.procs: dict[str, subprocess.Popen] = {}
        self.done: dict[str, subprocess.CompletedProcess] = {}
        self.dirs: dict[str, Path] = {}

    def start(self, key: str, code: str, *args: str) -> None:
        self.procs[key] = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def result(self, key: str) -> subprocess.CompletedProcess:
        if key not in self.done:
            p = self.procs[key]
            out, err = p.communicate(timeout=900)
            self.done[key] = subprocess.CompletedProcess(p.args, p.returncode, out, err)
        return self.done[key]

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.kill()
                p.communicate()


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    compare(list_scenarios(), RESIDENTS, DAYS, SEED, REPLICATES, out, workers=2)
    return Results.load(out)


@pytest.fixture(scope="module", autouse=True)
def background(request, tmp_path_factory):
    """Start the slow renders in other processes as soon as this module starts (if a test
    that reads them is selected): the report in each language and a user's matplotlib
    session."""
    bg = Background()
    wanted = {
        f
        for item in request.session.items
        if getattr(item, "module", None) is request.module
        for f in item.fixturenames
    }
    if wanted & {"reports", "isolation"}:
        many = request.getfixturevalue("many")
        for lang in LANGS:
            where = bg.dirs[lang] = tmp_path_factory.mktemp(f"report_{lang}")
            how = "cli" if lang == "en" else "build_report"
            args = (
                str(where / "found.json"),
                how,
                str(many.root),
                lang,
                str(where / "report.html"),
            )
            bg.start(f"report_{lang}", REPORT, *args)
        bg.start("isolation", ISOLATION, str(many.root))
    yield bg
    bg.stop()


@pytest.fixture(scope="module")
def reports(background, many):
    """Per language: the page, its directory, the figures in order, the warnings raised
    while saving each figure and all warnings raised while building."""
    built = {}
    for lang in LANGS:
        done = background.result(f"report_{lang}")
        assert done.returncode == 0, done.stderr
        where = background.dirs[lang]
        found = json.loads((where / "found.json").read_text(encoding="utf-8"))
        assert found["code"] == 0
        built[lang] = {
            **found,
            "page": (where / "report.html").read_text(encoding="utf-8"),
            "dir": where,
        }
    return built


@pytest.fixture(scope="module")
def isolation(background):
    done = background.result("isolation")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    out = tmp_path_factory.mktemp("one")
    compare(["baseline", "chengdong"], 1000, 45, 1, 1, out, workers=1)
    return Results.load(out)


def render(fig, dpi: int = 30, svg: bool = True) -> list[str]:
    """Draw a figure to PNG (and SVG); return the warnings raised while drawing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png", dpi=dpi)
        if svg:
            fig.savefig(io.BytesIO(), format="svg")
    return [str(w.message) for w in caught]


def glyph_problems(messages: list[str]) -> list[str]:
    return [w for w in messages if "missing from" in w or "Glyph" in w]


# ---------------------------------------------------------------- work done in this process
# (first, while the reports render elsewhere)


def test_cjk_font_found_by_family_name():
    # Noto Sans CJK SC (SIL OFL), found by its family name (Debian's fonts-noto-cjk)
    path = gp.register_font()
    assert "notosanscjk" in Path(path).name.lower().replace("-", "")
    found = font_manager.findfont(
        font_manager.FontProperties(family=gp.CJK_FONT), fallback_to_default=False
    )
    assert found == path and gp.CJK_FONT == "Noto Sans CJK SC"
    # charts put it first for sans-serif text, inside their own settings only
    assert gp.STYLE["font.sans-serif"][0] == gp.CJK_FONT
    with matplotlib.rc_context(gp.STYLE):
        found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert found == path


def test_flow_shares_add_up_to_all_needs(many):
    for k, shares in gp.flow_shares(many).items():
        assert sum(shares.values()) == pytest.approx(100.0), k
    for k, shares in gp.resolver_shares(many).items():
        assert sum(shares.values()) == pytest.approx(100.0), k


def test_results_read_the_catalog_the_runs_were_written_with(many):
    from govsim.core.measure import SETTLE_DAYS
    from govsim.core.summary import headline, outcomes, per_replicate

    for k in many.order:
        for run in many.runs[k]:
            cat = json.loads((run.path / "catalog.json").read_text(encoding="utf-8"))
            assert {"outcomes", "headline", "channels", "settle_days"} <= set(cat)
            for o in cat["outcomes"].values():
                assert {"zh", "en", "unit", "headline", "by_group"} <= set(o)
    assert many.headline == headline()
    assert list(many.outcomes) == list(outcomes())
    assert many.columns == list(per_replicate())
    assert many.settle_days == SETTLE_DAYS
    assert set(many.channels) >= {"walk_in", "remote", "discovered"}
    # the report's table: the headline outcomes with yearly civic participation second
    lead = headline()
    assert gr.headline(many) == (lead[0], "participation_civic_year", *lead[1:])
    # the table charts read is the one compare wrote
    # (both name the run key ``key``, as the manifest does; runs.csv gives each time kept in
    # hours in days beside it: ``response_time_median_days`` after ``response_time_median_h``)
    runs = pd.read_csv(many.root / "runs.csv")
    runs = runs.sort_values(["key", "replicate"])
    table = many.table().sort_values(["key", "replicate"])
    days = [c for c in runs.columns if c.endswith("_days")]
    assert "response_time_median_days" in days and "elderly.response_time_median_days" in days
    for c in days:
        hours = c.removesuffix("_days") + "_h"
        assert list(runs.columns).index(c) == list(runs.columns).index(hours) + 1
        np.testing.assert_allclose(runs[c], runs[hours] / 24, rtol=1e-8, equal_nan=True)
    runs = runs.drop(columns=days)
    assert list(table.columns) == list(runs.columns)
    assert table["key"].tolist() == runs["key"].tolist()
    assert table["structure"].tolist() == runs["structure"].tolist()
    for c in table.columns.drop(["key", "structure", "variant", "population"]):
        np.testing.assert_allclose(
            table[c].astype(float), runs[c].astype(float), rtol=1e-8, equal_nan=True, err_msg=c
        )


@pytest.mark.parametrize("lang", LANGS)
def test_single_replicate_charts_and_headline(single, lang):
    for name in gp.CHARTS:
        fig = getattr(gp, name)(single, lang)
        assert not [w for w in render(fig) if "missing from" in w]
    # one replicate: means without intervals, a row per structure
    table = headline_table(single, lang)
    assert "class=ci" not in table
    for k in single.order:
        assert single.name(k, lang) in table
    assert table.count("<td>") == len(single.order) * len(gr.headline(single))


@pytest.mark.parametrize("lang", LANGS)
def test_any_daily_outcome_over_time(single, lang):
    """Any outcome recorded daily, named and with its unit from the catalogue, labelled from
    the units table in each language: a 0–1 score, a count of requests, a share (in %); not
    an end-of-run outcome."""
    for key, unit in (("trust_mean", "0–1"), ("queue_length", "requests")):
        fig = gp.outcome_over_time(single, key, lang)
        ax = fig.axes[0]
        assert ax.get_title() == single.outcome_name(key, lang)
        brackets = "（{}）" if lang == "zh" else " ({})"  # full-width in Chinese
        shown = label(UNITS, unit, lang)
        assert ax.get_ylabel() == single.outcome_name(key, lang) + brackets.format(shown)
        assert [line.get_label() for line in ax.get_lines()] == [
            single.short_name(k, lang) for k in single.order
        ]
        assert not glyph_problems(render(fig, svg=False))
    fig = gp.outcome_over_time(single, "participation_rate", lang)
    assert fig.axes[0].get_ylabel().endswith("（%）" if lang == "zh" else "(%)")
    with pytest.raises(ValueError, match="not recorded daily"):
        gp.outcome_over_time(single, "cost_per_resident_yuan", lang)


def test_results_load_a_single_run(tmp_path):
    out = tmp_path / "run"
    assert cli.main(["run", "suzhou", "--residents", "800", "--days", "20", "--out", str(out)]) == 0
    res = Results.load(out)
    assert res.order == ["suzhou"] and res.replicates == 1 and res.days == 20
    fig = gp.equity(res, "zh")
    assert not [w for w in render(fig) if "missing from" in w]


# ---------------------------------------------------------------- what the other processes found


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", gp.CHARTS)
def test_every_chart_renders_without_missing_glyphs(reports, name, lang):
    fig = reports[lang]["described"][name]
    problems = glyph_problems(reports[lang]["saving"][name])
    assert not problems, problems
    # a title, labelled axes with units, and the note of residents, days and replicates
    assert fig["suptitle"] is not None or any(ax["title"] for ax in fig["axes"])
    labelled = [ax for ax in fig["axes"] if ax["xlabel"] or ax["ylabel"]]
    assert labelled, f"{name}: no axis labels"
    for ax in labelled:  # units in brackets, in the axis labels or the panel title
        assert re.search(r"[(（]", ax["xlabel"] + ax["ylabel"] + ax["title"]), (name, ax)
    note = gp.t("note", lang, residents=RESIDENTS, days=DAYS, replicates=REPLICATES, seeds="3, 4")
    assert note in fig["figtexts"], (name, fig["figtexts"])
    has_cjk = bool(re.search(r"[\u4e00-\u9fff]", fig["content"]))
    assert has_cjk == (lang == "zh"), f"{name} {lang}: language of the labels"


def test_one_colour_per_structure_in_every_chart(many, reports):
    colours = colour_order(many.order)
    assert len(set(colours.values())) == len(many.order)
    lines = dict(reports["en"]["described"]["participation_over_time"]["lines"])
    for k in many.order:
        assert lines[many.short_name(k, "en")].lower() == colours[k].lower()
    # a structure keeps its colour when compared with fewer others
    sub = colour_order(many.order[:2])
    assert all(sub[k] == colours[k] for k in many.order[:2])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scenario", list_scenarios())
def test_org_chart_of_every_structure(reports, many, scenario, lang):
    # every built-in structure is in the comparison, so its chart is in the report
    assert scenario in many.order
    sc = load_scenario(scenario)
    content = reports[lang]["described"][f"org_chart_{scenario}"]["content"]
    assert not glyph_problems(reports[lang]["saving"][f"org_chart_{scenario}"])
    flat = "".join(content.split())
    for inst in sc.institutions.values():  # every institution is drawn, by its own name
        assert "".join((inst.name_zh if lang == "zh" else inst.name_en).split()) in flat
    assert not re.search(r"\[\w+\]", content)  # no internal ids
    assert (sc.scenario.name_zh if lang == "zh" else sc.scenario.name_en) in content


@pytest.mark.parametrize("lang", LANGS)
def test_report_is_self_contained_and_complete(many, reports, lang):
    built = reports[lang]
    page, where = built["page"], built["dir"]
    # every chart embedded, and saved beside it as PNG and SVG
    expected = [*gp.CHARTS, *(f"org_chart_{k}" for k in many.structures)]
    assert built["figures"] == expected
    for name in expected:
        assert f"id='{name}'" in page
        assert (where / "figures" / f"{name}_{lang}.png").stat().st_size > 1000
        assert (where / "figures" / f"{name}_{lang}.svg").stat().st_size > 1000
    assert len(re.findall(r"data:image/(?:png|webp);base64,", page)) == len(expected)
    assert "\0" not in page  # every image where its mark was
    assert not re.search(r"<(img|script|link)[^>]+(src|href)=['\"]https?:", page)
    assert not glyph_problems(built["warnings"]), glyph_problems(built["warnings"])
    # headline table with intervals, the structures with their seeds, the settings
    assert "class=headline" in page and "class=ci" in page
    # the second table: how the community governs itself, every outcome declared for it
    gov = page.split(html.escape(label(TEXT, "governance", lang)), 1)[1].split("</table>", 1)[0]
    for key in many.governance:
        assert many.outcome_name(key, lang) in html.unescape(gov)
    assert {"proposals_adopted_per_10k", "trust_government_mean"} <= set(many.governance)
    for k in many.order:
        sc = many.scenarios[k].scenario
        assert (sc.name_zh if lang == "zh" else sc.name_en) in page
        for seed_file in sc.seeds:
            assert seed_file in page
    assert "1,500" in page and ">75<" in page and "3, 4" in page
    assert many.version in page
    # the Chinese font is embedded, cut down to the page's characters
    assert "@font-face{font-family:'govsim-cjk'" in page


def test_figures_drawn_in_processes_are_those_drawn_one_by_one(single, tmp_path):
    # the report draws its figures in forked processes: the same files, in the same order,
    # as drawn one after another in this process (and each PNG made small where it was
    # drawn).  Run in a process of its own, as govsim report runs, with a time limit: the
    # test runner's own threads are no part of what is tested, and a hang fails the test
    # instead of the suite
    script = f"""
import json
from pathlib import Path
import govsim.presentation.plot as gp
from govsim.results.reading import Results
res = Results.load({str(single.root)!r})
out = Path({str(tmp_path)!r})
small = []
one = gp.save_figures(res, out / "one", "en", dpi=40, workers=1)
two = gp.save_figures(res, out / "two", "en", dpi=40, workers=2,
                      then=lambda n, png: png.stat().st_size,
                      meanwhile=lambda: small.append(True))
print(json.dumps({{"small": small, "names": gp.figure_names(res),
    "one": [[n, str(p)] for n, p, _ in one],
    "two": [[n, str(p), size] for n, p, _, size in two]}}))
"""
    got = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=240, check=True
    )
    r = json.loads(got.stdout.strip().splitlines()[-1])
    assert r["small"] == [True]  # the caller's other work ran while they were drawn
    assert [n for n, _ in r["one"]] == [n for n, *_ in r["two"]] == r["names"]
    for (_, png1), (_, png2, size) in zip(r["one"], r["two"], strict=True):
        png2 = Path(png2)
        assert Path(png1).read_bytes() == png2.read_bytes() and size == png2.stat().st_size > 1000


def test_report_cli_and_bad_directory(reports, tmp_path, capsys):
    # the English report of ``reports`` was written by ``govsim report`` (exit code 0)
    assert reports["en"]["code"] == 0 and (reports["en"]["dir"] / "report.html").exists()
    assert cli.main(["report", str(tmp_path / "nothing"), "--out", str(tmp_path / "y.html")]) == 2
    assert "no such results directory" in capsys.readouterr().err
    assert not (tmp_path / "y.html").exists()


def test_presentation_does_not_import_the_simulator(isolation):
    """In a fresh interpreter, importing the presentation modules loads neither the
    simulator (``govsim.core``), the experiments nor Mesa; ``govsim``'s names still work."""
    assert isolation["after_import"] == []
    assert isolation["after_drawing"] == []
    assert isolation["lazy_names"] is True


def test_charts_leave_matplotlib_settings_alone(isolation):
    """A user's backend, settings and pyplot figures are the same after govsim is imported
    and charts are drawn; the charts still draw Chinese with the CJK font."""
    assert isolation["changed_by_import"] == []
    assert isolation["changed"] == {}
    before, after = isolation["backend"]
    assert after == before and before.lower() == "svg"
    before, after = isolation["fignums"]
    assert after == before == [1]
    assert isolation["missing_glyphs"] == []
