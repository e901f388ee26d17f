"""Strict inputs (issue 20): every output place, name and value is checked before any work,
in one line naming the argument or the file and key, and what is allowed; what is drawn
does not depend on the process (hash seed, memory addresses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from govsim import ScenarioError, load_scenario
from govsim.cli import main

LAYOUT = """
import json
from govsim import load_scenario
from govsim.presentation.charts.org_layout import layout
out = {}
for name in ("nanshan", "qingyuan", "shekou", "yunfu"):
    for lang in ("zh", "en"):
        lay = layout(load_scenario(name), lang)
        out[name + "/" + lang] = {
            "layers": lay.layers,
            "boxes": {k: [round(b.x, 6), round(b.y, 6)] for k, b in lay.boxes.items()},
            "lanes": {k: round(x, 6) for k, x in lay.lane_x.items()},
            "paths": [p.vertices.round(6).tolist() for _, p in lay.paths],
        }
print(json.dumps(out, sort_keys=True))
"""


def test_org_chart_layout_is_the_same_whatever_the_hash_seed():
    """Where every box and relay goes is the same in every process (before: ties between
    relays were broken by ``id()``, so ports moved from report to report)."""
    outs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", LAYOUT], capture_output=True, text=True, env=env, check=True
        )
        outs.append(json.loads(run.stdout))
    assert outs[0]["nanshan/en"]["paths"], "the layout has relays to compare"
    assert outs[0] == outs[1] == outs[2]
