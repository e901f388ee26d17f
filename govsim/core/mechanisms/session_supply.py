"""Session supply: which sessions are held each day, when they start and how many seats
they have (DOMAIN.md mechanism 7; the residents' choice to take part is ``sessions``).

Sessions come from two sources: a body's own activities and meetings, which follow its
documented cycle (``sessions_per_year``: e.g. 《村民委员会组织法》 「村民代表会议每季度召开一次」)
and are held only when its spare staff-hours after pushed-down tasks and requests have
covered their preparation (``self_governance``; 001: after 居政分离
「居委会有时间、有精力、有条件…开展自治活动」) — a session whose preparation is not covered
slips to a later day, and spare hours no session is due for are not spent on sessions —
and fixed programmes (``offers``; 000: the liaison center's activities for each group,
9:00–21:00 every day; an election on its day, held only in an election year).
A session happens in its host's (or its own) hours and has a number of seats; a small run
holds every session of the host's programme with the sample's share of its seats (ODD §2).

This file defines no ``Module``: ``Sessions`` (``sessions``) declares the parameters and
holds a ``SessionSupply``.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

import numpy as np
from pydantic import Field, model_validator

from govsim.config.declare import Hours, NonNeg, SessionKind, Share, Strict, field


class SelfGovernance(Strict):
    """How a committee spends the staff-hours left after admin tasks and requests: a share
    on household visits, and shares that may go to preparing the activities and meetings
    its cycle (``sessions_per_year``) calls for — a limit, not a source of sessions."""

    activity: Share = field(0.0, "share of spare hours that may prepare activities", "share")
    deliberation: Share = field(
        0.0, "share of spare hours that may prepare meetings (议事)", "share"
    )
    visits: Share = field(0.0, "share of spare hours on household visits", "share")
    hours_per_activity: NonNeg = field(6.0, "staff-hours to prepare and run an activity", "staff-h")
    activity_seats: int = field(30, "seats at an activity", "seats", ge=1)
    hours_per_meeting: NonNeg = field(8.0, "staff-hours to prepare and chair a meeting", "staff-h")
    meeting_seats: int = field(40, "seats at a meeting", "seats", ge=1)
    visits_per_hour: NonNeg = field(2.0, "households visited per staff-hour", "visits/h")

    @model_validator(mode="after")
    def _shares(self):
        total = self.activity + self.deliberation + self.visits
        if total > 1.0 + 1e-9:
            raise ValueError(f"activity + deliberation + visits must be <= 1, got {total:g}")
        return self


class SessionCycle(Strict):
    """A body's own sessions a year by kind, from its documented cycle (e.g. a meeting a
    quarter: 4); each is held once its preparation is covered (``SelfGovernance``)."""

    activity: float = field(0.0, "own activities a year", "1/yr", ge=0, le=365)
    deliberation: float = field(0.0, "own meetings a year", "1/yr", ge=0, le=365)


# the kinds of a body's own sessions
OWN_KINDS = ("activity", "deliberation")
# a body's cycle is half-way through when the run starts (assumption: the run starts on an
# ordinary day, not on the day of a meeting)
CYCLE_START = 0.5


class Offer(Strict):
    """A fixed programme of sessions residents can join at the institution's premises:
    ``sessions_per_week`` spread over open days, and/or events on ``days_of_year``
    (0–364, repeating every 365 days; day 0 is a Monday), e.g. an election."""

    kind: SessionKind = field(meaning="kind of session", unit="—")
    sessions_per_week: NonNeg = field(0.0, "sessions a week, spread over open days", "1/wk")
    days_of_year: list[Annotated[int, Field(ge=0, le=364)]] = field(
        [], "days of a fixed event (0–364; day 0 is a Monday)", "day"
    )
    seats: int = field(meaning="seats at a session", unit="seats", ge=1, le=10_000_000)
    duration_h: Annotated[float, Field(gt=0, le=24)] = field(
        2.0, "length: a resident free at any hour of it can come", "h"
    )
    hours: Hours | None = field(
        None, "when sessions may start (default: the institution's hours)", "schedule"
    )
    collects_needs: bool = field(
        False, "attendees' unreported needs are collected (搜集社情民意)", "yes/no"
    )
    adds_capacity: bool = field(
        False, "volunteer attendees add service capacity (volunteering only)", "yes/no"
    )

    @model_validator(mode="after")
    def _some_sessions(self):
        if self.sessions_per_week <= 0 and not self.days_of_year:
            raise ValueError("an offer needs sessions_per_week > 0 or days_of_year")
        return self


class Session(NamedTuple):
    """One session held today at a host's premises."""

    host: object  # the Institution agent
    kind: str
    hour: int  # start hour
    seats: int
    collects_needs: bool
    adds_capacity: bool
    duration_h: float


