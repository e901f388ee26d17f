"""The organisation chart of a structure, drawn from its layout
(``govsim.presentation.charts.org_layout``): row bands and labels, boxes, relays, the
labels of relays where they cover nothing, and the title, legend and note."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle
from matplotlib.path import Path

from govsim.config.vocabulary import LEVEL_NAMES, NEED_TYPES
from govsim.presentation.charts.org_layout import (
    DEFAULT_COLOUR,
    FILL_FULL,
    FILL_NONE,
    FILL_PART,
    FONT,
    LEFT,
    LINE,
    PAD,
    REMOTE_COLOUR,
    TYPED_COLOUR,
    WALK_IN_COLOUR,
    WIDTH,
    Layout,
    layout,
    level_name,
    tr,
    wrap,
)
from govsim.presentation.charts.style import chart, figure, t
from govsim.presentation.text import label, pick, short_label

if TYPE_CHECKING:
    from govsim.core.load import Scenario
    from govsim.results.reading import Spec


@chart
def org_chart(sc: Scenario | Spec, lang: str = "en"):
    """The structure as its scenario file states it: each institution by its own name in
    the row of its level (district at the top), who relays to whom, what share of each need
    type each can settle, and where residents go first.  ``sc``: a loaded scenario, or a
    run's (``Results.scenarios``)."""
    return draw(sc, lang)


def draw(sc: Scenario | Spec, lang: str = "en"):
    """The organisation chart of ``sc`` (without ``org_chart``'s style context)."""
    lay = layout(sc, lang)
    fig = figure(figsize=(WIDTH, lay.height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, lay.height)
    ax.axis("off")
    _rows(ax, sc, lay, lang)
    _boxes(ax, lay)
    drawn = _relays(ax, lay)
    _relay_labels(fig, ax, drawn, lang)
    _title_legend_note(fig, ax, sc, lay, lang)
    return fig


def _rows(ax, sc, lay: Layout, lang: str) -> None:
    """A grey band per row, labelled with what one unit of its level is called here."""
    for r, layer in enumerate(lay.layers):
        top, bot = lay.row_y[r] + lay.row_h[r] / 2, lay.row_y[r] - lay.row_h[r] / 2
        ax.add_patch(
            Rectangle(
                (0.05, bot - 0.08), WIDTH - 0.1, top - bot + 0.16, fc="#F7F7F7", ec="none", zorder=0
            )
        )
        names = []
        for n in layer:
            if n in lay.boxes:
                nm = label(LEVEL_NAMES, level_name(sc.institutions[n]), lang)
                if nm not in names:
                    names.append(nm)
        text = (" / " if lang == "en" else "／").join(names)
        ax.text(
            0.12,
            lay.row_y[r],
            "\n".join(wrap(text, LEFT - 0.2)),
            fontsize=FONT,
            color="#555555",
            ha="left",
            va="center",
            zorder=1,
            gid="row_label",
        )


def _boxes(ax, lay: Layout) -> None:
    """Each institution's box and its lines of text."""
    for b in lay.boxes.values():
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


def _relays(ax, lay: Layout) -> list[tuple]:
    """Each relay as an arrow along its path: solid for the default relay, dashed for a
    relay by need type; returns (relay, path, colour) of each."""
    drawn = []
    for rel, path in lay.paths:
        colour = DEFAULT_COLOUR if rel.default else TYPED_COLOUR
        ax.add_patch(
            FancyArrowPatch(
                path=path,
                arrowstyle="-|>,head_length=6,head_width=3.5",
                color=colour,
                lw=1.3,
                ls="-" if rel.default else "--",
                zorder=2,
                gid=f"relay:{rel.src}>{rel.dst}",
            )
        )
        drawn.append((rel, path, colour))
    return drawn


def _relay_labels(fig, ax, drawn: list[tuple], lang: str) -> None:
    """The need types a relay carries by type, on it where the label covers no box and no
    other label (measured with the renderer)."""
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
        text = sep.join(short_label(NEED_TYPES, tk, lang) for tk in rel.types)
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


def _title_legend_note(fig, ax, sc, lay: Layout, lang: str) -> None:
    """The title, a legend of the kinds of relay and box the chart draws (and no other),
    and the note on how to read it, inside the figure."""
    height = lay.height
    name = pick(sc.scenario.name_zh, sc.scenario.name_en, lang)
    fig.text(
        0.5,
        1 - 0.3 / height,
        t("org_chart", lang, name=name),
        fontsize=12,
        ha="center",
        va="center",
    )
    handles = [
        *(
            [Line2D([], [], color=DEFAULT_COLOUR, lw=1.5, label=tr("legend_default", lang))]
            if any(r.default for r in lay.relays)
            else []
        ),
        *(
            [Line2D([], [], color=TYPED_COLOUR, lw=1.5, ls="--", label=tr("legend_typed", lang))]
            if any(not r.default for r in lay.relays)
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
