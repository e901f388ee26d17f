"""Residents rate the institutions that serve them (下评上, evaluation councils), and the
ratings feed back into how those institutions work.

Where a structure makes residents' ratings count in the review of an institution's staff
(001: 「实行“下评上”的考核体系,增加群众满意度测评的权重,并把群众评价结果作为社区工作人员年终
考核的重要依据」; 002: 「成立社区工作评议会,以居民满意度…为评议导向,对社区各治理主体的履职情况…进行
评议监督」; 004's countermeasure: 「將辦理的時效與群眾工作滿意度評價考核機制掛鉤,推動問題按時有效
解決」), every rating period the institution's rating is its residents' mean trust in its
level (``Feedback``: the community's bodies, or the government above).  The worse the
rating and the more it weighs, the more its staff follow up what they pass on:

    follow-up = weight × (1 − rating)

removes that share of its relay delay and of the requests it forwards without follow-up
(一转了事).  Better answers raise trust, which lowers the pressure: the loop is negative
feedback, and its strength is the structure's ``weight``, not an outcome.  Trust moves
slowly (its mean stays near its start within a year), so over a run the effect is mostly
the level ``weight`` × (1 − starting trust), renewed once a rating period (a year by
default, 001's 「年终考核」).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from govsim.config.declare import Par, Share, Strict, field
from govsim.core.module import Module, Outcome, Step


class Rating(Strict):
    """Residents' ratings in the review of an institution's staff (下评上)."""

    weight: Share = field(
        meaning="weight of residents' ratings in the review of its staff", unit="share"
    )
    every_days: Annotated[int, Field(ge=1, le=365)] = field(
        365, "days between ratings (001: 「年终考核」, a yearly review)", "days"
    )


class Evaluation(Module):
    name = "evaluation"
    pars = (
        Par(
            "institutions.*.evaluation",
            Rating | None,
            None,
            "residents rate it, and the rating counts in its staff's review (下评上)",
            "—",
        ),
    )
    outcomes = (
        Outcome(
            "follow_up_mean",
            "考评推动的跟进程度",
            "follow-up under residents' ratings, mean over rated institutions",
            "share",
        ),
    )
    steps = (Step("serve", "step", outputs=("follow_up",)),)

    def setup(self) -> None:
        world = self.w
        self.follow = np.zeros(len(world.agents))
        self.rated = [a for a in world.agents if a.spec.evaluation is not None]
        self.sum_follow, self.days = 0.0, 0
        self._mean: float | None = None  # the rated institutions' mean follow-up, until renewed

    def step(self, day: int) -> np.ndarray:
        """Each rated institution's follow-up (by node; 0 for the others), renewed when
        its rating period comes round."""
        r = self.w.residents
        for a in self.rated:
            ev = a.spec.evaluation
            if day % ev.every_days:
                continue
            trust = r.trust_government if self.w.above_community[a.node] else r.trust_committee
            mine = a.kind.resident_instance == a.instance
            rating = float(trust[mine].mean()) if mine.any() else 1.0
            self.follow[a.node] = ev.weight * (1.0 - rating)
            self._mean = None
        if self.rated:
            if self._mean is None:  # recomputed only when a rating renewed a follow-up
                self._mean = float(np.mean([self.follow[a.node] for a in self.rated]))
            self.sum_follow += self._mean
            self.days += 1
        return self.follow

    def report(self, day, residents, needs) -> dict[str, float | None]:
        return {"follow_up_mean": self.sum_follow / self.days if self.days else None}
