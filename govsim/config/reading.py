"""Reading scenario and population files: TOML, inheritance, sources beside values.

A file is TOML in UTF-8 (a leading byte-order mark is dropped), read with ``tomllib`` (data
only: nothing in a file can run code).  Three conventions on top of plain TOML:

- **Sourced values.** Any value may be written with its source beside it, as
  ``key = { value = ..., source = "..." }`` (or, the same TOML data, ``key.value = …`` and
  ``key.source = "…"`` on two lines).  The reader returns plain values and a flat mapping
  from each dotted key (``institutions.rc.staff``) to its source.
- **Inheritance.** ``extends = "baseline"`` starts from another file — a name looked up
  beside the extending file, then among the built-in files — and the file lists what
  differs.  Tables merge key by key down to the fields of a section (``[layout]``,
  ``[routing]``, ``[behaviour]`` …), of each institution (``[institutions.<key>]``) and of
  each schedule; a field's value — even a table such as ``authority`` or a list such as
  ``offers`` — is replaced whole, together with its source; inherited values keep the
  source their own file gives.  Institutions keep the parent's order, except that those
  the extending file names come first, in its order (an empty ``[institutions.<key>]``
  places an inherited institution without changing it).  Chains are allowed, cycles not.
- **Removal.** ``remove = ["institutions.street", ...]`` deletes inherited entries.

Every problem is one ``ScenarioError`` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

SOURCED = {"value", "source"}


class ScenarioError(ValueError):
    """A scenario or population file is malformed: names the file, the key, what is allowed."""

    def __init__(self, file: str | Path, key: str, message: str):
        self.file, self.key, self.message = str(file), key, message
        super().__init__(f"{file}: key '{key}': {message}")


def read_toml(path: Path) -> dict:
    """The TOML data of ``path``; any problem is a ``ScenarioError`` naming the file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ScenarioError(path, "(file)", f"cannot be read: {exc.strerror}") from None
    try:
        text = data.decode(
            "utf-8-sig"
        )  # UTF-8; a byte-order mark (some editors add one) is dropped
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            path,
            "(file)",
            f"is not UTF-8 text (line {line}, byte {exc.start}); files must be UTF-8 — "
            "save it as UTF-8 (e.g. from GBK: iconv -f GBK -t UTF-8)",
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, "(syntax)", f"not valid TOML: {exc}") from None


def split_sources(data: Any, path: Path, prefix: str = "") -> tuple[Any, dict[str, str]]:
    """Plain values and ``{dotted key: source}`` from data with sourced values."""
    sources: dict[str, str] = {}
    if isinstance(data, dict):
        if "value" in data and set(data) <= SOURCED:
            src = data.get("source", "")
            if not isinstance(src, str):
                raise ScenarioError(path, f"{prefix}.source", "a source must be text")
            if src:
                sources[prefix] = src
            inner, nested = split_sources(data["value"], path, prefix)
            sources.update(nested)
            return inner, sources
        if "sources" in data and isinstance(data["sources"], dict):
            where = f"{prefix}.sources" if prefix else "sources"
            raise ScenarioError(
                path,
                where,
                "a separate sources table is not used; write each source beside its value: "
                'key = { value = ..., source = "..." }',
            )
        if "source" in data and "value" not in data:
            raise ScenarioError(
                path, f"{prefix}.source" if prefix else "source", "a source needs a value beside it"
            )
        out = {}
        for k, v in data.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            out[k], nested = split_sources(v, path, key)
            sources.update(nested)
        return out, sources
    if isinstance(data, list):
        out_list = []
        for i, v in enumerate(data):
            item, nested = split_sources(v, path, f"{prefix}.{i}")
            out_list.append(item)
            sources.update(nested)
        return out_list, sources
    return data, sources


def _merge(parent: dict, child: dict) -> tuple[dict, list[str]]:
    """Child over parent (see the module docstring); also the dotted keys the child set."""
    out = dict(parent)
    touched: list[str] = []
    for k, v in child.items():
        base = out.get(k)
        if k == "institutions" and isinstance(v, dict) and isinstance(base, dict):
            insts: dict = {}
            for name, spec in v.items():
                old = base.get(name)
                if isinstance(old, dict) and isinstance(spec, dict):
                    insts[name] = {**old, **spec}
                    touched += [f"{k}.{name}.{f}" for f in spec]
                else:
                    insts[name] = spec
                    touched.append(f"{k}.{name}")
            for name, spec in base.items():
                insts.setdefault(name, spec)
            out[k] = insts
        elif isinstance(v, dict) and isinstance(base, dict):
            out[k] = {**base, **v}
            touched += [f"{k}.{f}" for f in v]
        else:
            out[k] = v
            touched.append(k)
    return out, touched


def _drop(sources: dict[str, str], key: str) -> None:
    for s in [s for s in sources if s == key or s.startswith(key + ".")]:
        del sources[s]


def read_spec(path: Path, builtin_dir: Path, _chain: tuple[Path, ...] = ()) -> tuple[dict, dict]:
    """``(data, sources)`` of a scenario or population file, inheritance resolved."""
    path = Path(path)
    raw = read_toml(path)
    parent_name = raw.pop("extends", None)
    remove = raw.pop("remove", [])
    data, sources = split_sources(raw, path)
    if parent_name is None:
        if remove:
            raise ScenarioError(path, "remove", "only a file that extends another can remove")
        return data, sources
    if not isinstance(parent_name, str) or not parent_name:
        raise ScenarioError(path, "extends", 'must name a file, e.g. extends = "baseline"')
    parent = _find(parent_name, path, builtin_dir)
    if parent.resolve() in {p.resolve() for p in (*_chain, path)}:
        names = " -> ".join(p.name for p in (*_chain, path, parent))
        raise ScenarioError(path, "extends", f"files extend each other in a loop: {names}")
    pdata, psources = read_spec(parent, builtin_dir, (*_chain, path))
    merged, touched = _merge(pdata, data)
    for key in touched:
        _drop(psources, key)
    psources.update(sources)
    if not isinstance(remove, list) or not all(isinstance(r, str) for r in remove):
        raise ScenarioError(
            path, "remove", 'must be a list of dotted keys, e.g. ["institutions.street"]'
        )
    for key in remove:
        node, parts = merged, key.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or parts[-1] not in node:
            raise ScenarioError(path, "remove", f"{key!r} is not in {parent.name}")
        del node[parts[-1]]
        _drop(psources, key)
    return merged, psources


def _find(name: str, path: Path, builtin_dir: Path) -> Path:
    for cand in (
        path.parent / name,
        path.parent / f"{name}.toml",
        Path(builtin_dir) / f"{name}.toml",
    ):
        if cand.is_file() and cand.suffix == ".toml":
            return cand
    known = sorted(p.stem for p in Path(builtin_dir).glob("*.toml"))
    raise ScenarioError(
        path,
        "extends",
        f"no file {name!r} beside this one or among the built-in ones ({', '.join(known)})",
    )
