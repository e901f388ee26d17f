"""Needs arise (DOMAIN.md §4): who, what type, when, and each need's own draws.

The need stream depends only on the population and the seed — common random numbers, so
every structure on one seed faces the same needs (rule 3).  Types: administrative service
(社保/计生/民政/低保/证明), basic public service (elderly, disabled, childcare), dispute
(邻里矛盾), public-space or property issue, wish for an activity.  Each need carries its own
uniform draws for its work content, its back-office time and the resident's patience, so
the same need takes the same work in every structure.  Whether an institution can settle it
is drawn where it arrives (``Routing``), keyed by need and hop.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np

from govsim.config.declare import REQUIRED, NeedType, NonNeg, Par, every
from govsim.config.vocabulary import NEED_TYPE_KEYS
from govsim.core.module import Module, Outcome, Step
from govsim.core.records import ELDERLY, NO_CHANNEL, STATUS_NAMES, UNREPORTED

ByType = dict[NeedType, NonNeg]
# a value for every need type
AllTypes = Annotated[ByType, every(NEED_TYPE_KEYS, "need type")]


class NeedArising(Module):
    name = "arising"
    pars = (
        Par("needs.per_year", AllTypes, REQUIRED, "needs per resident per year, by type", "1/yr"),
        Par("needs.elderly_multiplier", ByType, REQUIRED, "rate multiplier for the elderly", "×"),
        Par(
            "needs.vulnerable_multiplier",
            ByType,
            REQUIRED,
            "rate multiplier for vulnerable residents",
            "×",
        ),
        Par("needs.migrant_multiplier", ByType, REQUIRED, "rate multiplier for migrants", "×"),
        Par(
            "needs.patience_days",
            AllTypes,
            REQUIRED,
            "mean days a resident keeps an unreported need (exponential)",
            "days",
        ),
    )
    streams = ("arise",)
    outcomes = (
        Outcome(
            "needs",
            "需求数",
            "needs",
            "needs",
            by_group=True,
            by_need_type=True,
            per_replicate=False,
        ),
        Outcome(
            "needs_arisen",
            "累计产生的需求",
            "needs arisen so far",
            "needs",
            daily=True,
            per_replicate=False,
        ),
        *(
            Outcome(
                f"needs_{s}",
                f"需求状态:{s}",
                f"needs {s.replace('_', ' ')}",
                "needs",
                daily=True,
                per_replicate=False,
            )
            for s in STATUS_NAMES
        ),
    )

    steps = (Step("arise", "step", outputs=("arisen",)),)

    def setup(self) -> None:
        world = self.w
        r, nr = world.residents, world.population.needs
        elderly = r.age_group == ELDERLY
        self.rates = []  # per type: cumulative per-resident rate per day
        for t in NEED_TYPE_KEYS:
            rate = np.full(r.n, nr.per_year[t] / 365.0)
            rate = rate * np.where(elderly, nr.elderly_multiplier.get(t, 1.0), 1.0)
            rate = rate * np.where(r.vulnerable, nr.vulnerable_multiplier.get(t, 1.0), 1.0)
            rate = rate * np.where(r.migrant, nr.migrant_multiplier.get(t, 1.0), 1.0)
            self.rates.append(np.cumsum(rate))
        self.totals = [cum[-1] for cum in self.rates]  # each type's rate over everyone
        self.patience_h = np.array([nr.patience_days[t] * 24.0 for t in NEED_TYPE_KEYS])
        self.group = r.group_code()

    def daily(self, day: int) -> dict[str, int]:
        nd = self.w.needs
        return {"needs_arisen": nd.n, **{f"needs_{k}": v for k, v in nd.counts().items()}}

    def report(self, day, residents, needs) -> dict[str, int]:
        return {"needs": int(needs.sum())}

    def step(self, day: int) -> np.ndarray:
        """Needs arising on ``day`` enter the need table; returns their ids."""
        cols = self.draw(day)
        return self.w.needs.add(**cols) if cols else np.empty(0, dtype=np.int64)

    def draw(self, day: int) -> dict:
        """Needs arising on ``day``: columns for ``NeedTable.add`` (arrays, or one value
        alike for all; empty dict if none)."""
        rng = self.rng["arise"]
        types, residents = [], []
        last = len(self.rates[0]) - 1 if self.rates else 0
        for ti, (cum, total) in enumerate(zip(self.rates, self.totals, strict=True)):
            k = rng.poisson(total)
            if k:
                who = np.searchsorted(cum, rng.random(k) * total, side="right")
                residents.append(np.minimum(who, last))
                types.append(np.full(k, ti, dtype=np.int8))
        if not types:
            return {}
        typ = np.concatenate(types)
        res = np.concatenate(residents)
        m = len(typ)
        u = rng.random((m, 4))
        t = day * 24.0 + u[:, 0] * 24.0
        order = np.argsort(t, kind="stable")
        typ, res, u, t = typ[order], res[order], u[order], t[order]
        patience = -np.log1p(-u[:, 3]) * self.patience_h[typ]
        return {
            "type": typ,
            "resident": res,
            "group": self.group[res],
            "t_arose": t,
            "t_ready": t,
            "deadline": t + patience,
            # one value for every new need
            "status": UNREPORTED,
            "channel": NO_CHANNEL,
            "hops": 0,
            "lost": 0,
            "reports": 0,
            "relay_up_h": 0.0,
            "u_service": u[:, 1],
            "u_process": u[:, 2],
        }
