"""Claims and their robustness over contested settings (``govsim robustness``), the
declared smallest differences that matter, and ranges over choices."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from govsim import cli
from govsim.config.reading import ScenarioError
from govsim.core.module import Outcome
from govsim.core.summary import OUTCOMES, headline
from govsim.experiments.claims import (
    BASE,
    Layout,
    Rule,
    claims_at_settings,
    hinges,
    prim_box,
    setting_frame,
)
from govsim.experiments.experiment import load_experiment, point_changes, resolve

pytestmark = pytest.mark.slow  # not in the quick tier (make check)

RULES = {
    "participation_mean": Rule("higher", 0.01),
    "response_time_median_h": Rule("lower", 12.0),
}


def _means(values: dict) -> pd.DataFrame:
    """{(structure, variant, population): (participation, response h)} as a means table."""
    return pd.DataFrame(
        [
            {
                "structure": s,
                "variant": v,
                "population": p,
                "participation_mean": a,
                "response_time_median_h": b,
            }
            for (s, v, p), (a, b) in values.items()
        ]
    )


def _two_points():
    layout = Layout(["ref", "x", "y"], {"ref": "u", "x": "u", "y": "u"}, ["declared"], [])
    layout.variants = ["p0000", "p0001"]
    means = _means(
        {
            ("ref", BASE, "u"): (0.20, 100.0),
            ("x", BASE, "u"): (0.30, 80.0),  # better on both, by far
            ("y", BASE, "u"): (0.205, 95.0),  # participation +0.005: below what matters
            ("ref", "p0000", "u"): (0.20, 100.0),
            ("x", "p0000", "u"): (0.25, 95.0),  # faster by 5 h only: does not hold
            ("y", "p0000", "u"): (0.22, 130.0),
            ("ref", "p0001", "u"): (0.20, 100.0),
            ("x", "p0001", "u"): (0.19, 60.0),  # less participatory here
            ("y", "p0001", "u"): (0.25, 110.0),
        }
    )
    return means, layout


def test_claims_from_a_known_table():
    means, layout = _two_points()
    at, summary = claims_at_settings(means, layout, RULES)
    s = summary.set_index("claim")
    # x more participatory than ref: holds at the files, at p0000, not at p0001
    c = s.loc["reference:participation_mean:x"]
    assert c["direction"] == "better" and c["holds_at_files"]
    assert c["share"] == pytest.approx(0.5) and c["settings"] == 2
    # x faster: by 20 h at the files; by 5 h at p0000 (less than half a day), 40 h at p0001
    c = s.loc["reference:response_time_median_h:x"]
    assert c["direction"] == "better" and c["share"] == pytest.approx(0.5)
    assert c["difference_files"] == pytest.approx(20.0)
    # y's +0.005 is too small to matter: the report can claim only "no different"
    c = s.loc["reference:participation_mean:y"]
    assert c["direction"] == "same" and c["holds_at_files"]
    assert c["share"] == pytest.approx(0.0)  # +0.02 and +0.05 later: both matter
    # pairs: x ahead of y on participation at the files; holds at p0000 only (0.25 vs 0.22)
    c = s.loc["pair:participation_mean:x:y"]
    assert (c["subject"], c["other"]) == ("x", "y") and c["share"] == pytest.approx(0.5)
    # the ranking: x first on participation at the files, first at p0000 (0.25 vs 0.22),
    # not at p0001 (y leads)
    c = s.loc["first:participation_mean:x"]
    assert c["direction"] == "better" and c["share"] == pytest.approx(0.5)
    c = s.loc["first:response_time_median_h:x"]
    assert c["share"] == pytest.approx(0.5)  # 95 vs ref 100 at p0000: 5 h, not a lead
    assert set(at["variant"]) == {BASE, "p0000", "p0001"}


def test_a_claim_below_the_minimum_difference_never_holds():
    means, layout = _two_points()
    # every difference is positive but below what matters
    means = means.copy()
    ref = means["structure"] == "ref"
    means.loc[~ref, "participation_mean"] = 0.2 + 0.009
    means.loc[~ref, "response_time_median_h"] = 100.0 - 11.9
    at, summary = claims_at_settings(means, layout, RULES)
    better = at[at["direction"] == "better"]
    assert better.empty  # not even claimed at the files
    # with a larger declared size still nothing holds as a difference, at any setting
    strict = {k: Rule(r.better, r.matters * 10) for k, r in RULES.items()}
    at, _ = claims_at_settings(means, layout, strict)
    assert not at[at["direction"].isin(("better", "worse"))]["holds"].any()
    # a difference exactly at the threshold does not exceed it
    means.loc[~ref, "participation_mean"] = 0.2 + 0.01
    at, _ = claims_at_settings(means, layout, {"participation_mean": Rule("higher", 0.01)})
    assert not at[at["direction"] == "better"]["holds"].any()


def test_every_headline_outcome_declares_what_matters():
    for k in headline():
        o = OUTCOMES[k]
        assert o.better in ("higher", "lower"), k
        assert o.matters and o.matters > 0 and o.matters_source.strip(), k
    with pytest.raises(ValueError, match="matters_source"):
        Outcome("x", "x", "x", "share", matters=0.1)
    with pytest.raises(ValueError, match="matters must be a number > 0"):
        Outcome("x", "x", "x", "share", matters=-1.0, matters_source="assumption")


def test_prim_finds_the_box_where_a_claim_fails():
    rng = np.random.default_rng(1)
    n = 200
    x = pd.DataFrame(
        {
            "staff": rng.uniform(5.5, 21.6, n),
            "tasks": rng.uniform(10, 85, n),
            "profile": pd.Categorical(rng.choice(["declared", "urban"], n)),
        }
    )
    fails = (x["staff"] < 10).to_numpy()  # the claim fails with few committee staff only
    box = prim_box(x, fails)
    assert box is not None
    dims = {r["parameter"]: r for r in box["restricted"]}
    assert set(dims) == {"staff"}
    assert 9.0 < dims["staff"]["high"] < 11.0 and dims["staff"]["low"] == pytest.approx(
        x["staff"].min()
    )
    assert box["coverage"] > 0.9 and box["density"] > 0.9
    # a categorical assumption: failing on one profile
    fails = (x["profile"] == "urban").to_numpy()
    box = prim_box(x, fails)
    assert [r["parameter"] for r in box["restricted"]] == ["profile"]
    assert box["restricted"][0]["values"] == ["urban"]
    # nothing to discover when a claim always holds or always fails
    assert prim_box(x, np.zeros(n, bool)) is None and prim_box(x, np.ones(n, bool)) is None


def test_hinges_name_the_assumption_a_claim_fails_on():
    layout = Layout(["ref", "x"], {"ref": "u", "x": "u"}, ["declared"], [])
    rng = np.random.default_rng(2)
    n = 60
    staff = rng.uniform(5.5, 21.6, n)
    peers = rng.uniform(0.5, 1.5, n)
    layout.variants = [f"p{i:04d}" for i in range(n)]
    rows = {("ref", BASE, "u"): (0.2, 100.0), ("x", BASE, "u"): (0.3, 80.0)}
    for i in range(n):
        rows[("ref", f"p{i:04d}", "u")] = (0.2, 100.0)
        # participation lead grows with staff: none below about 10 staff
        rows[("x", f"p{i:04d}", "u")] = (0.2 + 0.01 * (staff[i] - 10), 80.0)
    at, summary = claims_at_settings(_means(rows), layout, RULES)
    ranges = [
        {"key": "institutions.rc.staff", "file": "scenario", "structures": ["x"]},
        {"key": "behaviour.peers"},
    ]
    points = [
        {"scenario.institutions.rc.staff[x]": s, "population.behaviour.peers": p}
        for s, p in zip(staff, peers, strict=True)
    ]
    settings = layout.settings()
    x = setting_frame(points, ranges, layout, settings)
    # an assumption of another structure cannot decide a claim about x and its reference
    other = {"scenario.institutions.rc.staff[x]": {"z"}, "population.behaviour.peers": None}
    s2, _ = hinges(at, summary, x, settings, other)
    assert s2.set_index("claim").loc["reference:participation_mean:x", "hinges_on"] != (
        "scenario.institutions.rc.staff[x]"
    )
    summary, boxes = hinges(at, summary, x, settings)
    s = summary.set_index("claim")
    assert s.loc["reference:participation_mean:x", "hinges_on"] == (
        "scenario.institutions.rc.staff[x]"
    )
    assert s.loc["reference:response_time_median_h:x", "hinges_on"] == ""  # always holds
    b = boxes[boxes["claim"] == "reference:participation_mean:x"].iloc[0]
    assert b["high"] < 11.1 and b["range_high"] == pytest.approx(staff.max())


def _exp(tmp_path, ranges: str, name="exp.toml"):
    p = tmp_path / name
    p.write_text(
        '[experiment]\nstructures = ["baseline", "chengdong"]\nreplicates = 1\n'
        "residents = 400\ndays = 40\n" + ranges,  # past the 30-day warm-up of the headline
        encoding="utf-8",
    )
    return p


def test_a_range_over_choices_is_sampled_and_checked(tmp_path):
    p = _exp(
        tmp_path,
        '[[ranges]]\nkey = "institutions.rc.hours"\nfile = "scenario"\n'
        'structures = ["baseline"]\nchoices = ["office", "daily_day"]\n'
        '[[ranges]]\nkey = "behaviour.peers"\nfactor = [0.5, 1.5]\n'
        '[sampling]\nmethod = "lhs"\npoints = 8\n',
    )
    exp = load_experiment(p)
    runs = resolve(exp)
    hours = [
        dict(r.scenario_changes)["institutions.rc.hours"]
        for r in runs
        # on its own people (it also runs on chengdong's, to pair with it)
        if r.structure == "baseline" and r.population == "urban" and r.variant != BASE
    ]
    assert sorted(set(hours)) == ["daily_day", "office"]
    assert hours.count("office") == 4  # a Latin hypercube: each choice equally often
    used = next(r for r in runs if r.variant != BASE and r.structure == "baseline")
    assert used.scenario_data["institutions"]["rc"]["hours"] in ("office", "daily_day")
    # the structure the range does not name is left alone
    other = next(r for r in runs if r.variant != BASE and r.structure == "chengdong")
    assert "institutions.rc.hours" not in dict(other.scenario_changes)
    # a grid takes each choice once
    g = load_experiment(
        _exp(
            tmp_path,
            '[[ranges]]\nkey = "institutions.rc.hours"\nfile = "scenario"\n'
            'structures = ["baseline"]\nchoices = ["office", "daily_day", "election_day"]\n'
            '[sampling]\nmethod = "grid"\npoints = 5\n',
            "grid.toml",
        )
    )
    picked = [point_changes(g, pt, "baseline", {}, {})[0] for pt in g.points]
    assert [c["institutions.rc.hours"] for c in picked] == [
        "office",
        "daily_day",
        "election_day",
    ]


@pytest.mark.parametrize(
    "body, says",
    [
        ('choices = ["a"]', "at least two"),
        ('choices = ["a", "a"]', "at most once"),
        ('choices = ["a", "b"]\nfactor = [0.5, 1.5]', "choices take no"),
        ('choices = ["office", "nonsense"]', "institutions.rc.hours"),
    ],
)
def test_a_bad_range_of_choices_is_one_clear_error(tmp_path, body, says):
    p = _exp(
        tmp_path,
        f'[[ranges]]\nkey = "institutions.rc.hours"\nfile = "scenario"\n'
        f'structures = ["baseline"]\n{body}\n[sampling]\nmethod = "grid"\n',
    )
    with pytest.raises(ScenarioError) as e:
        resolve(load_experiment(p))
    msg = str(e.value)
    assert says in msg and "\n" not in msg


def test_cli_with_a_wrong_directory_fails_with_one_clear_line(tmp_path, capsys):
    assert cli.main(["robustness", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "nowhere" in err and "no such directory" in err
    (tmp_path / "empty").mkdir()
    assert cli.main(["robustness", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not a batch" in err


def _robustness_dir(tmp_path, structures):
    """A robustness directory written from a known table: the second structure more
    participatory than the reference in half of the settings, failing where staff is low."""
    x = structures[1]
    layout = Layout(list(structures), dict.fromkeys(structures, "urban"), ["declared"], [])
    n = 40
    staff = np.linspace(5.5, 21.6, n)
    layout.variants = [f"p{i:04d}" for i in range(n)]
    rows = {(s, BASE, "urban"): (0.2, 100.0) for s in structures}
    rows[(x, BASE, "urban")] = (0.3, 100.0)
    for i in range(n):
        for s in structures:
            rows[(s, f"p{i:04d}", "urban")] = (0.2, 100.0)
        rows[(x, f"p{i:04d}", "urban")] = (0.3 if staff[i] > 13.55 else 0.2, 100.0)
    at, summary = claims_at_settings(_means(rows), layout, RULES)
    ranges = [{"key": "institutions.rc.staff", "file": "scenario", "structures": [x]}]
    points = [{f"scenario.institutions.rc.staff[{x}]": s} for s in staff]
    settings = layout.settings()
    summary, boxes = hinges(at, summary, setting_frame(points, ranges, layout, settings), settings)
    names = {
        "outcomes": {},
        "structures": {},
        "parameters": {
            f"scenario.institutions.rc.staff[{x}]": {"zh": "居委会人员数", "en": "committee staff"}
        },
        "contested_settings": n,
    }
    from govsim.experiments.claims import write_claims

    d = tmp_path / "rob"
    write_claims(d, summary, at, boxes, names, langs=("en",))
    return d, summary


@pytest.fixture(scope="module")
def small_res():
    from govsim import GovernanceModel
    from govsim.results.reading import Results

    models = [
        GovernanceModel(s, residents=600, seed=k).run(20)
        for s in ("baseline", "chengdong")
        for k in range(2)
    ]
    return Results.from_models(models)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_front_page_quotes_each_claims_share(tmp_path, small_res, lang):
    import re

    from govsim.presentation.briefing import front_page

    d, summary = _robustness_dir(tmp_path, ["baseline", "chengdong"])
    claim = summary.set_index("claim").loc["reference:participation_mean:chengdong"]
    assert claim["share"] == pytest.approx(0.5)
    html = front_page(small_res, lang, robustness_dir=d)
    table = re.search(r"<table class=claims>(.*?)</table>", html, re.S).group(1)
    rows = [re.sub(r"<[^>]+>", " ", r) for r in re.findall(r"<tr>(.*?)</tr>", table)[1:]]
    name = small_res.short_name("chengdong", lang)
    outcome = small_res.outcome_name("participation_mean", lang)
    holds = "在50%的争议设定中成立" if lang == "zh" else "holds in 50% of contested settings"
    row = next(r for r in rows if name in r and outcome in r)
    assert holds in row
    # what it hinges on, with the side of its range where it fails
    assert ("居委会人员数 ≤" if lang == "zh" else "committee staff ≤") in row
    # a difference too small to matter at the files' values is not quoted as a claim: on
    # response, the one row says that no structure is clearly first
    on_response = [r for r in rows if small_res.outcome_name("response_time_median_h", lang) in r]
    assert len(on_response) == 1
    assert ("没有明显领先" if lang == "zh" else "no structure clearly first") in on_response[0]
    # without the directory, no such section; a wrong directory is one clear error
    assert holds not in front_page(small_res, lang)


def test_a_report_with_a_wrong_robustness_directory_fails_before_drawing(tmp_path, small_res):
    from govsim.presentation.robustness import claims_section
    from govsim.results.reading import ResultsError

    with pytest.raises(ResultsError) as e:
        claims_section(small_res, tmp_path / "nothing", "en")
    assert "not a govsim robustness directory" in str(e.value) and "\n" not in str(e.value)


def test_robustness_of_a_small_batch_end_to_end(tmp_path, capsys):
    """A batch over a number range and a range of choices, then `govsim robustness`: every
    claim has a share over the contested settings, the tables and charts are written."""
    p = _exp(
        tmp_path,
        'populations = ["declared"]\n'
        '[[ranges]]\nkey = "institutions.rc.hours"\nfile = "scenario"\n'
        'structures = ["baseline"]\nchoices = ["office", "daily_day"]\n'
        '[[ranges]]\nkey = "behaviour.peers"\nfactor = [0.5, 1.5]\n'
        '[sampling]\nmethod = "lhs"\npoints = 4\n',
    )
    out = tmp_path / "b"
    assert cli.main(["batch", str(p), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    with warnings.catch_warnings():  # no library warning reaches the user (a chart of one
        warnings.simplefilter("error")  # claim a panel once could not lay out)
        assert cli.main(["robustness", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    summary = pd.read_parquet(out / "claims.parquet")
    # one structure besides the reference: no pairs; and no ranking, as the two never meet
    # the same people (Chengdong runs on Xining's, the baseline on the national profile)
    assert set(summary["kind"]) == {"reference"}
    assert (summary["settings"] == 4).all() and (summary["contested_settings"] == 4).all()
    assert summary["share"].between(0, 1).all()
    at = pd.read_parquet(out / "claim_settings.parquet")
    # a claim of a difference holds only where its difference exceeds what matters
    diff = at[at["direction"] == "better"]
    assert (diff["holds"] == (diff["difference"] > diff["matters"] * (1 + 1e-9))).all()
    for f in (
        "claims.csv",
        "claim_boxes.csv",
        "claim_names.json",
        "claims_en.png",
        "claims_zh.svg",
    ):
        assert (out / f).exists(), f
    assert "Chengdong" in printed and "%" in printed
    # a batch without sampled assumptions is refused in one line
    cmp_out = tmp_path / "c"
    assert (
        cli.main(
            [
                "compare",
                "baseline",
                "chengdong",
                "--residents",
                "300",
                "--days",
                "5",
                "--replicates",
                "1",
                "--workers",
                "1",
                "--out",
                str(cmp_out),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert cli.main(["robustness", str(cmp_out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "samples no assumptions" in err and "\n" not in err


def test_a_structure_is_compared_with_its_reference_on_its_own_people():
    # q lives on the rural profile: its reference is the reference run on rural people, in
    # the files' setting and on each population option
    layout = Layout(["ref", "q"], {"ref": "urban", "q": "rural"}, ["declared", "urban"], [])
    layout.variants = ["p0000"]
    rows = {}
    for v in (BASE, "p0000"):
        rows[("ref", v, "urban")] = (0.50, 100.0)  # far ahead on urban people
        rows[("ref", v, "rural")] = (0.20, 100.0)
        rows[("q", v, "rural")] = (0.30, 100.0)
        rows[("q", v, "urban")] = (0.40, 100.0)
    at, summary = claims_at_settings(_means(rows), layout, RULES)
    c = summary.set_index("claim").loc["reference:participation_mean:q"]
    assert c["direction"] == "better" and c["difference_files"] == pytest.approx(0.10)
    got = at[at["claim"] == "reference:participation_mean:q"].set_index(["variant", "option"])
    # on the urban option both run on urban people: q is 0.10 behind
    assert got.loc[("p0000", "urban"), "difference"] == pytest.approx(-0.10)
    assert got.loc[("p0000", "declared"), "difference"] == pytest.approx(0.10)
    # contested: (files, urban), (p0000, declared), (p0000, urban): holds at one of three
    assert c["share"] == pytest.approx(1 / 3)
    # a structure compared with another reference than the first
    layout.reference_of = {"q": "q"}  # q is its own reference: it makes no claim against one
    _, summary = claims_at_settings(_means(rows), layout, RULES)
    assert not summary["claim"].str.startswith("reference:").any()
