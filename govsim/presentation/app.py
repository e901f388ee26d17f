"""The live model in the browser (``govsim app``) and in a notebook (``page()``).

A Mesa ``SolaraViz`` page: pick a structure and a population profile, move the main levers,
step or play the model, and watch a sample of residents and the institutions, participation
and response time beside the reference structure run on the same seed, and the organisation
chart.  Chinese and English.

Three parts, each usable alone:

* **levers** (``LEVERS``, ``scenario_changes``): each lever is a change of the chosen
  structure's scenario, written the way ``experiments/ablations.toml`` writes it, applied with
  ``load_scenario(name, changes=...)``; a lever whose institution the structure lacks is
  not offered;
* **the model wrapper** (``LiveModel``): a Mesa model holding the chosen structure's
  ``GovernanceModel`` and the reference structure's on the same seed and population, stepped
  together, with the series and the resident states the page draws;
* **the page** (``Page``, ``page()``): a ``SolaraViz`` with its step / play / reset
  controls, a panel of choices and levers (a change restarts both runs at day 0), and the
  figures (matplotlib, drawn off pyplot).
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np
import solara
from matplotlib.lines import Line2D
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from govsim.config.scenario import MAX_DAYS, builtin_order, list_populations
from govsim.config.schedule import WEEKDAYS
from govsim.config.vocabulary import ACTORS, LEVELS
from govsim.config.vocabulary import tier as tier_of
from govsim.core.load import Scenario, load_scenario
from govsim.core.mechanisms.sessions import ONGOING, RECENT_DAYS
from govsim.core.model import GovernanceModel
from govsim.core.records import ACTIVITY, IN_SYSTEM, RESOLVED
from govsim.presentation.plot import chart, org_chart
from govsim.presentation.plot import figure as _figure
from govsim.presentation.text import TEXT, bilingual, label, pick, population_name, short

DEFAULT_RESIDENTS = 5_000
SAMPLE = 300  # residents drawn in the network view
WINDOW_DAYS = RECENT_DAYS  # "recently": the window of the participation measure
LEFT = 0.17  # the network view's left margin, for the names of the levels
GAP = 0.2  # the widest gap between institutions in a row of it

# ---------------------------------------------------------------------------- levers
# The switches move one lever to what a reformed structure does; their values are those of
# experiments/ablations.toml, which cites the document each comes from (a test keeps them
# equal), written here because the experiment files do not ship with the package.
OPEN_9_21 = [{"days": list(WEEKDAYS), "open": [[9.0, 21.0]]}]
GRID_WORKERS = {
    "actor": "grid_workers",
    "hours": "office",
    "relay_delay_h": 4,
    "relay_loss": 0.04,
    "outreach": {"mode": "visits", "visits_per_staff_day": 5, "vacancy": 0.1, "detect": 0.75},
    "costs": {"salary_per_staff": 70000},
}
POINTS = {
    "per_session": {"volunteering": 10, "activity": 2},
    "yuan_per_point": 1.0,
    "redeem_share": 0.8,
}
ORGS_RUN_SERVICES = {
    "staff": 4,
    "windows": 2,
    "authority": {"public_service": 1.0, "public_space": 0.7, "dispute": 0.3},
    "costs": {"per_organisation": 5000, "purchased_services": 550000},
}


def _first(sc: Scenario, test: Callable[[Any], bool]) -> str | None:
    return next((k for k, inst in sc.institutions.items() if test(inst)), None)


def _committee(sc: Scenario) -> str | None:
    return _first(sc, lambda i: i.actor == "residents_committee")


def _routed_to(sc: Scenario) -> set[str]:
    """Institutions residents reach first (walk-in or remote)."""
    remote = {sc.routing.remote.to} if sc.routing.remote is not None else set()
    return set(sc.routing.walk_in.values()) | remote


def _street(sc: Scenario) -> str | None:
    """A relay level between the community and the district: a street office (or town)
    that residents do not go to first and that passes requests on."""
    entries = _routed_to(sc)
    for k, i in sc.institutions.items():
        if i.actor == "street_office" and i.level != "district" and i.forwards_to:
            if k not in entries:
                return k
    return None


def _heads(sc: Scenario) -> str | None:
    return _first(sc, lambda i: i.actor == "building_heads")


def _visitors(sc: Scenario) -> str | None:
    """The institution whose staff visit households (building heads or grid workers)."""
    visits = [k for k, i in sc.institutions.items() if i.outreach and i.outreach.mode == "visits"]
    grid = [k for k in visits if sc.institutions[k].level == "grid"]
    return (grid or visits or [None])[0]


def _orgs(sc: Scenario) -> str | None:
    """Social organisations above the grid, when residents do not already go to them for
    public services."""
    key = _first(sc, lambda i: i.actor == "social_organisation" and i.level != "grid")
    return None if key is None or sc.routing.walk_in.get("public_service") == key else key


def _remove_level(sc: Scenario, key: str) -> dict:
    """Remove institution ``key``; whoever relayed to it relays to where it relayed."""
    up = sc.institutions[key].forwards_to
    out: dict[str, Any] = {f"institutions.{key}": None}
    for k, inst in sc.institutions.items():
        if k == key:
            continue
        if inst.forwards_to == key:
            out[f"institutions.{k}.forwards_to"] = up
        for need_type, to in inst.forwards.items():
            if to == key:
                out[f"institutions.{k}.forwards.{need_type}"] = up
    return out


def _orgs_services(key: str) -> dict:
    out = {"routing.walk_in.public_service": key}
    out.update({f"institutions.{key}.{k}": v for k, v in ORGS_RUN_SERVICES.items()})
    return out


@dataclass(frozen=True)
class Lever:
    """One lever: the institution it acts on in a structure (``target``; None: the
    structure has none), its value there (``current``) and the scenario changes that set
    it to ``value`` (``changes``).  ``kind``: "switch", "int" or "float"."""

    key: str
    kind: str
    target: Callable[[Scenario], str | None]
    current: Callable[[Scenario, str], Any]
    changes: Callable[[Scenario, str, Any], dict]
    lo: float = 0
    hi: float = 1
    step: float = 1


def _committee_number(key: str, field: str, kind: str, lo: float, hi: float, step: float = 1):
    """A lever that sets one number of the committee (``institutions.<committee>.<field>``)."""
    cast = float if kind == "float" else int
    return Lever(
        key,
        kind,
        _committee,
        lambda sc, k: getattr(sc.institutions[k], field),
        lambda sc, k, v: {f"institutions.{k}.{field}": cast(v)},
        lo,
        hi,
        step,
    )


LEVERS: tuple[Lever, ...] = (
    _committee_number("rc_staff", "staff", "float", 1, 40, 0.1),
    _committee_number("rc_windows", "windows", "int", 1, 6),
    Lever(
        "open_9_21",
        "switch",
        _committee,
        lambda sc, k: sc.schedules[sc.institutions[k].hours] == sc.schedules.get("every_day_9_21"),
        lambda sc, k, v: (
            {"schedules.every_day_9_21": OPEN_9_21, f"institutions.{k}.hours": "every_day_9_21"}
            if v
            else {}
        ),
    ),
    _committee_number("admin_tasks", "admin_tasks", "int", 0, 100),
    Lever(
        "no_street",
        "switch",
        _street,
        lambda sc, k: k not in sc.institutions,
        lambda sc, k, v: _remove_level(sc, k) if v else {},
    ),
    Lever(
        "grid_workers",
        "switch",
        _heads,
        lambda sc, k: sc.institutions[k].actor == "grid_workers",
        lambda sc, k, v: {f"institutions.{k}.{a}": b for a, b in GRID_WORKERS.items()} if v else {},
    ),
    Lever(
        "visits",
        "float",
        _visitors,
        lambda sc, k: sc.institutions[k].outreach.visits_per_staff_day,
        lambda sc, k, v: {f"institutions.{k}.outreach.visits_per_staff_day": float(v)},
        0,
        10,
        0.1,
    ),
    Lever(
        "points",
        "switch",
        lambda sc: "incentives",
        lambda sc, k: sc.incentives.points is not None,
        lambda sc, k, v: (
            ({} if sc.incentives.points else {"incentives.points": POINTS})
            if v
            else ({"incentives.points": None} if sc.incentives.points else {})
        ),
    ),
    Lever(
        "orgs_services",
        "switch",
        _orgs,
        lambda sc, k: sc.routing.walk_in.get("public_service") == k,
        lambda sc, k, v: _orgs_services(k) if v else {},
    ),
)
LEVER = {lv.key: lv for lv in LEVERS}
SWITCHES_FIRST = sorted(LEVERS, key=lambda lv: lv.kind != "switch")  # sliders refine switches


def levers_of(sc: Scenario) -> dict[str, str]:
    """The levers a structure has, each with the institution it acts on."""
    return {lv.key: t for lv in LEVERS if (t := lv.target(sc)) is not None}


def scenario_changes(sc: Scenario, levers: dict[str, Any]) -> dict[str, Any]:
    """The scenario changes (dotted keys, ``None`` deletes) that set ``levers`` on the
    structure ``sc`` (as loaded from its file).  A lever the structure lacks is an error."""
    targets = levers_of(sc)
    unknown = [k for k in levers if k not in LEVER]
    lacking = [k for k in levers if k in LEVER and k not in targets]
    if unknown or lacking:
        raise ValueError(
            f"levers {unknown + lacking} are not levers of {sc.key!r}; it has {sorted(targets)}"
        )
    out: dict[str, Any] = {}
    for lv in SWITCHES_FIRST:
        if lv.key in levers:
            out.update(lv.changes(sc, targets[lv.key], levers[lv.key]))
    return out


# ---------------------------------------------------------------------------- the model
@dataclass
class Settings:
    """What the page runs: structure ("" = the reference), population profile ("" = the
    structure's own), residents, seed and lever values set (the rest as in the file)."""

    structure: str = ""
    population: str = ""
    residents: int = DEFAULT_RESIDENTS
    seed: int = 0
    levers: dict[str, Any] = field(default_factory=dict)
    sample: int = SAMPLE

    def copy(self, **kw) -> Settings:
        return dataclasses.replace(self, levers=dict(kw.pop("levers", self.levers)), **kw)


# resident states in the network view, in the order of precedence
STATES = ("waiting", "served", "taking_part", "none")
STATE_COLOURS = {
    "waiting": "#D55E00",
    "served": "#009E73",
    "taking_part": "#0072B2",
    "none": "#CFCFCF",
}


def resident_states(model: GovernanceModel, who: np.ndarray) -> np.ndarray:
    """The state of residents ``who`` now, as an index of ``STATES``: waiting (a need
    reported and not yet answered), served (a service need answered in the last 30 days),
    taking part (an activity, meeting or volunteer turn in the last 30 days), none."""
    n, day = model.residents.n, model.day_count
    nd = model.needs
    res, status = nd.col("resident"), nd.col("status")
    waiting = np.zeros(n, bool)
    waiting[res[status == IN_SYSTEM]] = True
    recent = (
        (status == RESOLVED)
        & (nd.col("type") != ACTIVITY)
        & (nd.col("t_resolved") >= 24.0 * (day - WINDOW_DAYS))
    )
    served = np.zeros(n, bool)
    served[res[recent]] = True
    last = model.residents.last_day
    part = np.zeros(len(who), bool)
    for k in ONGOING:
        part |= last[k][who] >= day - WINDOW_DAYS
    out = np.full(len(who), STATES.index("none"))
    out[part] = STATES.index("taking_part")
    out[served[who]] = STATES.index("served")
    out[waiting[who]] = STATES.index("waiting")
    return out


def median_response_days(model: GovernanceModel) -> float:
    """Median days from arising to answer of the service needs answered in the last 30 days
    (NaN when none)."""
    nd = model.needs
    t_res = nd.col("t_resolved")
    sel = (
        (nd.col("status") == RESOLVED)
        & (nd.col("type") != ACTIVITY)
        & (t_res >= 24.0 * (model.day_count - WINDOW_DAYS))
    )
    if not sel.any():
        return float("nan")
    return float(np.median(t_res[sel] - nd.col("t_arose")[sel]) / 24.0)


def waiting_at(agent) -> int:
    """Requests waiting in an institution's queue: the simulated residents' and those of
    the people it serves who are not simulated (its queue is at its full design size)."""
    return int(agent.waiting())


def short_count(n: int) -> str:
    """A count that fits in a small square: 950, 1.2k, 12k."""
    return f"{n}" if n < 1000 else f"{n / 1000:.1f}k" if n < 10_000 else f"{n // 1000}k"


class LiveModel(mesa.Model):
    """The chosen structure (with its levers) and the reference structure, on the same
    seed, population and number of residents, stepped a day at a time together.

    ``run`` is the chosen structure's ``GovernanceModel``, ``reference`` the reference's
    (the same object when the chosen structure is the unchanged reference).  After each
    step: ``series`` (day, participation and median response days of both), and the network
    view's resident states and institutions' waiting requests."""

    def __init__(self, settings: Settings | None = None):
        s = (settings or Settings()).copy()
        super().__init__(rng=s.seed)
        self.settings = s
        self.reference_key = builtin_order()[0]
        self.structure = s.structure or self.reference_key
        self.base = load_scenario(self.structure)
        self.changes = scenario_changes(self.base, s.levers)
        spec = load_scenario(self.structure, changes=self.changes) if self.changes else self.base
        self.population = s.population or spec.scenario.population
        self.run = GovernanceModel(spec, s.residents, s.seed, self.population)
        same = self.structure == self.reference_key and not self.changes
        self.reference = (
            self.run
            if same
            else GovernanceModel(self.reference_key, s.residents, s.seed, self.population)
        )
        self.series: dict[str, list[float]] = {
            k: [] for k in ("day", "part", "part_ref", "resp", "resp_ref")
        }
        self.view = NetworkLayout(self.run, s.sample, s.seed)
        self.states = resident_states(self.run, self.view.who)
        self.waiting = [waiting_at(a) for a in self.run.node_agents]

    def step(self) -> None:
        self.run.step()
        if self.reference is not self.run:
            self.reference.step()
        r, ref = self.run, self.reference
        s = self.series
        s["day"].append(r.day_count)
        s["part"].append(r.datacollector.model_vars["participation_rate"][-1])
        s["part_ref"].append(ref.datacollector.model_vars["participation_rate"][-1])
        s["resp"].append(median_response_days(r))
        s["resp_ref"].append(s["resp"][-1] if ref is r else median_response_days(ref))
        self.states = resident_states(r, self.view.who)
        self.waiting = [waiting_at(a) for a in r.node_agents]
        if r.day_count >= MAX_DAYS:
            self.running = False

    def snapshot(self) -> dict[str, np.ndarray]:
        """The series as arrays of one length (the page may draw while a step appends)."""
        n = min(len(v) for v in self.series.values())
        return {k: np.asarray(v[:n], float) for k, v in self.series.items()}

    def names(self, lang: str) -> tuple[str, str]:
        """Legend names of the chosen and the reference structure."""
        mine = short(pick(self.run.spec.scenario.name_zh, self.run.spec.scenario.name_en, lang))
        if self.changes:
            mine += t("changed", lang)
        ref = self.reference.spec.scenario
        return mine, short(pick(ref.name_zh, ref.name_en, lang)) + t("reference_mark", lang)


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


# ---------------------------------------------------------------------------- figures
def t(key: str, lang: str, **kw) -> str:
    text = label(TEXT, key, lang)
    return text.format(**kw) if kw else text


@chart
def network_figure(live: LiveModel, lang: str = "zh"):
    """The sample of residents and the institutions, coloured by state (``LiveModel``)."""
    v, m = live.view, live.run
    fig = _figure(figsize=(4.2, 4.0), dpi=100)
    ax = fig.subplots()
    ax.set_position((0.01, 0.2, 0.98, 0.72))
    pos = np.array(v.nodes)
    for a, b in v.relays:
        ax.plot(*zip(pos[a], pos[b], strict=True), color="#555555", lw=1.0, zorder=1)
    ex, ey = pos[v.entry].T
    ax.plot(
        np.stack([v.rx, ex, np.full_like(ex, np.nan)]).T.ravel(),
        np.stack([v.ry, ey, np.full_like(ey, np.nan)]).T.ravel(),
        color="#BBBBBB",
        lw=0.3,
        alpha=0.5,
        zorder=0,
    )
    ax.scatter(v.rx, v.ry, s=10, c=[STATE_COLOURS[STATES[i]] for i in live.states], zorder=2)
    width_pt = 0.98 * fig.get_figwidth() * 72  # the axes' width
    for n, agent in enumerate(m.node_agents):
        x, y = pos[n]
        wait = live.waiting[n]
        side = min(13.0, 0.8 * v.gaps[n] * width_pt)  # squares in a full row do not touch
        ax.scatter(
            [x], [y], s=side**2, marker="s", zorder=3, ec="#333333", lw=0.8,
            fc="#F6C89F" if wait else "#FFFFFF",
        )  # fmt: skip
        if wait:
            ax.text(x, y, short_count(wait), ha="center", va="center", fontsize=5.5, zorder=4)
        many = agent.kind.n_instances
        if agent.instance == many // 2:  # one name per institution, over its middle one
            lift = 7 + (10 if lang == "zh" else 19) * v.stagger[agent.key]
            name = label(ACTORS, agent.spec.actor, lang)
            name = name if lang == "zh" else textwrap.fill(name, 16)
            name += f" ×{many}" if many > 1 else ""
            ax.annotate(
                name, (x, y), xytext=(0, lift), textcoords="offset points", ha="center",
                va="bottom", fontsize=7, zorder=5,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            )  # fmt: skip
    for tier, y in v.rows.items():
        name = label(LEVELS, tier, lang)
        if lang == "en":
            name = textwrap.fill(name.replace(" / ", "/ "), 13)
        elif len(name) > 6:
            name = name.replace("/", "/\n")
        ax.text(0.0, y, name, ha="left", va="center", fontsize=6.5, color="#666", linespacing=0.9)
    ax.text(0.0, 0.5, t("residents_box", lang), ha="left", va="center", fontsize=6.5, color="#666")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.15, max(v.rows.values(), default=1.8) + 0.45)
    ax.axis("off")
    counts = np.bincount(live.states, minlength=len(STATES))
    handles = [
        Line2D([], [], marker="o", ls="", color=STATE_COLOURS[s], label=f"{t('state_' + s, lang)} {c}")
        for s, c in zip(STATES, counts, strict=True)
    ]  # fmt: skip
    handles.append(
        Line2D([], [], marker="s", ls="", mfc="#F6C89F", mec="#333333", label=t("queue_mark", lang))
    )
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=7, frameon=False)
    fig.suptitle(
        t("network_title", lang, n=len(v.who), residents=m.residents.n, day=m.day_count),
        fontsize=9,
    )
    return fig


