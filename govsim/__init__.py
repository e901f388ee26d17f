"""govsim: agent-based simulator of Chinese community-governance structures (Mesa).

>>> import govsim
>>> sc = govsim.load_scenario("scenarios/baseline.toml")
>>> model = govsim.GovernanceModel(sc, residents=5000, seed=1)
>>> model.run(60).summary()["participation_rate"]  # doctest: +SKIP
>>> govsim.plot(model, "participation_over_time", "zh")  # doctest: +SKIP

The names below are imported on first use (PEP 562), so ``import govsim.presentation.plot``
does not load the simulator (``govsim.core``, Mesa).  In Jupyter (IPython running), models,
scenarios and summaries show as bilingual tables: ``govsim.presentation.notebook``
registers their views with IPython here, by name, without loading the simulator.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

from govsim.version import __version__

__all__ = [
    "GovernanceModel",
    "Population",
    "Scenario",
    "ScenarioError",
    "list_scenarios",
    "load_population",
    "load_scenario",
    "plot",
    "__version__",
]

# public name -> module that defines it
_LAZY = {
    "GovernanceModel": "govsim.core.model",
    "Population": "govsim.core.load",
    "Scenario": "govsim.core.load",
    "ScenarioError": "govsim.config.reading",
    "list_scenarios": "govsim.config.scenario",
    "load_population": "govsim.core.load",
    "load_scenario": "govsim.core.load",
    "plot": "govsim.presentation.notebook",
}

if TYPE_CHECKING:
    from govsim.config.reading import ScenarioError, list_scenarios
    from govsim.core.load import Population, Scenario, load_population, load_scenario
    from govsim.core.model import GovernanceModel
    from govsim.presentation.notebook import plot

if "IPython" in sys.modules:  # in Jupyter: models, scenarios and summaries show as tables
    from govsim.presentation.notebook import show_in_notebook

    show_in_notebook()


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'govsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(
        {*globals(), *__all__}
        - {"annotations", "importlib", "sys", "TYPE_CHECKING", "show_in_notebook"}
    )
