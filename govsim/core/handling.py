"""Reporting, proactive discovery, routing and handling of needs.

Reporting (mechanisms 6 and 7 of DOMAIN.md): a resident reports a pending need on a day
when a channel fits — walk-in to the entry institution while it is open *and* the
resident is free (office hours shut out working residents; 000: a liaison center open
9–21 every day), discounted by walking distance, raised by trust, lowered for vulnerable residents
(004: 「社區參與服務群眾的主要方式是群眾的自主表達」); or phone/online/proxy where the
structure offers it (000: 29 services 「直接通过服务站或基层便民服务网页提交」).

Discovery (mechanism 4): visits by grid workers, committees or liaison staff, and party
members who notice needs among their ties (002: 「发动党员收集居民需求」), find needs
before — or instead of — the resident reporting them.

Routing (mechanism 1): at each institution a request is handled if the institution has
authority for it, otherwise relayed up with a delay and a chance of being forwarded
without follow-up (004: 「一轉了事,及時反饋處理結果不足」).  Answers travel back the same
way (DOMAIN.md §2, the traditional structure), so the return takes as long as the relay up.
"""

from __future__ import annotations

import numpy as np

from govsim.core.needs import (
    ABANDONED,
    ACTIVITY,
    DISCOVERED,
    IN_SYSTEM,
    NEVER_REPORTED,
    REMOTE,
    RESOLVED,
    UNREPORTED,
    WALK_IN,
)
from govsim.core.population import TU_EMPLOYED, free_time_mask
from govsim.labels import NEED_TYPE_KEYS

FEEDBACK_WAIT_H = 7 * 24.0  # assumption: a resident waits a week for an answer before trying again
# hop records: (need ids, institution node, t_in, t_out, event, t_start of service or NaN)
HOP_EVENTS = ("forwarded", "lost", "served")
HOP_FORWARD, HOP_LOST, HOP_SERVED = range(len(HOP_EVENTS))


class Access:
    """When a resident of each time-use class can walk in to an institution kind."""

    def __init__(self, schedule):
        free = free_time_mask()  # [3, 7, 24]
        open_ = schedule.hourly_mask()  # [7, 24]
        both = free & open_[None]
        self.overlap_h = both.sum(axis=2).astype(float)  # [3, 7]
        self.first_h = np.where(both.any(axis=2), both.argmax(axis=2), 0).astype(float)
        self.open_first_h = np.where(open_.any(axis=1), open_.argmax(axis=1), 0).astype(
            float
        )  # [7]
        self.open_today = open_.any(axis=1)  # [7]


