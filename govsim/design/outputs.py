"""``govsim design GOALS --out DIR``: the search, then everything it leaves in ``DIR``.

- ``evaluations.parquet`` / ``.csv``: every candidate evaluated (its levers as
  ``lever.<key>`` columns, its outcomes, whether it met the goals, its generation);
- ``front.parquet`` / ``.csv``: the designs on the front (``front.front``);
- ``designs/<goals>_<n>.toml``: each design on the front as a scenario file that extends the
  starting structure and sets only the levers it moves (loadable by every command);
- ``structures/``: a batch of every built-in structure on the same people and seeds, and
  ``structures.csv``: where each stands against the goals and the front;
- ``convergence.csv``: the front's hypervolume by generation;
- ``front_zh.png`` / ``front_en.png`` (and SVG): the front and the built-in structures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from govsim.design import front as fr
from govsim.design.goals import Goals
from govsim.design.search import EVALUATIONS, START, SearchReport
from govsim.results.atomic import atomic_write, write_csv, write_parquet


@dataclass
class DesignResult:
    search: SearchReport
    evaluations: pd.DataFrame
    front: pd.DataFrame
    structures: pd.DataFrame
    convergence: pd.DataFrame
    files: list[Path]


def builtin_structures(goals: Goals) -> list[str]:
    """The built-in structures placed beside the front: every scenario file of the package
    (the starting structure among them)."""
    from govsim.config.reading import list_scenarios

    return [s for s in list_scenarios() if s not in ("calibrated", "norms")]


def evaluate_structures(goals: Goals, out: Path, workers, executor, scheduler, progress, force):
    """Every built-in structure on the search's people and seeds (one batch in
    ``DIR/structures``): each outcome the mean over the replicates."""
    from govsim.core.load import load_scenario
    from govsim.design.search import outcome_means
    from govsim.experiments.batch import run_batch
    from govsim.experiments.experiment import Experiment, Settings, resolve

    d = goals.design
    start = load_scenario(d.structure)
    population = d.population if d.population != "declared" else start.scenario.population
    names = builtin_structures(goals)
    settings = Settings(
        structures=names,
        populations=[population],
        replicates=d.replicates,
        residents=d.residents,
        days=d.days,
        seed=d.seed,
        outputs=[],
        compare_with=names[0],
    )
    exp = Experiment(f"{goals.key}_structures", settings)
    runs = [r for r in resolve(exp)]
    rep = run_batch(
        exp,
        out / fr.STRUCTURES,
        workers=min(workers, len(runs)),
        executor=executor,
        scheduler=scheduler,
        force=force,
        progress=progress,
        runs=runs,
    )
    means = outcome_means(goals, out / fr.STRUCTURES, runs, rep.failed, "structure")
    if means is None:  # every structure failed: none to place beside the front
        columns = dict.fromkeys(t.outcome for t in [*goals.objectives, *goals.goals])
        return pd.DataFrame(columns=["structure", *columns])
    return means.reset_index()


def run_design(
    goals: Goals,
    out: Path,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
    charts: bool = True,
) -> DesignResult:
    """The search, then its front, the built-in structures on the same people, the design
    files and the charts (one Dask cluster for all of it when ``executor = "dask"``)."""
    from govsim.design.search import one_cluster
    from govsim.results import store

    out = Path(out)
    store.check_out(out)
    with store.lock(out), one_cluster(executor, workers, scheduler) as scheduler:
        result = _run_design(goals, out, workers, executor, scheduler, force, progress, charts)
        _finish(out, result)
        return result


def _finish(out: Path, result: DesignResult) -> None:
    """Mark the search's directory finished, with the design files it wrote (by sha256:
    the next search there removes only those still as written)."""
    import hashlib
    import json

    from govsim.design.search import MANIFEST
    from govsim.results.atomic import write_json

    m = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    m["designs"] = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in result.files
        if p.parent.name == fr.DESIGNS
    }
    m["finished"] = True
    write_json(out / MANIFEST, m)


def _run_design(goals, out, workers, executor, scheduler, force, progress, charts):
    from govsim.design.search import MANIFEST, remove_outputs, search_locked

    report = search_locked(goals, out, workers, executor, scheduler, force, progress)
    import json

    # what the last start wrote goes before this one writes (a front of other candidates)
    remove_outputs(out, json.loads((out / MANIFEST).read_text(encoding="utf-8")))
    ev = report.evaluations
    front = fr.front(goals, ev)
    conv = fr.convergence(goals, ev)
    structures = evaluate_structures(goals, out, workers, executor, scheduler, progress, force)
    standing = fr.standing(goals, front, structures)
    files = []
    table = pd.read_parquet(out / EVALUATIONS)  # as the search wrote it (its record)
    write_csv(out / "evaluations.csv", table.drop(columns="levers_json"))
    ffront = table.set_index("name").loc[front["name"]].reset_index()
    ffront.insert(0, "design", front["design"].to_numpy())
    write_parquet(out / fr.FRONT, ffront)
    write_csv(out / "front.csv", ffront.drop(columns="levers_json"))
    write_csv(out / "structures.csv", standing)
    write_csv(out / fr.CONVERGENCE, conv)
    files += [
        out / n
        for n in (
            "evaluations.parquet",
            "evaluations.csv",
            fr.FRONT,
            "front.csv",
            "structures.csv",
            fr.CONVERGENCE,
        )
    ]
    designs = out / fr.DESIGNS
    designs.mkdir(exist_ok=True)
    for _, row in front.iterrows():
        if row["name"] == START:
            continue
        text = fr.design_file(goals, row, design_names(goals, row))
        path = designs / f"{row['design']}.toml"
        atomic_write(path, lambda tmp, text=text: Path(tmp).write_text(text, encoding="utf-8"))
        files.append(path)
    if charts:
        from govsim.presentation.charts.front import save_front_charts

        files += save_front_charts(goals, ev, front, standing, out)
    return DesignResult(report, ev, front, standing, conv, files)


def design_names(goals: Goals, row) -> dict[str, str]:
    """A design's name in both languages: the starting structure's, with its number."""
    from govsim.core.load import load_scenario

    sc = load_scenario(goals.design.structure)
    n = row["design"].rsplit("_", 1)[-1]
    return {
        "zh": f"{sc.scenario.name_zh}·设计{n}",
        "en": f"{sc.scenario.name_en}, design {n}",
    }


@dataclass
class Design:
    """A finished search as its directory holds it (``read_design``)."""

    goals: Goals
    evaluations: pd.DataFrame
    front: pd.DataFrame
    structures: pd.DataFrame
    convergence: pd.DataFrame


def read_design(directory: str | Path) -> Design:
    """A finished search (``govsim design --out DIR``) read back; a directory that is not
    one, or not finished, is one ``ResultsError`` naming what is missing."""
    import json

    from govsim.design.goals import goals_from
    from govsim.design.search import MANIFEST
    from govsim.results.reading import ResultsError

    d = Path(directory)
    need = [MANIFEST, fr.FRONT, EVALUATIONS, "structures.csv", fr.CONVERGENCE]
    missing = [n for n in need if not (d / n).is_file()]
    if missing:
        raise ResultsError(
            f"--design {d}: not a finished design search (no {', '.join(missing)}); run "
            "govsim design GOALS --out DIR to the end first"
        )
    try:
        m = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
        goals = goals_from(m["file"], m["raw"])
    except (ValueError, KeyError, TypeError) as e:
        raise ResultsError(f"--design {d}: {MANIFEST} cannot be read ({e})") from None
    if m.get("finished") is not True:
        raise ResultsError(
            f"--design {d}: the search there has not finished writing its outputs; run "
            "the same govsim design command again to finish it"
        )

    def with_levers(table: pd.DataFrame) -> pd.DataFrame:
        return table.assign(levers=table["levers_json"].map(json.loads))

    return Design(
        goals,
        with_levers(pd.read_parquet(d / EVALUATIONS)),
        with_levers(pd.read_parquet(d / fr.FRONT)),
        pd.read_csv(d / "structures.csv"),
        pd.read_csv(d / fr.CONVERGENCE),
    )


def design_levers(path: str | Path) -> tuple[str, dict]:
    """The structure a design file extends and the levers it sets (its ``[levers]``
    values), checked by loading it as every command does; for the live app, which shows
    the levers moved on the structure they start from."""
    from govsim.config.reading import read_toml
    from govsim.core.load import load_scenario

    path = Path(path)
    load_scenario(path)  # every problem is one ScenarioError naming the file and key
    raw = read_toml(path)
    levers = {
        k: (v["value"] if isinstance(v, dict) and "value" in v else v)
        for k, v in raw.get("levers", {}).items()
    }
    return str(raw["extends"]), levers


def front_designs(directory: str | Path) -> list[Path]:
    """The design files of a finished search, in the front's order (design 1 first)."""
    d = read_design(directory)
    return [
        Path(directory) / fr.DESIGNS / f"{k}.toml"
        for k in d.front["design"]
        if (Path(directory) / fr.DESIGNS / f"{k}.toml").is_file()
    ]
