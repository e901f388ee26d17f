"""Proactive discovery (DOMAIN.md mechanism 4): needs found before — or instead of — the
resident reporting them.

- Outreach visits: grid workers, building heads or liaison staff visit households of their
  simulated catchment (Poisson(staff · (1 − vacancy) · (1 − absence) · visits per day ·
  ``scale``): the full-size post's visits that reach the sample, ODD §2); each pending
  need in a visited household is noticed with probability ``detect`` (004:
  「早發現、早干預、早化解」 fails without it, 「樓棟長更換頻繁甚至長期空缺」; 001: 网格员,
  「做好辖区基本情况入户调查」).
- Committee visits: a committee spends a share of its spare staff-hours visiting households
  (× ``scale`` likewise).
- Party members' ties: members notice the needs of residents they know (002:
  「发动党员收集居民需求」).

Visited households are invited to take part (returned as ``Invitations``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from govsim.config.declare import Const, NonNeg, Par, Share, Strict, field
from govsim.config.reading import ScenarioError
from govsim.config.scenario import check_routes
from govsim.config.vocabulary import NEED_TYPE_KEYS
from govsim.core.mechanisms.routing import Invitations
from govsim.core.module import Module, Step
from govsim.core.records import DISCOVERED, UNREPORTED, Reports

# assumption: household visits happen in the daytime, 9:00–17:00
VISIT_FROM_H, VISIT_SPAN_H = 9.0, 8.0
# assumption: a party member passes on what they noticed in the evening, from 18:00
TIES_REPORT_H = 18.0


class Outreach(Strict):
    """Proactive discovery: visits to households, or needs noticed among party members' ties."""

    mode: Literal["visits", "ties"] = field(
        "visits", "visits to households, or party members noticing needs among their ties", "—"
    )
    visits_per_staff_day: NonNeg = field(
        0.0, "households visited per staff member per open day", "visits/day"
    )
    vacancy: Share = field(0.0, "share of posts empty (楼栋长更换频繁甚至长期空缺, 004)", "share")
    detect: Share = field(0.8, "chance a visit notices a pending need", "probability")
    ties_detect_per_day: Share = field(
        0.0, "daily chance a mobilised member notices a tie's pending need", "probability/day"
    )


