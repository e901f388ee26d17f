"""Participation: sessions offered by institutions, residents' choices, and feedback.

Sessions (mechanism 7 of DOMAIN.md) come from two sources: a committee's spare
staff-hours after pushed-down tasks and requests (``self_governance``; 001: after
居政分离 「居委会有时间、有精力、有条件…开展自治活动」), and fixed programmes (``offers``;
000: the liaison center's activities for each group, 9:00–21:00 every day).  A session
happens in the host's opening hours and has a number of seats.

A resident can join a session of their own catchment's host if they are free at its hour.
The daily chance is a logistic function of propensity, trust, belonging, the share of
ties who took part in the last 30 days, an invitation, points on offer (002: 民生银行
积分), and walking time — coefficients from the population profile, the same for every
structure.  Feedback (mechanism 8): taking part builds belonging; volunteers add service
capacity to their host for the next day; collected needs enter the structure.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from govsim.core.needs import ACTIVITY, DISCOVERED, IN_SYSTEM, RESOLVED, UNREPORTED
from govsim.core.population import free_time_mask
from govsim.labels import SESSION_KINDS

KINDS = tuple(SESSION_KINDS)
# ongoing community life; an election is counted on its own (participation_election and
# the yearly civic measure), so it does not make a one-day spike in the 30-day rate
ONGOING = ("activity", "deliberation", "volunteering")
VOLUNTEER_SHIFT_H = 3.0  # assumption: a volunteer gives about three hours a session
SESSION_H = 2.0  # assumption: a committee's activity or meeting lasts about two hours


class Session(NamedTuple):
    """One session held today at a host's premises."""

    host: object  # the Institution agent
    kind: str
    hour: int  # start hour
    seats: int
    collects_needs: bool
    adds_capacity: bool
    duration_h: float


def free_during(free: np.ndarray, tu, wd: int, start: int, duration: float) -> np.ndarray:
    """Whether residents of time-use class(es) ``tu`` are free at any hour of a session."""
    end = min(24, start + max(1, int(np.ceil(duration))))
    return free[tu, wd, start:end].any(axis=-1)


