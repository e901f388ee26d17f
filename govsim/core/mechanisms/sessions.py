"""Sessions and the choice to take part (DOMAIN.md mechanism 7).

Which sessions are held, when and with how many seats is the session supply
(``session_supply``: a committee's spare staff-hours after pushed-down tasks and requests,
001 「居委会有时间、有精力、有条件…开展自治活动」, and fixed programmes, 000: the liaison
center's activities; an election on its day); this module declares its parameters and lets
residents choose.

A resident can join a session of their own catchment's host if they are free at its hour.
The daily chance is a logistic function of propensity, trust, belonging, the share of ties
who took part in the last 30 days, an invitation, points on offer (002: 民生银行积分) and
walking time — coefficients from the population profile, the same for every structure.
Taking part meets a wish for an activity; sessions that collect needs hand attendees'
pending needs to the intake (001: 居民议事会 「负责收集来自各方面的意见建议」; 000:
「搜集社情民意」); volunteers add service capacity to their host for the next day.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

import numpy as np

from govsim.config.declare import (
    REQUIRED,
    Const,
    Par,
    SessionKind,
    every,
)
from govsim.config.reading import ScenarioError
from govsim.config.scenario import check_routes
from govsim.config.schedule import WEEKDAYS
from govsim.config.vocabulary import NEED_TYPE_KEYS, SESSION_KINDS
from govsim.core.measure import settled, share
from govsim.core.mechanisms.routing import Invitations
from govsim.core.mechanisms.session_supply import (
    OWN_KINDS,
    Offer,
    SelfGovernance,
    Session,
    SessionCycle,
    SessionSupply,
)
from govsim.core.module import Module, Outcome, State, Step
from govsim.core.population import free_time_mask
from govsim.core.records import (
    ACTIVITY,
    CHILD,
    DISCOVERED,
    IN_SYSTEM,
    NEVER,
    RESOLVED,
    UNREPORTED,
    Reports,
)
from govsim.core.structure import open_some_time

KINDS = tuple(SESSION_KINDS)
# ongoing community life; an election is counted on its own (participation_election and
# the yearly civic measure), so it does not make a one-day spike in the 30-day rate
ONGOING = ("activity", "deliberation", "volunteering")
RECENT_DAYS = 30  # the window of "taking part" (DOMAIN.md §4)
# the headline participation counts the days from this one on: before it, the 30-day window
# reaches back before the run (nobody has taken part yet)
WARMUP_DAYS = RECENT_DAYS
CIVIC_DAYS = 365  # the window of the yearly civic measure (deliberation or election)
VOLUNTEER_SHIFT_H = 3.0  # assumption: a volunteer gives about three hours a session
SESSION_H = 2.0  # assumption: a committee's activity or meeting lasts about two hours
ARRIVE_AFTER_H = 0.5  # a session's attendees are met half an hour after it starts


class Attendance(NamedTuple):
    """Residents who took part in sessions of one kind today."""

    kind: str
    residents: np.ndarray


class Day(NamedTuple):
    """What today's sessions hand on: attendances (for feedback and incentives), wishes for
    an activity met (need ids), and volunteer slots by institution node for tomorrow."""

    attendances: list[Attendance]
    wishes_met: np.ndarray
    volunteer_slots: np.ndarray


def free_during(free: np.ndarray, tu, wd: int, start: int, duration: float) -> np.ndarray:
    """Whether residents of time-use class(es) ``tu`` are free at any hour of a session."""
    end = min(24, start + max(1, int(np.ceil(duration))))
    return free[tu, wd, start:end].any(axis=-1)


def _stable_order(values: np.ndarray, bound: int) -> np.ndarray:
    """``argsort(values, kind="stable")`` of integers in ``[0, bound)``; 16-bit keys when
    they fit, which numpy sorts by radix in linear time."""
    if bound <= np.iinfo(np.int16).max:
        values = values.astype(np.int16)
    return np.argsort(values, kind="stable")


def _rank_in_runs(values: np.ndarray) -> np.ndarray:
    """For sorted ``values``, each element's place among the equal ones before it (0, 1, …)."""
    idx = np.arange(len(values))
    start = np.ones(len(values), dtype=bool)
    start[1:] = values[1:] != values[:-1]
    return idx - np.maximum.accumulate(np.where(start, idx, 0))


