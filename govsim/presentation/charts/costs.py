"""Cost per resident a year against outcomes, each structure's point named beside it."""

from __future__ import annotations

from govsim.presentation.charts.style import (
    chart,
    figure,
    mean_err,
    note,
    outcome_text,
    shown_scale,
    t,
)
from govsim.presentation.colours import colour_order
from govsim.results.reading import Results


@chart
def cost_vs_outcomes(res: Results, lang: str = "en"):
    key_cost = "cost_per_resident_yuan"
    colours = colour_order(res.order)
    table = res.table()
    fig = figure(figsize=(13, 5.4))
    axes = fig.subplots(1, 2)
    labelled = []
    for ax, key in zip(axes, ("participation_mean", "response_time_median_h"), strict=True):
        scale, unit = shown_scale(res.outcomes[key]["unit"])
        points = []
        # each structure once, on its own people: a before-structure run again on another
        # structure's people costs the same and would pile its labels on its own (the paired
        # chart shows each structure against it)
        for k in res.structures:
            sub = table[table["key"] == k]
            cx, cerr = mean_err(sub["cost_per_resident_yuan"], res.outcomes[key_cost]["unit"])
            oy, oerr = mean_err(sub[key], res.outcomes[key]["unit"])
            oy = oy * scale
            oerr = None if oerr is None else [[e[0] * scale] for e in oerr]
            ax.errorbar(cx, oy, xerr=cerr, yerr=oerr, fmt="o", ms=8, color=colours[k], capsize=3)
            points.append((k, cx, oy))
        ax.margins(x=0.22, y=0.15)
        ax.set_ylabel(outcome_text(res, key, lang, unit))
        ax.set_xlabel(t("cost_axis", lang))
        ax.grid(alpha=0.3)
        labelled.append((ax, points))
    fig.suptitle(t("cost_vs", lang), fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    for ax, points in labelled:  # once the axes have their final size
        label_points(ax, [(res.short_name(k, lang), x, y, colours[k]) for k, x, y in points])
    note(fig, res, lang)
    return fig


def _overlap(a, b) -> float:
    """Area shared by two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def label_points(ax, items) -> None:
    """Name each point beside it, on the side where the label (as drawn) stays inside the
    axes and covers neither another label nor a point; call after the layout is final."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    inside = (frame.x0 + 2, frame.y0 + 2, frame.x1 - 2, frame.y1 - 2)
    r = 6 * fig.dpi / 72
    dots = []
    for _, x, y, _ in items:
        px, py = ax.transData.transform((x, y))
        dots.append((px - r, py - r, px + r, py + r))
    offsets = [(dx, dy) for dy in (4, -4, 12, -12, 20, -20) for dx in (7, -7)] + [
        (0, 10),
        (0, -10),
        (0, 18),
        (0, -18),
    ]
    # further out when the near places are taken (ten and more structures, close together)
    offsets += [(dx, dy) for dy in (28, -28, 36, -36) for dx in (7, -7, 0)]
    placed = []
    for text, x, y, colour in sorted(items, key=lambda it: -it[2]):
        best = None
        for dx, dy in offsets:
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            va = "bottom" if dy > 0 else "top"
            ann = ax.annotate(
                text,
                (x, y),
                textcoords="offset points",
                xytext=(dx, dy),
                fontsize=9,
                color=colour,
                ha=ha,
                va=va,
                annotation_clip=False,
            )
            bb = ann.get_window_extent(renderer)
            box = (bb.x0 - 1, bb.y0 - 1, bb.x1 + 1, bb.y1 + 1)
            area = (box[2] - box[0]) * (box[3] - box[1])
            score = (area - _overlap(box, inside)) * 100.0
            score += sum(_overlap(box, p) for p in placed) * 10.0
            score += sum(_overlap(box, d) for d in dots)
            if best is None or score < best[0]:
                if best is not None:
                    best[1].remove()
                best = (score, ann, box)
            else:
                ann.remove()
            if score == 0:
                break
        ann = best[1]
        ann.set_in_layout(False)
        placed.append(best[2])
