"""Where everything of an organisation chart goes (``govsim.presentation.charts.org`` draws
it): what each box says and how big it is, the rows, the order within each row, and the
path of every relay — from the scenario file alone, in inches, without a figure.

The layout is layered (Sugiyama style): one row per level (``vocabulary.LEVELS``, the
district at the top, the level closest to residents at the bottom), a relay that skips rows
passes through a narrow lane reserved in each row between (a dummy node), and the order
within each row is chosen by barycentre sweeps that reduce crossings
(``barycenter_order``), starting from the institutions that settle most; the order does
not depend on the process (its hash seed).  Relays run from the top or bottom edge of a
box through the free space between rows, so no arrow crosses a box; relays within a row
arch over it.

Each box carries the institution's own name (``name_zh`` / ``name_en``; by default its
actor's label), its staff in whole people, the share of each need type it settles, and —
in blue or orange — the need types residents bring to it first in person or by phone /
online.  Row labels are what one unit of the row's level is called where the structure is
(``level_name``: county, town, administrative village …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.textpath import TextToPath

from govsim.config.vocabulary import ACTORS, LEVEL_NAMES, LEVELS, NEED_TYPES, tier
from govsim.presentation.charts.style import STYLE
from govsim.presentation.charts.style import t as chart_text
from govsim.presentation.text import ORG_TEXT, label, short_label

# rows from the top: how far from residents an institution sits (``vocabulary.tier``)
RANKS = {level: i for i, level in enumerate(LEVELS)}

WIDTH = 10.0  # inches: the report shows charts 1100 px wide at 110 dpi, so text keeps its size
FONT = 9.0  # points, every text in the chart (names 9.5)
LEFT = 1.15  # inches for the row labels
RIGHT = 0.2
LANE = 0.3  # inches a relay passing through a row takes
GAP = 0.3  # inches between boxes
PAD = 0.09  # inches of padding inside a box
LINE = 1.32  # line height in font sizes
MAX_BOX_W = 2.45

DEFAULT_COLOUR = "#333333"
TYPED_COLOUR = "#7A4EAB"
WALK_IN_COLOUR = "#0072B2"
REMOTE_COLOUR = "#D55E00"
FILL_FULL, FILL_PART, FILL_NONE = "#FDE9C9", "#DCEBF7", "#F2F2F2"


def tr(key: str, lang: str, **kw) -> str:
    return label(ORG_TEXT, key, lang).format(**kw)


def level_name(inst) -> str:
    """What one unit of the institution's row is called (a key of ``LEVEL_NAMES``): its
    file's ``level_name``, else the row's name in a city (``Level.name``)."""
    return getattr(inst, "level_name", None) or LEVELS[tier(inst)].name


def institution_name(inst, lang: str) -> str:
    """The institution's own name (its file's ``name_zh`` / ``name_en``), else its actor's."""
    own = getattr(inst, "name_zh" if lang == "zh" else "name_en", None)  # older runs lack it
    return own or label(ACTORS, inst.actor, lang)


def staff_text(staff: float, lang: str) -> str:
    """Staff as whole people: 30 → "30人", 21.6 → "约22人"."""
    n = round(staff)
    if abs(staff - n) < 1e-9:
        return tr("staff_whole", lang, n=n)
    return tr("staff_about", lang, n=max(n, 1))


def _plural(word: str) -> str:
    if word.endswith("y") and not word.endswith("ey"):
        return word[:-1] + "ies"
    return word if word.endswith("s") else word + "s"


# ------------------------------------------------------------------ crossing reduction
def crossings(layers: list[list], edges: list[tuple]) -> int:
    """Crossings between consecutive layers for edges given between adjacent layers."""
    where = {n: (r, i) for r, layer in enumerate(layers) for i, n in enumerate(layer)}
    total = 0
    for r in range(len(layers) - 1):
        seg = []
        for a, b in edges:
            (ra, ia), (rb, ib) = where[a], where[b]
            if {ra, rb} == {r, r + 1}:
                seg.append((ia, ib) if ra == r else (ib, ia))
        for i, (a0, b0) in enumerate(seg):
            for a1, b1 in seg[i + 1 :]:
                total += (a0 - a1) * (b0 - b1) < 0
    return total


