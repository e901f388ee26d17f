"""The GovernanceModel API: run, summary, resident views, the daily record, Mesa agents
on the neighbourhood network, and every built-in scenario running."""

from __future__ import annotations

import dataclasses
import json
import math

import mesa
import numpy as np
import pytest
from conftest import GROUPS, SUMMARY_KEYS
from mesa.discrete_space import Network

import govsim
from govsim import GovernanceModel, list_scenarios, load_scenario
from govsim.core.institutions import Institution
from govsim.core.records import AGE_GROUPS, ResidentView

RESIDENTS = 3000
DAYS = 30
OUTCOMES = SUMMARY_KEYS
TOP_KEYS = (*SUMMARY_KEYS, "by_group")


@pytest.fixture(scope="module")
def model() -> GovernanceModel:
    return GovernanceModel(load_scenario("baseline"), residents=RESIDENTS, seed=4).run(DAYS)


@pytest.fixture(scope="module")
def summary(model) -> dict:
    return model.summary()


# ------------------------------------------------------------------ run / summary
def test_run_returns_the_model_and_counts_days():
    m = GovernanceModel("baseline", residents=1000, seed=1)
    assert isinstance(m, mesa.Model)
    assert m.run(3) is m
    assert m.day_count == 3
    m.run(2)
    assert m.day_count == 5
    assert m.summary()["days"] == 5


def test_summary_has_the_outcome_keys(summary):
    for key in TOP_KEYS:
        assert key in summary, key
    assert summary["residents"] == RESIDENTS
    assert summary["days"] == DAYS
    assert summary["seed"] == 4
    assert summary["structure"] == "baseline"


def test_summary_values_are_in_range(summary):
    for key in ("participation_rate", "unreported_share", "unresolved_share", "trust_mean"):
        assert 0.0 <= summary[key] <= 1.0, key
    assert 0 < summary["response_time_median_h"] <= summary["response_time_p90_h"]
    assert summary["cost_per_resident_yuan"] > 0
    assert math.isclose(
        summary["cost_per_resident_yuan"] * RESIDENTS,
        summary["cost_breakdown_yuan_per_year"]["total"],
    )


def test_by_group_has_each_group_with_the_same_keys(summary):
    by = summary["by_group"]
    assert set(GROUPS) <= set(by)
    keys = {g: set(by[g]) for g in GROUPS}
    first = keys[GROUPS[0]]
    assert all(k == first for k in keys.values()), keys
    for g in GROUPS:
        for key in OUTCOMES:
            assert key in by[g], (g, key)
        assert by[g]["residents"] > 0
        # a cost is the whole community's: each group's section repeats it
        assert by[g]["cost_per_resident_yuan"] == summary["cost_per_resident_yuan"]


def test_by_group_agrees_with_the_resident_arrays(model, summary):
    r = model.residents
    by = summary["by_group"]
    assert by["elderly"]["residents"] == int((r.age_group == AGE_GROUPS.index("elderly")).sum())
    assert by["migrant"]["residents"] == int(r.migrant.sum())
    assert by["vulnerable"]["residents"] == int(r.vulnerable.sum())
    assert by["vulnerable"]["trust_mean"] == pytest.approx(float(r.trust[r.vulnerable].mean()))


def test_check_accounting_returns_counts(model, summary):
    c = model.check_accounting()
    assert sum(c.values()) == model.needs.n
    assert c == summary["needs_status"]
    assert model.pending() == c["unreported"] + c["in_system"]


# ------------------------------------------------------------------ needs table
def test_need_table_columns(model):
    nd = model.needs
    assert nd.n > 0
    for name in ("type", "resident", "status", "t_arose", "t_resolved", "channel"):
        assert len(nd.col(name)) == nd.n
    assert nd.col("resident").max() < RESIDENTS
    assert (nd.col("t_arose") < DAYS * 24.0).all()


