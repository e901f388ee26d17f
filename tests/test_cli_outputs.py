"""The command line and the files it writes: run, compare (paired, worker-independent), list."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import GROUPS, SUMMARY_KEYS

from govsim import cli
from govsim.experiments.compare import compare
from govsim.results.reading import Results

SMALL = ["--residents", "1500", "--days", "40"]


def test_run_writes_summary_daily_needs(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["run", "chengdong", *SMALL, "--seed", "3", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for key in SUMMARY_KEYS:
        assert key in summary
        for group in GROUPS:
            assert key in summary["by_group"][group], (group, key)
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 40
    assert daily["day"].tolist() == list(range(1, 41))
    needs = pd.read_parquet(out / "needs.parquet")
    assert len(needs) == summary["needs"]
    assert set(needs["status"]) <= {
        "unreported",
        "in_system",
        "resolved",
        "never_reported",
        "abandoned",
    }
    resolved = needs[needs["status"] == "resolved"]
    assert (resolved["response_time_h"] >= 0).all()
    assert (resolved["t_resolved_h"] >= resolved["t_arose_h"]).all()
    hops = pd.read_parquet(out / "hops.parquet")
    assert set(hops["need_id"]) <= set(needs["need_id"])
    # no temporary files left behind: the only hidden files are the run's content record
    # and the lock held while it was made
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [
        ".govsim-run.json",
        ".lock",
    ]
    assert "participation" in capsys.readouterr().out


def run_dir(structure: str, rep: int, population: str = "urban", variant: str = "base") -> str:
    return f"structure={structure}/variant={variant}/population={population}/replicate={rep}"


@pytest.mark.slow
def test_compare_is_paired_and_independent_of_workers(tmp_path):
    a = compare(["baseline", "chengdong"], 1200, 30, 5, 2, tmp_path / "a", workers=1)
    b = compare(["baseline", "chengdong"], 1200, 30, 5, 2, tmp_path / "b", workers=2)
    pd.testing.assert_frame_equal(a, b)
    ra = pd.read_csv(tmp_path / "a" / "runs.csv")
    rb = pd.read_csv(tmp_path / "b" / "runs.csv")
    pd.testing.assert_frame_equal(ra, rb)
    # replicate k of chengdong and of what existed before it (the traditional structure),
    # both on Chengdong's people (001's Xining profile), used the same seed and met the same
    # needs
    for k in range(2):
        before = run_dir("baseline", k, "xining")
        n0 = pd.read_parquet(tmp_path / "a" / "runs" / before / "needs.parquet")
        n1 = pd.read_parquet(
            tmp_path / "a" / "runs" / run_dir("chengdong", k, "xining") / "needs.parquet"
        )
        for col in ("type", "resident", "group", "t_arose_h"):
            assert n0[col].tolist() == n1[col].tolist()
    assert sorted(ra["seed"].unique()) == [5, 6]
    # a 95% interval brackets the mean when there are replicates
    row = a.iloc[0]
    assert (
        row["participation_rate_ci_low"]
        <= row["participation_rate"]
        <= row["participation_rate_ci_high"]
    )
    paired = pd.read_csv(tmp_path / "a" / "paired.csv")
    assert set(paired["key"]) == {"chengdong"}
    # each difference with its outcome's unit; a time kept in hours also in days
    unit = paired.set_index("outcome")["unit"]
    assert unit["response_time_median_h"] == "h" and unit["response_time_median_days"] == "days"
    assert unit["participation_rate"] == "share"
    d = paired.set_index("outcome")
    assert d.loc["response_time_median_days", "difference"] == pytest.approx(
        d.loc["response_time_median_h", "difference"] / 24
    )
    meta = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert meta["comparison"]["reference"] == "baseline"
    assert meta["comparison"]["seeds"] == [5, 6] and meta["seed"] == 5


def test_compare_cli_defaults_to_all_builtin(tmp_path, capsys):
    assert (
        cli.main(
            [
                "compare",
                "--residents",
                "800",
                "--days",
                "10",
                "--workers",
                "1",
                "--out",
                str(tmp_path / "c"),
            ]
        )
        == 0
    )
    table = pd.read_csv(tmp_path / "c" / "summary.csv")
    assert table["key"].iloc[0] == "baseline"
    # every structure on its own population; the traditional structure also on each place's
    # people, to pair the structures that replaced it there with (Qingyuan's is village)
    places = {"baseline@xining", "baseline@suzhou_park", "baseline@resettled"}
    assert set(table["key"]) == {*cli.builtin_order(), *places}
    assert "baseline" in capsys.readouterr().out


def test_compare_runs_each_structure_on_its_own_population(tmp_path):
    out = tmp_path / "p"
    compare(["baseline", "qingyuan", "chengdong"], 800, 10, 3, 2, out, workers=1)
    meta = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["comparison"]
    # each on the people of its place, after what existed before it there (added: village)
    assert meta["populations"] == {
        "baseline": "urban",
        "village": "rural",
        "qingyuan": "rural",
        "baseline@xining": "xining",
        "chengdong": "xining",
    }
    assert meta["keys"] == ["baseline", "village", "qingyuan", "baseline@xining", "chengdong"]
    for key, pop in meta["populations"].items():
        d = out / "runs" / run_dir(meta["structures"][key], 0, pop)
        s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        assert s["population"] == pop and s["settings"]["key"] == key
    # Qingyuan is paired with the village committees it replaced, on the same rural people:
    # the same residents and needs; Chengdong with the traditional structure on its people
    paired = pd.read_csv(out / "paired.csv")
    refs = paired.drop_duplicates("key").set_index("key")["reference"].to_dict()
    assert refs == {"chengdong": "baseline@xining", "qingyuan": "village"}
    a = pd.read_parquet(out / "runs" / run_dir("village", 1, "rural") / "needs.parquet")
    b = pd.read_parquet(out / "runs" / run_dir("qingyuan", 1, "rural") / "needs.parquet")
    assert a["t_arose_h"].tolist() == b["t_arose_h"].tolist()
    # and the report names the extra before run by its population
    res = Results.load(out)
    assert res.short_name("baseline@xining", "en").endswith("(Chengdong population)")
    assert res.short_name("baseline@xining", "zh").endswith("（城东人口）")
    assert res.reference_of("qingyuan") == "village"
    assert res.reference_of("chengdong") == "baseline@xining"
    # org charts: each once (the added village too: it is a structure of its own)
    assert res.structures == ["baseline", "village", "qingyuan", "chengdong"]


def test_list_shows_bilingual_names(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "传统四级管理" in out and "Traditional four-level baseline" in out


def test_bad_scenario_is_one_clear_error_and_keeps_old_outputs(tmp_path, capsys):
    out = tmp_path / "keep"
    assert (
        cli.main(["run", "baseline", "--residents", "800", "--days", "5", "--out", str(out)]) == 0
    )
    before = (out / "summary.json").read_bytes()
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "baseline"\n[institutions.rc]\nwindows = "one"\n', encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["run", str(bad), "--residents", "800", "--days", "5", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "institutions.rc.windows" in err and "integer" in err
    assert err.count("\n") == 1
    assert (out / "summary.json").read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [
        ["run", "baseline", "--residents", "0", "--out", "x"],
        ["compare", "--replicates", "-1", "--out", "x"],
    ],
)
def test_bad_numbers_rejected(args):
    with pytest.raises(SystemExit) as e:
        cli.main(args)
    assert e.value.code == 2


def test_intervals_stay_within_the_outcomes_range():
    """A share's interval stays in [0, 1] and a time's at or above 0, where the t-interval
    would cross them; far from the bounds it is close to the t-interval; unbounded
    quantities (paired differences) keep the t-interval."""
    import numpy as np

    from govsim.config.vocabulary import value_range
    from govsim.results.tables import UNBOUNDED, column_range, mean_ci

    shares = np.array([0.0, 0.0, 0.3, 0.01, 0.0])
    m, lo, hi = mean_ci(shares)
    assert lo < 0  # the plain t-interval is impossible here
    m2, lo2, hi2 = mean_ci(shares, value_range("share"))
    assert m2 == m and 0 < lo2 < m < hi2 < 1
    hours = np.array([149.0, 10.0, 300.0])
    assert mean_ci(hours)[1] < 0 < mean_ci(hours, value_range("h"))[1]
    far = np.array([0.48, 0.50, 0.52, 0.49, 0.51])
    t_lo, t_hi = mean_ci(far)[1:]
    l_lo, l_hi = mean_ci(far, value_range("share"))[1:]
    assert abs(l_lo - t_lo) < 0.002 and abs(l_hi - t_hi) < 0.002
    assert mean_ci(np.zeros(4), value_range("share")) == (0.0, 0.0, 0.0)
    assert mean_ci(np.array([-1.0, 1.0, 3.0]), UNBOUNDED)[1] < -1
    units = {"participation_rate": "share", "response_time_median_h": "h"}
    assert column_range("elderly.participation_rate", units) == (0.0, 1.0)
    assert column_range("dispute.response_time_median_h", units) == (0.0, np.inf)
    assert column_range("seed", units) == UNBOUNDED
