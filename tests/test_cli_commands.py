"""The command line as a researcher meets it: every command described, every option
explained; ``govsim new experiment`` writes a template that ``govsim batch`` plans."""

from __future__ import annotations

import argparse

from govsim import cli


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
    assert {"run", "batch", "app", "report"} <= set(found)
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
