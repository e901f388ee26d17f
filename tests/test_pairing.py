"""Each structure is compared with what existed before it in its place (rule 7): the
planner pairs it with its file's ``[scenario] before``, run on the same population and
seeds; a before naming nothing, or a chain of them that loops, is refused before any run;
the place profiles load with a source for every value they set; the village reference has
none of Qingyuan's reforms; renaming the files changes no number (rule 1)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from govsim.config.reading import (
    POPULATION_DIR,
    SCENARIO_DIR,
    ScenarioError,
    list_populations,
    list_scenarios,
)
from govsim.core.load import load_population, load_scenario
from govsim.experiments import batch
from govsim.experiments.experiment import compare_experiment, load_experiment, resolve
from govsim.results.reading import Results

# what 000, 001, 002 and 003 say existed before each reform in its place
BEFORE = {
    "qingyuan": "village",
    "nanshan": "workstation",
    "shekou": "nanshan",
    "chengdong": "baseline",
    "suzhou": "baseline",
    "xinfeng": "baseline",
    "yunfu": "baseline",
}
PLACE = {
    "qingyuan": "rural",
    "village": "rural",
    "workstation": "shenzhen",
    "nanshan": "shenzhen",
    "shekou": "shenzhen",
    "chengdong": "xining",
    "suzhou": "suzhou_park",
    "xinfeng": "resettled",
    "yunfu": "urban",
    "baseline": "urban",
}


def _check_pairing(runs) -> None:
    """Every unchanged run is paired with its before-structure's run on the same population,
    replicate and seed (a reference with itself)."""
    by = {(r.key, r.replicate): r for r in runs}
    for r in runs:
        if r.variant != "base":
            continue
        ref = by[(r.reference, r.replicate)]
        assert ref.population == r.population and ref.seed == r.seed
        before = load_scenario(r.scenario).scenario.before
        if before:
            assert ref.structure == before, r.key
        else:
            assert ref.key == r.key, r.key


def test_every_built_in_structure_names_its_before_and_its_place():
    for name in list_scenarios():
        meta = load_scenario(name).scenario
        if meta.reference:
            assert not meta.before, name
        else:
            assert meta.before == BEFORE[name], name
            sources = load_scenario(name).sources
            assert sources.get("scenario.before", "").strip(), f"{name}: before has no source"
        assert meta.population == PLACE[name], name


def test_headline_pairs_each_structure_with_its_before_on_the_same_people():
    runs = resolve(load_experiment("headline"))
    _check_pairing(runs)
    refs = {r.key: r.reference for r in runs if r.replicate == 0}
    assert refs["qingyuan"] == "village"  # not baseline@rural
    assert refs["shekou"] == "nanshan"
    assert refs["chengdong"] == "baseline@xining"
    assert refs["nanshan"] == "workstation"  # 居站分设 on the same Shenzhen people
    assert refs["xinfeng"] == "baseline@resettled"
    assert refs["yunfu"] == "baseline"
    assert "baseline@rural" not in refs  # nothing is compared with one committee a town


def test_a_before_structure_not_listed_is_added_on_the_same_population():
    runs = resolve(compare_experiment(["shekou"], 300, 5, 0, 2))
    keys = [r.key for r in runs if r.replicate == 0]
    # the chain down to a reference, oldest first, all on Shenzhen's people
    assert keys == ["workstation", "nanshan", "shekou"]
    assert {r.population for r in runs} == {"shenzhen"}
    _check_pairing(runs)
    # on another profile for all, the chain follows onto it
    runs = resolve(compare_experiment(["qingyuan"], 300, 5, 0, 1, population="urban"))
    assert {r.key: r.reference for r in runs} == {
        "village@urban": "village@urban",
        "qingyuan@urban": "village@urban",
    }


def test_an_experiment_may_force_one_structure_for_all(tmp_path):
    p = tmp_path / "one.toml"
    p.write_text(
        '[experiment]\nstructures = ["baseline", "qingyuan"]\ncompare_with = "baseline"\n',
        encoding="utf-8",
    )
    refs = {r.key: r.reference for r in resolve(load_experiment(p)) if r.replicate == 0}
    assert refs == {
        "baseline": "baseline",
        "baseline@rural": "baseline@rural",
        "qingyuan": "baseline@rural",
    }
    p.write_text(
        '[experiment]\nstructures = ["baseline", "qingyuan"]\ncompare_with = "yunfu"\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as e:
        resolve(load_experiment(p))
    assert e.value.key == "experiment.compare_with" and "before" in e.value.message
    # govsim compare --compare-with baseline: the same
    exp = compare_experiment(["baseline", "qingyuan"], 300, 5, 0, 1, compare_with="baseline")
    assert {r.key: r.reference for r in resolve(exp)}["qingyuan"] == "baseline@rural"


def _structure(path: Path, before: str | None, reference: bool = False) -> Path:
    line = f'before = "{before}"\n' if before is not None else ""
    path.write_text(
        'extends = "baseline"\n[scenario]\nname_zh = "甲"\nname_en = "A"\n'
        f"reference = {str(reference).lower()}\n{line}",
        encoding="utf-8",
    )
    return path


def test_a_before_naming_no_structure_is_one_error_naming_file_key_and_what_is_allowed(
    tmp_path,
):
    f = _structure(tmp_path / "reform.toml", "nowhere")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    assert e.value.key == "scenario.before" and e.value.file == str(f)
    assert "nowhere" in e.value.message and "village" in e.value.message
    # naming itself
    f = _structure(tmp_path / "itself.toml", "itself")
    with pytest.raises(ScenarioError, match="this file"):
        load_scenario(f)
    # the planner refuses it before any run
    with pytest.raises(ScenarioError) as e:
        resolve(compare_experiment([str(tmp_path / "reform.toml")], 300, 5, 0, 1))
    assert e.value.key == "scenario.before"


def test_a_circular_before_is_one_error_before_any_run(tmp_path):
    a = _structure(tmp_path / "a.toml", "b")
    _structure(tmp_path / "b.toml", "c")
    _structure(tmp_path / "c.toml", "a")
    with pytest.raises(ScenarioError) as e:
        resolve(compare_experiment([str(a)], 300, 5, 0, 1))
    assert e.value.key == "scenario.before"
    assert "a -> b -> c -> a" in e.value.message or "come back" in e.value.message
    # a reference compared with something is refused too
    r = _structure(tmp_path / "r.toml", "baseline", reference=True)
    with pytest.raises(ScenarioError, match="compared with nothing"):
        resolve(compare_experiment([str(r)], 300, 5, 0, 1))


def _sourced_keys(table: dict, prefix: str = ""):
    """The dotted keys a file sets itself, and whether each has a source."""
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and "value" in v:
            yield key, bool(str(v.get("source", "")).strip())
        elif isinstance(v, dict) and "same_as" in v:
            yield key, True
        elif isinstance(v, dict):
            yield from _sourced_keys(v, key + ".")
        elif k == "source":
            continue
        else:
            yield key, False  # a bare value: no source beside it


def test_every_population_profile_loads_and_every_value_it_sets_has_a_source():
    assert {"shenzhen", "suzhou_park", "xining", "resettled"} <= set(list_populations())
    for name in list_populations():
        pop = load_population(name)
        raw = tomllib.loads((POPULATION_DIR / f"{name}.toml").read_text(encoding="utf-8"))
        sections = {k: v for k, v in raw.items() if isinstance(v, dict)}
        keys = list(_sourced_keys(sections))
        assert keys, name
        for key, sourced in keys:
            # per-type tables write `x.value.<type> = …` beside one `x.source`
            parent = key.split(".value.")[0] if ".value." in key else key
            assert sourced or pop.sources.get(parent, "").strip(), f"{name}: {key}"
        if raw.get("extends"):
            assert raw["extends"] in ("urban", "rural"), name


def test_place_profiles_change_only_what_their_sources_support():
    urban = load_population("urban")
    sz = load_population("shenzhen")
    assert sz.demography.share_elderly == pytest.approx(0.0536)  # 7th census
    assert sz.demography.migrant_share > urban.demography.migrant_share
    xn = load_population("xining")
    assert xn.demography.migrant_share == pytest.approx(0.1294)  # 001
    for name in ("xining", "suzhou_park", "resettled"):
        p = load_population(name)
        assert p.demography.share_elderly == urban.demography.share_elderly, name
        assert p.behaviour == urban.behaviour, name


def test_the_village_reference_has_none_of_qingyuans_reforms():
    village, qingyuan = load_scenario("village"), load_scenario("qingyuan")
    actors = {i.actor for i in village.institutions.values()}
    assert not actors & {"villager_council", "village_service_station", "party_committee"}
    assert not any(i.level == "grid" for i in village.institutions.values())
    assert set(village.routing.walk_in.values()) == {"rc"}
    # the same administrative village, committee and county as Qingyuan's: only the
    # reform differs
    assert village.layout.residents_per_jurisdiction == qingyuan.layout.residents_per_jurisdiction
    assert village.institutions["rc"].staff == qingyuan.institutions["rc"].staff
    assert village.institutions["rc"].members == qingyuan.institutions["rc"].members
    assert village.institutions["county"] == qingyuan.institutions["county"]
    assert village.scenario.population == qingyuan.scenario.population
    # the town without the reform's delegated approvals: the baseline street office's
    street = load_scenario("baseline").institutions["street"]
    assert village.institutions["town"].authority == street.authority
    assert village.institutions["town"].processing_days == street.processing_days


def test_the_workstation_reference_has_none_of_nanshans_additions():
    ws, nanshan = load_scenario("workstation"), load_scenario("nanshan")
    actors = {i.actor for i in ws.institutions.values()}
    assert not actors & {"party_committee", "community_service_center"}
    assert "workstation" in actors  # 居站分设 since 2006 (003)
    assert ws.institutions["orgs"].incubator is None  # the traditional organisations
    base = load_scenario("baseline").institutions["rc"]
    # the committee is Nanshan's but for the reform's three committees (council, cycle and
    # time shares are the traditional committee's) and where it forwards
    assert ws.institutions["rc"] == nanshan.institutions["rc"].model_copy(
        update={
            "forwards": ws.institutions["rc"].forwards,
            "council": None,
            "self_governance": base.self_governance,
            "sessions_per_year": base.sessions_per_year,
        }
    )
    assert ws.institutions["ws"] == nanshan.institutions["ws"]
    # the grids are 一格三员's: a post with no named responsibility (003), not a chief — it
    # loses what it passes on as the traditional committee does and finds fewer needs
    grid, chief = ws.institutions["chiefs"], nanshan.institutions["chiefs"]
    assert grid.staff == chief.staff
    assert grid.relay_loss == load_scenario("baseline").institutions["rc"].relay_loss
    assert grid.relay_loss > chief.relay_loss
    assert grid.outreach.detect < chief.outreach.detect
    assert ws.scenario.population == nanshan.scenario.population == "shenzhen"


def test_renaming_the_files_changes_no_number(tmp_path):
    """Rule 1: the pairing follows the files' before, never their names."""
    d = tmp_path / "renamed"
    d.mkdir()
    reform = (SCENARIO_DIR / "qingyuan.toml").read_text(encoding="utf-8")
    before = (SCENARIO_DIR / "village.toml").read_text(encoding="utf-8")
    reform = reform.replace('before = { value = "village"', 'before = { value = "dorf"')
    before = before.replace('extends = "qingyuan"', 'extends = "reform_x"')
    (d / "reform_x.toml").write_text(reform, encoding="utf-8")
    (d / "dorf.toml").write_text(before, encoding="utf-8")
    outs = {}
    for name, structures in (
        ("shipped", ["qingyuan"]),
        ("renamed", [str(d / "reform_x.toml")]),
    ):
        exp = compare_experiment(structures, 400, 15, 7, 1)
        batch.run_batch(exp, tmp_path / name, progress=False)
        res = Results.load(tmp_path / name)
        assert res.reference_of(res.order[-1]) == res.order[0]
        outs[name] = res.table().drop(columns=["key"]).reset_index(drop=True)
    assert list(Results.load(tmp_path / "renamed").order) == ["dorf", "reform_x"]
    shipped, renamed = outs["shipped"], outs["renamed"]
    numbers = [c for c in shipped.columns if shipped[c].dtype.kind in "fi" and c in renamed]
    assert numbers
    assert shipped[numbers].equals(renamed[numbers])
