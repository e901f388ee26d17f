"""``GovernanceModel``: one district under one governance structure, stepped a day at a time.

Data flow of a day (ODD process overview):

1. needs arise (``needs.NeedStream``, common random numbers);
2. needs past the resident's patience are given up;
3. residents report what they can (``Handling.self_report``);
4. institutions handle what reached them, relay the rest (``Handling.route_day``);
5. answers that reached residents today settle; trust moves (``Feedback``);
6. committees count the hours left after admin tasks and requests (``Institution.end_day``);
7. proactive discovery: outreach visits, committee visits, party members' ties;
8. sessions are held and residents choose to take part (``Participation.step``);
9. belonging fades; the ``DataCollector`` records the day.
"""

from __future__ import annotations

from collections.abc import Callable

import mesa
import numpy as np
from mesa.discrete_space import Network

from govsim.config.scenario import Population, Scenario, load_population, load_scenario
from govsim.config.schedule import OpenClock
from govsim.core.handling import Handling
from govsim.core.institutions import Institution
from govsim.core.metrics import participation, summarize
from govsim.core.needs import IN_SYSTEM, STATUS_NAMES, UNREPORTED, NeedStream, NeedTable
from govsim.core.participation import Feedback, Participation
from govsim.core.population import make_population, stream
from govsim.core.structure import build_kinds, partition, street_network

DEFAULT_RESIDENTS = 25_000  # 000/001: 2–3万人 per community
DEFAULT_DAYS = 365
DAILY_PARTICIPATION = (
    "participation_rate",
    "participation_activity",
    "participation_deliberation",
    "participation_volunteering",
    "participation_election",
    "participation_civic_year",
)


