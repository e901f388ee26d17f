"""``govsim design``: search the levers for designs that meet a community's goals.

The optimiser is pymoo's NSGA-II with its mixed-variable operators (switches, whole
numbers, numbers and choices), driven by ask and tell: each generation's candidates are
asked for, evaluated as one batch of govsim's own (``run_batch``: local processes or a Dask
cluster, failures recorded, resumable), and told back.  Why pymoo rather than the EMA
workbench's ``optimize``: ask-and-tell leaves the evaluation loop to govsim, so every
candidate runs through the same paired, resumable batch machinery as every other command
(the workbench's evaluators own the loop and run models their own way); and pymoo's
random stream is its own generator, so a search replays exactly.

Evaluation: a candidate is the starting structure with its levers set
(``levers.scenario_changes``), run on ``replicates`` paired seeds (replicate ``k`` on seed
``seed + k`` for every candidate: common random numbers), each outcome the mean over the
replicates.  With ``robust = true`` every candidate also runs over ``settings`` sampled
settings of the contested assumptions (``experiments/contested.toml``, a Latin hypercube),
and each outcome is read at the worst tenth of the settings (the 90th percentile of what
should be low, the 10th of what should be high): a design is kept for holding up where
the documents are read against it, not for its average.

Resuming: each generation is a batch in ``DIR/generations/gNNN``, and every evaluated
candidate a row of ``DIR/evaluations.parquet`` (written after each generation).  The
optimiser is deterministic given its seed and what it is told, so a search started again
replays from the first generation, takes every candidate already evaluated from the table
(and every run already finished from the generation's batch) and goes on where it stopped,
to the same front.

Goals are constraints (pymoo's ``G <= 0``, each scaled by its bound), objectives are
minimised (an outcome better higher is negated).  A candidate whose runs fail is recorded
with its failure and counts as missing every goal; the search goes on.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from govsim.design.goals import Goals, Target, Variable
from govsim.experiments.experiment import BASE, Experiment, Settings, Variant, digest, resolve
from govsim.results import store
from govsim.results.atomic import write_json, write_parquet

MANIFEST = "design.json"
EVALUATIONS = "evaluations.parquet"
GENERATIONS = "generations"
FAILED = 1e12  # what a failed candidate scores on every objective and goal (pymoo wants numbers)
# robust: each outcome read at the worst tenth of the contested settings — the
# 10th-percentile outcome (assumption: the worst tenth rather than the worst, so that one odd
# setting of six or ten does not decide alone)
ROBUST_QUANTILE = 0.1
START = "start"  # the starting structure's row: its levers as the file has them


class DesignError(RuntimeError):
    """The search cannot go on (a directory of another search …)."""


@dataclass
class SearchReport:
    out: Path
    generations: int
    evaluated: int  # candidates run by this start
    reused: int  # candidates taken from an earlier start
    failed: list[str] = field(default_factory=list)
    evaluations: pd.DataFrame | None = None


# ---------------------------------------------------------------- candidates
def candidate_name(levers: dict[str, Any]) -> str:
    """A candidate's name: the digest of its lever values (the same design, the same name)."""
    return "d" + digest({k: levers[k] for k in sorted(levers)})


def lever_changes(goals: Goals, sc, levers: dict[str, Any]) -> dict[str, Any]:
    """The scenario changes (dotted keys; None deletes) that set every lever of ``levers``
    on ``sc`` — a lever at the structure's own value too: another lever may have moved it
    (paid grid workers bring their own visits), and the design is what it says."""
    from govsim.core.levers import scenario_changes

    return scenario_changes(sc, {v.lever: levers[v.lever] for v in goals.variables})


def written_levers(goals: Goals, sc, levers: dict[str, Any]) -> dict[str, Any]:
    """The levers a design's file lists: those it moves from the starting structure's
    value, and any other whose value the moved ones would change (paid grid workers bring
    five visits a day: a design that keeps one visit lists it)."""
    from govsim.core.levers import LEVER, scenario_changes
    from govsim.core.load import load_scenario

    moved = {v.lever: levers[v.lever] for v in goals.variables if levers[v.lever] != v.current}
    after = load_scenario(goals.design.structure, changes=scenario_changes(sc, moved) or None)
    for v in goals.variables:
        if v.lever in moved:
            continue
        lever = LEVER[v.lever]
        target = lever.target(after)
        if target is not None and lever.current(after, target) != levers[v.lever]:
            moved[v.lever] = levers[v.lever]
    return {v.lever: moved[v.lever] for v in goals.variables if v.lever in moved}


