"""What a structure costs a year (DOMAIN.md §4): staff pay, premises, purchased services,
subsidies and running costs of every full-size institution instance, times the share of its
people the run simulates (``scale``, ODD §2), grants per social organisation for as many
as are active on average, what councils spent on their decisions, and points redeemed (002:
grants of 65万 a year; 004: running money 「僅幾萬元」; 000: the park pays everything).

Costs reports like every module: the cost per resident a year (``report``, the same for
every group: the community pays for all) and the yearly cost by part (``details``); beside
it the community workers per 10,000 residents the structure pays for — every community-level
body's paid posts, by the one rule of ``govsim.core.norms`` (18 per 10,000, 14th Five-Year
community service plan; a constant of the structure).
"""

from __future__ import annotations

from govsim.config.declare import NonNeg, Par, Strict, field
from govsim.config.vocabulary import NORM_FIGURES
from govsim.core import norms
from govsim.core.measure import DAYS_PER_YEAR
from govsim.core.module import Module, Outcome


class CostItems(Strict):
    """Yearly money per instance (yuan)."""

    salary_per_staff: NonNeg = field(0.0, "pay and on-costs per staff member", "yuan/yr")
    premises: NonNeg = field(0.0, "rent or upkeep of premises", "yuan/yr")
    purchased_services: NonNeg = field(
        0.0, "services bought from others (政府购买服务, 费随事转)", "yuan/yr"
    )
    subsidies: NonNeg = field(
        0.0, "subsidies paid to residents (meal, helper allowances)", "yuan/yr"
    )
    running: NonNeg = field(0.0, "running costs", "yuan/yr")
    per_organisation: NonNeg = field(
        0.0, "grants per active organisation (an entry of social organisations)", "yuan/yr"
    )


class Costs(Module):
    name = "costs"
    pars = (
        Par("institutions.*.costs", CostItems, CostItems(), "yearly money per instance", "yuan/yr"),
        Par("institutions.*.staff"),
        Par("incentives.points"),
    )
    outcomes = (
        Outcome(
            "cost_per_resident_yuan",
            "人均年成本",
            "cost per resident per year",
            "yuan",
            headline=8,
            whole_community=True,
            better="lower",
            matters=10.0,
            matters_source="assumption: 10 yuan a resident a year, about 5% of the baseline's "
            "cost per resident",
        ),
        Outcome(
            "community_workers_per_10k",
            NORM_FIGURES["community_workers_per_10k"].zh,
            NORM_FIGURES["community_workers_per_10k"].en,
            "per10k",
            whole_community=True,
            governance=True,
        ),
    )

    uses = ("points_earned", "council_spent", "organisations_active")

    def setup(self) -> None:
        self.reported: tuple[int, dict[str, float]] | None = None  # (day, ``yearly``)
        # the paid posts of every community-level body per 10,000 residents, counted by the
        # one rule of govsim.core.norms over the full-size institutions (a constant of
        # the structure, independent of the residents simulated)
        self.workers_per_10k = norms.community_workers_per_10k(
            self.w.spec, self.w.population.demography.household_size
        )

    def _yearly_at(self, day: int) -> dict[str, float]:
        if self.reported is None or self.reported[0] != day:
            self.reported = (day, self.yearly(day + 1))
        return self.reported[1]

    def report(self, day, residents, needs) -> dict[str, float]:
        """The yearly cost per resident after ``day``: the whole community's, whichever
        residents are asked about (costs are paid for all, not allocated to groups)."""
        return {
            "cost_per_resident_yuan": self._yearly_at(day)["total"] / self.w.residents.n,
            "community_workers_per_10k": self.workers_per_10k,
        }

    def details(self) -> dict[str, dict[str, float]]:
        """The yearly cost by part (yuan) at the day last reported."""
        if self.reported is None:
            return {}
        return {"cost_breakdown_yuan_per_year": self.reported[1]}

    def yearly(self, days_run: int) -> dict[str, float]:
        """Yearly cost by part and in total (yuan); points redeemed scaled to a year."""
        parts = {
            "staff": 0.0,
            "premises": 0.0,
            "purchased_services": 0.0,
            "subsidies": 0.0,
            "running": 0.0,
        }
        orgs = self.services["organisations_active"]()
        for a in self.w.agents:
            c = a.spec.costs
            # an instance's cost, the simulated residents' share of it (a.scale); grants per
            # organisation for as many as were active on average (``Organisations``)
            parts["staff"] += a.staff * c.salary_per_staff * a.scale
            parts["premises"] += c.premises * a.scale
            parts["purchased_services"] += c.purchased_services * a.scale
            parts["subsidies"] += c.subsidies * a.scale
            parts["running"] += c.running * a.scale
            if c.per_organisation:
                parts["running"] += c.per_organisation * float(orgs[a.node]) * a.scale
        pts = self.w.spec.incentives.points
        points_earned = self.services["points_earned"]()
        years = max(days_run, 1) / DAYS_PER_YEAR
        parts["points_redeemed"] = (
            (points_earned * pts.redeem_share * pts.yuan_per_point / years) if pts else 0.0
        )
        # what councils spent carrying out their decisions (the simulated share)
        parts["council_decisions"] = self.services["council_spent"]() / years
        parts["total"] = sum(parts.values())
        return parts
