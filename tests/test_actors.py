"""The actors the documents name, in every structure that names them (issue 19 §6):
property companies and owners' committees in the urban structures by one rule, units in
the area (驻区单位) where the reform uses them, Xinfeng's 「四方联系」 and its yearly money."""

from __future__ import annotations

import numpy as np
import pytest

from govsim import GovernanceModel, load_scenario
from govsim.config.reading import list_scenarios
from govsim.config.scenario import route_of
from govsim.config.vocabulary import NEED_TYPE_KEYS, tier
from govsim.core.norms import is_community_worker_post

ESTATE_ACTOR = "property_company"
UNIT_ACTOR = "resident_unit"
# what every urban structure's property company shares with the baseline's (the one rule);
# a file may say only where it relays, how many grids an estate spans, its name, and what
# its own document adds (owners' meetings, a relay with follow-up)
ONE_RULE = ("authority", "costs", "staff", "windows", "hours", "relay_delay_h", "actor", "level")


def structures():
    return {name: load_scenario(name) for name in list_scenarios()}


def estates(sc) -> list[str]:
    return [k for k, i in sc.institutions.items() if i.actor == ESTATE_ACTOR]


def is_rural(sc) -> bool:
    return sc.scenario.population == "rural"


def test_every_urban_structure_has_a_property_company_on_the_way_of_public_space_problems():
    found = structures()
    urban = [n for n, sc in found.items() if not is_rural(sc)]
    assert {"baseline", "chengdong", "nanshan", "shekou", "suzhou", "xinfeng", "yunfu"} <= set(
        urban
    )
    for name in urban:
        sc = found[name]
        (estate,) = estates(sc)
        route = route_of(sc, "public_space", sc.routing.walk_in["public_space"])
        assert estate in route, (name, route)
        # residents take an estate problem to the property company first, unless the
        # file's own document sends it to a grid team that passes it on (Yunfu, 000)
        assert route[0] == estate or sc.institutions[route[0]].actor == "grid_workers", name


def test_rural_structures_have_no_estates():
    found = structures()
    rural = [n for n, sc in found.items() if is_rural(sc)]
    assert "qingyuan" in rural
    for name in rural:
        assert estates(found[name]) == [], name


def test_the_property_company_follows_one_rule_in_every_urban_structure():
    found = structures()
    base = found["baseline"].institutions["estate"]
    assert base.authority["public_space"] < 1.0  # it passes on what is beyond the estate
    assert base.costs.model_dump() == dict.fromkeys(base.costs.model_dump(), 0.0)
    households = found["baseline"].layout.households_per_grid * base.per
    for name, sc in found.items():
        if is_rural(sc):
            continue
        inst = sc.institutions["estate"]
        for key in ONE_RULE:
            assert getattr(inst, key) == getattr(base, key), (name, key)
        # an estate of about the same number of households everywhere (Xinfeng: its own
        # three estates, 002)
        size = sc.layout.households_per_grid * inst.per
        assert 0.75 * households <= size <= 1.25 * households, (name, size)
        # a firm paid by the owners' fees: not a community worker nor a social organisation
        assert not is_community_worker_post(inst)
    assert found["yunfu"].institutions["estate"].council is not None  # 000's owners' meetings
    assert found["baseline"].institutions["estate"].council is None


def test_units_in_the_area_only_where_the_reform_uses_them():
    found = structures()
    using = {
        n for n, sc in found.items() if any(i.actor == UNIT_ACTOR for i in sc.institutions.values())
    }
    # 003's N and its council (Shekou is a street of Nanshan), 002's co-builders
    assert using == {"nanshan", "shekou", "xinfeng"}
    for name in using:
        sc = found[name]
        (units,) = [i for i in sc.institutions.values() if i.actor == UNIT_ACTOR]
        assert units.pools is not None and units.pools.yuan_per_year > 0
        council = sc.institutions[units.pools.into].council
        assert council is not None and council.yuan_per_decision > 0
        assert "「" in sc.sources["institutions.units.pools"]  # a passage of its document


def test_xinfeng_four_party_liaison_takes_public_space_problems():
    sc = load_scenario("xinfeng")
    assert sc.routing.walk_in["public_space"] == "estate"
    route = route_of(sc, "public_space", "estate")
    assert route[:2] == ["estate", "rc"]  # property company / owners' committee, committee
    for start in ("party", "orgs"):  # what they collect goes to the liaison, not to projects
        assert "estate" in route_of(sc, "public_space", start)
    assert sc.institutions["orgs"].authority.get("public_space", 0.0) == 0.0
    m = GovernanceModel(sc, residents=3000, seed=3).run(150)
    nd = m.needs
    space = (nd.col("type") == NEED_TYPE_KEYS.index("public_space")) & (nd.col("resolver") >= 0)
    keys = np.array([a.key for a in m.node_agents])[nd.col("resolver")[space]]
    assert (keys == "estate").sum() > 0
    assert "orgs" not in set(keys.tolist())


def test_xinfeng_yearly_money_is_the_document_s_65_wan():
    """002: 「社区每年接受民政专项资金等各条线拨款等共计65万元」 pays the community's running and office
    costs (「2014、2015年仅社区公用经费、办公经费支出约为35万元」), its projects and its subsidies: once."""
    sc = load_scenario("xinfeng")
    assert sc.layout.residents_per_jurisdiction == sc.layout.residents_per_community
    community = [i for i in sc.institutions.values() if tier(i) != "above_community"]
    community = [i for i in community if i.level != "district"]
    assert {i.level for i in community} == {"community", "jurisdiction", "grid"}
    money = sum(
        (i.costs.running + i.costs.purchased_services + i.costs.subsidies + i.costs.premises)
        * (1 if i.level != "grid" else 0)
        for i in community
    )
    assert money == pytest.approx(650_000)
    # nothing of it at the grid level (stairwell volunteers, the owners' property company)
    assert all(i.costs == type(i.costs)() for i in community if i.level == "grid")
    running = sum(sc.institutions[k].costs.running for k in ("rc", "center"))
    assert running == pytest.approx(350_000 / 2)