def _variant(changes: dict[str, Any], population: dict[str, Any] | None = None) -> Variant:
    return Variant(
        scenario={k: v for k, v in changes.items() if v is not None},
        remove=[k for k, v in changes.items() if v is None],
        population=population or {},
    )


# ---------------------------------------------------------------- the problem (pymoo)
def _problem(goals: Goals):
    from pymoo.core.problem import Problem
    from pymoo.core.variable import Binary, Choice, Integer, Real

    def var(v: Variable):
        if v.kind == "switch":
            return Binary()
        if v.kind == "choice":
            return Choice(options=list(v.choices))
        if v.kind == "int":
            return Integer(bounds=(int(v.low), int(v.high)))
        return Real(bounds=(v.low, v.high))

    class DesignProblem(Problem):
        def __init__(self):
            super().__init__(
                vars={v.lever: var(v) for v in goals.variables},
                n_obj=len(goals.objectives),
                n_ieq_constr=len(goals.goals),
            )

    return DesignProblem()


def _algorithm(goals: Goals):
    from pymoo.algorithms.moo.nsga2 import NSGA2, RankAndCrowding
    from pymoo.core.mixed import (
        MixedVariableDuplicateElimination,
        MixedVariableMating,
        MixedVariableSampling,
    )

    return NSGA2(
        pop_size=goals.search.candidates,
        sampling=MixedVariableSampling(),
        mating=MixedVariableMating(eliminate_duplicates=MixedVariableDuplicateElimination()),
        eliminate_duplicates=MixedVariableDuplicateElimination(),
        survival=RankAndCrowding(),
    )


def scores(goals: Goals, row: dict) -> tuple[list[float], list[float]]:
    """A candidate's objectives (minimised) and goals (``<= 0`` when met), scaled by each
    goal's bound (so that a day late and a point of participation short weigh alike)."""
    if row.get("failed"):
        return [FAILED] * len(goals.objectives), [FAILED] * len(goals.goals)
    f = [row[o.outcome] if o.sense == "min" else -row[o.outcome] for o in goals.objectives]
    g = [violation(t, row[t.outcome]) for t in goals.goals]
    return f, g


def meets(goals: Goals, values) -> bool:
    """Whether outcomes ``values`` (a row, by column) meet every goal."""
    return all(violation(t, values[t.outcome]) <= 0 for t in goals.goals)


def violation(t: Target, value: float) -> float:
    """How far ``value`` misses goal ``t``, as a share of the bound (<= 0: met)."""
    scale = abs(t.bound) or 1.0
    return (value - t.bound) / scale if t.sense == "min" else (t.bound - value) / scale


# ---------------------------------------------------------------- the search
def search(
    goals: Goals,
    out: Path,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
) -> SearchReport:
    """Run (or go on with) the search of ``goals`` in ``out``; returns every evaluation.

    Raises ``store.OutputError`` before any work for an unusable ``out`` or one holding
    another search (unless ``force``)."""

    out = Path(out)
    store.check_out(out)
    with store.lock(out), one_cluster(executor, workers, scheduler) as scheduler:
        return search_locked(goals, out, workers, executor, scheduler, force, progress)


def search_locked(goals, out, workers, executor, scheduler, force, progress) -> SearchReport:
    """``search`` in ``out``, which the caller has locked."""
    from pymoo.core.termination import NoTermination

    cache = _prepare(goals, out, force)
    report = SearchReport(out, goals.search.generations, 0, 0)
    evaluator = _Evaluator(goals, out, workers, executor, scheduler, progress, report, force)
    algorithm = _algorithm(goals)
    algorithm.setup(
        _problem(goals), termination=NoTermination(), seed=goals.search.seed, verbose=False
    )
    for gen in range(goals.search.generations + 1):
        pop = algorithm.ask()
        candidates = []
        for ind in pop:
            levers = {v.lever: v.snap(ind.X[v.lever]) for v in goals.variables}
            ind.X = dict(levers)
            candidates.append(levers)
        evaluator.evaluate(gen, candidates, cache)
        rows = [cache[candidate_name(c)] for c in candidates]
        f, g = zip(*(scores(goals, r) for r in rows), strict=True)
        pop.set("F", np.array(f, dtype=float), "G", np.array(g, dtype=float))
        algorithm.tell(infills=pop)
    report.evaluations = evaluations_table(goals, cache)
    return report


