"""Social organisations are founded and fold (DOMAIN.md mechanism 9): the N of a structure
is not fixed, it grows where the structure incubates organisations and residents take part.

An entry that stands for ``organisations`` (a community's social organisations) starts
with that many.  Every day, at each instance (counted at full size, ODD §2):

- new organisations are founded among the residents taking part in community life:
  Poisson(founding rate per 1,000 residents active in the last 30 days × active ÷ 1,000 ÷
  365) — founders come from people already active;
- organisations fold at their yearly rate (a hazard: Poisson(active × rate ÷ 365) a day).

The rates are the population's (``organisations`` in its profile: organisations that
float without a platform, 004: 「未建立供社會組織、志愿者組織成長、調度、孵化和推廣的平臺,
部分志愿者組織依靠個人或企業的支撐在民間“游離”」) unless the structure gives the entry an
``incubator`` — a platform that lowers the threshold and nurtures new organisations (003:
「降低登记备案门槛…依托社会组织服务中心培育、管理和服务社区社会组织。这年,全区新备案的
社区社会组织就达240家」) — which sets its own rates.

What the organisations do grows with their number: the entry's programmes of sessions
(``offers``) are held ``active ÷ initial`` times as often, and grants per organisation
(``costs.per_organisation``) are paid for as many as are active; its other costs are fixed.
More sessions draw more residents,
who found more organisations: participation and organisations feed each other.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from govsim.config.declare import REQUIRED, NonNeg, Par, Strict, field
from govsim.core.measure import DAYS_PER_YEAR
from govsim.core.module import Module, Outcome, Step


class Growth(Strict):
    """How organisations are founded and fold."""

    founding_per_1k_active_year: NonNeg = field(
        meaning="organisations founded a year per 1,000 residents active in the last 30 days",
        unit="1/yr",
    )
    folding_per_year: Annotated[float, Field(ge=0, le=10)] = field(
        meaning="rate at which an organisation folds (per year; 0.1 ≈ one in ten a year)",
        unit="1/yr",
    )


class Organisations(Module):
    name = "organisations"
    pars = (
        Par(
            "organisations.founding_per_1k_active_year",
            NonNeg,
            REQUIRED,
            "organisations founded a year per 1,000 residents active in the last 30 days, "
            "without an incubator",
            "1/yr",
        ),
        Par(
            "organisations.folding_per_year",
            Annotated[float, Field(ge=0, le=10)],
            REQUIRED,
            "rate at which an organisation folds without an incubator (per year)",
            "1/yr",
        ),
        Par(
            "institutions.*.incubator",
            Growth | None,
            None,
            "a platform incubating the organisations of this entry (孵化), with its own rates",
            "—",
        ),
        Par("institutions.*.organisations"),
    )
    keyed = ("growth",)  # founded and folded: per (day, institution), streams.stream_at
    outcomes = (
        Outcome(
            "organisations_per_10k",
            "年末活跃的社会组织",
            "social organisations active at the end, per 10,000 residents",
            "per10k",
            governance=True,
        ),
        Outcome(
            "organisations_founded_per_10k",
            "每年新成立的社会组织",
            "social organisations founded, per 10,000 residents a year",
            "per10k",
        ),
    )
    steps = (Step("sessions", "step", outputs=("org_factor",)),)
    provides = ("organisations_active",)
    uses = ("recent_any",)

    def setup(self) -> None:
        world = self.w
        base = world.population.organisations
        self.entries = [a for a in world.agents if a.spec.organisations]
        self.rates = {
            a.node: a.spec.incubator if a.spec.incubator is not None else base for a in self.entries
        }
        self.count = {a.node: float(a.spec.organisations) for a in self.entries}
        self.founded = 0.0  # the simulated residents' share of the foundings
        self.factor = np.ones(len(world.agents))
        self.count_sum = np.zeros(len(world.agents))
        self.days = 0
        self._firsts: dict[int, np.ndarray | None] = {}

    def _first_resident(self, k) -> np.ndarray | None:
        """First resident of each instance of ``k`` when catchments are contiguous runs of
        residents, none of them empty (so counts by instance are sums over runs); else None."""
        if k.index not in self._firsts:
            first = np.searchsorted(k.resident_instance, np.arange(k.n_instances))
            runs = (np.diff(k.resident_instance) >= 0).all() and (np.diff(first) > 0).all()
            self._firsts[k.index] = first if runs and k.catchment.min() > 0 else None
        return self._firsts[k.index]

    def step(self, day: int) -> np.ndarray:
        """Foundings and foldings of today; by institution node, how many times its
        initial number of organisations is active (1 for entries without organisations)."""
        if self.entries:
            active = self.services["recent_any"](day)
        by_kind = {}  # residents active in each instance's catchment, by kind
        for a in self.entries:
            g = self.rates[a.node]
            k = a.kind
            if k.index not in by_kind:
                first = self._first_resident(k)
                by_kind[k.index] = (
                    np.bincount(k.resident_instance[active], minlength=k.n_instances)
                    if first is None
                    else np.add.reduceat(active.astype(np.int64), first)
                )
            # at full size
            n_active = float(by_kind[k.index][a.instance]) / max(a.scale, 1e-9)
            rng = self.keyed_stream("growth", day, a.node)
            born = rng.poisson(g.founding_per_1k_active_year * n_active / 1000.0 / DAYS_PER_YEAR)
            folded = min(
                self.count[a.node],
                rng.poisson(self.count[a.node] * g.folding_per_year / DAYS_PER_YEAR),
            )
            self.count[a.node] += born - folded
            self.founded += born * a.scale
            self.factor[a.node] = self.count[a.node] / a.spec.organisations
            self.count_sum[a.node] += self.count[a.node]
        self.days += 1
        return self.factor

    def organisations_active(self) -> np.ndarray:
        """By institution node, its organisations active on average over the run, at full
        size (0 for institutions that are not an entry of organisations): what grants per
        organisation are paid for."""
        return self.count_sum / self.days if self.days else self.count_sum

    def report(self, day, residents, needs) -> dict[str, float | None]:
        n = self.w.residents.n
        years = (day + 1) / DAYS_PER_YEAR
        active = sum(self.count[a.node] * a.scale for a in self.entries)
        return {
            "organisations_per_10k": active / n * 1e4,
            "organisations_founded_per_10k": self.founded / n * 1e4 / years,
        }

    def details(self) -> dict:
        return {
            "organisations": {
                a.key: {"initial": float(a.spec.organisations), "end": self.count[a.node]}
                for a in self.entries
                if a.instance == 0
            }
        }
