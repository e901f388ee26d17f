"""Reading run outputs back, for charts, reports and tables.

``Results.load(path)`` reads one batch (``govsim batch`` or ``govsim compare``: a directory
with ``manifest.json``) or one run (``govsim run``: a directory with ``summary.json``).  Of a
batch it reads only the runs its manifest plans that are finished and whole — never stray
or stale run directories — and lists the others in ``unfinished``; a truncated or foreign
file is a ``ResultsError`` naming it.  Runs are grouped by run key (structure, variant,
population).  Charts take a ``Results`` and never look at paths.

What the outcomes are called, their units, which lead and which are reported by group come
from each run's ``catalog.json`` (written with the run from the modules' declarations), so
reading never imports the simulator (only ``Results.from_models``, given models run in this
session, makes their files with ``govsim.results.run_files``).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from govsim.config.reading import population_name


def short(name: str) -> str:
    """A structure's name up to its first colon or bracket, for axis labels and legends."""
    for sep in (":", "：", "(", "（"):
        name = name.split(sep)[0]
    return name.strip()


def variant_suffix(variant_name: str, lang: str) -> str:
    """What follows a structure's name in a run key's name for a variant (none for the
    base: ``variant_name`` empty)."""
    if not variant_name:
        return ""
    return f"（{variant_name}）" if lang == "zh" else f" ({variant_name})"


def population_suffix(key: str, population: str, lang: str) -> str:
    """What follows a run key's name for a run on another structure's people (a key with
    ``@``: the reference again, on the population of the structure compared with it)."""
    if "@" not in key:
        return ""
    name = population_name(population, lang)
    return f"（{name}人口）" if lang == "zh" else f" ({name} population)"


class Spec(dict):
    """A structure as its run wrote it (``scenario.json``), read without the simulator: a
    dict whose keys are also attributes, nested tables likewise — ``sc.scenario.name_en``,
    ``sc.institutions["rc"].staff``, ``sc.routing.walk_in`` — so charts and reports read it
    as they read a loaded ``Scenario``."""

    def __init__(self, data: dict):
        super().__init__({k: _spec(v) for k, v in data.items()})

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _spec(value):
    if isinstance(value, dict):
        return Spec(value)
    if isinstance(value, list):
        return [_spec(v) for v in value]
    return value


class ResultsError(ValueError):
    """A results directory cannot be read as it is: names the file and the problem."""


