"""What a mechanism module declares, and the base class every mechanism derives from.

A mechanism (starsim's ``Module``) says in one place:

- ``pars``: the parameters it owns — each a ``Par`` with the scenario or population key the
  value comes from (``"behaviour.trust_report"``, ``"institutions.*.windows"``), its type,
  default, meaning and unit; the file schemas and the parameter table are built from these
  (``govsim.core.spec``); a ``Par`` with only a key marks a parameter it reads that
  another owner declares;
- ``states``: the resident arrays it owns (``State``): created by ``Residents`` from the
  declaration, written by this module only;
- ``streams`` and ``keyed``: its random processes, each the stream
  ``"<module>.<process>"``: a stream of its own (``self.rng[process]``) or draws keyed by
  need or resident (``self.keyed_draw`` / ``self.keyed_stream``); a process not declared
  cannot be drawn from;
- ``outcomes``: what it reports (``Outcome``, bilingual, with unit, role and headline rank)
  — the one outcome list everything downstream (DataCollector, summary, CSV columns, CLI,
  charts, report, tests) is generated from;
- ``steps``: in which phase of the day it acts (``Step``, ``PHASES``), what it takes, what it
  returns and which steps it runs after.

Modules exchange data through arguments and return values: a step takes what earlier
steps returned (reports, resolved needs, spare hours …) and returns what later ones use;
the model (``govsim.core.model``) runs the steps of all modules in the order ``plan``
gives and hands results on.  A new mechanism is one new module: its declarations and steps
plug it into the day, the schema, the DataCollector, the summary and the parameter table.
The declarations are checked when the class is defined (``_check_class``) and when modules
are put together (``check_modules``): a mistake is one error naming the module.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from govsim.config.declare import Const, Par, check_key
from govsim.config.vocabulary import CHANNELS, Term, check_unit
from govsim.core.streams import keyed_uniform, stream_at


@dataclass(frozen=True)
class State:
    """A per-resident array a module owns."""

    name: str
    dtype: Any
    default: Any
    meaning: str
    by_kind: tuple[str, ...] = ()  # one array per kind (e.g. a last day per session kind)


@dataclass(frozen=True)
class Outcome:
    """An outcome a module reports.

    ``unit``: a key of ``govsim.config.vocabulary.UNITS``; ``headline``: the outcome's rank (1, 2, …)
    among those every table, chart and report leads with (None: not one of them; ranks are
    unique over all modules); ``by_group``: reported for each resident group too;
    ``whole_community``: one value for all residents, repeated in each group's section of
    ``summary.json`` (a cost is paid for all, not allocated to groups); ``daily``: recorded
    every day by the DataCollector;
    ``per_replicate``: a column of ``runs.csv`` / ``summary.csv`` / ``paired.csv``;
    ``better``: which way is better for residents (direction markers, the report's front
    page), or None where neither is; ``matters``: the smallest difference between two
    structures that counts as a finding, in the outcome's own unit (a share, hours, yuan;
    rule 8: a difference too small to matter is not a finding), with ``matters_source``
    saying where that size comes from — one declaration that every claim of a report and of
    ``govsim robustness`` uses.
    """

    key: str
    zh: str
    en: str
    unit: str
    headline: int | None = None  # rank among the headline outcomes (1 first)
    by_group: bool = False
    whole_community: bool = False  # the same value for every group (summary.json only)
    daily: bool = False
    per_replicate: bool = True
    by_need_type: bool = False  # also reported for each need type (need outcomes)
    governance: bool = False  # in the report's table of how the community governs itself
    better: str | None = None  # "higher" or "lower": which way is better for residents
    matters: float | None = None  # the smallest difference that is a finding (own unit)
    matters_source: str = ""

    def __post_init__(self):
        check_unit(self.unit, f"outcome {self.key!r}")
        m = self.matters
        if m is not None:
            if isinstance(m, bool) or not isinstance(m, (int, float)) or not 0 < m < np.inf:
                raise ValueError(f"outcome {self.key}: matters must be a number > 0, got {m!r}")
            if not self.matters_source.strip():
                raise ValueError(f"outcome {self.key}: matters needs its matters_source")
        if self.better not in (None, "higher", "lower"):
            raise ValueError(f"outcome {self.key}: better must be 'higher' or 'lower'")
        h = self.headline
        if h is not None and (isinstance(h, bool) or not isinstance(h, int) or h < 1):
            raise ValueError(
                f"outcome {self.key}: headline must be a rank (1, 2, …) or None, got {h!r}"
            )


# The phases of a day, in order, each with what happens in it: every step of every module
# runs in one of them (``Step.phase``); within a phase, steps run in the order their data
# and ``after`` give (``plan``).  ``GovernanceModel.plan_table()`` lists the day.
PHASES: tuple[tuple[str, str], ...] = (
    ("arise", "needs arise (under the verification switch each is reported at once)"),
    (
        "report",
        "needs past the resident's patience are given up; residents report what they can; "
        "reports reach the structure",
    ),
    (
        "serve",
        "institutions handle what reached them and relay the rest; answers that reached "
        "residents settle",
    ),
    ("workload", "institutions count the staff-hours left after admin tasks and requests"),
    ("discover", "proactive discovery: outreach visits, committee visits, party members' ties"),
    (
        "sessions",
        "organisations are founded and fold; sessions are held and residents choose to take part",
    ),
    ("close", "belonging fades; the DataCollector records the day"),
)
PHASE_NAMES: tuple[str, ...] = tuple(p for p, _ in PHASES)


@dataclass(frozen=True)
class Step:
    """One step of a module in the day: in ``phase`` (one of ``PHASES``), call
    ``module.<method>(day, *inputs)`` and put what it returns under ``outputs``.

    Inputs and outputs are names on the day's board: what one step returns, a later step
    takes as an argument; each name is returned by one step a day.  A step with one output
    returns the value; with several, a tuple.  Within a phase a step runs after the steps
    whose outputs it takes, and after the steps ``after`` names (``"module.method"``: steps
    that share state without handing data); every two steps of a phase must be ordered so.
    """

    phase: str
    method: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


def _label(m, s: Step) -> str:
    return f"{m.name}.{s.method} ({s.phase})"


def plan(modules) -> list[tuple[Any, Step]]:
    """Every step of ``modules`` (classes or instances) in the order of the day: phase by
    phase, and within a phase the one order the steps' data and ``after`` allow.  Refuses,
    naming the steps: an unknown phase, a name two steps return, an input no step returns
    or one returned only later, an ``after`` naming no step, a cycle, and two steps of one
    phase with no order between them."""
    steps = [(m, s) for m in modules for s in m.steps]
    rank = {p: i for i, p in enumerate(PHASE_NAMES)}
    for m, s in steps:
        if s.phase not in rank:
            raise ValueError(
                f"step {m.name}.{s.method}: unknown phase {s.phase!r}; "
                f"the phases of a day are {', '.join(PHASE_NAMES)}"
            )
    producer: dict[str, int] = {}
    for i, (m, s) in enumerate(steps):
        for k in s.outputs:
            if k in producer:
                pm, ps = steps[producer[k]]
                raise ValueError(
                    f"steps {_label(pm, ps)} and {_label(m, s)} both return {k!r}; each name "
                    "on the day's board is returned by one step: give one of them another "
                    "name and have its readers take that"
                )
            producer[k] = i
    by_name: dict[str, list[int]] = {}
    for i, (m, s) in enumerate(steps):
        by_name.setdefault(f"{m.name}.{s.method}", []).append(i)
    before: list[set[int]] = [set() for _ in steps]  # steps of the same phase to run first
    for i, (m, s) in enumerate(steps):
        for k in s.inputs:
            if k not in producer:
                raise ValueError(
                    f"step {_label(m, s)} takes {k!r}, which no step returns; "
                    "take a name a step returns (GovernanceModel.plan_table())"
                )
            j = producer[k]
            if rank[steps[j][1].phase] > rank[s.phase]:
                raise ValueError(
                    f"step {_label(m, s)} takes {k!r}, which {_label(*steps[j])} returns only "
                    "later in the day; move one of them to another phase"
                )
            if steps[j][1].phase == s.phase:
                before[i].add(j)
        for ref in s.after:
            js = by_name.get(ref)
            if not js:
                raise ValueError(
                    f"step {_label(m, s)} runs after {ref!r}, which is no step of the day; "
                    "name a step as 'module.method' (GovernanceModel.plan_table())"
                )
            same = [j for j in js if steps[j][1].phase == s.phase]
            if not same and all(rank[steps[j][1].phase] > rank[s.phase] for j in js):
                raise ValueError(
                    f"step {_label(m, s)} runs after {ref!r}, which runs only in a later "
                    f"phase ({steps[js[0]][1].phase}); move one of them to another phase"
                )
            before[i].update(same)
    out = []
    for phase in PHASE_NAMES:
        todo = [i for i, (_, s) in enumerate(steps) if s.phase == phase]
        done: set[int] = set()
        while todo:
            ready = [i for i in todo if before[i] <= done]
            if len(ready) > 1:
                (m1, s1), (m2, s2) = steps[ready[0]], steps[ready[1]]
                raise ValueError(
                    f"steps {m1.name}.{s1.method} and {m2.name}.{s2.method} are both in phase "
                    f"{phase!r} with no order between them: give one of them "
                    f"after=('{m2.name}.{s2.method}',) or after=('{m1.name}.{s1.method}',), "
                    "or an input the other returns"
                )
            if not ready:
                cycle = _cycle(todo, before)
                names = " → ".join(f"{steps[i][0].name}.{steps[i][1].method}" for i in cycle)
                raise ValueError(
                    f"steps {names} in phase {phase!r} wait for each other (through their "
                    "inputs and after=); drop one of these orders"
                )
            done.add(ready[0])
            todo.remove(ready[0])
            out.append(steps[ready[0]])
    return out


def _cycle(todo: list[int], before: list[set[int]]) -> list[int]:
    """A cycle among ``todo`` (each waits for one before it), as the steps in run order."""
    path, i = [], todo[0]
    while i not in path:
        path.append(i)
        i = min(j for j in before[i] if j in todo)
    cycle = path[path.index(i) :]
    return [*cycle[::-1], cycle[-1]]


_PROCESS = re.compile(r"[a-z][a-z0-9_]*\Z")  # a stream's process name: growth, self_report


class UndeclaredName(ValueError):
    """A module draws from a process, or reports through a channel, it does not declare."""


class Streams(dict):
    """A module's random streams by process name; an undeclared name is refused."""

    def __init__(self, module: str, declared: dict[str, np.random.Generator]):
        super().__init__(declared)
        self.module = module

    def __missing__(self, process: str):
        raise UndeclaredName(
            f"module {self.module!r} has no stream {process!r}; its streams are "
            f"{', '.join(self) or 'none'} (declare it in the module's streams)"
        )