@chart
def series_figure(live: LiveModel, lang: str = "zh"):
    """Participation and median response time, the chosen structure beside the reference."""
    s = live.snapshot()
    mine, ref = live.names(lang)
    fig = _figure(figsize=(4.2, 4.0), dpi=100)
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    fig.subplots_adjust(left=0.14, right=0.97, top=0.93, bottom=0.11, hspace=0.28)
    same = live.reference is live.run
    for ax, key, scale, ylabel in (
        (ax1, "part", 100.0, t("share_pct", lang)),
        (ax2, "resp", 1.0, t("median_days", lang)),
    ):
        if not same:
            ax.plot(s["day"], s[key + "_ref"] * scale, color="#000000", lw=1.4, label=ref)
        ax.plot(s["day"], s[key] * scale, color="#E69F00" if not same else "#000000", lw=1.8,
                label=ref if same else mine)  # fmt: skip
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7.5)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.axvspan(0, WINDOW_DAYS, color="#EEEEEE", zorder=0)
    ax1.set_title(t("live_participation", lang), fontsize=8.5)
    ax2.set_title(t("live_response", lang), fontsize=8.5)
    ax2.set_xlabel(t("day", lang), fontsize=8)
    ax2.set_xlim(0, max(60, (s["day"][-1] if len(s["day"]) else 0) + 1))
    ax1.legend(fontsize=7.5, loc="upper left", frameon=False)
    ax1.text(
        WINDOW_DAYS / 2, 0.04, t("window_filling", lang), transform=ax1.get_xaxis_transform(),
        ha="center", va="bottom", fontsize=6.5, color="#777",
    )  # fmt: skip
    return fig


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def readout(live: LiveModel, lang: str) -> str:
    """One line of numbers under the charts (what the browser test reads)."""
    s = live.snapshot()
    if not len(s["day"]):
        return t("readout_start", lang)
    days = "–" if np.isnan(s["resp"][-1]) else f"{s['resp'][-1]:.1f}"
    days_ref = "–" if np.isnan(s["resp_ref"][-1]) else f"{s['resp_ref'][-1]:.1f}"
    return t(
        "readout",
        lang,
        day=int(s["day"][-1]),
        part=100 * s["part"][-1],
        part_ref=100 * s["part_ref"][-1],
        days=days,
        days_ref=days_ref,
    )


