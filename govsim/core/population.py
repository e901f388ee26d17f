"""Residents: one numpy array per attribute (covasim/starsim style), made from a profile.

The population depends only on the population profile, the number of residents and the
seed — never on the governance structure — so every structure compared on one seed
meets the same people (rule 3, common random numbers).  Structure-specific overlays
(which 居委会 jurisdiction, community and grid a resident belongs to) are added later by
``govsim.structure`` from building positions.

Groups follow DOMAIN.md §1: elderly (usual participants), working-age (busy in office
hours), children, migrants/new citizens (low belonging), vulnerable people who cannot
speak up for themselves (004: "自主表达能力较弱的特殊弱势群体").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from govsim.config.scenario import Population
from govsim.config.schedule import WEEKDAYS
from govsim.labels import SESSION_KINDS

CHILD, WORKING, ELDERLY = 0, 1, 2
AGE_GROUPS = ("child", "working_age", "elderly")
# time-use classes: when a resident is free to go somewhere
TU_FREE, TU_EMPLOYED, TU_STUDENT = 0, 1, 2
NEVER = -1_000_000  # "day of last participation" for never

# Free hours by time-use class, [7 weekdays][24 h].  Assumption (no seed gives a time-use
# survey): employed residents work 9–18 on weekdays; students are at school 8–16:30;
# everyone sleeps 22–7.  These drive mechanism 6 (access: hours that fit working residents).
_AWAKE = [(7, 22)]
FREE_TIME_BLOCKS = {
    TU_FREE: [(list(WEEKDAYS), _AWAKE)],
    TU_EMPLOYED: [(list(WEEKDAYS[:5]), [(7, 8.5), (18.5, 22)]), (list(WEEKDAYS[5:]), _AWAKE)],
    TU_STUDENT: [(list(WEEKDAYS[:5]), [(7, 7.5), (16.5, 22)]), (list(WEEKDAYS[5:]), _AWAKE)],
}


def free_time_mask() -> np.ndarray:
    """Boolean [3 classes, 7, 24]: free during that hour."""
    from govsim.config.schedule import WeeklySchedule

    return np.stack(
        [WeeklySchedule.from_blocks(FREE_TIME_BLOCKS[c]).hourly_mask() for c in (0, 1, 2)]
    )


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per process (starsim style): the same ``(seed, name)``
    gives the same numbers whatever else the model drew before."""
    key = int.from_bytes(name.encode(), "little") % (2**63)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


@dataclass
class ResidentView:
    """One resident's attributes, for teaching (``model.residents[i]``)."""

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
    points: float
    last_activity_day: int | None
    last_deliberation_day: int | None
    last_volunteering_day: int | None
    last_election_day: int | None


