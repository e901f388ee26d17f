"""What the page draws of a ``LiveModel``'s ``Frame``: the network view, the series beside
the reference, and the line of numbers under them.  The figures are matplotlib's, drawn off
pyplot; the page keeps one painter per view and language, which draws what does not change
once and only what a day changes over it (``NetworkPainter``, ``SeriesPainter``)."""

from __future__ import annotations

import io
import textwrap
import threading
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
from matplotlib.colors import to_rgba, to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from govsim.app.layout import LEFT
from govsim.app.live import STATES, WINDOW_DAYS, Frame
from govsim.config.vocabulary import ACTORS, LEVELS
from govsim.presentation.charts.style import STYLE
from govsim.presentation.plot import chart, figure, t
from govsim.presentation.text import label

if TYPE_CHECKING:
    from govsim.app.live import LiveModel

STATE_COLOURS = {
    "waiting": "#D55E00",
    "served": "#009E73",
    "taking_part": "#0072B2",
    "none": "#CFCFCF",
}
RGBA_STATES = to_rgba_array([STATE_COLOURS[s] for s in STATES])  # indexed by a state
QUEUED, EMPTY = to_rgba("#F6C89F"), to_rgba("#FFFFFF")  # an institution with a queue, without


def short_count(n: int) -> str:
    """A count that fits in a small square: 950, 1.2k, 12k."""
    return f"{n}" if n < 1000 else f"{n / 1000:.1f}k" if n < 10_000 else f"{n // 1000}k"


def _network_static(live: LiveModel, lang: str):
    """The network view's figure with what never changes while the model runs (relays,
    where residents go first, names of institutions and levels) drawn, and the artists a
    day changes (``NetworkPainter``) created but marked animated (drawn per frame)."""
    v, m = live.view, live.run
    fig = figure(figsize=(4.2, 4.0), dpi=100)
    ax = fig.subplots()
    ax.set_position((0.01, 0.2, 0.98, 0.66))  # room above for the top row's name
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
    residents = ax.scatter(v.rx, v.ry, s=10, c="#CFCFCF", zorder=2, animated=True)
    width_pt = 0.98 * fig.get_figwidth() * 72  # the axes' width
    sides = [min(13.0, 0.8 * g * width_pt) for g in v.gaps]  # squares in a row do not touch
    squares = ax.scatter(
        pos[:, 0], pos[:, 1], s=np.square(sides), marker="s", zorder=3, ec="#333333", lw=0.8,
        fc="#FFFFFF", animated=True,
    )  # fmt: skip
    counts = [
        ax.text(x, y, "", ha="center", va="center", fontsize=5.5, zorder=4, animated=True)
        for x, y in pos
    ]
    for n, agent in enumerate(m.node_agents):
        x, y = pos[n]
        many = agent.kind.n_instances
        if agent.instance != many // 2:  # one name per institution, over its middle one
            continue
        lift = 7 + (10 if lang == "zh" else 19) * v.stagger[agent.key]
        name = label(ACTORS, agent.spec.actor, lang)
        name = name if lang == "zh" else textwrap.fill(name, 16)
        name += f" ×{many}" if many > 1 else ""
        # a name near an edge is aligned to stay inside the figure
        ha = "left" if x < LEFT + 0.12 else "right" if x > 0.85 else "center"
        ax.annotate(
            name, (x, y), xytext=(0, lift), textcoords="offset points", ha=ha,
            va="bottom", fontsize=7, zorder=5, annotation_clip=False,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )  # fmt: skip
    for tier, y in v.rows.items():
        name = label(LEVELS, tier, lang)
        # a long name in two or three lines that fit the left margin
        name = textwrap.fill(name.replace(" / ", "/ "), 13) if lang == "en" else _zh_lines(name)
        ax.text(0.0, y, name, ha="left", va="center", fontsize=6.5, color="#666", linespacing=1.2)
    ax.text(0.0, 0.5, t("residents_box", lang), ha="left", va="center", fontsize=6.5, color="#666")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.15, max(v.rows.values(), default=1.8) + 0.45)
    ax.axis("off")
    title = fig.suptitle("", fontsize=9, animated=True)
    return fig, ax, residents, squares, counts, title