# ---------------------------------------------------------------------------- the page
LANG = solara.reactive("zh")


def structure_name(key: str, lang: str) -> str:
    sc = load_scenario(key).scenario
    return short(pick(sc.name_zh, sc.name_en, lang))


@solara.component
def Choices(model: solara.Reactive[LiveModel], holder: Settings):
    """The language, the structure, the population, residents, seed and the levers the
    structure has.  Any change rebuilds both runs at day 0."""
    lang = LANG.value
    live = model.value
    s = live.settings

    def rebuild(**kw):
        new = s.copy(**kw)
        holder.__dict__.update(new.copy().__dict__)  # what SolaraViz's Reset rebuilds
        model.value = LiveModel(new)

    def set_lever(key, value):
        levers = {**s.levers, key: value}
        if key == "grid_workers":  # the switch brings its own visits
            levers.pop("visits", None)
        rebuild(levers=levers)

    langs = {"中文": "zh", "English": "en"}
    solara.ToggleButtonsSingle(
        value=next(k for k, v in langs.items() if v == lang),
        values=list(langs),
        on_value=lambda v: LANG.set(langs[v]),
    )
    names = {structure_name(k, lang): k for k in builtin_order()}
    solara.Select(
        t("structure", lang),
        value=structure_name(live.structure, lang),
        values=list(names),
        on_value=lambda v: rebuild(structure=names[v], population="", levers={}),
    )
    pops = {population_name(p, lang): p for p in list_populations()}
    solara.Select(
        t("population_profile", lang),
        value=next(k for k, p in pops.items() if p == live.population),
        values=list(pops),
        on_value=lambda v: rebuild(population=pops[v]),
    )
    solara.SliderInt(
        f"{t('residents', lang)}: {s.residents:,}",
        value=s.residents,
        min=1000,
        max=20000,
        step=1000,
        on_value=lambda v: rebuild(residents=v),
    )
    solara.SliderInt(
        f"{t('seed', lang)}: {s.seed}",
        value=s.seed,
        min=0,
        max=20,
        on_value=lambda v: rebuild(seed=v),
    )
    solara.Text(t("levers", lang), style={"font-weight": "bold", "margin-top": "8px"})
    targets = levers_of(live.base)
    spec = live.run.spec
    for lv in LEVERS:
        if lv.key not in targets:
            continue
        text = t("lever_" + lv.key, lang)
        if lv.kind == "switch":
            solara.Switch(
                label=text,
                value=bool(s.levers.get(lv.key, lv.current(live.base, targets[lv.key]))),
                on_value=lambda v, k=lv.key: set_lever(k, v),
            )
            continue
        slider = solara.SliderFloat if lv.kind == "float" else solara.SliderInt
        value = lv.current(spec, targets[lv.key])
        slider(
            f"{text}: {value:g}",
            value=value,
            min=lv.lo,
            max=lv.hi,
            step=lv.step,
            on_value=lambda v, k=lv.key: set_lever(k, v),
        )
    lacking = [t("lever_" + lv.key, lang) for lv in LEVERS if lv.key not in targets]
    if lacking:
        solara.Text(t("not_here", lang) + "、".join(lacking) if lang == "zh" else
                    t("not_here", lang) + "; ".join(lacking),
                    style={"font-size": "0.8em", "color": "#666"})  # fmt: skip