def barycenter_order(layers: list[list], edges: list[tuple], sweeps: int = 4) -> list[list]:
    """Order within each layer that reduces crossings: alternately down and up, each node
    moves to the mean position of its neighbours in the layer just fixed (nodes without
    such neighbours keep their place); the best ordering seen is returned."""
    layers = [list(layer) for layer in layers]
    # neighbours in the order of the edges (a dict, not a set: the mean of their positions,
    # and so the order, must not depend on the hash seed of the process)
    nbrs: dict[str, dict] = {}
    for a, b in edges:
        nbrs.setdefault(a, {})[b] = None
        nbrs.setdefault(b, {})[a] = None
    best, best_c = [list(x) for x in layers], crossings(layers, edges)
    for s in range(sweeps):
        order = range(1, len(layers)) if s % 2 == 0 else range(len(layers) - 2, -1, -1)
        for r in order:
            fixed = layers[r - 1] if s % 2 == 0 else layers[r + 1]
            pos = {n: i for i, n in enumerate(fixed)}

            def key(item, pos=pos):
                i, n = item
                near = [pos[m] for m in nbrs.get(n, ()) if m in pos]
                return (float(np.mean(near)) if near else float(i), i)

            layers[r] = [n for _, n in sorted(enumerate(layers[r]), key=key)]
        c = crossings(layers, edges)
        if c < best_c:
            best, best_c = [list(x) for x in layers], c
    return best


# ------------------------------------------------------------------ text measuring
_TTP = TextToPath()


def _prop(size: float = FONT, bold: bool = False) -> FontProperties:
    return FontProperties(
        family=list(STYLE["font.sans-serif"]), size=size, weight="bold" if bold else "normal"
    )


def text_width(s: str, size: float = FONT, bold: bool = False) -> float:
    """Width of ``s`` in inches."""
    w, _, _ = _TTP.get_text_width_height_descent(s, _prop(size, bold), ismath=False)
    return w / 72.0


def wrap(s: str, width: float, size: float = FONT, bold: bool = False) -> list[str]:
    """Lines of ``s`` no wider than ``width`` inches: breaks at spaces, and between Chinese
    characters (a run of Latin letters, digits and % stays whole; no line starts with
    closing punctuation)."""
    tokens = re.findall(
        r"[\u4e00-\u9fff]{1,4} \d+%[、，]?|[A-Za-z]+ \d+%,?\s*|[(（]?[A-Za-z0-9%.'/+\-]+[)）,，、]*\s*|\s+|.",
        s,
    )
    lines, cur = [], ""
    for tok in tokens:
        trial = cur + tok
        if cur and text_width(trial.rstrip(), size, bold) > width and tok.strip():
            if tok[0] in "，、。：；）」』”),:;":
                lines.append(trial.rstrip())
                cur = ""
                continue
            lines.append(cur.rstrip())
            cur = tok.lstrip()
        else:
            cur = trial
    if cur.strip():
        lines.append(cur.rstrip())
    return lines or [""]


# ------------------------------------------------------------------ boxes and relays
@dataclass
class Box:
    key: str
    rank: int
    lines: list[tuple[str, str, bool]] = field(default_factory=list)  # text, colour, bold
    fill: str = FILL_NONE
    frame: str = DEFAULT_COLOUR
    frame_w: float = 1.0
    x: float = 0.0
    y: float = 0.0  # centre
    w: float = 0.0
    h: float = 0.0


@dataclass
class Relay:
    src: str
    dst: str
    types: list[str]  # need types relayed by type (empty: only the default relay)
    default: bool
    path_nodes: list = field(default_factory=list)  # src, dummies …, dst


def relays(sc) -> list[Relay]:
    """Every relay of the file, one per (from, to): its default (``forwards_to``) and the
    need types relayed by type (``forwards``)."""
    out: dict[tuple[str, str], Relay] = {}
    for key, inst in sc.institutions.items():
        if inst.forwards_to:
            r = out.setdefault((key, inst.forwards_to), Relay(key, inst.forwards_to, [], False))
            r.default = True
        for tk, target in inst.forwards.items():
            r = out.setdefault((key, target), Relay(key, target, [], False))
            r.types.append(tk)
    return list(out.values())