@contextlib.contextmanager
def one_cluster(executor: str, workers: int, scheduler: str | None):
    """The scheduler every generation's batch uses: with ``executor = "dask"`` and no
    scheduler given, one ``LocalCluster`` for the whole search (not one a generation)."""
    if executor != "dask" or scheduler:
        yield scheduler
        return
    import logging

    from distributed import LocalCluster

    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        yield cluster.scheduler_address


def evaluations_table(goals: Goals, cache: dict[str, dict]) -> pd.DataFrame:
    """Every candidate evaluated (the starting structure first), in the order evaluated."""
    rows = sorted(cache.values(), key=lambda r: (r["generation"], r["order"]))
    table = pd.DataFrame(rows)
    table["met"] = [not r["failed"] and meets(goals, r) for r in rows]
    return table


def _prepare(goals: Goals, out: Path, force: bool) -> dict[str, dict]:
    """Make ``out`` ready for the search; return the candidates already evaluated there."""
    config = goals.config()
    h = digest(config)
    path = out / MANIFEST
    old = None
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise store.OutputError(f"{path}: not a readable design manifest ({e})") from None
        if not isinstance(old, dict) or "config_hash" not in old:
            raise store.OutputError(f"{path}: not a govsim design manifest")
    elif any(p.name in store.OURS for p in out.iterdir()) and not force:
        raise store.OutputError(
            f"--out {out}: holds the results of a batch, not of a design search; choose a new "
            "directory"
        )
    if old is not None and old["config_hash"] != h and not force:
        raise store.OutputError(
            f"--out {out}: holds another design search ({old.get('goals')!r}, configuration "
            f"{old['config_hash']}; this one is {goals.key!r}, {h}); choose a new directory, or "
            "add --force to start this one there (the other's evaluations are removed)"
        )
    cache: dict[str, dict] = {}
    table = out / EVALUATIONS
    if old is not None and old["config_hash"] == h and table.exists():
        for r in pd.read_parquet(table).to_dict("records"):
            cache[r["name"]] = _row_from_parquet(r)
    elif old is not None:  # forced over another search: its record and what it wrote at
        # the top go (only ours); each of its batches is replaced by the new search's batch
        # in its place (``run_batch`` with ``force``: only what govsim wrote there)
        table.unlink(missing_ok=True)
        remove_outputs(out, old)
    if old is not None and old["config_hash"] == h:
        designs = old.get("designs", {})
    else:
        designs = {}
    write_json(
        path,
        {
            "goals": goals.key,
            "file": goals.file,
            "config_hash": h,
            "config": config,
            "raw": goals.raw,  # the goals file as read (its names and sources too)
            "version": _version(),
            "finished": False,  # true once every output is written (outputs.run_design)
            "designs": designs,  # the design files written: name -> sha256
        },
    )
    return cache


OUTPUTS = (
    "evaluations.csv",
    "front.parquet",
    "front.csv",
    "structures.csv",
    "convergence.csv",
    *(f"front_{lang}.{ext}" for lang in ("zh", "en") for ext in ("png", "svg")),
)


def remove_outputs(out: Path, manifest: dict) -> None:
    """What an earlier search wrote at the top of ``out`` (by name, regular files only) and
    the design files it recorded, each only while it is as written (its sha256): a design
    file someone edited is theirs and stays."""
    import hashlib

    for name in OUTPUTS:
        p = out / name
        if p.is_file() and not p.is_symlink():
            p.unlink()
    for name, sha in manifest.get("designs", {}).items():
        if not re.fullmatch(r"[\w.-]+\.toml", str(name)) or ".." in str(name):
            continue  # not a name this search writes
        p = out / "designs" / name
        if p.is_file() and not p.is_symlink():
            if hashlib.sha256(p.read_bytes()).hexdigest() == sha:
                p.unlink()


def _row_from_parquet(r: dict) -> dict:
    r = dict(r)
    r["levers"] = json.loads(r.pop("levers_json"))
    for k in [k for k in r if k.startswith("lever.") or k == "met"]:
        del r[k]
    return r


def _version() -> str:
    from govsim.version import __version__

    return __version__


