"""Reading scenario and population files: where they are, TOML, inheritance, references,
sources beside values.

A file is TOML in UTF-8 (a leading byte-order mark is dropped), read with ``tomllib`` (data
only: nothing in a file can run code).  Four conventions on top of plain TOML:

- **Sourced values.** Any value may be written with its source beside it, as
  ``key = { value = ..., source = "..." }`` (or, the same TOML data, ``key.value = …`` and
  ``key.source = "…"`` on two lines); a long source may be a multi-line string.  The reader
  returns plain values and a flat mapping from each dotted key (``institutions.rc.staff``)
  to its source.
- **Inheritance.** ``extends = "baseline"`` starts from another file — a name looked up
  beside the extending file (a relative path without ``..``, not leaving its directory by a
  link), then among the built-in files — and the file lists what
  differs.  Tables merge key by key down to the fields of a section (``[layout]``,
  ``[routing]``, ``[behaviour]`` …), of each institution (``[institutions.<key>]``) and of
  each schedule; a field's value — even a table such as ``authority`` or a list such as
  ``offers`` — is replaced whole, together with its source; inherited values keep the
  source their own file gives.  Institutions keep the parent's order, except that those
  the extending file names come first, in its order (an empty ``[institutions.<key>]``
  places an inherited institution without changing it).  Chains are allowed, cycles not.
- **Removal.** ``remove = ["institutions.street", ...]`` deletes inherited entries.
- **References.** ``key = { same_as = "baseline:institutions.street.relay_delay_h" }``
  takes the value another file gives at a dotted key (inheritance and that file's own
  references resolved), with that value's source: one number, stated once, that several
  files share (the reference structure's fitted times, for instance, live in
  ``calibrated.toml``).  The file is named like ``extends`` — beside the referring file,
  or a built-in file (``scenarios/`` or ``scenarios/populations/``); a file may name
  itself.  It takes the same parameter (the key it names ends in the same name:
  ``relay_delay_h`` from a ``relay_delay_h``, never from a ``relay_loss``), so a value
  keeps its unit and meaning.  A reference stands alone (no ``value`` or ``source`` beside it); it may sit
  inside a value (``base_logit = { value = { election = { same_as = "…" }, … } }``).  As
  for sources, the dotted forms are the same TOML data (``base_logit.value.election.same_as
  = "…"``) and keep long lines short.

``read_file`` is the one pass from a name or path to ``(path, data, sources)``: find the
file, read it and every file it extends or refers to (each once), merge, remove, resolve
references, apply a run's ``changes``.  Validation against the schema and the cross-checks
follow in ``govsim.config.scenario.validate``.  Every problem is one ``ScenarioError``
naming the file, the key and what is allowed.
"""

from __future__ import annotations

import copy
import importlib.resources
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

# built-in files are package data (``govsim.scenarios``, the repository's ``scenarios/``)
SCENARIO_DIR = Path(str(importlib.resources.files("govsim.scenarios")))
POPULATION_DIR = SCENARIO_DIR / "populations"
# the values ``govsim calibrate --apply`` fitted: written whole by the fit, read through
# ``same_as`` by the files that use them; not a scenario
CALIBRATED = SCENARIO_DIR / "calibrated.toml"
NORMS = SCENARIO_DIR / "norms.toml"  # the cross-structure rules (govsim.core.norms)
NOT_SCENARIOS = (CALIBRATED, NORMS)

SOURCED = {"value", "source"}
REFERENCE = "same_as"


class ScenarioError(ValueError):
    """A scenario or population file is malformed: names the file, the key, what is allowed."""

    def __init__(self, file: str | Path, key: str, message: str):
        self.file, self.key, self.message = str(file), key, message
        super().__init__(f"{file}: key '{key}': {message}")


# ------------------------------------------------------------------ where the files are
def list_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml") if p not in NOT_SCENARIOS)


def list_populations() -> list[str]:
    return sorted(p.stem for p in POPULATION_DIR.glob("*.toml"))


