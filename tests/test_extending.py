"""docs/extending.md is true: its code adds a mechanism by one module and one scenario file,
and the mechanism shows up in the summary, the parameter table and a chart."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def blocks() -> list[str]:
    text = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_the_worked_example_runs_and_the_mechanism_shows_everywhere(tmp_path, monkeypatch, capsys):
    code = blocks()
    assert len(code) >= 5
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": "extending_example"}
    for block in code:
        exec(compile(block, "docs/extending.md", "exec", dont_inherit=True), ns)  # noqa: S102
    printed = capsys.readouterr().out
    summary, model = ns["summary"], ns["model"]
    # the new scenario key was read from the file, with its source
    heads = model.spec.institutions["heads"]
    assert heads.chat_group.joined == 0.4
    assert "QQ群" in model.spec.sources["institutions.heads.chat_group"]
    # the new outcome is in the summary, overall and by group, and did something
    assert 0 < summary["chat_share"] < 1
    assert summary["by_group"]["elderly"]["chat_share"] is not None
    assert summary["unreported_share"] < ns["reference"]["unreported_share"]
    assert "passed on from chat groups" in printed
    # … in the parameter table, declared and with the file's value and source
    assert "`institutions.*.chat_group.joined`" in ns["table"]
    assert re.search(r"`institutions\.heads\.chat_group\.joined` .*\| 0\.4 \|.*QQ群", ns["table"])
    # … in the run's outputs and in a chart
    assert "chat_share" in (tmp_path / "out" / "chat" / "summary.json").read_text(encoding="utf-8")
    assert "chat_passed_on" in pd.read_parquet(tmp_path / "out" / "chat" / "daily.parquet").columns
    assert (tmp_path / "out" / "chat_passed_on.png").stat().st_size > 10_000
    # the new channel: in the needs table, the catalogue and the need-flows chart, whose
    # shares still add up to 100%
    needs = pd.read_parquet(tmp_path / "out" / "chat" / "needs.parquet")
    assert (needs["channel"] == "chat").sum() > 0
    catalog = (tmp_path / "out" / "chat" / "catalog.json").read_text(encoding="utf-8")
    assert '"chat"' in catalog and "经微信群反映" in catalog
    flows = ns["flows"]
    assert flows["resolved_chat"] > 0
    assert abs(sum(flows.values()) - 100.0) < 1e-6
    assert "answered after a chat post" in printed
    assert (tmp_path / "out" / "chat_flows.png").stat().st_size > 10_000
    # activity wishes found in the chat keep their invitation (the Invitations intake
    # returns are handed to Sessions.invite)
    invited = model.residents.invited_until
    chat_wishes = needs[(needs["channel"] == "chat") & (needs["type"] == "activity")]
    wished_on = (chat_wishes["t_reported_h"].to_numpy() // 24).astype(int)
    assert len(chat_wishes) and (invited[chat_wishes["resident"].to_numpy()] > wished_on).all()


def test_a_wrong_value_for_the_new_key_names_the_file_and_key(tmp_path, monkeypatch):
    import pytest

    from govsim import ScenarioError, load_scenario

    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": "extending_example"}
    exec(compile(blocks()[0], "docs/extending.md", "exec", dont_inherit=True), ns)  # noqa: S102
    p = tmp_path / "bad.toml"
    p.write_text(
        'extends = "baseline"\n[institutions.heads]\nchat_group = { joined = 1.5 }\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(p, modules=(ns["Chat"],))
    assert err.value.key == "institutions.heads.chat_group.joined"
    assert str(p) in str(err.value) and "1.5" in str(err.value)
    # without the module the key is unknown
    with pytest.raises(ScenarioError, match="unknown key"):
        load_scenario(p)