# ------------------------------------------------------------------ residents
def test_resident_view(model):
    r = model.residents
    assert len(r) == RESIDENTS
    v = r[0]
    assert isinstance(v, ResidentView)
    fields = {f.name for f in dataclasses.fields(ResidentView)}
    assert {"age_group", "migrant", "vulnerable", "employed", "household", "trust"} <= fields
    for i in (0, 17, RESIDENTS - 1):
        v = r[i]
        assert v.index == i
        assert v.age_group == AGE_GROUPS[r.age_group[i]]
        assert v.migrant == bool(r.migrant[i])
        assert v.vulnerable == bool(r.vulnerable[i])
        assert v.household == int(r.household[i])
        assert v.jurisdiction == int(r.jurisdiction[i])
        assert v.trust == pytest.approx(float(r.trust[i]), abs=1e-4)
    assert r[-1].index == RESIDENTS - 1
    with pytest.raises(IndexError):
        r[RESIDENTS]


def test_resident_view_records_participation(model):
    r = model.residents
    took_part = np.flatnonzero(r.last_day["activity"] >= 0)
    assert len(took_part) > 0
    i = int(took_part[0])
    assert r[i].states["last_day"]["activity"] == int(r.last_day["activity"][i])
    never = np.flatnonzero(r.last_day["deliberation"] < 0)
    assert r[int(never[0])].states["last_day"]["deliberation"] is None
    # every state a module declares, and only those, by name
    declared = {s.name for m in model.modules for s in m.states}
    assert set(r[i].states) == declared
    assert r[i].states["points"] == pytest.approx(float(r.points[i]), abs=1e-4)


# ------------------------------------------------------------------ daily record
def test_datacollector_has_one_row_per_day(model):
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == DAYS
    assert df["day"].tolist() == list(range(1, DAYS + 1))
    for col in ("participation_rate", "needs_arisen", "queue_length", "trust_mean"):
        assert col in df.columns
    assert df["needs_arisen"].is_monotonic_increasing
    assert df["needs_arisen"].iloc[-1] == model.needs.n


# ------------------------------------------------------------------ Mesa agents and space
def test_institutions_are_mesa_agents(model):
    agents = model.agents_by_type[Institution]
    assert len(agents) == len(model.node_agents) > 0
    assert set(agents) == set(model.node_agents)
    keys = {a.key for a in agents}
    assert keys == set(load_scenario("baseline").institutions)
    for kind in model.kinds:
        assert len(kind.agents) == kind.n_instances


def test_institutions_sit_on_cells_of_the_network(model):
    assert isinstance(model.space, Network)
    cells = set(model.space.all_cells)
    seen = set()
    for a in model.agents_by_type[Institution]:
        assert a.cell in cells
        assert a in a.cell.agents
        assert model.space[a.cell.coordinate] is a.cell
        seen.add(a.cell.coordinate)
    # each instance has its own premises
    assert len(seen) == len(model.node_agents)
    # the network also holds every building
    assert len(cells) == model.households.n_buildings + len(model.node_agents)


# ------------------------------------------------------------------ every scenario runs
@pytest.mark.parametrize("name", list_scenarios())
def test_every_builtin_scenario_runs(name):
    m = GovernanceModel(name, residents=RESIDENTS, seed=1).run(DAYS)
    s = m.summary()
    assert s["structure"] == name and s["days"] == DAYS
    m.check_accounting()
    assert m.needs.n > 100
    assert s["needs_status"]["resolved"] > 0
    for key in ("participation_rate", "unreported_share", "unresolved_share", "trust_mean"):
        assert 0.0 <= s[key] <= 1.0, (name, key)
    assert s["response_time_median_h"] > 0
    assert s["cost_per_resident_yuan"] > 0
    assert len(m.datacollector.get_model_vars_dataframe()) == DAYS


def test_summary_counts_sessions_held_and_attended():
    m = GovernanceModel("suzhou", residents=2000, seed=4).run(21)
    s = m.summary()["sessions"]
    # the liaison center alone runs 35 a week, whatever the residents simulated (a small
    # run opens the sample's share of each session's seats: ODD §2)
    assert s["activity"]["held"] > 50
    assert 0 < s["activity"]["attendances"] <= s["activity"]["held"] * 30
    last = m.residents.last_day["activity"]
    assert (last >= 0).sum() <= s["activity"]["attendances"]


