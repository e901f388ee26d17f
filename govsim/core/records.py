"""Typed records the simulation passes around: residents (a declared set of arrays), needs
(a struct-of-arrays table), reports, hops and queue entries.

Residents follow covasim's ``people``: one numpy array per attribute, index ``i`` is one
resident.  The set of arrays is declared (``RESIDENT_FIELDS`` for what the population
generator makes, ``structure`` overlays, and the ``State`` declarations of the mechanism
modules for what changes during a run); nothing else can be attached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from govsim.config.vocabulary import CHANNELS
from govsim.core.module import State

CHILD, WORKING, ELDERLY = 0, 1, 2
AGE_GROUPS = ("child", "working_age", "elderly")
# time-use classes: when a resident is free to go somewhere
TU_FREE, TU_EMPLOYED, TU_STUDENT = 0, 1, 2
TIME_USE = ("free", "employed", "student")
NEVER = -1_000_000  # "day of last participation" for never
# one label per resident for need records: vulnerable > migrant > age group
GROUP_CODES = ("elderly", "working_age", "child", "migrant", "vulnerable")

# what the population generator makes (owner "population") and the structure overlays
RESIDENT_FIELDS: tuple[State, ...] = (
    State("household", np.int32, 0, "household index (households are contiguous)"),
    State("building", np.int32, 0, "building index, Hilbert-ordered"),
    State("age_group", np.int8, 0, "0 child, 1 working-age, 2 elderly (AGE_GROUPS)"),
    State("employed", bool, False, "in work with fixed hours"),
    State("migrant", bool, False, "migrant / new citizen"),
    State("vulnerable", bool, False, "cannot easily speak up for themselves"),
    State("party_member", bool, False, "party member"),
    State("digital", bool, False, "uses online services"),
    State("time_use", np.int8, 0, "free, employed, student (TIME_USE)"),
    State("free_hours_week", np.float32, 0.0, "hours a week free to go somewhere"),
    State("propensity", np.float32, 0.0, "propensity to take part, 0–1"),
    State("trust", np.float32, 0.0, "trust in the institutions, 0–1"),
    State("belonging", np.float32, 0.0, "belonging to the community, 0–1"),
    State("community", np.int32, 0, "community (structure overlay)"),
    State("jurisdiction", np.int32, 0, "居委会 jurisdiction (structure overlay)"),
    State("grid", np.int32, 0, "grid (structure overlay)"),
)


class Residents:
    """Arrays of resident attributes; index ``i`` is one resident.

    ``Residents(n, states)`` allocates every declared array with its default; assigning an
    undeclared attribute, or an array of the wrong length, is an error.
    """

    def __init__(self, n: int, states: tuple[State, ...] | list[State] = ()):
        object.__setattr__(self, "n", int(n))
        fields = {s.name: s for s in (*RESIDENT_FIELDS, *states)}
        object.__setattr__(self, "fields", fields)
        for s in fields.values():
            if s.by_kind:
                arr: Any = {k: np.full(n, s.default, dtype=s.dtype) for k in s.by_kind}
            else:
                arr = np.full(n, s.default, dtype=s.dtype)
            object.__setattr__(self, s.name, arr)

    def __setattr__(self, name: str, value) -> None:
        if name not in self.fields:
            raise AttributeError(
                f"Residents has no declared array {name!r}; declare it as a State of a module"
            )
        if isinstance(value, np.ndarray) and value.shape[:1] != (self.n,):
            raise ValueError(f"Residents.{name}: expected {self.n} values, got {value.shape}")
        object.__setattr__(self, name, value)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> ResidentView:
        if not -self.n <= i < self.n:
            raise IndexError(f"resident {i} out of range 0..{self.n - 1}")
        i = int(i) % self.n
        states = {}  # the modules' declared states (what changes during a run)
        for s in self.fields.values():
            if s.name in _POPULATION_FIELDS:
                continue
            arr = getattr(self, s.name)
            if s.by_kind:
                states[s.name] = {k: _shown(arr[k][i]) for k in s.by_kind}
            else:
                states[s.name] = _shown(arr[i])
        return ResidentView(
            index=i,
            age_group=AGE_GROUPS[self.age_group[i]],
            migrant=bool(self.migrant[i]),
            vulnerable=bool(self.vulnerable[i]),
            employed=bool(self.employed[i]),
            party_member=bool(self.party_member[i]),
            digital=bool(self.digital[i]),
            household=int(self.household[i]),
            building=int(self.building[i]),
            community=int(self.community[i]),
            jurisdiction=int(self.jurisdiction[i]),
            grid=int(self.grid[i]),
            propensity=round(float(self.propensity[i]), 4),
            trust=round(float(self.trust[i]), 4),
            belonging=round(float(self.belonging[i]), 4),
            free_hours_per_week=float(self.free_hours_week[i]),
            states=states,
        )

    def group_masks(self) -> dict[str, np.ndarray]:
        """Groups used for equity outcomes (they overlap: a migrant is often working-age)."""
        return {
            "all": np.ones(self.n, dtype=bool),
            "elderly": self.age_group == ELDERLY,
            "working_age": self.age_group == WORKING,
            "migrant": self.migrant,
            "vulnerable": self.vulnerable,
        }

    def group_code(self) -> np.ndarray:
        """One label per resident for need records (``GROUP_CODES``)."""
        code = np.where(
            self.age_group == ELDERLY, 0, np.where(self.age_group == WORKING, 1, 2)
        ).astype(np.int8)
        code[self.migrant] = 3
        code[self.vulnerable] = 4
        return code


_POPULATION_FIELDS = frozenset(s.name for s in RESIDENT_FIELDS)


def _shown(v) -> Any:
    """A state's value as a plain number (``NEVER``: None; fractions to 4 places)."""
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float):
        return round(v, 4)
    return None if v == NEVER else v


