"""Random streams: one independent generator per named process (starsim style).

``stream(seed, name)`` gives the same numbers for the same ``(seed, name)`` whatever else
the model drew before, so switching one mechanism on does not shift the draws behind
another (common random numbers across structures and levers).
"""

from __future__ import annotations

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of process ``name`` for ``seed``."""
    key = int.from_bytes(name.encode(), "little") % (2**63)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))
