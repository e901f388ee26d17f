"""Queues and back office (DOMAIN.md mechanism 2): capacity and time at service points.

Requests wait first-come-first-served for one of an institution's ``windows``, which work
only in its opening hours (``Institution.serve``, computed in open time); a post whose
holder is absent stays empty that day unless the structure keeps AB backup posts (001:
「推行…AB岗服务制」); volunteers who signed up add slots for a day.  After the front desk,
back-office processing takes working days, capped by a time-limit commitment where the
structure has one (001: 「前台受理、后台限时办结」), or is skipped where requests are
accepted on trust and checked later (000: 「信用在先、审核在后」).  Answers travel back the
way the request came, so the resident has the answer after the relay time up again
(DOMAIN.md §2), and the need is resolved when the answer has reached them.

A run simulates a sample of the residents an institution serves (``scale`` of its design
catchment, ``structure.design_catchment``), but its windows are full size, so its queue
also carries the requests of the residents not simulated: each day, for every instance,
Poisson(rate × unsimulated residents) background requests, where the rate is the kind's
requests per simulated resident on the same weekday over the last ``BACKGROUND_WEEKS`` weeks,
and their hour and service time are drawn from those requests.  They take a window like
any other and leave no record, so waits are those of the full-size institution whatever
the run's size (rule 5).

Service owns what it counts at each institution, as arrays by institution node: requests
served and their waits (the simulated residents'), staff-hours serving (all requests,
today and in total), and the volunteer slots of the coming day.  ``Workload`` reads the
hours serving through ``busy_hours`` (a provided service).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field
from scipy.special import ndtri

from govsim.config.declare import REQUIRED, Const, NeedType, NonNeg, Par, Share, every
from govsim.config.reading import ScenarioError
from govsim.config.vocabulary import NEED_TYPE_KEYS
from govsim.core.measure import service_cases, settled, share
from govsim.core.module import Module, Outcome, Step
from govsim.core.records import HOP_SERVED, IN_SYSTEM, RESOLVED, Hops

MAX_WINDOWS = 10_000  # a sanity bound: no service hall has more parallel slots
BACKGROUND_WEEKS = 8  # weeks of requests the background load is drawn from


PROCESSING_SIGMA = 0.75  # assumption: spread (lognormal sigma) of back-office processing times


def processing_end(a, t_done: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Back office (后台) of institution ``a``: a lognormal number of working days after the
    front desk (median ``processing_days``, each need's own draw ``u``), capped by a
    time-limit commitment where the structure has one (001: 「前台受理、后台限时办结」);
    none where the file accepts first (000: 「信用在先、审核在后」)."""
    spec = a.spec
    if spec.accept_first or spec.processing_days <= 0:
        return t_done
    days = spec.processing_days * np.exp(PROCESSING_SIGMA * ndtri(np.clip(u, 1e-9, 1 - 1e-9)))
    if spec.time_limit_days is not None:
        days = np.minimum(days, spec.time_limit_days)
    oc = a.clock.to_open(t_done) + days * a.hours_per_open_day
    return a.clock.from_open(oc, side="left")


