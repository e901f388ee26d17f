"""Loading scenarios and population profiles into the schemas the declarations build.

``load_scenario("baseline")`` or ``load_scenario("path/to/file.toml")`` is one pass: the
file is read (``govsim.config.reading.read_file``: found, TOML, ``extends``, ``remove``,
``same_as``, sources beside values, and a run's ``changes`` such as
``{"institutions.rc.windows": 2}``), then validated (``govsim.config.scenario.validate``)
against the schema of the built-in mechanisms plus any extra ``modules``, its numbers
against their units' ranges, and cross-checked; a structure of its own (a ``[scenario]`` section) that lists seeds,
loaded as written, follows the rules of ``scenarios/norms.toml`` or declares its departures
(``govsim.core.norms``).  Every problem is one ``ScenarioError``
naming the file, the key and what is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from govsim.config.reading import (
    NAME_RULE,
    ScenarioError,
    read_file,
    shown_name,
    valid_name,
)
from govsim.config.scenario import check_population, check_references, validate
from govsim.core.spec import schemas

# a file with a [scenario] of its own (a table, dotted keys or an inline table), found in
# its text without parsing it a second time
OWN_SCENARIO = re.compile(r"^[ \t]*(\[[ \t]*scenario[ \t]*\]|scenario[ \t]*[.=])", re.M)

Scenario = schemas().Scenario
Population = schemas().Population
InstitutionSpec = schemas().InstitutionSpec


def load_scenario(
    name_or_path: str | Path,
    changes: dict[str, Any] | None = None,
    modules: tuple = (),
    key: str | None = None,
):
    """Load a built-in scenario by name (a file stem in ``scenarios/``) or any ``.toml`` path.

    ``changes`` maps dotted keys to new values (``{"institutions.street.windows": 4}``;
    ``None`` deletes a key): the way to move one structural lever for an experiment; the
    result is validated like a file.  A file's ``[levers]`` table (a design: the structure
    it extends plus the levers it moves, ``govsim.core.levers``) is applied after the file
    is merged with what it extends, as ``scenario_changes`` of the structure so loaded,
    before ``changes``.  ``key`` names the result (default: the file's name) —
    give a changed structure its own (``key="baseline_open_late"``) so that tables and
    charts keep it apart from the file's.  ``modules``: extra mechanism modules whose keys
    the file may use.
    """
    if key is not None and not valid_name(key):
        raise ScenarioError("load_scenario", "key", f"{key!r}: {NAME_RULE}")
    model = schemas(tuple(modules)).Scenario
    path, data, sources = read_file(name_or_path, "scenario", changes)
    levers = data.pop("levers", None)
    if levers is not None:
        # a design: the structure as loaded, then its levers' changes (and the run's after)
        plain = {k: v for k, v in sources.items() if not k.startswith("levers.")}
        lever_changes = file_levers(validate(model, data, plain, path, check_references), levers)
        path, data, sources = read_file(
            name_or_path, "scenario", {**lever_changes, **(changes or {})}
        )
        data.pop("levers", None)
    sc = validate(model, data, sources, path, check_references)
    if (
        not changes
        and levers is None
        and sc.scenario.seeds
        and OWN_SCENARIO.search(path.read_text("utf-8-sig"))
    ):
        # a document-based structure (its own [scenario], seeds its own or its parent's), as
        # written, follows the cross-structure rules or declares its departures; a variant
        # without a [scenario] of its own, levers and sampled ranges move a structure on
        # purpose and are not checked
        from govsim.core import norms

        norms.check(sc)
    return sc if key is None else sc.model_copy(update={"key": key})


def file_levers(sc, levers: Any) -> dict[str, Any]:
    """The scenario changes of a file's ``[levers]`` table (``key = value`` or ``key = {
    value = …, source = "…" }``, sources split off) on the structure ``sc`` it was loaded
    as; an unknown lever, one the structure lacks or a value the lever does not take is one
    ``ScenarioError`` naming the file, ``levers.<key>`` and what is allowed."""
    from govsim.core.levers import LEVER, lever_problem, scenario_changes

    path = sc.file
    if not isinstance(levers, dict):
        raise ScenarioError(
            path,
            "levers",
            "must be a table of levers and their values, e.g. [levers] points = true; "
            f"levers: {', '.join(LEVER)}",
        )
    for k, value in levers.items():
        problem = lever_problem(sc, k, value)
        if problem is not None:
            raise ScenarioError(path, f"levers.{shown_name(k)}", problem)
    return scenario_changes(sc, levers)


def load_population(
    name_or_path: str | Path, modules: tuple = (), changes: dict[str, Any] | None = None
):
    """Load a population profile by name (``scenarios/populations/``) or path; ``changes``
    as for ``load_scenario`` (``{"behaviour.base_logit": -2.5}``)."""
    path, data, sources = read_file(name_or_path, "population profile", changes)
    return validate(schemas(tuple(modules)).Population, data, sources, path, check_population)


__all__ = [
    "Scenario",
    "Population",
    "InstitutionSpec",
    "load_scenario",
    "load_population",
    "file_levers",
]
