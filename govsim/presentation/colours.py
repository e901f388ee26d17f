"""The colour of each structure, the same in every chart and report."""

from __future__ import annotations

from govsim.config.scenario import builtin_order


def colour_order(keys: list[str]) -> dict[str, str]:
    """One colour per structure, the same in every chart and report: built-in structures by
    their place in the built-in list (the reference first; Okabe–Ito colours, safe for
    colour-blind readers), then other keys — a structure on another population, variants,
    changed or new structures — in the
    order given, from a second set of dark colours (none of them the reference's black or
    a pale yellow that vanishes on a projector)."""
    builtin_palette = [
        "#000000",
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
        "#999999",
        "#882255",  # a ninth and tenth built-in (the before-structures): Tol's wine, indigo
        "#332288",
    ]
    other_palette = [
        "#8C510A",
        "#01665E",
        "#762A83",
        "#B2182B",
        "#2166AC",
        "#1B7837",
        "#E08214",
        "#4D4D4D",
    ]
    builtin = builtin_order()
    out = {}
    others = 0
    for k in keys:
        if k in builtin:
            out[k] = builtin_palette[builtin.index(k) % len(builtin_palette)]
        else:
            out[k] = other_palette[others % len(other_palette)]
            others += 1
    return out