@solara.component
def Views(live: LiveModel):
    """The network view, the charts and the organisation chart, redrawn after each step."""
    update_counter.get()
    lang = LANG.value
    key = [id(live), live.run.day_count, lang]
    net = solara.use_memo(lambda: png(network_figure(live, lang)), key)
    ser = solara.use_memo(lambda: png(series_figure(live, lang)), key)
    org = solara.use_memo(lambda: png(org_chart(live.run.spec, lang)), [id(live), lang])
    card = {"flex": "1 1 380px", "min-width": "360px", "margin": "0"}
    with solara.Column(style={"padding": "8px"}):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "stretch"}):
            with solara.Card(style=card):
                solara.Image(net, width="100%", classes=["govsim-network"])
                solara.Text(t("network_caption", lang), style={"font-size": "0.8em"})
            with solara.Card(style=card):
                solara.Image(ser, width="100%", classes=["govsim-series"])
                solara.Text(readout(live, lang), classes=["govsim-readout"])
        with solara.Card(t("org_title", lang)):
            solara.Image(org, width="100%", classes=["govsim-org"])


@solara.component
def ChoicesPanel(model: solara.Reactive[LiveModel], holder: Settings):
    """``Choices`` in the sidebar, below SolaraViz's controls: a sidebar's cards are ordered
    by how deep in the page they are declared, so this one is declared a level deeper."""
    return _InSidebar(model, holder)


