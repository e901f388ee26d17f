"""``govsim robustness DIR``: the claims a report makes, and in how many contested settings
each one holds.

A batch of an experiment with ``[[ranges]]`` (``experiments/contested.toml``) runs every
structure at each sampled setting of the contested assumptions, on the same seeds, and on
each population option of ``experiment.populations`` (the population profile is an
assumption too, enumerated rather than sampled: a structure and its reference must run on
the same people).  A **setting** is one sampled point on one population option; the files'
setting is the files' values on the first option.

The **claims** are read at the files' setting, as the report's front page makes them:

- ``reference``: structure X is better (or worse) than the reference it is paired with on a
  headline outcome (faster, more participatory, cheaper …), or no different;
- ``pair``: X is more participatory (or faster) than Y;
- ``first``: X is first on participation (on response), ahead of every other structure.

A claim of a difference **holds** at a setting only if the difference goes its way by more
than the outcome's declared ``matters`` (``govsim.core.module.Outcome``; rule 8: a difference
too small to matter is not a finding); a claim of no difference holds where the difference
is within it.  Each claim's ``share`` is the share of the contested settings (every setting
but the files') where it holds.

Which assumptions a claim **hinges on**: scenario discovery with PRIM (the EMA workbench's
``ema_workbench.analysis.prim``) over the contested settings, the cases of interest being
those where the claim fails; of the boxes on the peeling trajectory the one with the
largest coverage × density is kept, and its restricted dimensions, with their limits, are
what the claim hinges on (coverage: the share of the failures inside the box; density: the
share of the box's settings where the claim fails) — each only when its quasi-p value is
below ``QP_MAX`` (a region that few sampled settings cannot tell apart from chance is not
named; the claim then "fails in no single region").

Written to ``--out`` (default ``DIR``): ``claims.parquet`` and ``.csv`` (one row per claim),
``claim_settings.parquet`` (each claim at each setting: the difference and whether it
holds), ``claim_boxes.parquet`` and ``.csv`` (each claim's box, one row per restricted
assumption), ``claim_names.json`` (the names a report quotes them with) and
``claims_<lang>.png`` / ``.svg``.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from govsim.results.atomic import write_csv, write_json, write_parquet
from govsim.results.tables import too_small

BASE = "base"  # the variant with the files' values (govsim.experiments.experiment.BASE)
DECLARED = "declared"
POPULATION = "population profile"  # the enumerated assumption's column in the boxes
# the outcomes of the pair and ranking claims (the report's "which structure for which goal")
RANKED = ("participation_mean", "response_time_median_h")
QP_MAX = 0.05  # a box's restriction names an assumption only if its quasi-p value is below
CLAIMS_FILE = "claims.parquet"
NAMES_FILE = "claim_names.json"  # names of the claims' outcomes, structures and assumptions


class RobustnessError(RuntimeError):
    """The directory cannot be analysed: says which and why, in one line."""


@dataclass(frozen=True)
class Rule:
    """How an outcome's claims are read: which way is better and the smallest difference
    that is a finding (its ``Outcome`` declaration)."""

    better: str  # "higher" or "lower"
    matters: float


def rules(outcomes: dict) -> dict[str, Rule]:
    """The claim rules of the outcomes that declare both ``better`` and ``matters`` (a
    catalogue's outcomes or ``govsim.core.summary.OUTCOMES``)."""
    out = {}
    for k, o in outcomes.items():
        get = o.get if isinstance(o, dict) else lambda a, o=o: getattr(o, a)
        if get("better") and get("matters"):
            out[k] = Rule(get("better"), float(get("matters")))
    return out


def _gain(a: float, b: float, rule: Rule) -> float:
    """How far ``a`` is better than ``b`` (negative: worse), in the outcome's unit."""
    return (a - b) if rule.better == "higher" else (b - a)


def _holds(direction: str, gain: float, m: float) -> bool:
    """Whether a claim in ``direction`` holds with this gain: beyond ``m`` (by more than
    rounding: a difference equal to it is not beyond it), or within it for "same"."""
    if gain != gain:
        return False
    if too_small(gain, m):
        return direction == "same"
    return direction == ("better" if gain > 0 else "worse")


def _direction(gain: float, m: float) -> str:
    return "same" if too_small(gain, m) else "better" if gain > 0 else "worse"


# ---------------------------------------------------------------- the claims


@dataclass
class Layout:
    """What the claims are computed over: the structures (the reference first), the
    population each declares, the population options, the sampled variants, and the
    structure each is compared with (``reference_of``; default: the first), always on the
    structure's own people."""

    structures: list[str]
    declared: dict[str, str]
    options: list[str]
    variants: list[str]  # sampled points (BASE not included)
    reference_of: dict[str, str] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        return self.structures[0]

    def reference_for(self, s: str) -> str:
        return self.reference_of.get(s, self.reference)

    def population(self, s: str, option: str) -> str:
        return self.declared[s] if option == DECLARED else option

    def settings(self) -> list[tuple[str, str]]:
        """The files' setting first, then every contested one."""
        out = [(v, o) for v in [BASE, *self.variants] for o in self.options]
        files = (BASE, self.options[0])
        return [files, *[x for x in out if x != files]]


def claims_at_settings(
    means: pd.DataFrame, layout: Layout, rule_of: dict[str, Rule]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every claim at every setting, and one row per claim with its share.

    ``means``: one row per (structure, variant, population) with the outcomes (means over
    replicates)."""
    idx = means.set_index(["structure", "variant", "population"])
    settings = layout.settings()

    def value(s: str, v: str, o: str, outcome: str, people: str | None = None) -> float:
        """``s`` at variant ``v`` on its population under option ``o`` (or on ``people``'s)."""
        k = (s, v, layout.population(people or s, o))
        return float(idx.at[k, outcome]) if k in idx.index else float("nan")

    rows: list[dict] = []
    others = [s for s in layout.structures if layout.reference_for(s) != s]
    others = [s for s in others if s != layout.reference]

    def add(claim: dict, gains: list[float], where: list[tuple[str, str]] = settings):
        files_gain = gains[0]
        direction = claim.pop("direction", None) or _direction(files_gain, claim["matters"])
        for (v, o), g in zip(where, gains, strict=True):
            rows.append(
                {
                    **claim,
                    "direction": direction,
                    "variant": v,
                    "option": o,
                    "files": (v, o) == where[0],
                    "difference": g,
                    "holds": _holds(direction, g, claim["matters"]),
                }
            )

    for outcome, rule in rule_of.items():
        for s in others:
            ref = layout.reference_for(s)  # on the same people as s
            gains = [
                _gain(value(s, v, o, outcome), value(ref, v, o, outcome, people=s), rule)
                for v, o in settings
            ]
            claim = {"kind": "reference", "outcome": outcome, "subject": s, "other": ref}
            add({**claim, "claim": f"reference:{outcome}:{s}", "matters": rule.matters}, gains)
    for outcome in RANKED:
        if outcome not in rule_of:
            continue
        rule = rule_of[outcome]

        # structures are compared with one another only where they meet the same people on
        # the same seeds (rule 3): the settings whose population option puts them all on one
        # profile; the first such setting stands for the files' values
        def common(group) -> list[tuple[str, str]]:
            return [
                (v, o) for v, o in settings if len({layout.population(s, o) for s in group}) == 1
            ]

        # pairs of structures other than the reference, the better one at the files first
        for i, a in enumerate(others):
            for b in others[i + 1 :]:
                where = common((a, b))
                if not where:
                    continue
                fa, fb = value(a, *where[0], outcome), value(b, *where[0], outcome)
                x, y = (a, b) if _gain(fa, fb, rule) >= 0 else (b, a)
                gains = [
                    _gain(value(x, v, o, outcome), value(y, v, o, outcome), rule) for v, o in where
                ]
                claim = {"kind": "pair", "outcome": outcome, "subject": x, "other": y}
                add(
                    {**claim, "claim": f"pair:{outcome}:{x}:{y}", "matters": rule.matters},
                    gains,
                    where,
                )
        # first: the leader at the files, ahead of every other structure by more than matters
        where = common(layout.structures)
        if not where:
            continue
        files = {s: value(s, *where[0], outcome) for s in layout.structures}
        known = {s: v for s, v in files.items() if v == v}
        if len(known) < 2:
            continue
        ranked = sorted(known, key=lambda s: _gain(known[s], 0.0, rule), reverse=True)
        leader, runner = ranked[0], ranked[1]
        lead = _gain(known[leader], known[runner], rule)
        clear = lead > rule.matters
        gains = []
        for v, o in where:
            vals = {s: value(s, v, o, outcome) for s in layout.structures}
            # clear: the leader's lead over the next (negative when another is ahead);
            # none clearly first: the lead of whoever is first
            who = [leader] if clear else list(vals)
            leads = [min(_gain(vals[w], vals[s], rule) for s in vals if s != w) for w in who]
            gains.append(max(leads))
        claim = {
            "kind": "first",
            "outcome": outcome,
            "subject": leader,
            "other": runner,
            "claim": f"first:{outcome}:{leader}",
            "matters": rule.matters,
            # no lead that matters at the files: the claim is that none is clearly first
            "direction": "better" if clear else "same",
        }
        add(claim, gains, where)
    at = pd.DataFrame(rows)
    if at.empty:
        raise RobustnessError("no claims: no outcome declares both better and matters")
    contested = at[~at["files"]]
    share = contested.groupby("claim", sort=False)["holds"].mean()
    counted = contested.groupby("claim", sort=False)["difference"].count()
    rng = contested.groupby("claim", sort=False)["difference"].agg(["min", "max"])
    first = at[at["files"]].set_index("claim")
    summary = first[["kind", "outcome", "subject", "other", "direction", "matters"]].copy()
    summary["difference_files"] = first["difference"]
    summary["holds_at_files"] = first["holds"]
    summary["share"] = share
    summary["difference_min"] = rng["min"]
    summary["difference_max"] = rng["max"]
    summary["settings"] = counted
    return at, summary.reset_index()


# ---------------------------------------------------------------- what a claim hinges on


def prim_box(x: pd.DataFrame, fails: np.ndarray) -> dict | None:
    """PRIM (EMA workbench) on the settings ``x`` (numbers, or categories) with the cases of
    interest ``fails``: the box on the peeling trajectory with the largest coverage ×
    density — its coverage, density, and the limits of each restricted dimension.  None
    when the claim never fails or always fails (nothing to discover)."""
    fails = np.asarray(fails, dtype=bool)
    if not fails.any() or fails.all():
        return None
    x = x.loc[:, [c for c in x.columns if x[c].nunique(dropna=False) > 1]]
    if x.shape[1] == 0:
        return None
    logging.getLogger("EMA").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        p = prim.Prim(x.reset_index(drop=True), fails)
        box = p.find_box()
    traj = box.peeling_trajectory
    score = (traj["coverage"] * traj["density"]).to_numpy()
    i = int(np.argmax(score))
    lims, init = box.box_lims[i], box.box_lims[0]
    restricted = []
    for c in x.columns:
        lo, hi = lims[c].iloc[0], lims[c].iloc[1]
        ilo, ihi = init[c].iloc[0], init[c].iloc[1]
        # the quasi-p value of the restriction (Bryant & Lempert 2010): how likely a box this
        # dense by chance; the smaller of its two sides (-1: a side not restricted)
        qps = [q for q in box.p_values[i].get(c, []) if q is not None and q >= 0]
        qp = float(min(qps)) if qps else float("nan")
        if isinstance(lo, set):
            if lo != ilo:
                restricted.append({"parameter": c, "values": sorted(map(str, lo)), "qp": qp})
        elif lo != ilo or hi != ihi:
            restricted.append(
                {"parameter": c, "low": float(lo), "high": float(hi), "of": (ilo, ihi), "qp": qp}
            )
    return {
        "coverage": float(traj["coverage"].iloc[i]),
        "density": float(traj["density"].iloc[i]),
        "mass": float(traj["mass"].iloc[i]),
        "restricted": restricted,
    }


def setting_frame(
    points: list[dict], ranges: list[dict], layout: Layout, settings: list[tuple[str, str]]
) -> pd.DataFrame:
    """The contested settings as the assumptions' values: a column per range (a choice as
    its value, a category) and the population option when there are several."""
    by_variant = {f"p{i:04d}": p for i, p in enumerate(points)}
    rows = []
    for v, o in settings:
        pt = by_variant.get(v)
        row = {}
        for r in ranges:
            name = _range_name(r)
            val = pt[name] if pt is not None else float("nan")
            if r.get("choices") and pt is None:  # the files' own value: not a sampled one
                row[name] = None
            elif r.get("choices"):
                ch = r["choices"]
                row[name] = str(ch[min(max(int(math.floor(val)), 0), len(ch) - 1)])
            else:
                row[name] = val
        if len(layout.options) > 1:
            row[POPULATION] = o
        rows.append(row)
    x = pd.DataFrame(rows)
    for c in x.columns:
        if x[c].dtype == object:
            x[c] = x[c].astype("category")
    return x


def applies_to(ranges: list[dict]) -> dict[str, set[str] | None]:
    """The structures each range changes (None: every structure)."""
    return {_range_name(r): (set(r["structures"]) if r.get("structures") else None) for r in ranges}


def _range_name(r: dict) -> str:
    where = f"[{','.join(r['structures'])}]" if r.get("structures") else ""
    return f"{r.get('file', 'population')}.{r['key']}{where}"


def hinges(
    at: pd.DataFrame,
    summary: pd.DataFrame,
    x: pd.DataFrame,
    settings: list[tuple[str, str]],
    applies: dict[str, set[str] | None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each claim's PRIM box over the sampled settings (the files' variant left out: its
    assumptions are the files' values, not a sampled point).  ``applies``: the structures
    each assumption changes (None: all, as a population's); a claim is searched over the
    assumptions that change one of its structures only (a ranking: all of them) — a
    committee's staff in one file cannot decide a comparison of two others."""
    keep = [i for i, (v, _) in enumerate(settings) if v != BASE]
    xs = x.iloc[keep].reset_index(drop=True)
    applies = applies or {}
    boxes, cov, den, text = [], {}, {}, {}
    for claim, g in at.groupby("claim", sort=False):
        first = g.iloc[0]
        involved = None if first["kind"] == "first" else {first["subject"], first["other"]}
        cols = [
            c
            for c in xs.columns
            if involved is None or applies.get(c) is None or applies[c] & involved
        ]
        g = g.set_index(["variant", "option"]).reindex(settings)
        # the settings the claim is read at (a comparison of structures: only those where
        # they meet the same people)
        present = g["holds"].notna().to_numpy()[keep]
        holds = g["holds"].fillna(False).to_numpy(dtype=bool)[keep][present]
        box = prim_box(xs.loc[present, cols].reset_index(drop=True), ~holds)
        if box is None:
            text[claim] = "" if holds.all() else "*"
            continue
        cov[claim], den[claim] = box["coverage"], box["density"]
        names = []
        for r in box["restricted"]:
            significant = bool(r["qp"] <= QP_MAX)
            boxes.append(
                {
                    "claim": claim,
                    "parameter": r["parameter"],
                    "low": r.get("low", float("nan")),
                    "high": r.get("high", float("nan")),
                    "range_low": r["of"][0] if "of" in r else float("nan"),
                    "range_high": r["of"][1] if "of" in r else float("nan"),
                    "values": json.dumps(r.get("values"), ensure_ascii=False)
                    if "values" in r
                    else "",
                    "coverage": box["coverage"],
                    "density": box["density"],
                    "qp": r["qp"],
                    "significant": significant,
                }
            )
            if significant:
                names.append(r["parameter"])
        # "*": the claim fails somewhere, but in no region the sample tells apart from chance
        text[claim] = "; ".join(names) or "*"
    summary = summary.copy()
    summary["hinges_on"] = summary["claim"].map(text).fillna("")
    summary["box_coverage"] = summary["claim"].map(cov)
    summary["box_density"] = summary["claim"].map(den)
    cols = [
        "claim",
        "parameter",
        "low",
        "high",
        "range_low",
        "range_high",
        "values",
        "coverage",
        "density",
        "qp",
        "significant",
    ]
    return summary, pd.DataFrame(boxes, columns=cols)


# ---------------------------------------------------------------- a batch directory


def load_batch(d: Path) -> tuple[pd.DataFrame, Layout, dict, dict]:
    """A finished batch's means per (structure, variant, population), its layout, its
    manifest's experiment configuration and its outcomes' catalogue."""
    from govsim.results.reading import Results, ResultsError
    from govsim.results.store import OutputError, read_manifest

    d = Path(d)
    if not d.is_dir():
        raise RobustnessError(f"{d}: no such directory; give the results directory of a batch")
    try:
        manifest = read_manifest(d)
    except OutputError as e:
        raise RobustnessError(str(e)) from None
    if manifest is None:
        raise RobustnessError(
            f"{d}: not a batch (no manifest.json); run `govsim batch contested --out {d}` first"
        )
    config = manifest.get("config", {})
    if not config.get("points") and len(config.get("settings", {}).get("populations", [])) < 2:
        raise RobustnessError(
            f"{d}: the batch samples no assumptions (no [[ranges]] and one population); run an "
            "experiment with [[ranges]] such as experiments/contested.toml"
        )
    try:
        res = Results.load(d)
    except (ResultsError, FileNotFoundError) as e:
        raise RobustnessError(str(e)) from None
    if res.unfinished:
        raise RobustnessError(
            f"{d}: unfinished: {len(res.unfinished)} planned runs are missing (first: "
            f"{res.unfinished[0]}); run the batch again to complete it"
        )
    meta = res.meta
    table = res.table()
    table["structure"] = table["key"].map(meta["structures"])
    table["variant"] = table["key"].map(meta["variants"])
    table["population"] = table["key"].map(meta["populations"])
    outcomes = [c for c in res.outcomes if c in table]
    means = (
        table.groupby(["structure", "variant", "population"], sort=False)[outcomes]
        .mean()
        .reset_index()
    )
    structures = list(dict.fromkeys(meta["structures"][k] for k in res.order))
    declared = {s: meta["populations"][s] for s in structures if s in meta["populations"]}
    options = [
        p if p == DECLARED else Path(p).stem for p in config["settings"].get("populations", [])
    ]
    variants = [f"p{i:04d}" for i in range(len(config.get("points", [])))]
    # each structure's reference: the structure of the run its files' run is paired with
    reference_of = {
        s: meta["structures"].get(meta.get("reference_of", {}).get(s), structures[0])
        for s in structures
    }
    layout = Layout(structures, declared, options, variants, reference_of)
    return means, layout, config, res.catalog


def robustness(d: Path, out: Path | None = None, langs: tuple[str, ...] = ("zh", "en")):
    """Claims, their shares and boxes for batch directory ``d``; written to ``out``."""
    means, layout, config, catalog = load_batch(d)
    rule_of = rules(catalog["outcomes"])
    at, summary = claims_at_settings(means, layout, rule_of)
    settings = layout.settings()
    x = setting_frame(config.get("points", []), config.get("ranges", []), layout, settings)
    summary, boxes = hinges(at, summary, x, settings, applies_to(config.get("ranges", [])))
    summary["contested_settings"] = len(settings) - 1
    names = claim_names(catalog, config, d)
    names["contested_settings"] = len(settings) - 1
    names["experiment"] = _experiment_key(d)
    st = config.get("settings", {})
    names["runs"] = {k: st.get(k) for k in ("residents", "days", "replicates")}
    out = Path(out) if out is not None else Path(d)
    charts = write_claims(out, summary, at, boxes, names, langs)
    return summary, boxes, charts, names


def write_claims(
    out: Path,
    summary: pd.DataFrame,
    at: pd.DataFrame,
    boxes: pd.DataFrame,
    names: dict,
    langs: tuple[str, ...] = ("zh", "en"),
) -> list[Path]:
    """The claims' tables, names and charts in ``out``; returns the charts."""
    from govsim.presentation.charts.claims import save_claims_chart

    out.mkdir(parents=True, exist_ok=True)
    write_parquet(out / CLAIMS_FILE, summary)
    write_csv(out / "claims.csv", summary)
    write_parquet(out / "claim_settings.parquet", at)
    write_parquet(out / "claim_boxes.parquet", boxes)
    write_csv(out / "claim_boxes.csv", boxes)
    write_json(out / NAMES_FILE, names)
    return [save_claims_chart(summary, names, out, lang) for lang in langs]


def _experiment_key(d: Path) -> str:
    from govsim.results.store import read_manifest

    return (read_manifest(Path(d)) or {}).get("experiment", "")


def claim_names(catalog: dict, config: dict, d: Path) -> dict:
    """Names of the outcomes, structures and assumptions in both languages."""
    from govsim.results.reading import Results, short

    res = Results.load(d)
    return {
        "outcomes": {k: {"zh": o["zh"], "en": o["en"]} for k, o in catalog["outcomes"].items()},
        "structures": {
            s: {"zh": short(res.name(s, "zh")), "en": short(res.name(s, "en"))}
            for s in res.structures
        },
        "parameters": {
            _range_name(r): {"zh": r.get("name_zh") or r["key"], "en": r.get("name_en") or r["key"]}
            for r in config.get("ranges", [])
        },
    }
