"""Administrative crowding-out (DOMAIN.md mechanism 3): tasks pushed down from above eat
the staff-hours a committee could spend on self-governance.

Each open day an institution's staff-hours (staff × open hours × (1 − absence)) go first to
pushed-down tasks (``Institution.admin_load``: tasks × hours a task costs a committee of
reference size × residents served ÷ reference), then to the requests it served; what is
left is spare for activities, meetings and visits where the structure gives it
self-governance (004: 435 task types before the clean-up, 85 after; Chongqing survey: 73
per community; 001: after 居政分离 「居委会有时间、有精力、有条件…开展自治活动」).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from govsim.config.declare import REQUIRED, NonNeg, Par
from govsim.core.measure import DAYS_PER_YEAR
from govsim.core.module import Module, Outcome, Step

COMMITTEE_ACTOR = "residents_committee"  # the 居委会 (村委会) of every structure


class Workload(Module):
    name = "workload"
    pars = (
        Par(
            "institutions.*.admin_tasks",
            NonNeg,
            0.0,
            "task types pushed down onto it from above",
            "tasks",
        ),
        Par(
            "workload.admin_hours_per_task",
            NonNeg,
            REQUIRED,
            "staff-hours a year one pushed-down task costs a committee of reference size",
            "staff-h/yr",
        ),
        Par(
            "workload.reference_residents",
            Annotated[float, Field(gt=0)],
            REQUIRED,
            "committee size the task figures describe",
            "residents",
        ),
        Par("institutions.*.staff"),
        Par("behaviour.staff_absence"),
    )
    outcomes = (
        Outcome(
            "selfgov_hours",
            "自治工作时间",
            "self-governance staff-hours",
            "staff-h",
            daily=True,
            per_replicate=False,
        ),
        Outcome(
            "admin_hours",
            "行政事务时间",
            "admin staff-hours",
            "staff-h",
            daily=True,
            per_replicate=False,
        ),
        Outcome(
            "committee_admin_share",
            "居委会行政事务占比",
            "committee time on admin tasks",
            "share",
        ),
        Outcome(
            "committee_selfgov_h_per_10k",
            "每万人居委会自治工时",
            "committee self-governance hours per 10,000 residents a year",
            "staff-h",
        ),
    )

    steps = (Step(4.0, "step", outputs=("spare_hours",)),)

    def setup(self) -> None:
        wl = self.w.population.workload
        self.hours_per_task = wl.admin_hours_per_task
        self.reference_residents = wl.reference_residents
        self.absence = self.w.population.behaviour.staff_absence

    def step(self, day: int) -> np.ndarray:
        """Spare staff-hours of every institution today (by node; 0 without self-governance)."""
        return np.array(
            [
                a.end_day(day, self.hours_per_task, self.reference_residents, self.absence)
                for a in self.w.agents
            ]
        )

    def report(self, day, residents, needs) -> dict[str, float | None]:
        """The residents' committees' (居委会) time: the share of their staff-hours used
        that went to pushed-down tasks (the rest served requests or went to
        self-governance), and their self-governance hours per 10,000 residents a year —
        what 居政分离 is meant to free (001) — for the simulated residents' share of each."""
        com = [a for a in self.w.agents if a.spec.actor == COMMITTEE_ACTOR]
        if not com:
            return {"committee_admin_share": None, "committee_selfgov_h_per_10k": None}
        admin = sum(a.admin_hours_total * a.scale for a in com)
        used = admin + sum((a.busy_hours_total + a.selfgov_hours_total) * a.scale for a in com)
        selfgov = sum(a.selfgov_hours_total * a.scale for a in com)
        years = (day + 1) / DAYS_PER_YEAR
        return {
            "committee_admin_share": admin / used if used else None,
            "committee_selfgov_h_per_10k": selfgov / years / self.w.residents.n * 1e4,
        }

    def daily(self, day: int) -> dict[str, float]:
        return {
            # the simulated residents' share of each institution's hours
            "selfgov_hours": sum(a.selfgov_hours_today * a.scale for a in self.w.agents),
            "admin_hours": sum(a.admin_hours_today * a.scale for a in self.w.agents),
        }
