"""The scenario and population-profile schemas, built from the parameter declarations.

Each owner declares its parameters (``PARS`` of ``govsim.core.structure`` and
``govsim.core.population``, ``pars`` of every mechanism module); this module gathers them
and builds the strict pydantic models files are validated with:

- a scenario: ``[scenario]`` (names, seeds, population, reference), ``[layout]``,
  ``[schedules]``, ``[routing]``, ``[institutions.<key>]`` (one ``InstitutionSpec`` each) and
  ``[incentives]``;
- a population profile: ``[demography]``, ``[initial]``, ``[needs]``, ``[behaviour]``,
  ``[workload]``.

``schemas(extra)`` builds them for the built-in modules plus any extra modules (a new
mechanism passed to ``GovernanceModel(modules=...)`` brings its own keys).
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, Field

from govsim.config.declare import HoursBlock, Par, Strict, check_unique, section_model, under
from govsim.config.schedule import WeeklySchedule
from govsim.core import population, structure
from govsim.core.mechanisms import MODULES

SCENARIO_SECTIONS = ("layout", "routing", "incentives")
POPULATION_SECTIONS = ("demography", "initial", "needs", "behaviour", "workload")


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
    reference: bool = Field(False, description="the structure others are compared against")


def declarations(extra: tuple = ()) -> list[tuple[str, Par]]:
    """Every (owner, Par) of the structure, the population and the modules."""
    out = [("structure", p) for p in structure.PARS]
    out += [("population", p) for p in population.PARS]
    for m in (*MODULES, *extra):
        out += [(m.name, p) for p in m.pars]
    check_unique(out)
    return out


class Schemas:
    """The models of one set of declarations."""

    def __init__(self, decls: list[tuple[str, Par]]):
        self.declarations = decls
        pars = [p for _, p in decls]
        self.InstitutionSpec = section_model("InstitutionSpec", under(pars, "institutions.*."))
        sections = {
            s: section_model(s.capitalize(), under(pars, f"{s}.")) for s in SCENARIO_SECTIONS
        }
        self.sections = sections
        inst = self.InstitutionSpec

        class Scenario(Strict):
            scenario: Meta
            layout: sections["layout"] = sections["layout"]()  # type: ignore[valid-type]
            schedules: dict[str, list[HoursBlock]] = {}
            routing: sections["routing"]  # type: ignore[valid-type]
            institutions: dict[str, inst]  # type: ignore[valid-type]
            incentives: sections["incentives"] = sections["incentives"]()  # type: ignore[valid-type]
            # filled in by the loader (not from the file)
            sources: dict[str, str] = {}
            file: str = ""
            key: str = ""

            def schedule_of(self, item) -> WeeklySchedule:
                """The weekly hours of an institution or offer (a named schedule or blocks)."""
                hours = item.hours
                blocks = self.schedules[hours] if isinstance(hours, str) else hours
                return WeeklySchedule.from_blocks([(list(b.days), list(b.open)) for b in blocks])

        psections = {
            s: section_model(s.capitalize(), under(pars, f"{s}.")) for s in POPULATION_SECTIONS
        }
        self.population_sections = psections

        class Population(Strict):
            name_zh: str
            name_en: str
            demography: psections["demography"]  # type: ignore[valid-type]
            initial: psections["initial"]  # type: ignore[valid-type]
            needs: psections["needs"]  # type: ignore[valid-type]
            behaviour: psections["behaviour"]  # type: ignore[valid-type]
            workload: psections["workload"]  # type: ignore[valid-type]
            sources: dict[str, str] = {}
            file: str = ""
            key: str = ""

        self.Scenario = Scenario
        self.Population = Population


@cache
def schemas(extra: tuple = ()) -> Schemas:
    """The schemas of the built-in declarations plus those of ``extra`` modules."""
    return Schemas(declarations(extra))


def models() -> tuple[type[BaseModel], type[BaseModel], type[BaseModel]]:
    """(Scenario, InstitutionSpec, Population) of the built-in declarations."""
    s = schemas()
    return s.Scenario, s.InstitutionSpec, s.Population
