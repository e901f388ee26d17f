"""What every chart shares: the style charts are built and drawn with, the figure they are
drawn on, one line style and marker per structure, chart text and units, the note of
residents, days and replicates, and means with their 95% intervals.

One colour per structure, the same in every chart (``results.colour_order``, Okabe–Ito).
Chinese is drawn with Noto Sans CJK SC (``govsim.presentation.fonts``: found by its family
name, registered with matplotlib's font manager on the first chart; a clear error if missing).

Importing this module changes nothing in matplotlib: no backend is chosen and no global
``rcParams`` are set.  Every chart is built, and drawn whenever it is drawn, inside
``matplotlib.rc_context(STYLE)``; figures are plain ``Figure`` objects with their own Agg
canvas, outside pyplot's list of figures (in Jupyter a returned figure still displays).
"""

from __future__ import annotations

import functools
import math
import textwrap

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy import stats

from govsim.config.vocabulary import difference_as, shown_as, value_range
from govsim.presentation.fonts import FAMILY, cjk_font
from govsim.presentation.text import TEXT, label, unit_label
from govsim.results.reading import Results
from govsim.results.tables import mean_ci

CJK_FONT = FAMILY

# the settings every chart is built and drawn with (the rest is the user's own)
STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": [CJK_FONT, "DejaVu Sans"],
    "axes.unicode_minus": False,
    # text stays text in SVG (editable in slides), in the font family above: the CJK family
    # first, the same family the report names for its embedded font
    "svg.fonttype": "none",
    # names and sources come from files: a "$" is a character, never mathematics ("Costs: $5
    # vs $8" stays as written; "$\\notacommand$" cannot break a chart)
    "text.parse_math": False,
}

# the one meaning of colour and line style in charts of structures: colours from
# ``results.colour_order``; line styles and markers so that lines of close colours (or on
# top of one another) are still told apart, in print too
LINE_STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")


def structure_styles(keys: list[str]) -> dict[str, tuple[str, str]]:
    """(line style, marker) per structure, in the order given."""
    return {
        k: (LINE_STYLES[i % len(LINE_STYLES)], MARKERS[i % len(MARKERS)])
        for i, k in enumerate(keys)
    }


def register_font() -> str:
    """Make the CJK font (``fonts.cjk_font``: Noto Sans CJK SC) known to matplotlib's font
    manager (once; this makes the font available, it does not change any setting).  Returns
    its path; raises ``fonts.FontMissingError`` when it is not installed."""
    return str(cjk_font().path)


class ChartFigure(Figure):
    """A ``Figure`` that draws itself with ``STYLE`` (on screen, in Jupyter, in ``savefig``),
    whatever the global settings are at the time."""

    def draw(self, renderer):
        with matplotlib.rc_context(STYLE):
            return super().draw(renderer)

    def _repr_png_(self) -> bytes:
        """Jupyter shows a returned chart as this PNG, whatever the backend."""
        import io

        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100)
        return buf.getvalue()


def figure(**kw) -> ChartFigure:
    """A new figure in govsim's style, for your own charts (Chinese renders): it has its own
    Agg canvas, is not registered with pyplot, shows itself in Jupyter without
    ``%matplotlib inline``, and changes no global setting.  ``kw`` as for ``Figure``."""
    register_font()
    fig = ChartFigure(**kw)
    FigureCanvasAgg(fig)
    return fig


_figure = figure


def chart(fn):
    """Build the chart inside ``rc_context(STYLE)``, so the global settings are unchanged
    after the call."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        register_font()
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper


def t(key: str, lang: str, **kw) -> str:
    text = label(TEXT, key, lang)
    return text.format(**kw) if kw else text


def shown_scale(unit: str) -> tuple[float, str]:
    """(factor, unit shown) of a stored value of ``unit`` (``vocabulary.UNITS``): shares in
    %, hours in days."""
    shown, factor, _ = shown_as(unit)
    return factor, shown


def difference_scale(unit: str) -> tuple[float, str]:
    """(factor, unit shown) of a difference of two values of ``unit``: shares in percentage
    points, hours in days."""
    shown, factor, _ = difference_as(unit)
    return factor, shown


def wrap_text(text: str, width: int) -> str:
    """Lines of at most ``width`` characters: at spaces, or anywhere in Chinese."""
    if " " in text:
        return textwrap.fill(text, width)
    lines, rest = [], text
    while len(rest) > width:  # break after the last full-width stop within the width
        cut = max((rest.rfind(p, 0, width) for p in "，；。："), default=-1) + 1 or width
        lines.append(rest[:cut])
        rest = rest[cut:]
    return "\n".join([*lines, rest])


def brackets(text: str, inside: str, lang: str) -> str:
    """ "text (inside)", with full-width brackets in Chinese."""
    return f"{text}（{inside}）" if lang == "zh" else f"{text} ({inside})"


def outcome_text(res: Results, key: str, lang: str, unit: str | None = None) -> str:
    """ "name (unit)" of an outcome, in the unit its values are shown in; ``unit``
    overrides that."""
    shown = unit or shown_scale(res.outcomes[key]["unit"])[1]
    return brackets(res.outcome_name(key, lang), unit_label(shown, lang), lang)


def horizon_h(res: Results) -> float:
    """Needs that arose before this hour count in end-of-run shares: those younger than the
    runs' settling days at the end are left out, unless the run is too short."""
    settle = res.settle_days
    return (res.days - settle) * 24.0 if res.days > 2 * settle else res.days * 24.0


def note(fig, res: Results, lang: str) -> None:
    seeds = res.seeds
    shown = ", ".join(map(str, seeds[:6])) + ("…" if len(seeds) > 6 else "")
    fig.text(
        0.01,
        0.005,
        t(
            "note",
            lang,
            residents=res.residents,
            days=res.days,
            replicates=res.replicates,
            seeds=shown,
        ),
        fontsize=8,
        color="#444444",
        ha="left",
        va="bottom",
    )


def mean_half(values) -> tuple[float, float | None]:
    """Mean and 95% t half-width of replicate values (``None`` with one replicate)."""
    m, lo, hi = mean_ci(np.asarray(values, dtype=float))
    return m, (hi - m if np.isfinite(hi) else None)


def mean_err(values, unit: str) -> tuple[float, list[list[float]] | None]:
    """Mean and its 95% interval as matplotlib's asymmetric error (``[[below], [above]]``),
    within the outcome's range (``tables.mean_ci``: never below 0 for a share or a time);
    ``None`` with one replicate."""
    m, lo, hi = mean_ci(np.asarray(values, dtype=float), value_range(unit))
    return m, ([[m - lo], [hi - m]] if np.isfinite(lo) and np.isfinite(hi) else None)


def interval(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95% t half-width along ``axis`` of a [replicates, time] array (half-width
    NaN with one replicate)."""
    x = np.asarray(x, dtype=float)
    n = x.shape[axis]
    m = np.nanmean(x, axis=axis)
    if n < 2:
        return m, np.full_like(m, np.nan)
    half = stats.t.ppf(0.975, n - 1) * np.nanstd(x, axis=axis, ddof=1) / math.sqrt(n)
    return m, half


def save_chart(fig, png, dpi: int):
    """``fig`` as ``png`` (at ``dpi``) and as the SVG beside it, each written whole
    (``atomic_write``); returns the PNG's path."""
    from pathlib import Path

    from govsim.results.atomic import atomic_write

    png = Path(png)
    atomic_write(png, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
    atomic_write(png.with_suffix(".svg"), lambda tmp: fig.savefig(tmp, format="svg"))
    return png