class Participation:
    def __init__(self, model):
        self.m = model
        self.rng = model.streams["participation"]
        self.free = free_time_mask()  # [3, 7, 24]
        self.hosts = [
            a for a in model.node_agents if a.spec.offers or a.spec.self_governance is not None
        ]
        self.host_masks = {a.key: model.schedules[a.key].hourly_mask() for a in self.hosts}
        # when each offer's sessions may start: its own hours, or its host's
        self.offer_masks = {}
        for a in self.hosts:
            for j, off in enumerate(a.spec.offers):
                mask = (
                    model.spec.schedule_of(off).hourly_mask()
                    if off.hours is not None
                    else self.host_masks[a.key]
                )
                self.offer_masks[(a.key, j)] = (mask, max(1, int(mask.any(axis=1).sum())))
        beh = model.population.behaviour
        self.dist_logit = {
            k.key: beh.distance_per_15min * k.walk_min[model.residents.building] / 15.0
            for k in model.kinds
            if any(a.kind is k for a in self.hosts)
        }
        pts = model.spec.incentives.points
        self.points_per = {k: (pts.per_session.get(k, 0.0) if pts else 0.0) for k in KINDS}
        deg = np.asarray(model.ties.sum(axis=1)).ravel()
        self.inv_degree = np.where(deg > 0, 1.0 / np.maximum(deg, 1), 0.0).astype(np.float32)
        self.points_earned = 0.0
        self.attendance = {k: 0 for k in KINDS}
        self.sessions_held = {k: 0 for k in KINDS}

    # ------------------------------------------------------------------ sessions
    def sessions_today(self, day: int) -> list[tuple]:
        """(host, kind, start hour, seats, collects, adds_capacity, duration) of each session today."""
        out = []
        wd = day % 7
        for a in self.hosts:
            for j, off in enumerate(a.spec.offers):
                mask, open_days = self.offer_masks[(a.key, j)]
                hours = np.flatnonzero(mask[wd])
                if not len(hours):
                    continue
                n = 0
                if off.sessions_per_week > 0:
                    a.offer_acc[j] += off.sessions_per_week / open_days
                    n = int(a.offer_acc[j])
                    a.offer_acc[j] -= n
                starts = [int(h) for h in self.rng.choice(hours, size=n)]
                if day % 365 in off.days_of_year:  # a fixed event starts when its hours open
                    starts.append(int(hours[0]))
                for h in starts:
                    out.append(
                        Session(
                            a,
                            off.kind,
                            h,
                            off.seats,
                            off.collects_needs,
                            off.adds_capacity,
                            off.duration_h,
                        )
                    )
            sg = a.spec.self_governance
            hours = np.flatnonzero(self.host_masks[a.key][wd])
            if sg is not None and a.selfgov_hours_today > 0 and len(hours):
                for kind, share, per, seats in (
                    ("activity", sg.activity, sg.hours_per_activity, sg.activity_seats),
                    ("deliberation", sg.deliberation, sg.hours_per_meeting, sg.meeting_seats),
                ):
                    if share <= 0 or per <= 0:
                        continue
                    a.selfgov_acc[kind] += a.selfgov_hours_today * share / per
                    n = int(a.selfgov_acc[kind])
                    a.selfgov_acc[kind] -= n
                    for h in self.rng.choice(hours, size=n):
                        # meetings collect opinions and problems (001: 居民议事会 「负责收集来自各方面的意见建议」)
                        out.append(
                            Session(
                                a, kind, int(h), seats, kind == "deliberation", False, SESSION_H
                            )
                        )
        return out

    # ------------------------------------------------------------------ choices
    def step(self, day: int) -> None:
        m, r, beh = self.m, self.m.residents, self.m.population.behaviour
        sessions = self.sessions_today(day)
        for a in self.hosts:
            a.extra_servers = 0
        if not sessions:
            return
        wd = day % 7
        recent = self.recent_any(day)
        peers = (m.ties @ recent.astype(np.float32)) * self.inv_degree
        base = (
            beh.propensity * r.propensity
            + beh.trust * (r.trust - 0.5)
            + beh.belonging * (r.belonging - 0.5)
            + beh.peers * peers
            + beh.invited * (r.invited_until >= day)
        ).astype(np.float32)
        by_kind: dict[str, list] = {}
        for s in sessions:
            by_kind.setdefault(s.kind, []).append(s)
        for kind in KINDS:
            if kind in by_kind:
                self._choose(day, wd, kind, by_kind[kind], base)

    def _choose(self, day, wd, kind, sessions, base) -> None:
        self.sessions_held[kind] += len(sessions)
        r, beh = self.m.residents, self.m.population.behaviour
        n = r.n
        tu = r.time_use
        # which host kinds offer this session kind today, and to whom
        host_kinds = {}
        for s in sessions:
            a = s.host
            avail = host_kinds.setdefault(
                a.kind.key, (a.kind, np.zeros((a.kind.n_instances, 3), dtype=bool))
            )[1]
            avail[a.instance] |= free_during(self.free, slice(None), wd, s.hour, s.duration_h)
        p_list, k_list = [], []
        extra = beh.base_logit[kind] + beh.points * (self.points_per[kind] > 0)
        for key, (k, avail) in host_kinds.items():
            elig = avail[k.resident_instance, tu]
            logit = base + np.float32(extra) + self.dist_logit[key]
            p = np.where(elig, 1.0 / (1.0 + np.exp(-logit)), 0.0)
            p_list.append(p)
            k_list.append(k)
        if len(p_list) == 1:
            p_any = p_list[0]
        else:
            p_any = 1.0 - np.prod([1.0 - p for p in p_list], axis=0)
        u = self.rng.random(n)
        cand = np.flatnonzero(u < p_any)
        if not len(cand):
            return
        # which host kind each candidate goes to
        choice = np.zeros(len(cand), dtype=np.int64)
        if len(p_list) > 1:
            w = np.stack([p[cand] for p in p_list], axis=1)
            cum = np.cumsum(w, axis=1)
            choice = (self.rng.random(len(cand))[:, None] * cum[:, -1:] > cum).sum(axis=1)
        # assign to a session of their host instance they are free for, then seats
        attendees, hosts_of = [], []
        order = self.rng.permutation(len(cand))
        cand, choice = cand[order], choice[order]
        taken: dict[int, int] = {}
        sess_by_host: dict[tuple[str, int], list[int]] = {}
        for si, s in enumerate(sessions):
            sess_by_host.setdefault((s.host.kind.key, s.host.instance), []).append(si)
        for ci in range(len(k_list)):
            k = k_list[ci]
            mine = cand[choice == ci]
            if not len(mine):
                continue
            inst = k.resident_instance[mine]
            for instance in np.unique(inst):
                who = mine[inst == instance]
                opts = sess_by_host.get((k.key, int(instance)), [])
                if not opts:
                    continue
                ok = np.stack(
                    [
                        free_during(
                            self.free, tu[who], wd, sessions[si].hour, sessions[si].duration_h
                        )
                        for si in opts
                    ],
                    axis=1,
                )
                pick = (self.rng.random(len(who))[:, None] * ok.sum(axis=1, keepdims=True)).astype(
                    np.int64
                )
                idx = (np.cumsum(ok, axis=1) <= pick).sum(axis=1)
                for j, si in enumerate(opts):
                    go = who[(idx == j) & ok[:, j]]
                    room = sessions[si].seats - taken.get(si, 0)
                    go = go[:room]
                    if len(go):
                        taken[si] = taken.get(si, 0) + len(go)
                        attendees.append(go)
                        hosts_of.append(np.full(len(go), si))
        if not attendees:
            return
        who = np.concatenate(attendees)
        sess = np.concatenate(hosts_of)
        self._attend(day, kind, who, sess, sessions)

    def _attend(self, day, kind, who, sess, sessions) -> None:
        r, beh = self.m.residents, self.m.population.behaviour
        self.attendance[kind] += len(who)
        r.last_day[kind][who] = day
        r.belonging[who] = np.minimum(1.0, r.belonging[who] + beh.belonging_gain)
        if self.points_per[kind]:
            r.points[who] += self.points_per[kind]
            self.points_earned += self.points_per[kind] * len(who)
        t_att = day * 24.0 + np.array([s.hour for s in sessions], dtype=float)[sess] + 0.5
        host_node = np.array([s.host.node for s in sessions])[sess]
        if kind == "volunteering":
            r.member_of[who] = host_node
            for si in np.unique(sess):
                s = sessions[si]
                if s.adds_capacity:
                    nvol = int((sess == si).sum())
                    s.host.extra_servers += int(
                        round(nvol * VOLUNTEER_SHIFT_H / max(s.host.hours_per_open_day, 1.0))
                    )
        # a wish for an activity is met by taking part in one
        if kind == "activity":
            self._meet_activity_wishes(who, t_att)
        # sessions that collect needs: attendees' pending needs reach the host
        collects = np.array([s.collects_needs for s in sessions], dtype=bool)[sess]
        if collects.any():
            self._collect(who[collects], t_att[collects], host_node[collects])

    def _meet_activity_wishes(self, who, t_att) -> None:
        nd = self.m.needs
        st = nd.col("status")
        ids = np.flatnonzero(
            (nd.col("type") == ACTIVITY) & ((st == UNREPORTED) | (st == IN_SYSTEM))
        )
        if not len(ids):
            return
        t = self._by_resident(who, t_att, np.inf)[nd.resident[ids]]
        # met by a session after the wish arose (and after it was voiced, if it was)
        floor = np.where(nd.reports[ids] > 0, nd.t_reported[ids], nd.t_arose[ids])
        hit = np.isfinite(t) & (t >= floor)
        met = ids[hit]
        nd.status[met] = RESOLVED
        nd.t_resolved[met] = t[hit]
        nd.t_ended[met] = t[hit]
        self.m.feedback.resolved(met)

    def _collect(self, who, t_att, host_nodes) -> None:
        nd, h = self.m.needs, self.m.handling
        st = nd.col("status")
        ids = np.flatnonzero((st == UNREPORTED) & (nd.col("type") != ACTIVITY))
        if not len(ids):
            return
        res = nd.resident[ids]
        t = self._by_resident(who, t_att, np.inf)[res]
        hit = np.isfinite(t) & (nd.t_ready[ids] <= t)
        if hit.any():
            node = self._by_resident(who, host_nodes, -1)[res[hit]]
            h.report(ids[hit], t[hit], node, DISCOVERED)

    def _by_resident(self, who: np.ndarray, values: np.ndarray, fill) -> np.ndarray:
        """A per-resident array: ``values`` for today's attendees ``who``, ``fill`` for the rest."""
        out = np.full(self.m.residents.n, fill, dtype=np.asarray(values).dtype)
        out[who] = values
        return out

    def recent_any(self, day: int) -> np.ndarray:
        r = self.m.residents
        out = np.zeros(r.n, dtype=bool)
        for k in ONGOING:
            out |= r.last_day[k] >= day - 29
        return out