def _read_summary(p: Path) -> dict:
    """A run's ``summary.json``, the keys of earlier versions under their names now
    (``store.summary_keys``)."""
    from govsim.results.store import summary_keys

    try:
        s = summary_keys(json.loads(p.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ResultsError(f"{p}: not readable JSON ({e})") from None
    if not isinstance(s, dict) or "structure" not in s:
        raise ResultsError(f"{p}: not a run summary (no 'structure')")
    return s


@dataclass
class Run:
    """One run's outputs: in a directory (``path``), or held in memory (``files``, as
    ``run_files`` makes them — a model just run in a notebook)."""

    path: Path
    summary: dict
    files: dict[str, bytes] | None = None

    @property
    def key(self) -> str:
        """The run's key: its structure, ``<structure>--<variant>`` for a variant, and
        ``…@<population>`` for a run on another population than its file declares."""
        return self.summary.get("settings", {}).get("key") or self.summary["structure"]

    @property
    def structure(self) -> str:
        """The structure's key (its scenario file's name), without variant or population."""
        return self.summary["structure"]

    @property
    def variant(self) -> str:
        return self.summary.get("settings", {}).get("variant", "base")

    @property
    def population(self) -> str:
        return self.summary.get("population", "")

    @property
    def replicate(self) -> int:
        return int(self.summary.get("settings", {}).get("replicate", 0))

    @property
    def seed(self) -> int:
        return int(self.summary.get("seed", 0))

    def has(self, name: str) -> bool:
        return name in self.files if self.files is not None else (self.path / name).exists()

    def _source(self, name: str):
        if self.files is not None:
            if name not in self.files:
                raise FileNotFoundError(f"{self.path}: this run kept no {name}")
            return io.BytesIO(self.files[name])
        return self.path / name

    def _json(self, name: str) -> dict:
        if not self.has(name):
            raise FileNotFoundError(
                f"{self.path}: no {name} (written by newer govsim versions); run it again"
            )
        src = self._source(name)
        text = (
            src.getvalue().decode("utf-8")
            if isinstance(src, io.BytesIO)
            else src.read_text(encoding="utf-8")
        )
        return json.loads(text)

    def outcomes(self) -> pd.DataFrame:
        """The run's ``outcomes.parquet``: one flat row of every outcome."""
        return pd.read_parquet(self._source("outcomes.parquet"))

    def daily(self) -> pd.DataFrame:
        return pd.read_parquet(self._source("daily.parquet"))

    def needs(self, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.read_parquet(self._source("needs.parquet"), columns=columns)

    def catalog(self) -> dict:
        """The run's ``catalog.json``: outcomes (names, unit, headline, by_group), the headline
        order, the channels and the settling days."""
        return self._json("catalog.json")

    def scenario(self) -> Spec:
        """The structure exactly as this run used it."""
        return Spec(self._json("scenario.json"))


@dataclass
class Results:
    root: Path
    runs: dict[str, list[Run]] = field(default_factory=dict)  # run key -> runs by replicate
    order: list[str] = field(default_factory=list)  # reference first
    meta: dict = field(default_factory=dict)

    unfinished: list[str] = field(default_factory=list)  # planned runs not (wholly) there
    _table: tuple | None = field(default=None, repr=False, compare=False)  # (runs, table)

    @classmethod
    def load(cls, path: str | Path) -> Results:
        """The runs of one batch (a directory with ``manifest.json``: only its planned runs
        that are finished and whole, see ``unfinished``) or one run (``summary.json``)."""
        from govsim.results.store import OutputError, check_run, check_run_dir, read_manifest

        root = Path(path)
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: no such results directory")
        res = cls(root)
        try:
            manifest = read_manifest(root)
        except OutputError as e:
            raise ResultsError(str(e)) from None
        if manifest is None:
            if not (root / "summary.json").exists():
                raise FileNotFoundError(
                    f"{root}: neither a batch (no manifest.json) nor a run (no summary.json)"
                )
            why = check_run_dir(root)
            if why:
                raise ResultsError(f"{root}: {why}")
            run = Run(root, _read_summary(root / "summary.json"))
            res.runs[run.key] = [run]
            res.order = [run.key]
            return res
        first_why: dict[str, str] = {}  # run key -> why its first unfinished run is
        for entry in manifest["runs"]:
            why = check_run(root, entry)
            if why is not None:
                res.unfinished.append(f"{entry['partition']}: {why}")
                first_why.setdefault(entry["key"], res.unfinished[-1])
                continue
            d = root / "runs" / entry["partition"]
            res.runs.setdefault(entry["key"], []).append(Run(d, _read_summary(d / "summary.json")))
        if not res.runs:
            raise ResultsError(
                f"{root}: none of its {len(manifest['runs'])} planned runs is finished "
                f"(first: {res.unfinished[0]}); run the batch again to go on"
            )
        for runs in res.runs.values():
            runs.sort(key=lambda r: (r.replicate, r.seed))
        res.meta = manifest.get("comparison", {})
        # the run keys in order (``scenarios`` in manifests of earlier versions)
        listed = [k for k in res.meta.get("keys", res.meta.get("scenarios", [])) if k in res.runs]
        res.order = listed + sorted(k for k in res.runs if k not in listed)
        ref = res.meta.get("reference")
        if ref is not None and ref not in res.runs:
            why = f" (first: {first_why[ref]})" if ref in first_why else ""
            raise ResultsError(
                f"{root}: none of the reference structure's runs ({ref}) is finished{why}, so "
                "nothing can be compared with it; run the batch again to go on"
            )
        return res

    def has(self, output: str) -> bool:
        """Whether every run kept ``output`` (``daily``, ``needs``, ``hops``)."""
        return all(r.has(f"{output}.parquet") for v in self.runs.values() for r in v)

    @classmethod
    def from_models(cls, models, reference: str | None = None) -> Results:
        """Results of models run in this session (nothing written): models of one structure
        on one population are its replicates; the first structure (or ``reference``) is the
        reference.  Each structure is paired with its before-structure (its file's
        ``before``) run on the same population when one of the models is that run, else with
        the reference run on the same population (never with a run on other people)."""
        from govsim.results.run_files import run_files

        res = cls(Path("<memory>"))
        counts: dict[str, int] = {}
        declared_pop = {}
        specs: dict[str, dict] = {}
        before: dict[str, str] = {}  # structure -> the name of its before-structure
        for m in models:
            key = m.spec.key
            if m.spec.scenario.before:
                before[key] = Path(m.spec.scenario.before).stem
            elif m.spec.scenario.reference:
                before[key] = key  # a reference: compared with nothing
            spec = m.spec.model_dump(mode="json", exclude={"sources", "file"})
            if specs.setdefault(key, spec) != spec:
                raise ValueError(
                    f"two models are both named {key!r} but differ in structure; name a changed "
                    f"one: load_scenario(..., changes=..., key='{key}_changed')"
                )
            declared_pop.setdefault(key, m.population.key)
            if m.population.key != declared_pop[key]:
                key = f"{key}@{m.population.key}"
            rep = counts.get(key, 0)
            counts[key] = rep + 1
            settings = {"key": key, "replicate": rep, "seed": m.seed}
            files, summary = run_files(m, settings)
            res.runs.setdefault(key, []).append(Run(Path(f"<memory:{key}#{rep}>"), summary, files))
        res.order = list(res.runs)
        ref = reference or res.order[0]
        if ref not in res.runs:
            raise ValueError(f"reference {ref!r} is not one of the models ({', '.join(res.order)})")
        res.order = [ref, *(k for k in res.order if k != ref)]
        pop = {k: res.first(k).population for k in res.order}
        structure = {k: res.first(k).structure for k in res.order}
        on = {(structure[k], pop[k]): k for k in res.order}  # the run of a structure on people
        reference_of = {}
        for k in res.order:
            if structure[k] == structure[ref] or before.get(structure[k]) == structure[k]:
                reference_of[k] = k
                continue
            pair = on.get((before.get(structure[k], ""), pop[k])) or on.get(
                (structure[ref], pop[k])
            )
            if pair is not None:
                reference_of[k] = pair
        res.meta = {"reference": ref, "keys": res.order, "reference_of": reference_of}
        return res

    @property
    def finished(self) -> bool:
        return not self.unfinished

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
    def structures(self) -> list[str]:
        """Each structure once (without the reference's runs on other populations)."""
        return [k for k in self.order if self.first(k).structure == k]

    def reference_of(self, key: str) -> str | None:
        """The reference run ``key`` is paired with: the reference on the same population
        (None when that run is missing — never the reference on other people)."""
        ref = self.meta.get("reference_of", {}).get(key)
        if ref is None:  # a directory without the pairing (one population)
            same = self.population_of(key) == self.population_of(self.reference)
            ref = self.reference if same else None
        return ref if ref in self.runs else None

    def population_of(self, key: str) -> str:
        return self.first(key).population

    @property
    def one_reference(self) -> bool:
        """Whether every structure is compared with the one reference structure (on its own
        people); False when each is compared with what existed before it in its place
        (its file's ``before``) and those differ."""
        ref = self.first(self.reference).structure
        return all(
            self.first(r).structure == ref
            for k in self.order
            if (r := self.reference_of(k)) not in (None, k)
        )

    @property
    def population(self) -> str:
        """The population profile the runs used: one name, or each structure's."""
        pops = {k: self.population_of(k) for k in self.order}
        if len(set(pops.values())) <= 1:
            return next(iter(pops.values()), "")
        return "; ".join(f"{k}: {p}" for k, p in pops.items())

    @property
    def version(self) -> str:
        return self.first(self.order[0]).summary.get("govsim_version", "")

    def _structure_name(self, key: str, lang: str) -> str:
        s = self.first(key).summary
        return s.get("scenario_name_zh" if lang == "zh" else "scenario_name_en", key)

    def _variant_suffix(self, key: str, lang: str) -> str:
        v = self.first(key).variant
        if v == "base":
            return ""
        return variant_suffix(self.meta.get("variant_names", {}).get(v, {}).get(lang) or v, lang)

    def name(self, key: str, lang: str) -> str:
        return (
            self._structure_name(key, lang)
            + self._variant_suffix(key, lang)
            + self._population_suffix(key, lang)
        )

    def short_name(self, key: str, lang: str) -> str:
        """The name up to its first colon or bracket, for axis labels (with the population
        of a reference run on another structure's population)."""
        n = short(self._structure_name(key, lang))
        return n + self._variant_suffix(key, lang) + self._population_suffix(key, lang)

    def _population_suffix(self, key: str, lang: str) -> str:
        return population_suffix(key, self.population_of(key), lang)

    @cached_property
    def scenarios(self) -> dict[str, Spec]:
        return {k: self.first(k).scenario() for k in self.order}

    # ---------------------------------------------------------------- the outcomes' catalog
    @cached_property
    def catalog(self) -> dict:
        """The reference run's ``catalog.json``, with the outcomes of every structure's
        (structures may run extra modules, which declare more outcomes)."""
        first = self.first(self.reference if self.reference in self.runs else self.order[0])
        cat = first.catalog()
        outcomes = dict(cat["outcomes"])
        for k in self.order:
            for key, o in self.first(k).catalog()["outcomes"].items():
                outcomes.setdefault(key, o)
        return {**cat, "outcomes": outcomes}

    @property
    def outcomes(self) -> dict[str, dict]:
        """Outcome key -> {"zh", "en", "unit", "headline", "by_group", …}: every outcome the
        runs' modules declare, in declaration order."""
        return self.catalog["outcomes"]

    @property
    def columns(self) -> list[str]:
        """The outcomes of ``table()`` (those of ``runs.csv``): every outcome but those
        marked ``"per_replicate": false`` (daily-only and count outcomes)."""
        return [k for k, o in self.outcomes.items() if o.get("per_replicate", True)]

    @property
    def headline(self) -> tuple[str, ...]:
        """The outcomes every chart and report leads with, in order."""
        return tuple(self.catalog["headline"])

    @property
    def governance(self) -> tuple[str, ...]:
        """The outcomes of how the community governs itself (the report's second table)."""
        return tuple(
            k for k, o in self.outcomes.items() if o.get("governance") and k in self.columns
        )

    @property
    def channels(self) -> dict[str, dict]:
        """Channel key -> {"zh", "en"}: how a need reached the structure."""
        return self.catalog["channels"]

    @property
    def settle_days(self) -> int:
        """Needs younger than this at the end are left out of end-of-run shares."""
        return int(self.catalog["settle_days"])

    def outcome_name(self, key: str, lang: str) -> str:
        o = self.outcomes[key]
        return o["zh"] if lang == "zh" else o["en"]

    # ---------------------------------------------------------------- tables
    def table(self) -> pd.DataFrame:
        """One row per run (``runs.csv``): run key, partition columns, replicate, seed and
        every flat outcome, as each run's ``outcomes.parquet`` holds them."""
        from govsim.results.store import outcome_row

        # read once for the runs listed (a report asks for it dozens of times)
        listed = [(k, r) for k in self.order for r in self.runs[k]]
        if self._table is None or not _same_runs(self._table[0], listed):
            frames = [
                outcome_row(r.outcomes(), k, r.replicate) for k in self.order for r in self.runs[k]
            ]
            self._table = (listed, pd.concat(frames, ignore_index=True))
        return self._table[1].copy()

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


def _same_runs(a: list[tuple[str, Run]], b: list[tuple[str, Run]]) -> bool:
    """The same runs (the same objects) under the same keys, in the same order."""
    if len(a) != len(b):
        return False
    return all(ka == kb and ra is rb for (ka, ra), (kb, rb) in zip(a, b, strict=True))