class _Evaluator:
    """Evaluates a generation's new candidates as one batch and adds them to the cache."""

    def __init__(self, goals, out, workers, executor, scheduler, progress, report, force):
        from govsim.core.load import load_scenario

        self.goals, self.out, self.report = goals, out, report
        self.workers, self.executor, self.scheduler = workers, executor, scheduler
        self.progress, self.force = progress, force
        self.invalid: dict[str, str] = {}  # candidates that are no valid structure: why
        self.start = load_scenario(goals.design.structure)
        self.settings = None
        self.start_done = False
        if goals.search.robust:
            self.contested, self.points, self.population = _contested(goals, self.start)
            self.settings = self._settings_of(self.start)

    def evaluate(self, gen: int, candidates: list[dict], cache: dict[str, dict]) -> None:
        fresh: dict[str, dict] = {}
        for c in candidates:
            name = candidate_name(c)
            if name not in cache and name not in fresh:
                fresh[name] = c
        if not fresh and (gen > 0 or START in cache):
            self.report.reused += len(candidates)
            return
        self.report.reused += len(candidates) - len(fresh)
        self.start_done = START in cache
        exp = self._experiment(gen, self._variants(fresh))
        batch_dir = self.out / GENERATIONS / f"g{gen:03d}"
        from govsim.experiments.batch import run_batch

        runs = resolve(exp)
        if START in cache:  # the starting structure is evaluated once, in the first batch
            runs = [r for r in runs if r.variant != BASE and not r.variant.startswith(START)]
        values: dict[str, dict] = {}
        if runs:  # (none when every new candidate is no valid structure)
            rep = run_batch(
                exp,
                batch_dir,
                workers=min(self.workers, len(runs)),
                executor=self.executor,
                scheduler=self.scheduler,
                force=self.force,
                progress=self.progress,
                runs=runs,
            )
            self.report.failed += rep.failed
            values = self._read(batch_dir, runs, rep.failed)
        self.report.evaluated += len(fresh)
        order = len(cache)
        if START not in cache:
            start = {v.lever: v.current for v in self.goals.variables}
            cache[START] = self._row(START, gen, order, start, values.get(BASE))
            order += 1
        for i, (name, levers) in enumerate(fresh.items()):
            cache[name] = self._row(name, gen, order + i, levers, values.get(name))
        _write_evaluations(self.out, self.goals, cache)

    def _settings_of(self, own) -> dict[str, tuple[dict, dict]]:
        """The contested settings for a candidate whose structure is ``own`` (loaded, its
        levers set): each range applied to its values, as to the starting structure's (a
        factor multiplies the value the candidate has: a design that sets the committee's
        staff is as uncertain about them as the structure it starts from)."""
        from govsim.experiments.experiment import point_changes

        dump = own.model_dump()
        return {
            p: point_changes(self.contested, pt, self.start.key, dump, self.population)
            for p, pt in self.points.items()
        }

    def _variants(self, fresh: dict[str, dict]) -> dict[str, Variant]:
        """The batch's variants for the new candidates (one per contested setting when
        robust).  A candidate that is no valid structure — levers that together ask for
        something a file may not say, or windows its staff cannot hold open — is recorded
        as failed, with why, and not run."""
        from govsim.config.reading import ScenarioError
        from govsim.core.levers import understaffed
        from govsim.core.load import load_scenario

        structure = self.goals.design.structure
        variants: dict[str, Variant] = {}
        for name, levers in fresh.items():
            try:
                changes = lever_changes(self.goals, self.start, levers)
                sc = load_scenario(structure, changes=changes or None)
                problems = understaffed(sc)
                if problems:
                    raise ValueError("windows its staff cannot hold open: " + "; ".join(problems))
                if self.settings is None:
                    planned = {name: _variant(changes)}
                else:
                    planned = {}
                    for p, (sc_ch, pop_ch) in self._settings_of(sc).items():
                        both = {**changes, **sc_ch}
                        load_scenario(structure, changes=both)
                        planned[f"{name}_{p}"] = _variant(both, pop_ch)
            except (ScenarioError, ValueError) as e:
                self.invalid[name] = str(e)
                continue
            variants.update(planned)
        if self.settings is not None and not self.start_done:
            for p, (sc_ch, pop_ch) in self.settings.items():
                variants[f"{START}_{p}"] = _variant(sc_ch, pop_ch)
        return variants

    def _row(self, name, gen, order, levers, values) -> dict:
        row = {"name": name, "generation": gen, "order": order, "levers": levers}
        targets = [*self.goals.objectives, *self.goals.goals]
        if values is not None and not all(math.isfinite(values[t.outcome]) for t in targets):
            values, why = None, "an outcome is not a number (no case of its kind in the run)"
        else:
            why = "" if values is not None else "a run failed"
        row["failed"] = values is None
        row["why"] = self.invalid.get(name, why)
        for t in targets:
            row[t.outcome] = float("nan") if values is None else float(values[t.outcome])
        if values is not None and "settings_met" in values:
            row["settings_met"] = float(values["settings_met"])
        return row

    def _experiment(self, gen: int, variants: dict[str, Variant]) -> Experiment:
        d = self.goals.design
        settings = Settings(
            name_zh=f"{self.goals.design.name_zh}（第{gen}代）" if d.name_zh else "",
            name_en=f"{self.goals.design.name_en} (generation {gen})" if d.name_en else "",
            structures=[d.structure],
            populations=[d.population],
            replicates=d.replicates,
            residents=d.residents,
            days=d.days,
            seed=d.seed,
            outputs=[],
            compare_with=d.structure,
        )
        return Experiment(f"{self.goals.key}_g{gen:03d}", settings, variants)

    def _read(self, batch_dir: Path, runs, failed: list[str]) -> dict[str, dict]:
        """Each variant's outcomes (the mean over replicates; robust: read over the
        settings), or nothing for a variant any of whose runs failed."""
        means = outcome_means(self.goals, batch_dir, runs, failed, "variant")
        if means is None:
            return {}
        if self.settings is None:
            return {v: means.loc[v].to_dict() for v in means.index}
        out = {}
        names = {v.rsplit("_", 1)[0] for v in means.index if v != BASE}
        for name in names:
            keys = [f"{name}_{p}" for p in self.settings]
            if not all(k in means.index for k in keys):
                continue
            sub = means.loc[keys]
            values = {}
            for t in [*self.goals.objectives, *self.goals.goals]:
                q = ROBUST_QUANTILE if t.sense == "max" else 1 - ROBUST_QUANTILE
                values[t.outcome] = float(np.quantile(sub[t.outcome].to_numpy(float), q))
            met = [meets(self.goals, setting) for _, setting in sub.iterrows()]
            values["settings_met"] = float(np.mean(met))
            out[BASE if name == START else name] = values
        return out


