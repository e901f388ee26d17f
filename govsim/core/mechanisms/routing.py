"""Intake, routing and relays (DOMAIN.md mechanism 1): where a request goes and how long
it takes to get there.

A report reaches its entry institution: a wish for an activity becomes an invitation to
take part; anything else enters the institution's inbox.  At each institution a request
is handled if the institution can settle it — with probability its ``authority`` share
for the need's type, *of the requests of that type that reach it*, drawn independently at
each institution on the path (keyed by need and hop, so paired across structures) —
otherwise relayed up after a delay in the
relayer's working hours and with a chance of being forwarded without follow-up (004:
「對不屬于自己職責范圍內的問題大多一轉了事,及時反饋處理結果不足」; 001: the street as
「传声筒」「二传手」).  A lost request goes back to its resident, who waits a while for an
answer and may report it again.

Routing owns, by institution node, the inbox of requests on their way to each institution
and what it counts there: requests arriving, relayed on and lost.  The relay delay is
computed in one place (``relay_end``).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from govsim.config.declare import REQUIRED, Const, InstitutionKey, NeedType, NonNeg, Par, Share
from govsim.config.vocabulary import NEED_TYPE_KEYS
from govsim.core.module import Module, Step
from govsim.core.records import (
    ACTIVITY,
    HOP_FORWARD,
    HOP_LOST,
    IN_SYSTEM,
    UNREPORTED,
    Hops,
    Reports,
)

FEEDBACK_WAIT_H = 7 * 24.0  # assumption: a resident waits a week for an answer before trying again
LOST_PATIENCE_SHARE = 0.5  # assumption: after a loss a resident keeps trying half as long
MAX_PASSES = 50  # relay passes within one day (a relay chain longer than this waits a day)


def relay_end(
    clock, delay_h: float, t: np.ndarray, u: np.ndarray, fixed: bool, factor: np.ndarray
) -> np.ndarray:
    """Time each forwarded request leaves for the next level: a relay delay of mean
    ``delay_h`` in the relayer's working hours (``clock``, its ``OpenClock``; 「传声筒」
    「二传手」, 001), exponential with the request's draw ``u`` or fixed; ``factor`` (per
    request) is the share of the delay left after follow-up (``Evaluation``)."""
    d = delay_h * factor
    slow = d > 0
    if not slow.any():
        return t
    t_out = t.copy()
    delay = d[slow] if fixed else -np.log1p(-u[slow]) * d[slow]
    t_out[slow] = clock.from_open(clock.to_open(t[slow]) + delay, side="left")
    return t_out


class Lost(NamedTuple):
    """Requests forwarded without follow-up today: the resident and the institution (node)
    that lost each one (one entry per loss)."""

    residents: np.ndarray
    nodes: np.ndarray

    @classmethod
    def none(cls) -> Lost:
        return cls(np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int64))


class Invitations(NamedTuple):
    """Residents invited to take part, until a day (a wish voiced, a household visited)."""

    residents: np.ndarray
    until: np.ndarray

    @classmethod
    def join(cls, parts: list[Invitations]) -> Invitations:
        if not parts:
            return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
        return cls(
            np.concatenate([p.residents for p in parts]), np.concatenate([p.until for p in parts])
        )


class Routing(Module):
    name = "routing"
    pars = (
        Par(
            "institutions.*.authority",
            dict[NeedType, Share],
            {},
            "share of the requests of each need type reaching it that it settles",
            "share",
        ),
        Par(
            "institutions.*.forwards_to",
            InstitutionKey | None,
            None,
            "where it relays what it cannot settle",
            "institution",
        ),
        Par(
            "institutions.*.forwards",
            dict[NeedType, InstitutionKey],
            {},
            "relay target by need type, overriding forwards_to",
            "institution",
        ),
        Par(
            "institutions.*.relay_delay_h",
            NonNeg,
            0.0,
            "mean delay before a relayed request leaves, in working hours",
            "h (open)",
        ),
        Par(
            "institutions.*.relay_loss",
            Share,
            0.0,
            "chance a relayed request is forwarded without follow-up (一转了事)",
            "probability",
        ),
        Par(
            "routing.relay",
            Literal["exponential", "fixed"],
            "exponential",
            "relay delay: random (exponential) or fixed",
            "—",
        ),
        Par("behaviour.invitation_days", NonNeg, REQUIRED, "days an invitation counts", "days"),
        Par("needs.patience_days"),
    )
    keyed = ("authority", "relay")  # draws keyed by need and hop (streams.keyed_uniform)

    steps = (
        Step("arise", "intake_all", ("reports_at_arising",), ("invitations_at_arising",)),
        Step("report", "intake_all", ("reports",), ("invitations_from_reports",)),
        Step("serve", "step", ("follow_up",), ("lost",)),
    )
    provides = ("intake", "stamp")
    constants = (
        Const(
            "FEEDBACK_WAIT_H",
            "wait for an answer before a resident whose request was lost may try again",
            "h",
            "assumption: a week",
        ),
        Const(
            "LOST_PATIENCE_SHARE",
            "after a loss, the share of the usual patience a resident keeps trying",
            "share",
            "assumption: half as long",
        ),
        Const(
            "MAX_PASSES",
            "relay passes within one day (a longer chain goes on the next day)",
            "passes",
            "numerical bound; no built-in route is longer than 5",
        ),
    )
    uses = ("serve", "open_day")

    def setup(self) -> None:
        world = self.w
        sc, pop = world.spec, world.population
        kinds = world.kinds
        nt = len(NEED_TYPE_KEYS)
        self.auth = np.zeros((len(kinds), nt))
        self.next_kind = np.full((len(kinds), nt), -1, dtype=np.int64)
        key_index = {k.key: k.index for k in kinds}
        for k in kinds:
            for ti, t in enumerate(NEED_TYPE_KEYS):
                self.auth[k.index, ti] = k.spec.authority.get(t, 0.0)
                nxt = k.spec.forwards.get(t, k.spec.forwards_to)
                self.next_kind[k.index, ti] = key_index[nxt] if nxt else -1
        self.patience_h = np.array([pop.needs.patience_days[t] * 24.0 for t in NEED_TYPE_KEYS])
        self.fixed_relay = sc.routing.relay == "fixed"
        self.invitation_days = int(pop.behaviour.invitation_days)
        # kinds whose instances are handled together in a pass (``_arrive_kind``): none
        # relays to its own kind (so none receives from another instance of it within a
        # pass) and they share one open clock
        self.together = [
            bool((self.next_kind[k.index] != k.index).all())
            and all(a.clock is k.agents[0].clock for a in k.agents)
            for k in kinds
        ]
        # by institution node: requests on their way to it (arrays of need ids and arrival
        # times), and what is counted there
        n = len(world.agents)
        self.inbox_ids: list[list[np.ndarray]] = [[] for _ in range(n)]
        self.inbox_t: list[list[np.ndarray]] = [[] for _ in range(n)]
        # by kind: how many of its instances' inboxes hold requests (a kind with none, and
        # no queue waiting, has nothing to do in a pass), and which kinds keep queues
        self.kind_of_node = [a.kind.index for a in world.agents]
        self.inboxes_held = [0] * len(kinds)
        self.queues_of = [
            [a for a in k.agents if a.windows or not a.spec.accept_first] for k in kinds
        ]
        self.arrivals = np.zeros(n, dtype=np.int64)  # reached it, settled there or not
        self.forwarded = np.zeros(n, dtype=np.int64)  # relayed on
        self.lost = np.zeros(n, dtype=np.int64)  # forwarded without follow-up (一转了事)

    # ---------------------------------------------------------------- intake
    def intake_all(self, day: int, reports: list[Reports]) -> Invitations:
        """``intake`` for each batch of today's reports; the invitations they make."""
        return Invitations.join([self.intake(r) for r in reports])

    def intake(self, reports: Reports) -> Invitations:
        """Needs reach an institution: first reports are stamped; wishes for an activity
        become invitations (returned); other needs enter the entry institution's inbox."""
        nd = self.w.needs
        ids, t, entry_nodes, channel = reports
        self.stamp(reports)
        act = nd.type[ids] == ACTIVITY
        rest = ~act
        if rest.any():
            self.deliver(ids[rest], t[rest], entry_nodes[rest])
        # the invitation runs from the day each wish was voiced
        until = (t[act] // 24).astype(np.int32) + self.invitation_days
        return Invitations(nd.resident[ids[act]], until)

    def stamp(self, reports: Reports) -> None:
        """Needs have reached the structure: first reports get their time, channel and
        entry institution; every report is counted; the needs are in the system."""
        nd = self.w.needs
        ids, t, entry_nodes, channel = reports
        first = nd.reports[ids] == 0
        nd.t_reported[ids[first]] = t[first]
        nd.channel[ids[first]] = channel
        nd.entry[ids[first]] = entry_nodes[first]
        nd.reports[ids] += 1
        nd.status[ids] = IN_SYSTEM

    def deliver(self, ids, t, nodes) -> None:
        """Put requests into the inboxes of the institutions (global node ids) they reach."""
        if not len(ids):
            return
        if nodes.min() == nodes.max():  # all to one institution
            self._receive(int(nodes[0]), ids, t)
            return
        order = np.argsort(nodes, kind="stable")
        ids, t, nodes = ids[order], t[order], nodes[order]
        cut = (np.flatnonzero(np.diff(nodes)) + 1).tolist()
        for lo, hi in zip([0, *cut], [*cut, len(ids)], strict=True):
            self._receive(int(nodes[lo]), ids[lo:hi], t[lo:hi])

    def _receive(self, node: int, ids: np.ndarray, t: np.ndarray) -> None:
        if len(ids):
            if not self.inbox_ids[node]:
                self.inboxes_held[self.kind_of_node[node]] += 1
            self.inbox_ids[node].append(ids)
            self.inbox_t[node].append(t)

    def _take_inbox(self, node: int, t_end: float) -> tuple[np.ndarray, np.ndarray]:
        """Requests that have reached institution ``node`` before ``t_end``, in order of
        arrival (each counted as an arrival there); later ones stay in its inbox."""
        inbox_ids, inbox_t = self.inbox_ids[node], self.inbox_t[node]
        if not inbox_ids:
            return np.empty(0, dtype=np.int64), np.empty(0)
        if len(inbox_ids) == 1:
            ids, t = inbox_ids[0], inbox_t[0]
        else:
            ids, t = np.concatenate(inbox_ids), np.concatenate(inbox_t)
        now = t < t_end
        if now.all():
            self.inbox_ids[node], self.inbox_t[node] = [], []
            self.inboxes_held[self.kind_of_node[node]] -= 1
        else:
            later = ~now
            self.inbox_ids[node], self.inbox_t[node] = [ids[later]], [t[later]]
            ids, t = ids[now], t[now]
        order = np.argsort(t, kind="stable")
        self.arrivals[node] += len(ids)
        return ids[order], t[order]

    # ---------------------------------------------------------------- the day
    def step(self, day: int, follow_up: np.ndarray) -> Lost:
        """Every institution takes what has reached it today, handles what it has authority
        for and relays the rest, until nothing more arrives today.  ``follow_up``: by
        institution node, the share of its relay delay and losses its staff remove because
        residents' ratings count in their review (``Evaluation``; 0 without).  Returns the
        requests lost on the way (resident and institution, one entry per loss)."""
        t_end = day * 24.0 + 24.0
        self.services["open_day"](day)
        lost: list[Lost] = []
        first = True
        held = self.inboxes_held
        for _ in range(MAX_PASSES):
            moved = False
            for k in self.w.kinds:  # in node order, so every institution in node order
                if not held[k.index] and not (
                    first and any(a.waiting() for a in self.queues_of[k.index])
                ):
                    continue  # nothing reached the kind and nothing waits
                if self.together[k.index]:
                    moved |= self._arrive_kind(day, k, t_end, first, follow_up, lost)
                    continue
                for a in k.agents:
                    if not (self.inbox_ids[a.node] or (first and a.waiting())):
                        continue  # nothing reached it and nothing waits
                    ids, t = self._take_inbox(a.node, t_end)
                    if len(ids):
                        moved = True
                        lost.append(self._arrive(day, a, ids, t, float(follow_up[a.node])))
                    elif first and a.waiting():
                        self.services["serve"](day, a, ids, t)
            first = False
            if not moved:
                break
        if not lost:
            return Lost.none()
        return Lost(*(np.concatenate(x) for x in zip(*lost, strict=True)))

    def _arrive_kind(self, day, k, t_end, first, follow_up, lost: list[Lost]) -> bool:
        """``_arrive`` at every instance of kind ``k`` with what reached it, in one go: the
        same draws (keyed by need and hop), queues served instance by instance in node
        order, hop records and losses in the order instance by instance would give them.
        Returns whether anything arrived."""
        serve = self.services["serve"]
        taken = []  # (agent, ids, t) in node order; ids None: only its queue to serve
        for a in k.agents:
            if not (self.inbox_ids[a.node] or (first and a.waiting())):
                continue
            ids, t = self._take_inbox(a.node, t_end)
            if len(ids):
                taken.append((a, ids, t))
            elif first and a.waiting():
                taken.append((a, None, (ids, t)))
        if not any(ids is not None for _, ids, _ in taken):
            for a, _, (ids, t) in taken:
                serve(day, a, ids, t)
            return False
        if len(taken) == 1:  # one instance, with arrivals: as instance by instance
            a, ids, t = taken[0]
            lost.append(self._arrive(day, a, ids, t, float(follow_up[a.node])))
            return True
        nd, hops = self.w.needs, self.w.hops
        arrived = [(a, ids, t) for a, ids, t in taken if ids is not None]
        ids = np.concatenate([x[1] for x in arrived])
        t = np.concatenate([x[2] for x in arrived])
        size = np.array([len(x[1]) for x in arrived])
        node = np.repeat(np.array([a.node for a, _, _ in arrived], dtype=np.int64), size)
        typ = nd.type[ids].astype(np.int64)
        nd.hops[ids] += 1
        # can it settle the request?  (keyed by need and hop, as in ``_arrive``)
        u_own = self.keyed_draw("authority", ids, nd.hops[ids])
        own = u_own < self.auth[k.index, typ]
        fwd = ~own
        f_ids, f_t, f_node, f_typ = ids[fwd], t[fwd], node[fwd], typ[fwd]
        t_out, f_lost = f_t, np.zeros(0, dtype=bool)
        if len(f_ids):
            u = self.keyed_draw("relay", f_ids[:, None], nd.hops[f_ids][:, None], [0, 1])
            factor = 1.0 - follow_up[f_node]
            clock = k.agents[0].clock  # shared by the kind's instances (``together``)
            t_out = relay_end(clock, k.spec.relay_delay_h, f_t, u[:, 0], self.fixed_relay, factor)
            f_lost = u[:, 1] < k.spec.relay_loss * factor
        event = np.where(f_lost, HOP_LOST, HOP_FORWARD)
        # instance by instance in node order: its queue (the hops it served), then the hops
        # of what it relayed; relay hops of instances that serve nothing go in together
        ends = np.cumsum(size).tolist()
        f_ends = np.cumsum(np.add.reduceat(fwd.astype(np.int64), np.subtract(ends, size)))
        f_ends = f_ends.tolist()
        recorded = 0  # relay hops recorded so far

        def record(upto: int) -> None:
            nonlocal recorded
            if upto > recorded:
                sl = slice(recorded, upto)
                hops.add(
                    Hops(
                        f_ids[sl],
                        f_node[sl],
                        f_t[sl],
                        t_out[sl],
                        event[sl],
                        np.full(upto - recorded, np.nan),
                    )
                )
                recorded = upto

        i = 0  # instances with arrivals so far
        for a, a_ids, a_t in taken:
            before = f_ends[i - 1] if i else 0  # relay hops of the instances before it
            if a_ids is None:  # nothing arrived; its queue goes on
                record(before)
                serve(day, a, *a_t)
                continue
            mine = own[ends[i] - len(a_ids) : ends[i]]
            if mine.any() or a.waiting():
                record(before)
                serve(day, a, a_ids[mine], a_t[mine])
            if f_ends[i] > before:
                n_lost = int(f_lost[before : f_ends[i]].sum())
                self.forwarded[a.node] += f_ends[i] - before - n_lost
                self.lost[a.node] += n_lost
            i += 1
        record(len(f_ids))
        lost.append(self._relayed(f_ids, f_t, f_node, f_typ, t_out, f_lost, k))
        return True

    def _relayed(self, ids, t, node, typ, t_out, lost, k) -> Lost:
        """Requests relayed from instances of ``k``: the lost go back to their residents,
        the rest on to the next institution.  Returns the losses."""
        nd = self.w.needs
        out = Lost.none()
        if lost.any():
            li = ids[lost]
            nd.status[li] = UNREPORTED
            nd.lost[li] += 1
            nd.t_ready[li] = t_out[lost] + FEEDBACK_WAIT_H
            nd.deadline[li] = (
                nd.t_ready[li] + LOST_PATIENCE_SHARE * self.patience_h[nd.type[li].astype(np.int64)]
            )
            nd.relay_up_h[li] = 0.0
            out = Lost(nd.resident[li], node[lost])
        go = ~lost
        if go.any():
            gi = ids[go]
            nd.relay_up_h[gi] += t_out[go] - t[go]
            nxt = self.next_kind[k.index, typ[go]]
            self.deliver(gi, t_out[go], self.w.nodes_of(nxt, nd.resident[gi]))
        return out

    def _arrive(self, day: int, a, ids: np.ndarray, t: np.ndarray, follow_up: float) -> Lost:
        nd = self.w.needs
        typ = nd.type[ids].astype(np.int64)
        nd.hops[ids] += 1
        # can it settle the request?  Its authority share of what reaches it, drawn
        # independently at each institution (keyed by need and hop: paired across structures)
        u_own = self.keyed_draw("authority", ids, nd.hops[ids])
        own = u_own < self.auth[a.kind.index, typ]
        if own.any() or a.waiting():
            self.services["serve"](day, a, ids[own], t[own])
        fwd = ~own
        if not fwd.any():
            return Lost.none()
        ids, t, typ = ids[fwd], t[fwd], typ[fwd]
        # the draws of this hop of this need (delay, loss): keyed, not order-dependent
        u = self.keyed_draw("relay", ids[:, None], nd.hops[ids][:, None], [0, 1])
        factor = np.full(len(ids), 1.0 - follow_up)
        t_out = relay_end(a.clock, a.spec.relay_delay_h, t, u[:, 0], self.fixed_relay, factor)
        lost = u[:, 1] < a.spec.relay_loss * (1.0 - follow_up)
        self.forwarded[a.node] += int((~lost).sum())
        self.lost[a.node] += int(lost.sum())
        self.w.hops.add(
            Hops(
                ids,
                np.full(len(ids), a.node),
                t,
                t_out,
                np.where(lost, HOP_LOST, HOP_FORWARD),
                np.full(len(ids), np.nan),
            )
        )
        node = np.full(len(ids), a.node, dtype=np.int64)
        return self._relayed(ids, t, node, typ, t_out, lost, a.kind)  # as a kind's pass does

    def by_institution(self, day: int) -> dict[str, dict]:
        """By institution kind: requests that reached it, were relayed on, were lost."""
        counts = {
            name: self.w.by_kind(arr)
            for name, arr in (
                ("arrivals", self.arrivals),
                ("forwarded", self.forwarded),
                ("lost", self.lost),
            )
        }
        return {k.key: {name: c[k.key] for name, c in counts.items()} for k in self.w.kinds}