def _zh_lines(name: str, width: int = 6) -> str:
    """A Chinese level name in lines of at most ``width`` characters, broken after a "/"
    ("网格/楼栋/自然村" → "网格/楼栋/\n自然村")."""
    lines: list[str] = []
    for part in name.replace("/", "/\0").split("\0"):
        if lines and len(lines[-1]) + len(part) <= width:
            lines[-1] += part
        else:
            lines.append(part)
    return "\n".join(lines)


class NetworkPainter:
    """The network view of one ``LiveModel`` in one language, drawn per frame: what never
    changes is drawn once and kept as a picture; a frame draws the residents' colours, the
    queues, the legend's counts and the day over it (matplotlib's blitting)."""

    def __init__(self, live: LiveModel, lang: str):
        self.live, self.lang = live, lang
        with matplotlib.rc_context(STYLE):
            parts = _network_static(live, lang)
        self.fig, self.ax, self.residents, self.squares, self.counts, self.title = parts
        handles = [
            Line2D([], [], marker="o", ls="", color=STATE_COLOURS[s], label=t("state_" + s, lang))
            for s in STATES
        ]  # fmt: skip
        handles.append(
            Line2D([], [], marker="s", ls="", mfc=QUEUED, mec="#333333",
                   label=t("queue_mark", lang))
        )  # fmt: skip
        self.legend = self.fig.legend(
            handles=handles, loc="lower center", ncol=2, fontsize=7, frameon=False
        )
        self.legend.set_animated(True)
        self.background = None
        self.lock = threading.Lock()

    def draw(self, frame: Frame) -> Figure:
        """Set the figure's changing artists to ``frame`` (the figure as a whole)."""
        lang, v = self.lang, self.live.view
        self.residents.set_facecolors(RGBA_STATES[frame.states])
        waiting = np.asarray(frame.waiting)
        self.squares.set_facecolors(np.where(waiting[:, None] > 0, QUEUED, EMPTY))
        self.shown = [self.residents, self.squares, self.legend, self.title]
        for text, w in zip(self.counts, frame.waiting, strict=True):
            if w:
                text.set_text(short_count(w))
                self.shown.append(text)
        n = np.bincount(frame.states, minlength=len(STATES))
        for text, s, c in zip(self.legend.get_texts(), STATES, n, strict=False):
            text.set_text(f"{t('state_' + s, lang)} {c}")
        residents = self.live.run.residents.n
        self.title.set_text(
            t("network_title", lang, n=len(v.who), residents=residents, day=frame.day)
        )
        return self.fig

    def png(self, frame: Frame) -> bytes:
        with self.lock, matplotlib.rc_context(STYLE):
            self.draw(frame)
            return _blit(self, False, self.shown)