@dataclass
class ResidentView:
    """One resident's attributes, for teaching (``model.residents[i]``): those the
    population generator and the structure give, and ``states``, every array the
    mechanism modules declare (``State``), by name — a state kept by kind (the day of last
    taking part, by session kind) as a table by kind; ``None`` for a day that never came."""

    index: int
    age_group: str
    migrant: bool
    vulnerable: bool
    employed: bool
    party_member: bool
    digital: bool
    household: int
    building: int
    community: int
    jurisdiction: int
    grid: int
    propensity: float
    trust: float
    belonging: float
    free_hours_per_week: float
    states: dict[str, Any]


@dataclass(frozen=True)
class Households:
    """Static facts about households and buildings made with the population."""

    n_households: int
    n_buildings: int
    hh_building: np.ndarray  # building of each household


# ---------------------------------------------------------------------------- needs
# status codes
UNREPORTED, IN_SYSTEM, RESOLVED, NEVER_REPORTED, ABANDONED = 0, 1, 2, 3, 4
STATUS_NAMES = ("unreported", "in_system", "resolved", "never_reported", "abandoned")
# channels: declared once, with their names, in ``vocabulary.CHANNELS``; a need's code is
# the channel's place there
CHANNEL_NAMES: tuple[str, ...] = tuple(CHANNELS)
NO_CHANNEL = -1
WALK_IN, REMOTE, DISCOVERED = (CHANNEL_NAMES.index(c) for c in ("walk_in", "remote", "discovered"))


class NeedTable:
    """One row per need (struct of arrays, growing); ``n`` rows are in use."""

    FLOAT = (
        "t_arose",
        "t_ready",
        "deadline",
        "t_reported",
        "t_resolved",
        "t_ended",
        "relay_up_h",
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
        unknown = set(cols) - set(self.FLOAT) - set(self.INT)
        if unknown:
            raise KeyError(f"NeedTable has no column(s) {sorted(unknown)}")
        m = len(cols["type"])
        if self.n + m > self._cap:
            self._grow(self.n + m)
        lo, hi = self.n, self.n + m
        for c, v in cols.items():  # an array of m values, or one value for all
            getattr(self, c)[lo:hi] = v
        self.n = hi
        return np.arange(lo, hi)

    def col(self, name: str) -> np.ndarray:
        return getattr(self, name)[: self.n]

    def counts(self) -> dict[str, int]:
        st = self.col("status")
        try:  # one pass; every row in use has a status code
            got = np.bincount(st, minlength=len(STATUS_NAMES))
        except ValueError:  # a negative code: count each
            got = [(st == code).sum() for code in range(len(STATUS_NAMES))]
        return {name: int(got[code]) for code, name in enumerate(STATUS_NAMES)}

    def pending(self) -> int:
        st = self.col("status")
        return int(((st == UNREPORTED) | (st == IN_SYSTEM)).sum())


class Reports(NamedTuple):
    """Needs reaching an institution: which needs, when, at which node, by which channel."""

    ids: np.ndarray
    t: np.ndarray
    nodes: np.ndarray
    channel: int

    @classmethod
    def none(cls, channel: int = NO_CHANNEL) -> Reports:
        return cls(np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64), channel)


# ---------------------------------------------------------------------------- hops
HOP_EVENTS = ("forwarded", "lost", "served")
HOP_FORWARD, HOP_LOST, HOP_SERVED = range(len(HOP_EVENTS))


class Hops(NamedTuple):
    """A batch of hop records: each need's passage through one institution."""

    need: np.ndarray
    node: np.ndarray
    t_in: np.ndarray  # arrival
    t_out: np.ndarray  # left: relayed, lost, or service ended
    event: np.ndarray  # HOP_EVENTS code
    t_start: np.ndarray  # start of service (NaN unless served)


class HopLog:
    """Hop records appended batch by batch; ``arrays()`` gives them as columns."""

    def __init__(self):
        self.batches: list[Hops] = []

    def add(self, hops: Hops) -> None:
        self.batches.append(hops)

    def arrays(self) -> dict[str, np.ndarray]:
        if not self.batches:
            return {
                n: np.empty(0, dtype=np.int64 if n in ("need", "node", "event") else float)
                for n in Hops._fields
            }
        return {n: np.concatenate([getattr(b, n) for b in self.batches]) for n in Hops._fields}


class QueueEntry(NamedTuple):
    """A request waiting at a service point (ordered by open-time arrival, then need id)."""

    open_t: float  # arrival in open time
    need: int
    service_h: float
    t_arrival: float  # calendar arrival


def need_type_code(key: str) -> int:
    """Code of a need type in ``NeedTable.type`` (its place in ``vocabulary.NEED_TYPE_KEYS``)."""
    from govsim.config.vocabulary import NEED_TYPE_KEYS

    return NEED_TYPE_KEYS.index(key)


ACTIVITY = need_type_code("activity")