# a name from a file that becomes part of a file name, a run's key or a page: a scenario
# or profile file's name (letters of any script, digits, _ - .; a variant's name is
# narrower: ``experiment.NAME``).  At most
# MAX_NAME characters: a file name is at most 255 bytes, a Chinese character is 3 bytes in
# UTF-8 (64 × 3 = 192), which leaves room for what govsim puts around a name in a file or
# directory name (``structure=…``, ``…_equity_en.png``, ``.….tmp``, about 40 bytes)
MAX_NAME = 64


def shown_name(name: str) -> str:
    """A name as an error shows it: a long one cut (with its length), a character that is
    not printed (a line break …) as its escape."""
    shown = name if len(name) <= MAX_NAME else f"{name[:20]}… ({len(name)} characters)"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)


NAME_PATTERN = re.compile(r"\w[\w.-]*")
NAME_RULE = (
    f"1 to {MAX_NAME} letters, digits, '_', '-' and '.', starting with a letter, digit or '_', "
    "no '..'"
)
# an institution's key is also a part of dotted keys (``institutions.rc.staff``): an
# identifier, so that no key can be read two ways
KEY_PATTERN = re.compile(r"[^\W\d]\w*")
KEY_RULE = (
    f"an identifier of 1 to {MAX_NAME} letters, digits and '_', starting with a letter or '_' "
    "(no '.', '-' or spaces)"
)
# characters no text of a file may hold: control characters other than tab and line breaks
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def valid_name(name: str) -> bool:
    """Whether ``name`` is safe as a key, a file name and text of a page (``NAME_RULE``)."""
    return (
        isinstance(name, str)
        and len(name) <= MAX_NAME
        and bool(NAME_PATTERN.fullmatch(name))
        and ".." not in name
    )


def valid_key(name: str) -> bool:
    """Whether ``name`` may be an institution's key (``KEY_RULE``)."""
    return isinstance(name, str) and len(name) <= MAX_NAME and bool(KEY_PATTERN.fullmatch(name))


def check_text(data: Any, path: Path | str, prefix: str = "") -> None:
    """No text of a file — a value or a key — holds a control character (a NUL, an escape…):
    one ``ScenarioError`` naming the first key that does."""
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for k, v in items:
        key = f"{prefix}.{k}" if prefix else str(k)
        for text in (k, v):
            if isinstance(text, str) and (bad := CONTROL.search(text)):
                raise ScenarioError(
                    path,
                    key,
                    f"holds the control character U+{ord(bad.group()):04X}; text may hold "
                    "letters, digits, punctuation, spaces, tabs and line breaks",
                )
        check_text(v, path, key)


def check_file_name(path: Path | str, what: str) -> None:
    """The name of a scenario or profile file (its key in runs and reports) is valid."""
    stem = Path(path).stem
    if not valid_name(stem):
        raise ScenarioError(
            path, "(file name)", f"the {what} file's name {stem!r} must use {NAME_RULE}"
        )


KINDS = {  # what is read: its built-in folder and its built-in names
    "scenario": (SCENARIO_DIR, list_scenarios),
    "population profile": (POPULATION_DIR, list_populations),
}


def resolve_path(name_or_path: str | Path, directory: Path, what: str) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.exists():
            raise ScenarioError(p, "(file)", f"no such {what} file")
        return p
    known = KINDS[what][1]() if what in KINDS else sorted(f.stem for f in directory.glob("*.toml"))
    candidate = directory / f"{name_or_path}.toml"
    if str(name_or_path) not in known or not candidate.exists():
        raise ScenarioError(
            candidate, "(file)", f"no {what} named {name_or_path!r}; known: {', '.join(known)}"
        )
    return candidate


# ------------------------------------------------------------------ one file
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


@dataclass(frozen=True, eq=False)
class Ref:
    """A ``same_as`` reference, as read: where it is written and what it names."""

    file: Path  # the file that writes it
    key: str  # where in that file
    target: Path  # the file it names
    target_key: str  # the dotted key there
    text: str  # as written

    def __deepcopy__(self, memo):  # a reference is one object however often data is copied
        return self

    def __str__(self) -> str:
        return f"{self.target.name}:{self.target_key}"