def _choose_hours(rng: np.random.Generator, hours: np.ndarray, n: int) -> list[int]:
    """``rng.choice(hours, size=n)`` as a list of ints: the same draws (``choice`` with
    replacement and equal chances draws ``integers(0, len(hours), n)``), without its
    overhead (none for no sessions: drawing none leaves the stream as it is)."""
    if n <= 0:
        return []
    return hours[rng.integers(0, len(hours), size=n, dtype=np.int64)].tolist()


def sample_seats(seats: int, scale: float, rng: np.random.Generator, n: int) -> list[int]:
    """Seats of ``n`` full-size sessions alike open to the simulated residents: the sample's
    share (``scale``, ODD §2) of them, each rounded at random so that the expectation is
    exact.  Every session of the host's programme is held, so a small run offers the same
    times."""
    if n <= 0:
        return []
    want = seats * scale
    return (int(want) + (rng.random(n) < want - int(want))).tolist()


class SessionSupply:
    """The sessions the hosts of a district hold: each host's programmes (``offers``) and
    its own activities and meetings (its cycle, ``sessions_per_year``, limited by the
    preparation its spare staff-hours cover, ``self_governance``), with the fractions of a
    session carried over from day to day.

    A body's own sessions fall due at its cycle's rate (a year of 365 days, starting half-way
    through a cycle); while one is due, the kind's share of the day's spare staff-hours goes
    into its preparation, and it is held on the first day its host is open once the
    preparation is covered (``hours_per_activity`` / ``hours_per_meeting``); otherwise it slips.
    Spare hours of a share no session is due for, and what is left after the last due
    session, are not spent (``unused_h``)."""

    def __init__(self, world, session_h: float, election_year: bool = True):
        self.session_h = session_h  # length of a committee's own activity or meeting
        self.election_year = election_year  # whether an offer's election is held
        self.hosts = [
            a for a in world.agents if a.spec.offers or a.spec.self_governance is not None
        ]
        self.host_masks = {a.key: world.schedules[a.key].hourly_mask() for a in self.hosts}
        # when each offer's sessions may start: its own hours, or its host's
        self.offer_masks = {}
        for a in self.hosts:
            for j, off in enumerate(a.spec.offers):
                mask = (
                    world.spec.schedule_of(off).hourly_mask()
                    if off.hours is not None
                    else self.host_masks[a.key]
                )
                self.offer_masks[(a.key, j)] = (mask, max(1, int(mask.any(axis=1).sum())))
        # sessions carried over between days (fractions of a session), per host
        self.offer_acc = {a.node: [0.0] * len(a.spec.offers) for a in self.hosts}
        # a body's own sessions: the cycle's fraction, sessions due, preparation done (h)
        self.cycle_acc = {a.node: dict.fromkeys(OWN_KINDS, CYCLE_START) for a in self.hosts}
        self.due = {a.node: dict.fromkeys(OWN_KINDS, 0) for a in self.hosts}
        self.prep_h = {a.node: dict.fromkeys(OWN_KINDS, 0.0) for a in self.hosts}
        n = len(world.agents)
        # per node: sessions held by kind (whole programme, full size), and spare staff-hours
        # of the sessions' shares not spent on any (full size)
        self.held = {}
        self.unused_h = np.zeros(n)
        self._hours_cache: dict[tuple, tuple[np.ndarray, int]] = {}

    def today(
        self, day: int, spare_hours: np.ndarray, org_factor: np.ndarray, rng: np.random.Generator
    ) -> list[Session]:
        """Every session held today, host by host in node order; ``spare_hours``: each
        institution's spare staff-hours today (``Workload``); ``org_factor``: by node, how
        many times its initial organisations are active (``Organisations``), which multiplies
        its programmes; ``rng``: the sessions' schedule stream (start hours, seats)."""
        out = []
        wd = day % 7
        for a in self.hosts:
            for j, off in enumerate(a.spec.offers):
                hours, open_days = self._start_hours(("offer", a.key, j), wd)
                if not len(hours):
                    continue
                n = 0
                if off.sessions_per_week > 0:
                    acc = self.offer_acc[a.node]
                    acc[j] += off.sessions_per_week * float(org_factor[a.node]) / open_days
                    n = int(acc[j])
                    acc[j] -= n
                starts = _choose_hours(rng, hours, n)
                # a fixed event starts when its hours open (an election only in an election year)
                if day % 365 in off.days_of_year and (off.kind != "election" or self.election_year):
                    starts.append(int(hours[0]))
                seats = sample_seats(off.seats, a.scale, rng, len(starts))
                self._count(a.node, off.kind, len(starts))
                for h, n_seats in zip(starts, seats, strict=True):
                    out.append(
                        Session(
                            a,
                            off.kind,
                            h,
                            n_seats,
                            off.collects_needs,
                            off.adds_capacity,
                            off.duration_h,
                        )
                    )
            sg, cycle = a.spec.self_governance, a.spec.sessions_per_year
            if sg is None or cycle is None:
                continue
            hours = self._start_hours(("host", a.key), wd)[0]
            spare = max(0.0, float(spare_hours[a.node]))
            for kind, share, per, seats in (
                ("activity", sg.activity, sg.hours_per_activity, sg.activity_seats),
                ("deliberation", sg.deliberation, sg.hours_per_meeting, sg.meeting_seats),
            ):
                n = self._own_sessions(
                    a.node, kind, getattr(cycle, kind), spare * share, per, len(hours) > 0
                )
                if not n:
                    continue
                self._count(a.node, kind, n)
                starts = _choose_hours(rng, hours, n)
                for h, n_seats in zip(starts, sample_seats(seats, a.scale, rng, n), strict=True):
                    # meetings collect opinions and problems (001: 居民议事会)
                    out.append(
                        Session(a, kind, h, n_seats, kind == "deliberation", False, self.session_h)
                    )
        return out

    def _own_sessions(
        self, node: int, kind: str, per_year: float, hours: float, per: float, is_open: bool
    ) -> int:
        """A body's own sessions of ``kind`` held today: those of its cycle (``per_year``)
        due whose preparation (``per`` staff-hours each) is covered with today's ``hours``,
        if its host is open today (``is_open``); hours no due session needs are unused."""
        acc = self.cycle_acc[node]
        acc[kind] += per_year / 365.0
        new = int(acc[kind])
        acc[kind] -= new
        due = self.due[node]
        due[kind] += new
        if not due[kind]:
            self.unused_h[node] += hours
            return 0
        prep = self.prep_h[node][kind] + hours
        n = 0 if not is_open else due[kind] if per <= 0 else min(due[kind], int(prep / per))
        prep -= n * per
        due[kind] -= n
        if not due[kind]:  # nothing more due: what is left over is not spent
            self.unused_h[node] += prep
            prep = 0.0
        self.prep_h[node][kind] = prep
        return n

    def _count(self, node: int, kind: str, n: int) -> None:
        if n:
            got = self.held.setdefault(node, {})
            got[kind] = got.get(kind, 0) + n

    def _start_hours(self, key: tuple, wd: int) -> tuple[np.ndarray, int]:
        """Hours a session may start on weekday ``wd`` (and the open days a week) of an
        offer ``("offer", host key, j)`` or of a host's own sessions ``("host", key)``."""
        got = self._hours_cache.get((key, wd))
        if got is None:
            if key[0] == "offer":
                mask, open_days = self.offer_masks[key[1:]]
            else:
                mask, open_days = self.host_masks[key[1]], 0
            got = self._hours_cache[(key, wd)] = (np.flatnonzero(mask[wd]), open_days)
        return got
