"""Organisation charts: every institution by its own name, rows labelled with the level its
institutions have, every relay drawn, nothing written over anything else, readable at the
report's size (1100 px wide at 110 dpi)."""

from __future__ import annotations

import re

import pytest

import govsim
from govsim.config.vocabulary import LEVEL_NAMES, tier
from govsim.presentation.charts import org_layout as orgchart
from govsim.presentation.plot import org_chart
from govsim.presentation.text import label

pytestmark = pytest.mark.slow  # not in the quick tier (make check)

LANGS = ("zh", "en")


@pytest.fixture(scope="module")
def charts():
    out = {}
    for k in govsim.list_scenarios():
        sc = govsim.load_scenario(k)
        for lang in LANGS:
            fig = org_chart(sc, lang)
            fig.canvas.draw()
            out[k, lang] = (sc, fig)
    return out


def parts(fig):
    ax = fig.axes[0]
    r = fig.canvas.get_renderer()
    boxes = {
        p.get_gid().split(":", 1)[1]: p.get_window_extent(r)
        for p in ax.patches
        if str(p.get_gid()).startswith("box:")
    }
    texts = [(str(t.get_gid()), t.get_text(), t.get_window_extent(r), t) for t in ax.texts]
    return ax, boxes, texts


CASES = [(k, lang) for k in govsim.list_scenarios() for lang in LANGS]


def test_every_builtin_institution_has_its_own_name():
    for k in govsim.list_scenarios():
        for key, inst in govsim.load_scenario(k).institutions.items():
            assert inst.name_zh and inst.name_en, f"{k}: {key} has no name_zh / name_en"


@pytest.mark.parametrize(("scenario", "lang"), CASES)
def test_each_box_carries_the_institutions_own_name(charts, scenario, lang):
    sc, fig = charts[scenario, lang]
    _, boxes, texts = parts(fig)
    assert set(boxes) == set(sc.institutions)
    for key, inst in sc.institutions.items():
        own = inst.name_zh if lang == "zh" else inst.name_en
        written = "".join(s for gid, s, _, _ in texts if gid == f"boxtext:{key}")
        assert re.sub(r"\s", "", own) in re.sub(r"\s", "", written), (scenario, key, written)


@pytest.mark.parametrize(("scenario", "lang"), CASES)
def test_no_ids_and_whole_staff(charts, scenario, lang):
    _, fig = charts[scenario, lang]
    _, _, texts = parts(fig)
    for gid, s, _, _ in texts:
        if gid.startswith("boxtext:"):
            assert not re.search(r"\[\w+\]", s), s
            assert not re.search(r"\d\.\d", s), s  # no "14.4" staff (percentages are whole)


@pytest.mark.parametrize(("scenario", "lang"), CASES)
def test_no_text_over_a_box_or_another_text(charts, scenario, lang):
    _, fig = charts[scenario, lang]
    _, boxes, texts = parts(fig)
    for gid, s, ext, _ in texts:
        own = gid.split(":", 1)[1] if gid.startswith("boxtext:") else None
        for key, b in boxes.items():
            if key == own:
                assert b.contains(ext.x0 + 1, ext.y0 + 1) and b.contains(ext.x1 - 1, ext.y1 - 1), (
                    f"{s!r} sticks out of its box {key}"
                )
            else:
                assert not ext.overlaps(b), f"{s!r} ({gid}) is over the box {key}"
    for i, (g0, s0, e0, _) in enumerate(texts):
        for g1, s1, e1, _ in texts[i + 1 :]:
            if g0 == g1 and g0.startswith("boxtext:"):
                continue  # lines of one box are stacked by construction
            assert not e0.overlaps(e1), f"{s0!r} ({g0}) overlaps {s1!r} ({g1})"


@pytest.mark.parametrize(("scenario", "lang"), CASES)
def test_every_relay_has_an_arrow(charts, scenario, lang):
    sc, fig = charts[scenario, lang]
    ax, boxes, _ = parts(fig)
    drawn = {str(p.get_gid()) for p in ax.patches}
    for key, inst in sc.institutions.items():
        targets = {inst.forwards_to} if inst.forwards_to else set()
        targets |= set(inst.forwards.values())
        for t in targets:
            assert f"relay:{key}>{t}" in drawn, f"{scenario}: {key} → {t} not drawn"