class SeriesPainter:
    """Participation and median response time, the chosen structure beside the
    reference, drawn per frame: the axes are drawn once and kept as a picture (again when a
    line outgrows them: the days axis doubles, a value axis grows by a half); a frame draws
    the lines over it."""

    def __init__(self, live: LiveModel, lang: str):
        self.live, self.lang = live, lang
        self.lock = threading.Lock()
        self.background = None
        mine, ref = live.names(lang)
        with matplotlib.rc_context(STYLE):
            fig = figure(figsize=(4.2, 4.0), dpi=100)
            ax1, ax2 = fig.subplots(2, 1, sharex=True)
            fig.subplots_adjust(left=0.14, right=0.97, top=0.93, bottom=0.11, hspace=0.28)
            same = live.reference is live.run
            self.lines: dict[str, Line2D] = {}
            for ax, key, ylabel in (
                (ax1, "part", t("share_pct", lang)),
                (ax2, "resp", t("median_days", lang)),
            ):
                if not same:
                    (self.lines[key + "_ref"],) = ax.plot(
                        [], [], color="#000000", lw=1.4, label=ref, animated=True
                    )
                (self.lines[key],) = ax.plot(
                    [], [], color="#E69F00" if not same else "#000000", lw=1.8,
                    label=ref if same else mine, animated=True,
                )  # fmt: skip
                ax.set_ylabel(ylabel, fontsize=8)
                ax.tick_params(labelsize=7.5)
                ax.grid(alpha=0.3)
                ax.axvspan(0, WINDOW_DAYS, color="#EEEEEE", zorder=0)
            ax1.set_title(t("live_participation", lang), fontsize=8.5)
            ax2.set_title(t("live_response", lang), fontsize=8.5)
            ax2.set_xlabel(t("day", lang), fontsize=8)
            ax1.legend(fontsize=7.5, loc="lower right", frameon=False)
            ax1.text(
                WINDOW_DAYS / 2, 0.96, t("window_filling", lang),
                transform=ax1.get_xaxis_transform(), ha="center", va="top", fontsize=6.5,
                color="#777",
            )  # fmt: skip
        self.fig, self.axes = fig, {"part": ax1, "resp": ax2}
        self.limits = {"day": 60.0, "part": 5.0, "resp": 5.0}

    SCALE = {"part": 100.0, "resp": 1.0}

    def draw(self, frame: Frame) -> bool:
        """Set the lines to ``frame``; True when the axes had to grow."""
        s = frame.series
        grew = False
        last = float(s["day"][-1]) if len(s["day"]) else 0.0
        while last + 1 > self.limits["day"]:
            self.limits["day"] *= 2
            grew = True
        for key, scale in self.SCALE.items():
            values = np.concatenate([s[key], s[key + "_ref"]]) * scale
            top = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
            while top * 1.05 > self.limits[key]:
                self.limits[key] *= 1.5
                grew = True
            for k in (key, key + "_ref"):
                if k in self.lines:
                    self.lines[k].set_data(s["day"], s[k] * scale)
        if grew or self.background is None:
            self.axes["resp"].set_xlim(0, self.limits["day"])
            for key, ax in self.axes.items():
                ax.set_ylim(0, self.limits[key])
        return grew

    def png(self, frame: Frame) -> bytes:
        with self.lock, matplotlib.rc_context(STYLE):
            grew = self.draw(frame)
            return _blit(self, grew, self.lines.values())


def _blit(painter, redraw: bool, artists) -> bytes:
    """A painter's figure as PNG: its kept picture of what does not change (drawn anew
    first when ``redraw``, or when it has none yet: the animated artists are left out of a
    draw), with ``artists`` drawn over it."""
    canvas = painter.fig.canvas
    if redraw or painter.background is None:
        canvas.draw()
        painter.background = canvas.copy_from_bbox(painter.fig.bbox)
    canvas.restore_region(painter.background)
    for a in artists:
        painter.fig.draw_artist(a)
    return _encode(canvas)


def _encode(canvas) -> bytes:
    """The canvas as PNG (fast compression: the page redraws it every day)."""
    w, h = canvas.get_width_height(physical=True)
    img = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


@chart
def network_figure(live: LiveModel, lang: str = "zh"):
    """The sample of residents and the institutions, coloured by state, as a figure."""
    painter = NetworkPainter(live, lang)
    fig = painter.draw(live.frame())
    for a in (painter.residents, painter.squares, *painter.counts, painter.legend, painter.title):
        a.set_animated(False)  # a whole figure: everything drawn by savefig and in Jupyter
    return fig


@chart
def series_figure(live: LiveModel, lang: str = "zh"):
    """Participation and median response time beside the reference, as a figure."""
    painter = SeriesPainter(live, lang)
    painter.draw(live.frame())
    for line in painter.lines.values():
        line.set_animated(False)
    return painter.fig


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def readout(frame: Frame, lang: str) -> str:
    """One line of numbers under the charts (what the browser test reads)."""
    s = frame.series
    if not len(s["day"]):
        return t("readout_start", lang)
    days = "–" if np.isnan(s["resp"][-1]) else f"{s['resp'][-1]:.1f}"
    days_ref = "–" if np.isnan(s["resp_ref"][-1]) else f"{s['resp_ref'][-1]:.1f}"
    return t(
        "readout",
        lang,
        day=frame.day,
        part=100 * s["part"][-1],
        part_ref=100 * s["part_ref"][-1],
        days=days,
        days_ref=days_ref,
    )