def _box_lines(sc, key: str, inst, lang: str, width: float) -> list[tuple[str, str, bool]]:
    sep = "、" if lang == "zh" else ", "
    dot = " · "
    lines = [
        (s, "#000000", True) for s in wrap(institution_name(inst, lang), width, FONT + 0.5, True)
    ]
    facts = []
    if inst.organisations:
        facts.append(tr("organisations_n", lang, n=round(inst.organisations)))
    if inst.staff > 0:
        facts.append(staff_text(inst.staff, lang))
    elif not inst.organisations:
        facts.append(tr("no_staff", lang))
    if inst.windows:
        facts.append(tr("windows_n" if inst.windows > 1 else "window_one", lang, n=inst.windows))
    if inst.per > 1:
        unit = label(LEVEL_NAMES, _unit_below(sc, inst), lang)
        facts.append(tr("per_units", lang, n=inst.per, unit=unit, units=_plural(unit)))
    for s in wrap(dot.join(facts), width):
        lines.append((s, "#000000", False))
    auth = [
        f"{short_label(NEED_TYPES, tk, lang)} {v:.0%}" for tk, v in inst.authority.items() if v > 0
    ]
    text = tr("settles", lang, items=sep.join(auth)) if auth else tr("settles_nothing", lang)
    for s in wrap(text, width):
        lines.append((s, "#000000" if auth else "#555555", False))
    extras = []
    if inst.admin_tasks:
        extras.append(chart_text("admin_tasks", lang, n=int(inst.admin_tasks + 0.5)))
    if inst.outreach is not None:
        extras.append(chart_text("outreach", lang))
    if inst.backup:
        extras.append(chart_text("ab_backup", lang))
    if inst.time_limit_days is not None:
        extras.append(chart_text("time_limit", lang, d=inst.time_limit_days))
    if inst.accept_first:
        extras.append(chart_text("accept_first", lang))
    for s in wrap(dot.join(extras), width) if extras else []:
        lines.append((s, "#555555", False))
    walk = [tk for tk, target in sc.routing.walk_in.items() if target == key]
    if walk:
        types = sep.join(short_label(NEED_TYPES, tk, lang) for tk in walk)
        for s in wrap(tr("walk_in", lang, types=types), width):
            lines.append((s, WALK_IN_COLOUR, True))
    remote = sc.routing.remote
    if remote is not None and remote.to == key:
        types = sep.join(short_label(NEED_TYPES, tk, lang) for tk in remote.types)
        for s in wrap(tr("remote", lang, types=types), width):
            lines.append((s, REMOTE_COLOUR, True))
    return lines


def _unit_below(sc, inst) -> str:
    """What ``per`` counts: the units of the instance's own level (a street office per four
    communities, an estate per four grids)."""
    same = [i for i in sc.institutions.values() if i.level == inst.level and tier(i) != tier(inst)]
    names = [n for i in same if (n := getattr(i, "level_name", None))]
    return names[0] if names else LEVELS[inst.level].name


def _layers(sc, rels: list[Relay]):
    """Rows of institutions and dummy lanes, ordered to reduce crossings."""
    insts = sc.institutions
    rank = {k: RANKS[tier(i)] for k, i in insts.items()}
    used = sorted(set(rank.values()))
    row_of = {r: i for i, r in enumerate(used)}  # rows actually present, from the top
    g = nx.DiGraph()
    for k in sorted(insts, key=lambda k: (-len(insts[k].authority), k)):
        g.add_node(k, rank=row_of[rank[k]])
    edges = []
    for rel in rels:
        a, b = row_of[rank[rel.src]], row_of[rank[rel.dst]]
        nodes = [rel.src]
        step = 1 if b > a else -1
        for r in range(a + step, b, step) if abs(b - a) > 1 else ():
            d = f"~{rel.src}>{rel.dst}@{r}"
            g.add_node(d, rank=r)
            nodes.append(d)
        nodes.append(rel.dst)
        rel.path_nodes = nodes
        for u, v in zip(nodes, nodes[1:], strict=False):
            if g.nodes[u]["rank"] != g.nodes[v]["rank"]:
                edges.append((u, v))
                g.add_edge(u, v)
    layers = [[] for _ in used]
    for n in g.nodes:  # in the order added: the same in every process
        layers[g.nodes[n]["rank"]].append(n)
    return barycenter_order(layers, edges), used


