"""Where a structure's values come from, in words a class reads: each value named in Chinese
or English (``text.PARAMETER_NAMES``, never its key), and the passages of the source
documents it quotes, in simplified characters with Chinese punctuation (the documents keep
their own, one of them traditional characters: ``../shared/seeds/004``).

A scenario file gives each value a source in one line of English with the passages quoted
「like this」 (``scenarios/*.toml``): shown here are the value's name in both languages, the
document and the passages."""

from __future__ import annotations

import re
from functools import cache

from govsim.config.schedule import WEEKDAYS
from govsim.config.vocabulary import NEED_TYPES
from govsim.presentation.charts.org_layout import institution_name
from govsim.presentation.text import (
    HOURS_TEXT,
    PARAMETER_NAMES,
    SEED_TITLES,
    SOURCE_KINDS,
    WEEKDAY_NAMES,
    label,
)

QUOTE = re.compile(r"「([^」]*)」")
DOCUMENTS = re.compile(r"(?<![\w/])(\d{3}(?:/\d{3})*)\s*:")  # "001:" or "000/001:"
CJK = r"[\u3400-\u9fff]"
# half-width punctuation next to a Chinese character, as the documents' text has it
FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
HALF = re.compile(rf"(?<={CJK})[,;:?!()]|[,;:?!()](?={CJK})")
SPACED = re.compile(r"\s*([，；：？！（）])\s*")


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """``text`` in simplified characters, with full-width punctuation beside Chinese."""
    full = HALF.sub(lambda m: FULL_WIDTH[m.group()], _t2s().convert(text))
    return SPACED.sub(r"\1", full)  # no space beside full-width punctuation


def quotes(source: str) -> list[str]:
    """The passages a source line quotes, in simplified characters."""
    return [simplified(q) for q in QUOTE.findall(source)]


def simplified_quotes(text: str) -> str:
    """A source line as written, its quoted passages in simplified characters."""
    return QUOTE.sub(lambda m: f"「{simplified(m.group(1))}」", text)


TITLE = re.compile(r"《[^》]*》")  # a law's or a plan's title
# the kinds of source a line names besides its documents, each by the words that mark it
KIND_MARKS = (
    ("law", re.compile(r"\blaw:")),
    ("statistic", re.compile(r"\bpublic statistic\b")),
    ("rule", re.compile(r"norms\.toml|\bthe rule\b")),
    ("calibrated", re.compile(r"\bcalibrat")),
    ("assumption", re.compile(r"\bassumption\b")),
)


def source_words(source: str, lang: str) -> str:
    """A value's source line in the report's language.  In English, as written, its quoted
    passages in simplified characters.  In Chinese, what it rests on — the source documents
    by number, laws and plans by title, a public statistic, the common rule, a calibration,
    an assumption (``text.SOURCE_KINDS``) — and the passages it quotes: the modeller's
    reasoning is English prose, left to the English report."""
    if lang != "zh":  # a file's `code` marks are Markdown, not words
        return simplified_quotes(source).replace("`", "")
    said = []
    docs = documents(source)
    if docs:
        said.append(label(SOURCE_KINDS, "document", "zh") + "、".join(docs))
    titles = "".join(dict.fromkeys(simplified(x) for x in TITLE.findall(QUOTE.sub("", source))))
    for kind, mark in KIND_MARKS:
        if mark.search(source):
            said.append(label(SOURCE_KINDS, kind, "zh") + (titles if kind == "law" else ""))
            titles = "" if kind == "law" else titles
    if titles:  # a plan's or a law's title the line names without "law:"
        said.append(titles)
    passages = "".join(f"「{q}」" for q in quotes(source))
    head = "、".join(said) or label(SOURCE_KINDS, "unnamed", "zh")
    return head + ("：" + passages if passages else "")


def documents(source: str) -> list[str]:
    """The numbers of the source documents a line cites ("000/001: …; 004: …" → 000, 001,
    004), in the order it cites them: the numbers of ``text.SEED_TITLES`` before a colon."""
    known = {f[:3] for f in SEED_TITLES}
    found = [n for m in DOCUMENTS.finditer(source) for n in m.group(1).split("/")]
    return list(dict.fromkeys(n for n in found if n in known))


