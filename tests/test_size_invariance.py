"""Per-resident outcomes do not depend on how many residents are simulated (rule 5; ODD §2).

A small version of ``benchmarks/size_invariance.py``: the same structure at a small and a
larger size gives the same cost per resident and, within sampling noise, the same headline
outcomes.  Before institutions were simulated at their full design size, the baseline's
participation at 2,000 residents was four times its value at 25,000.
"""

import numpy as np
import pytest

from govsim import GovernanceModel, list_scenarios, load_scenario

SMALL, LARGE = 2_500, 10_000


@pytest.mark.parametrize("name", list_scenarios())
def test_cost_per_resident_does_not_depend_on_size(name):
    sc = load_scenario(name)
    small, large = (
        GovernanceModel(sc, residents=n, seed=1).run(3).summary()["cost_per_resident_yuan"]
        for n in (SMALL, LARGE)
    )
    assert small == pytest.approx(large, rel=0.01)


@pytest.mark.slow
def test_headline_outcomes_do_not_depend_on_size():
    # Chengdong: the structure whose outcomes moved most with size (participation by half)
    sc = load_scenario("chengdong")
    keys = ("participation_rate", "unreported_share", "response_time_median_h")
    got = {
        n: np.mean(
            [
                [GovernanceModel(sc, residents=n, seed=s).run(120).summary()[k] for k in keys]
                for s in (1, 2)
            ],
            axis=0,
        )
        for n in (SMALL, LARGE)
    }
    for k, small, large in zip(keys, got[SMALL], got[LARGE], strict=True):
        assert small == pytest.approx(large, rel=0.15), (k, small, large)
