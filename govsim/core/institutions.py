"""Institutions as Mesa agents: each instance of a scenario institution (one 居委会, one
street office, one service center …) is an ``Institution`` sitting on its premises' cell
of the neighbourhood ``Network``.

What an institution does comes from its capabilities in the scenario, never from its
name: windows and authority make it a service point with a queue; ``forwards_to`` and a
relay delay make it a relay; ``admin_tasks`` load it with pushed-down work;
``self_governance`` turns its spare staff-hours into activities, meetings and visits;
``offers`` are fixed programmes; ``outreach`` is proactive discovery.
"""

from __future__ import annotations

import heapq

import numpy as np
from mesa.discrete_space import FixedAgent
from scipy.special import ndtri

from govsim.config.declare import Const
from govsim.config.schedule import OpenClock, WeeklySchedule
from govsim.core.records import QueueEntry

PROCESSING_SIGMA = 0.75  # assumption: spread (lognormal sigma) of back-office processing times
CONSTANTS = (
    Const(
        "PROCESSING_SIGMA",
        "spread (lognormal σ) of back-office processing times",
        "—",
        "assumption: a long right tail of processing times",
    ),
)


class Institution(FixedAgent):
    """One instance of a scenario institution.

    Queue mechanism (DOMAIN.md mechanism 2): requests wait first-come-first-served for one
    of ``windows`` service slots, which work only during opening hours.  The queue is
    computed in *open time* (``OpenClock``), so a request that arrives after closing
    waits for the next opening.  A post whose holder is absent stays empty that day unless
    the structure keeps AB backup posts (001: 「推行…AB岗服务制」), in which case it is
    empty only when the backup is away too.
    """

    def __init__(
        self,
        model,
        kind,
        instance: int,
        schedule: WeeklySchedule,
        cell=None,
        clock: OpenClock | None = None,
    ):
        super().__init__(model)
        self.kind = kind
        self.spec = kind.spec
        self.key = kind.key
        self.instance = instance
        self.node = kind.first_node + instance
        # simulated at full design size; ``scale`` is the share of its people simulated
        # (structure.design_catchment)
        self.scale = float(kind.scale[instance])
        self.windows = int(self.spec.windows)
        self.staff = float(self.spec.staff)
        self.vacant = 0.0  # posts empty after staff left, until refilled (``Workload``)
        self.schedule = schedule
        self.clock = (
            clock if clock is not None else OpenClock(schedule, days=800)
        )  # shared by a kind's instances
        self._hours_on = tuple(schedule.hours_on(w) for w in range(7))  # by weekday
        self.open_days = sum(1 for w in range(7) if schedule.hours_on(w) > 0)
        self.hours_per_open_day = schedule.hours_per_week() / max(1, self.open_days)
        if cell is not None:
            self.cell = cell
        # waiting requests, first come first served (ordered by open-time arrival), as
        # columns: open-time arrival, need (-1: a resident not simulated), service hours,
        # calendar arrival; ``queue`` gives them as ``QueueEntry`` records
        self._q = (np.empty(0), np.empty(0, dtype=np.int64), np.empty(0), np.empty(0))
        self.free = [0.0] * self.windows  # open-time each slot is next free
        self._open_of = (None, 0.0, 0.0)  # (day, open time at its start, at its end)
        self.inbox_ids: list[np.ndarray] = []
        self.inbox_t: list[np.ndarray] = []
        self.extra_servers = 0  # volunteer slots for the coming day (set by Service)
        self.absent_today = 0
        self.busy_hours_today = 0.0
        self.selfgov_hours_today = 0.0
        self.admin_hours_today = 0.0
        # running totals for outputs and Little's-law checks
        self.arrivals = 0
        self.served = 0
        self.forwarded = 0
        self.lost = 0
        self.wait_hours_total = 0.0
        self.busy_hours_total = 0.0
        self.selfgov_hours_total = 0.0
        self.admin_hours_total = 0.0

    @property
    def queue(self) -> list[QueueEntry]:
        """The waiting requests in queue order, as records."""
        return [QueueEntry._make(e) for e in zip(*(c.tolist() for c in self._q), strict=True)]

    def waiting(self) -> int:
        """How many requests wait in the queue."""
        return len(self._q[0])

    def _enqueue(self, open_t, ids, service_h, t_arrival, resort: bool) -> None:
        """Append requests to the queue; ``resort``: then put the whole queue in order of
        (open-time arrival, need, service hours, calendar arrival), as ``sorted`` would."""
        q = tuple(
            np.concatenate([old, new])
            for old, new in zip(self._q, (open_t, ids, service_h, t_arrival), strict=True)
        )
        if resort:
            order = np.lexsort(q[::-1])
            q = tuple(c[order] for c in q)
        self._q = q

    def __repr__(self) -> str:
        return f"<Institution {self.key}#{self.instance} ({self.spec.actor}) staff={self.staff:g} windows={self.windows} queue={len(self.queue)}>"

    # ------------------------------------------------------------------ per day
    def open_hours_on(self, day: int) -> float:
        return self._hours_on[day % 7]

    def begin_day(self, day: int, rng: np.random.Generator, absence: float) -> None:
        """Absences and volunteer slots for ``day``."""
        self.busy_hours_today = 0.0
        w = self.windows
        p = absence * absence if self.spec.backup else absence
        self.absent_today = int(rng.binomial(w, p)) if (w and self.open_hours_on(day) > 0) else 0
        if self.absent_today:
            oc_end = self._open_day(day)[1]
            self.free.sort()
            for k in range(self.absent_today):
                self.free[k] = max(self.free[k], oc_end)

    def receive(self, ids: np.ndarray, t: np.ndarray) -> None:
        if len(ids):
            self.inbox_ids.append(ids)
            self.inbox_t.append(t)

    def take_inbox(self, t_end: float) -> tuple[np.ndarray, np.ndarray]:
        """Requests that have arrived before ``t_end``; later ones stay in the inbox."""
        if not self.inbox_ids:
            return np.empty(0, dtype=np.int64), np.empty(0)
        if len(self.inbox_ids) == 1:
            ids, t = self.inbox_ids[0], self.inbox_t[0]
        else:
            ids, t = np.concatenate(self.inbox_ids), np.concatenate(self.inbox_t)
        now = t < t_end
        if now.all():
            self.inbox_ids, self.inbox_t = [], []
        else:
            later = ~now
            self.inbox_ids, self.inbox_t = [ids[later]], [t[later]]
            ids, t = ids[now], t[now]
        order = np.argsort(t, kind="stable")
        self.arrivals += len(ids)  # every request that reaches it, settled here or not
        return ids[order], t[order]

    def serve(self, day: int, ids: np.ndarray, t_arrival: np.ndarray, service_h: np.ndarray):
        """Queue the new requests and start every one that can start on ``day``.

        Returns need ids, calendar arrival, start and end of service of the requests
        started today.
        """
        if not self.windows and self.spec.accept_first:  # accepted on the spot, checked later
            self.served += len(ids)
            return ids, t_arrival, t_arrival, t_arrival
        if len(ids):
            open_t = self.clock.to_open(t_arrival)
            q_open = self._q[0]
            resort = bool(len(q_open)) and open_t[0] < q_open[-1]  # an earlier arrival
            self._enqueue(open_t, ids.astype(np.int64), service_h, t_arrival, resort)
        if not self.waiting() or not (self.free or self.extra_servers):
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0), np.empty(0)
        oc_start, oc_end = self._open_day(day)
        heap = self.free + [oc_start] * self.extra_servers
        heapq.heapify(heap)
        # the requests that start today are the first ones of the queue, in its order: each
        # takes the slot free first, from its arrival or when that slot is free
        out_s = []
        replace = heapq.heapreplace
        for a, s in zip(self._q[0].tolist(), self._q[2].tolist(), strict=True):
            f = heap[0]
            start = a if a > f else f
            if start >= oc_end:
                break
            replace(heap, start + s)
            out_s.append(start)
        if self.extra_servers:  # the day's volunteer slots leave; keep the busiest posts
            heap.sort()
            heap = heap[self.extra_servers :]
        self.free = heap
        if not out_s:
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0), np.empty(0)
        # the requests started leave the queue: need, service hours, calendar arrival
        k = len(out_s)
        _, out_i, svc, t_arr = (c[:k] for c in self._q)
        self._q = tuple(c[k:] for c in self._q)
        busy = float(np.cumsum(svc)[-1])  # summed in queue order, as one by one
        self.busy_hours_today += busy
        self.busy_hours_total += busy
        out_s = np.asarray(out_s)
        t_start = np.maximum(self.clock.from_open(out_s, side="right"), t_arr)
        t_end = self.clock.from_open(out_s + svc, side="left")
        t_end = np.maximum(t_end, t_start)
        real = out_i >= 0  # counters describe the simulated residents' requests
        self.served += int(real.sum())
        self.wait_hours_total += float((t_start - t_arr)[real].sum())
        return out_i, t_arr, t_start, t_end

    def add_background(self, t_arrival: np.ndarray, service_h: np.ndarray) -> None:
        """Requests of the residents of the catchment who are not simulated (need id −1):
        they take a window like any other and leave no record (``Service``)."""
        if not len(t_arrival):
            return
        ids = np.full(len(t_arrival), -1, dtype=np.int64)
        self._enqueue(self.clock.to_open(t_arrival), ids, service_h, t_arrival, resort=True)

    def _open_day(self, day: int) -> tuple[float, float]:
        """Open time at the start and at the end of ``day``."""
        if self._open_of[0] != day:
            start, end = self.clock.to_open([24.0 * day, 24.0 * (day + 1)]).tolist()
            self._open_of = (day, start, end)
        return self._open_of[1], self._open_of[2]

    def processing_end(self, t_done: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Back office (后台): a lognormal number of working days after the front desk,
        capped by a time-limit commitment where the structure has one (001:
        「前台受理、后台限时办结」)."""
        spec = self.spec
        if spec.accept_first or spec.processing_days <= 0:
            return t_done
        days = spec.processing_days * np.exp(PROCESSING_SIGMA * ndtri(np.clip(u, 1e-9, 1 - 1e-9)))
        if spec.time_limit_days is not None:
            days = np.minimum(days, spec.time_limit_days)
        oc = self.clock.to_open(t_done) + days * self.hours_per_open_day
        return self.clock.from_open(oc, side="left")

    def count_relays(self, forwarded: int, lost: int) -> None:
        """Running totals of requests passed on and lost without follow-up."""
        self.forwarded += forwarded
        self.lost += lost

    def relay(self, t: np.ndarray, u: np.ndarray, fixed: bool, factor: float = 1.0) -> np.ndarray:
        """Time a forwarded request leaves for the next level: a relay delay in this
        institution's working hours (「传声筒」「二传手」, 001), exponential or fixed;
        ``factor`` is the share of the delay left after follow-up (``Evaluation``)."""
        d = self.spec.relay_delay_h * factor
        if d <= 0:
            return t
        delay = np.full(len(t), d) if fixed else -np.log1p(-u) * d
        return self.clock.from_open(self.clock.to_open(t) + delay, side="left")

    def admin_load(self, day: int, hours_per_task: float, reference_residents: float) -> float:
        """Staff-hours today eaten by tasks pushed down from above (mechanism 3; 004:
        435 task types before the clean-up, 85 after; Chongqing survey: 73 per community).

        The work of a task grows with the residents served: ``hours_per_task`` is for a
        committee of ``reference_residents`` (the national average).
        """
        open_h = self.open_hours_on(day)
        if not open_h or not self.spec.admin_tasks:
            return 0.0
        yearly = self.admin_tasks_served(reference_residents) * hours_per_task
        return yearly / (self.schedule.hours_per_week() * 52.0) * open_h

    def admin_tasks_served(self, reference_residents: float) -> float:
        """Pushed-down tasks weighted by the residents the instance is built for (tasks ×
        design catchment ÷ reference): times the hours a task costs a reference committee,
        the admin staff-hours a year."""
        return self.spec.admin_tasks * self.kind.design / reference_residents

    def staff_hours(self, day: int, absence: float) -> float:
        """Working hours of the staff in post today (posts left vacant do not work)."""
        return (self.staff - self.vacant) * self.open_hours_on(day) * (1.0 - absence)

    def end_day(
        self, day: int, hours_per_task: float, reference_residents: float, absence: float
    ) -> float:
        """Spare staff-hours after admin tasks and requests: the time left for self-governance."""
        self.admin_hours_today = min(
            self.admin_load(day, hours_per_task, reference_residents),
            self.staff_hours(day, absence),
        )
        self.admin_hours_total += self.admin_hours_today
        spare = self.staff_hours(day, absence) - self.admin_hours_today - self.busy_hours_today
        self.selfgov_hours_today = max(0.0, spare) if self.spec.self_governance is not None else 0.0
        self.selfgov_hours_total += self.selfgov_hours_today
        return self.selfgov_hours_today