class Module:
    """Base class of a mechanism: its declarations, its random streams and its steps.

    Random draws come only from what the module declares: ``self.rng[process]`` (a
    process of ``streams``), ``self.keyed_draw(process, *keys)`` and
    ``self.keyed_stream(process, *counter)`` (a process of ``keyed``); each is the stream
    ``"<module>.<process>"`` (``govsim.core.streams``).

    ``provides`` names methods other modules may call (``Routing.intake``: a found need
    goes into the structure at once); ``uses`` names the ones this module calls, which it
    finds in ``self.services`` — the only way a module reaches another.

    ``channels`` names the ways by which needs reach the structure that the module adds to
    the vocabulary's (``vocabulary.CHANNELS``: walk-in, remote, discovered), each a
    ``Term(zh, en)``; the module reports through one with ``self.channel(key)``, and a run's
    needs table, catalogue and need-flows chart show it (``channel_terms``).
    """

    name: ClassVar[str] = ""
    pars: ClassVar[tuple[Par, ...]] = ()
    states: ClassVar[tuple[State, ...]] = ()
    streams: ClassVar[tuple[str, ...]] = ()  # processes with a stream of their own
    keyed: ClassVar[tuple[str, ...]] = ()  # processes whose draws are keyed by need/resident
    outcomes: ClassVar[tuple[Outcome, ...]] = ()
    steps: ClassVar[tuple[Step, ...]] = ()
    provides: ClassVar[tuple[str, ...]] = ()
    constants: ClassVar[tuple[Const, ...]] = ()  # numbers fixed in the module's code
    uses: ClassVar[tuple[str, ...]] = ()
    channels: ClassVar[dict[str, Term]] = {}  # channels this module adds (key -> Term)
    _keyed_names: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        _check_class(cls)
        _check_draws(cls, f"module {cls.name or cls.__name__!r}")
        cls._keyed_names = {p: f"{cls.name}.{p}" for p in cls.keyed}

    def __init__(self, world, rng: dict[str, np.random.Generator], seed: int):
        self.w = world
        self.rng = Streams(self.name, rng)
        self.seed = seed
        self.services: dict[str, Callable] = {}
        self.setup()

    def channel(self, key: str) -> int:
        """The code of channel ``key`` in this run (``Reports(..., channel)``): one of the
        vocabulary's or one a module of the run declares."""
        try:
            return self.w.channels.index(key)
        except ValueError:
            raise UndeclaredName(
                f"module {self.name!r}: no channel {key!r} in this run; the channels are "
                f"{', '.join(self.w.channels)} (declare a new one in the module's channels)"
            ) from None

    @classmethod
    def check(cls, scenario, path) -> None:
        """Cross-checks of the module's own part of a validated scenario, at load (override):
        a rule between its keys (an institution with authority needs windows) raises
        ``govsim.config.reading.ScenarioError(path, key, message)`` naming the key.  The
        names a value refers to (``InstitutionKey``, ``ScheduleName``) are checked for every
        module before, from the declarations."""

    def keyed_draw(self, process: str, *keys) -> np.ndarray:
        """Uniform draws of the keyed process ``process`` (declared in ``keyed``) keyed by
        ``keys`` (need ids, hop, day …): ``streams.keyed_uniform`` of
        ``"<module>.<process>"``."""
        return keyed_uniform(self.seed, self._keyed(process), *keys)

    def keyed_stream(self, process: str, *counter: int) -> np.random.Generator:
        """The generator of the keyed process ``process`` (declared in ``keyed``) at one
        moment (day, institution …): ``streams.stream_at`` of ``"<module>.<process>"``."""
        return stream_at(self.seed, self._keyed(process), *counter)

    def _keyed(self, process: str) -> str:
        name = self._keyed_names.get(process)
        if name is None:
            raise UndeclaredName(
                f"module {self.name!r} has no keyed draw {process!r}; its keyed draws are "
                f"{', '.join(self.keyed) or 'none'} (declare it in the module's keyed)"
            )
        return name

    def setup(self) -> None:
        """Build lookup tables from the world and the parameters (override)."""

    def connect(self, services: dict[str, Callable]) -> None:
        missing = [u for u in self.uses if u not in services]
        if missing:
            raise ValueError(f"module {self.name!r} uses {missing}, which no module provides")
        self.services = {u: services[u] for u in self.uses}

    # outcome hooks (modules override those they declare)
    def daily(self, day: int) -> dict[str, float]:
        return {}

    def report(self, day: int, residents, needs) -> dict[str, Any]:
        """End-of-run outcomes over the residents (mask, None = all) and needs (mask)."""
        return {}

    def details(self) -> dict[str, Any]:
        """Extra sections of ``summary.json`` (e.g. sessions held)."""
        return {}

    def by_institution(self, day: int) -> dict[str, dict[str, Any]]:
        """What the module counted at each institution kind (key → statistics), for the
        ``institutions`` section of ``summary.json``."""
        return {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} module {self.name!r}>"