@pytest.mark.parametrize(("scenario", "lang"), CASES)
def test_row_labels_name_the_levels_present(charts, scenario, lang):
    sc, fig = charts[scenario, lang]
    _, boxes, texts = parts(fig)
    rows = [(ext, s) for gid, s, ext, _ in texts if gid == "row_label"]
    centres = sorted((b.y0 + b.y1) / 2 for b in boxes.values())
    assert len(rows) == 1 + sum(b - a > 2 for a, b in zip(centres, centres[1:], strict=False))
    for key, inst in sc.institutions.items():
        b = boxes[key]
        (row,) = [s for ext, s in rows if abs((ext.y0 + ext.y1) / 2 - (b.y0 + b.y1) / 2) < 2]
        row = re.sub(r"\s", "", row)
        assert re.sub(r"\s", "", label(LEVEL_NAMES, orgchart.level_name(inst), lang)) in row
        if tier(inst) == "above_community":  # street offices, towns
            assert row not in ("社区", "community"), (scenario, key)


def test_qingyuan_is_a_county_with_villages(charts):
    sc, fig = charts["qingyuan", "zh"]
    _, boxes, texts = parts(fig)
    rows = {s for gid, s, _, _ in texts if gid == "row_label"}
    assert {"县", "镇", "行政村", "自然村"} <= rows
    assert not rows & {"区", "社区", "街道"}


@pytest.mark.parametrize(("scenario", "lang"), CASES)
def test_readable_at_report_size(charts, scenario, lang):
    _, fig = charts[scenario, lang]
    width_in = fig.get_size_inches()[0]
    scale = min(1.0, 1100 / 110 / width_in)
    for t in fig.axes[0].texts:
        assert t.get_fontsize() * scale >= 9, t.get_text()
    # legend and notes inside the figure
    fr = fig.bbox
    for t in [*fig.texts, *fig.axes[0].get_legend().get_texts()]:
        e = t.get_window_extent(fig.canvas.get_renderer())
        assert fr.x0 <= e.x0 and e.x1 <= fr.x1 and fr.y0 <= e.y0 and e.y1 <= fr.y1, t.get_text()


def test_remote_channel_in_the_legend(charts):
    for (k, lang), (sc, fig) in charts.items():
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        has = any(orgchart.tr("legend_remote", lang) == s for s in legend)
        assert has == (sc.routing.remote is not None), k


def test_barycenter_order_removes_needless_crossings():
    layers = [["a", "b"], ["c", "d"], ["e", "f"]]
    edges = [("a", "d"), ("b", "c"), ("c", "f"), ("d", "e")]
    assert orgchart.crossings(layers, edges) == 2
    best = orgchart.barycenter_order(layers, edges)
    assert orgchart.crossings(best, edges) == 0
    assert sorted(map(sorted, best)) == sorted(map(sorted, layers))


def test_staff_as_whole_people():
    assert orgchart.staff_text(21.6, "zh") == "约22人"
    assert orgchart.staff_text(21.6, "en") == "about 22 staff"
    assert orgchart.staff_text(30.0, "zh") == "30人"
    assert orgchart.staff_text(0.4, "en") == "about 1 staff"


def test_runs_written_before_institutions_had_names_still_draw():
    """A run's scenario.json from before ``name_zh``/``level_name`` existed: the chart
    falls back to the actors' labels instead of failing."""
    from govsim.results.reading import Spec

    raw = govsim.load_scenario("chengdong").model_dump(mode="json")
    for inst in raw["institutions"].values():
        for k in ("name_zh", "name_en", "level_name"):
            inst.pop(k, None)
    fig = org_chart(Spec(raw), "zh")
    fig.canvas.draw()
    assert fig.axes


@pytest.mark.parametrize("name", govsim.list_scenarios())
def test_legend_lists_only_the_relays_drawn(name):
    sc = govsim.load_scenario(name)
    fig = org_chart(sc, "en")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    typed = any(not r.default for r in orgchart.relays(sc))
    assert ("relay by need type" in legend) == typed


def test_the_layout_does_not_depend_on_the_hash_seed():
    """The order within rows is the same in every process (it once followed the iteration
    order of sets of names, which changes with ``PYTHONHASHSEED``)."""
    import os
    import subprocess
    import sys

    code = (
        "from govsim import load_scenario\n"
        "from govsim.presentation.charts import org_layout as o\n"
        "for k in ('xinfeng', 'baseline', 'qingyuan'):\n"
        "    sc = load_scenario(k)\n"
        "    print(o._layers(sc, o.relays(sc))[0])\n"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(seen) == 1, seen
