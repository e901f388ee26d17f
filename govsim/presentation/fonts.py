"""The Chinese font of govsim's charts and reports: Noto Sans CJK SC (SIL Open Font License
1.1), found by its family name through matplotlib's font manager.

On Debian and Ubuntu it is the package ``fonts-noto-cjk`` (``make test`` and ``make results``
install it when missing); elsewhere, any installed copy of Noto Sans CJK SC (the OTF, or the
``NotoSansCJK-Regular.ttc`` collection) is found.  A machine without it gets one clear error,
never charts or pages with boxes for Chinese.  The report embeds a WOFF2 subset of it cut down
to the page's characters (``font_face_css``), so the page reads the same on a machine without
Chinese fonts.
"""

from __future__ import annotations

import base64
import functools
import io
from dataclasses import dataclass
from pathlib import Path

FAMILY = "Noto Sans CJK SC"
# the family name the report's CSS gives the embedded subset
EMBEDDED_FAMILY = "govsim-cjk"

INSTALL_HINT = (
    "install Noto Sans CJK SC (SIL Open Font License): on Debian or Ubuntu "
    "`apt-get install fonts-noto-cjk` (`make test` and `make results` do this when run as root); "
    "on other systems the Noto Sans CJK SC font from your package manager or from "
    "the Noto CJK project's releases"
)


class FontMissingError(RuntimeError):
    """The CJK font is not installed."""


@dataclass(frozen=True)
class CJKFont:
    path: Path
    index: int  # the face in a font collection (.ttc); 0 for a single font


def _entry():
    from matplotlib import font_manager

    found = [
        f
        for f in font_manager.fontManager.ttflist
        if f.name == FAMILY and f.style == "normal" and f.weight in (400, "normal", "regular")
    ]
    return found[0] if found else None


@functools.cache
def cjk_font() -> CJKFont:
    """The regular face of Noto Sans CJK SC, registered with matplotlib's font manager (which
    makes it available to charts; it changes no setting).  Raises ``FontMissingError``."""
    from matplotlib import font_manager

    entry = _entry()
    if entry is None:
        # matplotlib keeps its list of fonts in a cache written the first time it ran: a font
        # installed since is not in it, so look through the system's font files once
        for p in font_manager.findSystemFonts(fontext="ttf"):
            flat = Path(p).name.lower().replace("-", "").replace("_", "")
            if "notosanscjk" in flat:
                try:
                    font_manager.fontManager.addfont(p)
                except (OSError, RuntimeError, ValueError):
                    continue
        entry = _entry()
    if entry is None:
        raise FontMissingError(f"the Chinese font {FAMILY!r} is not installed: {INSTALL_HINT}")
    return CJKFont(Path(entry.fname), int(getattr(entry, "index", 0) or 0))


def woff2_subset(text: str) -> bytes:
    """The font cut down to the characters of ``text`` (and printable ASCII), as WOFF2."""
    from fontTools import subset

    font = cjk_font()
    chars = {ord(c) for c in text if ord(c) >= 32} | set(range(32, 127))
    opts = subset.Options()
    opts.font_number = font.index
    opts.flavor = "woff2"  # needs the brotli package
    opts.hinting = False  # browsers draw CJK well without hints, and they are a third of it
    # horizontal text in simplified Chinese and English only: no regional forms (locl would
    # bring in the Japanese, Korean and traditional variants of every character) or vertical ones
    # 'pwid': proportional quotes and dashes, so English text (“…”, —) is not set with the
    # full-width forms CJK fonts give them (the English report asks for it)
    opts.layout_features = ["kern", "liga", "pwid"]
    opts.desubroutinize = True  # compresses better in WOFF2
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # names, version, licence and its URL
    opts.name_languages = [0x409]
    ttf = subset.load_font(str(font.path), opts)
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted(chars))
    sub.subset(ttf)
    buf = io.BytesIO()
    subset.save_font(ttf, buf, opts)
    return buf.getvalue()


def font_face_css(text: str) -> str:
    """``@font-face`` rule with the WOFF2 subset for ``text`` as a data: URI, under the
    family name ``EMBEDDED_FAMILY``."""
    data = base64.b64encode(woff2_subset(text)).decode("ascii")
    return (
        f"@font-face{{font-family:'{EMBEDDED_FAMILY}';"
        f"src:url(data:font/woff2;base64,{data}) format('woff2');}}"
    )
