"""What a mechanism module declares, and the base class every mechanism derives from.

A mechanism (starsim's ``Module``) says in one place:

- ``pars``: the parameters it owns — each a ``Par`` with the scenario or population key the
  value comes from (``"behaviour.trust_report"``, ``"institutions.*.windows"``), its type,
  default, meaning and unit; the file schemas and the parameter table are built from these
  (``govsim.core.spec``); a ``Par`` with only a key marks a parameter it reads that
  another owner declares;
- ``states``: the resident arrays it owns (``State``): created by ``Residents`` from the
  declaration, written by this module only;
- ``streams``: its named random streams (``"<module>.<process>"``), one per process;
- ``outcomes``: what it reports (``Outcome``, bilingual, with unit and role) — the one outcome
  list everything downstream (DataCollector, summary, CSV columns, CLI, charts, report,
  tests) is generated from.

- ``steps``: when in the day it acts (``Step``), what it takes and what it returns.

Modules exchange data through arguments and return values: a step takes what earlier
steps returned (reports, resolved needs, spare hours …) and returns what later ones use;
the model (``govsim.core.model``) runs the steps of all modules in order and hands results
on.  A new mechanism is one new module: its declarations and steps plug it into the day,
the schema, the DataCollector, the summary and the parameter table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from govsim.config.declare import Const, Par
from govsim.config.vocabulary import check_unit


@dataclass(frozen=True)
class State:
    """A per-resident array a module owns."""

    name: str
    dtype: Any
    default: Any
    meaning: str
    by_kind: tuple[str, ...] = ()  # one array per kind (e.g. a last day per session kind)


@dataclass(frozen=True)
class Outcome:
    """An outcome a module reports.

    ``unit``: a key of ``govsim.config.vocabulary.UNITS``; ``headline``: one of the outcomes every
    table, chart and report leads with (in declaration order); ``by_group``: reported for
    each resident group too; ``daily``: recorded every day by the DataCollector;
    ``per_replicate``: a column of ``runs.csv`` / ``summary.csv`` / ``paired.csv``;
    ``better``: which way is better for residents (direction markers, the report's front
    page), or None where neither is.
    """

    key: str
    zh: str
    en: str
    unit: str
    headline: bool = False
    by_group: bool = False
    daily: bool = False
    per_replicate: bool = True
    by_need_type: bool = False  # also reported for each need type (need outcomes)
    governance: bool = False  # in the report's table of how the community governs itself
    better: str | None = None  # "higher" or "lower": which way is better for residents

    def __post_init__(self):
        check_unit(self.unit, f"outcome {self.key!r}")
        if self.better not in (None, "higher", "lower"):
            raise ValueError(f"outcome {self.key}: better must be 'higher' or 'lower'")


@dataclass(frozen=True)
class Step:
    """One step of a module in the day: at position ``at`` (the day runs its steps in
    order of ``at``; the phases are listed in ``govsim.core.model``), call
    ``module.<method>(day, *inputs)`` and put what it returns under ``outputs``.

    Inputs and outputs are names on the day's board: what one step returns, a later step
    takes as an argument.  A step with one output returns the value; with several, a tuple.
    """

    at: float
    method: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()


class Module:
    """Base class of a mechanism: its declarations, its random streams and its steps.

    ``provides`` names methods other modules may call (``Routing.intake``: a found need
    goes into the structure at once); ``uses`` names the ones this module calls, which it
    finds in ``self.services`` — the only way a module reaches another.
    """

    name: ClassVar[str] = ""
    pars: ClassVar[tuple[Par, ...]] = ()
    states: ClassVar[tuple[State, ...]] = ()
    streams: ClassVar[tuple[str, ...]] = ()
    keyed: ClassVar[tuple[str, ...]] = ()  # processes whose draws are keyed by need/resident
    outcomes: ClassVar[tuple[Outcome, ...]] = ()
    steps: ClassVar[tuple[Step, ...]] = ()
    provides: ClassVar[tuple[str, ...]] = ()
    constants: ClassVar[tuple[Const, ...]] = ()  # numbers fixed in the module's code
    uses: ClassVar[tuple[str, ...]] = ()

    def __init__(self, world, rng: dict[str, np.random.Generator], seed: int):
        self.w = world
        self.rng = rng
        self.seed = seed
        self.services: dict[str, Callable] = {}
        self.setup()

    def setup(self) -> None:
        """Build lookup tables from the world and the parameters (override)."""

    def connect(self, services: dict[str, Callable]) -> None:
        missing = [u for u in self.uses if u not in services]
        if missing:
            raise ValueError(f"module {self.name!r} uses {missing}, which no module provides")
        self.services = {u: services[u] for u in self.uses}

    # outcome hooks (modules override those they declare)
    def daily(self, day: int) -> dict[str, float]:
        return {}

    def report(self, day: int, residents, needs) -> dict[str, Any]:
        """End-of-run outcomes over the residents (mask, None = all) and needs (mask)."""
        return {}

    def details(self) -> dict[str, Any]:
        """Extra sections of ``summary.json`` (e.g. sessions held)."""
        return {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} module {self.name!r}>"


def declared(modules: list[type[Module]], attr: str) -> list:
    """Every declaration of one kind (``pars``, ``states``, ``outcomes``) in module order."""
    out = []
    for m in modules:
        out.extend(getattr(m, attr))
    return out


def catalog(modules) -> dict:
    """The outcome catalogue written beside every run (``catalog.json``): names, units and
    roles of the outcomes the modules declare, the headline ones in their declared order,
    the channels, and how old a need must be to count in end-of-run shares.  Presentation
    reads it and never imports the simulator."""
    from govsim.config.vocabulary import CHANNELS
    from govsim.core.measure import SETTLE_DAYS

    outs = declared(list(modules), "outcomes")
    return {
        "outcomes": {
            o.key: {
                "zh": o.zh,
                "en": o.en,
                "unit": o.unit,
                "headline": bool(o.headline),
                "by_group": o.by_group,
                "daily": o.daily,
                "per_replicate": o.per_replicate,
                "governance": o.governance,
                "better": o.better,
            }
            for o in outs
        },
        "headline": [
            o.key for o in sorted((o for o in outs if o.headline), key=lambda o: o.headline)
        ],
        "channels": {k: {"zh": c.zh, "en": c.en} for k, c in CHANNELS.items()},
        "settle_days": SETTLE_DAYS,
    }