# the calls through which a module draws or reports, and the declaration each name must be in
_DRAWS = {"keyed_draw": "keyed", "keyed_stream": "keyed", "channel": "channels"}


@functools.cache
def _classes_in(filename: str) -> dict[str, Any]:
    """The class definitions of a source file by qualified name (``f.<locals>.C`` for a
    class inside a function, as Python names it); the file is read and parsed once."""
    import ast

    try:
        tree = ast.parse(Path(filename).read_text(encoding="utf-8"), filename)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    found: dict[str, Any] = {}

    def visit(statements, prefix: str) -> None:  # definitions are statements
        for st in statements:
            if isinstance(st, ast.ClassDef):
                found[prefix + st.name] = st
                visit(st.body, f"{prefix}{st.name}.")
            elif isinstance(st, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(st.body, f"{prefix}{st.name}.<locals>.")
            else:
                for block in ("body", "orelse", "finalbody", "handlers", "cases"):
                    for inner in getattr(st, block, ()):
                        visit(
                            getattr(inner, "body", [inner])
                            if block in ("handlers", "cases")
                            else [inner],
                            prefix,
                        )

    visit(tree.body, "")
    return found


def _class_tree(cls):
    """The syntax tree of ``cls``'s definition, or None where its source cannot be read
    (a class typed into a notebook cell or built with ``exec``)."""
    module = sys.modules.get(cls.__module__)
    filename = getattr(module, "__file__", None)
    if not filename or not filename.endswith(".py"):
        return None
    return _classes_in(filename).get(cls.__qualname__)


def _check_draws(cls, where: str) -> None:
    """The names a module's code draws from and reports through, read from its source
    when the class is defined: ``self.keyed_draw("x", …)``, ``self.keyed_stream("x", …)``
    and ``self.rng["x"]`` must name a declared process, ``self.channel("x")`` a channel of
    the vocabulary or of the module.  (A name that is not a literal, or a class whose
    source cannot be read, is checked at the draw itself.)"""
    import ast

    tree = _class_tree(cls)
    if tree is None:
        return
    allowed = {
        "keyed": set(cls.keyed),
        "streams": set(cls.streams),
        "channels": set(CHANNELS) | set(cls.channels),
    }

    def literal(node) -> str | None:
        return (
            node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
        )

    def is_self(node, attr: str) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == attr
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        )

    for node in ast.walk(tree):
        found = None
        if isinstance(node, ast.Call) and node.args:
            for method, decl in _DRAWS.items():
                if is_self(node.func, method) and (name := literal(node.args[0])) is not None:
                    found = (f"self.{method}({name!r})", decl, name)
        elif isinstance(node, ast.Subscript) and is_self(node.value, "rng"):
            if (name := literal(node.slice)) is not None:
                found = (f"self.rng[{name!r}]", "streams", name)
        if found and found[2] not in allowed[found[1]]:
            code, decl, name = found
            have = ", ".join(sorted(allowed[decl])) or "none"
            raise UndeclaredName(
                f"{where}: {code} in {cls.__name__} names {name!r}, which the module's {decl} "
                f"does not declare (declared: {have}); declare it in {decl}"
            )


