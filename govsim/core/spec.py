"""The scenario and population-profile schemas, built from the parameter declarations.

Each owner declares its parameters (``PARS`` of ``govsim.core.structure`` and
``govsim.core.population``, ``pars`` of every mechanism module); this module gathers them
and builds the strict pydantic models files are validated with:

- a scenario: ``[scenario]`` (names, seeds, population, reference), ``[layout]``,
  ``[schedules]``, ``[routing]``, ``[institutions.<key>]`` (one ``InstitutionSpec`` each),
  ``[incentives]`` and ``[departures]`` (from the rules of ``scenarios/norms.toml``);
- a population profile: ``[demography]``, ``[initial]``, ``[needs]``, ``[behaviour]``,
  ``[workload]``, ``[organisations]``.

``schemas(extra)`` builds them for the built-in modules plus any extra modules (a new
mechanism passed to ``GovernanceModel(modules=...)`` brings its own keys).
"""

from __future__ import annotations

from functools import cache
from typing import ClassVar

from pydantic import BaseModel, Field, create_model

from govsim.config.declare import (
    POPULATION_SECTIONS,
    SCENARIO_SECTIONS,
    HoursBlock,
    Par,
    Strict,
    check_key,
    check_unique,
    section_model,
    under,
)
from govsim.config.schedule import WeeklySchedule
from govsim.core import population, structure
from govsim.core.mechanisms import MODULES
from govsim.core.module import check_modules


class Meta(Strict):
    """``[scenario]``: what the structure is called, where it comes from, how it is run."""

    name_zh: str
    name_en: str
    description_zh: str = ""
    description_en: str = ""
    seeds: list[str] = []
    population: str = Field(
        "urban", description="population profile the structure is usually run with"
    )
    reference: bool = Field(
        False, description="a reference: a structure compared with nothing (it has no before)"
    )
    before: str = Field(
        "",
        description=(
            "the structure this one is compared with: what existed before it in its place "
            "(a built-in scenario's name, or a file beside this one)"
        ),
    )
    election_year: bool = Field(
        False,
        description="committees are elected in the simulated year (terms are five years: "
        "an election one year in five); declared once in the reference file and inherited",
    )


class Loaded(Strict):
    """What the loader adds to a validated file."""

    sources: dict[str, str] = {}  # dotted key → its source, as the file gives it
    file: str = ""
    key: str = ""


class ScenarioBase(Loaded):
    # the cross-checks of the owners of its keys, run at load after the references
    # (``govsim.config.scenario.check_references``): the structure's and every module's
    checks: ClassVar[tuple] = ()

    def __repr__(self) -> str:
        n = len(self.institutions)
        return f"<Scenario {self.key}: {self.scenario.name_en} · {n} institutions>"

    def schedule_of(self, item) -> WeeklySchedule:
        """The weekly hours of an institution or offer (a named schedule or blocks)."""
        hours = item.hours
        blocks = self.schedules[hours] if isinstance(hours, str) else hours
        return WeeklySchedule.from_blocks([(list(b.days), list(b.open)) for b in blocks])


def declarations(extra: tuple = ()) -> list[tuple[str, Par]]:
    """Every (owner, Par) of the structure, the population and the modules (which are
    checked to run together: ``module.check_modules``)."""
    check_modules((*MODULES, *extra))
    out = [("structure", p) for p in structure.PARS]
    out += [("population", p) for p in population.PARS]
    for m in (*MODULES, *extra):
        out += [(m.name, p) for p in m.pars]
    for owner, p in out:
        check_key(owner, p)
    check_unique(out)
    return out


class Schemas:
    """The models of one set of declarations (those of the structure, the population and
    ``modules``)."""

    def __init__(self, decls: list[tuple[str, Par]], modules: tuple = ()):
        self.declarations = decls
        pars = [p for _, p in decls]
        self.InstitutionSpec = section_model("InstitutionSpec", under(pars, "institutions.*."))
        sections = {
            s: section_model(s.capitalize(), under(pars, f"{s}.")) for s in SCENARIO_SECTIONS
        }
        self.sections = sections
        self.Scenario = create_model(
            "Scenario",
            __base__=ScenarioBase,
            scenario=(Meta, ...),
            layout=(sections["layout"], sections["layout"]()),
            schedules=(dict[str, list[HoursBlock]], {}),
            routing=(sections["routing"], ...),
            institutions=(dict[str, self.InstitutionSpec], ...),
            incentives=(sections["incentives"], sections["incentives"]()),
            # the file's departures from the cross-structure rules (govsim.core.norms):
            # a figure, or figures by institution, each with a source quoting its own seed
            departures=(dict[str, float | dict[str, float]], {}),
        )
        self.Scenario.checks = (structure.check, *(m.check for m in modules))
        self.population_sections = psections = {
            s: section_model(s.capitalize(), under(pars, f"{s}.")) for s in POPULATION_SECTIONS
        }
        self.Population = create_model(
            "Population",
            __base__=Loaded,
            name_zh=(str, ...),
            name_en=(str, ...),
            short_zh=(str, Field("", description="short name for charts (城市, 农村)")),
            short_en=(str, Field("", description="short name for charts (urban, rural)")),
            **{s: (psections[s], ...) for s in POPULATION_SECTIONS},
        )


@cache
def schemas(extra: tuple = ()) -> Schemas:
    """The schemas of the built-in declarations plus those of ``extra`` modules."""
    return Schemas(declarations(extra), (*MODULES, *extra))


def models() -> tuple[type[BaseModel], type[BaseModel], type[BaseModel]]:
    """(Scenario, InstitutionSpec, Population) of the built-in declarations."""
    s = schemas()
    return s.Scenario, s.InstitutionSpec, s.Population
