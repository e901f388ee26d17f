"""The shared records of one run that mechanisms read and write: residents, households,
institution kinds and agents, the need table and the hop log.

Mechanisms get the ``World`` (data, not other mechanisms) and their own parameters in
their constructor; anything one mechanism produces for another travels as an argument or
a return value through ``GovernanceModel.step``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from govsim.config.schedule import WeeklySchedule
from govsim.config.vocabulary import ABOVE_COMMUNITY_ACTORS
from govsim.core.records import CHANNEL_NAMES, HopLog, Households, NeedTable, Residents
from govsim.core.structure import Kind


@dataclass
class World:
    spec: Any  # the validated scenario (govsim.core.load.Scenario)
    population: Any  # the validated population profile
    residents: Residents
    households: Households
    ties: sp.csr_matrix
    kinds: list[Kind]
    agents: list  # every Institution agent, by global node id
    schedules: dict[str, WeeklySchedule]
    needs: NeedTable
    hops: HopLog = field(default_factory=HopLog)
    report_at_arising: bool = False  # verification: every need reported as it arises
    # the channels of this run (``module.channel_terms``): a need's channel code indexes it
    channels: tuple[str, ...] = CHANNEL_NAMES

    @cached_property
    def queue_agents(self) -> list:
        """The institutions with service windows (a queue), by node."""
        return [a for a in self.agents if a.windows]

    def by_kind(self, values: np.ndarray) -> dict[str, float]:
        """``values`` (one per institution node) summed over each kind's instances, in
        instance order: what a module counted at each kind of institution."""
        v = values.tolist()
        return {k.key: sum(v[a.node] for a in k.agents) for k in self.kinds}

    @cached_property
    def above_community(self) -> np.ndarray:
        """By institution node: is it government above the community (street office, town,
        district department: ``vocabulary.ABOVE_COMMUNITY_ACTORS``)?  The rest are the
        community's own bodies (小事不出社区; trust in the committee vs the government)."""
        return np.array([a.spec.actor in ABOVE_COMMUNITY_ACTORS for a in self.agents], dtype=bool)

    def nodes_of(self, kind_index: np.ndarray, residents: np.ndarray) -> np.ndarray:
        """Global node of the instance of institution kind ``kind_index[i]`` that serves
        ``residents[i]``."""
        if len(kind_index) and kind_index.min() == kind_index.max():  # one kind
            return self.kinds[int(kind_index[0])].node_of_residents(residents).astype(np.int64)
        nodes = np.empty(len(residents), dtype=np.int64)
        for ki in np.unique(kind_index):
            sel = kind_index == ki
            nodes[sel] = self.kinds[ki].node_of_residents(residents[sel])
        return nodes
