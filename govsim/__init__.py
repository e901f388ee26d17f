"""govsim: agent-based simulator of Chinese community-governance structures (Mesa).

>>> import govsim
>>> sc = govsim.load_scenario("scenarios/baseline.toml")
>>> model = govsim.GovernanceModel(sc, residents=5000, seed=1)
>>> model.run(60).summary()["participation_rate"]  # doctest: +SKIP
"""

from govsim.config.scenario import (
    Population,
    Scenario,
    ScenarioError,
    list_scenarios,
    load_population,
    load_scenario,
)
from govsim.core.model import GovernanceModel

__version__ = "0.1.0"
__all__ = [
    "GovernanceModel",
    "Population",
    "Scenario",
    "ScenarioError",
    "list_scenarios",
    "load_population",
    "load_scenario",
    "__version__",
]
