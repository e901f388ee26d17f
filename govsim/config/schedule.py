"""Weekly opening hours and the "open clock".

Mechanism 2 of DOMAIN.md (capacity and time): a service point works only while it is
open — office hours in the traditional structure (004), 9:00–21:00 every day of the year
at liaison centers (000: "实行全年无休的工作制度,每天开放时间为上午9点至晚上9点"),
staggered hours and a holiday rota (001: "错时上下班"、"节假日轮休").

Time in govsim is in hours since day 0, 00:00; day 0 is a Monday.  A ``WeeklySchedule``
maps calendar time to *open time* (cumulative open hours), so a queue can be computed in
open time, where the server is always on duty, and mapped back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WeeklySchedule:
    """Open intervals per weekday: ``intervals[w]`` is a tuple of (start_h, end_h)."""

    intervals: tuple[tuple[tuple[float, float], ...], ...]

    @classmethod
    def always(cls) -> WeeklySchedule:
        return cls(tuple(((0.0, 24.0),) for _ in WEEKDAYS))

    @classmethod
    def from_blocks(cls, blocks: list[tuple[list[str], list[tuple[float, float]]]]):
        """Build from ``[(days, [(start, end), ...]), ...]``; later blocks add hours."""
        per_day: list[list[tuple[float, float]]] = [[] for _ in WEEKDAYS]
        for days, spans in blocks:
            for d in days:
                per_day[WEEKDAYS.index(d)].extend((float(a), float(b)) for a, b in spans)
        merged = []
        for spans in per_day:
            spans = sorted(spans)
            out: list[list[float]] = []
            for a, b in spans:
                if out and a <= out[-1][1]:
                    out[-1][1] = max(out[-1][1], b)
                else:
                    out.append([a, b])
            merged.append(tuple((a, b) for a, b in out))
        return cls(tuple(merged))

    def hours_per_week(self) -> float:
        return sum(b - a for day in self.intervals for a, b in day)

    def hours_on(self, weekday: int) -> float:
        return sum(b - a for a, b in self.intervals[weekday])

    def hourly_mask(self) -> np.ndarray:
        """Boolean [7, 24]: open at the start of each hour (h, h+1) for at least half of it."""
        mask = np.zeros((7, 24), dtype=bool)
        for w, day in enumerate(self.intervals):
            for a, b in day:
                for h in range(24):
                    overlap = max(0.0, min(b, h + 1) - max(a, h))
                    if overlap >= 0.5:
                        mask[w, h] = True
        return mask


class OpenClock:
    """Maps calendar hours to cumulative open hours of one ``WeeklySchedule``.

    ``to_open(t)`` is non-decreasing and flat while closed; ``from_open(x)`` gives the
    earliest calendar time at which ``x`` open hours have elapsed.
    """

    def __init__(self, schedule: WeeklySchedule, days: int = 800):
        self.schedule = schedule
        self._days = 0
        self._start = np.empty(0)
        self._end = np.empty(0)
        self._cum_end = np.empty(0)
        self.extend(days)

    def extend(self, days: int) -> None:
        if days <= self._days:
            return
        starts, ends = [], []
        for d in range(days):
            for a, b in self.schedule.intervals[d % 7]:
                starts.append(d * 24.0 + a)
                ends.append(d * 24.0 + b)
        if not starts:
            raise ValueError("a schedule with no open hours has no open clock")
        self._start = np.asarray(starts)
        self._end = np.asarray(ends)
        self._cum_end = np.cumsum(self._end - self._start)
        self._knots_t = np.column_stack([self._start, self._end]).ravel()
        self._knots_x = np.column_stack(
            [self._cum_end - (self._end - self._start), self._cum_end]
        ).ravel()
        self._days = days

    def _ensure(self, t_max: float) -> None:
        while t_max >= self._days * 24.0 - 24.0:
            self.extend(self._days * 2)

    def to_open(self, t):
        t = np.asarray(t, dtype=float)
        if t.size:
            self._ensure(float(t.max()))
        return np.interp(t, self._knots_t, self._knots_x, left=0.0)

    def from_open(self, x, side: str = "left"):
        """Calendar time at which ``x`` open hours have elapsed.

        ``side="left"``: the end of the open interval where ``x`` is reached (a completion);
        ``side="right"``: the start of the next interval when ``x`` falls on a closed gap
        (a start of work).
        """
        x = np.asarray(x, dtype=float)
        if x.size:
            while float(x.max()) >= self._cum_end[-1] - 24.0:
                self.extend(self._days * 2)
        idx = np.searchsorted(self._cum_end, x, side=side)
        return self._end[idx] - (self._cum_end[idx] - x)

    def next_open(self, t):
        """Earliest open calendar time at or after ``t`` (t itself if open)."""
        return np.maximum(t, self.from_open(self.to_open(t), side="right"))
