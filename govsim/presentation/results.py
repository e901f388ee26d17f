"""Reading run outputs for charts and reports.

``Results.load(path)`` accepts any directory that holds run directories — a directory with a
``summary.json`` (one run), the output of ``govsim compare`` (``runs/<structure>/rep<k>/``), or
any deeper tree of runs such as a future batch — and groups the runs by structure.  Charts
take a ``Results`` and never look at paths, so new kinds of batches plug in here only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from govsim.config.scenario import Scenario, builtin_order, load_scenario


@dataclass
class Run:
    path: Path
    summary: dict

    @property
    def structure(self) -> str:
        return self.summary["scenario"]

    @property
    def replicate(self) -> int:
        return int(self.summary.get("settings", {}).get("replicate", 0))

    @property
    def seed(self) -> int:
        return int(self.summary.get("seed", 0))

    def daily(self) -> pd.DataFrame:
        return pd.read_csv(self.path / "daily.csv")

    def needs(self, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.read_parquet(self.path / "needs.parquet", columns=columns)

    def scenario(self) -> Scenario:
        p = self.path / "scenario.json"
        if p.exists():
            return Scenario.model_validate(json.loads(p.read_text(encoding="utf-8")))
        return load_scenario(
            self.summary.get("scenario_file", self.structure).removesuffix(".toml")
        )


@dataclass
class Results:
    root: Path
    runs: dict[str, list[Run]] = field(default_factory=dict)  # structure -> runs by replicate
    order: list[str] = field(default_factory=list)  # reference first
    meta: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> Results:
        root = Path(path)
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: no such results directory")
        found = sorted(p.parent for p in root.rglob("summary.json"))
        if not found:
            raise FileNotFoundError(f"{root}: no run outputs (summary.json) below it")
        res = cls(root)
        for d in found:
            s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
            if "scenario" not in s or not (d / "daily.csv").exists():
                continue
            res.runs.setdefault(s["scenario"], []).append(Run(d, s))
        for runs in res.runs.values():
            runs.sort(key=lambda r: (r.replicate, r.seed))
        meta_file = root / "compare.json"
        res.meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        listed = [k for k in res.meta.get("scenarios", []) if k in res.runs]
        res.order = listed + sorted(k for k in res.runs if k not in listed)
        return res

    # ---------------------------------------------------------------- settings
    @property
    def reference(self) -> str:
        return self.meta.get("reference", self.order[0])

    def first(self, key: str) -> Run:
        return self.runs[key][0]

    @property
    def residents(self) -> int:
        return int(self.first(self.order[0]).summary["residents"])

    @property
    def days(self) -> int:
        return int(self.first(self.order[0]).summary["days"])

    @property
    def replicates(self) -> int:
        return min(len(v) for v in self.runs.values())

    @property
    def seeds(self) -> list[int]:
        return sorted({r.seed for v in self.runs.values() for r in v})

    @property
    def population(self) -> str:
        return self.first(self.order[0]).summary.get("population", "")

    @property
    def version(self) -> str:
        return self.first(self.order[0]).summary.get("govsim_version", "")

    def name(self, key: str, lang: str) -> str:
        s = self.first(key).summary
        return s.get("scenario_name_zh" if lang == "zh" else "scenario_name_en", key)

    def short_name(self, key: str, lang: str) -> str:
        """The name up to its first colon or bracket, for axis labels."""
        n = self.name(key, lang)
        for sep in (":", ":", "(", "("):
            n = n.split(sep)[0]
        return n.strip()

    @cached_property
    def scenarios(self) -> dict[str, Scenario]:
        return {k: self.first(k).scenario() for k in self.order}

    # ---------------------------------------------------------------- tables
    def table(self) -> pd.DataFrame:
        """One row per run: structure, replicate, seed and every flat outcome."""
        from govsim.experiments.compare import flat_row

        rows = [
            {"scenario": k, "replicate": r.replicate, "seed": r.seed, **flat_row(r.summary)}
            for k in self.order
            for r in self.runs[k]
        ]
        return pd.DataFrame(rows)

    def daily(self, column: str) -> dict[str, np.ndarray]:
        """Per structure, an array [replicates, days] of one daily column."""
        out = {}
        for k in self.order:
            series = [r.daily()[column].to_numpy(dtype=float) for r in self.runs[k]]
            n = min(len(x) for x in series)
            out[k] = np.vstack([x[:n] for x in series])
        return out

    def needs(self, key: str, columns: list[str]) -> pd.DataFrame:
        frames = []
        for r in self.runs[key]:
            f = r.needs(columns)
            f["replicate"] = r.replicate
            frames.append(f)
        return pd.concat(frames, ignore_index=True)


def colour_order(keys: list[str]) -> dict[str, str]:
    """One colour per structure, the same in every chart and report: built-in structures by
    their place in the built-in list (the reference first), others after them.  Okabe–Ito
    colours, safe for colour-blind readers."""
    palette = [
        "#000000",
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
        "#999999",
        "#F0E442",
    ]
    builtin = builtin_order()
    ranked = builtin + sorted(k for k in keys if k not in builtin)
    return {k: palette[ranked.index(k) % len(palette)] for k in keys}
