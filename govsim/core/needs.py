"""Needs: they arise, wait to be reported, travel through the structure, end resolved,
abandoned or never reported.  One row per need in a struct-of-arrays table.

The need stream (who, what type, when, and each need's own random draws for work
content, authority required, processing and patience) comes from a random stream that
depends only on the population and the seed — common random numbers, so every
structure on one seed faces the same needs (rule 3).  Types follow DOMAIN.md §4 / issue
2: administrative service (社保/计生/民政/低保/证明), basic public service (elderly,
disabled, childcare), dispute (邻里矛盾), public-space or property issue, wish for an
activity.
"""

from __future__ import annotations

import numpy as np

from govsim.config.scenario import Population
from govsim.core.population import ELDERLY, Residents, stream
from govsim.labels import NEED_TYPE_KEYS

# status codes
UNREPORTED, IN_SYSTEM, RESOLVED, NEVER_REPORTED, ABANDONED = 0, 1, 2, 3, 4
STATUS_NAMES = ("unreported", "in_system", "resolved", "never_reported", "abandoned")
# channels
NO_CHANNEL, WALK_IN, REMOTE, DISCOVERED = -1, 0, 1, 2
CHANNEL_NAMES = ("walk_in", "remote", "discovered")
ACTIVITY = NEED_TYPE_KEYS.index("activity")


class NeedTable:
    """Growing columns; ``n`` rows are in use."""

    FLOAT = (
        "t_arose",
        "t_ready",
        "deadline",
        "t_reported",
        "t_resolved",
        "t_ended",
        "relay_up_h",
        "u_auth",
        "u_service",
        "u_process",
    )
    INT = {
        "type": np.int8,
        "resident": np.int32,
        "group": np.int8,
        "status": np.int8,
        "channel": np.int8,
        "resolver": np.int32,
        "entry": np.int32,
        "hops": np.int16,
        "lost": np.int16,
        "reports": np.int16,
    }

    def __init__(self, capacity: int = 1024):
        self.n = 0
        self._cap = capacity
        for c in self.FLOAT:
            setattr(self, c, np.full(capacity, np.nan))
        for c, dt in self.INT.items():
            setattr(self, c, np.full(capacity, -1, dtype=dt))

    def _grow(self, need: int) -> None:
        cap = self._cap
        while cap < need:
            cap *= 2
        for c in (*self.FLOAT, *self.INT):
            old = getattr(self, c)
            new = np.full(cap, np.nan if old.dtype.kind == "f" else -1, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, c, new)
        self._cap = cap

    def add(self, **cols) -> np.ndarray:
        m = len(cols["type"])
        if self.n + m > self._cap:
            self._grow(self.n + m)
        ids = np.arange(self.n, self.n + m)
        for c, v in cols.items():
            getattr(self, c)[ids] = v
        self.n += m
        return ids

    def col(self, name: str) -> np.ndarray:
        return getattr(self, name)[: self.n]

    def counts(self) -> dict[str, int]:
        st = self.col("status")
        return {name: int((st == code).sum()) for code, name in enumerate(STATUS_NAMES)}


class NeedStream:
    """Arising needs, day by day, from the population only."""

    def __init__(self, profile: Population, r: Residents, seed: int):
        nr = profile.needs
        self.rng = stream(seed, "needs")
        elderly = r.age_group == ELDERLY
        self.rates = []  # per type: per-resident rate per day
        for t in NEED_TYPE_KEYS:
            rate = np.full(r.n, nr.per_year[t] / 365.0)
            rate = rate * np.where(elderly, nr.elderly_multiplier.get(t, 1.0), 1.0)
            rate = rate * np.where(r.vulnerable, nr.vulnerable_multiplier.get(t, 1.0), 1.0)
            rate = rate * np.where(r.migrant, nr.migrant_multiplier.get(t, 1.0), 1.0)
            self.rates.append(np.cumsum(rate))
        self.patience_h = np.array([nr.patience_days[t] * 24.0 for t in NEED_TYPE_KEYS])
        self.group = r.group_code()

    def day(self, d: int) -> dict[str, np.ndarray]:
        """Needs arising on day ``d``: columns for ``NeedTable.add``."""
        types, residents = [], []
        for ti, cum in enumerate(self.rates):
            k = self.rng.poisson(cum[-1])
            if k:
                who = np.searchsorted(cum, self.rng.random(k) * cum[-1], side="right")
                residents.append(np.minimum(who, len(cum) - 1))
                types.append(np.full(k, ti, dtype=np.int8))
        if not types:
            return {}
        typ = np.concatenate(types)
        res = np.concatenate(residents)
        m = len(typ)
        u = self.rng.random((m, 5))
        t = d * 24.0 + u[:, 0] * 24.0
        order = np.argsort(t, kind="stable")
        typ, res, u, t = typ[order], res[order], u[order], t[order]
        patience = -np.log1p(-u[:, 4]) * self.patience_h[typ]
        return {
            "type": typ,
            "resident": res,
            "group": self.group[res],
            "t_arose": t,
            "t_ready": t,
            "deadline": t + patience,
            "status": np.full(m, UNREPORTED, dtype=np.int8),
            "channel": np.full(m, NO_CHANNEL, dtype=np.int8),
            "hops": np.zeros(m, dtype=np.int16),
            "lost": np.zeros(m, dtype=np.int16),
            "reports": np.zeros(m, dtype=np.int16),
            "relay_up_h": np.zeros(m),
            "u_auth": u[:, 1],
            "u_service": u[:, 2],
            "u_process": u[:, 3],
        }
