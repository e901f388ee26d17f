"""Command line: ``govsim list | run | compare | batch | sensitivity | robustness | calibrate |
report | precision | params | app | new experiment | design``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tqdm import tqdm

from govsim.config.reading import ScenarioError, list_scenarios
from govsim.config.scenario import MAX_DAYS, MAX_RESIDENTS, builtin_order
from govsim.core.load import load_scenario
from govsim.core.model import DEFAULT_DAYS, DEFAULT_RESIDENTS
from govsim.core.streams import MAX_SEED
from govsim.core.summary import OUTCOMES, headline
from govsim.experiments.batch import BatchInterrupted
from govsim.presentation.text import pick, shown, shown_unit
from govsim.results.reading import ResultsError
from govsim.results.store import DIRECTORY, FILE, OutputError, check_place


def _integer(v: str, lo: int, hi: int | None, what: str, why: str = "") -> int:
    """``v`` as an integer in [lo, hi], else an ``ArgumentTypeError`` argparse prints as
    ``argument --x: expected ..., got 'v'`` (not the name of this function)."""
    try:
        n = int(v)
    except ValueError:
        n = None
    if n is None or n < lo or (hi is not None and n > hi):
        raise argparse.ArgumentTypeError(f"expected {what}, got {v!r}{why}")
    return n


def _positive(v: str) -> int:
    return _integer(v, 1, None, "a positive integer")


def _generations(v: str) -> int:
    return _integer(v, 0, 1000, "an integer from 0 to 1,000")


def _seed(v: str) -> int:
    return _integer(v, 0, MAX_SEED, f"an integer from 0 to {MAX_SEED:,}")


def _workers(v: str) -> int:
    cores = os.cpu_count() or 1
    return _integer(v, 1, cores, f"an integer from 1 to {cores} (the cores of this machine)", "")


def _residents(v: str) -> int:
    return _integer(
        v,
        1,
        MAX_RESIDENTS,
        f"an integer from 1 to {MAX_RESIDENTS:,}",
        " (memory: about 1.2 kB a resident-year)",
    )


def _days(v: str) -> int:
    return _integer(v, 1, MAX_DAYS, f"an integer from 1 to {MAX_DAYS:,} (ten years)")


def _experiment_arguments(c: argparse.ArgumentParser) -> None:
    c.add_argument("experiment", help="experiment name (experiments/) or path to a .toml file")
    c.add_argument("--residents", type=_residents, default=None, help="instead of the file's")
    c.add_argument("--days", type=_days, default=None, help="instead of the file's")
    c.add_argument("--replicates", type=_positive, default=None, help="instead of the file's")


def _batch_arguments(c: argparse.ArgumentParser, dry_run: bool = False) -> None:
    """``--out`` (required, unless the command has ``--dry-run``), the executor and
    ``--force``."""
    c.add_argument(
        "--out",
        type=Path,
        required=not dry_run,
        default=None,
        help="results directory" + (" (required unless --dry-run)" if dry_run else ""),
    )
    c.add_argument(
        "--workers",
        type=_workers,
        default=min(os.cpu_count() or 1, 8),
        help="worker processes (default: the cores, at most 8)",
    )
    c.add_argument(
        "--executor",
        choices=("local", "dask"),
        default=None,
        help="local processes, or Dask distributed (a LocalCluster unless --scheduler)",
    )
    c.add_argument(
        "--scheduler", default=None, help="address of a running Dask scheduler (tcp://HOST:PORT)"
    )
    c.add_argument(
        "--force",
        action="store_true",
        help="replace the results of another experiment in --out",
    )


def _lang(c: argparse.ArgumentParser) -> None:
    c.add_argument(
        "--lang",
        choices=("zh", "en"),
        default="en",
        help="language of what it prints and writes: zh (Chinese) or en (English, the default)",
    )


def _command(sub, name: str, what: str) -> argparse.ArgumentParser:
    """A command, its one line in ``govsim --help`` also the description of its own
    ``--help``."""
    return sub.add_parser(name, help=what, description=what.replace("%%", "%"))


def _size_arguments(c: argparse.ArgumentParser) -> None:
    c.add_argument(
        "--residents",
        type=_residents,
        default=DEFAULT_RESIDENTS,
        help=f"residents simulated (default {DEFAULT_RESIDENTS:,})",
    )
    c.add_argument(
        "--days", type=_days, default=DEFAULT_DAYS, help=f"days simulated (default {DEFAULT_DAYS})"
    )


def _run_command(sub) -> None:
    r = _command(sub, "run", "run one scenario and write its outputs")
    r.add_argument("scenario", help="built-in name or path to a .toml scenario file")
    _size_arguments(r)
    r.add_argument("--seed", type=_seed, default=0, help="seed of every random stream (default 0)")
    r.add_argument(
        "--population", default=None, help="population profile (default: the scenario's own)"
    )
    r.add_argument("--out", type=Path, required=True, help="directory to write the run into")
    r.add_argument("--force", action="store_true", help="replace a run already in --out")
    _lang(r)
    r.set_defaults(handler=cmd_run)


def _compare_command(sub) -> None:
    c = _command(sub, "compare", "run structures paired on the same seeds")
    c.add_argument(
        "scenarios",
        nargs="*",
        help="names or paths (default: all built-in, the references first)",
    )
    _size_arguments(c)
    c.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="seed of replicate 0; replicate k runs on seed + k in every structure (default 0)",
    )
    c.add_argument(
        "--replicates", type=_positive, default=1, help="replicates of each structure (default 1)"
    )
    c.add_argument(
        "--population",
        default=None,
        help="population profile for every structure (default: each structure's own; its before-structure also runs on it, to pair with)",
    )
    c.add_argument(
        "--compare-with",
        default="before",
        help='"before": each structure with what existed before it in its place (its file\'s before; the default); or one of the structures named, for every other',
    )
    _batch_arguments(c, dry_run=True)
    _dry_run(c)
    _lang(c)
    c.set_defaults(handler=cmd_compare)


def _dry_run(c: argparse.ArgumentParser) -> None:
    c.add_argument(
        "--dry-run",
        action="store_true",
        help="check the experiment and list the runs it plans; run and write nothing",
    )


def _batch_command(sub) -> None:
    b = _command(
        sub,
        "batch",
        "run an experiment file (resumable: the same command again skips finished runs)",
    )
    _experiment_arguments(b)
    _batch_arguments(b, dry_run=True)
    _dry_run(b)
    _lang(b)
    b.set_defaults(handler=cmd_batch)


def _sensitivity_command(sub) -> None:
    sa = _command(
        sub,
        "sensitivity",
        "SALib sensitivity analysis over an experiment's [[ranges]] (resumable batch)",
    )
    sa.add_argument(
        "--method", choices=("morris", "sobol"), default=None, help="default: the file's"
    )
    sa.add_argument(
        "--points",
        type=_positive,
        default=None,
        help="Morris trajectories or Sobol base samples (a power of 2); default: the file's",
    )
    _experiment_arguments(sa)
    _batch_arguments(sa)
    _lang(sa)
    sa.set_defaults(handler=cmd_sensitivity)


def _design_command(sub) -> None:
    d = _command(
        sub,
        "design",
        "search the levers for the designs that meet a goals file's goals at the least cost "
        "(resumable: the same command again goes on where it stopped)",
    )
    d.add_argument("goals", help="goals file name (experiments/) or path to a .toml file")
    d.add_argument("--residents", type=_residents, default=None, help="instead of the file's")
    d.add_argument("--days", type=_days, default=None, help="instead of the file's")
    d.add_argument("--replicates", type=_positive, default=None, help="instead of the file's")
    d.add_argument("--generations", type=_generations, default=None, help="instead of the file's")
    _batch_arguments(d)
    _lang(d)
    d.set_defaults(handler=cmd_design)


def _robustness_command(sub) -> None:
    rb = _command(
        sub,
        "robustness",
        "for each claim of the report, the share of contested settings in which it holds "
        "and what it hinges on (a finished batch of experiments/contested.toml)",
    )
    rb.add_argument("dir", type=Path, help="a finished batch with sampled [[ranges]]")
    rb.add_argument(
        "--out", type=Path, default=None, help="where to write the claims (default: DIR)"
    )
    _lang(rb)
    rb.set_defaults(handler=cmd_robustness)


def _calibrate_command(sub) -> None:
    k = _command(
        sub, "calibrate", "fit the reference structure to public figures and report the fit"
    )
    k.add_argument(
        "--residents",
        type=_residents,
        default=DEFAULT_RESIDENTS,
        help=f"residents of each run of the fit (default {DEFAULT_RESIDENTS:,})",
    )
    k.add_argument(
        "--seeds",
        type=_positive,
        default=3,
        help="runs (seeds 0, 1, …) averaged at each value tried (default 3)",
    )
    k.add_argument(
        "--report",
        type=Path,
        default=None,
        help="markdown report to write (default: docs/calibration.md of the repository, "
        "when govsim runs from it)",
    )
    k.add_argument(
        "--apply", action="store_true", help="write the fitted values into the population profile"
    )
    k.set_defaults(handler=cmd_calibrate)


def _report_command(sub) -> None:
    rp = _command(
        sub, "report", "one self-contained HTML report of a compare (or any runs) directory"
    )
    rp.add_argument("dir", type=Path, help="a compare output directory (or any directory of runs)")
    _lang(rp)
    rp.add_argument(
        "--out", type=Path, default=None, help="HTML file to write (default DIR/report_LANG.html)"
    )
    rp.add_argument(
        "--sensitivity",
        type=Path,
        default=None,
        help="a govsim sensitivity directory: add which assumptions the conclusions hinge on",
    )
    rp.add_argument(
        "--robustness",
        type=Path,
        default=None,
        help="a govsim robustness directory: quote, for each claim of the front page, the share "
        "of contested settings in which it holds and what it hinges on",
    )
    rp.add_argument(
        "--design",
        type=Path,
        default=None,
        help="a govsim design directory: add the section on the designs that meet its goals "
        "(its front, the built-in structures against it, three designs' organisation charts)",
    )
    rp.set_defaults(handler=cmd_report)


def _precision_command(sub) -> None:
    pr = _command(
        sub,
        "precision",
        "replicates needed for a 95%% interval of a given half-width, from a batch's spread",
    )
    pr.add_argument("dir", type=Path, help="a compare or batch directory with replicates")
    pr.add_argument("--outcome", required=True, help="an outcome key, e.g. participation_rate")
    pr.add_argument(
        "--half-width",
        type=float,
        required=True,
        help="wanted ± half-width in the outcome's own unit (a share as a fraction, hours)",
    )
    pr.set_defaults(handler=cmd_precision)


def _params_command(sub) -> None:
    m = _command(sub, "params", "the parameter table of every scenario and the population profiles")
    m.add_argument(
        "--markdown",
        action="store_true",
        help="print markdown (the form kept in docs/parameters.md)",
    )
    m.add_argument("--out", type=Path, default=None, help="write to this file instead of printing")
    m.set_defaults(handler=cmd_params)


def _app_command(sub) -> None:
    ap = _command(sub, "app", "the live model in the browser (a Solara page around the Mesa model)")
    ap.add_argument(
        "--port",
        type=lambda v: _integer(v, 1, 65535, "a port from 1 to 65535"),
        default=8765,
        help="port to serve on (default 8765)",
    )
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument(
        "--design",
        type=Path,
        default=None,
        help="a design file, or a govsim design directory: start on its (first) design, its "
        "levers set, and offer each design on the front",
    )
    ap.set_defaults(handler=cmd_app)


def _new_command(sub) -> None:
    n = _command(sub, "new", "start a file from a commented template")
    kinds = n.add_subparsers(dest="kind", required=True)
    e = _command(
        kinds,
        "experiment",
        "write NAME.toml, an experiment file with every key explained, to edit and run with "
        "govsim batch",
    )
    e.add_argument("name", help="the experiment's name: its file is NAME.toml")
    e.add_argument(
        "--dir",
        type=Path,
        default=Path("."),
        help="directory to write it into, made when missing (default: the current one)",
    )
    e.set_defaults(handler=cmd_new_experiment)


def parser() -> argparse.ArgumentParser:
    """``govsim`` and its commands, each with its arguments and the function that runs it
    (``args.handler``)."""
    p = argparse.ArgumentParser(
        prog="govsim",
        description="Agent-based simulator of Chinese community-governance structures",
    )
    sub = p.add_subparsers(dest="command", required=True)
    _command(sub, "list", "show the built-in scenarios").set_defaults(handler=cmd_list)
    for command in (
        _run_command,
        _compare_command,
        _batch_command,
        _sensitivity_command,
        _robustness_command,
        _calibrate_command,
        _report_command,
        _precision_command,
        _params_command,
        _app_command,
        _new_command,
        _design_command,
    ):
        command(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ScenarioError, OutputError, ResultsError, OSError) as e:  # a full disk, too
        print(f"govsim: error: {e}", file=sys.stderr)
        return 2
    except BatchInterrupted as e:
        print(f"govsim: {e}", file=sys.stderr)
        return 130


def cmd_list(args=None) -> int:
    for name in list_scenarios():
        sc = load_scenario(name)
        print(f"{name:12s} {sc.scenario.name_zh} / {sc.scenario.name_en}")
    return 0


def cmd_run(args) -> int:
    from govsim.core.model import GovernanceModel
    from govsim.results.store import run_out

    check_place("--out", args.out, DIRECTORY)
    sc = load_scenario(args.scenario)
    # checked (and held) before the model is built; held till the run is written
    with run_out(args.out, args.force):
        model = GovernanceModel(
            sc, residents=args.residents, seed=args.seed, population=args.population
        )
        return _run_one(args, sc, model)


def _run_one(args, sc, model) -> int:
    from govsim.results.run_files import write_run

    with tqdm(total=args.days, desc=f"{sc.key}", unit="day", file=sys.stderr, disable=None) as bar:
        model.run(args.days, progress=bar.update)
    settings = {
        "seed": args.seed,
        "residents": args.residents,
        "days": args.days,
        "population": model.population.key,
    }
    s = write_run(model, args.out, settings)
    print_table([s], args.lang)
    print(
        f"wrote {args.out}/summary.json, outcomes.parquet, daily.parquet, needs.parquet, hops.parquet"
    )
    return 0


def _scheduler_ok(args) -> None:
    if args.scheduler and args.executor == "local":
        raise OutputError("--scheduler sends runs to a Dask cluster: drop --executor local")
    args.executor = args.executor or ("dask" if args.scheduler else "local")
    if args.scheduler and not args.scheduler.startswith(("tcp://", "tls://", "inproc://")):
        raise OutputError(
            f"--scheduler {args.scheduler!r}: give the scheduler's address, tcp://HOST:PORT"
        )


def _run_experiment(exp, args) -> int:
    """Plan (validating everything), check --out, run, report: shared by batch and compare."""
    from govsim.experiments.batch import run_batch
    from govsim.experiments.experiment import resolve
    from govsim.results.store import check_out

    _scheduler_ok(args)
    if args.out is None and not args.dry_run:
        raise OutputError("argument --out: required (only --dry-run goes without it)")
    if args.out is not None:
        check_place("--out", args.out, DIRECTORY)
    runs = resolve(exp)
    if args.dry_run:
        return _print_plan(exp, runs, args.out, args.lang)
    check_out(args.out)
    report = run_batch(
        exp,
        args.out,
        min(args.workers, len(runs)),
        args.executor,
        args.scheduler,
        force=args.force,
        progress=True,
        runs=runs,
    )
    from govsim.presentation.text import COMMAND_TEXT, label

    done = label(COMMAND_TEXT, "done", args.lang)
    print(
        done.format(
            planned=report.planned,
            skipped=report.skipped,
            ran=report.ran,
            failed=len(report.failed),
        )
    )
    if report.failed:
        print(
            f"govsim: error: {len(report.failed)} runs failed; tracebacks in "
            f"{args.out / 'failures'}; run the same command again to retry them",
            file=sys.stderr,
        )
        return 1
    import pandas as pd

    table = pd.read_csv(args.out / "summary.csv")
    print_table(table.to_dict("records"), args.lang, with_ci=exp.settings.replicates > 1)
    print(label(COMMAND_TEXT, "wrote_batch", args.lang).format(out=args.out))
    return 0


def _print_plan(exp, runs, out: Path | None, lang: str) -> int:
    """What a batch would run (``--dry-run``): its size, and each run key with its name and
    the run it is compared with, in ``lang`` (``text.COMMAND_TEXT``)."""
    from govsim.experiments.batch import comparison_meta
    from govsim.presentation.text import COMMAND_TEXT, label
    from govsim.results.reading import population_suffix, short, variant_suffix

    def say(key: str, **values) -> str:
        return label(COMMAND_TEXT, key, lang).format(**values)

    st = exp.settings
    meta = comparison_meta(exp, runs)
    keys = meta["keys"]
    seeds = (
        say("one_seed", seed=st.seed)
        if st.replicates == 1
        else say("seed_range", first=st.seed, last=st.seed + st.replicates - 1)
    )
    print(
        say(
            "plan",
            file=exp.file,
            runs=len(runs),
            keys=len(keys),
            replicates=st.replicates,
            replicate_word=say("replicate_one" if st.replicates == 1 else "replicate_many"),
            seeds=seeds,
            residents=st.residents,
            days=st.days,
            into=say("into", out=out) if out is not None else "",
        )
    )
    width = max(len(k) for k in keys)
    sep = "；" if lang == "zh" else "; "
    for k in keys:
        ref = meta["reference_of"][k]
        name = (
            short(meta["structure_names"][k][lang])
            + variant_suffix(meta["variant_names"].get(meta["variants"][k], {}).get(lang), lang)
            + population_suffix(k, meta["populations"][k], lang)
        )
        pairing = say("a_reference") if ref == k else say("compared_with", ref=ref)
        print(f"  {k:{width}s}  {name}{sep}{pairing}")
    return 0


def cmd_new_experiment(args) -> int:
    from govsim.experiments.template import write_template

    path = write_template(args.name, args.dir)
    print(f"wrote {path}; edit it, then: govsim batch {path} --out results/{path.stem} --dry-run")
    return 0


def cmd_compare(args) -> int:
    from govsim.experiments.experiment import compare_experiment

    names = args.scenarios or builtin_order()
    exp = compare_experiment(
        names,
        args.residents,
        args.days,
        args.seed,
        args.replicates,
        args.population,
        args.compare_with,
    )
    return _run_experiment(exp, args)


def cmd_batch(args) -> int:
    from govsim.experiments.experiment import load_experiment, with_settings

    exp = with_settings(
        load_experiment(args.experiment),
        residents=args.residents,
        days=args.days,
        replicates=args.replicates,
    )
    return _run_experiment(exp, args)


def cmd_design(args) -> int:
    from govsim.design.goals import load_goals, with_settings
    from govsim.design.outputs import run_design
    from govsim.presentation.charts.front import column_text
    from govsim.presentation.text import COMMAND_TEXT, label
    from govsim.results.store import check_out

    def say(key: str, **values) -> str:
        return label(COMMAND_TEXT, key, args.lang).format(**values)

    check_place("--out", args.out, DIRECTORY)
    goals = with_settings(
        load_goals(args.goals),
        residents=args.residents,
        days=args.days,
        replicates=args.replicates,
        generations=args.generations,
    )
    _scheduler_ok(args)
    check_out(args.out)
    s, d = goals.search, goals.design
    print(
        say(
            "design_plan",
            generations=s.generations + 1,
            candidates=s.candidates,
            replicates=d.replicates,
            settings=say("design_settings", n=s.settings) if s.robust else "",
            residents=d.residents,
            days=d.days,
        )
    )
    result = run_design(
        goals, args.out, args.workers, args.executor, args.scheduler, args.force, progress=True
    )
    front = result.front
    met = bool(len(front)) and bool(front["met"].all())
    print(say("design_met", n=len(front)) if met else say("design_none_met"))
    columns = list(dict.fromkeys(t.outcome for t in [*goals.objectives, *goals.goals]))
    sep = "；" if args.lang == "zh" else "; "
    for _, r in front.iterrows():
        values = []
        for c in columns:
            text, factor = column_text(c, args.lang)
            values.append(f"{text} {r[c] * factor:.3g}")
        print(f"  {r['design']}: " + sep.join(values))
    st = result.structures
    if met:
        behind = int((st["behind_front"] | ~st["met"]).sum())
        print(say("design_behind", n=len(st), behind=behind))
    else:
        names = ("、" if args.lang == "zh" else ", ").join(st[st["met"]]["structure"]) or "—"
        print(say("design_meeting", names=names))
    print(say("design_wrote", out=args.out))
    if result.search.failed:
        print(
            "govsim: " + say("design_failed", n=len(result.search.failed), out=args.out),
            file=sys.stderr,
        )
    return 0


def cmd_sensitivity(args) -> int:
    from govsim.experiments.experiment import load_experiment, resolve, with_sampling, with_settings
    from govsim.experiments.sensitivity import SensitivityError, notes, sensitivity
    from govsim.results.store import check_out

    check_place("--out", args.out, DIRECTORY)
    exp = load_experiment(args.experiment)
    exp = with_sampling(exp, args.method or exp.sampling.method, args.points)
    if exp.sampling.method not in ("morris", "sobol"):
        raise ScenarioError(exp.file, "sampling.method", "give --method morris or sobol")
    exp = with_settings(exp, residents=args.residents, days=args.days, replicates=args.replicates)
    _scheduler_ok(args)
    runs = resolve(exp)
    check_out(args.out)
    print(f"{len(exp.points)} sampled points × structures × replicates = {len(runs)} runs")
    try:
        indices, robust, charts = sensitivity(
            exp,
            args.out,
            min(args.workers, len(runs)),
            args.executor,
            args.scheduler,
            args.force,
            runs=runs,
        )
    except SensitivityError as e:
        print(f"govsim: error: {e}", file=sys.stderr)
        return 1
    key = "mu_star" if exp.sampling.method == "morris" else "ST"
    diff = indices[indices["target"] == "difference"]
    for (structure, outcome), g in diff.groupby(["structure", "outcome"], sort=False):
        top = g[g[key] > 0].sort_values(key, ascending=False).head(2)
        name = pick(OUTCOMES[outcome].zh, OUTCOMES[outcome].en, args.lang)
        pairs = zip(top["parameter"], top["of_value"], strict=True)
        tops = (
            ", ".join(
                f"{p} (×{r:.2f})" if r == r else f"{p} (the files' value is 0)" for p, r in pairs
            )
            or "moved by none of the ranges"
        )
        print(f"  {structure} − reference, {name}: {tops}")
    for note in notes(indices):
        print(f"govsim: note: {note}", file=sys.stderr)
    files = ["sensitivity.parquet", "sensitivity.csv", "robustness.csv", *(c.name for c in charts)]
    print(f"wrote {args.out}/{', '.join(files[:-1])} and {files[-1]}")
    return 0


def cmd_robustness(args) -> int:
    from govsim.experiments.claims import RobustnessError, robustness
    from govsim.presentation.charts.claims import claim_text

    try:
        if args.out is not None:
            from govsim.results.store import check_out

            check_out(args.out)  # checked (``check_place``), then made
        else:  # the tables and charts go into the batch's directory
            check_place("DIR", args.dir, DIRECTORY)
        summary, boxes, charts, names = robustness(args.dir, args.out)
    except RobustnessError as e:
        print(f"govsim: error: {e}", file=sys.stderr)
        return 2
    from govsim.presentation.robustness import hinge_text

    made = summary[summary["kind"].isin(("reference", "first"))]
    for _, r in made.iterrows():
        share = "–" if r["share"] != r["share"] else f"{100 * r['share']:.0f}%"
        hinge = hinge_text(r["claim"], r, boxes, names, args.lang)
        print(f"  {share:>5}  {claim_text(r, names, args.lang)}: {hinge}")
    out = args.out or args.dir
    print(
        f"wrote {out}/claims.parquet, claims.csv, claim_settings.parquet, claim_boxes.csv and "
        + ", ".join(str(c.name) for c in charts)
    )
    return 0


def cmd_precision(args) -> int:
    """Replicates needed per run key (its mean) and per paired difference."""
    import math

    from govsim.results.reading import Results
    from govsim.results.tables import replicates_needed

    if not (args.half_width > 0 and math.isfinite(args.half_width)):
        raise OutputError(f"--half-width: must be a positive number, got {args.half_width}")
    res = Results.load(args.dir)
    if res.unfinished:
        print(
            f"govsim: warning: {args.dir} is unfinished ({len(res.unfinished)} planned runs "
            "missing); the figures use the finished runs",
            file=sys.stderr,
        )
    if args.outcome not in res.columns:
        raise OutputError(
            f"--outcome {args.outcome!r}: not an outcome of these runs; one of "
            + ", ".join(res.columns)
        )
    table = res.table()
    print(f"{args.outcome}: replicates for a 95% interval of ± {args.half_width:g}")
    for k in res.order:
        v = table.loc[table["key"] == k, args.outcome].to_numpy(dtype=float)
        need = replicates_needed(v, args.half_width)
        line = f"  {k:28s} mean: {len(v)} now, {need if need else '– (needs 2 replicates)'}"
        ref = res.reference_of(k)
        if ref not in (None, k):
            a = table[table["key"] == k].set_index("replicate")[args.outcome]
            b = table[table["key"] == ref].set_index("replicate")[args.outcome]
            d = (a - b).dropna().to_numpy(dtype=float)
            need_d = replicates_needed(d, args.half_width)
            line += f"; paired difference from {ref}: {need_d if need_d else '–'}"
        print(line)
    return 0


def cmd_calibrate(args) -> int:
    from govsim.core.load import load_population
    from govsim.experiments import calibrate as cal
    from govsim.experiments.calibrate import report_markdown
    from govsim.results.atomic import atomic_write

    def fail(message: str) -> int:
        print(f"govsim calibrate: error: {message}", file=sys.stderr)
        return 2

    # before any work: where the report goes, and what --apply would write
    report = args.report or cal.default_report()
    if report is None:
        return fail(
            "argument --report: required when govsim does not run from its repository "
            "(no docs/ beside the package)"
        )
    try:
        check_place("--report", report, FILE)
    except OutputError as exc:
        return fail(str(exc))
    if args.apply:  # the file --apply writes, and every value the fit owns read from it
        try:
            check_place("--apply", cal.CALIBRATED, FILE)
        except OutputError as exc:
            return fail(str(exc))
        ref = cal._reference(None)
        try:
            cal.check_homes(ref, load_population(ref.scenario.population))
        except ScenarioError as exc:
            return fail(str(exc))

    def show(logit, share):
        print(
            f"  election logit {logit:+.4f} -> turnout of adults, election year {share:.4f}",
            file=sys.stderr,
        )

    def show_time(factor, p90):
        print(f"  time scale ×{factor:.3f} -> errands p90 {p90:.1f} days", file=sys.stderr)

    fit = cal.calibrate(
        residents=args.residents, seeds=args.seeds, progress=show, time_progress=show_time
    )
    text = report_markdown(fit)
    atomic_write(report, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    print(text)
    misses = fit.misses()
    if misses and args.apply:
        return fail(
            f"the fit did not reach its tolerance, nothing written into {cal.CALIBRATED} "
            f"(report: {report}): " + "; ".join(misses)
        )
    if misses:
        print(
            f"govsim calibrate: warning: not within tolerance: {'; '.join(misses)}", file=sys.stderr
        )
    if args.apply:
        print(f"wrote the fitted values into {cal.write_calibrated(fit)}")
    return 0


def cmd_report(args) -> int:
    from govsim.presentation.report import build_report
    from govsim.results.reading import Results

    out = args.out or args.dir / f"report_{args.lang}.html"
    check_place("--out", out, FILE)  # the report, and its figures beside it
    check_place("--out", out.parent / "figures", DIRECTORY)
    try:
        res = Results.load(args.dir)
        if res.unfinished:
            print(
                f"govsim: warning: {args.dir} is unfinished: {len(res.unfinished)} planned runs "
                f"are missing or incomplete (first: {res.unfinished[0]}); the report shows the "
                f"finished ones — run the batch again to complete it",
                file=sys.stderr,
            )
        design = None
        if args.design is not None:  # read (and its charts drawn) before the report's
            from govsim.design.section import design_section

            design = design_section(args.design, args.lang, out.parent / "figures")
        out = build_report(
            args.dir,
            args.lang,
            out,  # the place checked above
            sensitivity=args.sensitivity,
            robustness=args.robustness,
            design=design,
        )
    except FileNotFoundError as e:
        print(f"govsim: error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {out} (figures as PNG and SVG in {out.parent / 'figures'})")
    return 0


def cmd_params(args) -> int:
    from govsim.core.params import parameter_table_markdown
    from govsim.results.atomic import atomic_write

    if args.out:
        check_place("--out", args.out, FILE)
    text = parameter_table_markdown()
    if args.out:
        atomic_write(args.out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    else:
        print(text)
    return 0


def print_table(rows: list[dict], lang: str, with_ci: bool = False) -> None:
    """The headline outcomes by run key, as people read them (``vocabulary.UNITS``)."""

    def fmt(row, k):
        unit = OUTCOMES[k].unit
        text = shown(unit, row.get(k))
        lo, hi = row.get(f"{k}_ci_low"), row.get(f"{k}_ci_high")
        if with_ci and lo is not None and lo == lo:
            text += f" [{shown(unit, lo)}, {shown(unit, hi)}]"
        return text

    # a batch's row names its run by ``key``; a single run's summary by its ``structure``
    names = [r["key"] if "key" in r else r["structure"] for r in rows]
    name_w = max(12, *(len(n) for n in names))
    for k in headline():
        o = OUTCOMES[k]
        unit = shown_unit(o.unit, lang)
        print(f"{pick(o.zh, o.en, lang)}" + (f"（{unit}）" if lang == "zh" else f" ({unit})"))
        for name, r in zip(names, rows, strict=True):
            print(f"  {name:{name_w}s} {fmt(r, k)}")


def cmd_app(args) -> int:
    """Serve the live model (``govsim.app``) with solara until Ctrl-C: this
    process becomes the solara server (signals reach it directly)."""
    if args.design is not None:  # checked before serving: one error naming the file
        from govsim.app.page import DESIGN_ENV
        from govsim.design.outputs import design_levers, front_designs

        if not args.design.exists():
            raise OutputError(
                f"--design {args.design}: no such file or directory; give a design file "
                "(DIR/designs/NAME.toml of govsim design) or a govsim design directory"
            )
        files = front_designs(args.design) if args.design.is_dir() else [args.design]
        if not files:
            raise OutputError(f"--design {args.design}: its front holds no design files")
        for f in files:
            design_levers(f)
        os.environ[DESIGN_ENV] = str(args.design.resolve())
    print(f"govsim app: http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    command = [sys.executable, "-m", "solara", "run", "govsim.app.page:Page"]
    command += ["--host", args.host, "--port", str(args.port), "--production", "--no-open"]
    os.execv(sys.executable, command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
