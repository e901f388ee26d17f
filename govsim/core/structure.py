"""The structure laid over the population: communities, 居委会 jurisdictions, grids,
institution instances, their premises on the neighbourhood network and walking distances.

Units are cut out of the Hilbert-ordered buildings by cumulative population, so each unit
is a compact piece of the district and nests in the one above (community ⊃ jurisdiction
⊃ grid).  Sizes come from the scenario's ``[layout]`` — e.g. 2–3万 residents a community
(001: 「每个社区地域面积2--3平方公里、2-3万人左右」), about 8,000 a 居委会 in the
traditional structure (MCA 2020), a fixed number of households a grid (000:
「以居民户数每若干户为单位」).

Premises stand at the population-weighted centre of their catchment; walking distance is
the shortest path on a street network (Delaunay edges between buildings and premises),
which is the Mesa ``Network`` the institutions sit on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import networkx as nx
import numpy as np
import scipy.sparse as sp
from pydantic import AfterValidator, Field
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import Delaunay

from govsim.config.declare import REQUIRED, Hours, Level, NonNeg, Par
from govsim.config.reading import ScenarioError
from govsim.config.vocabulary import ACTORS, LEVEL_NAMES, UNIT_LEVELS
from govsim.core.records import Households, Residents

LevelName = Literal[tuple(LEVEL_NAMES)]  # type: ignore[valid-type]


def _actor(v: str) -> str:
    if v not in ACTORS:
        raise ValueError(f"actor must be one of {', '.join(sorted(ACTORS))}, got {v!r}")
    return v


# the structure a scenario lays over the population (owner: structure)
PARS = (
    Par(
        "layout.residents_per_community",
        Annotated[int, Field(ge=100)],
        25_000,
        "residents of a community (the 2–3万 service unit)",
        "residents",
    ),
    Par(
        "layout.residents_per_jurisdiction",
        Annotated[int, Field(ge=50)],
        8_000,
        "residents of a 居委会 jurisdiction",
        "residents",
    ),
    Par(
        "layout.households_per_grid",
        Annotated[int, Field(ge=5)],
        300,
        "households of a grid",
        "households",
    ),
    Par(
        "institutions.*.actor",
        Annotated[str, AfterValidator(_actor)],
        REQUIRED,
        "kind of actor (label only; behaviour comes from the capabilities)",
        "—",
    ),
    Par("institutions.*.level", Level, REQUIRED, "unit one instance serves", "level"),
    Par(
        "institutions.*.name_zh",
        str | None,
        None,
        "the institution's own name in Chinese, as its documents call it (charts; by default "
        "its actor's label)",
        "—",
    ),
    Par(
        "institutions.*.name_en",
        str | None,
        None,
        "the institution's own name in English (charts; by default its actor's label)",
        "—",
    ),
    Par(
        "institutions.*.level_name",
        LevelName | None,
        None,
        "what one unit of its level is called where it is (county, town, administrative "
        "village, natural village …; labels the rows of the organisation chart); by default "
        "the city's name of the level (district, street, community, committee area, grid)",
        "—",
    ),
    Par(
        "institutions.*.per",
        Annotated[int, Field(ge=1)],
        1,
        "one instance per this many units of its level",
        "units",
    ),
    Par(
        "institutions.*.design_residents",
        Annotated[int, Field(ge=1)] | None,
        None,
        "residents one instance is built for (its design catchment); by default the layout's "
        "size of its level times `per`; required at the district level",
        "residents",
    ),
    Par("institutions.*.staff", NonNeg, 0.0, "staff per instance", "persons"),
    Par(
        "institutions.*.members",
        NonNeg | None,
        None,
        "elected committee members among the staff (委员); the rest are hired",
        "persons",
    ),
    Par(
        "institutions.*.organisations",
        NonNeg | None,
        None,
        "organisations this entry stands for",
        "organisations",
    ),
    Par(
        "institutions.*.hours",
        Hours,
        "office",
        "opening hours (a schedule's name or blocks)",
        "schedule",
    ),
)


def open_some_time(path, key: str, hours) -> None:
    """Hours written in place give at least one block (a schedule's name is checked as a
    reference)."""
    if isinstance(hours, list) and not hours:
        raise ScenarioError(
            path,
            key,
            "needs at least one block of open hours, e.g. "
            '[{ days = ["mon"], open = [[9, 17]] }], or the name of a schedule',
        )


def check(sc, path) -> None:
    """Cross-checks of the structure's keys of a validated scenario: every institution is
    open some time, and one at the district level says the residents it is built for."""
    for name, inst in sc.institutions.items():
        open_some_time(path, f"institutions.{name}.hours", inst.hours)
        if inst.level == "district" and not inst.design_residents:
            raise ScenarioError(
                path,
                f"institutions.{name}.design_residents",
                "a district-level institution needs the residents it is built for "
                "(e.g. design_residents = 400000); a run simulates a sample of them",
            )


def split_contiguous(weights: np.ndarray, k: int) -> np.ndarray:
    """Labels 0..k-1 for a sequence of items, cutting it into k runs of about equal weight."""
    k = max(1, min(int(k), len(weights)))
    cum = np.cumsum(weights, dtype=float)
    total = cum[-1] if len(cum) else 0.0
    mid = cum - weights / 2.0
    lab = np.floor(k * mid / max(total, 1e-12)).astype(np.int64)
    return np.clip(lab, 0, k - 1)


@dataclass
class Units:
    """Unit index of every building at each level, and counts."""

    building_unit: dict[str, np.ndarray] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=dict)

    def of_residents(self, r: Residents) -> dict[str, np.ndarray]:
        """Community, jurisdiction and grid of every resident (the ``Residents`` overlays)."""
        return {
            lvl: self.building_unit[lvl][r.building].astype(np.int32)
            for lvl in UNIT_LEVELS[1:]  # the units below the district, largest first
        }


def _units_needed(amount: float, size: float) -> int:
    """Fewest units of ``size`` that hold ``amount``: no unit serves more than it is built
    for (a small tolerance absorbs the cut between buildings)."""
    return max(1, int(np.ceil(amount / size - 1e-9)))


def partition(sc, r: Residents, hh: Households) -> Units:
    """Communities, jurisdictions and grids, each no larger than the layout's size (the
    simulated residents are a sample of full-size units: see ``design_catchment``)."""
    lay = sc.layout
    pop_b = np.bincount(r.building, minlength=hh.n_buildings).astype(float)
    hh_b = np.bincount(hh.hh_building, minlength=hh.n_buildings).astype(float)
    u = Units()
    u.building_unit["district"] = np.zeros(hh.n_buildings, dtype=np.int64)
    comm = split_contiguous(pop_b, _units_needed(r.n, lay.residents_per_community))
    jur = np.empty(hh.n_buildings, dtype=np.int64)
    grid = np.empty(hh.n_buildings, dtype=np.int64)
    nj = ng = 0
    for c in range(comm.max() + 1):
        idx = np.flatnonzero(comm == c)
        k = _units_needed(pop_b[idx].sum(), lay.residents_per_jurisdiction)
        jl = split_contiguous(pop_b[idx], k)
        for j in range(jl.max() + 1):
            jdx = idx[jl == j]
            jur[jdx] = nj
            kg = _units_needed(hh_b[jdx].sum(), lay.households_per_grid)
            gl = split_contiguous(hh_b[jdx], kg)
            grid[jdx] = ng + gl
            ng += gl.max() + 1
            nj += 1
    u.building_unit.update(community=comm, jurisdiction=jur, grid=grid)
    u.count = {"district": 1, "community": int(comm.max()) + 1, "jurisdiction": nj, "grid": ng}
    return u


@dataclass
class Kind:
    """One institution of the scenario (e.g. ``street``) and its instances."""

    key: str
    spec: Any  # its InstitutionSpec
    index: int
    n_instances: int
    building_instance: np.ndarray  # instance serving each building
    resident_instance: np.ndarray  # instance serving each resident
    first_node: int = 0  # global node id of instance 0
    walk_min: np.ndarray | None = None  # [B] minutes from each building to its instance
    agents: list = field(default_factory=list)
    catchment: np.ndarray | None = None  # simulated residents served by each instance
    design: float = 0.0  # residents one instance is built for
    scale: np.ndarray | None = None  # catchment / design: the share of its people simulated

    def node_of_residents(self, residents: np.ndarray) -> np.ndarray:
        return self.first_node + self.resident_instance[residents]

    def household_ranges(self, hh: Households) -> tuple[np.ndarray, np.ndarray]:
        """First and one-past-last household served by each instance (catchments are
        contiguous runs of Hilbert-ordered buildings)."""
        hh_inst = self.building_instance[hh.hh_building]
        lo = np.searchsorted(hh_inst, np.arange(self.n_instances), side="left")
        hi = np.searchsorted(hh_inst, np.arange(self.n_instances), side="right")
        return lo, hi


def instances_of(inst, units: Units) -> tuple[int, np.ndarray]:
    n_units = units.count[inst.level]
    n = _units_needed(n_units, inst.per)
    unit_of_b = units.building_unit[inst.level]
    return n, (unit_of_b * n // n_units).astype(np.int64)


def design_catchment(inst, layout, residents_per_household: float) -> float:
    """Residents one instance of ``inst`` is built for: its ``design_residents``, or the
    layout's size of its level times ``per`` (a grid's households times the mean household).

    Size invariance (rule 5, docs/ODD.md §2): every instance is simulated at its full design
    size — full staff, windows, pushed-down tasks, costs — and the simulated residents of its
    catchment are a sample, ``scale = catchment / design`` of the people it serves.  What it
    gives residents one at a time (sessions, visits, cost per resident) reaches the sample in
    proportion to ``scale``; its queues also carry the requests of the residents not
    simulated (``Service``).  So per-resident outcomes do not depend on the run's size."""
    if inst.design_residents:
        return float(inst.design_residents)
    size = {
        "community": layout.residents_per_community,
        "jurisdiction": layout.residents_per_jurisdiction,
        "grid": layout.households_per_grid * residents_per_household,
    }
    if inst.level not in size:
        raise ValueError("a district-level institution needs design_residents")
    return float(size[inst.level] * inst.per)