class GovernanceModel(mesa.Model):
    """A Mesa model of residents (arrays) and institutions (agents) under one structure.

    ``scenario`` is a ``Scenario`` or a built-in name / path; ``population`` a profile name,
    path or ``Population`` (default: the one the scenario names).  ``seed`` fixes every
    random stream: the population and the need stream depend on it and the population
    alone, the rest on it and the structure.
    """

    def __init__(
        self,
        scenario: Scenario | str,
        residents: int = DEFAULT_RESIDENTS,
        seed: int = 0,
        population: Population | str | None = None,
        report_at_arising: bool = False,
        rng: int | None = None,
    ):
        # ``rng`` is Mesa's name for the seed (``mesa.batch_run(..., rng=[...])`` passes it)
        if rng is not None:
            if not isinstance(rng, (int, np.integer)):
                raise TypeError(f"rng must be an integer seed, got {type(rng).__name__}")
            seed = int(rng)
        super().__init__(rng=seed)
        # verification switch: every need is reported at its walk-in entry the moment it
        # arises (arrivals to the entry queues are then the Poisson need stream itself)
        self.report_at_arising = report_at_arising
        self.seed = int(seed)
        self.spec: Scenario = load_scenario(scenario) if isinstance(scenario, str) else scenario
        if population is None:
            population = self.spec.scenario.population
        self.population: Population = (
            load_population(population) if isinstance(population, str) else population
        )
        self.streams = {
            name: stream(self.seed, name)
            for name in ("routing", "reporting", "participation", "outreach")
        }
        self.day_count = 0

        # population → structure → network → institutions
        self.residents, self.building_pos, self.ties = make_population(
            self.population, int(residents), self.seed
        )
        self.units = partition(self.spec, self.residents)
        self.kinds = build_kinds(self.spec, self.residents, self.units)
        self.schedules = {k.key: self.spec.schedule_of(k.spec) for k in self.kinds}
        graph, layout, fac_nodes = street_network(
            self.residents, self.building_pos, self.kinds, self.population.behaviour.walking_kmh
        )
        self.space = Network(graph, layout=layout, random=self.random)
        self.node_agents: list[Institution] = []
        fac = iter(fac_nodes)
        for k in self.kinds:
            clock = OpenClock(self.schedules[k.key], days=800)  # one per kind: same hours
            for i in range(k.n_instances):
                a = Institution(
                    self, k, i, self.schedules[k.key], cell=self.space[int(next(fac))], clock=clock
                )
                k.agents.append(a)
                self.node_agents.append(a)
        self.queue_agents = [a for a in self.node_agents if a.windows]
        self.has_party_tie = (
            np.asarray(self.ties @ self.residents.party_member.astype(np.float32)).ravel() > 0
        )

        # needs, handling, participation
        self.needs = NeedTable(capacity=max(1024, int(residents) * 3))
        self.need_stream = NeedStream(self.population, self.residents, self.seed)
        self.feedback = Feedback(self)
        self.handling = Handling(self)
        self.participation = Participation(self)
        self._hours_per_task = self.population.workload.admin_hours_per_task
        self._reference_residents = self.population.workload.reference_residents
        self._outreach = [k for k in self.kinds if k.spec.outreach is not None]
        self._hh_range = {k.key: self._household_ranges(k) for k in self.kinds}

        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self._today: dict = {}
        self._status_counts: dict = {}

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _reporters() -> dict:
        """Daily model-level outcomes for the ``DataCollector``."""
        reporters = {"day": lambda m: m.day_count}
        for k in DAILY_PARTICIPATION:
            reporters[k] = lambda m, k=k: m._today[k]
        reporters["needs_arisen"] = lambda m: m.needs.n
        for status in STATUS_NAMES:
            reporters[f"needs_{status}"] = lambda m, status=status: m._status_counts[status]
        reporters.update(
            queue_length=lambda m: sum(len(a.queue) for a in m.queue_agents),
            trust_mean=lambda m: float(m.residents.trust.mean()),
            belonging_mean=lambda m: float(m.residents.belonging.mean()),
            selfgov_hours=lambda m: sum(a.selfgov_hours_today for a in m.node_agents),
            admin_hours=lambda m: sum(a.admin_hours_today for a in m.node_agents),
        )
        return reporters

    def _household_ranges(self, k) -> tuple[np.ndarray, np.ndarray]:
        """First and one-past-last household served by each instance (catchments are
        contiguous runs of Hilbert-ordered buildings)."""
        hh_inst = k.building_instance[self.residents.hh_building]
        lo = np.searchsorted(hh_inst, np.arange(k.n_instances), side="left")
        hi = np.searchsorted(hh_inst, np.arange(k.n_instances), side="right")
        return lo, hi

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        day = self.day_count
        h = self.handling
        arising = self.need_stream.day(day)
        if arising:
            ids = self.needs.add(**arising)
            if self.report_at_arising:
                h.report_on_arising(ids)
        h.expire(day)
        h.self_report(day)
        h.route_day(day)
        self.feedback.resolved(h.settle(day))
        beh = self.population.behaviour
        for a in self.node_agents:
            a.end_day(day, self._hours_per_task, self._reference_residents, beh.staff_absence)
        self._discover(day)
        self.participation.step(day)
        self.feedback.decay()
        self.day_count += 1
        self._today = participation(self, day)
        self._status_counts = self.needs.counts()
        self.datacollector.collect(self)

    def _discover(self, day: int) -> None:
        """Proactive discovery (mechanism 4): outreach visits, committee household visits
        with spare hours (001: 「做好辖区基本情况入户调查」), party members' ties."""
        rng = self.streams["outreach"]
        beh = self.population.behaviour
        for k in self._outreach:
            o = k.spec.outreach
            if o.mode == "ties":
                if self.schedules[k.key].hours_on(day % 7) > 0:
                    self.handling.discover_ties(day, k, o.ties_detect_per_day)
                continue
            if self.schedules[k.key].hours_on(day % 7) <= 0:
                continue
            staff = np.array([a.staff for a in k.agents])
            lam = staff * (1 - o.vacancy) * (1 - beh.staff_absence) * o.visits_per_staff_day
            visits = rng.poisson(lam, k.n_instances)
            self._visit(day, k, visits, o.detect, rng)
        for k in self.kinds:
            sg = k.spec.self_governance
            if sg is None or sg.visits <= 0:
                continue
            acc = np.array(
                [
                    a.visit_acc + a.selfgov_hours_today * sg.visits * sg.visits_per_hour
                    for a in k.agents
                ]
            )
            visits = acc.astype(np.int64)
            for a, v in zip(k.agents, acc - visits, strict=True):
                a.visit_acc = v
            self._visit(day, k, visits, 1.0, rng)

    def _visit(self, day, k, visits, detect, rng) -> None:
        if not visits.sum():
            return
        lo, hi = self._hh_range[k.key]
        inst = np.repeat(np.arange(k.n_instances), visits)
        span = np.maximum(hi[inst] - lo[inst], 1)
        hh = lo[inst] + (rng.random(len(inst)) * span).astype(np.int64)
        t = day * 24.0 + 9.0 + 8.0 * rng.random(len(inst))
        self.handling.discover_households(day, hh, t, detect, k)

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

    def summary(self) -> dict:
        return summarize(self)

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
        nx.set_node_attributes(g, dict(enumerate(r.age_group.tolist())), "age_group")
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
        st = self.needs.col("status")
        return int(((st == UNREPORTED) | (st == IN_SYSTEM)).sum())
