"""Deliberation that decides: councils that settle what is raised at their meetings.

Where a structure gives a body a council whose meetings decide — a residents' council
(002: 居民议事会 「民主提事、民主议事和民主决事」), a community council pooling the resources
of the units in the community (003: 「通过理事会等运作机制,整合社区各种资源」; 366街区
「通过街区党建联席会议制度,整合多元力量」), a villagers' council (000: 村民理事会 with
「议事规则」) — a problem a resident raises at one of its meetings (``Sessions``: meetings
collect attendees' unreported needs) can be settled by the meeting itself instead of
being passed into the offices: the meeting agrees what is done and who does it, and the
problem is fixed ``carry_out_days`` later.  A meeting decides only if enough people came
(``quorum``, counted at full size: ODD §2); a decision that costs money is taken only
while the council's fund for the year lasts (the sample's share of it, ODD §2; when what is
left does not cover a whole decision, the decision is taken with probability left ÷ cost,
so that small runs spend the same in expectation).  Each raised problem of a type the
council can settle is adopted with its ``settles`` share (keyed by need and report: paired
across structures).  The rest go into the structure as before (``Routing.intake``).

The fund is the council's own (``fund_yuan_per_year``) plus what other bodies pool into it
(``pools``): the units in the area (驻区单位) that the reform brings to the council's table
— Nanshan's "N" of 「驻辖区企事业单位」 whose resources the council 「整合」 (003), Xinfeng's
co-builders who 「为社区提供人力、物力、设施支持」 and gave 12万 in 2014–2015 (002).  What a
body pools reaches the council serving the place where it is, in the share of its people
the run simulates (ODD §2).

The quorum is checked on the meeting's attendance at full size, estimated as its simulated
attendees ÷ ``scale``: an unbiased but noisy estimate in a small run.  In the built-in files
meetings fill their seats, so the quorum does not bind there.

A council without the power to decide (one that only collects opinions, 001: 居民议事会
「负责收集来自各方面的意见建议」) is simply a meeting that collects needs, with no
``council`` table.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from govsim.config.declare import InstitutionKey, NeedType, NonNeg, Par, Share, Strict, field
from govsim.config.reading import ScenarioError
from govsim.config.vocabulary import NEED_TYPE_KEYS
from govsim.core.measure import DAYS_PER_YEAR
from govsim.core.module import Module, Outcome
from govsim.core.records import HOP_SERVED, Hops, Reports


class Council(Strict):
    """A council whose meetings decide on the problems raised there."""

    settles: dict[NeedType, Share] = field(
        meaning="share of the problems of each type raised at a meeting that it settles",
        unit="share",
    )
    quorum: Annotated[int, Field(ge=1, le=100_000)] = field(
        10, "people at a full-size meeting needed for it to decide", "people"
    )
    carry_out_days: NonNeg = field(
        14.0, "days from a decision to the problem fixed", "days", le=365
    )
    fund_yuan_per_year: NonNeg = field(
        0.0, "money a year it can spend on what it decides (pooled resources)", "yuan/yr"
    )
    yuan_per_decision: NonNeg = field(
        0.0, "money one decision costs to carry out (0: done by the people concerned)", "yuan"
    )


class Pool(Strict):
    """Money a body adds every year to the fund of a council in its area (驻区单位 pooling
    their resources at the community's council, 003: 「整合社区各种资源」)."""

    into: InstitutionKey = field(
        meaning="the institution whose council's fund it adds to (the instance serving its area)",
        unit="institution",
    )
    yuan_per_year: NonNeg = field(meaning="money it adds a year, per instance", unit="yuan/yr")


class Deliberation(Module):
    name = "deliberation"
    pars = (
        Par(
            "institutions.*.council",
            Council | None,
            None,
            "its meetings decide on the problems raised there (议事会, 理事会)",
            "—",
        ),
        Par(
            "institutions.*.pools",
            Pool | None,
            None,
            "money it adds a year to the fund of a council in its area (驻区单位 pooling "
            "resources)",
            "—",
        ),
    )
    keyed = ("adopt",)  # whether a raised problem is settled: keyed by need
    outcomes = (
        Outcome(
            "proposals_raised_per_10k",
            "议事会每年可议决的提议",
            "problems a council could decide on (its types, a quorate meeting), per 10,000 "
            "residents a year",
            "per10k",
        ),
        Outcome(
            "proposals_adopted_per_10k",
            "议事会每年决定办理的提议",
            "problems settled by a council's decision, per 10,000 residents a year",
            "per10k",
            governance=True,
        ),
    )
    provides = ("deliberate", "council_spent")
    uses = ("stamp",)

    @classmethod
    def check(cls, sc, path) -> None:
        """What a body pools goes to a council that spends money on its decisions."""
        for key, inst in sc.institutions.items():
            if inst.pools is None:
                continue
            c = sc.institutions[inst.pools.into].council
            if c is None or c.yuan_per_decision <= 0:
                raise ScenarioError(
                    path,
                    f"institutions.{key}.pools.into",
                    f"{inst.pools.into!r} has no council whose decisions cost money "
                    "(council.yuan_per_decision > 0): name one that spends a fund",
                )

    def setup(self) -> None:
        world = self.w
        nt = len(NEED_TYPE_KEYS)
        self.settles = np.zeros((len(world.agents), nt))
        self.quorum = np.full(len(world.agents), np.inf)
        for a in world.agents:
            c = a.spec.council
            if c is not None:
                self.quorum[a.node] = c.quorum
                for ti, t in enumerate(NEED_TYPE_KEYS):
                    self.settles[a.node, ti] = c.settles.get(t, 0.0)
        # what other bodies pool into each council's fund: the simulated share of it (ODD §2)
        self.pooled = np.zeros(len(world.agents))
        kinds = {k.key: k for k in world.kinds}
        for a in world.agents:
            pool = a.spec.pools
            if pool is None:
                continue
            mine = np.flatnonzero(a.kind.building_instance == a.instance)
            if not len(mine):
                continue
            # the council's instance serving most of the buildings this body serves
            host = kinds[pool.into]
            inst = np.bincount(host.building_instance[mine], minlength=host.n_instances)
            self.pooled[host.first_node + int(inst.argmax())] += pool.yuan_per_year * a.scale
        self.fund_left = {}  # node → (year, yuan left of the simulated share of the fund)
        self.raised = self.adopted = 0
        self.spent = 0.0

    def deliberate(self, reports: Reports, meeting_size: np.ndarray) -> Reports:
        """Problems raised at meetings (``reports``; ``meeting_size``: the full-size count of
        people at each one's meeting): those the host's council settles are stamped as
        reported and answered when carried out; returns the rest, for the intake."""
        ids, t, nodes, channel = reports
        if not len(ids):
            return reports
        nd = self.w.needs
        typ = nd.type[ids].astype(np.int64)
        share = self.settles[nodes, typ]
        can = (share > 0) & (meeting_size >= self.quorum[nodes])
        self.raised += int(can.sum())
        if not can.any():
            return reports
        # the need's own draws at this report (paired across structures): adopted?, and
        # the chance draw for a decision the fund covers only in part
        u = self.keyed_draw("adopt", ids[:, None], nd.reports[ids][:, None], [0, 1])
        adopt = can & (u[:, 0] < share)
        for i in np.flatnonzero(adopt):  # a decision that costs money needs the fund
            if not self._afford(self.w.agents[int(nodes[i])], t[i], u[i, 1]):
                adopt[i] = False
        if adopt.any():
            self.adopted += int(adopt.sum())
            ai, at, an = ids[adopt], t[adopt], nodes[adopt]
            self.services["stamp"](Reports(ai, at, an, channel))
            days = np.array([self.w.agents[int(n)].spec.council.carry_out_days for n in an])
            nd.t_resolved[ai] = at + days * 24.0
            nd.resolver[ai] = an
            self.w.hops.add(Hops(ai, an, at, at, np.full(len(ai), HOP_SERVED), at))
        keep = ~adopt
        return Reports(ids[keep], t[keep], nodes[keep], channel)

    def _afford(self, host, t: float, u: float) -> bool:
        """Whether the host's council can still pay for a decision this year (its fund, the
        simulated residents' share of it: ODD §2); pays if so.  When what is left covers
        only part of a decision it is taken with probability left ÷ cost (``u``: the need's
        draw), and the fund is then spent."""
        c = host.spec.council
        if c.yuan_per_decision <= 0:
            return True
        year = int(t // (24.0 * DAYS_PER_YEAR))
        got_year, left = self.fund_left.get(host.node, (-1, 0.0))
        if got_year != year:
            left = c.fund_yuan_per_year * host.scale + self.pooled[host.node]
        if left < c.yuan_per_decision:
            self.fund_left[host.node] = (year, 0.0)
            if u >= left / c.yuan_per_decision:
                return False
            left = c.yuan_per_decision
        self.fund_left[host.node] = (year, left - c.yuan_per_decision)
        self.spent += c.yuan_per_decision
        return True

    def council_spent(self) -> float:
        """Money spent on decisions so far (yuan, the simulated share)."""
        return self.spent

    def report(self, day, residents, needs) -> dict[str, float | None]:
        years = (day + 1) / DAYS_PER_YEAR
        per = 1e4 / self.w.residents.n / years
        return {
            "proposals_raised_per_10k": self.raised * per,
            "proposals_adopted_per_10k": self.adopted * per,
        }