def _bezier(p0, p1) -> list:
    """Control points of an S-curve from ``p0`` to ``p1`` leaving and arriving vertically."""
    ym = (p0[1] + p1[1]) / 2
    return [(p0[0], ym), (p1[0], ym), p1]


# ------------------------------------------------------------------ the layout
TITLE_H, LEGEND_H = 0.55, 1.25  # inches above the rows and below them
CHANNEL = 0.78  # inches between rows, where relays run


@dataclass
class Layout:
    """An organisation chart's layout, in inches from the bottom left of the figure."""

    layers: list[list]  # rows from the top: institution keys and dummy lanes, in order
    boxes: dict[str, Box]
    relays: list[Relay]
    row_y: list[float]  # centre of each row
    row_h: list[float]
    lane_x: dict[str, float]  # centre of each dummy lane
    height: float
    paths: list[tuple[Relay, Path]] = field(default_factory=list)  # each relay's path


def layout(sc, lang: str) -> Layout:
    """Where every box, row and relay of ``sc``'s organisation chart goes."""
    rels = relays(sc)
    layers, _ = _layers(sc, rels)
    box_w = _box_width(layers)
    boxes = {key: _box(sc, key, inst, lang, box_w) for key, inst in sc.institutions.items()}
    row_h = [max(boxes[n].h for n in layer if n in boxes) for layer in layers]
    height = TITLE_H + sum(row_h) + CHANNEL * (len(layers) - 1) + LEGEND_H + 0.25
    row_y, y = [], height - TITLE_H
    for h in row_h:  # rows from the top: each as high as its highest box
        row_y.append(y - h / 2)
        y -= h + CHANNEL
    out = Layout(layers, boxes, rels, row_y, row_h, {}, height)
    _place_in_rows(out)
    ports = _ports(out)
    same_row_count: dict[int, int] = {}
    out.paths = [
        (rel, _relay_path(out, n, rel, ports, same_row_count)) for n, rel in enumerate(rels)
    ]
    return out


def _box_width(layers: list[list]) -> float:
    """One width for every box: the widest that lets the fullest row fit."""
    n_box = [sum(not str(n).startswith("~") for n in layer) for layer in layers]
    n_lane = [len(layer) - nb for layer, nb in zip(layers, n_box, strict=True)]
    avail = WIDTH - LEFT - RIGHT
    return min(
        MAX_BOX_W,
        min(
            (avail - nl * LANE - (nb + nl - 1) * GAP) / max(nb, 1)
            for nb, nl in zip(n_box, n_lane, strict=True)
        ),
    )


def _box(sc, key: str, inst, lang: str, box_w: float) -> Box:
    """An institution's box: its text, fill (what it settles), frame (where residents go
    first) and size."""
    full = any(v >= 1.0 for v in inst.authority.values())
    b = Box(key, RANKS[tier(inst)])
    b.lines = _box_lines(sc, key, inst, lang, box_w - 2 * PAD)
    b.fill = FILL_FULL if full else (FILL_PART if inst.authority else FILL_NONE)
    if any(v == key for v in sc.routing.walk_in.values()):
        b.frame, b.frame_w = WALK_IN_COLOUR, 2.2
    elif sc.routing.remote is not None and sc.routing.remote.to == key:
        b.frame, b.frame_w = REMOTE_COLOUR, 2.2
    b.w = box_w
    b.h = len(b.lines) * LINE * FONT / 72 + 2 * PAD
    return b


