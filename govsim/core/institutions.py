"""Institutions as Mesa agents: each instance of a scenario institution (one 居委会, one
street office, one service center …) is an ``Institution`` sitting on its premises' cell
of the neighbourhood ``Network``.

What an institution does comes from its capabilities in the scenario, never from its
name: windows and authority make it a service point with a queue; ``forwards_to`` and a
relay delay make it a relay; ``admin_tasks`` load it with pushed-down work;
``self_governance`` turns its spare staff-hours into activities, meetings and visits;
``offers`` are fixed programmes; ``outreach`` is proactive discovery.

An agent holds what the structure makes it (its spec, place, size, staff, windows and
hours) and its queue, the service point that ``Service`` works (``begin_day``, ``serve``,
``add_background``: only ``Service`` calls them).  What happens at an institution is
counted by the mechanism it happens in, in that module's own arrays by institution node:
requests arriving, relayed and lost by ``Routing``, served and their waits and busy hours
by ``Service``, admin and self-governance hours and vacant posts by ``Workload``.
"""

from __future__ import annotations

import heapq

import numpy as np
from mesa.discrete_space import FixedAgent

from govsim.config.schedule import OpenClock, WeeklySchedule
from govsim.core.records import QueueEntry


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
        self._in_order = True  # the queue is in the order ``_enqueue`` sorts it in
        self.free = [0.0] * self.windows  # open-time each slot is next free
        self._open_of = (None, 0.0, 0.0)  # (day, open time at its start, at its end)
        self.absent_today = 0  # posts empty today (``begin_day``)

    @property
    def queue(self) -> list[QueueEntry]:
        """The waiting requests in queue order, as records."""
        return [QueueEntry._make(e) for e in zip(*(c.tolist() for c in self._q), strict=True)]

    def waiting(self) -> int:
        """How many requests wait in the queue."""
        return len(self._q[0])

    def _enqueue(self, open_t, ids, service_h, t_arrival, resort: bool) -> None:
        """Append requests to the queue; ``resort``: then put the whole queue in order of
        (open-time arrival, need, service hours, calendar arrival), as ``sorted`` would.
        When the queue is in that order already and the new requests all come after its
        last, only they are sorted (the same order, at the cost of the new ones)."""
        old = self._q
        new = (open_t, ids, service_h, t_arrival)
        after = self._in_order and (not len(old[0]) or open_t.min() > old[0][-1])
        if resort and after:
            if len(open_t) > 1:
                order = np.lexsort(new[::-1])
                new = tuple(c[order] for c in new)
            q = new if not len(old[0]) else tuple(map(np.concatenate, zip(old, new, strict=True)))
        else:
            q = tuple(map(np.concatenate, zip(old, new, strict=True)))
            if resort:
                order = np.lexsort(q[::-1])
                q = tuple(c[order] for c in q)
        self._q = q
        self._in_order = resort or len(q[0]) <= 1

    def __repr__(self) -> str:
        return f"<Institution {self.key}#{self.instance} ({self.spec.actor}) staff={self.staff:g} windows={self.windows} queue={len(self.queue)}>"

    # ------------------------------------------------------------------ per day
    def open_hours_on(self, day: int) -> float:
        return self._hours_on[day % 7]

    def absence_share(self, absence: float) -> float:
        """The chance a post is empty for a day when each holder is away with ``absence``:
        with AB backup posts, only when the backup is away too."""
        return absence * absence if self.spec.backup else absence

    def draws_absence(self, day: int) -> bool:
        """Whether ``day`` draws its absent posts (it has posts and opens that day)."""
        return bool(self.windows) and self.open_hours_on(day) > 0

    def begin_day(self, day: int, rng: np.random.Generator, absence: float) -> None:
        """The posts whose holder is away on ``day`` (their slots are free only at closing)."""
        draw = self.draws_absence(day)
        self.set_absent(
            day, int(rng.binomial(self.windows, self.absence_share(absence))) if draw else 0
        )

    def set_absent(self, day: int, absent: int) -> None:
        """``absent`` posts are empty on ``day`` (drawn by ``begin_day``, or for every
        service point at once by ``Service``)."""
        self.absent_today = absent
        if absent:
            oc_end = self._open_day(day)[1]
            self.free.sort()
            for k in range(absent):
                self.free[k] = max(self.free[k], oc_end)

    def serve(
        self,
        day: int,
        ids: np.ndarray,
        t_arrival: np.ndarray,
        service_h: np.ndarray,
        extra_slots: int = 0,
    ):
        """Queue the new requests and start every one that can start on ``day``, with
        ``extra_slots`` volunteer slots working beside the windows today.

        Returns need ids (−1: a request of a resident not simulated), calendar arrival,
        start and end of service of the requests started today, and the staff-hours of
        service they take.
        """
        if not self.windows and self.spec.accept_first:  # accepted on the spot, checked later
            return ids, t_arrival, t_arrival, t_arrival, 0.0
        if len(ids):
            open_t = self.clock.to_open(t_arrival)
            q_open = self._q[0]
            resort = bool(len(q_open)) and open_t[0] < q_open[-1]  # an earlier arrival
            self._enqueue(open_t, ids.astype(np.int64), service_h, t_arrival, resort)
        none = np.empty(0, dtype=np.int64), np.empty(0), np.empty(0), np.empty(0), 0.0
        if not self.waiting() or not (self.free or extra_slots):
            return none
        oc_start, oc_end = self._open_day(day)
        heap = self.free + [oc_start] * extra_slots
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
        if extra_slots:  # the day's volunteer slots leave; keep the busiest posts
            heap.sort()
            heap = heap[extra_slots:]
        self.free = heap
        if not out_s:
            return none
        # the requests started leave the queue: need, service hours, calendar arrival
        k = len(out_s)
        _, out_i, svc, t_arr = (c[:k] for c in self._q)
        self._q = tuple(c[k:] for c in self._q)
        busy = float(np.cumsum(svc)[-1])  # summed in queue order, as one by one
        out_s = np.asarray(out_s)
        t_start = np.maximum(self.clock.from_open(out_s, side="right"), t_arr)
        t_end = self.clock.from_open(out_s + svc, side="left")
        t_end = np.maximum(t_end, t_start)
        return out_i, t_arr, t_start, t_end, busy

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