def _check_class(cls) -> None:
    """A module class's declarations, checked when the class is defined (at import)."""
    where = f"module {cls.name or cls.__name__!r}"
    names = [*cls.streams, *cls.keyed]
    for what, procs in (("streams", cls.streams), ("keyed", cls.keyed)):
        if isinstance(procs, str) or not all(isinstance(p, str) for p in procs):
            raise TypeError(f"{where}: {what} must be a tuple of process names, got {procs!r}")
        bad = [p for p in procs if not _PROCESS.match(p)]
        if bad:
            raise ValueError(
                f"{where}: {what} names {bad[0]!r}; a process name is lower-case letters, "
                "digits and _ (the stream is '<module>.<process>')"
            )
    twice = sorted({p for p in names if names.count(p) > 1})
    if twice:
        raise ValueError(
            f"{where}: {twice[0]!r} is declared twice in streams and keyed; each process "
            "has one stream"
        )
    for s in cls.steps:
        if not isinstance(s, Step):
            raise TypeError(f"{where}: steps must be Step(...), got {s!r}")
        if s.phase not in PHASE_NAMES:
            raise ValueError(
                f"{where}: step {s.method!r} is in phase {s.phase!r}; the phases of a day are "
                f"{', '.join(PHASE_NAMES)}"
            )
        if not callable(getattr(cls, s.method, None)):
            raise ValueError(f"{where}: step {s.method!r} is no method of {cls.__name__}")
        for what in ("inputs", "outputs", "after"):
            v = getattr(s, what)
            if not isinstance(v, tuple) or not all(isinstance(x, str) for x in v):
                raise TypeError(
                    f"{where}: step {s.method!r}: {what} must be a tuple of names, got {v!r} "
                    "(one name is written ('name',))"
                )
        if len(set(s.outputs)) < len(s.outputs):
            raise ValueError(f"{where}: step {s.method!r} returns a name twice: {s.outputs}")
        bad = [a for a in s.after if a.count(".") != 1]
        if bad:
            raise ValueError(
                f"{where}: step {s.method!r} runs after {bad[0]!r}; name a step as 'module.method'"
            )
    for p in cls.pars:
        check_key(where, p)