def build_kinds(sc, r: Residents, units: Units, hh: Households) -> list[Kind]:
    kinds = []
    node = 0
    per_household = r.n / max(1, hh.n_households)
    for i, (key, inst) in enumerate(sc.institutions.items()):
        n, b_inst = instances_of(inst, units)
        k = Kind(key, inst, i, n, b_inst, b_inst[r.building].astype(np.int32), first_node=node)
        k.catchment = np.bincount(k.resident_instance, minlength=n)
        k.design = design_catchment(inst, sc.layout, per_household)
        k.scale = k.catchment / k.design
        node += n
        kinds.append(k)
    return kinds


def street_network(r: Residents, pos: np.ndarray, kinds: list[Kind], walking_kmh: float):
    """Places (buildings + premises), Delaunay street edges, walking minutes per kind.

    Returns the networkx graph and node positions for ``mesa.discrete_space.Network``.
    """
    pop_b = np.bincount(r.building, minlength=len(pos)).astype(float)
    fac_pos = []
    for k in kinds:
        w = np.bincount(k.building_instance, weights=pop_b, minlength=k.n_instances)
        cx = np.bincount(
            k.building_instance, weights=pop_b * pos[:, 0], minlength=k.n_instances
        ) / np.maximum(w, 1e-9)
        cy = np.bincount(
            k.building_instance, weights=pop_b * pos[:, 1], minlength=k.n_instances
        ) / np.maximum(w, 1e-9)
        fac_pos.append(np.column_stack([cx, cy]))
    # premises of different institutions at one centre stand a few metres apart
    for i, f in enumerate(fac_pos):
        angle = 2.399963 * (i + 1)  # golden angle: distinct directions
        f += 0.004 * (1 + i % 5) * np.array([np.cos(angle), np.sin(angle)])
    fac = np.vstack(fac_pos)
    nb = len(pos)
    pts = np.vstack([pos, fac])
    edges = _delaunay_edges(pts)
    length = np.linalg.norm(pts[edges[:, 0]] - pts[edges[:, 1]], axis=1) + 1e-6
    n_pts = len(pts)
    w = sp.coo_matrix((length, (edges[:, 0], edges[:, 1])), shape=(n_pts, n_pts)).tocsr()
    w = w.maximum(w.T)
    fac_nodes = nb + np.arange(len(fac))
    dist = dijkstra(w, directed=False, indices=fac_nodes)  # [F, n_pts] km
    if not np.isfinite(dist[:, :nb]).all():
        raise RuntimeError(
            "street network is not connected: some buildings cannot reach their premises"
        )
    start = 0
    for k in kinds:
        d = dist[start : start + k.n_instances, :nb]  # [instances, B]
        # a sampled instance stands for a full-size one: its sample's area is ``scale`` of
        # the area it serves, so distances stretch by 1/sqrt(scale) (size invariance)
        stretch = 1.0 / np.sqrt(np.maximum(k.scale, 1e-9))[k.building_instance]
        km = d[k.building_instance, np.arange(nb)] * stretch
        k.walk_min = (km / walking_kmh * 60.0).astype(np.float32)
        start += k.n_instances
    g = nx.Graph()
    g.add_nodes_from(range(n_pts))
    g.add_weighted_edges_from(
        (int(a), int(b), float(c)) for (a, b), c in zip(edges, length, strict=True)
    )
    layout = {i: (float(x), float(y)) for i, (x, y) in enumerate(pts)}
    return g, layout, fac_nodes


def _delaunay_edges(pts: np.ndarray) -> np.ndarray:
    if len(pts) < 3:
        return np.array([[0, i] for i in range(1, len(pts))], dtype=np.int64).reshape(-1, 2)
    tri = Delaunay(pts)
    s = tri.simplices
    e = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    # points Qhull left out (coincident with another) join their nearest vertex
    if len(tri.coplanar):
        e = np.vstack([e, tri.coplanar[:, [0, 2]]])
    e.sort(axis=1)
    e = e[e[:, 0] != e[:, 1]]
    return np.unique(e, axis=0)