def _pattern(key: str) -> tuple[str, str | None]:
    """(the key's entry in ``PARAMETER_NAMES``, the institution or schedule it names)."""
    parts = key.split(".")
    if parts[0] in ("institutions", "schedules") and len(parts) >= 2:
        return ".".join([parts[0], "*", *parts[2:]]), parts[1]
    return key, None


def parameter_name(sc, key: str, lang: str) -> str:
    """A value of a structure's file named in words: "社区居委会：人员" for
    ``institutions.rc.staff``, "社区居委会：可办结比例（行政事务）" for
    ``institutions.rc.authority.admin_service``.  A key without a name is an error (the
    table ``text.PARAMETER_NAMES`` names every key a built-in file gives a source for)."""
    pattern, which = _pattern(key)
    if pattern in PARAMETER_NAMES:
        name = label(PARAMETER_NAMES, pattern, lang)
    else:
        head, _, need = pattern.rpartition(".")
        if head not in PARAMETER_NAMES or need not in NEED_TYPES:
            raise KeyError(f"{key!r} has no name in text.PARAMETER_NAMES")
        name = label(PARAMETER_NAMES, head, lang) + (
            f"（{label(NEED_TYPES, need, 'zh')}）"
            if lang == "zh"
            else f" ({label(NEED_TYPES, need, 'en')})"
        )
    sep = "：" if lang == "zh" else ": "
    if pattern.startswith("institutions."):
        return institution_name(sc.institutions[which], lang) + sep + name
    if pattern.startswith("schedules."):
        users = [
            institution_name(inst, lang)
            for inst in sc.institutions.values()
            if getattr(inst, "hours", None) == which
        ]
        return ("、" if lang == "zh" else ", ").join(users) + sep + name if users else name
    return name


def quoted_sources(sc, n: int | None = None) -> list[dict]:
    """Up to ``n`` values of ``sc`` whose source quotes one of the structure's own
    documents: each value named in Chinese and in English, the documents' numbers and the
    passages quoted (the rest of a source line, the modeller's reading in English, is in
    ``sc.sources`` and ``docs/parameters.md``)."""
    own = tuple(s[:3] for s in sc.scenario.seeds)
    rows = []
    for key, text in sc.sources.items():
        if "「" not in text or not text.startswith(own):
            continue
        rows.append(
            {
                "取值": parameter_name(sc, key, "zh"),
                "value": parameter_name(sc, key, "en"),
                "原文 document": "、".join(documents(text)),
                "引文 passages": "".join(f"「{q}」" for q in quotes(text)),
            }
        )
        if n is not None and len(rows) == n:
            break
    return rows


def seed_titles(lang: str) -> dict[str, str]:
    """Each source document's number and title ("001" → "西宁：撤销街道…")."""
    return {f[:3]: label(SEED_TITLES, f, lang) for f in SEED_TITLES}


def _clock(h: float) -> str:
    minutes = round(h * 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _days(days: list[str], lang: str) -> str:
    idx = sorted(WEEKDAYS.index(d) for d in days)
    if len(idx) == 7:
        return label(HOURS_TEXT, "every_day", lang)
    names = [label(WEEKDAY_NAMES, WEEKDAYS[i], lang) for i in idx]
    if len(idx) > 2 and idx == list(range(idx[0], idx[-1] + 1)):
        return label(HOURS_TEXT, "day_range", lang).format(first=names[0], last=names[-1])
    return label(HOURS_TEXT, "and", lang).join(names)


def opening_hours(sc, hours, lang: str) -> str:
    """An institution's opening hours (a schedule's name in ``sc`` or its blocks) in words:
    "周一至周五 8:30–12:00、14:00–17:30", "every day 9:00–21:00"."""
    blocks = sc.schedules[hours] if isinstance(hours, str) else hours
    sep = label(HOURS_TEXT, "and", lang)
    return label(HOURS_TEXT, "blocks", lang).join(
        f"{_days(b.days, lang)} " + sep.join(f"{_clock(a)}–{_clock(e)}" for a, e in b.open)
        for b in blocks
    )
