"""``govsim new experiment NAME``: a commented experiment file to start from.

The template states every key of an experiment file (``govsim.experiments.experiment``)
with what it takes; the defaults, the limits, the built-in structures, population profiles
and levers are read from where they are declared, so the template cannot drift from them.
It runs as written (a variant of each kind) and ``govsim batch NAME.toml --dry-run`` lists
its runs.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from string import Template

from govsim.config.reading import NAME_RULE, list_populations, valid_name
from govsim.config.scenario import MAX_DAYS, MAX_RESIDENTS, builtin_order
from govsim.core.levers import LEVER
from govsim.core.load import load_scenario
from govsim.core.streams import MAX_SEED
from govsim.experiments.experiment import OUTPUTS, VARIANT_RULE, Sampling, Settings
from govsim.results.store import DIRECTORY, OutputError, check_place

TEMPLATE = Template("""\
# Experiment "$name": the runs `govsim batch` makes.  Lines starting with # are comments;
# uncomment a key to use it.  Check the file and list its runs without running any:
#   govsim batch $name.toml --out results/$name --dry-run
# then run it (resumable: the same command again skips the runs already finished):
#   govsim batch $name.toml --out results/$name
# and read it:  govsim report results/$name --lang zh

[experiment]
# names as tables, charts and reports show them: both languages, or neither (then the
# file's name shows)
# name_zh = "…"
# name_en = "…"
# description_zh = "…"
# description_en = "…"

# the structures compared: built-in names or paths to scenario files (.toml, relative to
# this file).  Built in:
$structures
# Each is compared with what existed before it in its place (its file's `before`, run too
# when not listed); the first listed is the reference of those whose file names none.
structures = ["$first", "$second"]
# "before" (the above), or one structure's name: every other compared with that one
compare_with = "$compare_with"

# the population profiles: "declared" (each structure on its own file's profile) and/or
# profile names (every structure on that profile).  Profiles:
$populations
populations = ["declared"]

# replicate k runs on seed + k in every structure and variant: within a replicate they
# meet the same residents and the same needs (common random numbers)
replicates = $replicates
# 0 to $max_seed
seed = $seed
# 1 to $max_residents (govsim batch … --residents 2000 for a quick look)
residents = $residents
# 1 to $max_days
days = $days

# files kept beside summary.json and outcomes.parquet (always): daily (outcomes by day),
# needs (one row a need), hops (each hop of a need); [] for none
outputs = $outputs

# ---------------------------------------------------------------- variants
# A variant changes structures; each is compared with the unchanged structure on the same
# residents and needs.  An experiment has variants or [[ranges]] (below), not both.

# a variant's name (here fewer_tasks): $variant_rule
[variants.fewer_tasks]
name_zh = "居委会只保留5项行政任务"
name_en = "committee keeps 5 admin tasks"
# the structures it changes (leave out for every structure)
structures = ["$first"]
scenario = { "institutions.rc.admin_tasks" = 5 }    # scenario keys and their new values
# population = { "behaviour.peers" = 0.5 }         # population-profile keys
# remove = ["institutions.orgs"]                   # scenario keys deleted
source = "assumption: 5 of the tasks stay with the committee (say why, or quote a seed)"

# a lever of govsim/core/levers.py: it brings its names, the document of its reform
# and its changes to each structure (the structures it applies to must have what it needs).
# Levers:
$levers
[variants.no_street]
lever = "no_street"
structures = ["$first"]
# value = true                       # the lever's value (default: its reform's)
# [variants.several]                 # or several levers at once, each checked by its lever
# levers = { points = true, org_activities = 8 }   # (named from their names and values)

# ---------------------------------------------------------------- ranges (or variants)
# An assumption or a lever over a range, sampled as [sampling] says; every sampled point
# runs every structure on the same seeds.  Delete the variants above to use ranges.
# [[ranges]]
# key = "behaviour.peers"            # a dotted key of the file below
# file = "population"                # or "scenario" (then name the structures)
# structures = ["$first"]    # the structures whose files it changes
# name_zh = "邻里带动的权重"
# name_en = "weight of neighbours taking part"
# factor = [0.5, 1.5]                # × the file's value; instead of factor, either
#   low = 0.2                        # absolute bounds
#   high = 0.8
# or
#   choices = ["a", "b"]             # a few values, sampled with equal weight
# integer = false                    # round the sampled values (integer keys always are)
# source = "assumption: why this range"

# [sampling]
# "grid", "lhs"; "morris" or "sobol" for govsim sensitivity
# method = "$method"
# lhs: points; grid: levels of each range; morris: trajectories; sobol: base samples
# points = $points
# morris: levels of each range
# levels = $levels
# seed = $sampling_seed
""")


def experiment_template(name: str) -> str:
    """The commented experiment file ``name``.toml starts as."""
    settings, sampling = Settings.model_fields, Sampling.model_fields
    structures = builtin_order()
    # the second: a structure compared with the first (what existed before it in its
    # place), on the same people if one is (a plan of one population)
    first, *others = (load_scenario(s) for s in structures)
    after = [sc for sc in others if sc.scenario.before == first.key]
    second = min(after, key=lambda sc: sc.scenario.population != first.scenario.population).key
    return TEMPLATE.substitute(
        name=name,
        structures=_listed(structures),
        first=first.key,
        second=second,
        compare_with=settings["compare_with"].default,
        populations=_listed(list_populations()),
        replicates=settings["replicates"].default,
        seed=settings["seed"].default,
        max_seed=f"{MAX_SEED:,}",
        residents=settings["residents"].default,
        max_residents=f"{MAX_RESIDENTS:,}",
        days=settings["days"].default,
        max_days=f"{MAX_DAYS:,}",
        outputs="[" + ", ".join(f'"{o}"' for o in OUTPUTS) + "]",
        variant_rule=VARIANT_RULE,
        levers=_listed(LEVER),
        method=sampling["method"].default,
        points=sampling["points"].default,
        levels=sampling["levels"].default,
        sampling_seed=sampling["seed"].default,
    )


def _listed(names) -> str:
    """Names as comment lines of at most 86 characters."""
    return "\n".join(
        textwrap.wrap(", ".join(names), 86, initial_indent="# ", subsequent_indent="# ")
    )


def write_template(name: str, directory: Path) -> Path:
    """Write ``directory/name.toml`` (a trailing ``.toml`` of ``name`` is its suffix),
    making ``directory`` when it is missing; never over an existing file."""
    name = name.removesuffix(".toml")
    if not valid_name(name):
        raise OutputError(
            f"NAME {name!r}: an experiment's name must use {NAME_RULE} "
            "(it names the file, NAME.toml; --dir says where)"
        )
    # a directory, or a place where one can be made (as --out is): made when missing
    check_place("--dir", Path(directory), DIRECTORY)
    path = Path(directory) / f"{name}.toml"
    text = experiment_template(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"--dir {directory}: cannot make it ({e.strerror})") from None
    try:
        with path.open("x", encoding="utf-8") as f:  # "x": never over an existing file
            f.write(text)
    except FileExistsError:
        raise OutputError(
            f"{path}: exists; give another NAME or --dir (a file is never replaced)"
        ) from None
    return path
