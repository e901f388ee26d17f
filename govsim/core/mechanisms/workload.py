"""Administrative crowding-out (DOMAIN.md mechanism 3): tasks pushed down from above eat
the staff-hours a committee could spend on self-governance.

Each open day an institution's staff-hours (staff in post × open hours × (1 − absence),
``staff_hours``) go first to pushed-down tasks (``admin_load``: tasks × hours a task costs
a committee of reference size × residents served ÷ reference), then to the requests it
served (``Service.busy_hours``); what is left is spare for activities, meetings and visits where the structure gives it
self-governance (004: 435 task types before the clean-up, 85 after; Chongqing survey: 73
per community; 001: after 居政分离 「居委会有时间、有精力、有条件…开展自治活动」).

Committee staff leave, and the more of their time goes to pushed-down tasks the more of
them leave (000: 「社区自治组织工作负担愈加沉重,社区自治事务无法顾及」, departments
「只派活不给钱」): each day a
committee's staff in post leave at a yearly rate running from ``turnover_low`` (no admin
work) to ``turnover_high`` (all admin work) with the share of its used hours that went to
pushed-down tasks so far; an empty post stays vacant ``hiring_days`` and works no hours,
so vacancies come out of the time left for self-governance.  Counted at full size (ODD §2).

Workload owns, by institution node, the posts vacant and the staff-hours on admin tasks
and on self-governance (today and since the start); it reads the hours serving requests
from ``Service`` (``busy_hours``).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from govsim.config.declare import REQUIRED, NonNeg, Par
from govsim.core.measure import DAYS_PER_YEAR
from govsim.core.module import Module, Outcome, Step

COMMITTEE_ACTOR = "residents_committee"  # the 居委会 (村委会) of every structure


def tasks_served(a, reference_residents: float) -> float:
    """Pushed-down tasks of institution ``a`` weighted by the residents it is built for
    (tasks × design catchment ÷ reference): times the hours a task costs a reference
    committee, its admin staff-hours a year."""
    return a.spec.admin_tasks * a.kind.design / reference_residents


def admin_load(a, day: int, hours_per_task: float, reference_residents: float) -> float:
    """Staff-hours of institution ``a`` on ``day`` eaten by tasks pushed down from above
    (mechanism 3; 004: 435 task types before the clean-up, 85 after; Chongqing survey: 73
    per community): the yearly task-hours spread over its open hours.

    The work of a task grows with the residents served: ``hours_per_task`` is for a
    committee of ``reference_residents`` (the national average).
    """
    open_h = a.open_hours_on(day)
    if not open_h or not a.spec.admin_tasks:
        return 0.0
    yearly = tasks_served(a, reference_residents) * hours_per_task
    return yearly / (a.schedule.hours_per_week() * 52.0) * open_h


def staff_hours(a, day: int, absence: float, vacant: float = 0.0) -> float:
    """Working hours of ``a``'s staff in post on ``day`` (posts left vacant do not work)."""
    return (a.staff - vacant) * a.open_hours_on(day) * (1.0 - absence)


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
        Par(
            "workload.turnover_low",
            Annotated[float, Field(ge=0, le=5)],
            REQUIRED,
            "committee staff leaving a year when none of their time goes to admin tasks",
            "1/yr",
        ),
        Par(
            "workload.turnover_high",
            Annotated[float, Field(ge=0, le=5)],
            REQUIRED,
            "committee staff leaving a year when all of their time goes to admin tasks",
            "1/yr",
        ),
        Par(
            "workload.hiring_days",
            Annotated[float, Field(ge=0, le=3650)],
            REQUIRED,
            "days a committee post stays empty after its holder leaves",
            "days",
        ),
        Par("institutions.*.staff"),
        Par("behaviour.staff_absence"),
    )
    uses = ("busy_hours", "unspent_hours")
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
            governance=True,
        ),
        Outcome(
            "committee_selfgov_h_per_10k",
            "每万人居委会自治工时",
            "committee self-governance hours per 10,000 residents a year",
            "staff-h",
            governance=True,
        ),
        Outcome(
            "committee_turnover_per_year",
            "居委会人员年流失率",
            "committee staff leaving a year, share of posts",
            "share",
            governance=True,
        ),
        Outcome(
            "committee_vacancy_share",
            "居委会岗位空缺率",
            "committee posts vacant, mean share",
            "share",
        ),
    )

    keyed = ("turnover",)  # committee staff who leave: per (day, institution), streams.stream_at
    steps = (Step("workload", "step", outputs=("spare_hours",)),)

    def setup(self) -> None:
        wl = self.w.population.workload
        self.hours_per_task = wl.admin_hours_per_task
        self.reference_residents = wl.reference_residents
        self.absence = self.w.population.behaviour.staff_absence
        self.turnover = (wl.turnover_low, wl.turnover_high)
        self.hiring_days = wl.hiring_days
        self.committees = [a for a in self.w.agents if a.spec.actor == COMMITTEE_ACTOR]
        # institutions with time to account for: pushed-down tasks or self-governance (for
        # the rest, ``end_day`` leaves everything at 0 and returns 0)
        self.accounted = [
            a for a in self.w.agents if a.spec.admin_tasks or a.spec.self_governance is not None
        ]
        self.refills: dict[int, list[tuple[float, float]]] = {a.node: [] for a in self.committees}
        self.left = 0.0  # staff who left, the simulated residents' share
        self.vacant_sum = 0.0  # vacant posts × days, the simulated residents' share
        # by institution node, at full size: posts empty after staff left, until refilled;
        # staff-hours on pushed-down tasks and on self-governance, today and in total
        n = len(self.w.agents)
        self.vacant = np.zeros(n)
        self.admin_today = np.zeros(n)
        self.admin_total = np.zeros(n)
        self.selfgov_today = np.zeros(n)
        self.selfgov_total = np.zeros(n)

    def _selfgov_spent(self) -> np.ndarray:
        """By node, staff-hours spent on self-governance since the start: the spare hours
        less those its own activities and meetings did not need (``Sessions``; a cycle is
        not a meeting machine, so spare hours beyond it are not spent)."""
        return np.maximum(self.selfgov_total - self.services["unspent_hours"](), 0.0)

    def _turnover(self, day: int) -> None:
        """Committee staff leave and posts are refilled (full size: ODD §2)."""
        low, high = self.turnover
        busy_total = self.services["busy_hours"]()[1]
        # the share of its staff-hours in post that went to pushed-down tasks (spare hours
        # its sessions did not need count as hours in post, not as self-governance)
        selfgov_total = self.selfgov_total
        vacant = self.vacant
        for a in self.committees:
            if a.staff <= 0:
                continue
            i = a.node
            back = [v for d, v in self.refills[i] if d <= day]
            self.refills[i] = [(d, v) for d, v in self.refills[i] if d > day]
            vacant[i] = max(0.0, float(vacant[i]) - sum(back))
            used = float(self.admin_total[i] + busy_total[i] + selfgov_total[i])
            admin = float(self.admin_total[i]) / used if used else 0.0
            rate = low + (high - low) * admin
            in_post = a.staff - float(vacant[i])
            rng = self.keyed_stream("turnover", day, a.node)
            gone = min(in_post, float(rng.poisson(in_post * rate / DAYS_PER_YEAR)))
            if gone:
                vacant[i] += gone
                self.refills[i].append((day + self.hiring_days, gone))
                self.left += gone * a.scale
            self.vacant_sum += float(vacant[i]) * a.scale

    def step(self, day: int) -> np.ndarray:
        """Spare staff-hours of every institution today (by node; 0 without self-governance):
        its staff-hours in post, less those on pushed-down tasks first, then those serving
        requests."""
        self._turnover(day)
        busy_today = self.services["busy_hours"]()[0]
        spare = np.zeros(len(self.w.agents))
        for a in self.accounted:
            i = a.node
            vacant = float(self.vacant[i])
            in_post = staff_hours(a, day, self.absence, vacant)
            admin = min(admin_load(a, day, self.hours_per_task, self.reference_residents), in_post)
            self.admin_today[i] = admin
            self.admin_total[i] += admin
            left = in_post - admin - float(busy_today[i])
            selfgov = max(0.0, left) if a.spec.self_governance is not None else 0.0
            self.selfgov_today[i] = selfgov
            self.selfgov_total[i] += selfgov
            spare[i] = selfgov
        return spare

    def report(self, day, residents, needs) -> dict[str, float | None]:
        """The residents' committees' (居委会) time: the share of their staff-hours in post
        that went to pushed-down tasks (the rest served requests or was spare), and their
        self-governance hours per 10,000 residents a year — the spare hours spent on visits
        and on preparing the sessions their cycles held, what 居政分离 is meant to free
        (001) — for the simulated residents' share of each."""
        com = self.committees
        if not com:
            return dict.fromkeys(
                (
                    "committee_admin_share",
                    "committee_selfgov_h_per_10k",
                    "committee_turnover_per_year",
                    "committee_vacancy_share",
                )
            )
        busy = self.services["busy_hours"]()[1].tolist()
        admin_t, spare_t = self.admin_total.tolist(), self.selfgov_total.tolist()
        spent_t = self._selfgov_spent().tolist()
        admin = sum(admin_t[a.node] * a.scale for a in com)
        # of the staff-hours in post: admin, requests, and the rest (spare, spent or not)
        used = admin + sum((busy[a.node] + spare_t[a.node]) * a.scale for a in com)
        # self-governance: the spare hours spent (visits, and the preparation of the sessions
        # held), not those no due session needed
        selfgov = sum(spent_t[a.node] * a.scale for a in com)
        years = (day + 1) / DAYS_PER_YEAR
        posts = sum(a.staff * a.scale for a in com)
        return {
            "committee_admin_share": admin / used if used else None,
            "committee_selfgov_h_per_10k": selfgov / years / self.w.residents.n * 1e4,
            "committee_turnover_per_year": self.left / years / posts if posts else None,
            "committee_vacancy_share": self.vacant_sum / (day + 1) / posts if posts else None,
        }

    def daily(self, day: int) -> dict[str, float]:
        selfgov, admin = self.selfgov_today.tolist(), self.admin_today.tolist()
        return {
            # the simulated residents' share of each institution's hours
            "selfgov_hours": sum(selfgov[a.node] * a.scale for a in self.w.agents),
            "admin_hours": sum(admin[a.node] * a.scale for a in self.w.agents),
        }

    def by_institution(self, day: int) -> dict[str, dict]:
        """By institution kind: staff-hours a day of one instance on self-governance and on
        pushed-down tasks, on average."""
        days = max(day + 1, 1)
        selfgov, admin = self.w.by_kind(self._selfgov_spent()), self.w.by_kind(self.admin_total)
        return {
            k.key: {
                "selfgov_hours_per_instance_day": selfgov[k.key] / (days * len(k.agents)),
                "admin_hours_per_instance_day": admin[k.key] / (days * len(k.agents)),
            }
            for k in self.w.kinds
        }
