"""Elections on five-year terms: a committee election is held in the simulated year only
when ``[scenario] election_year`` says so, declared once in the reference file and
inherited by every structure; the report says which."""

from __future__ import annotations

import tomllib

from govsim import GovernanceModel, load_scenario
from govsim.config.reading import SCENARIO_DIR
from govsim.config.scenario import builtin_order


def test_every_structure_follows_the_reference_files_rule():
    reference, *others = builtin_order()
    rule = load_scenario(reference).scenario.election_year
    # sourced to the law: terms of five years
    assert "每届任期五年" in load_scenario(reference).sources["scenario.election_year"]
    for name in others:
        assert load_scenario(name).scenario.election_year == rule, name
        # declared once: no other file sets it
        raw = tomllib.loads((SCENARIO_DIR / f"{name}.toml").read_text(encoding="utf-8"))
        assert "election_year" not in raw.get("scenario", {}), name


def test_an_election_is_held_only_in_an_election_year():
    out = {}
    for held in (False, True):
        sc = load_scenario("baseline", changes={"scenario.election_year": held})
        s = GovernanceModel(sc, residents=2000, seed=1).run(200).summary()
        out[held] = s
        assert s["election_year"] is held
    assert out[False]["institutions"]["rc"]["sessions_per_instance_year.election"] == 0
    assert out[True]["institutions"]["rc"]["sessions_per_instance_year.election"] > 0
    assert out[False]["participation_civic_year"] < out[True]["participation_civic_year"]
    assert out[True]["sessions"]["election"]["attendances"] > 0
    assert out[False]["sessions"]["election"]["held"] == 0


def test_a_comparison_refuses_structures_in_different_years(tmp_path):
    import pytest

    from govsim import ScenarioError
    from govsim.experiments.experiment import compare_experiment, resolve

    path = tmp_path / "voting.toml"
    path.write_text(
        'extends = "chengdong"\n[scenario]\nname_zh = "选举年"\nname_en = "voting"\n'
        "election_year = true\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        resolve(compare_experiment(["baseline", str(path)], 500, 10, 0, 1, None))
    err = info.value
    assert err.key == "scenario.election_year" and err.file == str(path), str(err)
    assert "the same year" in err.message
    # alone it is still paired with its before-structure (chengdong's: the baseline, added
    # to the comparison), which is not in an election year
    with pytest.raises(ScenarioError) as info:
        resolve(compare_experiment([str(path)], 500, 10, 0, 1, None))
    assert info.value.key == "scenario.election_year"
    # with its own year all through (the reference in an election year too) it is fine
    ref = tmp_path / "voting_ref.toml"
    ref.write_text(
        'extends = "baseline"\n[scenario]\nname_zh = "选举年基线"\nname_en = "voting reference"\n'
        "election_year = true\n",
        encoding="utf-8",
    )
    path.write_text(path.read_text(encoding="utf-8") + 'before = "voting_ref"\n', encoding="utf-8")
    assert resolve(compare_experiment([str(path)], 500, 10, 0, 1, None))