class Discovery(Module):
    name = "discovery"
    pars = (
        Par("institutions.*.outreach", Outreach | None, None, "proactive discovery", "—"),
        Par("institutions.*.self_governance"),
        Par("behaviour.staff_absence"),
        Par("behaviour.invitation_days"),
    )
    streams = ("visits",)
    keyed = ("detect",)  # draws keyed by need, day and institution
    constants = (
        Const(
            "VISIT_FROM_H",
            "household visits start from this hour …",
            "h of day",
            "assumption: 9:00",
        ),
        Const("VISIT_SPAN_H", "… and spread over this many hours", "h", "assumption: until 17:00"),
        Const(
            "TIES_REPORT_H",
            "a party member passes on what they noticed from this hour",
            "h of day",
            "assumption: in the evening, 18:00",
        ),
    )

    steps = (Step("discover", "step", ("spare_hours",), ("invitations_from_discovery",)),)
    uses = ("intake",)

    @classmethod
    def check(cls, sc, path) -> None:
        """Visits need people to make them; what outreach finds enters the structure at
        the institution that found it, so every need type can be settled from there."""
        for name, inst in sc.institutions.items():
            if (
                inst.outreach
                and inst.outreach.mode == "visits"
                and (inst.staff <= 0 or inst.outreach.visits_per_staff_day <= 0)
            ):
                raise ScenarioError(
                    path,
                    f"institutions.{name}.staff",
                    "outreach by visits needs staff > 0 (people per instance) and "
                    "outreach.visits_per_staff_day > 0",
                )
        check_routes(
            sc,
            {
                (t, name, f"institutions.{name}")
                for name, inst in sc.institutions.items()
                if inst.outreach is not None
                for t in NEED_TYPE_KEYS
            },
        )

    def setup(self) -> None:
        world = self.w
        pop = world.population
        r = world.residents
        self.absence = pop.behaviour.staff_absence
        self.invitation_days = int(pop.behaviour.invitation_days)
        self.outreach = [k for k in world.kinds if k.spec.outreach is not None]
        self.hh_range = {k.key: k.household_ranges(world.households) for k in world.kinds}
        self.visit_acc = np.zeros(len(world.agents))  # fractional committee visits carried over
        # first resident of each household (households are contiguous), and one past the last
        self.hh_start = np.searchsorted(r.household, np.arange(world.households.n_households + 1))
        self.has_party_tie = np.asarray(world.ties @ r.party_member.astype(np.float32)).ravel() > 0
        # by household, the earliest visit of the current call (kept at inf between calls)
        self._visited = np.full(world.households.n_households, np.inf)

    def step(self, day: int, spare_hours: np.ndarray) -> Invitations:
        """Today's outreach visits, ties and committee visits.  ``spare_hours``: each
        institution's staff-hours left today (``Workload``).  Found needs go to the intake
        (``Routing.intake``) at once, so a need is found only once."""
        intake = self.services["intake"]
        rng = self.rng["visits"]
        invited: list[Invitations] = []
        for k in self.outreach:
            o = k.spec.outreach
            if self.w.schedules[k.key].hours_on(day % 7) <= 0:
                continue
            if o.mode == "ties":
                invited += self._ties(day, k, o.ties_detect_per_day, intake)
                continue
            staff = np.array([a.staff for a in k.agents])
            # visits spread over the whole catchment: the sample's share reaches simulated homes
            scale = np.array([a.scale for a in k.agents])
            lam = staff * (1 - o.vacancy) * (1 - self.absence) * o.visits_per_staff_day * scale
            visits = rng.poisson(lam, k.n_instances)
            invited += self._visit(day, k, visits, o.detect, intake)
        for k in self.w.kinds:
            sg = k.spec.self_governance
            if sg is None or sg.visits <= 0:
                continue
            nodes = k.first_node + np.arange(k.n_instances)
            acc = self.visit_acc[nodes] + (
                spare_hours[nodes] * sg.visits * sg.visits_per_hour * k.scale
            )
            visits = acc.astype(np.int64)
            self.visit_acc[nodes] = acc - visits
            invited += self._visit(day, k, visits, 1.0, intake)
        return Invitations.join(invited)

    def _visit(self, day, k, visits, detect, intake) -> list[Invitations]:
        if not visits.sum():
            return []
        rng = self.rng["visits"]
        lo, hi = self.hh_range[k.key]
        inst = np.repeat(np.arange(k.n_instances), visits)
        span = np.maximum(hi[inst] - lo[inst], 1)
        hh = lo[inst] + (rng.random(len(inst)) * span).astype(np.int64)
        t = day * 24.0 + VISIT_FROM_H + VISIT_SPAN_H * rng.random(len(inst))
        return self.visit_households(day, hh, t, detect, k, intake)

    def visit_households(self, day, households, t, detect, kind, intake) -> list[Invitations]:
        """Visits to ``households`` at times ``t`` find their members' pending needs."""
        nd, r = self.w.needs, self.w.residents
        if not len(households):
            return []
        # the members of the visited households, in resident order
        hh = np.unique(households)
        first, size = self.hh_start[hh], self.hh_start[hh + 1] - self.hh_start[hh]
        hh_invite = np.repeat(first - (np.cumsum(size) - size), size) + np.arange(size.sum())
        out = [Invitations(hh_invite, np.full(len(hh_invite), day + self.invitation_days))]
        st = nd.col("status")
        ids = np.flatnonzero(st == UNREPORTED)
        if not len(ids):
            return out
        # each pending need's household's earliest visit (inf: not visited), through a
        # per-household array kept at inf between visits
        visited = self._visited
        np.minimum.at(visited, households, t)
        tv = visited[r.household[nd.resident[ids]]]
        visited[households] = np.inf
        # needs ready by the visit, then noticed (draws keyed by need: the same values
        # whichever needs are drawn for)
        seen = np.flatnonzero(np.isfinite(tv) & (nd.t_ready[ids] <= tv))
        if not len(seen):
            return out
        hit = seen[self._detect(ids[seen], day, kind) < detect]
        found = ids[hit]
        if len(found):
            nodes = kind.node_of_residents(nd.resident[found])
            out.append(intake(Reports(found, tv[hit], nodes, DISCOVERED)))
        return out

    def _detect(self, ids: np.ndarray, day: int, kind) -> np.ndarray:
        """Whether a visit or tie notices a need: a draw keyed by need, day and institution."""
        return self.keyed_draw("detect", ids, day, kind.index)

    def _ties(self, day: int, kind, p: float, intake) -> list[Invitations]:
        nd = self.w.needs
        st = nd.col("status")
        ids = np.flatnonzero((st == UNREPORTED) & (nd.col("t_ready") < day * 24.0 + 24.0))
        if not len(ids):
            return []
        # needs of residents with a party member among their ties, then noticed (keyed draws)
        tied = np.flatnonzero(self.has_party_tie[nd.resident[ids]])
        found = ids[tied[self._detect(ids[tied], day, kind) < p]]
        if not len(found):
            return []
        t = np.maximum(nd.t_ready[found], day * 24.0 + TIES_REPORT_H)
        return [intake(Reports(found, t, kind.node_of_residents(nd.resident[found]), DISCOVERED))]
