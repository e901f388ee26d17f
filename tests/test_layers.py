"""The package's rooms import one way: each room may import only the rooms below it, so the
core never reaches up into results, presentation, experiments or the app, and no two rooms
import each other (no import circles).

The walk reads every ``govsim/**/*.py`` with ``ast``: imports at the top of a module, inside
functions and under ``if TYPE_CHECKING:`` all count.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "govsim"

# the rooms from the bottom up: a room may import itself and the rooms before it
LAYERS = (
    "version",  # the version, recorded with runs
    "config",  # the vocabulary, reading files, declaring parameters, schedules
    "core",  # the simulation
    "results",  # a run's files made, stored, read back and tabled
    "presentation",  # charts, reports, notebook views: read results, never run the model
    "experiments",  # batches, comparisons, sensitivity, calibration, levers
    "design",  # the design search: goals, search over the levers, its front and section
    "app",  # the live model (steps models, draws with presentation)
    "cli",  # the command line
    "govsim",  # the package itself: its public names, notebook display
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    """``govsim.core.model`` -> ``core``; the package itself -> ``govsim``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "govsim"


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _target(name: str) -> str | None:
    """The govsim module ``name`` (a module, or a name inside one) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str) -> list[tuple[int, str]]:
    """(line, module imported) of every govsim import anywhere in ``module``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            names = [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            target = _target(name) if name.split(".")[0] == "govsim" else None
            if target is not None and target != module:
                out.append((node.lineno, target))
    return out


def test_the_walk_sees_imports_in_functions_and_type_checking_blocks():
    """The walk would see a function-level or type-checking import going up."""
    from_models = imports("govsim.results.reading")
    assert any(t == "govsim.results.run_files" for _, t in from_models)  # in a method
    assert any(t == "govsim.core.load" for _, t in imports("govsim.presentation.charts.org"))
    assert room("govsim.core.model") == "core" and room("govsim") == "govsim"


def test_every_room_has_a_place_in_the_layers():
    unplaced = sorted({room(m) for m in MODULES} - set(LAYERS))
    assert not unplaced, (
        f"rooms {unplaced} have no place in tests/test_layers.py's LAYERS; put each above "
        "the rooms it imports and below those that import it"
    )


def test_no_room_imports_a_room_above_it():
    upward = []
    for m, path in MODULES.items():
        mine = room(m)
        for line, target in imports(m):
            theirs = room(target)
            if theirs in LAYERS and mine in LAYERS and LAYERS.index(theirs) > LAYERS.index(mine):
                rel = path.relative_to(PACKAGE.parent)
                upward.append(f"{rel}:{line} imports {target} ({mine} may not import {theirs})")
    assert not upward, "\n".join(upward)


def test_no_import_circle_between_rooms():
    """Rooms that import each other, directly or round a circle, whatever their layers."""
    edges: dict[str, set[str]] = {}
    for m in MODULES:
        for _, target in imports(m):
            if room(target) != room(m):
                edges.setdefault(room(m), set()).add(room(target))

    def circle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            for nxt in sorted(edges.get(node, ())):
                if nxt == start:
                    return [*path, start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
        return None

    circles = [c for r in sorted(edges) if (c := circle_from(r))]
    assert not circles, " ; ".join(" -> ".join(c) for c in circles)


def test_no_import_circle_between_modules():
    """No module imports itself round a circle of other modules (a package's own
    ``__init__`` gathering its modules' names is not counted as a step of a circle)."""
    import networkx as nx

    g = nx.DiGraph()
    for m, path in MODULES.items():
        if path.name == "__init__.py":
            continue
        for _, target in imports(m):
            if MODULES[target].name != "__init__.py":
                g.add_edge(m, target)
    circles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert not circles, " ; ".join(" <-> ".join(c) for c in circles)