@solara.component
def _InSidebar(model: solara.Reactive[LiveModel], holder: Settings):
    with solara.Sidebar():
        with solara.Card(t("choices", LANG.value)):
            solara.Text(t("restart_note", LANG.value), style={"font-size": "0.85em"})
            Choices(model, holder)


@solara.component
def Page(settings: Settings | None = None):
    """The live model: ``solara run govsim.presentation.app`` serves it; in a notebook,
    ``page()`` shows it."""
    holder = solara.use_memo(lambda: (settings or Settings()).copy(), [])
    model = solara.use_reactive(solara.use_memo(lambda: LiveModel(holder), []))
    SolaraViz(
        model,
        components=[],
        model_params={"settings": holder},
        name=bilingual(TEXT, "app_title"),  # the app bar keeps its first title
        play_interval=50,
        use_threads=True,  # steps go on while the page draws the last one
    )
    ChoicesPanel(model, holder)
    Views(model.value)


def page(
    structure: str = "",
    residents: int = DEFAULT_RESIDENTS,
    seed: int = 0,
    population: str = "",
    levers: dict | None = None,
    lang: str = "zh",
):
    """The live model as a notebook output (the same page ``govsim app`` serves)."""
    LANG.set(lang)
    return Page(Settings(structure, population, residents, seed, dict(levers or {})))