def split_sources(data: Any, path: Path, prefix: str = "") -> tuple[Any, dict[str, str]]:
    """Plain values and ``{dotted key: source}`` from data with sourced values; a
    ``same_as`` table becomes a ``Ref``."""
    sources: dict[str, str] = {}
    if isinstance(data, dict):
        if REFERENCE in data:
            return _reference(data, path, prefix), sources
        if "value" in data and set(data) <= SOURCED:
            src = data.get("source", "")
            if not isinstance(src, str):
                raise ScenarioError(path, f"{prefix}.source", "a source must be text")
            if src:
                sources[prefix] = src
            if isinstance(data["value"], dict) and REFERENCE in data["value"]:
                raise ScenarioError(
                    path,
                    prefix,
                    "a same_as reference takes the source of the value it refers to: write "
                    f'{prefix.rsplit(".", 1)[-1]} = {{ same_as = "…" }} without value and source',
                )
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


REFERENCE_RULE = (
    "must be 'file:dotted.key', the file a name beside this one or a built-in one, "
    "e.g. 'baseline:institutions.street.relay_delay_h'"
)


def _parameter(key: str) -> str:
    """The parameter a dotted key ends in (``institutions.rc.relay_delay_h`` ->
    ``relay_delay_h``; ``behaviour.base_logit.value.election`` -> ``election``), or "" for an
    item of a list."""
    parts = [p for p in key.split(".") if p and p != "value"]
    return parts[-1] if parts and not parts[-1].isdigit() else ""


def _reference(data: dict, path: Path, prefix: str) -> Ref:
    """The ``Ref`` of a ``{ same_as = "file:key" }`` table at ``prefix`` of ``path``."""
    where = f"{prefix}.{REFERENCE}" if prefix else REFERENCE
    others = sorted(set(data) - {REFERENCE})
    if others:
        raise ScenarioError(
            path,
            where,
            "a same_as reference stands alone (its value and source are those it refers to); "
            f"remove {', '.join(others)}",
        )
    text = data[REFERENCE]
    if not isinstance(text, str) or text.count(":") != 1:
        raise ScenarioError(path, where, f"{text!r} {REFERENCE_RULE}")
    name, key = text.split(":")
    windows = PureWindowsPath(name)
    if (
        not name
        or "/" in name
        or "\\" in name
        or PurePosixPath(name).is_absolute()
        or windows.drive
        or ".." in name
    ):
        raise ScenarioError(
            path, where, f"{text!r}: a reference names a file beside this one or a built-in one"
        )
    if not key or not all(key.split(".")):
        raise ScenarioError(path, where, f"{text!r} {REFERENCE_RULE}")
    stem = name.removesuffix(".toml")
    for base in (Path(path).parent, SCENARIO_DIR, POPULATION_DIR):
        cand = base / f"{stem}.toml"
        if cand.is_file():
            if not cand.resolve().is_relative_to(base.resolve()):
                raise ScenarioError(path, where, f"{text!r}: {cand} links outside {base}")
            return Ref(Path(path), prefix, cand, key, text)
    known = sorted({*list_scenarios(), *list_populations(), *(p.stem for p in NOT_SCENARIOS)})
    raise ScenarioError(
        path,
        where,
        f"{text!r}: no file {stem!r} beside this one or among the built-in ones "
        f"({', '.join(known)})",
    )


# ------------------------------------------------------------------ a file and its family
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


