"""Loading scenarios and population profiles into the schemas the declarations build.

``load_scenario("baseline")`` or ``load_scenario("path/to/file.toml")``: the file is read
(``govsim.config.reading``: TOML, ``extends``, ``remove``, sources beside values), changed
if asked (``changes={"institutions.rc.windows": 2}``), validated against the schema of the
built-in mechanisms plus any extra ``modules``, and cross-checked.  Every problem is one
``ScenarioError`` naming the file, the key and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from govsim.config.reading import ScenarioError, read_spec
from govsim.config.scenario import (
    NAME_RULE,
    POPULATION_DIR,
    SCENARIO_DIR,
    _format_error,
    apply_changes,
    builtin_order,
    check_file_name,
    check_population,
    check_ranges,
    check_references,
    file_population,
    list_populations,
    list_scenarios,
    resolve_path,
    valid_name,
)
from govsim.core.spec import schemas

Scenario = schemas().Scenario
Population = schemas().Population
InstitutionSpec = schemas().InstitutionSpec


def scenario_from_dict(
    raw: dict,
    path: Path | str = "<dict>",
    sources: dict[str, str] | None = None,
    modules: tuple = (),
):
    """Validate a scenario mapping (plain values, as ``read_spec`` returns them)."""
    path = Path(path)
    model = schemas(tuple(modules)).Scenario
    meta = raw.get("scenario")
    if isinstance(meta, dict) and "population" in meta:
        raw = {**raw, "scenario": {**meta, "population": file_population(meta["population"], path)}}
    try:
        sc = model.model_validate(
            {**raw, "sources": sources or {}, "file": str(path), "key": path.stem}
        )
    except ValidationError as err:
        raise _format_error(path, err, model) from None
    check_ranges(sc, path)
    check_references(sc, path)
    return sc


def load_scenario(
    name_or_path: str | Path,
    changes: dict[str, Any] | None = None,
    modules: tuple = (),
    key: str | None = None,
):
    """Load a built-in scenario by name (a file stem in ``scenarios/``) or any ``.toml`` path.

    ``changes`` maps dotted keys to new values (``{"institutions.street.windows": 4}``;
    ``None`` deletes a key): the way to move one structural lever for an experiment; the
    result is validated like a file.  ``key`` names the result (default: the file's name) —
    give a changed structure its own (``key="baseline_open_late"``) so that tables and
    charts keep it apart from the file's.  ``modules``: extra mechanism modules whose keys
    the file may use.
    """
    if key is not None and not valid_name(key):
        raise ScenarioError("load_scenario", "key", f"{key!r}: {NAME_RULE}")
    path = resolve_path(name_or_path, SCENARIO_DIR, "scenario")
    check_file_name(path, "scenario")
    raw, sources = read_spec(path, SCENARIO_DIR)
    if changes:
        raw = apply_changes(raw, changes, path)
        for k in changes:
            sources.pop(k, None)
    sc = scenario_from_dict(raw, path, sources, modules)
    return sc if key is None else sc.model_copy(update={"key": key})


def load_population(
    name_or_path: str | Path, modules: tuple = (), changes: dict[str, Any] | None = None
):
    """Load a population profile by name (``scenarios/populations/``) or path; ``changes``
    as for ``load_scenario`` (``{"behaviour.base_logit": -2.5}``)."""
    path = resolve_path(name_or_path, POPULATION_DIR, "population profile")
    check_file_name(path, "population profile")
    raw, sources = read_spec(path, POPULATION_DIR)
    if changes:
        raw = apply_changes(raw, changes, path)
        for key in changes:
            sources.pop(key, None)
    model = schemas(tuple(modules)).Population
    try:
        pop = model.model_validate({**raw, "sources": sources, "file": str(path), "key": path.stem})
    except ValidationError as err:
        raise _format_error(path, err, model) from None
    check_ranges(pop, path)
    check_population(pop, path)
    return pop


__all__ = [
    "Scenario",
    "Population",
    "InstitutionSpec",
    "ScenarioError",
    "load_scenario",
    "load_population",
    "scenario_from_dict",
    "list_scenarios",
    "list_populations",
    "builtin_order",
]