class Feedback:
    """Trust and belonging move with experience (mechanism 8): good service raises trust,
    slow or lost requests lower it (004: 「一轉了事…群眾不理解、不滿意」); belonging fades
    slowly without contact."""

    def __init__(self, model):
        self.m = model
        beh = model.population.behaviour
        from govsim.labels import NEED_TYPE_KEYS

        self.slow = np.array([beh.slow_threshold_h[t] for t in NEED_TYPE_KEYS])

    def resolved(self, ids: np.ndarray) -> None:
        nd, beh = self.m.needs, self.m.population.behaviour
        if not len(ids):
            return
        rt = nd.t_resolved[ids] - nd.t_arose[ids]
        fast = rt <= self.slow[nd.type[ids].astype(np.int64)]
        self._move_trust(
            nd.resident[ids], np.where(fast, beh.trust_gain_resolved, -beh.trust_loss_slow)
        )

    def lost(self, residents: np.ndarray) -> None:
        self._move_trust(residents, -self.m.population.behaviour.trust_loss_lost)

    def gave_up(self, residents: np.ndarray) -> None:
        self._move_trust(residents, -self.m.population.behaviour.trust_loss_slow)

    def _move_trust(self, residents: np.ndarray, delta) -> None:
        """Add ``delta`` to each resident's trust (repeats add up), kept within [0, 1]."""
        trust = self.m.residents.trust
        np.add.at(
            trust,
            residents,
            np.broadcast_to(np.float32(delta), np.shape(residents)).astype(np.float32),
        )
        touched = np.unique(residents)
        trust[touched] = np.clip(trust[touched], 0.0, 1.0)

    def decay(self) -> None:
        r, beh = self.m.residents, self.m.population.behaviour
        r.belonging -= np.float32(beh.belonging_decay_per_day)
        np.maximum(r.belonging, 0.0, out=r.belonging)
