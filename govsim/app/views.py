"""What the page draws of a ``LiveModel``: the network view, the series beside the
reference, and the line of numbers under them (matplotlib figures, drawn off pyplot)."""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.lines import Line2D

from govsim.app.live import STATES, WINDOW_DAYS
from govsim.config.vocabulary import ACTORS, LEVELS
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


def short_count(n: int) -> str:
    """A count that fits in a small square: 950, 1.2k, 12k."""
    return f"{n}" if n < 1000 else f"{n / 1000:.1f}k" if n < 10_000 else f"{n // 1000}k"


@chart
def network_figure(live: LiveModel, lang: str = "zh"):
    """The sample of residents and the institutions, coloured by state (``LiveModel``)."""
    v, m = live.view, live.run
    fig = figure(figsize=(4.2, 4.0), dpi=100)
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
    fig = figure(figsize=(4.2, 4.0), dpi=100)
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
