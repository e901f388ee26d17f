"""The parameter table (``govsim params --markdown`` → ``docs/parameters.md``).

Generated from the declarations — every ``Par`` of the structure, the population and the
mechanism modules, the fields of their nested tables, every ``Const`` — and from the
loaded files, so it cannot drift (a test regenerates it and fails when the checked-in copy
differs).  Each row gives the parameter, its meaning, its unit, who owns it and who reads
it, its value in each file (inherited values included) and its source as the file cites it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from govsim.config.declare import Const, nested_model
from govsim.core import institutions, levers, measure, population, structure
from govsim.core.mechanisms import MODULES
from govsim.core.spec import declarations


# ------------------------------------------------------------------ formatting
def _fmt(v: Any) -> str:
    if isinstance(v, BaseModel):
        v = v.model_dump()
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, dict):
        if "days" in v and "open" in v:
            return _fmt_hours([v])
        return ", ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, BaseModel) for x in v):
            v = [x.model_dump() for x in v]
        if v and all(isinstance(x, dict) and "days" in x and "open" in x for x in v):
            return _fmt_hours(v)
        if v and all(isinstance(x, dict) for x in v):
            return "; ".join(_fmt_offer(x) if "kind" in x else _fmt(x) for x in v)
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return "" if v is None else str(v)


def _fmt_offer(o: dict) -> str:
    when = (
        f"{_fmt(o['sessions_per_week'])}/wk"
        if o.get("sessions_per_week")
        else f"days {o.get('days_of_year')}"
    )
    extra = [k for k in ("collects_needs", "adds_capacity") if o.get(k)]
    return f"{o['kind']} {when} × {o['seats']} seats" + (f" ({', '.join(extra)})" if extra else "")


def _fmt_hours(blocks: list) -> str:
    return "; ".join(
        f"{'–'.join(list(b['days'][:1]) + list(b['days'][-1:])) if len(b['days']) > 1 else b['days'][0]} "
        + ", ".join(f"{a:g}–{e:g}" for a, e in b["open"])
        for b in blocks
    )


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# ------------------------------------------------------------------ declarations
def _type_name(t: Any) -> str:
    s = getattr(t, "__name__", None) or str(t)
    return s.replace("typing.", "").replace("govsim.", "")


def declared_rows(modules: tuple = ()) -> list[dict]:
    """One row per declared parameter key (``*`` stands for any institution), nested
    table fields expanded: key, meaning, unit, default, owner, readers."""
    decls = declarations(modules)
    readers: dict[str, list[str]] = {}
    for owner, p in decls:
        if not p.declares:
            readers.setdefault(p.key, []).append(owner)
    rows = []
    for owner, p in decls:
        if not p.declares:
            continue
        model = nested_model(p.type)
        row = _row(p.key, p.meaning, p.unit, p.default, owner, readers.get(p.key, []))
        row["table"] = model is not None and not _is_list(p.type)  # shown by its fields
        rows.append(row)
        if row["table"]:
            for name, f in model.model_fields.items():
                unit = (f.json_schema_extra or {}).get("unit", "")
                default = None if f.is_required() else f.default
                sub = f"{p.key}.{name}"
                rows.append(
                    _row(sub, f.description or "", unit, default, owner, readers.get(sub, []))
                )
    return rows


def _row(key, meaning, unit, default, owner, readers) -> dict:
    return {
        "key": key,
        "meaning": meaning,
        "unit": unit,
        "default": "required" if default is ... else _fmt(default),
        "owner": owner,
        "readers": readers,
    }


def _is_list(t: Any) -> bool:
    from typing import get_origin

    return get_origin(t) is list


def constants(modules: tuple = ()) -> list[tuple[str, Any, Const]]:
    """(qualified name, value, declaration) of every number fixed in code: the ``CONSTANTS``
    of the structure, population, institutions and measurement modules, and the
    ``constants`` of each mechanism (value: the global of its module, or its class)."""
    out = []
    seen = set()

    def add(owner: str, where: list, consts) -> None:
        for c in consts:
            name = f"{owner}.{c.name}"
            if name in seen:
                continue
            for w in where:
                if hasattr(w, c.name):
                    seen.add(name)
                    out.append((name, getattr(w, c.name), c))
                    break
            else:
                raise ValueError(f"constant {name} is declared but not defined")

    for mod in (structure, population, institutions, measure):
        add(mod.__name__.rsplit(".", 1)[-1], [mod], getattr(mod, "CONSTANTS", ()))
    for m in (*MODULES, *modules):
        mod = sys.modules.get(m.__module__)
        add(m.name, [x for x in (mod, m) if x is not None], m.constants)
    return out


# ------------------------------------------------------------------ values in files
def _get(obj: Any, path: list[str]) -> Any:
    for part in path:
        if obj is None:
            return None
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
    return obj


def _source(sources: dict[str, str], key: str) -> str:
    """The source of ``key``, or of the nearest table above it that has one."""
    parts = key.split(".")
    for i in range(len(parts), 0, -1):
        s = sources.get(".".join(parts[:i]))
        if s:
            return s
    return ""


def _file_rows(specs: dict[str, Any], rows: list[dict], prefixes: tuple[str, ...]):
    """Rows (key, meaning, unit, owner, values by file, sources by file) for every declared
    key under ``prefixes`` that some file sets or cites; ``institutions.*`` expands to each
    institution of each file."""
    out: dict[str, tuple[dict, dict, dict]] = {}
    for r in rows:
        if not r["key"].startswith(prefixes) or r.get("table"):
            continue
        keys = [r["key"]]
        if "*" in r["key"]:
            names = sorted({k for sc in specs.values() for k in sc.institutions})
            keys = [r["key"].replace("*", k) for k in names]
        for key in keys:
            for name, sc in specs.items():
                path = key.split(".")
                if path[0] == "institutions" and path[1] not in sc.institutions:
                    continue
                value = _get(sc, path)
                src = _source(sc.sources, key)
                shown = _fmt(value)
                if value is None and not sc.sources.get(key):
                    continue  # not set (e.g. a field of a table the institution lacks)
                if shown == r["default"] and not sc.sources.get(key):
                    continue  # the declared default, not set by the file
                vals, srcs, meta = out.setdefault(key, ({}, {}, r))
                vals[name] = shown
                if src:
                    srcs[name] = src
    return [(k, *out[k]) for k in out]


def _comparison_rows(specs: dict[str, Any]) -> list[tuple[str, dict, dict, dict]]:
    """What each structure is compared with and on which people: ``[scenario] population``
    and ``before`` (a reference's before is itself: it is compared with nothing)."""
    out = []
    for key, meaning in (
        ("population", "the people it runs on: a population profile of its place"),
        ("before", "what existed before it in its place: the structure it is compared with"),
    ):
        vals, srcs = {}, {}
        for name, sc in specs.items():
            v = getattr(sc.scenario, key)
            if key == "before" and not v:
                v = "(reference)" if sc.scenario.reference else ""
            if v:
                vals[name] = Path(v).stem if ("/" in v or "\\" in v) else v
            if sc.sources.get(f"scenario.{key}"):
                srcs[name] = sc.sources[f"scenario.{key}"]
        meta = {"meaning": meaning, "unit": "—", "owner": "structure"}
        out.append((f"scenario.{key}", vals, srcs, meta))
    return out


def _source_cell(vals: dict, srcs: dict[str, str], names: list[str]) -> str:
    """One source if every file that sets the value cites the same; else file by file."""
    setters = [n for n in names if n in vals]
    distinct: dict[str, list[str]] = {}
    for n in setters:
        if n in srcs:
            distinct.setdefault(srcs[n], []).append(n)
    if len(distinct) == 1 and sum(len(w) for w in distinct.values()) == len(setters):
        return next(iter(distinct))
    return "<br>".join(f"{', '.join(who)}: {src}" for src, who in distinct.items())


def _table(files: list[str], rows) -> list[str]:
    out = ["| parameter | meaning | unit | owner | " + " | ".join(files) + " | source |"]
    out.append("|---|---|---|---|" + "---|" * len(files) + "---|")
    for key, vals, srcs, meta in rows:
        cells = [_cell(vals.get(n, "")) for n in files]
        out.append(
            f"| `{key}` | {_cell(meta['meaning'])} | {meta['unit']} | {meta['owner']} | "
            + " | ".join(cells)
            + f" | {_cell(_source_cell(vals, srcs, files))} |"
        )
    return out


def parameter_table_markdown(
    modules: tuple = (), scenarios: list | None = None, populations: list | None = None
) -> str:
    """The whole table as markdown: declarations, structures, population profiles, constants.

    ``scenarios`` / ``populations``: loaded files to show (default: the built-in ones);
    ``modules``: extra mechanism modules whose declarations to include."""
    from govsim.config.reading import list_populations
    from govsim.config.scenario import builtin_order
    from govsim.core import norms
    from govsim.core.load import load_population, load_scenario

    if scenarios is None:
        scenarios = [load_scenario(n) for n in builtin_order()]
    if populations is None:
        populations = [load_population(n) for n in list_populations()]
    specs = {sc.key: sc for sc in scenarios}
    pops = {p.key: p for p in populations}
    rows = declared_rows(modules)
    out = [
        "# Parameter table",
        "",
        "Generated by `govsim params --markdown` from the parameter declarations (each owned by",
        "the structure, the population or one mechanism module) and from `scenarios/*.toml` and",
        "`scenarios/populations/*.toml` — do not edit by hand (a test fails when this file is stale).",
        "Sources: seed files by number (`000`…`004`, see `../shared/seeds/README.md`) with a quote,",
        'public statistics, or "assumption: why". Inherited values (`extends`) are shown in each',
        "structure's column with the source the file that set them gives; a value taken from",
        'another file (`same_as = "file:key"`) with the source of the value it refers to.',
        "",
        "## Declared parameters",
        "",
        "| key | meaning | unit | default | owner | also read by |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| `{r['key']}` | {_cell(r['meaning'])} | {r['unit']} | {_cell(r['default'])} | "
            f"{r['owner']} | {', '.join(r['readers'])} |"
        )
    out += ["", "## Governance structures (scenario files)", ""]
    sched = []
    for name, sc in specs.items():
        for k, blocks in sc.schedules.items():
            sched.append((k, name, _fmt(list(blocks)), _source(sc.sources, f"schedules.{k}")))
    srows: dict[str, tuple[dict, dict, dict]] = {}
    meta = {
        "meaning": "named opening hours (days: open spans)",
        "unit": "h of day",
        "owner": "structure",
    }
    for k, name, shown, src in sched:
        vals, srcs, _ = srows.setdefault(f"schedules.{k}", ({}, {}, meta))
        vals[name] = shown
        if src:
            srcs[name] = src
    table_rows = _comparison_rows(specs)
    table_rows += _file_rows(specs, rows, ("layout.",))
    table_rows += [(k, *srows[k]) for k in sorted(srows)]
    table_rows += _file_rows(specs, rows, ("routing.",))
    inst_rows = _file_rows(specs, rows, ("institutions.",))
    order = {r["key"]: i for i, r in enumerate(rows)}
    names = []
    for sc in specs.values():
        names += [k for k in sc.institutions if k not in names]

    def by_institution(row):
        _, inst, *rest = row[0].split(".")
        return (names.index(inst), order[".".join(["institutions", "*", *rest])])

    table_rows += sorted(inst_rows, key=by_institution)
    table_rows += _file_rows(specs, rows, ("incentives.",))
    names = list(specs)
    out += _table(names, table_rows)
    out += ["", *norms.markdown(list(specs.values()))]
    out += ["", *levers.markdown()]
    out += ["", "## Population profiles", ""]
    out += _table(
        list(pops),
        _file_rows(pops, rows, ("demography.", "initial.", "needs.", "behaviour.", "workload.")),
    )
    out += [
        "",
        "## Model constants",
        "",
        "| parameter | meaning | unit | value | source |",
        "|---|---|---|---|---|",
    ]
    for name, value, c in constants(modules):
        shown = _free_time(value) if c.name == "FREE_TIME_BLOCKS" else _fmt(value)
        out.append(
            f"| `{name}` | {_cell(c.meaning)} | {c.unit} | {_cell(shown)} | {_cell(c.source)} |"
        )
    out += matters_rows()
    return "\n".join(out) + "\n"


def matters_rows() -> list[str]:
    """The smallest difference of each outcome that is a finding (``Outcome.matters``): what
    every claim of a report and of ``govsim robustness`` is read against."""
    from govsim.core.summary import OUTCOMES

    out = [
        "",
        "## Smallest differences that matter",
        "",
        "A difference between two structures smaller than this is not a finding (claims of "
        "the report and of `govsim robustness`).",
        "",
        "| outcome | meaning | unit | better | smallest difference that matters | source |",
        "|---|---|---|---|---|---|",
    ]
    for o in OUTCOMES.values():
        if o.matters is not None:
            out.append(
                f"| `{o.key}` | {_cell(o.en)} | {o.unit} | {o.better or ''} | "
                f"{_fmt(o.matters)} | {_cell(o.matters_source)} |"
            )
    return out


def _free_time(blocks: dict) -> str:
    from govsim.core.records import TIME_USE

    return "; ".join(
        f"{TIME_USE[code]}: "
        + ", ".join(
            f"{'–'.join(d[:1] + d[-1:]) if len(d) > 1 else d[0]} {spans}"
            for d, spans in blocks[code]
        )
        for code in sorted(blocks)
    )


__all__ = [
    "parameter_table_markdown",
    "declared_rows",
    "constants",
]
