"""``govsim batch``: run an experiment's runs, resumably, on this machine or a Dask cluster.

Every run is an independent, deterministic job (``execute``): it loads its structure and
population with their changes, runs the model and returns its files as bytes; the batch
writes each finished run at once (``store.write_run_dir``), so a batch killed at any moment
loses only the runs in flight, and the same command started again skips every finished run
whose configuration hash matches.  A run that raises is recorded with its traceback under
``failures/`` and the batch goes on.  SIGINT and SIGTERM stop the workers and leave the
directory resumable.

Executors: ``local`` (one process, or a pool of ``workers`` processes) and ``dask`` (a
``distributed.LocalCluster`` of ``workers`` processes, or an existing cluster at
``scheduler``).  Results do not depend on the executor or the number of workers: each run's
outputs depend on its inputs only, and the tables are built from the files in planned order.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import threading
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from govsim.experiments.experiment import Experiment, RunSpec, resolve
from govsim.results import store
from govsim.results.atomic import write_csv, write_json
from govsim.results.tables import VIEWS


class BatchInterrupted(Exception):
    """SIGINT or SIGTERM: the workers were stopped; finished runs are kept."""


@dataclass
class BatchReport:
    out: Path
    planned: int
    skipped: int  # finished before this start
    ran: int = 0
    failed: list[str] = field(default_factory=list)  # run partitions

    @property
    def complete(self) -> bool:
        return not self.failed and self.skipped + self.ran == self.planned


# ---------------------------------------------------------------- one run (in a worker)


def execute(run: RunSpec, commit: str | None = None) -> tuple[dict[str, bytes], dict]:
    """Run one planned run and return its files (name -> bytes) and its summary.  The
    model is built from the structure and population validated when the batch was planned
    (``run.scenario_data``), not from the files again."""
    from govsim.core.load import Population, Scenario, load_population, load_scenario
    from govsim.core.model import GovernanceModel
    from govsim.results.run_files import run_files

    if run.scenario_data is not None:
        sc = Scenario.model_validate(run.scenario_data)
        pop = Population.model_validate(run.population_data)
    else:
        sc = load_scenario(run.scenario, changes=dict(run.scenario_changes) or None)
        pop = load_population(run.profile, changes=dict(run.population_changes) or None)
    model = GovernanceModel(sc, residents=run.residents, seed=run.seed, population=pop)
    model.run(run.days)
    settings = {
        "key": run.key,
        "reference": run.reference,
        "structure": run.structure,
        "variant": run.variant,
        "population": run.population,
        "replicate": run.replicate,
        "seed": run.seed,
        "residents": run.residents,
        "days": run.days,
        "scenario_changes": dict(run.scenario_changes),
        "population_changes": dict(run.population_changes),
        "config_hash": run.config_hash,
        "git_commit": commit,
    }
    return run_files(model, settings, run.columns, run.outputs)


def execute_safely(run: RunSpec, commit: str | None = None) -> tuple[str, object]:
    """``("ok", files)`` or ``("error", traceback)``: a run that raises does not stop the
    batch."""
    try:
        files, _ = execute(run, commit)
        return "ok", files
    except Exception:
        return "error", traceback.format_exc()


# ---------------------------------------------------------------- executors


def _init_worker(batch_pid: int) -> None:
    """Workers leave Ctrl-C to the batch, and end when the batch's process is gone (killed
    with SIGKILL, it cannot stop them): a thread checks it once a second."""
    import os

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch():
        import time

        while True:
            try:
                os.kill(batch_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            time.sleep(1.0)

    threading.Thread(target=watch, daemon=True, name="govsim-parent-watch").start()


class LocalPool:
    """A pool of worker processes (forkserver where available).  At most ``workers`` runs
    are in flight at a time, so a stop cancels little and a worker that dies (killed, out of
    memory) costs only the runs in flight: they are reported as failed, a new pool is
    started and the batch goes on."""

    def __init__(self, workers: int):
        methods = mp.get_all_start_methods()
        self.ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
        self.workers = workers
        self.ex = self._pool()

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self.ctx,
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )

    def results(self, runs: list[RunSpec], commit: str | None = None):
        queue = list(reversed(runs))
        running: dict = {}
        while queue or running:
            while queue and len(running) < self.workers:
                r = queue.pop()
                running[self.ex.submit(execute_safely, r, commit)] = r
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = False
            for f in done:
                r = running.pop(f)
                try:
                    yield r, f.result()
                except BrokenProcessPool:
                    broken = True
                    yield (
                        r,
                        ("error", "the worker process running it died (killed, or out of memory)"),
                    )
            if broken:  # the other runs in flight died with the pool: run them again
                for f, r in running.items():
                    f.cancel()
                    queue.append(r)
                running = {}
                self.ex.shutdown(wait=False, cancel_futures=True)
                self.ex = self._pool()

    def stop(self) -> None:
        # stop at once: pending runs are cancelled, runs in flight are killed
        procs = list((getattr(self.ex, "_processes", None) or {}).values())
        self.ex.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            with contextlib.suppress(Exception):
                p.terminate()
        for p in procs:
            with contextlib.suppress(Exception):
                p.join(timeout=5)

    def close(self) -> None:
        self.ex.shutdown(wait=True)


class Serial:
    """Runs in this process, one after another."""

    def results(self, runs, commit: str | None = None):
        for r in runs:
            yield r, execute_safely(r, commit)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


class DaskPool:
    """Runs on Dask distributed: a ``LocalCluster`` of ``workers`` processes, or the
    cluster whose scheduler is at ``scheduler`` (``tcp://host:port``).  Workers need govsim
    installed; they return the files, so no shared disk is needed."""

    def __init__(self, workers: int, scheduler: str | None = None):
        import logging

        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise store.OutputError(
                    f"--scheduler {scheduler}: no Dask scheduler answers there ({e})"
                ) from None
        else:
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster)
        self.futures = []

    def results(self, runs, commit: str | None = None):
        from distributed import as_completed

        by_key = {}
        for r in runs:
            f = self.client.submit(execute_safely, r, commit, pure=False, retries=0)
            by_key[f.key] = r
            self.futures.append(f)
        for f in as_completed(self.futures):
            yield by_key[f.key], f.result()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.client.cancel(self.futures)
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()


def make_executor(executor: str, workers: int, scheduler: str | None, n_runs: int):
    if executor == "dask" or scheduler:
        return DaskPool(max(1, min(workers, n_runs)), scheduler)
    if executor != "local":
        raise ValueError(f"executor must be 'local' or 'dask', got {executor!r}")
    if workers <= 1 or n_runs <= 1:
        return Serial()
    return LocalPool(min(workers, n_runs))


@contextlib.contextmanager
def _stop_on_signals():
    """SIGTERM is handled like Ctrl-C (KeyboardInterrupt) while the batch runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


# ---------------------------------------------------------------- the batch


def comparison_meta(exp: Experiment, runs: list[RunSpec]) -> dict:
    """What charts and reports need to know about the runs (kept in the manifest)."""

    order = list(dict.fromkeys(r.key for r in runs))
    first = {}
    for r in runs:
        first.setdefault(r.key, r)
    names = {}
    vnames = exp.variant_names()
    for k, r in first.items():
        sc = r.scenario_data["scenario"] if r.scenario_data else {}
        names[k] = {"zh": sc.get("name_zh", k), "en": sc.get("name_en", k)}
    return {
        "experiment": exp.key,
        "name": {"zh": exp.settings.name_zh, "en": exp.settings.name_en},
        "keys": order,
        "structure_names": names,
        "reference": order[0],
        "reference_of": {k: r.reference for k, r in first.items()},
        "structures": {k: r.structure for k, r in first.items()},
        "variants": {k: r.variant for k, r in first.items()},
        "variant_names": {r.variant: vnames.get(r.variant, {}) for r in first.values()},
        "populations": {k: r.population for k, r in first.items()},
        "residents": exp.settings.residents,
        "days": exp.settings.days,
        "seed": exp.settings.seed,
        "replicates": exp.settings.replicates,
        "population": ", ".join(exp.settings.populations),
        "seeds": [exp.settings.seed + k for k in range(exp.settings.replicates)],
    }


def run_batch(
    exp: Experiment,
    out: Path,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
    runs: list[RunSpec] | None = None,
) -> BatchReport:
    """Run every unfinished run of ``exp`` into ``out``; write the tables when all are done.

    Raises ``store.OutputError`` (before any work) for an unusable or foreign ``out``, a
    directory another batch is running in, or an unreachable scheduler, and
    ``BatchInterrupted`` on SIGINT/SIGTERM (finished runs kept)."""
    out = Path(out)
    runs = runs if runs is not None else resolve(exp)
    store.check_out(out)
    with store.lock(out), _stop_on_signals():
        try:
            return _run_locked(exp, out, runs, workers, executor, scheduler, force, progress)
        except KeyboardInterrupt:
            store.remove_inflight(out)
            raise BatchInterrupted(
                f"stopped: {_finished(out, runs)} of {len(runs)} runs finished in {out}; "
                "run the same command again to go on"
            ) from None
        except OSError as e:  # the manifest or the tables cannot be written: a full disk
            store.remove_inflight(out)
            raise store.OutputError(
                f"--out {out}: cannot write {e.filename or out} ({e.strerror}); "
                f"{_finished(out, runs)} of {len(runs)} runs finished and kept: "
                "run the same command again to go on"
            ) from None


def _finished(out: Path, runs: list[RunSpec]) -> int:
    return sum(store.check_run(out, e) is None for e in store.manifest_runs(runs))


def _write_run(out: Path, run: RunSpec, files: dict[str, bytes], report, bar) -> None:
    """Write a finished run; a run that cannot be written is recorded as failed (if even
    that can be written) in one line, and when no other run could be written either (a full
    disk, a file-size limit) the batch stops: ``store.OutputError``, finished runs kept."""
    try:
        store.write_run_dir(out, run.partition, files)
    except OSError as e:
        where = e.filename or out / "runs" / run.partition
        why = f"cannot write run {run.partition}: {where}: {e.strerror}"
        recorded = store.record_failure(out, run, why)
        report.failed.append(run.partition)
        if e.errno in store.NO_ROOM:
            store.remove_inflight(out)
            raise store.OutputError(
                f"--out {out}: {why}; {report.skipped + report.ran} of {report.planned} runs "
                "finished and kept: make room and run the same command again"
            ) from None
        bar.write(
            f"govsim: {why}"
            + (f" (recorded in {store.failure_path(out, run.partition)})" if recorded else ""),
            file=sys.stderr,
        )
        return
    store.clear_failure(out, run.partition)
    report.ran += 1


def _run_locked(exp, out, runs, workers, executor, scheduler, force, progress) -> BatchReport:
    from tqdm import tqdm

    pool = None
    if executor == "dask" or scheduler:  # connect first: an unreachable cluster costs nothing
        pool = make_executor(executor, workers, scheduler, len(runs))
    try:
        store.prepare(out, exp, force, keep={r.partition: r.config_hash for r in runs})
        commit = store.git_commit()  # of this start: the manifest's and each new run's
        m = store.manifest(exp, runs, comparison_meta(exp, runs), commit)
        write_json(out / store.MANIFEST, m)
        todo = [
            r for r, e in zip(runs, m["runs"], strict=True) if store.check_run(out, e) is not None
        ]
        report = BatchReport(out, len(runs), len(runs) - len(todo))
        if todo:
            for name in store.TABLES:  # tables of other runs than these would be stale
                (out / name).unlink(missing_ok=True)
            pool = pool or make_executor(executor, workers, scheduler, len(todo))
            bar = tqdm(
                total=len(runs),
                initial=report.skipped,
                desc=exp.key,
                unit="run",
                file=sys.stderr,
                disable=None if progress else True,
                smoothing=0.1,
            )
            try:
                for run, (status, payload) in pool.results(todo, commit):
                    if status == "ok":
                        _write_run(out, run, payload, report, bar)
                    else:
                        recorded = store.record_failure(out, run, payload)
                        report.failed.append(run.partition)
                        where = store.failure_path(out, run.partition)
                        bar.write(
                            f"govsim: run {run.partition} failed; "
                            + (
                                f"traceback in {where}"
                                if recorded
                                else f"its traceback could not be written ({where})"
                            ),
                            file=sys.stderr,
                        )
                    bar.update(1)
            finally:
                bar.close()
        store.remove_inflight(out)
        if report.complete:
            write_tables(out, runs, m["comparison"])
        return report
    except BaseException:
        if pool is not None:
            pool.stop()
            pool = None
        raise
    finally:
        if pool is not None:
            pool.close()


def outcome_rows(out: Path, runs: list[RunSpec]) -> pd.DataFrame:
    """One row per run (planned order): key, partition columns, seed and every outcome."""
    frames = [
        store.read_outcomes(Path(out) / "runs" / r.partition, r.key, r.replicate) for r in runs
    ]
    return pd.concat(frames, ignore_index=True)


def write_tables(out: Path, runs: list[RunSpec], meta: dict) -> pd.DataFrame:
    """``runs.csv`` (one row per run), ``summary.csv`` (means and intervals by run key),
    ``paired.csv`` (each run key minus its reference, replicate by replicate, with the
    outcome's unit) and ``columns.csv`` (each column of ``runs.csv``: its outcome, group,
    unit and names); returns the summary.

    A run is named by ``key`` (its run key: the structure, ``--variant``, ``@population``),
    ``structure``, ``variant``, ``population`` and ``replicate``, as in the manifest and the
    run directories; a time kept in hours is given in days beside it (``tables.VIEWS``)."""
    from govsim.core.summary import OUTCOMES, per_replicate
    from govsim.results.tables import (
        codebook,
        paired_differences,
        summarize_runs,
        view_name,
        with_views,
    )

    table, units = with_views(outcome_rows(out, runs), {k: o.unit for k, o in OUTCOMES.items()})
    summary = summarize_runs(table, meta["keys"], units)
    columns = [
        c
        for k in per_replicate()
        for c in ((k, view_name(k, units[k])) if units[k] in VIEWS else (k,))
    ]
    paired = paired_differences(table, meta["reference_of"], columns)
    paired.insert(paired.columns.get_loc("outcome") + 1, "unit", paired["outcome"].map(units))
    outcomes = {k: {"en": o.en, "zh": o.zh, "unit": o.unit} for k, o in OUTCOMES.items()}
    write_csv(Path(out) / "runs.csv", table)
    write_csv(Path(out) / "summary.csv", summary)
    write_csv(Path(out) / "paired.csv", paired)
    write_csv(Path(out) / "columns.csv", codebook(table, outcomes, units))
    return summary
