"""Reporting and channels (DOMAIN.md mechanisms 6 and 7): residents report what they can.

A resident reports a pending need on a day when a channel fits — walk-in to the entry
institution while it is open *and* the resident is free (office hours shut out working
residents; 000: a liaison center open 9–21 every day, 「全年无休」), discounted by walking
distance, raised by trust, lowered for vulnerable residents (004:
「社區參與服務群眾的主要方式是群眾的自主表達」, 「自主表达能力较弱的特殊弱势群体」); or by
phone / online / proxy where the structure offers it (000: 29 services
「直接通过服务站或基层便民服务网页提交」).  Needs kept past the resident's patience end
unreported (or abandoned, after being lost on the way).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np

from govsim.config.declare import (
    REQUIRED,
    Const,
    InstitutionKey,
    NeedType,
    Par,
    Share,
    Strict,
    every,
    field,
)
from govsim.config.reading import ScenarioError
from govsim.config.scenario import check_routes
from govsim.config.vocabulary import NEED_TYPE_KEYS
from govsim.core.measure import service_cases, settled, share
from govsim.core.module import Module, Outcome, Step
from govsim.core.population import free_time_mask
from govsim.core.records import (
    ABANDONED,
    NEVER_REPORTED,
    REMOTE,
    RESOLVED,
    TU_EMPLOYED,
    UNREPORTED,
    WALK_IN,
    Reports,
)

# assumption: phone / online / proxy reports are made between 8:00 and 22:00
REMOTE_FROM_H, REMOTE_SPAN_H = 8.0, 14.0
# assumption: a working resident who takes leave to report goes at opening time and must
# have the need by 17:00 that day
LEAVE_LAST_H = 17.0


class RemoteChannel(Strict):
    """Phone / online / proxy reporting: where it goes and for which need types."""

    to: InstitutionKey = field(meaning="institution remote reports reach", unit="institution")
    types: list[NeedType] = field(
        meaning="need types that can be reported remotely", unit="need types"
    )


class Access:
    """When a resident of each time-use class can walk in to an institution kind."""

    def __init__(self, schedule):
        free = free_time_mask()  # [3, 7, 24]
        open_ = schedule.hourly_mask()  # [7, 24]
        both = free & open_[None]
        self.overlap_h = both.sum(axis=2).astype(float)  # [3, 7]
        self.first_h = np.where(both.any(axis=2), both.argmax(axis=2), 0).astype(float)
        self.open_first_h = np.where(open_.any(axis=1), open_.argmax(axis=1), 0).astype(float)
        self.open_today = open_.any(axis=1)  # [7]


class Reporting(Module):
    name = "reporting"
    pars = (
        Par(
            "needs.report_per_day",
            Annotated[dict[NeedType, Share], every(NEED_TYPE_KEYS, "need type")],
            REQUIRED,
            "daily chance of reporting when a channel fits",
            "probability/day",
        ),
        Par(
            "behaviour.trust_report", float, REQUIRED, "reporting rises by this × (trust − ½)", "×"
        ),
        Par(
            "behaviour.vulnerable_report_factor",
            Share,
            REQUIRED,
            "reporting factor for vulnerable residents (自主表达能力较弱)",
            "×",
        ),
        Par(
            "behaviour.working_leave_factor",
            Share,
            REQUIRED,
            "reporting factor for a working resident when office hours shut them out",
            "×",
        ),
        Par(
            "behaviour.distance_per_15min",
            float,
            REQUIRED,
            "weight of walking time per 15 minutes (logit for sessions, log-rate for reporting)",
            "per 15 min",
        ),
        Par(
            "routing.walk_in",
            dict[NeedType, InstitutionKey],
            REQUIRED,
            "institution residents walk in to, by need type",
            "institution",
        ),
        Par(
            "routing.remote",
            RemoteChannel | None,
            None,
            "phone / online / proxy channel: where it goes and for which need types",
            "—",
        ),
    )
    keyed = ("self_report",)
    constants = (
        Const(
            "REMOTE_FROM_H",
            "phone / online / proxy reports are made from this hour …",
            "h of day",
            "assumption: 8:00",
        ),
        Const("REMOTE_SPAN_H", "… for this many hours", "h", "assumption: until 22:00 (14 h)"),
        Const(
            "LEAVE_LAST_H",
            "a working resident taking leave to report must have the need by this hour",
            "h of day",
            "assumption: 17:00, near the end of office hours",
        ),
    )  # draws keyed by need and day (streams.keyed_uniform)
    outcomes = (
        Outcome(
            "unreported_share",
            "事项未被反映比例",
            "cases never reported",
            "share",
            headline=5,
            by_group=True,
            by_need_type=True,
            better="lower",
            matters=0.01,
            matters_source="assumption: one percentage point of the cases",
        ),
    )

    steps = (
        Step("arise", "at_arising", ("arisen",), ("reports_at_arising",)),
        Step("report", "expire", outputs=("gave_up",)),
        # reads trust after today's give-ups moved it, and what is still unreported
        Step("report", "step", outputs=("reports",), after=("feedback.gave_up",)),
    )

    @classmethod
    def check(cls, sc, path) -> None:
        """Every need type has a walk-in entry and a remote channel serves some type; a
        request can be settled from wherever residents report it."""
        routing = sc.routing
        if routing.remote is not None and not routing.remote.types:
            raise ScenarioError(
                path,
                "routing.remote.types",
                "must name at least one need type (or leave out [routing.remote])",
            )
        for t in NEED_TYPE_KEYS:
            if t not in routing.walk_in:
                raise ScenarioError(
                    path,
                    f"routing.walk_in.{t}",
                    "every need type needs a walk-in entry; defined institutions: "
                    + ", ".join(sorted(sc.institutions)),
                )
        starts = {(t, routing.walk_in[t], f"routing.walk_in.{t}") for t in NEED_TYPE_KEYS}
        if routing.remote is not None:
            starts |= {(t, routing.remote.to, "routing.remote.to") for t in routing.remote.types}
        check_routes(sc, starts)

    def setup(self) -> None:
        world = self.w
        sc, pop = world.spec, world.population
        nt = len(NEED_TYPE_KEYS)
        key_index = {k.key: k.index for k in world.kinds}
        self.report_p = np.array([pop.needs.report_per_day[t] for t in NEED_TYPE_KEYS])
        self.walk_kind = np.array([key_index[sc.routing.walk_in[t]] for t in NEED_TYPE_KEYS])
        self.remote_kind = -1
        self.remote_types = np.zeros(nt, dtype=bool)
        if sc.routing.remote is not None:
            self.remote_kind = key_index[sc.routing.remote.to]
            for t in sc.routing.remote.types:
                self.remote_types[NEED_TYPE_KEYS.index(t)] = True
        # when each time-use class can walk in, by kind index (stacked: looked up for every
        # need at once)
        acc = [Access(world.schedules[k.key]) for k in world.kinds]
        self.overlap_h = np.stack([a.overlap_h for a in acc])  # [kind, 3, 7]
        self.first_h = np.stack([a.first_h for a in acc])  # [kind, 3, 7]
        self.open_first_h = np.stack([a.open_first_h for a in acc])  # [kind, 7]
        self.open_today = np.stack([a.open_today for a in acc])  # [kind, 7]
        n_b = max((len(k.walk_min) for k in world.kinds if k.walk_min is not None), default=0)
        self.walk_min = np.stack(  # [kind, building]; walk-in entries have one
            [
                k.walk_min if k.walk_min is not None else np.zeros(n_b, dtype=np.float32)
                for k in world.kinds
            ]
        )
        self.beh = pop.behaviour

    def expire(self, day: int) -> np.ndarray:
        """Unreported needs past the resident's patience end: never reported (or abandoned
        after being lost on the way).  Returns the residents who gave up."""
        nd = self.w.needs
        st = nd.col("status")
        pend = np.flatnonzero((st == UNREPORTED) & (nd.col("deadline") < day * 24.0))
        if not len(pend):
            return np.empty(0, dtype=np.int32)
        lost_before = nd.lost[pend] > 0
        nd.status[pend] = np.where(lost_before, ABANDONED, NEVER_REPORTED)
        nd.t_ended[pend] = nd.deadline[pend]
        return nd.resident[pend]

    def step(self, day: int) -> list[Reports]:
        """Today's self-reports: walk-in and remote batches for the intake."""
        w, nd, r, beh = self.w, self.w.needs, self.w.residents, self.beh
        t0, t1 = day * 24.0, day * 24.0 + 24.0
        st = nd.col("status")
        ids = np.flatnonzero((st == UNREPORTED) & (nd.col("t_ready") < t1))
        if not len(ids):
            return []
        typ = nd.type[ids].astype(np.int64)
        res = nd.resident[ids]
        ready = nd.t_ready[ids]
        wd = day % 7
        base = self.report_p[typ]
        base = base * np.minimum(
            np.maximum(1.0 + beh.trust_report * (r.trust[res] - 0.5), 0.1), 2.0
        )
        base = base * np.where(r.vulnerable[res], beh.vulnerable_report_factor, 1.0)
        tu = r.time_use[res].astype(np.int64)
        # this need's draws today (report?, which channel, when): keyed by need and day
        u = self.keyed_draw("self_report", ids[:, None], day, np.arange(4))
        # walk-in, to each need type's entry kind
        wk = self.walk_kind[typ]
        ov = self.overlap_h[wk, tu, wd]
        first = t0 + self.first_h[wk, tu, wd]
        leave = (ov < 1.0) & (tu == TU_EMPLOYED) & self.open_today[wk, wd]
        f_hours = np.where(ov >= 1.0, 1.0, np.where(leave, beh.working_leave_factor, 0.0))
        walk = self.walk_min[wk, r.building[res]]
        f_dist = np.exp(beh.distance_per_15min * walk / 15.0)
        when = np.where(
            leave,
            t0 + self.open_first_h[wk, wd],
            first + u[:, 2] * np.maximum(np.minimum(ov, 2.0), 0.5),
        )
        last = np.where(leave, t0 + LEAVE_LAST_H, first + ov)
        f_hours = np.where(ready > last, 0.0, f_hours)
        p_walk = base * f_hours * f_dist
        t_walk = np.maximum(when, ready)
        # phone / online / proxy
        p_rem = np.zeros(len(ids))
        if self.remote_kind >= 0:
            ok = self.remote_types[typ] & r.digital[res]
            p_rem = np.where(ok, base, 0.0)
        p_any = 1.0 - (1.0 - p_walk) * (1.0 - p_rem)
        go = u[:, 0] < p_any
        if not go.any():
            return []
        use_walk = go & (u[:, 1] < p_walk / np.maximum(p_walk + p_rem, 1e-12))
        use_rem = go & ~use_walk
        t_rem = np.maximum(ready, t0 + REMOTE_FROM_H + REMOTE_SPAN_H * u[:, 3])
        out = []
        if use_walk.any():
            entry = w.nodes_of(self.walk_kind[typ[use_walk]], res[use_walk])
            out.append(Reports(ids[use_walk], t_walk[use_walk], entry, WALK_IN))
        if use_rem.any():
            entry = w.kinds[self.remote_kind].node_of_residents(res[use_rem])
            out.append(Reports(ids[use_rem], t_rem[use_rem], entry, REMOTE))
        return out

    def at_arising(self, day: int, ids: np.ndarray) -> list[Reports]:
        """Verification switch (``GovernanceModel(report_at_arising=True)``): needs are
        reported at their walk-in entry the moment they arise."""
        if not self.w.report_at_arising or not len(ids):
            return []
        nd = self.w.needs
        entry = self.w.nodes_of(self.walk_kind[nd.type[ids].astype(np.int64)], nd.resident[ids])
        return [Reports(ids, nd.t_arose[ids], entry, WALK_IN)]

    def report(self, day, residents, needs) -> dict[str, float | None]:
        """Share of service cases (old enough to count) never reported to any institution."""
        nd = self.w.needs
        unreported = (nd.col("reports") == 0) & (nd.col("status") != RESOLVED)
        counted = needs & service_cases(nd) & settled(nd, day + 1)
        return {"unreported_share": share(unreported, counted)}