class Service(Module):
    name = "service"
    pars = (
        Par(
            "institutions.*.windows",
            Annotated[int, Field(ge=0, le=MAX_WINDOWS)],
            0,
            "service slots working the queue in parallel",
            "slots",
        ),
        Par(
            "institutions.*.backup",
            bool,
            False,
            "AB backup posts: an absent post is covered",
            "yes/no",
        ),
        Par(
            "institutions.*.processing_days",
            NonNeg,
            0.0,
            "median back-office processing after the front desk",
            "working days",
        ),
        Par(
            "institutions.*.time_limit_days",
            NonNeg | None,
            None,
            "time-limit commitment capping back-office processing (限时办结)",
            "working days",
        ),
        Par(
            "institutions.*.accept_first",
            bool,
            False,
            "resolved when accepted, checked later (信用在先、审核在后)",
            "yes/no",
        ),
        Par(
            "needs.service_hours",
            Annotated[dict[NeedType, NonNeg], every(NEED_TYPE_KEYS, "need type")],
            REQUIRED,
            "mean staff-hours of front-line work per request (exponential)",
            "staff-h",
        ),
        Par(
            "behaviour.staff_absence",
            Share,
            REQUIRED,
            "chance a post's holder is away on a day",
            "probability",
        ),
    )
    streams = ("absence",)
    keyed = ("background",)  # per (day, institution kind): streams.stream_at
    outcomes = (
        Outcome(
            "response_time_median_h",
            "事项响应时间中位数（从需求产生算起）",
            "case response time from the need arising, median",
            "h",
            headline=3,
            by_group=True,
            by_need_type=True,
            better="lower",
            matters=12.0,
            matters_source="assumption: half a day; a resident does not notice less",
        ),
        Outcome(
            "response_time_p90_h",
            "九成事项的答复时间（从需求产生算起）",
            "time by which 9 in 10 cases are answered, from the need arising",
            "h",
            headline=4,
            by_group=True,
            by_need_type=True,
            better="lower",
            matters=24.0,
            matters_source="assumption: one day at the slow end of the cases",
        ),
        Outcome(
            "response_time_mean_h",
            "事项响应时间均值",
            "case response time, mean",
            "h",
            by_group=True,
            by_need_type=True,
        ),
        Outcome(
            "handling_time_median_h",
            "事项办理时间中位数（从反映算起）",
            "case handling time from the report, median",
            "h",
            by_group=True,
            by_need_type=True,
            better="lower",
            matters=12.0,
            matters_source="assumption: half a day, as the response time from arising",
        ),
        Outcome(
            "unresolved_share",
            "事项未解决比例（含从未反映的）",
            "cases unresolved at end, never reported included",
            "share",
            headline=6,
            by_group=True,
            by_need_type=True,
            better="lower",
            matters=0.01,
            matters_source="assumption: one percentage point of the cases",
        ),
        Outcome(
            "reported_unresolved_share",
            "已反映事项未解决比例",
            "reported cases unresolved at end",
            "share",
            by_group=True,
            by_need_type=True,
            better="lower",
            matters=0.01,
            matters_source="assumption: one percentage point of the cases, as for all cases",
        ),
        Outcome(
            "settled_in_community_share",
            "社区内解决比例",
            "answered cases settled inside the community",
            "share",
            by_group=True,
            by_need_type=True,
            governance=True,
            better="higher",
            matters=0.02,
            matters_source="assumption: two in a hundred answered cases; a committee does not "
            "notice fewer",
        ),
        Outcome(
            "queue_length",
            "排队中的请求",
            "requests waiting",
            "requests",
            daily=True,
            per_replicate=False,
        ),
    )

    steps = (
        # settles what routing answered today, after the trust of those it lost moved
        Step("serve", "settle", outputs=("resolved",), after=("routing.step", "feedback.lost")),
        Step("sessions", "set_volunteers", ("volunteer_slots",)),
    )
    provides = ("serve", "open_day", "busy_hours")
    constants = (
        Const(
            "MAX_WINDOWS",
            "upper bound on windows a file may give",
            "slots",
            "sanity bound: no service hall has more parallel slots",
        ),
        Const(
            "PROCESSING_SIGMA",
            "spread (lognormal σ) of back-office processing times",
            "—",
            "assumption: a long right tail of processing times",
        ),
        Const(
            "BACKGROUND_WEEKS",
            "weeks of requests the load of residents not simulated is drawn from",
            "weeks",
            "assumption: long enough for a stable rate, short enough to follow the run",
        ),
    )

    @classmethod
    def check(cls, sc, path) -> None:
        """An institution that settles requests has windows to serve them (or accepts them
        on the spot)."""
        for name, inst in sc.institutions.items():
            if (
                any(v > 0 for v in inst.authority.values())
                and inst.windows == 0
                and not inst.accept_first
            ):
                raise ScenarioError(
                    path,
                    f"institutions.{name}.windows",
                    "an institution with authority needs windows >= 1 (service slots) to "
                    "handle requests",
                )

    def setup(self) -> None:
        world = self.w
        pop = world.population
        self.service_mean = np.array([pop.needs.service_hours[t] for t in NEED_TYPE_KEYS])
        self.absence = pop.behaviour.staff_absence
        # inside the community (小事不出社区): any institution but the government above it
        self.inside_node = ~world.above_community
        # kinds whose queues carry background load, and their recent requests:
        # day → (hour of day, service hours) of the requests of simulated residents
        self.sampled = {
            k.index: k
            for k in world.kinds
            if k.spec.windows and (k.scale < 1.0).any() and not k.spec.accept_first
        }
        self.recent: dict[int, dict[int, list[tuple[np.ndarray, np.ndarray]]]] = {
            i: {} for i in self.sampled
        }
        # by sampled kind: its simulated residents (at least one) and, by instance, the
        # residents it serves who are not simulated
        self.sampled_people = {
            i: (max(1.0, float(k.catchment.sum())), np.maximum(0.0, k.design - k.catchment))
            for i, k in self.sampled.items()
        }
        # by service point (``queue_agents``): posts, the chance one is empty, and by
        # weekday whether it opens (draws its absences)
        qa = world.queue_agents
        self._absence_table = (
            np.array([a.windows for a in qa], dtype=np.int64),
            np.array([a.absence_share(self.absence) for a in qa], dtype=float),
            [np.array([a.draws_absence(wd) for a in qa], dtype=bool) for wd in range(7)],
        )
        # what it counts at each institution (by node)
        n = len(world.agents)
        self.served = np.zeros(n, dtype=np.int64)  # requests started (simulated residents')
        self.wait_hours = np.zeros(n)  # their hours from arrival to start, summed
        self.busy_today = np.zeros(n)  # staff-hours serving today (all requests)
        self.busy_total = np.zeros(n)  # … since the start
        self.volunteer_slots = np.zeros(n, dtype=np.int64)  # extra slots for the coming day

    def open_day(self, day: int) -> None:
        """Absences at every service point for ``day``; the day's background requests."""
        self.busy_today[:] = 0.0
        # the posts away at every service point that opens today, in one draw (the same
        # numbers as one draw per service point in their order)
        agents, (posts, share, opens) = self.w.queue_agents, self._absence_table
        draw = opens[day % 7]
        away = np.zeros(len(agents), dtype=np.int64)
        if draw.any():
            away[draw] = self.rng["absence"].binomial(posts[draw], share[draw])
        for a, n in zip(agents, away.tolist(), strict=True):
            a.set_absent(day, n)
        for k in self.sampled.values():
            self._background(day, k)

    def _background(self, day: int, k) -> None:
        """Requests of the residents of ``k``'s catchments who are not simulated."""
        recent = self.recent[k.index]
        oldest = day - 7 * BACKGROUND_WEEKS
        while recent and next(iter(recent)) < oldest:  # days are kept in ascending order
            del recent[next(iter(recent))]
        # every past day counts, those without a request too (a rare need type reaches a
        # small sample's institution on few days)
        wd = day % 7
        days = [d for d in recent if d % 7 == wd] or list(recent)
        recent[day] = []  # today's requests are recorded as they are served
        # a past day's requests as one pair of arrays (its list is complete)
        parts = []
        for d in days:
            got = recent[d]
            if len(got) > 1:
                got = recent[d] = [tuple(np.concatenate(c) for c in zip(*got, strict=True))]
            parts += got
        if not parts:
            return
        if len(parts) == 1:
            hour, svc = parts[0]
        else:
            hour = np.concatenate([p[0] for p in parts])
            svc = np.concatenate([p[1] for p in parts])
        # requests per simulated resident on such a day, times the residents not simulated
        people, unsimulated = self.sampled_people[k.index]
        rate = len(hour) / len(days) / people
        rng = self.keyed_stream("background", day, k.index)
        counts = rng.poisson(rate * unsimulated)
        for a, n in zip(k.agents, counts.tolist(), strict=True):
            if n:
                pick = rng.integers(0, len(hour), n)
                a.add_background(day * 24.0 + hour[pick], svc[pick])

    def set_volunteers(self, day: int, slots: np.ndarray) -> None:
        """Volunteer slots per node (institution) for the coming day."""
        self.volunteer_slots = np.asarray(slots, dtype=np.int64).copy()

    def busy_hours(self) -> tuple[np.ndarray, np.ndarray]:
        """Staff-hours serving requests at each institution (by node): today, and since
        the start (``Workload``)."""
        return self.busy_today, self.busy_total

    def serve(self, day: int, a, ids: np.ndarray, t: np.ndarray) -> None:
        """Queue requests at agent ``a`` and record what it finishes today."""
        nd = self.w.needs
        svc = t
        if len(ids):
            typ = nd.type[ids].astype(np.int64)
            svc = self.service_mean[typ] * -np.log1p(-nd.u_service[ids])
            if a.kind.index in self.recent:
                hour = np.minimum(np.maximum(t - day * 24.0, 0.0), 23.99)
                self.recent[a.kind.index][day].append((hour, svc))
        extra = int(self.volunteer_slots[a.node])
        done_ids, t_arr, t_start, t_end, busy = a.serve(day, ids, t, svc, extra)
        self.busy_today[a.node] += busy
        self.busy_total[a.node] += busy
        real = done_ids >= 0  # background requests leave no record and are not counted
        if not real.all():
            done_ids, t_arr, t_start, t_end = (x[real] for x in (done_ids, t_arr, t_start, t_end))
        if not len(done_ids):
            return
        self.served[a.node] += len(done_ids)
        self.wait_hours[a.node] += float((t_start - t_arr).sum())
        t_done = processing_end(a, t_end, nd.u_process[done_ids])
        nd.t_resolved[done_ids] = t_done + nd.relay_up_h[done_ids]
        nd.resolver[done_ids] = a.node
        # a hop at the handling institution: arrival, start and end of service
        self.w.hops.add(
            Hops(
                done_ids,
                np.full(len(done_ids), a.node),
                t_arr,
                t_end,
                np.full(len(done_ids), HOP_SERVED),
                t_start,
            )
        )

    def by_institution(self, day: int) -> dict[str, dict]:
        """By institution kind: requests served and their mean wait (hours from arriving
        at the institution to the start of service; None for a kind without windows)."""
        served, wait = self.w.by_kind(self.served), self.w.by_kind(self.wait_hours)
        return {
            k.key: {
                "served": served[k.key],
                "mean_wait_h": wait[k.key] / max(1, served[k.key]) if k.spec.windows else None,
            }
            for k in self.w.kinds
        }

    def settle(self, day: int) -> np.ndarray:
        """Needs whose answer has reached the resident by the end of ``day`` are resolved;
        returns their ids."""
        nd = self.w.needs
        st = nd.col("status")
        tr = nd.col("t_resolved")
        ids = np.flatnonzero((st == IN_SYSTEM) & (tr < day * 24.0 + 24.0))
        nd.status[ids] = RESOLVED
        nd.t_ended[ids] = nd.t_resolved[ids]
        return ids

    def daily(self, day: int) -> dict[str, float]:
        return {"queue_length": sum(a.waiting() for a in self.w.queue_agents)}

    def report(self, day, residents, needs) -> dict[str, float | None]:
        """Hours from a service case arising to its answer reaching the resident, over
        answered cases; the share of cases (old enough to count) not answered by the end.
        Wishes for an activity are not service cases (``measure.service_cases``)."""
        nd = self.w.needs
        needs = needs & service_cases(nd)
        resolved = nd.col("status") == RESOLVED
        rt = (nd.col("t_resolved") - nd.col("t_arose"))[needs & resolved]
        # from the first report to the answer: what service statistics measure (an
        # application's processing time), without the resident's delay in coming forward
        ht = (nd.col("t_resolved") - nd.col("t_reported"))[needs & resolved]
        out: dict[str, float | None] = {
            "response_time_median_h": float(np.median(rt)) if len(rt) else None,
            "response_time_p90_h": float(np.percentile(rt, 90)) if len(rt) else None,
            "response_time_mean_h": float(rt.mean()) if len(rt) else None,
            "handling_time_median_h": float(np.median(ht)) if len(ht) else None,
        }
        old_enough = needs & settled(nd, day + 1)
        out["unresolved_share"] = share(~resolved, old_enough)
        # of the cases that reached the structure: what it failed to answer, apart from what
        # residents never brought to it (``unreported_share``)
        out["reported_unresolved_share"] = share(~resolved, old_enough & (nd.col("reports") > 0))
        res = nd.col("resolver")  # −1 until resolved by an institution
        inside = (res >= 0) & self.inside_node[np.maximum(res, 0)]
        out["settled_in_community_share"] = share(inside, needs & resolved)
        return out
