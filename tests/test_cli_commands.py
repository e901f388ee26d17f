"""The command line as a researcher meets it: every command described, every option
explained; ``govsim new experiment`` writes a template that ``govsim batch`` plans."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from govsim import cli
from govsim.experiments.experiment import (
    Range,
    Sampling,
    Settings,
    Variant,
    load_experiment,
    resolve,
)


def commands(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every command of ``p`` by its full name (``new experiment``), nested ones too."""
    out = {}
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out[name] = sub
                out.update({f"{name} {k}": v for k, v in commands(sub).items()})
    return out


def test_every_command_is_described_and_every_option_explained():
    found = commands(cli.parser())
    # every command the parser has, nested ones too, is the one the module's docstring
    # lists: a command added is found here (and must be explained below)
    listed = " ".join(cli.__doc__.split("``")[1].split()).removeprefix("govsim ").split(" | ")
    leaves = {n for n in found if not any(m.startswith(f"{n} ") for m in found)}
    assert leaves == set(listed)
    missing = []
    for name, sub in {"govsim": cli.parser(), **found}.items():
        if not (sub.description or "").strip():
            missing.append(f"{name}: no description")
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            text = action.help
            if text is None or text == argparse.SUPPRESS or not text.strip():
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, "without help text: " + "; ".join(missing)


def test_help_prints_for_every_command(capsys):
    """Every help text formats (a stray ``%`` would break argparse's formatting)."""
    for name, sub in commands(cli.parser()).items():
        text = sub.format_help()
        assert sub.description.split()[0] in text, name


def new_experiment(tmp_path: Path, name="trial") -> Path:
    assert cli.main(["new", "experiment", name, "--dir", str(tmp_path)]) == 0
    return tmp_path / f"{name.removesuffix('.toml')}.toml"


def test_new_experiment_writes_a_template_that_batch_plans(tmp_path, capsys):
    path = new_experiment(tmp_path)
    runs = resolve(load_experiment(path))  # what govsim batch loads and plans
    assert len({r.variant for r in runs}) == 3  # unchanged, and a variant of each kind
    capsys.readouterr()
    out = tmp_path / "results"
    assert cli.main(["batch", str(path), "--out", str(out), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert f"{len(runs)} runs" in printed and "nothing run" in printed
    for r in runs:
        assert r.key in printed
    assert not out.exists()  # a dry run writes nothing


def test_a_dry_run_needs_no_out_and_speaks_the_language_asked(tmp_path, capsys):
    path = new_experiment(tmp_path)
    runs = resolve(load_experiment(path))
    capsys.readouterr()
    printed = {}
    for lang in ("en", "zh"):
        assert cli.main(["batch", str(path), "--dry-run", "--lang", lang]) == 0
        printed[lang] = capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing written
    en, zh = printed["en"], printed["zh"]
    assert f"{len(runs)} runs" in en and "compared with" in en and "into" not in en
    assert f"共{len(runs)}次运行" in zh and "比较" in zh
    # Chinese in Chinese: no English words but the keys, the file and the flag; full-width
    # punctuation
    words = set(re.findall(r"[A-Za-z]{3,}", zh))
    allowed = {w for r in runs for w in re.findall(r"[A-Za-z]{3,}", f"{r.key} {path}")}
    assert words <= allowed | {"dry", "run"}, words - allowed
    assert not re.search(r"[,;:()](?!\d)", zh.replace(str(path), "")), zh
    # every run key once, with its structure's name in the language asked
    for r in runs:
        assert r.key in en and r.key in zh
    assert "Traditional" in en and "传统" in zh
    # a real batch still needs --out: one line, nothing run
    assert cli.main(["batch", str(path)]) == 2
    assert "--out" in capsys.readouterr().err


def _sections(text: str) -> tuple[str, str, str]:
    """The template's [experiment] table, its variants and its (commented) ranges."""
    lines = text.splitlines(keepends=True)
    cut = [i for i, line in enumerate(lines) if line.startswith("# ------")]
    assert len(cut) == 2, cut
    return "".join(lines[: cut[0]]), "".join(lines[cut[0] : cut[1]]), "".join(lines[cut[1] :])


def _uncomment(text: str) -> str:
    return re.sub(r"^# (?=\[|\w+ = )", "", text, flags=re.M)


def test_the_template_explains_every_key_and_each_one_uncommented_validates(tmp_path):
    path = new_experiment(tmp_path)
    text = path.read_text(encoding="utf-8")
    for model in (Settings, Variant, Range, Sampling):
        for key in model.model_fields:
            assert re.search(rf"^(#\s*)?{key} = ", text, re.M), (model.__name__, key)
    head, variants, ranges = _sections(text)
    # every key of the experiment and the variants given: still a valid experiment
    every = tmp_path / "every.toml"
    every.write_text(_uncomment(head + variants), encoding="utf-8")
    exp = load_experiment(every)
    assert exp.settings.name_zh and exp.variants["fewer_tasks"].remove
    assert exp.variants["fewer_tasks"].population and exp.variants["no_street"].value
    resolve(exp)  # each change applies to the structures it names
    # the ranges instead of the variants: a sampled experiment
    sampled = tmp_path / "sampled.toml"
    sampled.write_text(_uncomment(head) + _uncomment(ranges), encoding="utf-8")
    exp = load_experiment(sampled)
    assert exp.ranges and len(exp.points) == Sampling().points


def test_new_experiment_never_replaces_a_file_and_checks_the_name(tmp_path, capsys):
    path = new_experiment(tmp_path, "mine.toml")  # the suffix may be given
    assert path.name == "mine.toml"
    path.write_text("# my own edits\n", encoding="utf-8")
    assert cli.main(["new", "experiment", "mine", "--dir", str(tmp_path)]) == 2
    assert "exists" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "# my own edits\n"
    for bad in ("a/b", "..x", "x y", "x" * 65):
        assert cli.main(["new", "experiment", bad, "--dir", str(tmp_path)]) == 2
        assert "must use" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml"]
    # a --dir that is a file is refused; one that does not exist yet is made (as --out is)
    assert cli.main(["new", "experiment", "x", "--dir", str(path)]) == 2
    assert "--dir" in capsys.readouterr().err
    assert new_experiment(tmp_path / "new" / "dir", "x").is_file()


def test_a_batch_reports_in_the_language_asked(tmp_path, capsys):
    out = tmp_path / "zh"
    argv = ["compare", "baseline", "--residents", "300", "--days", "10", "--out", str(out)]
    assert cli.main([*argv, "--workers", "1", "--population", "urban", "--lang", "zh"]) == 0
    printed = capsys.readouterr().out
    assert "共1次运行：此前已完成0次，本次运行1次，失败0次" in printed
    assert f"已写入{out}中的summary.csv" in printed
    assert "runs:" not in printed and "wrote" not in printed
    assert "(" not in printed and "（天）" in printed  # units in full-width brackets
    # the same command again, in English: nothing left to run
    assert cli.main([*argv, "--workers", "1", "--population", "urban"]) == 0
    printed = capsys.readouterr().out
    assert "1 runs: 1 already finished, 0 run now, 0 failed" in printed
