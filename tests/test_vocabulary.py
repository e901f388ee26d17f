"""The one vocabulary: units from one table (an unknown unit is an error when the declaring
module is imported), levels in one order, channels that drive the need-flows chart."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from conftest import rerecord

from govsim.config import vocabulary as V
from govsim.config.declare import allowed_range
from govsim.core.mechanisms import MODULES
from govsim.core.spec import declarations
from govsim.presentation.text import label, shown, shown_unit

# ---------------------------------------------------------------- units


def _import_error(tmp_path, source: str) -> str:
    """The last line of the error importing a module ``trial_units`` with ``source``."""
    (tmp_path / "trial_units.py").write_text(textwrap.dedent(source), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", "import trial_units"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0, run.stdout
    return run.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "declaration, what",
    [
        (
            'class M(Module):\n    name = "m"\n'
            '    outcomes = (Outcome("chat_share", "微信群", "chat", "needz"),)',
            "outcome 'chat_share'",
        ),
        ('P = Par("hotline.delay", float, 1.0, "delay", "hours")', "parameter 'hotline.delay'"),
        ('F = field(1.0, "a delay", "hours")', "field 'a delay'"),
        ('C = Const("LAG", "a lag", "hours", "assumption")', "constant 'LAG'"),
    ],
)
def test_an_unknown_unit_is_an_error_at_import_naming_module_declaration_and_units(
    tmp_path, declaration, what
):
    err = _import_error(
        tmp_path,
        "from govsim.config.declare import Const, Par, field\n"
        "from govsim.core.module import Module, Outcome\n" + declaration + "\n",
    )
    assert err.startswith("govsim.config.vocabulary.UnknownUnit: trial_units: "), err
    assert what in err
    assert "'share'" in err and "'needs'" in err  # the allowed units


def test_every_declared_unit_is_in_the_table_with_chinese_and_english():
    used = {p.unit for _, p in declarations() if p.declares}
    used |= {o.unit for m in MODULES for o in m.outcomes}
    used |= {c.unit for m in MODULES for c in m.constants}
    assert used <= set(V.UNITS)
    for key, u in V.UNITS.items():
        assert u.zh and u.en and u.meaning, key
        assert u.range[0] < u.range[1], key
        for other in (u.shown, u.difference):
            assert not other or other in V.UNITS, (key, other)


def test_units_are_shown_as_the_table_says():
    assert shown("share", 0.2534) == "25.3%"
    assert shown("h", 300.0) == "12.5"  # days
    assert shown("yuan", -0.0004) == "0" and shown("share", -0.00001) == "0.0%"  # never "−0"
    assert shown_unit("h", "zh") == "天" and shown_unit("share", "en") == "%"
    assert shown_unit("needs", "zh") == "件需求"  # an extra module's unit, translated
    assert V.difference_as("share") == ("pp", 100.0, 1)
    assert V.value_range("share") == (0.0, 1.0) and V.value_range("h") == (0.0, np.inf)
    assert allowed_range("h") == (0.0, 8760.0)
    assert allowed_range("level") == V.ANY_NUMBER  # not a number: the catch-all


# ---------------------------------------------------------------- levels


def test_levels_have_one_order_and_the_unit_levels_follow_it():
    assert list(V.LEVELS) == ["district", "above_community", "community", "jurisdiction", "grid"]
    assert V.UNIT_LEVELS == ("district", "community", "jurisdiction", "grid")
    assert all(v.name in V.LEVEL_NAMES for v in V.LEVELS.values())


def test_tier_counts_the_government_above_the_community_above_it():
    class Inst:
        def __init__(self, actor, level):
            self.actor, self.level = actor, level

    assert V.tier(Inst("street_office", "community")) == "above_community"
    assert V.tier(Inst("district_department", "district")) == "district"
    assert V.tier(Inst("residents_committee", "jurisdiction")) == "jurisdiction"


# ---------------------------------------------------------------- channels drive the chart


@pytest.fixture(scope="module")
def with_hotline(tmp_path_factory):
    """Runs whose catalog lists a fourth channel, ``hotline``, through which every need
    answered after a walk-in report went instead."""
    from govsim.experiments.compare import compare
    from govsim.results.reading import Results

    out = tmp_path_factory.mktemp("hotline")
    compare(["baseline", "yunfu"], 800, 60, 1, 1, out, workers=1)
    for cat in out.rglob("catalog.json"):
        data = json.loads(cat.read_text(encoding="utf-8"))
        data["channels"]["hotline"] = {"zh": "12345热线", "en": "12345 hotline"}
        cat.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for f in out.rglob("needs.parquet"):
        needs = pd.read_parquet(f)
        needs.loc[needs["channel"] == "walk_in", "channel"] = "hotline"
        needs.to_parquet(f)
        rerecord(f.parent)  # edited on purpose
    return Results.load(out)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_new_channel_shows_in_the_need_flows_chart_and_shares_add_to_100(with_hotline, lang):
    from govsim.presentation import plot

    res = with_hotline
    assert "hotline" in res.channels
    shares = plot.flow_shares(res)
    for k, by_cat in shares.items():
        assert by_cat["resolved_hotline"] > 0, k
        assert sum(by_cat.values()) == pytest.approx(100.0), k
    fig = plot.need_flows(res, lang)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(res.channels["hotline"][lang] in s for s in legend), legend
    assert len(legend) == len(res.channels) + 4  # + met without a report, 3 unanswered
    # the right panel: one entry per level, far to near, then taking part
    right = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert right[: len(V.LEVELS)] == [label(V.LEVELS, lv, lang) for lv in V.LEVELS]


def test_a_channel_the_catalog_does_not_list_is_an_error(with_hotline, monkeypatch):
    from govsim.presentation import plot

    res = with_hotline
    monkeypatch.setitem(res.catalog, "channels", {"walk_in": {"zh": "上门", "en": "walk-in"}})
    with pytest.raises(ValueError, match="hotline"):
        plot.flow_shares(res)
