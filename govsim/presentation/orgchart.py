"""The organisation chart of a structure: its institutions by level, who relays to whom, and
where residents go first — drawn from the scenario file alone.

The layout is layered (Sugiyama style): one row per level (``RANKS``, the district at the
top, the level closest to residents at the bottom), a relay that skips rows passes through
a narrow lane reserved in each row between (a dummy node), and the order within each row
is chosen by barycentre sweeps that reduce crossings (``barycenter_order``).  Rows are the
layers of a networkx ``multipartite_layout`` (subset key: the row's rank).  Relays run
from the top or bottom edge of a box through the free space between rows, so no arrow
crosses a box; relays within a row arch over it.  Edge labels are placed where they
cover no box and no other label (measured with the renderer).

Each box carries the institution's own name (``name_zh`` / ``name_en``; by default its
actor's label), its staff in whole people, the share of each need type it settles, and —
in blue or orange — the need types residents bring to it first in person or by phone /
online.  Row labels are what one unit of the row's level is called where the structure is
(``level_name``: county, town, administrative village …).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextToPath

from govsim.labels import (
    ABOVE_COMMUNITY_ACTORS,
    ACTORS,
    LEVEL_NAMES,
    NEED_TYPES_SHORT,
    ORG_TEXT,
    label,
    pick,
)

if TYPE_CHECKING:
    from govsim.core.load import Scenario
    from govsim.results.reading import Spec

# rows from the top: how far from residents an institution sits (the rule of ``tier_of``
# in plot.py and of the outcome ``settled_in_community_share``)
RANKS = {"district": 0, "above_community": 1, "community": 2, "jurisdiction": 3, "grid": 4}
# the name of a row's unit when the file does not give ``level_name``
DEFAULT_LEVEL_NAME = {
    "district": "district",
    "above_community": "street",
    "community": "community",
    "jurisdiction": "committee_area",
    "grid": "grid",
}

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


def tier(inst) -> str:
    if inst.actor in ABOVE_COMMUNITY_ACTORS and inst.level != "district":
        return "above_community"
    return inst.level


def level_name(inst) -> str:
    return getattr(inst, "level_name", None) or DEFAULT_LEVEL_NAME[tier(inst)]


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
    nbrs: dict = {}
    for a, b in edges:
        nbrs.setdefault(a, set()).add(b)
        nbrs.setdefault(b, set()).add(a)
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
    from govsim.presentation.plot import STYLE

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


# ------------------------------------------------------------------ the drawing
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
    from govsim.presentation.plot import t

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
        f"{label(NEED_TYPES_SHORT, tk, lang)} {v:.0%}" for tk, v in inst.authority.items() if v > 0
    ]
    text = tr("settles", lang, items=sep.join(auth)) if auth else tr("settles_nothing", lang)
    for s in wrap(text, width):
        lines.append((s, "#000000" if auth else "#555555", False))
    extras = []
    if inst.admin_tasks:
        extras.append(t("admin_tasks", lang, n=int(inst.admin_tasks + 0.5)))
    if inst.outreach is not None:
        extras.append(t("outreach", lang))
    if inst.backup:
        extras.append(t("ab_backup", lang))
    if inst.time_limit_days is not None:
        extras.append(t("time_limit", lang, d=inst.time_limit_days))
    if inst.accept_first:
        extras.append(t("accept_first", lang))
    for s in wrap(dot.join(extras), width) if extras else []:
        lines.append((s, "#555555", False))
    walk = [tk for tk, target in sc.routing.walk_in.items() if target == key]
    if walk:
        types = sep.join(label(NEED_TYPES_SHORT, tk, lang) for tk in walk)
        for s in wrap(tr("walk_in", lang, types=types), width):
            lines.append((s, WALK_IN_COLOUR, True))
    remote = sc.routing.remote
    if remote is not None and remote.to == key:
        types = sep.join(label(NEED_TYPES_SHORT, tk, lang) for tk in remote.types)
        for s in wrap(tr("remote", lang, types=types), width):
            lines.append((s, REMOTE_COLOUR, True))
    return lines


def _unit_below(sc, inst) -> str:
    """What ``per`` counts: the units of the instance's own level (a street office per four
    communities, an estate per four grids)."""
    same = [i for i in sc.institutions.values() if i.level == inst.level and tier(i) != tier(inst)]
    names = [n for i in same if (n := getattr(i, "level_name", None))]
    if names:
        return names[0]
    return {"district": "district", "community": "community", "jurisdiction": "committee_area"}.get(
        inst.level, "grid"
    )


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
    pos = nx.multipartite_layout(g, subset_key="rank", align="horizontal")
    layers = [[] for _ in used]
    for n in sorted(g.nodes, key=lambda n: pos[n][0]):
        layers[g.nodes[n]["rank"]].append(n)
    return barycenter_order(layers, edges), used


def _bezier(p0, p1) -> list:
    """Control points of an S-curve from ``p0`` to ``p1`` leaving and arriving vertically."""
    ym = (p0[1] + p1[1]) / 2
    return [(p0[0], ym), (p1[0], ym), p1]


def draw(sc: Scenario | Spec, lang: str = "en"):
    from govsim.presentation.plot import _figure, t

    insts = sc.institutions
    rels = relays(sc)
    layers, used = _layers(sc, rels)
    n_box = [sum(not str(n).startswith("~") for n in layer) for layer in layers]
    n_lane = [len(layer) - nb for layer, nb in zip(layers, n_box, strict=True)]
    avail = WIDTH - LEFT - RIGHT
    box_w = min(
        MAX_BOX_W,
        min(
            (avail - nl * LANE - (nb + nl - 1) * GAP) / max(nb, 1)
            for nb, nl in zip(n_box, n_lane, strict=True)
        ),
    )
    inner = box_w - 2 * PAD
    boxes: dict[str, Box] = {}
    for key, inst in insts.items():
        full = any(v >= 1.0 for v in inst.authority.values())
        b = Box(key, RANKS[tier(inst)])
        b.lines = _box_lines(sc, key, inst, lang, inner)
        b.fill = FILL_FULL if full else (FILL_PART if inst.authority else FILL_NONE)
        if any(v == key for v in sc.routing.walk_in.values()):
            b.frame, b.frame_w = WALK_IN_COLOUR, 2.2
        elif sc.routing.remote is not None and sc.routing.remote.to == key:
            b.frame, b.frame_w = REMOTE_COLOUR, 2.2
        b.w = box_w
        b.h = len(b.lines) * LINE * FONT / 72 + 2 * PAD
        boxes[key] = b
    # rows from the top: each as high as its highest box, channels between for the relays
    row_h = [max(boxes[n].h for n in layer if n in boxes) for layer in layers]
    channel = 0.78
    title_h, legend_h = 0.55, 1.25
    height = title_h + sum(row_h) + channel * (len(layers) - 1) + legend_h + 0.25
    row_y, y = [], height - title_h
    for h in row_h:
        row_y.append(y - h / 2)
        y -= h + channel
    lane_x: dict[str, float] = {}
    for r, layer in enumerate(layers):
        widths = [boxes[n].w if n in boxes else LANE for n in layer]
        total = sum(widths) + GAP * (len(layer) - 1)
        x = LEFT + (avail - total) / 2
        for n, w in zip(layer, widths, strict=True):
            if n in boxes:
                boxes[n].x, boxes[n].y = x + w / 2, row_y[r]
            else:
                lane_x[n] = x + w / 2
            x += w + GAP
    fig = _figure(figsize=(WIDTH, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, height)
    ax.axis("off")
    # row bands and labels
    for r, layer in enumerate(layers):
        top, bot = row_y[r] + row_h[r] / 2, row_y[r] - row_h[r] / 2
        ax.add_patch(
            Rectangle(
                (0.05, bot - 0.08), WIDTH - 0.1, top - bot + 0.16, fc="#F7F7F7", ec="none", zorder=0
            )
        )
        names = []
        for n in layer:
            if n in boxes:
                nm = label(LEVEL_NAMES, level_name(insts[n]), lang)
                if nm not in names:
                    names.append(nm)
        text = (" / " if lang == "en" else "／").join(names)
        ax.text(
            0.12,
            row_y[r],
            "\n".join(wrap(text, LEFT - 0.2)),
            fontsize=FONT,
            color="#555555",
            ha="left",
            va="center",
            zorder=1,
            gid="row_label",
        )
    # boxes and their text
    for b in boxes.values():
        ax.add_patch(
            FancyBboxPatch(
                (b.x - b.w / 2, b.y - b.h / 2),
                b.w,
                b.h,
                boxstyle="round,pad=0,rounding_size=0.06",
                fc=b.fill,
                ec=b.frame,
                lw=b.frame_w,
                zorder=3,
                gid=f"box:{b.key}",
            )
        )
        ty = b.y + b.h / 2 - PAD - LINE * FONT / 72 / 2
        for s, colour, bold in b.lines:
            ax.text(
                b.x,
                ty,
                s,
                fontsize=FONT + (0.5 if bold and colour == "#000000" else 0),
                fontweight="bold" if bold else "normal",
                color=colour,
                ha="center",
                va="center",
                zorder=4,
                gid=f"boxtext:{b.key}",
            )
            ty -= LINE * FONT / 72
    # ports: relays leave and enter at the top or bottom edge, spread along it in the order
    # of the other end, so they do not cross at the box
    ends: dict[tuple[str, str], list] = {}
    geo = []
    for rel in rels:
        nodes = rel.path_nodes
        a, b = boxes[rel.src], boxes[rel.dst]
        if a.rank == b.rank:
            first, last = ("top", "top")
        elif a.rank > b.rank:
            first, last = ("top", "bottom")
        else:
            first, last = ("bottom", "top")
        nxt = lane_x.get(nodes[1], boxes[nodes[1]].x if nodes[1] in boxes else 0)
        prv = lane_x.get(nodes[-2], boxes[nodes[-2]].x if nodes[-2] in boxes else 0)
        ends.setdefault((rel.src, first), []).append((nxt, id(rel), "out"))
        ends.setdefault((rel.dst, last), []).append((prv, id(rel), "in"))
        geo.append((rel, first, last))
    port: dict[tuple[int, str], float] = {}
    for (key, _side), items in ends.items():
        b = boxes[key]
        items.sort()
        k = len(items)
        span = min(b.w - 0.4, 0.45 * (k - 1))
        for i, (_, rid, io) in enumerate(items):
            port[(rid, io)] = b.x + (i - (k - 1) / 2) * (span / max(k - 1, 1))
    same_row_count: dict[int, int] = {}
    drawn = []
    for rel, first, last in geo:
        a, b = boxes[rel.src], boxes[rel.dst]
        x0, x1 = port[(id(rel), "out")], port[(id(rel), "in")]
        y0 = a.y + a.h / 2 if first == "top" else a.y - a.h / 2
        y1 = b.y + b.h / 2 if last == "top" else b.y - b.h / 2
        verts, codes = [(x0, y0)], [Path.MOVETO]
        if a.rank == b.rank:
            lane = same_row_count.get(a.rank, 0)
            same_row_count[a.rank] = lane + 1
            lift = 0.3 + 0.14 * lane
            verts += [(x0, y0 + lift / 0.75), (x1, y1 + lift / 0.75), (x1, y1)]
            codes += [Path.CURVE4] * 3
        else:
            pts = [(x0, y0)]
            for d in rel.path_nodes[1:-1]:
                r = int(d.rsplit("@", 1)[1])  # a dummy's name ends with its row
                top, bot = row_y[r] + row_h[r] / 2, row_y[r] - row_h[r] / 2
                if a.rank > b.rank:
                    pts += [(lane_x[d], bot), (lane_x[d], top)]
                else:
                    pts += [(lane_x[d], top), (lane_x[d], bot)]
            pts.append((x1, y1))
            for i in range(0, len(pts) - 1, 2):
                verts += _bezier(pts[i], pts[i + 1])
                codes += [Path.CURVE4] * 3
                if i + 2 < len(pts):
                    verts.append(pts[i + 2])
                    codes.append(Path.LINETO)
        dashed = not rel.default
        colour = DEFAULT_COLOUR if rel.default else TYPED_COLOUR
        arrow = FancyArrowPatch(
            path=Path(verts, codes),
            arrowstyle="-|>,head_length=6,head_width=3.5",
            color=colour,
            lw=1.3,
            ls="--" if dashed else "-",
            zorder=2,
            gid=f"relay:{rel.src}>{rel.dst}",
        )
        ax.add_patch(arrow)
        drawn.append((rel, Path(verts, codes), colour))
    # edge labels where they cover no box and no other label
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    taken = [
        p.get_window_extent(renderer) for p in ax.patches if str(p.get_gid()).startswith("box:")
    ]
    taken += [tx.get_window_extent(renderer) for tx in ax.texts]
    sep = "、" if lang == "zh" else ", "
    for rel, path, colour in drawn:
        if not rel.types:
            continue
        text = sep.join(label(NEED_TYPES_SHORT, tk, lang) for tk in rel.types)
        pts = _sample(path)
        best = None
        for frac in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85):
            px, py = pts[int(frac * (len(pts) - 1))]
            tx = ax.text(
                px,
                py,
                text,
                fontsize=FONT,
                color=colour,
                ha="center",
                va="center",
                zorder=5,
                gid=f"edgelabel:{rel.src}>{rel.dst}",
                bbox=dict(fc="white", ec="none", alpha=0.92, pad=1.0),
            )
            ext = tx.get_window_extent(renderer).expanded(1.04, 1.1)
            hits = sum(ext.overlaps(o) for o in taken)
            if best is None or hits < best[0]:
                if best is not None:
                    best[1].remove()
                best = (hits, tx, ext)
            else:
                tx.remove()
            if hits == 0:
                break
        taken.append(best[2])
    # title, legend and note inside the figure
    name = pick(sc.scenario.name_zh, sc.scenario.name_en, lang)
    fig.text(
        0.5,
        1 - 0.3 / height,
        t("org_chart", lang, name=name),
        fontsize=12,
        ha="center",
        va="center",
    )
    handles = [  # the kinds of relay the chart draws, and no other
        *(
            [Line2D([], [], color=DEFAULT_COLOUR, lw=1.5, label=tr("legend_default", lang))]
            if any(r.default for r in rels)
            else []
        ),
        *(
            [Line2D([], [], color=TYPED_COLOUR, lw=1.5, ls="--", label=tr("legend_typed", lang))]
            if any(not r.default for r in rels)
            else []
        ),
        Patch(fc="white", ec=WALK_IN_COLOUR, lw=2.2, label=tr("legend_walk_in", lang)),
        Patch(fc=FILL_FULL, ec=DEFAULT_COLOUR, label=tr("legend_full", lang)),
        Patch(fc=FILL_PART, ec=DEFAULT_COLOUR, label=tr("legend_part", lang)),
        Patch(fc=FILL_NONE, ec=DEFAULT_COLOUR, label=tr("legend_none", lang)),
    ]
    if sc.routing.remote is not None:
        handles.insert(
            3, Patch(fc="white", ec=REMOTE_COLOUR, lw=2.2, label=tr("legend_remote", lang))
        )
    ax.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.42 / height),
        ncol=4 if len(handles) > 6 else 3,
        fontsize=FONT,
        frameon=False,
        handlelength=2.4,
        columnspacing=1.4,
    )
    note = "\n".join(
        wrap(tr("note", lang), WIDTH - 0.4)
        if lang == "zh"
        else textwrap.wrap(tr("note", lang), 150)
    )
    fig.text(0.02, 0.08 / height, note, fontsize=FONT, color="#444444", ha="left", va="bottom")
    return fig


def _sample(path: Path, n: int = 60) -> np.ndarray:
    """Points along a path of line and cubic segments."""
    out = []
    verts, codes = path.vertices, path.codes
    i, cur = 1, verts[0]
    out.append(cur)
    while i < len(verts):
        if codes[i] == Path.CURVE4:
            p0, p1, p2, p3 = cur, verts[i], verts[i + 1], verts[i + 2]
            for s in np.linspace(0, 1, n)[1:]:
                out.append(
                    (1 - s) ** 3 * p0
                    + 3 * (1 - s) ** 2 * s * p1
                    + 3 * (1 - s) * s**2 * p2
                    + s**3 * p3
                )
            cur = p3
            i += 3
        else:
            for s in np.linspace(0, 1, n // 3)[1:]:
                out.append(cur + s * (verts[i] - cur))
            cur = verts[i]
            i += 1
    return np.array(out)
