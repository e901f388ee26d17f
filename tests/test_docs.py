"""The ODD description points at real code, and the README's commands exist."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import govsim

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = (
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
)


def _index() -> dict[str, list[object]]:
    """Every module, class and function of govsim by short and dotted name (a short name
    may stand for several, e.g. the scenario schema's and the agent's ``Institution``)."""
    names: dict[str, list[object]] = {}
    for info in pkgutil.walk_packages(govsim.__path__, prefix="govsim."):
        mod = importlib.import_module(info.name)
        # a module is known by its dotted path below govsim and by every shorter tail of it
        parts = info.name.split(".")[1:]
        tails = {".".join(parts[i:]) for i in range(len(parts))}
        for tail in tails:
            names.setdefault(tail, []).append(mod)
        for attr, obj in vars(mod).items():
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and getattr(
                obj, "__module__", ""
            ) == mod.__name__:
                names.setdefault(attr, []).append(obj)
                for tail in tails:
                    names.setdefault(f"{tail}.{attr}", []).append(obj)
    return names


def resolve(ref: str, names: dict) -> bool:
    try:  # a package or module by its full name (e.g. the package data govsim.scenarios)
        importlib.import_module(ref)
        return True
    except ImportError:
        pass
    parts = ref.removeprefix("govsim.").split(".")
    for i in range(len(parts), 0, -1):
        for obj in names.get(".".join(parts[:i]), []):
            for p in parts[i:]:
                if not hasattr(obj, p):
                    break
                obj = getattr(obj, p)
            else:
                return True
    return False


def test_odd_has_every_section():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    for section in SECTIONS:
        assert re.search(rf"^## \d+\. {re.escape(section)}", text, re.M), section


def test_every_code_reference_in_the_odd_exists():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    names = _index()
    refs = set(re.findall(r"`((?:[A-Za-z_][A-Za-z0-9_]*\.)+[A-Za-z_][A-Za-z0-9_]*)`", text))
    refs = {
        r
        for r in refs
        if not r.startswith(("mesa.", "model.", "routing.", "behaviour.", "workload."))
    }
    assert len(refs) > 30
    missing = sorted(r for r in refs if not resolve(r, names))
    assert not missing, f"ODD names code that does not exist: {missing}"


def test_every_submodel_row_names_code_and_a_seed_or_source():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    table = text.split("## 7. Submodels", 1)[1].split("##", 1)[0]
    rows = [
        r
        for r in table.splitlines()
        if r.startswith("| ") and not r.startswith("| submodel") and not r.startswith("|---")
    ]
    assert len(rows) >= 12
    for r in rows:
        cells = [c.strip() for c in r.strip("|").split("|")]
        assert "`" in cells[1], f"no function named: {cells[0]}"
        assert re.search(r"00[0-4]|DOMAIN|law|《", cells[2]), f"no seed passage: {cells[0]}"


def test_readme_quick_start_is_two_make_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make results", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^results:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_the_odd_day_plan_is_the_models_plan():
    """The table in ODD §3 is the plan the modules' Step declarations make."""
    from govsim import GovernanceModel

    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    block = text.split("<!-- day plan:", 1)[1].split("<!-- end day plan -->", 1)[0]
    rows = [r for r in block.splitlines() if r.startswith("| ") and not r.startswith("| phase ")]
    shown = [tuple(c.strip() for c in r.strip("|").split("|")) for r in rows]
    model = GovernanceModel("baseline", residents=500, seed=0)
    want = []
    for phase, name, method, takes, gives, after in model.plan_table():
        cls = type(getattr(model, name)).__name__
        want.append(
            (
                phase,
                name,
                f"`{cls}.{method}`",
                *(", ".join(x) or "—" for x in (takes, gives, after)),
            )
        )
    assert shown == want