def _place_in_rows(lay: Layout) -> None:
    """Boxes and lanes side by side in their rows, each row centred."""
    avail = WIDTH - LEFT - RIGHT
    for r, layer in enumerate(lay.layers):
        widths = [lay.boxes[n].w if n in lay.boxes else LANE for n in layer]
        total = sum(widths) + GAP * (len(layer) - 1)
        x = LEFT + (avail - total) / 2
        for n, w in zip(layer, widths, strict=True):
            if n in lay.boxes:
                lay.boxes[n].x, lay.boxes[n].y = x + w / 2, lay.row_y[r]
            else:
                lay.lane_x[n] = x + w / 2
            x += w + GAP


def _sides(lay: Layout, rel: Relay) -> tuple[str, str]:
    """The edges a relay leaves and enters by: up from below, down from above, or over the
    top within a row."""
    a, b = lay.boxes[rel.src], lay.boxes[rel.dst]
    if a.rank == b.rank:
        return "top", "top"
    return ("top", "bottom") if a.rank > b.rank else ("bottom", "top")


def _ports(lay: Layout) -> dict[tuple[int, str], float]:
    """Where each relay leaves and enters a box: spread along the box's edge in the order of
    the other end, so relays do not cross at the box."""
    ends: dict[tuple[str, str], list] = {}
    # ties (two relays towards the same place) broken by the relay's place in the file's
    # order, never by ``id()``: a memory address differs from process to process
    for n, rel in enumerate(lay.relays):
        nodes = rel.path_nodes
        first, last = _sides(lay, rel)
        nxt = lay.lane_x.get(nodes[1], lay.boxes[nodes[1]].x if nodes[1] in lay.boxes else 0)
        prv = lay.lane_x.get(nodes[-2], lay.boxes[nodes[-2]].x if nodes[-2] in lay.boxes else 0)
        ends.setdefault((rel.src, first), []).append((nxt, n, "out"))
        ends.setdefault((rel.dst, last), []).append((prv, n, "in"))
    port: dict[tuple[int, str], float] = {}
    for (key, _side), items in ends.items():
        b = lay.boxes[key]
        items.sort()
        k = len(items)
        span = min(b.w - 0.4, 0.45 * (k - 1))
        for i, (_, n, io) in enumerate(items):
            port[(n, io)] = b.x + (i - (k - 1) / 2) * (span / max(k - 1, 1))
    return port


def _relay_path(
    lay: Layout, n: int, rel: Relay, port: dict, same_row_count: dict[int, int]
) -> Path:
    """Relay ``n``'s path: an arch over its row, or S-curves through the channels between rows
    and straight down (or up) each lane it passes."""
    a, b = lay.boxes[rel.src], lay.boxes[rel.dst]
    first, last = _sides(lay, rel)
    x0, x1 = port[(n, "out")], port[(n, "in")]
    y0 = a.y + a.h / 2 if first == "top" else a.y - a.h / 2
    y1 = b.y + b.h / 2 if last == "top" else b.y - b.h / 2
    verts, codes = [(x0, y0)], [Path.MOVETO]
    if a.rank == b.rank:
        lane = same_row_count.get(a.rank, 0)
        same_row_count[a.rank] = lane + 1
        lift = 0.3 + 0.14 * lane
        verts += [(x0, y0 + lift / 0.75), (x1, y1 + lift / 0.75), (x1, y1)]
        codes += [Path.CURVE4] * 3
        return Path(verts, codes)
    pts = [(x0, y0)]
    for d in rel.path_nodes[1:-1]:
        r = int(d.rsplit("@", 1)[1])  # a dummy's name ends with its row
        top, bot = lay.row_y[r] + lay.row_h[r] / 2, lay.row_y[r] - lay.row_h[r] / 2
        if a.rank > b.rank:
            pts += [(lay.lane_x[d], bot), (lay.lane_x[d], top)]
        else:
            pts += [(lay.lane_x[d], top), (lay.lane_x[d], bot)]
    pts.append((x1, y1))
    for i in range(0, len(pts) - 1, 2):
        verts += _bezier(pts[i], pts[i + 1])
        codes += [Path.CURVE4] * 3
        if i + 2 < len(pts):
            verts.append(pts[i + 2])
            codes.append(Path.LINETO)
    return Path(verts, codes)
