"""Trust, belonging and incentives (DOMAIN.md mechanism 8): experience feeds back.

Good service raises trust, slow or lost requests lower it (004:
「一轉了事…群眾不理解、不滿意」); a need given up lowers it too.  Besides a resident's
trust, which drives their choices, trust is kept apart for the community's own bodies
(committee, workstation, centers, organisations) and for the government above it (street
office, town, district departments): an answer or a loss moves the trust in the level of
the institution that gave or lost it (001: 「提升了群众对社区党组织和社区干部的公认度」
is about the community's own bodies; 004: 「一轉了事」 about the offices above).  Taking part builds
belonging, which fades slowly without contact.  Where the structure runs a points bank
(002: 民生银行积分, 「积分兑换」), taking part earns points that are redeemed for services.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np

from govsim.config.declare import (
    REQUIRED,
    NeedType,
    NonNeg,
    Par,
    SessionKind,
    Share,
    Strict,
    every,
    field,
)
from govsim.config.vocabulary import NEED_TYPE_KEYS, SESSION_KINDS
from govsim.core.mechanisms.routing import Lost
from govsim.core.mechanisms.sessions import Attendance
from govsim.core.module import Module, Outcome, State, Step


class Points(Strict):
    """A points bank (积分): taking part earns points redeemable for services."""

    per_session: dict[SessionKind, NonNeg] = field(
        meaning="points earned per session, by kind", unit="points"
    )
    yuan_per_point: NonNeg = field(meaning="value of a point when redeemed", unit="yuan")
    redeem_share: Share = field(0.8, "share of points redeemed", "share")


class Feedback(Module):
    name = "feedback"
    pars = (
        Par(
            "behaviour.trust_gain_resolved",
            NonNeg,
            REQUIRED,
            "trust gained when a need is answered in time",
            "0–1",
        ),
        Par(
            "behaviour.trust_loss_slow",
            NonNeg,
            REQUIRED,
            "trust lost when an answer is slow or a need is given up",
            "0–1",
        ),
        Par(
            "behaviour.trust_loss_lost",
            NonNeg,
            REQUIRED,
            "trust lost when a request is forwarded without follow-up",
            "0–1",
        ),
        Par(
            "behaviour.slow_threshold_h",
            Annotated[dict[NeedType, NonNeg], every(NEED_TYPE_KEYS, "need type")],
            REQUIRED,
            "response time residents call slow, by type",
            "h",
        ),
        Par(
            "behaviour.belonging_gain",
            NonNeg,
            REQUIRED,
            "belonging gained per session attended",
            "0–1",
        ),
        Par(
            "behaviour.belonging_decay_per_day",
            NonNeg,
            REQUIRED,
            "belonging lost per day",
            "0–1/day",
        ),
        Par("incentives.points", Points | None, None, "a points bank (积分)", "—"),
    )
    states = (
        State("points", np.float32, 0.0, "points earned (points bank)"),
        State("trust_committee", np.float32, 0.0, "trust in the community's own bodies"),
        State("trust_government", np.float32, 0.0, "trust in the government above"),
    )
    outcomes = (
        Outcome(
            "trust_mean",
            "信任度均值",
            "trust, mean",
            "0–1",
            headline=7,
            by_group=True,
            daily=True,
            better="higher",
            matters=0.02,
            matters_source="assumption: two hundredths of the 0–1 trust scale",
        ),
        Outcome(
            "trust_committee_mean",
            "对社区组织的信任",
            "trust in the community's bodies, mean",
            "0–1",
            by_group=True,
            daily=True,
            governance=True,
        ),
        Outcome(
            "trust_government_mean",
            "对政府的信任",
            "trust in the government above, mean",
            "0–1",
            by_group=True,
            daily=True,
            governance=True,
        ),
        Outcome(
            "belonging_mean", "归属感均值", "belonging, mean", "0–1", by_group=True, daily=True
        ),
    )

    steps = (
        Step("report", "gave_up", ("gave_up",)),
        Step("serve", "lost", ("lost",)),
        Step("serve", "resolved", ("resolved",), after=("feedback.lost",)),  # both move trust
        Step("sessions", "attended", ("attendances",), after=("service.set_volunteers",)),
        Step("sessions", "resolved", ("wishes_met",), after=("feedback.attended",)),
        Step("close", "decay"),
    )
    provides = ("points_earned",)

    def setup(self) -> None:
        world = self.w
        self.beh = beh = world.population.behaviour
        self.slow = np.array([beh.slow_threshold_h[t] for t in NEED_TYPE_KEYS])
        pts = world.spec.incentives.points
        self.points_per = {k: (pts.per_session.get(k, 0.0) if pts else 0.0) for k in SESSION_KINDS}
        self.earned = 0.0
        r = world.residents
        r.trust_committee[:] = r.trust  # both start at the resident's trust
        r.trust_government[:] = r.trust
        self.above = world.above_community  # by institution node

    def points_earned(self) -> float:
        """Points earned so far by everyone."""
        return self.earned

    def resolved(self, day: int, ids: np.ndarray) -> None:
        """Needs answered: trust rises if in time for their type, falls if slow."""
        nd, beh = self.w.needs, self.beh
        if not len(ids):
            return
        rt = nd.t_resolved[ids] - nd.t_arose[ids]
        fast = rt <= self.slow[nd.type[ids].astype(np.int64)]
        delta = np.where(fast, beh.trust_gain_resolved, -beh.trust_loss_slow)
        self._move_trust(nd.resident[ids], delta)
        # a wish met by taking part has no resolver: community life, the community's bodies
        res = nd.resolver[ids]
        self._move_level(nd.resident[ids], delta, (res >= 0) & self.above[np.maximum(res, 0)])

    def lost(self, day: int, lost: Lost) -> None:
        """Requests forwarded without follow-up (one entry per loss)."""
        if len(lost.residents):
            self._move_trust(lost.residents, -self.beh.trust_loss_lost)
            delta = np.full(len(lost.residents), -self.beh.trust_loss_lost)
            self._move_level(lost.residents, delta, self.above[lost.nodes])

    def gave_up(self, day: int, residents: np.ndarray) -> None:
        """Needs given up unreported."""
        if len(residents):
            self._move_trust(residents, -self.beh.trust_loss_slow)

    def attended(self, day: int, attendances: list[Attendance]) -> None:
        """Taking part builds belonging and earns points where a points bank exists."""
        r = self.w.residents
        for kind, who in attendances:
            r.belonging[who] = np.minimum(1.0, r.belonging[who] + self.beh.belonging_gain)
            if self.points_per[kind]:
                r.points[who] += self.points_per[kind]
                self.earned += self.points_per[kind] * len(who)

    def _move_level(self, residents: np.ndarray, delta: np.ndarray, above: np.ndarray) -> None:
        """Move the trust in the level (community or above) of the institution concerned."""
        r = self.w.residents
        self._move_trust(residents[~above], delta[~above], r.trust_committee)
        self._move_trust(residents[above], delta[above], r.trust_government)

    def _move_trust(self, residents: np.ndarray, delta, trust: np.ndarray | None = None) -> None:
        """Add ``delta`` to each resident's trust (repeats add up), kept within [0, 1]."""
        if not len(residents):
            return
        if trust is None:
            trust = self.w.residents.trust
        delta = np.asarray(delta, dtype=np.float32)  # rounded to float32 once, as before
        if delta.ndim == 0:
            delta = np.full(len(residents), delta)
        np.add.at(trust, residents, delta)
        # repeats write the same value (within [0, 1]: min(max(t, 0), 1), as np.clip)
        got = trust[residents]
        np.maximum(got, 0.0, out=got)
        np.minimum(got, 1.0, out=got)
        trust[residents] = got

    def decay(self, day: int) -> None:
        r = self.w.residents
        r.belonging -= np.float32(self.beh.belonging_decay_per_day)
        np.maximum(r.belonging, 0.0, out=r.belonging)

    def daily(self, day: int) -> dict[str, float]:
        r = self.w.residents
        return {
            "trust_mean": float(r.trust.mean()),
            "trust_committee_mean": float(r.trust_committee.mean()),
            "trust_government_mean": float(r.trust_government.mean()),
            "belonging_mean": float(r.belonging.mean()),
        }

    def report(self, day, residents, needs) -> dict[str, float | None]:
        r = self.w.residents
        if residents is None:
            return self.daily(day)
        any_ = residents.any()
        return {
            "trust_mean": float(r.trust[residents].mean()) if any_ else None,
            "trust_committee_mean": float(r.trust_committee[residents].mean()) if any_ else None,
            "trust_government_mean": float(r.trust_government[residents].mean()) if any_ else None,
            "belonging_mean": float(r.belonging[residents].mean()) if any_ else None,
        }