def test_mesa_batch_run_drives_the_model():
    """Researchers who know Mesa can use its batch_run: scenario and seeds as parameters."""
    import mesa

    rows = mesa.batch_run(
        GovernanceModel,
        parameters={"scenario": ["baseline", "chengdong"], "residents": 600},
        rng=[1, 2],
        max_steps=8,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(rows) == 4
    assert {r["scenario"] for r in rows} == {"baseline", "chengdong"}
    assert sorted(r["seed"] for r in rows) == [1, 1, 2, 2]
    same = [r for r in rows if r["scenario"] == "baseline"]
    direct = GovernanceModel("baseline", residents=600, seed=same[0]["seed"]).run(8)
    assert same[0]["needs_arisen"] == direct.needs.n
    assert (
        same[0]["participation_rate"]
        == direct.datacollector.get_model_vars_dataframe()["participation_rate"].iloc[-1]
    )


def test_mesa_batch_run_returns_the_end_of_run_outcomes():
    """With ``days``, the model stops itself and batch_run's rows hold every per-replicate
    outcome — response times and cost too, not only the daily columns."""
    import mesa

    from govsim.core.summary import per_replicate

    rows = mesa.batch_run(
        GovernanceModel,
        parameters={"scenario": ["baseline", "chengdong"], "residents": 600, "days": 12},
        rng=[4],
        max_steps=1000,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(rows) == 2 and all(r["Step"] == 12 for r in rows)
    direct = GovernanceModel("chengdong", residents=600, seed=4).run(12).summary()
    row = next(r for r in rows if r["scenario"] == "chengdong")
    for k in per_replicate():
        assert k in row, k
    for k in ("response_time_median_h", "cost_per_resident_yuan", "unresolved_share"):
        assert row[k] == direct[k], k
    # without days, nothing changes: the daily columns only, and the model runs on
    m = GovernanceModel("baseline", residents=600, seed=4).run(3)
    assert m.running and "cost_per_resident_yuan" not in m.datacollector.model_vars


def test_a_model_without_a_seed_draws_one_and_records_it():
    """``seed=None`` draws a seed, which the model, its summary and its daily record hold;
    given again it makes the same run."""
    from govsim.core.streams import MAX_SEED

    drawn = GovernanceModel("baseline", residents=600, seed=None).run(6)
    assert isinstance(drawn.seed, int) and 0 <= drawn.seed <= MAX_SEED
    assert drawn.summary()["seed"] == drawn.seed
    daily = drawn.datacollector.get_model_vars_dataframe()
    assert set(daily["seed"]) == {drawn.seed}
    again = GovernanceModel("baseline", residents=600, seed=drawn.seed).run(6)
    same = [json.dumps(m.summary(), sort_keys=True, default=str) for m in (drawn, again)]
    assert same[0] == same[1]  # as text: a NaN equals a NaN
    assert again.datacollector.get_model_vars_dataframe().equals(daily)
    # another model without a seed draws another (two equal draws: one chance in 2**31)
    assert GovernanceModel("baseline", residents=600, seed=None).seed != drawn.seed


@pytest.mark.filterwarnings("ignore:The `iterations` keyword argument is deprecated")
def test_mesa_batch_run_with_iterations_draws_a_seed_per_iteration():
    """``batch_run(..., iterations=2)`` (Mesa passes ``seed=None``): a row per iteration,
    each with the seed its model drew, which reproduces it."""
    rows = mesa.batch_run(
        GovernanceModel,
        parameters={"scenario": "baseline", "residents": 600, "days": 5},
        iterations=2,
        max_steps=5,
        number_processes=1,
        display_progress=False,
    )
    assert sorted(r["iteration"] for r in rows) == [0, 1]
    seeds = [r["seed"] for r in rows]
    assert all(isinstance(s, int) for s in seeds) and seeds[0] != seeds[1]
    for r in rows:
        direct = GovernanceModel("baseline", residents=600, seed=r["seed"]).run(5)
        assert r["needs_arisen"] == direct.needs.n
        # (NaN where no need was answered yet in a drawn seed's five days: equal too)
        np.testing.assert_equal(
            r["response_time_median_h"], direct.summary()["response_time_median_h"]
        )


def test_social_graph_holds_ties_and_organisation_membership():
    m = GovernanceModel("xinfeng", residents=1500, seed=3).run(30)
    g = m.social_graph()
    residents = [n for n in g if not isinstance(n, tuple)]
    assert len(residents) == m.residents.n
    assert g.number_of_edges() >= m.ties.nnz // 2  # every tie, plus memberships
    i = int(np.flatnonzero(m.residents.member_of >= 0)[0])  # someone volunteered
    host = m.node_agents[int(m.residents.member_of[i])]
    assert g.has_edge(i, ("org", host.key, host.instance))
    assert g.nodes[("org", host.key, host.instance)]["kind"] == host.spec.actor
    j = int(m.ties[i].indices[0])
    assert g.has_edge(i, j) and g.nodes[i]["migrant"] == bool(m.residents.migrant[i])


def test_notebook_views_of_a_scenario_a_model_and_a_summary():
    """What a lecturer sees in Jupyter: short reprs, bilingual HTML in display units (the
    views govsim.presentation.notebook registers with IPython's HTML formatter)."""
    from types import SimpleNamespace

    import matplotlib
    from IPython.core.formatters import DisplayFormatter

    from govsim.presentation.notebook import show_in_notebook

    shell = SimpleNamespace(display_formatter=DisplayFormatter())
    assert show_in_notebook(shell)

    def html(obj) -> str:
        return shell.display_formatter.format(obj)[0]["text/html"]

    before = dict(matplotlib.rcParams)
    sc = load_scenario("chengdong")
    assert repr(sc).startswith("<Scenario chengdong:") and len(repr(sc)) < 120
    page = html(sc)
    assert sc.scenario.name_zh in page and sc.scenario.name_en in page
    from govsim.config.vocabulary import ACTORS

    zh, en = ACTORS["residents_committee"]
    assert zh in page and en in page and "data:image/png" in page
    m = GovernanceModel(sc, residents=800, seed=2)
    assert repr(m) == "<GovernanceModel chengdong · 800 residents · day 0 · seed 2>"
    assert "not run yet" in html(m)
    m.run(40)  # past the 30-day warm-up of the averaged participation
    s = m.summary()
    assert isinstance(s, dict) and s["residents"] == 800
    page = html(s)
    # a median response of h hours is shown as h/24 days, a share as a percentage
    assert f"{s['response_time_median_h'] / 24:.1f}" in page and "天" in page and "days" in page
    assert f"{100 * s['participation_mean']:.1f}%" in page
    assert "participation, 30-day share averaged over the days" in html(m)
    assert dict(matplotlib.rcParams) == before  # drawing the org chart changed nothing
    # the core carries no display of its own: presentation attaches it
    assert not any(hasattr(type(x), "_repr_html_") for x in (sc, m, s))


@pytest.mark.slow
def test_in_jupyter_import_govsim_shows_models_scenarios_and_summaries():
    """With IPython running, ``import govsim`` registers the views (without loading the
    simulator); without it, nothing of the presentation is imported."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "import govsim\n"
        "print('govsim.core.model' in sys.modules)\n"
        "sc = govsim.load_scenario('baseline')\n"
        "data, _ = shell.display_formatter.format(sc)\n"
        "print(sc.scenario.name_en in data.get('text/html', ''))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"], out.stderr
    code = (
        "import sys, govsim; print(any(m.startswith('govsim.presentation') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_charts_of_models_held_in_memory():
    from govsim.results.reading import Results

    # both on the urban profile (Chengdong's own is Xining's): paired on the same people
    models = [
        GovernanceModel(s, residents=700, seed=k, population="urban").run(20)
        for s in ("baseline", "chengdong")
        for k in (1, 2)
    ]
    res = Results.from_models(models)
    assert res.order == ["baseline", "chengdong"] and res.replicates == 2
    assert res.reference_of("chengdong") == "baseline"
    table = res.table()
    assert table["replicate"].tolist() == [0, 1, 0, 1]
    assert table.loc[3, "participation_rate"] == models[3].summary()["participation_rate"]
    fig = govsim.plot(models, "paired_differences", "en")  # the first the reference
    assert fig.axes and "Traditional" in fig._suptitle.get_text()
    assert "one replicate" not in fig._suptitle.get_text()  # two of each: intervals
    fig = govsim.plot(models[0])  # participation over time of one run
    assert fig.axes[0].lines
    import pytest

    with pytest.raises(ValueError, match="chart must be one of"):
        govsim.plot(models[0], "nope")


def test_social_graph_names_age_groups():
    m = GovernanceModel("baseline", residents=500, seed=1)
    ages = {d["age_group"] for n, d in m.social_graph().nodes(data=True) if d["kind"] == "resident"}
    assert ages == {"child", "working_age", "elderly"}
