"""``GovernanceModel``: one district under one governance structure, stepped a day at a time.

A day (ODD process overview) runs the steps of the modules of ``govsim.core.mechanisms``
phase by phase (``govsim.core.module.PHASES``); each step hands what it produces to the
later ones through arguments and return values, and within a phase that data (and a step's
``after``) orders the steps:

1. ``arise``: needs arise (``NeedArising``, common random numbers);
2. ``report``: needs past the resident's patience are given up; residents report what they
   can (``Reporting``); reports reach the structure (``Routing.intake``);
3. ``serve``: institutions handle what reached them and relay the rest (``Routing`` with
   ``Service``); answers that reached residents today settle;
4. ``workload``: institutions count the staff-hours left after admin tasks and requests
   (``Workload``);
5. ``discover``: outreach visits, committee visits, party members' ties (``Discovery``);
6. ``sessions``: organisations are founded and fold; sessions are held and residents
   choose to take part (``Sessions``);
7. ``close``: belonging fades (``Feedback``; trust moves in the phases where its causes
   happen); the ``DataCollector`` records the day.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import mesa
import numpy as np
from mesa.discrete_space import Network

from govsim.config.schedule import OpenClock
from govsim.core.institutions import Institution
from govsim.core.load import Population, Scenario, load_population, load_scenario
from govsim.core.mechanisms import MODULES
from govsim.core.module import Module, Step, channel_terms, check_modules, declared
from govsim.core.population import make_population
from govsim.core.records import AGE_GROUPS, NeedTable
from govsim.core.streams import draw_seed, stream
from govsim.core.structure import build_kinds, partition, street_network
from govsim.core.summary import Summary, daily_reporters, end_reporters, summarize
from govsim.core.world import World

DEFAULT_RESIDENTS = 25_000  # 000/001: 2–3万人 per community
DEFAULT_DAYS = 365
OPEN_CLOCK_DAYS = 800  # the open clock is precomputed this far and extended on demand


def module_streams(module, seed: int) -> dict[str, np.random.Generator]:
    """The named random streams a module declares, each ``"<module>.<process>"``."""
    return {p: stream(seed, f"{module.name}.{p}") for p in module.streams}


class DailyCollector(mesa.DataCollector):
    """Mesa's ``DataCollector`` for model reporters that return numbers (or None, or an
    end-of-run value made anew): each value stored as it is, without the deep copy mesa
    makes in case a reporter hands back an object it goes on changing."""

    def collect(self, model):
        if self.agent_reporters or self.agenttype_reporters:
            return super().collect(model)
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        for var, reporter in self.model_reporters.items():
            self.model_vars[var].append(reporter(model))


class GovernanceModel(mesa.Model):
    """A Mesa model of residents (arrays) and institutions (agents) under one structure.

    ``scenario`` is a ``Scenario`` or a built-in name / path; ``population`` a profile name,
    path or ``Population`` (default: the one the scenario names).  ``seed`` fixes every
    random stream: the population and the need stream depend on it and the population
    alone, the rest on it and the structure; ``seed=None`` draws one from the operating
    system (``model.seed`` holds it, and the summary and the DataCollector's ``seed``
    column record it: the same seed given again makes the same run).  ``days``
    (optional): the run's length, for Mesa's ``batch_run``: after that many steps the
    model stops (``running``) and its DataCollector's last row holds the end-of-run
    outcomes (response times, costs …) beside the daily ones.
    """

    def __init__(
        self,
        scenario: Scenario | str,
        residents: int = DEFAULT_RESIDENTS,
        seed: int | None = 0,
        population: Population | str | None = None,
        report_at_arising: bool = False,
        rng: int | None = None,
        modules: tuple[type[Module], ...] = (),
        days: int | None = None,
    ):
        # ``rng`` is Mesa's name for the seed (``mesa.batch_run(..., rng=[...])`` passes it)
        if rng is not None:
            if not isinstance(rng, (int, np.integer)):
                raise TypeError(f"rng must be an integer seed, got {type(rng).__name__}")
            seed = int(rng)
        if seed is None:  # Mesa's batch_run(iterations=N) passes none: draw one, recorded
            seed = draw_seed()
        super().__init__(rng=seed)
        # the day's plan, checked with the modules' names, ranks and channels: before any work
        planned = check_modules((*MODULES, *modules))
        # verification switch: every need is reported at its walk-in entry the moment it
        # arises (arrivals to the entry queues are then the Poisson need stream itself)
        self.report_at_arising = report_at_arising
        self.seed = int(seed)
        if isinstance(scenario, (str, Path)):
            scenario = load_scenario(scenario, modules=modules)
        self.spec: Scenario = scenario
        if population is None:
            population = self.spec.scenario.population
        self.population: Population = (
            load_population(population, modules=modules)
            if isinstance(population, (str, Path))
            else population
        )
        self.day_count = 0

        # population → structure → network → institutions
        self.residents, self.households, self.building_pos, self.ties = make_population(
            self.population, int(residents), self.seed, declared(MODULES, "states")
        )
        self.units = partition(self.spec, self.residents, self.households)
        for level, arr in self.units.of_residents(self.residents).items():
            setattr(self.residents, level, arr)
        self.kinds = build_kinds(self.spec, self.residents, self.units, self.households)
        self.schedules = {k.key: self.spec.schedule_of(k.spec) for k in self.kinds}
        graph, layout, fac_nodes = street_network(
            self.residents, self.building_pos, self.kinds, self.population.behaviour.walking_kmh
        )
        self.space = Network(graph, layout=layout, random=self.random)
        self.node_agents: list[Institution] = []
        fac = iter(fac_nodes)
        for k in self.kinds:
            clock = OpenClock(self.schedules[k.key], days=OPEN_CLOCK_DAYS)  # one per kind
            for i in range(k.n_instances):
                a = Institution(
                    self, k, i, self.schedules[k.key], cell=self.space[int(next(fac))], clock=clock
                )
                k.agents.append(a)
                self.node_agents.append(a)

        # the shared records, and the mechanisms in the order a day runs them
        self.world = World(
            spec=self.spec,
            population=self.population,
            residents=self.residents,
            households=self.households,
            ties=self.ties,
            kinds=self.kinds,
            agents=self.node_agents,
            schedules=self.schedules,
            needs=NeedTable(capacity=max(1024, int(residents) * 3)),
            report_at_arising=report_at_arising,
            channels=tuple(channel_terms((*MODULES, *modules))),
        )
        self.modules: list[Module] = []
        for cls in (*MODULES, *modules):
            mod = cls(self.world, module_streams(cls, self.seed), self.seed)
            if hasattr(self, cls.name):
                raise ValueError(f"module name {cls.name!r} is taken; choose another")
            setattr(self, cls.name, mod)  # model.routing, model.sessions, …
            self.modules.append(mod)
        services = {n: getattr(m, n) for m in self.modules for n in m.provides}
        for m in self.modules:
            m.connect(services)
        # every step in the order of the day, with the bound method it calls
        instance = {type(m): m for m in self.modules}
        self.plan: list[tuple[Module, Step, Callable]] = [
            (instance[cls], s, getattr(instance[cls], s.method)) for cls, s in planned
        ]
        # ``days``: the run's length when it is known in advance (``mesa.batch_run``): the
        # model stops itself (``running``) and its last row holds the end-of-run outcomes
        self.horizon = None if days is None else int(days)
        self.end_outcomes: dict | None = None
        # the seed first: batch_run's rows show the one a run drew (its argument was None)
        reporters = {"seed": lambda m: m.seed, **daily_reporters(self.modules)}
        if self.horizon is not None:
            reporters.update(end_reporters(self.modules))
        self.datacollector = DailyCollector(model_reporters=reporters)

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """One day: every module's steps in order (``self.plan``); what a step returns is
        handed to the later steps that take it."""
        day, board = self.day_count, {}
        for _module, step, method in self.plan:
            result = method(day, *(board[k] for k in step.inputs))
            if len(step.outputs) == 1:
                board[step.outputs[0]] = result
            elif step.outputs:
                board.update(zip(step.outputs, result, strict=True))
        self.day_count += 1
        if self.horizon is not None and self.day_count >= self.horizon:
            self.running = False
            self.end_outcomes = self.summary()
        self.datacollector.collect(self)

    def plan_table(self) -> list[tuple[str, str, str, tuple[str, ...], tuple[str, ...], tuple]]:
        """The day as a table: (phase, module, method, takes, returns, after) of every
        step, in the order they run."""
        return [(s.phase, m.name, s.method, s.inputs, s.outputs, s.after) for m, s, _ in self.plan]

    # ------------------------------------------------------------------ API
    def run(
        self, days: int = DEFAULT_DAYS, progress: Callable[[int], None] | None = None
    ) -> GovernanceModel:
        """Advance ``days`` days."""
        for _ in range(int(days)):
            self.step()
            if progress is not None:
                progress(1)
        return self

    @property
    def needs(self) -> NeedTable:
        return self.world.needs

    @property
    def queue_agents(self) -> list[Institution]:
        """The institutions with service windows (a queue)."""
        return self.world.queue_agents

    def summary(self) -> Summary:
        """Every outcome of the run so far (a dict; a table in a notebook)."""
        return Summary(summarize(self))

    def __repr__(self) -> str:
        return (
            f"<GovernanceModel {self.spec.key} · {self.residents.n:,} residents · "
            f"day {self.day_count} · seed {self.seed}>"
        )

    def social_graph(self):
        """The social network as a networkx graph, for inspection and teaching.

        Resident nodes are integers with their attributes (age group, migrant, vulnerable,
        party member); ties come from households, buildings, neighbouring buildings and a
        few long ties.  Organisation nodes ``("org", key, instance)`` are linked to the
        residents who last volunteered with them (membership).  The daily hot path uses
        the same ties as a sparse matrix (``model.ties``); this view is built on demand.
        """
        import networkx as nx

        r = self.residents
        g = nx.from_scipy_sparse_array(self.ties, edge_attribute="tie")
        nx.set_node_attributes(g, {i: "resident" for i in range(r.n)}, "kind")
        for name in ("migrant", "vulnerable", "party_member"):
            nx.set_node_attributes(g, dict(enumerate(getattr(r, name).tolist())), name)
        ages = np.array(AGE_GROUPS)[r.age_group]  # names, not codes
        nx.set_node_attributes(g, dict(enumerate(ages.tolist())), "age_group")
        members = np.flatnonzero(r.member_of >= 0)
        for a in self.node_agents:
            if a.spec.offers or a.spec.self_governance is not None:
                g.add_node(("org", a.key, a.instance), kind=a.spec.actor)
        for i in members:
            a = self.node_agents[int(r.member_of[i])]
            g.add_edge(int(i), ("org", a.key, a.instance), tie="member")
        return g

    def check_accounting(self) -> dict[str, int]:
        """Every need is pending (unreported or in the system), resolved or ended."""
        c = self.needs.counts()
        assert sum(c.values()) == self.needs.n, (c, self.needs.n)
        return c

    def pending(self) -> int:
        return self.needs.pending()
