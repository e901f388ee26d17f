"""Verification against queueing theory (issue 3 §3).

- ``erlang_c``: mean wait and utilisation of an M/M/c queue, to compare with a scenario
  configured as one always-open service point with ``c`` windows, Poisson arrivals (the
  need stream reported at arising) and exponential service (need work content).
- ``queue_records``: arrival, start and end of service at each institution from the hop log.
- ``littles_law``: for every queue of a run, the time-average number in the system
  measured by sampling random instants, against arrival rate × mean time in system.
- ``batch_means``: mean and 95% half-width of a series by non-overlapping batches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from govsim.core.records import HOP_SERVED


def erlang_c(lam: float, mu: float, c: int) -> dict[str, float]:
    """M/M/c: probability of waiting, mean wait in queue Wq, utilisation ρ = λ/(cμ)."""
    a = lam / mu
    rho = a / c
    if rho >= 1:
        raise ValueError(f"unstable queue: rho = {rho:.3f} >= 1")
    terms = sum(a**k / math.factorial(k) for k in range(c))
    last = a**c / math.factorial(c) / (1 - rho)
    p_wait = last / (terms + last)
    wq = p_wait / (c * mu - lam)
    return {"p_wait": p_wait, "wq": wq, "w": wq + 1 / mu, "rho": rho, "lq": lam * wq}


@dataclass
class QueueRecord:
    node: int
    key: str
    arrival: np.ndarray  # calendar hours
    start: np.ndarray  # NaN while still waiting at the end
    end: np.ndarray  # NaN while still waiting at the end


def queue_records(model) -> list[QueueRecord]:
    """Arrival, start and end of every request each queueing institution handled, plus
    those still waiting at the end (from the institution's own queue)."""
    h = model.world.hops.arrays()
    served = h["event"] == HOP_SERVED
    out = []
    for a in model.queue_agents:
        sel = served & (h["node"] == a.node)
        arr, st, en = h["t_in"][sel], h["t_start"][sel], h["t_out"][sel]
        # requests of simulated residents (background requests have no need id)
        waiting = np.array([q.t_arrival for q in a.queue if q.need >= 0], dtype=float)
        out.append(
            QueueRecord(
                a.node,
                f"{a.key}#{a.instance}",
                np.concatenate([arr, waiting]),
                np.concatenate([st, np.full(len(waiting), np.nan)]),
                np.concatenate([en, np.full(len(waiting), np.nan)]),
            )
        )
    return out


def batch_means(x: np.ndarray, batches: int = 20) -> tuple[float, float]:
    """Mean and 95% half-width from ``batches`` consecutive batch means."""
    x = np.asarray(x, dtype=float)
    parts = np.array_split(x, batches)
    means = np.array([p.mean() for p in parts if len(p)])
    half = stats.t.ppf(0.975, len(means) - 1) * means.std(ddof=1) / math.sqrt(len(means))
    return float(x.mean()), float(half)


def littles_law(model, warmup_h: float = 0.0, samples: int = 20_000, seed: int = 0) -> list[dict]:
    """L (sampled at random instants) versus λW for every queue, over [warmup, end]."""
    t_end = model.day_count * 24.0
    rng = np.random.default_rng(seed)
    taus = np.sort(rng.uniform(warmup_h, t_end, samples))
    span = t_end - warmup_h
    out = []
    for q in queue_records(model):
        leave = np.where(np.isnan(q.end), np.inf, q.end)
        # number in the system at each sampled instant: arrived and not yet left
        n_in = np.searchsorted(np.sort(q.arrival), taus, side="right") - np.searchsorted(
            np.sort(leave), taus, side="right"
        )
        L = float(n_in.mean())
        # flow side: time each request spent in the system inside the window
        inside = np.clip(np.minimum(leave, t_end), warmup_h, t_end) - np.clip(
            q.arrival, warmup_h, t_end
        )
        in_window = (q.arrival < t_end) & (leave > warmup_h)
        lam = float(((q.arrival >= warmup_h) & (q.arrival < t_end)).sum() / span)
        w = float(
            inside[in_window].sum() / max(1, ((q.arrival >= warmup_h) & (q.arrival < t_end)).sum())
        )
        se = float(n_in.std(ddof=1) / math.sqrt(samples)) if samples > 1 else math.nan
        out.append(
            {
                "queue": q.key,
                "arrivals": int(len(q.arrival)),
                "L": L,
                "lambda_per_h": lam,
                "W_h": w,
                "lambda_W": lam * w,
                "L_se": se,
            }
        )
    return out
