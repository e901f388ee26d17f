"""Residents: one numpy array per attribute (covasim/starsim style), made from a profile.

The population depends only on the population profile, the number of residents and the
seed — never on the governance structure — so every structure compared on one seed
meets the same people (rule 3, common random numbers).  Structure-specific overlays
(which 居委会 jurisdiction, community and grid a resident belongs to) are added later by
``govsim.core.structure`` from building positions.

Groups follow DOMAIN.md §1: elderly (usual participants), working-age (busy in office
hours), children, migrants/new citizens (low belonging), vulnerable people who cannot
speak up for themselves (004: "自主表达能力较弱的特殊弱势群体").
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from govsim.config.declare import REQUIRED, Const, NonNeg, Par, Share
from govsim.config.schedule import WEEKDAYS
from govsim.core.module import State
from govsim.core.records import (
    AGE_GROUPS,
    CHILD,
    ELDERLY,
    TU_EMPLOYED,
    TU_FREE,
    TU_STUDENT,
    WORKING,
    Households,
    Residents,
)
from govsim.core.streams import stream

_D, _I = "demography.", "initial."
_pos = Annotated[float, Field(gt=0)]
# the people of a place (owner: population)
PARS = (
    Par(_D + "share_children", Share, REQUIRED, "share aged 0–17", "share"),
    Par(_D + "share_elderly", Share, REQUIRED, "share aged 60+", "share"),
    Par(
        _D + "employment_working_age",
        Share,
        REQUIRED,
        "share of 18–59 in work with fixed hours",
        "share",
    ),
    Par(_D + "migrant_share", Share, REQUIRED, "share of migrants / new citizens", "share"),
    Par(
        _D + "vulnerable_share_elderly",
        Share,
        REQUIRED,
        "share of elderly who are vulnerable",
        "share",
    ),
    Par(
        _D + "vulnerable_share_other",
        Share,
        REQUIRED,
        "share of under-60s who are vulnerable",
        "share",
    ),
    Par(
        _D + "party_member_share", Share, REQUIRED, "share of the population in the party", "share"
    ),
    Par(
        _D + "household_size",
        Annotated[float, Field(ge=1.0, le=8.0)],
        REQUIRED,
        "mean persons per household",
        "persons",
    ),
    Par(
        _D + "households_per_building",
        Annotated[float, Field(ge=1.0)],
        REQUIRED,
        "mean households per building",
        "households",
    ),
    Par(_D + "residents_per_km2", _pos, REQUIRED, "residential density", "residents/km²"),
    Par(
        _D + "digital_access_elderly",
        Share,
        REQUIRED,
        "share of elderly using online services",
        "share",
    ),
    Par(
        _D + "digital_access_other",
        Share,
        REQUIRED,
        "share of under-60s using online services",
        "share",
    ),
    Par(
        _I + "propensity_beta",
        dict[Literal[AGE_GROUPS], tuple[_pos, _pos]],  # type: ignore[valid-type]
        REQUIRED,
        "Beta(a, b) of the propensity to take part, by age group",
        "—",
    ),
    Par(
        _I + "party_propensity_bonus", Share, REQUIRED, "propensity added for party members", "0–1"
    ),
    Par(_I + "trust_mean", Share, REQUIRED, "mean starting trust", "0–1"),
    Par(_I + "trust_sd", NonNeg, REQUIRED, "spread of starting trust", "0–1"),
    Par(_I + "belonging_mean", Share, REQUIRED, "mean starting belonging", "0–1"),
    Par(
        _I + "belonging_mean_migrant", Share, REQUIRED, "mean starting belonging of migrants", "0–1"
    ),
    Par(_I + "belonging_sd", NonNeg, REQUIRED, "spread of starting belonging", "0–1"),
    Par(
        "behaviour.ties_per_resident",
        NonNeg,
        REQUIRED,
        "ties drawn per resident besides the household",
        "ties",
    ),
    Par(
        "behaviour.long_tie_share",
        Share,
        REQUIRED,
        "share of drawn ties that reach across the district",
        "share",
    ),
    Par("behaviour.walking_kmh", _pos, REQUIRED, "walking speed", "km/h"),
)

# Free hours by time-use class, [7 weekdays][24 h].  Assumption (no seed gives a time-use
# survey): employed residents work 9–18 on weekdays; students are at school 8–16:30;
# everyone sleeps 22–7.  These drive mechanism 6 (access: hours that fit working residents).
_AWAKE = [(7, 22)]
FREE_TIME_BLOCKS = {
    TU_FREE: [(list(WEEKDAYS), _AWAKE)],
    TU_EMPLOYED: [(list(WEEKDAYS[:5]), [(7, 8.5), (18.5, 22)]), (list(WEEKDAYS[5:]), _AWAKE)],
    TU_STUDENT: [(list(WEEKDAYS[:5]), [(7, 7.5), (16.5, 22)]), (list(WEEKDAYS[5:]), _AWAKE)],
}


CONSTANTS = (
    Const(
        "FREE_TIME_BLOCKS",
        "hours residents are free, by time-use class",
        "h",
        "assumption: work 9–18 on weekdays, school 8–16:30, sleep 22–7 (no time-use survey in the seeds)",
    ),
)


def free_time_mask() -> np.ndarray:
    """Boolean [3 classes, 7, 24]: free during that hour."""
    from govsim.config.schedule import WeeklySchedule

    return np.stack(
        [WeeklySchedule.from_blocks(FREE_TIME_BLOCKS[c]).hourly_mask() for c in (0, 1, 2)]
    )


def make_population(
    profile, n: int, seed: int, states: tuple[State, ...] | list[State] = ()
) -> tuple[Residents, Households, np.ndarray, sp.csr_matrix]:
    """Residents (with the run-time ``states`` the mechanisms declare, at their defaults),
    households, building positions (km, [B, 2]) and the social-tie matrix (CSR, symmetric).

    Buildings are numbered along a Hilbert curve, households and residents follow, so any
    contiguous range of residents is a compact piece of the district: the structure cuts
    communities, jurisdictions and grids out of these ranges.
    """
    d, beh = profile.demography, profile.behaviour
    rng = stream(seed, "population")
    r = Residents(n, states)

    # households: 1 + Poisson(size-1), so the mean matches the census figure
    sizes = 1 + rng.poisson(d.household_size - 1.0, size=int(1.3 * n / d.household_size) + 50)
    sizes = np.minimum(sizes, 8)
    ends = np.cumsum(sizes)
    h = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:h].copy()
    sizes[-1] -= ends[h - 1] - n
    r.household = np.repeat(np.arange(h, dtype=np.int32), sizes)

    # buildings: households in order, about households_per_building each
    n_build = max(1, int(round(h / d.households_per_building)))
    hh_building = (np.arange(h) * n_build // h).astype(np.int32)
    area_km2 = n / d.residents_per_km2
    side = float(np.sqrt(area_km2))
    pos = rng.random((n_build, 2)) * side
    order = np.argsort(hilbert_index(pos / side, 10), kind="stable")
    pos = pos[order]
    r.building = hh_building[r.household]
    hh = Households(n_households=h, n_buildings=n_build, hh_building=hh_building)

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

    ties = make_ties(r, n_build, beh.ties_per_resident, beh.long_tie_share, rng)
    return r, hh, pos, ties


def make_ties(
    r: Residents, n_buildings: int, ties_per_resident: float, long_share: float, rng
) -> sp.csr_matrix:
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
    bstart = np.searchsorted(r.building, np.arange(n_buildings))
    bsize = np.diff(np.append(bstart, n))
    me = np.repeat(np.arange(n), draws)
    kind = rng.random(me.size)
    b = r.building[me].astype(np.int64)
    nb = np.where(
        kind < long_share,
        -1,
        np.where(kind < long_share + (1 - long_share) / 3, b + rng.choice([-1, 1], me.size), b),
    )
    nb = np.clip(nb, 0, n_buildings - 1)
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
