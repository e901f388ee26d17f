"""Session supply: which sessions are held each day, when they start and how many seats
they have (DOMAIN.md mechanism 7; the residents' choice to take part is ``sessions``).

Sessions come from two sources: a committee's spare staff-hours after pushed-down tasks
and requests (``self_governance``; 001: after 居政分离
「居委会有时间、有精力、有条件…开展自治活动」), and fixed programmes (``offers``; 000: the
liaison center's activities for each group, 9:00–21:00 every day; an election on its day).
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
    """How a committee spends the staff-hours left after admin tasks and requests."""

    activity: Share = field(0.0, "share of spare hours on activities", "share")
    deliberation: Share = field(0.0, "share of spare hours on meetings (议事)", "share")
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
    overhead."""
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
    its committee's own activities and meetings (``self_governance``), with the fractions
    of a session carried over from day to day."""

    def __init__(self, world, session_h: float):
        self.session_h = session_h  # length of a committee's own activity or meeting
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
        self.selfgov_acc = {a.node: {"activity": 0.0, "deliberation": 0.0} for a in self.hosts}
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
                if day % 365 in off.days_of_year:  # a fixed event starts when its hours open
                    starts.append(int(hours[0]))
                seats = sample_seats(off.seats, a.scale, rng, len(starts))
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
            sg = a.spec.self_governance
            hours = self._start_hours(("host", a.key), wd)[0]
            spare = float(spare_hours[a.node])
            if sg is not None and spare > 0 and len(hours):
                acc = self.selfgov_acc[a.node]
                for kind, share, per, seats in (
                    ("activity", sg.activity, sg.hours_per_activity, sg.activity_seats),
                    ("deliberation", sg.deliberation, sg.hours_per_meeting, sg.meeting_seats),
                ):
                    if share <= 0 or per <= 0:
                        continue
                    acc[kind] += spare * share / per
                    n = int(acc[kind])
                    acc[kind] -= n
                    starts = _choose_hours(rng, hours, n)
                    for h, n_seats in zip(
                        starts, sample_seats(seats, a.scale, rng, n), strict=True
                    ):
                        # meetings collect opinions and problems (001: 居民议事会)
                        out.append(
                            Session(
                                a, kind, h, n_seats, kind == "deliberation", False, self.session_h
                            )
                        )
        return out

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