def check_modules(modules) -> list[tuple[Any, Step]]:
    """Modules that run together: unique names, unique headline ranks and a day plan
    (``plan``, returned).  Raises a ValueError naming both sides of a clash."""
    seen: dict[str, Any] = {}
    for m in modules:
        if not m.name:
            raise ValueError(f"module {m.__name__ if isinstance(m, type) else m!r} has no name")
        if m.name in seen:
            raise ValueError(f"two modules are named {m.name!r}; choose another name")
        seen[m.name] = m
    ranks: dict[int, str] = {}
    for m in modules:
        for o in m.outcomes:
            if o.headline is None:
                continue
            if o.headline in ranks:
                raise ValueError(
                    f"outcomes {ranks[o.headline]} and {m.name}.{o.key} both have headline "
                    f"rank {o.headline}; give one another rank"
                )
            ranks[o.headline] = f"{m.name}.{o.key}"
    channel_terms(modules)
    provided = {n for m in modules for n in m.provides}
    for m in modules:
        missing = [u for u in m.uses if u not in provided]
        if missing:
            raise ValueError(
                f"module {m.name!r} uses {', '.join(missing)}, which no module provides "
                f"(provided: {', '.join(sorted(provided)) or 'none'})"
            )
    return plan(modules)


def channel_terms(modules) -> dict[str, Term]:
    """The channels of a run of ``modules``: the vocabulary's, then those each module adds
    (``Module.channels``), in module order; the position is a need's channel code.  A
    channel declared twice, or not as a ``Term``, is an error naming the module."""
    out: dict[str, Term] = dict(CHANNELS)
    for m in modules:
        for key, term in m.channels.items():
            if not isinstance(term, Term):
                raise ValueError(
                    f"module {m.name!r}: channel {key!r} must be a vocabulary Term(zh, en)"
                )
            if key in out:
                raise ValueError(
                    f"module {m.name!r}: channel {key!r} is already declared (the vocabulary's "
                    "or another module's); choose another key"
                )
            if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
                raise ValueError(
                    f"module {m.name!r}: channel key {key!r} must be lower-case letters, "
                    "digits and '_'"
                )
            out[key] = term
    return out


def declared(modules: list[type[Module]], attr: str) -> list:
    """Every declaration of one kind (``pars``, ``states``, ``outcomes``) in module order."""
    out = []
    for m in modules:
        out.extend(getattr(m, attr))
    return out