def outcome_means(goals: Goals, batch_dir: Path, runs, failed: list[str], by: str):
    """The goals' and objectives' columns of a finished batch, the mean over replicates of
    each ``by`` (variant or structure), leaving out any of them one of whose runs failed
    (all its replicates, or none: paired); None when none is left."""
    from govsim.core.summary import OUTCOMES
    from govsim.experiments.batch import outcome_rows
    from govsim.results.tables import with_views

    broken = {getattr(r, by) for r in runs if r.partition in set(failed)}
    done = [r for r in runs if getattr(r, by) not in broken]
    if not done:
        return None
    table, _ = with_views(outcome_rows(batch_dir, done), {k: o.unit for k, o in OUTCOMES.items()})
    columns = list(dict.fromkeys(t.outcome for t in [*goals.objectives, *goals.goals]))
    return table.groupby(by, sort=False)[columns].mean()


def _contested(goals: Goals, start):
    """The contested assumptions (``experiments/contested.toml``) sampled at ``settings``
    points of a Latin hypercube, the points by name, and the population they apply to."""
    from govsim.core.load import load_population
    from govsim.experiments.experiment import load_experiment, with_sampling

    contested = with_sampling(load_experiment("contested"), "lhs", goals.search.settings)
    d = goals.design
    population = load_population(
        d.population if d.population != "declared" else start.scenario.population
    )
    return contested, {f"s{i:02d}": pt for i, pt in enumerate(contested.points)}, population


def _write_evaluations(out: Path, goals: Goals, cache: dict[str, dict]) -> None:
    rows = []
    for r in sorted(cache.values(), key=lambda r: (r["generation"], r["order"])):
        row = {k: v for k, v in r.items() if k != "levers"}
        row["met"] = not r["failed"] and meets(goals, r)
        row["levers_json"] = json.dumps(r["levers"], sort_keys=True)
        for v in goals.variables:
            row[f"lever.{v.lever}"] = r["levers"][v.lever]
        rows.append(row)
    table = pd.DataFrame(rows)
    for v in goals.variables:  # one type per lever column (Parquet): switches as bools
        col = f"lever.{v.lever}"
        if v.kind == "switch":
            table[col] = table[col].astype(bool)
        elif v.kind in ("int", "float"):
            table[col] = table[col].astype(float if v.kind == "float" else "int64")
        else:
            table[col] = table[col].map(json.dumps)
    write_parquet(out / EVALUATIONS, table)