class Residents:
    """Arrays of resident attributes; index ``i`` is one resident."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> ResidentView:
        if not -self.n <= i < self.n:
            raise IndexError(f"resident {i} out of range 0..{self.n - 1}")
        i = int(i) % self.n

        def day(a):
            return None if a[i] == NEVER else int(a[i])

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
            points=float(self.points[i]),
            last_activity_day=day(self.last_day["activity"]),
            last_deliberation_day=day(self.last_day["deliberation"]),
            last_volunteering_day=day(self.last_day["volunteering"]),
            last_election_day=day(self.last_day["election"]),
        )

    # groups used for equity outcomes (they overlap: a migrant is often working-age)
    def group_masks(self) -> dict[str, np.ndarray]:
        return {
            "all": np.ones(self.n, dtype=bool),
            "elderly": self.age_group == ELDERLY,
            "working_age": self.age_group == WORKING,
            "migrant": self.migrant,
            "vulnerable": self.vulnerable,
        }

    def group_code(self) -> np.ndarray:
        """One label per resident for need records: vulnerable > migrant > age group."""
        code = np.where(
            self.age_group == ELDERLY, 0, np.where(self.age_group == WORKING, 1, 2)
        ).astype(np.int8)
        code[self.migrant] = 3
        code[self.vulnerable] = 4
        return code


GROUP_CODES = ("elderly", "working_age", "child", "migrant", "vulnerable")


def make_population(
    profile: Population, n: int, seed: int
) -> tuple[Residents, np.ndarray, sp.csr_matrix]:
    """Residents, building positions (km, [B, 2]) and the social-tie matrix (CSR, symmetric).

    Buildings are numbered along a Hilbert curve, households and residents follow, so any
    contiguous range of residents is a compact piece of the district: the structure cuts
    communities, jurisdictions and grids out of these ranges.
    """
    d, beh = profile.demography, profile.behaviour
    rng = stream(seed, "population")
    r = Residents(n)

    # households: 1 + Poisson(size-1), so the mean matches the census figure
    sizes = 1 + rng.poisson(d.household_size - 1.0, size=int(1.3 * n / d.household_size) + 50)
    sizes = np.minimum(sizes, 8)
    ends = np.cumsum(sizes)
    h = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:h].copy()
    sizes[-1] -= ends[h - 1] - n
    r.household = np.repeat(np.arange(h, dtype=np.int32), sizes)
    r.n_households = h

    # buildings: households in order, about households_per_building each
    n_build = max(1, int(round(h / d.households_per_building)))
    hh_building = (np.arange(h) * n_build // h).astype(np.int32)
    area_km2 = n / d.residents_per_km2
    side = float(np.sqrt(area_km2))
    pos = rng.random((n_build, 2)) * side
    order = np.argsort(hilbert_index(pos / side, 10), kind="stable")
    pos = pos[order]
    r.building = hh_building[r.household]
    r.n_buildings = n_build
    r.hh_building = hh_building

    # ages, employment, migrants, vulnerability, party membership, digital access
    u = rng.random(n)
    r.age_group = np.where(
        u < d.share_children,
        CHILD,
        np.where(u < d.share_children + d.share_elderly, ELDERLY, WORKING),
    ).astype(np.int8)
    working = r.age_group == WORKING
    r.employed = working & (rng.random(n) < d.employment_working_age)
    r.migrant = rng.random(n) < d.migrant_share
    elderly = r.age_group == ELDERLY
    r.vulnerable = rng.random(n) < np.where(
        elderly, d.vulnerable_share_elderly, d.vulnerable_share_other
    )
    r.party_member = (r.age_group != CHILD) & (
        rng.random(n) < d.party_member_share / max(1e-9, 1 - d.share_children)
    )
    r.digital = rng.random(n) < np.where(elderly, d.digital_access_elderly, d.digital_access_other)

    r.time_use = np.where(
        r.employed, TU_EMPLOYED, np.where(r.age_group == CHILD, TU_STUDENT, TU_FREE)
    ).astype(np.int8)
    r.free_hours_week = free_time_mask().sum(axis=(1, 2))[r.time_use].astype(np.float32)

    # propensity to take part: Beta by age group (004: participants are mostly elderly and
    # retired party cadres); party members more; migrants start with lower belonging (000)
    ini = profile.initial
    shapes = np.array([ini.propensity_beta[g] for g in AGE_GROUPS])  # [3, 2]
    r.propensity = rng.beta(shapes[r.age_group, 0], shapes[r.age_group, 1]).astype(np.float32)
    r.propensity[r.party_member] = np.minimum(
        1.0, r.propensity[r.party_member] + ini.party_propensity_bonus
    )
    r.trust = np.clip(rng.normal(ini.trust_mean, ini.trust_sd, n), 0, 1).astype(np.float32)
    belong_mean = np.where(r.migrant, ini.belonging_mean_migrant, ini.belonging_mean)
    r.belonging = np.clip(rng.normal(belong_mean, ini.belonging_sd), 0, 1).astype(np.float32)

    # state that changes during a run
    r.points = np.zeros(n, dtype=np.float32)
    r.last_day = {k: np.full(n, NEVER, dtype=np.int32) for k in SESSION_KINDS}
    r.invited_until = np.full(n, NEVER, dtype=np.int32)
    r.member_of = np.full(n, -1, dtype=np.int32)  # host institution instance last volunteered with
    # structure overlays (set by govsim.structure)
    r.community = np.zeros(n, dtype=np.int32)
    r.jurisdiction = np.zeros(n, dtype=np.int32)
    r.grid = np.zeros(n, dtype=np.int32)

    ties = make_ties(r, beh.ties_per_resident, beh.long_tie_share, rng)
    return r, pos, ties


def make_ties(r: Residents, ties_per_resident: float, long_share: float, rng) -> sp.csr_matrix:
    """Social ties: household members, people in the same building, next buildings, a few
    long ties.  Returned as a symmetric 0/1 CSR matrix (the hot path multiplies by it)."""
    n = r.n
    rows, cols = [], []
    # household cliques: residents of a household are contiguous
    for k in range(1, 8):
        i = np.arange(n - k)
        same = r.household[i] == r.household[i + k]
        rows.append(i[same])
        cols.append(i[same] + k)
    # building / neighbouring buildings / long: each resident draws ties_per_resident/2
    draws = max(0, int(round(ties_per_resident / 2.0)))
    bstart = np.searchsorted(r.building, np.arange(r.n_buildings))
    bsize = np.diff(np.append(bstart, n))
    me = np.repeat(np.arange(n), draws)
    kind = rng.random(me.size)
    b = r.building[me].astype(np.int64)
    nb = np.where(
        kind < long_share,
        -1,
        np.where(kind < long_share + (1 - long_share) / 3, b + rng.choice([-1, 1], me.size), b),
    )
    nb = np.clip(nb, 0, r.n_buildings - 1)
    other = bstart[nb] + (rng.random(me.size) * bsize[nb]).astype(np.int64)
    long = kind < long_share
    other[long] = rng.integers(0, n, long.sum())
    keep = other != me
    rows.append(me[keep])
    cols.append(other[keep])
    i = np.concatenate(rows)
    j = np.concatenate(cols)
    m = sp.coo_matrix((np.ones(i.size, dtype=np.float32), (i, j)), shape=(n, n)).tocsr()
    m = m + m.T
    m.data[:] = 1.0
    m.eliminate_zeros()
    return m.tocsr()


def hilbert_index(xy: np.ndarray, order: int) -> np.ndarray:
    """Hilbert-curve index of points in the unit square (vectorised)."""
    n = 1 << order
    x = np.clip((xy[:, 0] * n).astype(np.int64), 0, n - 1)
    y = np.clip((xy[:, 1] * n).astype(np.int64), 0, n - 1)
    d = np.zeros(len(xy), dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        # rotate the quadrant
        flip = ~ry
        swap_x = np.where(flip & rx, n - 1 - x, x)
        swap_y = np.where(flip & rx, n - 1 - y, y)
        x, y = np.where(flip, swap_y, swap_x), np.where(flip, swap_x, swap_y)
        s >>= 1
    return d