class _Reading:
    """One read: every file it meets is read once; references are resolved lazily, key by
    key, so that two files may refer to each other (only a chain that comes back to
    itself is a loop)."""

    def __init__(self, builtin_dir: Path):
        self.builtin_dir = Path(builtin_dir)
        self.files: dict[Path, tuple[dict, dict]] = {}

    def unresolved(self, path: Path, _chain: tuple[Path, ...] = ()) -> tuple[dict, dict]:
        """``(data, sources)`` of ``path``, inheritance merged, references still ``Ref``."""
        ident = Path(path).resolve()
        if ident not in self.files:
            self.files[ident] = self._read(Path(path), _chain)
        data, sources = self.files[ident]
        return copy.deepcopy(data), dict(sources)

    def _read(self, path: Path, _chain: tuple[Path, ...]) -> tuple[dict, dict]:
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
        parent = _find(parent_name, path, self.builtin_dir)
        if parent.resolve() in {p.resolve() for p in (*_chain, path)}:
            names = " -> ".join(p.name for p in (*_chain, path, parent))
            raise ScenarioError(path, "extends", f"files extend each other in a loop: {names}")
        pdata, psources = self.unresolved(parent, (*_chain, path))
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

    def resolved(self, path: Path) -> tuple[dict, dict]:
        """``(data, sources)`` of ``path`` with every reference replaced by its value."""
        data, sources = self.unresolved(path)
        return self._resolve(data, sources, "", ()), sources

    def _resolve(self, node: Any, sources: dict, key: str, stack: tuple[Ref, ...]) -> Any:
        """``node`` (at ``key``) with its references resolved; their sources go into
        ``sources`` under the keys where they are written."""
        if isinstance(node, Ref):
            value, srcs = self._follow(node, stack)
            sources.update({key + k: s for k, s in srcs.items()})
            return value
        if isinstance(node, dict):
            return {
                k: self._resolve(v, sources, f"{key}.{k}" if key else str(k), stack)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [self._resolve(v, sources, f"{key}.{i}", stack) for i, v in enumerate(node)]
        return node

    def _follow(self, ref: Ref, stack: tuple[Ref, ...], rest: str = "") -> tuple[Any, dict]:
        """The value ``ref`` names (``rest`` further down) and its sources, by key relative
        to it (``""`` for the value itself, ``".x"`` below it)."""
        if ref in stack:
            loop = (*stack[stack.index(ref) :], ref)
            chain = " -> ".join(f"{r.file.name}:{r.key}" for r in loop)
            raise ScenarioError(
                ref.file, ref.key, f"same_as {ref.text!r} needs its own value, a loop: {chain}"
            )
        stack = (*stack, ref)
        target = f"{ref.target_key}.{rest}" if rest else ref.target_key
        data, sources = self.unresolved(ref.target)
        node: Any = data
        parts = target.split(".")
        for i, part in enumerate(parts):
            if isinstance(node, Ref):  # the way to the key passes through a reference
                return self._follow(node, stack, ".".join(parts[i:]))
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise ScenarioError(
                    ref.file,
                    ref.key,
                    f"same_as {ref.text!r}: {ref.target.name} has no key {target!r}",
                )
        mine, theirs = _parameter(ref.key), _parameter(target)
        if mine and theirs and mine != theirs:
            raise ScenarioError(
                ref.file,
                ref.key,
                f"same_as {ref.text!r}: a reference takes the same parameter from another file "
                f"or table, but {ref.key!r} is {mine!r} and {target!r} is {theirs!r} (a value "
                "of another kind would come with another unit and meaning); write the value "
                "itself",
            )
        own = {k: s for k, s in sources.items() if k == target or k.startswith(target + ".")}
        if target not in own:  # the source of the nearest table above, as the parameter table
            above = [target.rsplit(".", i)[0] for i in range(1, target.count(".") + 1)]
            src = next((sources[k] for k in above if sources.get(k)), "")
            if src:
                own[target] = src
        value = self._resolve(node, own, target, stack)
        return value, {k[len(target) :]: s for k, s in own.items()}


def leaves_directory(value: str) -> bool:
    """Whether a path a FILE gives (``extends``, ``scenario.population``) could name a file
    outside the directories it may: absolute, with a drive, or with ``..``.  Only the
    command line names files anywhere."""
    windows = PureWindowsPath(value)
    return (
        PurePosixPath(value).is_absolute()
        or windows.is_absolute()
        or bool(windows.drive)
        or ".." in windows.parts
    )


def _find(name: str, path: Path, builtin_dir: Path) -> Path:
    """The file ``extends = name`` in ``path`` names: beside ``path`` (a name, or a relative
    path without ``..``) or a built-in one; never a file elsewhere, nor one a link takes
    elsewhere."""
    known = sorted(p.stem for p in Path(builtin_dir).glob("*.toml") if p not in NOT_SCENARIOS)
    allowed = (
        f"the name of a built-in file ({', '.join(known)}) or a relative path to a .toml file "
        "beside this one"
    )
    if leaves_directory(name):
        raise ScenarioError(
            path, "extends", f"{name!r} is not allowed in a file; must be {allowed}"
        )
    for base, cand in (
        (path.parent, path.parent / name),
        (path.parent, path.parent / f"{name}.toml"),
        (Path(builtin_dir), Path(builtin_dir) / f"{name}.toml"),
    ):
        if cand.is_file() and cand.suffix == ".toml":
            if not cand.resolve().is_relative_to(base.resolve()):
                raise ScenarioError(
                    path, "extends", f"{name!r}: {cand} links outside {base}; must be {allowed}"
                )
            return cand
    raise ScenarioError(
        path,
        "extends",
        f"no file {name!r} beside this one or among the built-in ones ({', '.join(known)})",
    )


def read_spec(path: Path, builtin_dir: Path) -> tuple[dict, dict]:
    """``(data, sources)`` of a scenario or population file, inheritance and references
    resolved."""
    return _Reading(builtin_dir).resolved(Path(path))


def references(path: Path, builtin_dir: Path = SCENARIO_DIR) -> dict[str, tuple[Path, str]]:
    """Where a file takes values by ``same_as`` (its own or inherited): dotted key →
    (the file named, the key there)."""
    data, _ = _Reading(builtin_dir).unresolved(Path(path))
    out: dict[str, tuple[Path, str]] = {}

    def walk(node: Any, key: str) -> None:
        if isinstance(node, Ref):
            out[key] = (node.target, node.target_key)
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{key}.{i}")

    walk(data, "")
    return out


# ------------------------------------------------------------------ the one pass
def read_file(
    name_or_path: str | Path, kind: str, changes: dict[str, Any] | None = None
) -> tuple[Path, dict, dict]:
    """``(path, data, sources)`` of a scenario or population profile (``kind``) named or
    given by path: found, its name checked, read with everything it extends or refers
    to, ``changes`` applied (their keys lose their sources), a scenario's population
    file resolved (``file_population``).  Plain data, ready to validate."""
    directory, _ = KINDS[kind]
    path = resolve_path(name_or_path, directory, kind)
    check_file_name(path, kind)
    data, sources = read_spec(path, directory)
    check_text(data, path)
    if changes:  # a copy: a value the caller holds (a lever's table) is never changed
        data = apply_changes(data, copy.deepcopy(changes), path)
        for key in changes:
            sources.pop(key, None)
    insts = data.get("institutions") if kind == "scenario" else None
    for name in insts if isinstance(insts, dict) else ():
        if not valid_key(name):  # before the schema: its errors would name parts of the key
            raise ScenarioError(
                path, f"institutions.{shown_name(name)}", f"an institution's key must be {KEY_RULE}"
            )
    meta = data.get("scenario") if kind == "scenario" else None
    if isinstance(meta, dict) and "population" in meta:
        data = {
            **data,
            "scenario": {**meta, "population": file_population(meta["population"], path)},
        }
    if isinstance(meta, dict) and meta.get("before"):
        before_file(meta["before"], path)
    return path, data, sources


def before_file(value: Any, path: Path | str) -> Path:
    """The file of the structure a scenario FILE is compared with (``[scenario] before``):
    a built-in scenario's name or a file beside it (a name, or a relative ``.toml`` path
    without ``..``), never itself.  Anything else is one ``ScenarioError`` naming what is
    allowed."""
    key = "scenario.before"
    path = Path(path)
    allowed = (
        f"the name of a built-in structure ({', '.join(list_scenarios())}) or of a .toml "
        "file beside this one, not this file itself"
    )
    if not isinstance(value, str) or not value:
        raise ScenarioError(path, key, f"must be {allowed}")
    if leaves_directory(value):
        raise ScenarioError(path, key, f"{value!r} is not allowed; must be {allowed}")
    name = value if value.endswith(".toml") else f"{value}.toml"
    for cand in (path.parent / name, SCENARIO_DIR / name):
        if cand.is_file() and cand != CALIBRATED:
            if cand.resolve() == path.resolve():
                raise ScenarioError(path, key, f"{value!r} is this file; must be {allowed}")
            return cand
    raise ScenarioError(path, key, f"no structure {value!r}; must be {allowed}")


def file_population(value: Any, path: Path) -> Any:
    """The population profile a scenario FILE names (``[scenario] population``), as the
    loader keeps it: a profile's name (``"urban"``, a file of ``scenarios/populations/``),
    or a relative path to a file inside that directory or beside the scenario file, kept as
    the path of that file.  Absolute paths and ``..`` are refused, so a file cannot make a
    run read a file elsewhere; the command line's ``--population PATH`` may name any
    file."""
    if not isinstance(value, str):
        return value  # the schema names the type
    key = "scenario.population"
    known = ", ".join(list_populations())
    allowed = (
        f"a profile's name ({known}) or a relative path to a .toml file in "
        f"{POPULATION_DIR} or beside this file"
    )
    if leaves_directory(value):
        raise ScenarioError(path, key, f"{value!r} is not allowed in a file; must be {allowed}")
    if "/" not in value and "\\" not in value and not value.endswith(".toml"):
        if not (POPULATION_DIR / f"{value}.toml").is_file():
            raise ScenarioError(path, key, f"no population profile named {value!r}; known: {known}")
        return value
    for base in (Path(path).parent, POPULATION_DIR):
        cand = base / value
        if cand.suffix == ".toml" and cand.is_file():
            if not cand.resolve().is_relative_to(base.resolve()):
                raise ScenarioError(path, key, f"{value!r} links outside {base}; must be {allowed}")
            return str(cand.absolute())
    raise ScenarioError(path, key, f"no file {value!r}; must be {allowed}")


def apply_changes(raw: dict, changes: dict[str, Any], path: Path | str) -> dict:
    """``raw`` with ``changes`` applied: dotted keys (``institutions.rc.windows``; list items
    by index, ``offers.0.seats``) set to new values, or deleted with ``None``.  A key that
    cannot be reached (a number's sub-key, a list index out of range) or a deletion of a key
    the file does not have is one ``ScenarioError`` naming the key."""
    raw = copy.deepcopy(raw)
    for dotted, value in changes.items():
        node = raw
        parts = dotted.split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            where = ".".join(parts[: i + 1])
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ScenarioError(
                        path,
                        dotted,
                        f"{where}: a list of {len(node)} items, index with 0–{len(node) - 1}",
                    )
                if last:
                    if value is None:
                        del node[int(part)]
                    else:
                        node[int(part)] = value
                else:
                    node = node[int(part)]
            elif isinstance(node, dict):
                if last:
                    if value is None:
                        if part not in node:
                            raise ScenarioError(
                                path, dotted, "cannot be removed: the file has no such key"
                            )
                        del node[part]
                    else:
                        node[part] = value
                else:
                    node = node.setdefault(part, {})
            else:
                parent = ".".join(parts[:i])
                raise ScenarioError(
                    path, dotted, f"{parent} is a value ({node!r}), it has no key {part!r}"
                )
    return raw


# ------------------------------------------------------------------ population profiles
@cache
def _population_names() -> dict[str, tuple[str, str]]:
    out = {}
    for key in list_populations():
        data = read_toml(POPULATION_DIR / f"{key}.toml")
        out[key] = (data.get("short_zh") or key, data.get("short_en") or key)
    return out


def population_name(key: str, lang: str) -> str:
    """A population profile by the short name its file gives it (``short_zh`` /
    ``short_en``: 城市, urban); a profile that is not shipped (a user's own file), or has no
    short name, by its key."""
    names = _population_names()
    return names[key][0 if lang == "zh" else 1] if key in names else key
