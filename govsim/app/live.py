"""The live model: the chosen structure (with its levers) and the reference structure on
the same seed, population and residents, stepped a day at a time together, with the series
and the resident states the page draws (``LiveModel``, ``Settings``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np

from govsim.app.layout import NetworkLayout
from govsim.config.scenario import MAX_DAYS, builtin_order
from govsim.core.levers import scenario_changes
from govsim.core.load import load_scenario
from govsim.core.mechanisms.sessions import ONGOING, RECENT_DAYS
from govsim.core.model import GovernanceModel
from govsim.core.records import ACTIVITY, IN_SYSTEM, RESOLVED
from govsim.presentation.plot import t
from govsim.presentation.text import pick
from govsim.results.reading import short

DEFAULT_RESIDENTS = 5_000
SAMPLE = 300  # residents drawn in the network view
WINDOW_DAYS = RECENT_DAYS  # "recently": the window of the participation measure


@dataclass
class Settings:
    """What the page runs: structure ("" = the reference), population profile ("" = the
    structure's own), residents, seed and lever values set (the rest as in the file)."""

    structure: str = ""
    population: str = ""
    residents: int = DEFAULT_RESIDENTS
    seed: int = 0
    levers: dict[str, Any] = field(default_factory=dict)
    sample: int = SAMPLE

    def copy(self, **kw) -> Settings:
        return dataclasses.replace(self, levers=dict(kw.pop("levers", self.levers)), **kw)


# resident states in the network view, in the order of precedence
STATES = ("waiting", "served", "taking_part", "none")


def resident_states(model: GovernanceModel, who: np.ndarray) -> np.ndarray:
    """The state of residents ``who`` now, as an index of ``STATES``: waiting (a need
    reported and not yet answered), served (a service need answered in the last 30 days),
    taking part (an activity, meeting or volunteer turn in the last 30 days), none."""
    n, day = model.residents.n, model.day_count
    nd = model.needs
    res, status = nd.col("resident"), nd.col("status")
    waiting = np.zeros(n, bool)
    waiting[res[status == IN_SYSTEM]] = True
    recent = (
        (status == RESOLVED)
        & (nd.col("type") != ACTIVITY)
        & (nd.col("t_resolved") >= 24.0 * (day - WINDOW_DAYS))
    )
    served = np.zeros(n, bool)
    served[res[recent]] = True
    last = model.residents.last_day
    part = np.zeros(len(who), bool)
    for k in ONGOING:
        part |= last[k][who] >= day - WINDOW_DAYS
    out = np.full(len(who), STATES.index("none"))
    out[part] = STATES.index("taking_part")
    out[served[who]] = STATES.index("served")
    out[waiting[who]] = STATES.index("waiting")
    return out


def median_response_days(model: GovernanceModel) -> float:
    """Median days from arising to answer of the service needs answered in the last 30 days
    (NaN when none)."""
    nd = model.needs
    t_res = nd.col("t_resolved")
    sel = (
        (nd.col("status") == RESOLVED)
        & (nd.col("type") != ACTIVITY)
        & (t_res >= 24.0 * (model.day_count - WINDOW_DAYS))
    )
    if not sel.any():
        return float("nan")
    return float(np.median(t_res[sel] - nd.col("t_arose")[sel]) / 24.0)


def waiting_at(agent) -> int:
    """Requests waiting in an institution's queue: the simulated residents' and those of
    the people it serves who are not simulated (its queue is at its full design size)."""
    return int(agent.waiting())


@dataclass(frozen=True, eq=False)  # a frame is equal only to itself
class Frame:
    """What the page shows of one day, taken between two steps: every view (the network,
    the charts, the line of numbers) draws from one frame, so all show the same day.
    ``time`` is Mesa's own clock (``Model.time``), one per step: it equals ``day``."""

    day: int
    time: float
    series: dict[str, np.ndarray]
    states: np.ndarray
    waiting: tuple[int, ...]
    running: bool


class LiveModel(mesa.Model):
    """The chosen structure (with its levers) and the reference structure, on the same
    seed, population and number of residents, stepped a day at a time together.

    ``run`` is the chosen structure's ``GovernanceModel``, ``reference`` the reference's
    (the same object when the chosen structure is the unchanged reference).  After each
    step: ``series`` (day, participation and median response days of both), and the network
    view's resident states and institutions' waiting requests."""

    def __init__(self, settings: Settings | None = None):
        s = (settings or Settings()).copy()
        super().__init__(rng=s.seed)
        self.settings = s
        self.reference_key = builtin_order()[0]
        self.structure = s.structure or self.reference_key
        self.base = load_scenario(self.structure)
        self.changes = scenario_changes(self.base, s.levers)
        spec = load_scenario(self.structure, changes=self.changes) if self.changes else self.base
        self.as_run = spec  # the structure as run, levers set (Mesa names "scenario")
        self.population = s.population or spec.scenario.population
        self.run = GovernanceModel(spec, s.residents, s.seed, self.population)
        same = self.structure == self.reference_key and not self.changes
        self.reference = (
            self.run
            if same
            else GovernanceModel(self.reference_key, s.residents, s.seed, self.population)
        )
        self.series: dict[str, list[float]] = {
            k: [] for k in ("day", "part", "part_ref", "resp", "resp_ref")
        }
        self.view = NetworkLayout(self.run, s.sample, s.seed)
        self.states = resident_states(self.run, self.view.who)
        self.waiting = [waiting_at(a) for a in self.run.node_agents]

    def step(self) -> None:
        self.run.step()
        if self.reference is not self.run:
            self.reference.step()
        r, ref = self.run, self.reference
        s = self.series
        s["day"].append(r.day_count)
        s["part"].append(r.datacollector.model_vars["participation_rate"][-1])
        s["part_ref"].append(ref.datacollector.model_vars["participation_rate"][-1])
        s["resp"].append(median_response_days(r))
        s["resp_ref"].append(s["resp"][-1] if ref is r else median_response_days(ref))
        self.states = resident_states(r, self.view.who)
        self.waiting = [waiting_at(a) for a in r.node_agents]
        if r.day_count >= MAX_DAYS:
            self.running = False

    def frame(self) -> Frame:
        """The state the page shows now, copied (a later step does not change it)."""
        return Frame(
            day=int(self.run.day_count),
            time=float(self.time),
            series={k: np.asarray(v, float) for k, v in self.series.items()},
            states=self.states.copy(),
            waiting=tuple(self.waiting),
            running=bool(self.running),
        )

    def names(self, lang: str) -> tuple[str, str]:
        """Legend names of the chosen and the reference structure."""
        mine = short(pick(self.run.spec.scenario.name_zh, self.run.spec.scenario.name_en, lang))
        if self.changes:
            mine += t("changed", lang)
        ref = self.reference.spec.scenario
        return mine, short(pick(ref.name_zh, ref.name_en, lang)) + t("reference_mark", lang)
