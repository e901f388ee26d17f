"""Where needs went: how they were reported and how they ended, by channel; and at which
level answered needs were settled.  The channels come from the runs' ``catalog.json`` and
the levels from ``vocabulary.LEVELS``, so a new channel or level shows with no change here."""

from __future__ import annotations

import matplotlib.colors
import numpy as np

from govsim.config.vocabulary import LEVELS, tier
from govsim.presentation.charts.style import chart, figure, horizon_h, note, t
from govsim.presentation.text import label
from govsim.results.reading import Results

# colours of need flows and levels: their own palettes, never a structure's colour (colour
# means a structure in every chart): answered needs in one sequential ramp (purples, one
# per channel and one for needs met without a report), the rest in light greys told apart
# by hatching; levels in a ramp of blue-greens from far (dark) to near (light), taking part
# hatched.  A ramp of another length is interpolated between the same ends.
ANSWERED_COLOURS = ("#3F007D", "#6A51A3", "#9E9AC8", "#DADAEB")
UNANSWERED = ("pending", "abandoned", "never_reported")
UNANSWERED_COLOURS = ("#FFFFFF", "#C8C8C8", "#E3E3E3")
UNANSWERED_HATCHES = ("////", "xxx", None)
LEVEL_COLOURS = ("#08306B", "#2B5C8A", "#4F8FA8", "#86BCB6", "#C7E9C0")
TAKING_PART = "taking_part"  # answered needs no institution settled: met by taking part


def ramp(colours: tuple[str, ...], n: int) -> list[str]:
    """``n`` colours from the first of ``colours`` to the last (``colours`` itself for its
    own length)."""
    if n == len(colours):
        return list(colours)
    cmap = matplotlib.colors.LinearSegmentedColormap.from_list("ramp", colours)
    return [matplotlib.colors.to_hex(cmap(x)) for x in np.linspace(0, 1, n)]


def flow_categories(res: Results) -> list[str]:
    """The categories of the left panel: answered after each channel of the runs' catalog,
    answered without a report, and the ways needs stay unanswered."""
    return [*(f"resolved_{c}" for c in res.channels), "resolved_unreported", *UNANSWERED]


def flow_shares(res: Results) -> dict[str, dict[str, float]]:
    """Per structure, the share (%) of needs in each of ``flow_categories`` (they add to
    100: a need answered through a channel the catalog does not list is an error)."""
    horizon = horizon_h(res)
    out = {}
    for k in res.order:
        f = res.needs(k, ["status", "channel", "reports", "t_arose_h"])
        f = f[f["t_arose_h"] < horizon]
        st, ch, rep = f["status"], f["channel"], f["reports"]
        resolved = st == "resolved"
        unknown = set(ch[resolved & (ch != "")]) - set(res.channels)
        if unknown:
            raise ValueError(
                f"{k}: needs answered through channel(s) {sorted(unknown)}, which the runs' "
                f"catalog.json does not list (channels: {', '.join(res.channels)})"
            )
        cats = {f"resolved_{c}": resolved & (ch == c) for c in res.channels}
        cats |= {
            "resolved_unreported": resolved & (ch == ""),
            "pending": (st == "in_system") | ((st == "unreported") & (rep > 0)),
            "abandoned": st == "abandoned",
            "never_reported": (st == "never_reported") | ((st == "unreported") & (rep == 0)),
        }
        n = max(1, len(f))
        out[k] = {c: float(v.sum()) / n * 100.0 for c, v in cats.items()}
    return out


def resolver_shares(res: Results) -> dict[str, dict[str, float]]:
    """Per structure, the share of answered needs settled at each level (``tier``; closest
    last), and by taking part."""
    out = {}
    for k in res.order:
        sc = res.scenarios[k]
        f = res.needs(k, ["status", "resolver"])
        f = f[f["status"] == "resolved"]
        keys = f["resolver"].str.split("#").str[0]
        tiers = {key: tier(inst) for key, inst in sc.institutions.items()}
        where = keys.map(lambda x, tiers=tiers: tiers.get(x, TAKING_PART))
        out[k] = (where.value_counts(normalize=True) * 100.0).to_dict()
    return out


@chart
def need_flows(res: Results, lang: str = "en"):
    flows = flow_shares(res)
    by_tier = resolver_shares(res)
    names = [res.short_name(k, lang) for k in res.order]
    fig = figure(figsize=(15, 2.3 + 0.55 * len(res.order)))
    ax1, ax2 = fig.subplots(1, 2)
    y = np.arange(len(res.order))[::-1]

    def stacked(ax, cats, colours, hatches, values, names_of):
        left = np.zeros(len(res.order))
        for cat, colour, hatch in zip(cats, colours, hatches, strict=True):
            vals = np.array([values[k].get(cat, 0.0) for k in res.order])
            ax.barh(
                y,
                vals,
                left=left,
                color=colour,
                hatch=hatch,
                edgecolor="#777777" if hatch else "white",
                lw=0.5,
                label=names_of(cat),
            )
            r, g, b = matplotlib.colors.to_rgb(colour)
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            for yi, l0, v in zip(y, left, vals, strict=True):
                if v >= 6:
                    ax.text(
                        l0 + v / 2,
                        yi,
                        f"{v:.0f}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        # dark grey, not black: black is a structure's colour
                        color="white" if dark else "#333333",
                        bbox=None if dark or not hatch else dict(fc="white", ec="none", pad=0.5),
                    )
            left += vals
        ax.set_yticks(y)
        ax.set_xlim(0, 100)
        ax.set_xlabel(t("share_of_needs", lang))
        # the legend below the axis label, however tall the figure: anchored at the axes'
        # bottom and pushed down by the height of the tick labels and the axis label
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            borderaxespad=4.2,
            ncol=2 if ax is ax1 else 3,
            fontsize=8,
            frameon=False,
        )

    cats = flow_categories(res)
    answered = len(cats) - len(UNANSWERED)
    stacked(
        ax1,
        cats,
        [*ramp(ANSWERED_COLOURS, answered), *UNANSWERED_COLOURS],
        [*(None,) * answered, *UNANSWERED_HATCHES],
        flows,
        lambda c: _flow_name(res, c, lang),
    )
    ax1.set_yticklabels(names)
    ax1.set_title(t("flows_path", lang), fontsize=10)
    stacked(
        ax2,
        [*LEVELS, TAKING_PART],
        [*ramp(LEVEL_COLOURS, len(LEVELS)), "#FFFFFF"],
        [*(None,) * len(LEVELS), "..."],
        by_tier,
        lambda c: t(c, lang) if c == TAKING_PART else label(LEVELS, c, lang),
    )
    ax2.set_yticklabels([])
    ax2.set_title(t("flows_resolver", lang), fontsize=10)
    fig.suptitle(t("flows", lang), fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    note(fig, res, lang)
    return fig


def _flow_name(res: Results, cat: str, lang: str) -> str:
    channel = cat.removeprefix("resolved_")
    if channel in res.channels:
        return t("resolved_via", lang, channel=res.channels[channel][lang])
    return t(cat, lang)