class Handling:
    """Reporting, discovery and routing for one model; holds per-kind lookup tables."""

    def __init__(self, model):
        self.m = model
        sc, pop = model.spec, model.population
        kinds = model.kinds
        self.rng = model.streams["routing"]
        self.report_rng = model.streams["reporting"]
        nt = len(NEED_TYPE_KEYS)
        self.auth = np.zeros((len(kinds), nt))
        self.next_kind = np.full((len(kinds), nt), -1, dtype=np.int64)
        key_index = {k.key: k.index for k in kinds}
        for k in kinds:
            for ti, t in enumerate(NEED_TYPE_KEYS):
                self.auth[k.index, ti] = k.spec.authority.get(t, 0.0)
                nxt = k.spec.forwards.get(t, k.spec.forwards_to)
                self.next_kind[k.index, ti] = key_index[nxt] if nxt else -1
        self.service_mean = np.array([pop.needs.service_hours[t] for t in NEED_TYPE_KEYS])
        self.report_p = np.array([pop.needs.report_per_day[t] for t in NEED_TYPE_KEYS])
        self.patience_h = np.array([pop.needs.patience_days[t] * 24.0 for t in NEED_TYPE_KEYS])
        self.walk_kind = np.array([key_index[sc.routing.walk_in[t]] for t in NEED_TYPE_KEYS])
        self.remote_kind = -1
        self.remote_types = np.zeros(nt, dtype=bool)
        if sc.routing.remote is not None:
            self.remote_kind = key_index[sc.routing.remote.to]
            for t in sc.routing.remote.types:
                self.remote_types[NEED_TYPE_KEYS.index(t)] = True
        self.access = {k.index: Access(model.schedules[k.key]) for k in kinds}
        self.fixed_relay = sc.routing.relay == "fixed"
        self.hops: list[tuple[np.ndarray, ...]] = []

    def nodes_of(self, kind_index: np.ndarray, residents: np.ndarray) -> np.ndarray:
        """Global node of the instance of institution ``kind_index[i]`` that serves
        ``residents[i]``."""
        nodes = np.empty(len(residents), dtype=np.int64)
        for ki in np.unique(kind_index):
            sel = kind_index == ki
            nodes[sel] = self.m.kinds[ki].node_of_residents(residents[sel])
        return nodes

    # ---------------------------------------------------------------- reporting
    def expire(self, day: int) -> None:
        """Unreported needs past the resident's patience end: never reported (or abandoned
        after being lost on the way)."""
        nd = self.m.needs
        st = nd.col("status")
        pend = np.flatnonzero((st == UNREPORTED) & (nd.col("deadline") < day * 24.0))
        if len(pend):
            lost_before = nd.lost[pend] > 0
            nd.status[pend] = np.where(lost_before, ABANDONED, NEVER_REPORTED)
            nd.t_ended[pend] = nd.deadline[pend]
            self.m.feedback.gave_up(nd.resident[pend])

    def self_report(self, day: int) -> None:
        m, nd, r, beh = self.m, self.m.needs, self.m.residents, self.m.population.behaviour
        t0, t1 = day * 24.0, day * 24.0 + 24.0
        st = nd.col("status")
        ids = np.flatnonzero((st == UNREPORTED) & (nd.col("t_ready") < t1))
        if not len(ids):
            return
        typ = nd.type[ids].astype(np.int64)
        res = nd.resident[ids]
        ready = nd.t_ready[ids]
        wd = day % 7
        base = self.report_p[typ]
        base = base * np.clip(1.0 + beh.trust_report * (r.trust[res] - 0.5), 0.1, 2.0)
        base = base * np.where(r.vulnerable[res], beh.vulnerable_report_factor, 1.0)
        tu = r.time_use[res].astype(np.int64)
        # walk-in
        p_walk = np.zeros(len(ids))
        t_walk = np.full(len(ids), np.inf)
        for ki in np.unique(self.walk_kind[typ]):
            sel = self.walk_kind[typ] == ki
            kind = m.kinds[ki]
            acc = self.access[ki]
            ov = acc.overlap_h[tu[sel], wd]
            first = t0 + acc.first_h[tu[sel], wd]
            leave = (ov < 1.0) & (tu[sel] == TU_EMPLOYED) & acc.open_today[wd]
            f_hours = np.where(ov >= 1.0, 1.0, np.where(leave, beh.working_leave_factor, 0.0))
            walk = kind.walk_min[r.building[res[sel]]]
            f_dist = np.exp(beh.distance_per_15min * walk / 15.0)
            when = np.where(
                leave,
                t0 + acc.open_first_h[wd],
                first + self.report_rng.random(sel.sum()) * np.maximum(np.minimum(ov, 2.0), 0.5),
            )
            last = np.where(leave, t0 + 17.0, first + ov)
            f_hours = np.where(ready[sel] > last, 0.0, f_hours)
            p_walk[sel] = base[sel] * f_hours * f_dist
            t_walk[sel] = np.maximum(when, ready[sel])
        # phone / online / proxy
        p_rem = np.zeros(len(ids))
        if self.remote_kind >= 0:
            ok = self.remote_types[typ] & r.digital[res]
            p_rem = np.where(ok, base, 0.0)
        p_any = 1.0 - (1.0 - p_walk) * (1.0 - p_rem)
        u = self.report_rng.random((len(ids), 2))
        go = u[:, 0] < p_any
        if not go.any():
            return
        use_walk = go & (u[:, 1] < p_walk / np.maximum(p_walk + p_rem, 1e-12))
        use_rem = go & ~use_walk
        t_rem = np.maximum(ready, t0 + 8.0 + 14.0 * self.report_rng.random(len(ids)))
        if use_walk.any():
            entry = self.nodes_of(self.walk_kind[typ[use_walk]], res[use_walk])
            self.report(ids[use_walk], t_walk[use_walk], entry, WALK_IN)
        if use_rem.any():
            entry = m.kinds[self.remote_kind].node_of_residents(res[use_rem])
            self.report(ids[use_rem], t_rem[use_rem], entry, REMOTE)

    def report_on_arising(self, ids: np.ndarray) -> None:
        """Verification: report needs at their walk-in entry the moment they arise."""
        nd = self.m.needs
        entry = self.nodes_of(self.walk_kind[nd.type[ids].astype(np.int64)], nd.resident[ids])
        self.report(ids, nd.t_arose[ids], entry, WALK_IN)

    def report(self, ids: np.ndarray, t: np.ndarray, entry_nodes: np.ndarray, channel: int) -> None:
        """A need reaches an institution: a wish for an activity becomes an invitation;
        anything else enters the entry institution's inbox."""
        nd, m = self.m.needs, self.m
        first = nd.reports[ids] == 0
        nd.t_reported[ids[first]] = t[first]
        nd.channel[ids[first]] = channel
        nd.entry[ids[first]] = entry_nodes[first]
        nd.reports[ids] += 1
        nd.status[ids] = IN_SYSTEM
        act = nd.type[ids] == ACTIVITY
        if act.any():
            res = nd.resident[ids[act]]
            # the invitation runs from the day each wish was voiced
            until = (t[act] // 24).astype(np.int32) + int(m.population.behaviour.invitation_days)
            np.maximum.at(m.residents.invited_until, res, until)
        rest = ~act
        if rest.any():
            self.deliver(ids[rest], t[rest], entry_nodes[rest])

    def deliver(self, ids, t, nodes) -> None:
        """Put requests into the inboxes of the institutions (global node ids) they reach."""
        order = np.argsort(nodes, kind="stable")
        ids, t, nodes = ids[order], t[order], nodes[order]
        cut = np.flatnonzero(np.diff(nodes)) + 1
        for part_i, part_t, node in zip(
            np.split(ids, cut), np.split(t, cut), nodes[np.r_[0, cut]], strict=True
        ):
            self.m.node_agents[int(node)].receive(part_i, part_t)

    # ---------------------------------------------------------------- discovery
    def discover_households(
        self, day: int, households: np.ndarray, t: np.ndarray, detect: float, kind
    ) -> int:
        """Visits to ``households`` at times ``t`` find their members' pending needs."""
        m, nd, r = self.m, self.m.needs, self.m.residents
        if not len(households):
            return 0
        visited = np.full(r.n_households, np.inf)
        np.minimum.at(visited, households, t)
        hh_invite = np.isfinite(visited)[r.household]
        r.invited_until[hh_invite] = np.maximum(
            r.invited_until[hh_invite], day + int(m.population.behaviour.invitation_days)
        )
        st = nd.col("status")
        ids = np.flatnonzero(st == UNREPORTED)
        if not len(ids):
            return 0
        tv = visited[r.household[nd.resident[ids]]]
        hit = np.isfinite(tv) & (nd.t_ready[ids] <= tv)
        hit &= self.report_rng.random(len(ids)) < detect
        found = ids[hit]
        if len(found):
            self.report(found, tv[hit], kind.node_of_residents(nd.resident[found]), DISCOVERED)
        return len(found)

    def discover_ties(self, day: int, kind, p: float) -> int:
        m, nd = self.m, self.m.needs
        st = nd.col("status")
        ids = np.flatnonzero((st == UNREPORTED) & (nd.col("t_ready") < day * 24.0 + 24.0))
        if not len(ids):
            return 0
        res = nd.resident[ids]
        hit = m.has_party_tie[res] & (self.report_rng.random(len(ids)) < p)
        found = ids[hit]
        if len(found):
            t = np.maximum(nd.t_ready[found], day * 24.0 + 18.0)
            self.report(found, t, kind.node_of_residents(nd.resident[found]), DISCOVERED)
        return len(found)

    # ---------------------------------------------------------------- routing
    def route_day(self, day: int) -> None:
        """Every institution takes what has reached it today, handles what it has
        authority for and relays the rest; repeated until nothing more arrives today."""
        m = self.m
        t_end = day * 24.0 + 24.0
        for a in m.queue_agents:
            a.begin_day(day, self.rng, m.population.behaviour.staff_absence)
        first = True
        for _ in range(50):
            moved = False
            for a in m.node_agents:
                ids, t = a.take_inbox(t_end)
                if len(ids):
                    moved = True
                    self._arrive(day, a, ids, t)
                elif first and a.queue:
                    self._serve(day, a, ids, t)
            first = False
            if not moved:
                break

    def _arrive(self, day: int, a, ids: np.ndarray, t: np.ndarray) -> None:
        nd = self.m.needs
        typ = nd.type[ids].astype(np.int64)
        nd.hops[ids] += 1
        own = nd.u_auth[ids] < self.auth[a.kind.index, typ]
        if own.any() or a.queue:
            self._serve(day, a, ids[own], t[own])
        fwd = ~own
        if not fwd.any():
            return
        ids, t, typ = ids[fwd], t[fwd], typ[fwd]
        u = self.rng.random((len(ids), 2))
        t_out = a.relay(t, u[:, 0], self.fixed_relay)
        lost = u[:, 1] < a.spec.relay_loss
        nxt = self.next_kind[a.kind.index, typ]
        a.forwarded += int((~lost).sum())
        a.lost += int(lost.sum())
        self.hops.append(
            (
                ids,
                np.full(len(ids), a.node),
                t,
                t_out,
                np.where(lost, HOP_LOST, HOP_FORWARD),
                np.full(len(ids), np.nan),
            )
        )
        if lost.any():
            li = ids[lost]
            nd.status[li] = UNREPORTED
            nd.lost[li] += 1
            nd.t_ready[li] = t_out[lost] + FEEDBACK_WAIT_H
            nd.deadline[li] = nd.t_ready[li] + 0.5 * self.patience_h[nd.type[li].astype(np.int64)]
            nd.relay_up_h[li] = 0.0
            self.m.feedback.lost(nd.resident[li])
        go = ~lost
        if go.any():
            gi = ids[go]
            nd.relay_up_h[gi] += t_out[go] - t[go]
            self.deliver(gi, t_out[go], self.nodes_of(nxt[go], nd.resident[gi]))

    def _serve(self, day: int, a, ids: np.ndarray, t: np.ndarray) -> None:
        nd = self.m.needs
        typ = nd.type[ids].astype(np.int64)
        svc = self.service_mean[typ] * -np.log1p(-nd.u_service[ids])
        done_ids, t_arr, t_start, t_end = a.serve(day, ids, t, svc)
        if not len(done_ids):
            return
        t_done = a.processing_end(t_end, nd.u_process[done_ids])
        nd.t_resolved[done_ids] = t_done + nd.relay_up_h[done_ids]
        nd.resolver[done_ids] = a.node
        # a hop at the handling institution: arrival, start and end of service
        self.hops.append(
            (
                done_ids,
                np.full(len(done_ids), a.node),
                t_arr,
                t_end,
                np.full(len(done_ids), HOP_SERVED),
                t_start,
            )
        )

    def hop_arrays(self) -> dict[str, np.ndarray]:
        """The hop log as columns: need, node, t_in, t_out, event, t_start (NaN unless served)."""
        names = ("need", "node", "t_in", "t_out", "event", "t_start")
        if not self.hops:
            return {
                n: np.empty(0, dtype=np.int64 if n in ("need", "node", "event") else float)
                for n in names
            }
        return {
            n: np.concatenate(c) for n, c in zip(names, zip(*self.hops, strict=True), strict=True)
        }

    def settle(self, day: int) -> np.ndarray:
        """Needs whose answer has reached the resident by the end of ``day`` are resolved."""
        nd = self.m.needs
        st = nd.col("status")
        tr = nd.col("t_resolved")
        ids = np.flatnonzero((st == IN_SYSTEM) & (tr < day * 24.0 + 24.0))
        nd.status[ids] = RESOLVED
        nd.t_ended[ids] = nd.t_resolved[ids]
        return ids