class _LastDays:
    """How many residents' last day of something (taking part) fell on each day, kept as
    it moves: counts over a window of days cost the window's length, not a pass over the
    residents.  ``last``: a per-resident day (``NEVER`` for never), written only through
    ``set``; ``counted``: which residents are counted (None: all)."""

    def __init__(self, last: np.ndarray, counted: np.ndarray | None = None):
        self.last = last
        self.counted = counted
        seen = last[last >= 0] if counted is None else last[(last >= 0) & counted]
        self.by_day = np.bincount(seen, minlength=512).astype(np.int64)

    def set(self, who: np.ndarray, day: int) -> None:
        """Residents ``who`` (no repeats) took part on ``day`` (no earlier than their last)."""
        if self.counted is not None:
            who = who[self.counted[who]]
        old = self.last[who]
        old = old[old >= 0]
        while day >= len(self.by_day):
            self.by_day = np.concatenate([self.by_day, np.zeros_like(self.by_day)])
        if len(old):
            self.by_day[: int(old.max()) + 1] -= np.bincount(old)
        self.by_day[day] += len(who)
        self.last[who] = day

    def since(self, first: int) -> int:
        """Residents counted whose last day is ``first`` or later."""
        return int(self.by_day[max(first, 0) :].sum())


class Sessions(Module):
    name = "sessions"
    pars = (
        Par(
            "institutions.*.self_governance",
            SelfGovernance | None,
            None,
            "how spare staff-hours are spent",
            "—",
        ),
        Par(
            "institutions.*.sessions_per_year",
            SessionCycle | None,
            None,
            "own activities and meetings a year, from the body's documented cycle "
            "(needed with self_governance)",
            "—",
        ),
        Par(
            "institutions.*.offers",
            list[Offer],
            [],
            "fixed programmes of sessions (kind, sessions a week or days of the year, seats)",
            "—",
        ),
        Par(
            "behaviour.base_logit",
            Annotated[dict[SessionKind, float], every(KINDS, "session kind")],
            REQUIRED,
            "logit of joining an available session, by kind",
            "logit",
        ),
        Par("behaviour.propensity", float, REQUIRED, "logit weight of propensity", "logit"),
        Par("behaviour.trust", float, REQUIRED, "logit weight of trust − ½", "logit"),
        Par("behaviour.belonging", float, REQUIRED, "logit weight of belonging − ½", "logit"),
        Par(
            "behaviour.peers",
            float,
            REQUIRED,
            "logit weight of the share of ties active in 30 days",
            "logit",
        ),
        Par("behaviour.invited", float, REQUIRED, "logit weight of an invitation", "logit"),
        Par("behaviour.points", float, REQUIRED, "logit weight of points on offer", "logit"),
        Par("behaviour.distance_per_15min"),
        Par("incentives.points"),
    )
    states = (
        State("last_day", np.int32, NEVER, "day of last taking part, by session kind", KINDS),
        State("invited_until", np.int32, NEVER, "last day an invitation counts"),
        State("member_of", np.int32, -1, "institution node last volunteered with (-1: none)"),
        State(
            "days_recent",
            np.int32,
            0,
            "days after the warm-up on which the resident had taken part in the last 30 days",
        ),
    )
    streams = ("schedule", "assign")
    keyed = ("choice",)  # whether to go: keyed by resident, day and kind
    constants = (
        Const(
            "RECENT_DAYS",
            "window of taking part (participation rate)",
            "days",
            "DOMAIN.md §4: the last 30 days",
        ),
        Const(
            "CIVIC_DAYS",
            "window of the yearly civic measure (deliberation or election)",
            "days",
            "a year: committees are elected for terms of years (《城市居民委员会组织法》)",
        ),
        Const(
            "WARMUP_DAYS",
            "the averaged participation counts the days from this one on",
            "days",
            "the 30-day window: before it, the window reaches back before the run",
        ),
        Const("VOLUNTEER_SHIFT_H", "hours a volunteer gives in a session", "h", "assumption"),
        Const("SESSION_H", "length of a committee activity or meeting", "h", "assumption"),
        Const(
            "ARRIVE_AFTER_H",
            "attendees are met this long after a session starts",
            "h",
            "assumption: half an hour",
        ),
    )
    outcomes = (
        # The headline: the 30-day share averaged over the days of the run after a 30-day
        # warm-up.  Bodies meet on cycles (quarterly meetings, 《村民委员会组织法》), so the
        # share of the last 30 days of a run rises and falls with the day it stops; averaged
        # over the days, a cycle's meetings count by how often they come, whatever the
        # stopping day (a run of 180 days and one of 365 give nearly the same value,
        # tests/test_sessions_calendar.py).
        Outcome(
            "participation_mean",
            "参与率（近30天，逐日平均）",
            "participation, 30-day share averaged over the days",
            "share",
            headline=1,
            by_group=True,
            better="higher",
            matters=0.01,
            matters_source="assumption: one percentage point of residents (a survey of 3,000 "
            "residents measures a 30% share to about ±1.6 points at 95%)",
        ),
        Outcome(
            "participation_rate",
            "近30天参与率（运行末）",
            "participation, last 30 days of the run",
            "share",
            by_group=True,
            daily=True,
            better="higher",
        ),
        Outcome(
            "wishes_met_share",
            "活动愿望实现比例",
            "activity wishes met",
            "share",
            headline=2,
            by_group=True,
            better="higher",
            matters=0.02,
            matters_source="assumption: two percentage points of the activity wishes residents have",
        ),
        Outcome(
            "wish_met_median_h",
            "愿望实现时间中位数",
            "time to a wish met, median",
            "h",
            by_group=True,
        ),
        Outcome(
            "participation_activity",
            "活动参与率",
            "activity participation",
            "share",
            by_group=True,
            daily=True,
        ),
        Outcome(
            "participation_deliberation",
            "议事参与率",
            "deliberation participation",
            "share",
            by_group=True,
            daily=True,
        ),
        Outcome(
            "participation_volunteering",
            "志愿参与率",
            "volunteering participation",
            "share",
            by_group=True,
            daily=True,
        ),
        Outcome(
            "participation_election",
            "近30天选举参与率",
            "election participation, last 30 days",
            "share",
            by_group=True,
            daily=True,
        ),
        Outcome(
            "participation_civic_year",
            "近一年议事/选举参与率（成年人）",
            "deliberation or election in the last year, adults",
            "share",
            by_group=True,
            daily=True,
            better="higher",
        ),
    )

    steps = (
        Step("arise", "invite", ("invitations_at_arising",)),
        Step("report", "invite", ("invitations_from_reports",)),
        Step("discover", "invite", ("invitations_from_discovery",)),
        Step(
            "sessions",
            "step",
            ("spare_hours", "org_factor"),
            ("attendances", "wishes_met", "volunteer_slots"),
        ),
    )
    uses = ("intake", "deliberate")
    provides = ("recent_any", "invite", "unspent_hours")

    @classmethod
    def check(cls, sc, path) -> None:
        """An offer is open some time, its fixed days fall on open weekdays; self-governance
        needs staff; needs collected at a host's sessions can be settled from there."""
        for name, inst in sc.institutions.items():
            for j, off in enumerate(inst.offers):
                key = f"institutions.{name}.offers.{j}"
                if off.hours is not None:
                    open_some_time(path, f"{key}.hours", off.hours)
                sched = sc.schedule_of(off if off.hours is not None else inst)
                for d in off.days_of_year:
                    if sched.hours_on(d % 7) <= 0:
                        raise ScenarioError(
                            path,
                            f"{key}.days_of_year",
                            f"day {d} is a {WEEKDAYS[d % 7]}, when the offer's hours are "
                            "closed; choose a day whose weekday is open",
                        )
            sg, cycle = inst.self_governance, inst.sessions_per_year
            if sg is not None and inst.windows == 0 and inst.staff <= 0:
                raise ScenarioError(
                    path, f"institutions.{name}.staff", "self-governance needs staff > 0"
                )
            if sg is not None and cycle is None:
                raise ScenarioError(
                    path,
                    f"institutions.{name}.sessions_per_year",
                    "a body with self_governance needs its documented cycle of own sessions, "
                    "e.g. sessions_per_year = { value = { deliberation = 4, activity = 52 }, "
                    'source = "…" } (a number a year for each kind, 0 for none)',
                )
            if cycle is not None and sg is None:
                raise ScenarioError(
                    path,
                    f"institutions.{name}.sessions_per_year",
                    "a cycle of own sessions needs self_governance (whose spare hours prepare them)",
                )
            for kind in OWN_KINDS if sg is not None else ():
                if getattr(cycle, kind) > 0 and getattr(sg, kind) <= 0:
                    raise ScenarioError(
                        path,
                        f"institutions.{name}.self_governance.{kind}",
                        f"the cycle holds {getattr(cycle, kind):g} {kind} sessions a year, "
                        "whose preparation needs a share of spare hours > 0",
                    )
        check_routes(
            sc,
            {
                (t, name, f"institutions.{name}")
                for name, inst in sc.institutions.items()
                if inst.offers or inst.self_governance is not None
                for t in NEED_TYPE_KEYS
            },
        )

    def setup(self) -> None:
        world = self.w
        model_kinds = world.kinds
        self.free = free_time_mask()  # [3, 7, 24]
        self.supply = SessionSupply(world, SESSION_H, world.spec.scenario.election_year)
        self.beh = beh = world.population.behaviour
        self.dist_logit = {
            k.key: beh.distance_per_15min * k.walk_min[world.residents.building] / 15.0
            for k in model_kinds
            if any(a.kind is k for a in self.supply.hosts)
        }
        pts = world.spec.incentives.points
        self.points_per = {k: (pts.per_session.get(k, 0.0) if pts else 0.0) for k in KINDS}
        deg = np.asarray(world.ties.sum(axis=1)).ravel()
        self.inv_degree = np.where(deg > 0, 1.0 / np.maximum(deg, 1), 0.0).astype(np.float32)
        self.attendance = {k: 0 for k in KINDS}
        self.sessions_held = {k: 0 for k in KINDS}
        self._free_cache: dict[tuple[int, int, float], np.ndarray] = {}
        self._recent: tuple[int, np.ndarray] | None = None  # (day, recent_any(day))
        self._ties_recent: np.ndarray | None = None  # ``recent`` of the last ``_active_ties``
        self._ties_count: np.ndarray | None = None
        self._flat_cache: dict[str, np.ndarray] = {}
        self._masks: dict[tuple, np.ndarray] = {}  # ``_avail_mask``
        self._scratch: dict[tuple, np.ndarray] = {}  # per-resident arrays, ``_by_resident``
        # last days of taking part, counted by day (``_LastDays``): by kind; the latest of
        # the ongoing kinds (``recent_any``); the latest deliberation or election of adults
        r = world.residents
        adult = r.age_group != CHILD
        self._adults = int(np.count_nonzero(adult))
        self._last = {k: _LastDays(r.last_day[k]) for k in KINDS}
        self._last_ongoing = _LastDays(np.max([r.last_day[k] for k in ONGOING], axis=0))
        civic = np.maximum(r.last_day["deliberation"], r.last_day["election"])
        self._last_civic = _LastDays(np.where(adult, civic, NEVER).astype(np.int32), adult)

    # ------------------------------------------------------------------ invitations
    def invite(self, day: int, invitations: Invitations) -> None:
        """Residents invited to take part until the given day (keeps the later one)."""
        until = self.w.residents.invited_until
        # days fit the array's type; in it, ufunc.at takes its fast path (no casting)
        np.maximum.at(until, invitations.residents, invitations.until.astype(until.dtype))

    # ------------------------------------------------------------------ choices
    def step(self, day: int, spare_hours: np.ndarray, org_factor: np.ndarray) -> Day:
        """Hold today's sessions and let residents choose.  ``spare_hours``: each
        institution's spare staff-hours today (``Workload``); ``org_factor``: its active
        organisations against the initial number (``Organisations``).  Collected needs go
        to a council that can settle them (``Deliberation``) or to the intake
        (``Routing.intake``) at once."""
        intake = self.services["intake"]
        slots = np.zeros(len(self.w.agents), dtype=np.int64)
        day_out = Day([], np.empty(0, dtype=np.int64), slots)
        sessions = self.supply.today(day, spare_hours, org_factor, self.rng["schedule"])
        if not sessions:
            self._count_recent(day)
            return day_out
        wd = day % 7
        base = self._base(day)
        by_kind: dict[str, list] = {}
        for s in sessions:
            by_kind.setdefault(s.kind, []).append(s)
        met = []
        for kind in KINDS:
            if kind in by_kind:
                got = self._choose(day, wd, kind, by_kind[kind], base, slots, intake)
                if got is not None:
                    day_out.attendances.append(Attendance(kind, got[0]))
                    met.append(got[1])
        if met:
            day_out = day_out._replace(wishes_met=np.concatenate(met))
        self._count_recent(day)
        return day_out

    def _base(self, day: int) -> np.ndarray:
        """Each resident's logit of taking part before the session's kind, host and
        distance (float32): propensity, trust, belonging, active ties and an invitation.

        The float32 terms are summed in place; an invitation's weight is added in float64
        (a Python float times a boolean array), so the invited residents' sums are taken to
        float64, added to and rounded back: the same bits as summing every resident in
        float64 (adding 0.0 changes nothing)."""
        r, beh = self.w.residents, self.beh
        base = np.multiply(r.propensity, beh.propensity)
        tmp = np.subtract(r.trust, 0.5)
        tmp *= beh.trust
        base += tmp
        np.subtract(r.belonging, 0.5, out=tmp)
        tmp *= beh.belonging
        base += tmp
        np.multiply(self._active_ties(self.recent_any(day)), self.inv_degree, out=tmp)
        tmp *= beh.peers
        base += tmp
        invited = np.flatnonzero(r.invited_until >= day)
        if len(invited):
            base[invited] = (base[invited].astype(np.float64) + beh.invited).astype(np.float32)
        return base

    def _count_recent(self, day: int) -> None:
        """After today's sessions: from the warm-up on, count the day for each resident who
        took part in the last 30 days (the averaged participation, ``participation_mean``)."""
        if day >= WARMUP_DAYS:
            self.w.residents.days_recent += self.recent_any(day)

    def _choose(self, day, wd, kind, sessions, base, slots, intake):
        self.sessions_held[kind] += len(sessions)
        r = self.w.residents
        rng = self.rng["assign"]  # which host kind, order of arrival, which session
        # which time-use classes are free at each session; which host kinds offer this
        # session kind today, their sessions (in list order), and to whom
        free = self._free_at(wd, sessions)
        host = [s.host.node for s in sessions]
        by_host_kind: dict[str, tuple] = {}
        for si, s in enumerate(sessions):
            k = s.host.kind
            got = by_host_kind.get(k.key)
            if got is None:
                got = by_host_kind[k.key] = (k, [])
            got[1].append(si)
        k_list = [k for k, _ in by_host_kind.values()]
        ours = [o for _, o in by_host_kind.values()]
        # by host kind, for each [instance, time-use class] cell the sessions it is free for
        cells = [self._cells(k, o, host, free) for k, o in zip(k_list, ours, strict=True)]
        # each resident's chance to go to a session of each host kind (0 if not free for one)
        p_list = self._chances(kind, k_list, cells, base)
        p_any = p_list[0]
        if len(p_list) > 1:  # 1 − Π(1 − p), multiplied in the kinds' order
            p_any = np.subtract(1.0, p_any)
            q = np.empty_like(p_any)
            for p in p_list[1:]:
                np.subtract(1.0, p, out=q)
                p_any *= q
            np.subtract(1.0, p_any, out=p_any)
        # whether each resident goes today: keyed by resident, day and session kind
        u = self.keyed_stream("choice", day, KINDS.index(kind)).random(r.n)
        cand = np.flatnonzero(u < p_any)
        if not len(cand):
            return None
        # which host kind each candidate goes to
        choice = None
        if len(p_list) > 1:
            # the first kind whose running sum of chances (float32, as a cumsum) is above a
            # uniform times the total: the number of running sums at or below it
            cums = [p_list[0][cand]]
            for p in p_list[1:]:
                cums.append(cums[-1] + p[cand])
            x = rng.random(len(cand)) * cums[-1]
            choice = (x > cums[0]).astype(np.int64)
            for c in cums[1:]:
                choice += x > c
        # assign to a session of their host instance they are free for, then seats; each
        # candidate's [instance, time-use class] cell is looked up in resident order, then
        # put in order of arrival
        order = rng.permutation(len(cand))
        seats = np.array([s.seats for s in sessions], dtype=np.int64)
        tu = r.time_use
        arriving = cand[order]
        if choice is not None:
            choice = choice[order]
        attendees, hosts_of = [], []
        for ci, k in enumerate(k_list):
            cell = self._instance_tu(k, tu)[arriving]
            mine = arriving
            if choice is not None:
                chose = choice == ci
                cell, mine = cell[chose], mine[chose]
            got = self._seat(k, mine, cell, ours[ci], host, cells[ci], seats, rng)
            if got is not None:
                attendees.append(got[0])
                hosts_of.append(got[1])
        if not attendees:
            return None
        who = attendees[0] if len(attendees) == 1 else np.concatenate(attendees)
        sess = hosts_of[0] if len(hosts_of) == 1 else np.concatenate(hosts_of)
        met = self._attend(day, kind, who, sess, sessions, slots, intake)
        return who, met

    def _free_at(self, wd: int, sessions: list[Session]) -> list[tuple[bool, bool, bool]]:
        """For each session, by time-use class: free at any hour of it."""
        cache = self._free_cache
        rows = []
        for s in sessions:
            key = (wd, s.hour, s.duration_h)
            row = cache.get(key)
            if row is None:
                got = free_during(self.free, slice(None), wd, s.hour, s.duration_h)
                row = cache[key] = tuple(bool(x) for x in got)
            rows.append(row)
        return rows

    @staticmethod
    def _cells(k, ours, host, free) -> list[list[int]]:
        """For each [instance, time-use class] cell of host kind ``k`` (flat), the sessions
        ``ours`` (ascending) of its instance that the class is free for, in order."""
        cells: list[list[int]] = [[] for _ in range(k.n_instances * 3)]
        lo = k.first_node
        for si in ours:
            at = (host[si] - lo) * 3
            for c, ok in enumerate(free[si]):
                if ok:
                    cells[at + c].append(si)
        return cells

    def _chances(self, kind, k_list, cells, base) -> list[np.ndarray]:
        """For each host kind, each resident's chance to go to one of its sessions today:
        logistic in ``base`` + the session kind's base logit and points + walking distance
        if free for a session of their instance of it, else 0."""
        beh, tu = self.beh, self.w.residents.time_use
        extra = np.float32(beh.base_logit[kind] + beh.points * (self.points_per[kind] > 0))
        neg = np.add(base, extra)
        np.negative(neg, out=neg)
        p_list = []
        for k, kind_cells in zip(k_list, cells, strict=True):
            # which [instance, time-use class] cells hold a session the class is free for
            avail = {i for i, c in enumerate(kind_cells) if c}
            # 1 / (1 + e^−logit), in place; −logit = −(base + extra) − distance
            p = np.subtract(neg, self.dist_logit[k.key])
            np.exp(p, out=p)
            p += 1.0
            np.divide(1.0, p, out=p)
            if len(avail) < k.n_instances * 3:  # 0 if not free for a session of their instance
                p *= self._avail_mask(k, frozenset(avail), tu)
            p_list.append(p)
        return p_list

    def _avail_mask(self, k, avail: frozenset, tu) -> np.ndarray:
        """Whether each resident's [instance, time-use class] cell of kind ``k`` is among
        ``avail``; kept for a kind of one instance, whose patterns (at most 7 short of all
        three classes) recur day after day, so a day repeating one costs no pass over the
        residents (with more instances patterns seldom recur: made each time)."""
        key = (k.key, avail)
        mask = self._masks.get(key)
        if mask is None:
            flat = np.zeros(k.n_instances * 3, dtype=bool)
            flat[list(avail)] = True
            mask = flat.take(self._instance_tu(k, tu))
            if k.n_instances == 1:
                self._masks[key] = mask
        return mask

    def _instance_tu(self, k, tu) -> np.ndarray:
        """Each resident's cell of an [instance, time-use class] table of kind ``k``."""
        flat = self._flat_cache.get(k.key)
        if flat is None:
            flat = self._flat_cache[k.key] = k.resident_instance.astype(np.intp) * 3 + tu
        return flat

    def _seat(self, k, mine, cell, ours, host, cells, seats, rng):
        """Candidates ``mine`` (in order of arrival; ``cell``: their [instance, time-use
        class] cells, ``_instance_tu``) for host kind ``k`` pick a session of their instance
        they are free for; by session, the first ``seats`` to arrive get in.  ``ours``: the
        kind's sessions (ascending); ``cells``: by cell, those it is free for.  Returns attendees and their sessions (by session,
        then arrival), or None.

        Draws: one uniform per candidate whose instance holds a session, by instance in
        ascending order, candidates in order of arrival.  Sessions are listed host by host
        in node order (``sessions_today``), so session order is instance order."""
        if not len(mine):
            return None
        n_inst = k.n_instances
        if len(ours) == 1:
            return self._seat_one(k, mine, cell, ours[0], host, cells, seats, rng)
        # for each [instance, time-use class] cell, the sessions it is free for:
        # table[cell, p] is the (p+1)-th of them, -1 past the last
        held = [0] * n_inst
        for si in ours:
            held[host[si] - k.first_node] += 1
        width = max(held) + 1
        table = np.array([c + [-1] * (width - len(c)) for c in cells], dtype=np.int64)
        count = np.array([len(c) for c in cells], dtype=np.int64)
        # each candidate's draw, taken by instance (ascending), then in order of arrival
        if n_inst == 1:
            u = rng.random(len(mine))
        else:
            u = np.zeros(len(mine))
            inst = cell // 3
            by_inst = _stable_order(inst, n_inst)
            if not all(held):  # no draw where the instance holds no session
                by_inst = by_inst[np.array(held)[inst[by_inst]] > 0]
            u[by_inst] = rng.random(len(by_inst))
        pick = (u * count[cell]).astype(np.int64)
        np.minimum(pick, width - 1, out=pick)
        sess = table[cell, pick]
        rows = np.flatnonzero(sess >= 0)
        if not len(rows):
            return None
        # by session (so by instance), in order of arrival: the first ``seats`` get in
        j = sess[rows]
        order = _stable_order(j, len(seats))
        rows, j = rows[order], j[order]
        keep = _rank_in_runs(j) < seats[j]
        if not keep.any():
            return None
        return mine[rows[keep]], j[keep]

    @staticmethod
    def _seat_one(k, mine, cell, si, host, cells, seats, rng):
        """``_seat`` when the kind holds one session today (``si``): the same draws (one per
        candidate of its instance; with one session to pick, their values choose nothing),
        then its first ``seats`` candidates in order of arrival whose class is free for it."""
        at = (host[si] - k.first_node) * 3
        if k.n_instances == 1:
            rng.random(len(mine))
        else:
            rng.random(int(np.count_nonzero(cell // 3 == at // 3)))
        ok = np.array([bool(c) for c in cells])  # the cells free for its one session
        rows = np.flatnonzero(ok[cell])[: int(seats[si])]
        if not len(rows):
            return None
        return mine[rows], np.full(len(rows), si, dtype=np.int64)

    def _attend(self, day, kind, who, sess, sessions, slots, intake) -> np.ndarray:
        """Record attendance; returns the wishes for an activity it met."""
        r = self.w.residents
        self.attendance[kind] += len(who)
        self._last[kind].set(who, day)  # writes r.last_day[kind]
        if kind in ONGOING:
            self._last_ongoing.set(who, day)
        if kind in ("deliberation", "election"):
            self._last_civic.set(who, day)
        self._recent = None
        collects = any(s.collects_needs for s in sessions)  # some of them collect needs
        if kind == "volunteering" or collects:
            host_node = np.array([s.host.node for s in sessions])[sess]
        if kind == "activity" or collects:  # when attendees are met: (day·24 + hour) + ½ h
            t_att = np.array([day * 24.0 + s.hour + ARRIVE_AFTER_H for s in sessions])[sess]
        if kind == "volunteering":
            r.member_of[who] = host_node
            for si in np.unique(sess):
                s = sessions[si]
                if s.adds_capacity:
                    # the simulated volunteers stand for nvol / scale of the host's people
                    nvol = int((sess == si).sum()) / max(s.host.scale, 1e-9)
                    slots[s.host.node] += int(
                        round(nvol * VOLUNTEER_SHIFT_H / max(s.host.hours_per_open_day, 1.0))
                    )
        met = np.empty(0, dtype=np.int64)
        # a wish for an activity is met by taking part in one
        if kind == "activity":
            met = self._meet_activity_wishes(who, t_att)
        # sessions that collect needs: attendees' pending needs reach the host
        # the attendees of those that do
        at = np.array([s.collects_needs for s in sessions], dtype=bool)[sess] if collects else None
        if at is not None and at.any():
            # how many came to each meeting, at full size (a council decides with a quorum);
            # only meetings decide
            size = np.zeros(len(sess))
            if kind == "deliberation":
                scale = np.array([max(s.host.scale, 1e-9) for s in sessions])
                size = (np.bincount(sess, minlength=len(sessions)) / scale)[sess]
            self._collect(who[at], t_att[at], host_node[at], size[at], intake)
        return met

    def _meet_activity_wishes(self, who, t_att) -> np.ndarray:
        nd = self.w.needs
        st = nd.col("status")
        ids = np.flatnonzero(
            (nd.col("type") == ACTIVITY) & ((st == UNREPORTED) | (st == IN_SYSTEM))
        )
        if not len(ids):
            return np.empty(0, dtype=np.int64)
        t = self._by_resident(who, t_att, np.inf, nd.resident[ids])
        # met by a session after the wish arose (and after it was voiced, if it was)
        floor = np.where(nd.reports[ids] > 0, nd.t_reported[ids], nd.t_arose[ids])
        hit = np.isfinite(t) & (t >= floor)
        met = ids[hit]
        nd.status[met] = RESOLVED
        nd.t_resolved[met] = t[hit]
        nd.t_ended[met] = t[hit]
        return met

    def _collect(self, who, t_att, host_nodes, meeting_size, intake) -> None:
        nd = self.w.needs
        st = nd.col("status")
        ids = np.flatnonzero((st == UNREPORTED) & (nd.col("type") != ACTIVITY))
        if not len(ids):
            return
        res = nd.resident[ids]
        t = self._by_resident(who, t_att, np.inf, res)
        hit = np.isfinite(t) & (nd.t_ready[ids] <= t)
        if hit.any():
            node = self._by_resident(who, host_nodes, -1, res[hit])
            size = self._by_resident(who, meeting_size, 0.0, res[hit])
            # a council settles what it can at the meeting (``Deliberation``), the rest
            # goes into the structure
            rest = self.services["deliberate"](Reports(ids[hit], t[hit], node, DISCOVERED), size)
            self.invite(0, intake(rest))

    def _by_resident(self, who, values, fill, at) -> np.ndarray:
        """``values`` of today's attendees ``who`` looked up for residents ``at`` (``fill``
        for residents not among them), through a per-resident array kept at ``fill`` (so
        each look-up costs its attendees, not a pass over the residents)."""
        values = np.asarray(values)
        key = (values.dtype.str, fill)
        out = self._scratch.get(key)
        if out is None:
            out = self._scratch[key] = np.full(self.w.residents.n, fill, dtype=values.dtype)
        out[who] = values
        got = out[at]
        out[who] = fill
        return got

    def unspent_hours(self) -> np.ndarray:
        """By institution node, the spare staff-hours given to its own activities and
        meetings that no due session needed, since the start (not spent: ``Workload`` counts
        self-governance hours without them)."""
        return self.supply.unused_h

    def recent_any(self, day: int) -> np.ndarray:
        """Who took part in ongoing community life (activity, deliberation, volunteering)
        in the last 30 days up to ``day``: the participation rate's residents (kept until
        someone takes part again; do not modify it)."""
        if self._recent is not None and self._recent[0] == day:
            return self._recent[1]
        out = self._last_ongoing.last >= day - (RECENT_DAYS - 1)
        self._recent = (day, out)
        return out

    def _active_ties(self, recent: np.ndarray) -> np.ndarray:
        """Each resident's ties who are in ``recent`` (float32): ``ties @ recent``, updated
        from the last day's counts through the ties of the residents who came in or
        dropped out (the counts are whole numbers, so the sums are exact either way)."""
        prev = self._ties_recent
        if prev is None:
            self._ties_count = self.w.ties @ recent.astype(np.float32)
        else:
            changed = np.flatnonzero(recent != prev)
            if len(changed):
                ties = self.w.ties  # symmetric: a resident's ties are its row
                start = ties.indptr[changed]
                size = ties.indptr[changed + 1] - start
                at = np.repeat(start - (np.cumsum(size) - size), size) + np.arange(size.sum())
                step = np.where(recent[changed], np.float32(1.0), np.float32(-1.0))
                np.add.at(self._ties_count, ties.indices[at], np.repeat(step, size))
        self._ties_recent = recent
        return self._ties_count

    # ------------------------------------------------------------------ outcomes
    def daily(self, day: int) -> dict[str, float | None]:
        """``report``'s participation shares over everyone, counted."""
        n = self.w.residents.n
        first = day - (RECENT_DAYS - 1)
        out = {f"participation_{k}": self._last[k].since(first) / n for k in KINDS}
        out["participation_rate"] = self._last_ongoing.since(first) / n
        out["participation_civic_year"] = (
            self._last_civic.since(day - (CIVIC_DAYS - 1)) / self._adults if self._adults else None
        )
        return out

    def report(self, day, residents, needs) -> dict[str, float | None]:
        """The 30-day share of taking part in ongoing community life (activity,
        deliberation, volunteering) averaged over the days after the warm-up (the headline;
        None for a run of 30 days or less); shares taking part in the last 30 days of the
        run (any ongoing kind and each kind, elections included), and the share of adults who
        deliberated or voted in the last 365 days (the measure calibrated to election
        turnout)."""
        r = self.w.residents
        sel = np.ones(r.n, dtype=bool) if residents is None else residents
        out = {}
        anyp = np.zeros(r.n, dtype=bool)
        for k in KINDS:
            got = r.last_day[k] >= day - (RECENT_DAYS - 1)
            if k in ONGOING:
                anyp |= got
            out[f"participation_{k}"] = share(got, sel)
        out["participation_rate"] = share(anyp, sel)
        counted = day + 1 - WARMUP_DAYS  # days from the warm-up to the end
        n_sel = int(sel.sum())
        out["participation_mean"] = (
            float(r.days_recent[sel].sum()) / (counted * n_sel) if counted > 0 and n_sel else None
        )
        civic = (r.last_day["deliberation"] >= day - (CIVIC_DAYS - 1)) | (
            r.last_day["election"] >= day - (CIVIC_DAYS - 1)
        )
        out["participation_civic_year"] = share(civic, sel & (r.age_group != CHILD))
        if needs is None:  # the daily record: participation only
            return out
        # wishes for an activity (not service cases): met by taking part in one
        nd = self.w.needs
        wishes = needs & (nd.col("type") == ACTIVITY)
        met = nd.col("status") == RESOLVED
        out["wishes_met_share"] = share(met, wishes & settled(nd, day + 1))
        wait = (nd.col("t_resolved") - nd.col("t_arose"))[wishes & met]
        out["wish_met_median_h"] = float(np.median(wait)) if len(wait) else None
        return out

    def by_institution(self, day: int) -> dict[str, dict]:
        """By institution kind: sessions one instance held a year, by kind (its programmes
        and its own cycle; the whole programme, not the sample's share), and the spare
        staff-hours a year its activity and meeting shares left unspent (no session due)."""
        years = max(day + 1, 1) / 365.0
        supply = self.supply
        out = {}
        for k in self.w.kinds:
            nodes = [a.node for a in k.agents]
            if not any(n in supply.held or supply.unused_h[n] for n in nodes):
                continue
            st = {
                f"sessions_per_instance_year.{kind}": sum(
                    supply.held.get(n, {}).get(kind, 0) for n in nodes
                )
                / (years * len(nodes))
                for kind in KINDS
            }
            if k.spec.self_governance is not None:
                st["unused_session_hours_per_instance_year"] = float(
                    supply.unused_h[nodes].sum() / (years * len(nodes))
                )
            out[k.key] = st
        return out

    def details(self) -> dict:
        return {
            # whether the simulated year was an election year ([scenario] election_year)
            "election_year": bool(self.supply.election_year),
            "sessions": {
                k: {"held": int(self.sessions_held[k]), "attendances": int(self.attendance[k])}
                for k in KINDS
            },
        }
