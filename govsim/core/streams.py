"""Random streams: one independent generator per named process (starsim style).

``stream(seed, name)`` gives the same numbers for the same ``(seed, name)`` whatever else
the model drew before, so switching one mechanism on does not shift the draws behind
another (common random numbers across structures and levers).
"""

from __future__ import annotations

import hashlib
from functools import cache

import numpy as np

# the largest seed a run takes (experiment files, ``--seed``): replicate k's seed + k and the
# streams' keys fit int64
MAX_SEED = 2**31


def draw_seed() -> int:
    """A seed from the operating system's entropy, in [0, ``MAX_SEED``]: for a model made
    without one (``GovernanceModel(seed=None)``, Mesa's ``batch_run(iterations=N)``)."""
    return int(np.random.SeedSequence().entropy % (MAX_SEED + 1))


@cache
def name_key(name: str) -> int:
    """A 63-bit integer for a stream name, from a hash of the *whole* name (names that
    share a prefix, like ``routing.authority`` and ``routing.relay``, get unrelated keys)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little") >> 1


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of process ``name`` for ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(name_key(name),)))


_M1, _M2, _GOLD = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0x9E3779B97F4A7C15
# odd multipliers that spread each array key over the 64 bits before the mix
_ODD = (0xD6E8FEB86659FD93, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijective scramble of 64-bit integers."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(_M1)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(_M2)
    return x ^ (x >> np.uint64(31))


def _mix_int(x: int) -> int:
    """``_mix`` for one Python integer."""
    m = (1 << 64) - 1
    x &= m
    x ^= x >> 30
    x = (x * _M1) & m
    x ^= x >> 27
    x = (x * _M2) & m
    return x ^ (x >> 31)


@cache
def _base(seed: int, name: str) -> int:
    return _mix_int(int(seed) * _GOLD + name_key(name))


_ODD_U64 = np.array(_ODD, dtype=np.uint64)
_SHIFT11 = np.uint64(11)
_TO_UNIT = 1.0 / (1 << 53)


def keyed_uniform(seed: int, name: str, *keys) -> np.ndarray:
    """Uniform draws in [0, 1) keyed by ``(seed, name, keys…)``: the draw that belongs to
    one need or resident at one moment (e.g. need id and hop, resident and day) is the same
    whatever else the model drew, in whatever order — so switching another mechanism on
    never shifts it.  Integer keys are folded in first; array keys broadcast together,
    each times its own odd constant, and are mixed once."""
    h = _base(seed, name)
    k = None
    i = 0
    for key in keys:
        if isinstance(key, (int, np.integer)):
            h = _mix_int(h ^ (int(key) + _GOLD))
            continue
        a = np.asarray(key).astype(np.uint64, copy=False) * _ODD_U64[i % len(_ODD)]
        k = a if k is None else k + a
        i += 1
    if k is None:
        return np.array([(h >> 11) * _TO_UNIT])
    out = _mix(k + np.uint64(h))
    return (out >> _SHIFT11).astype(np.float64) * _TO_UNIT


def stream_at(seed: int, name: str, *counter: int) -> np.random.Generator:
    """A generator for one moment of one process, e.g.
    ``stream_at(seed, "sessions.choice", day, kind)``: its ``i``-th draw belongs to element
    ``i`` (a resident), whatever was drawn before — keyed draws at the speed of a stream.

    Its ``SeedSequence`` is ``[key, *counter]`` (key from seed and name), given as the
    32-bit words NumPy splits those integers into (the same generator, without NumPy's
    conversion of Python integers on every call)."""
    words = [*_words(_base(int(seed), name))]  # the key: ``_base``, as keyed draws take it
    for c in counter:
        words += _words(int(c)) if c >= 1 << 32 or c < 0 else (int(c),)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(np.array(words, np.uint32))))


@cache
def _words(x: int) -> tuple[int, ...]:
    """The 32-bit words NumPy splits a non-negative integer into for a seed's entropy,
    least significant first."""
    if x < 0:
        raise ValueError(f"a stream's counter must be 0 or more, got {x}")
    words = []
    while True:
        words.append(x & 0xFFFFFFFF)
        x >>= 32
        if not x:
            return tuple(words)
