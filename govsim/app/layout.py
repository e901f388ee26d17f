"""The network view's fixed picture of a structure, computed once per model: a sample of
residents along the bottom, the institutions above them in rows by level, who relays to
whom and where each resident goes first (``NetworkLayout``)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

from govsim.config.vocabulary import LEVELS
from govsim.config.vocabulary import tier as tier_of

if TYPE_CHECKING:
    from govsim.core.model import GovernanceModel

LEFT = 0.17  # the network view's left margin, for the names of the levels
GAP = 0.2  # the widest gap between institutions in a row of it


class NetworkLayout:
    """A fixed picture of the structure, computed once: a sample of residents along the
    bottom in building order (catchments are runs of buildings, so each institution's
    residents sit together), the institutions above them in rows by level — the district at
    the top — each over the residents it serves; lines show who relays to whom and where
    each resident goes first."""

    def __init__(self, model: GovernanceModel, sample: int, seed: int):
        r = model.residents
        rng = np.random.default_rng(seed)
        who = np.sort(rng.choice(r.n, size=min(sample, r.n), replace=False))
        self.who = who[np.argsort(r.building[who], kind="stable")]
        k = len(self.who)
        self.rx = LEFT + (1.0 - LEFT) * (np.arange(k) + 0.5) / k
        self.ry = rng.uniform(0.0, 1.0, k)
        tiers = [t for t in LEVELS if any(tier_of(kd.spec) == t for kd in model.kinds)]
        row = {t: 1.8 + 1.1 * (len(tiers) - 1 - i) for i, t in enumerate(tiers)}
        self.nodes: list[tuple[float, float]] = []  # one per model.node_agents
        by_row: dict[str, list[tuple[float, int]]] = {}
        for kd in model.kinds:
            inst = kd.resident_instance[self.who]
            for i in range(kd.n_instances):
                mine = self.rx[inst == i]
                x = (
                    float(mine.mean())
                    if len(mine)
                    else LEFT + (1 - LEFT) * (i + 0.5) / kd.n_instances
                )
                by_row.setdefault(tier_of(kd.spec), []).append((x, len(self.nodes)))
                self.nodes.append((x, row[tier_of(kd.spec)]))
        # names of institutions sharing a row with many instances are staggered upwards
        self.stagger: dict[str, int] = {}
        for t in tiers:
            row_kinds = [kd for kd in model.kinds if tier_of(kd.spec) == t]
            crowded = len(row_kinds) > 1 and any(kd.n_instances > 1 for kd in row_kinds)
            for j, kd in enumerate(row_kinds):
                self.stagger[kd.key] = j if crowded else 0
        self.gaps = [GAP] * len(self.nodes)  # room each institution has in its row
        for t, items in by_row.items():
            xs = _spread([x for x, _ in items])
            gap = min([GAP] + [b - a for a, b in itertools.pairwise(sorted(xs))])
            for x, (_, n) in zip(xs, items, strict=True):
                self.nodes[n] = (x, row[t])
                self.gaps[n] = gap
        self.rows = {t: row[t] for t in tiers}
        # relays: each instance to the instance of the next institution serving most of its
        # residents; residents to where they go first with an errand
        kinds = {kd.key: kd for kd in model.kinds}
        self.relays: list[tuple[int, int]] = []
        for kd in model.kinds:
            up = kinds.get(kd.spec.forwards_to)
            if up is None:
                continue
            for i in range(kd.n_instances):
                served = up.resident_instance[kd.resident_instance == i]
                j = int(np.bincount(served).argmax()) if len(served) else 0
                self.relays.append((kd.first_node + i, up.first_node + j))
        entry = kinds[model.spec.routing.walk_in["admin_service"]]
        self.entry = entry.first_node + entry.resident_instance[self.who]


def _spread(xs: list[float], lo: float = LEFT + 0.02, hi: float = 0.97) -> list[float]:
    """Positions near ``xs`` (in their order) at least a gap apart, within [lo, hi]."""
    order = np.argsort(xs, kind="stable")
    gap = min(GAP, (hi - lo) / max(1, len(xs) - 1))
    out = np.empty(len(xs))
    prev = -np.inf
    for i in order:
        prev = out[i] = max(xs[i], prev + gap)
    if len(xs) and out.max() > hi:
        out -= out.max() - hi
    if len(xs) and out.min() < lo:  # too many for the row: spread evenly
        out[order] = np.linspace(lo, hi, len(xs)) if len(xs) > 1 else 0.5
    return out.tolist()
