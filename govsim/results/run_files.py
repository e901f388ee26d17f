"""A run's output files, made from a finished model: ``summary.json``, ``outcomes.parquet``,
``daily.parquet``, ``needs.parquet``, ``hops.parquet``, ``scenario.json`` and
``catalog.json``.

With them ``.govsim-run.json``, the run's content record (``store.content_record``: the
sha256 of every file, so a damaged file is found, and govsim's mark on a directory it made).

``run_files`` makes them as bytes (in the worker that ran the model, so a batch's parent
process writes every file and a cluster needs no shared disk); ``write_run`` writes one run
into a directory, each file to a temporary name renamed into place
(``govsim.results.atomic``).  The only module of ``govsim.results`` that reads a model:
the others read the files back without the simulator.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from govsim.config.vocabulary import NEED_TYPE_KEYS
from govsim.core.measure import SETTLE_DAYS
from govsim.core.module import channel_terms, declared
from govsim.core.records import GROUP_CODES, HOP_EVENTS, STATUS_NAMES
from govsim.results.atomic import atomic_write, jsonable
from govsim.results.store import RUN_RECORD, content_record
from govsim.version import __version__


def daily_frame(model) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def needs_frame(model) -> pd.DataFrame:
    nd = model.needs
    node_names = np.array([f"{a.key}#{a.instance}" for a in model.node_agents] + [""])

    def node(col):
        v = nd.col(col).astype(np.int64)
        return node_names[np.where(v >= 0, v, len(node_names) - 1)]

    ch = nd.col("channel").astype(np.int64)
    return pd.DataFrame(
        {
            "need_id": np.arange(nd.n, dtype=np.int64),
            "type": np.array(NEED_TYPE_KEYS)[nd.col("type").astype(np.int64)],
            "resident": nd.col("resident"),
            "group": np.array(GROUP_CODES)[nd.col("group").astype(np.int64)],
            "status": np.array(STATUS_NAMES)[nd.col("status").astype(np.int64)],
            "channel": np.where(ch >= 0, np.array(model.world.channels)[np.maximum(ch, 0)], ""),
            "entry": node("entry"),
            "resolver": node("resolver"),
            "t_arose_h": nd.col("t_arose"),
            "t_reported_h": nd.col("t_reported"),
            "t_resolved_h": np.where(
                nd.col("status") == STATUS_NAMES.index("resolved"), nd.col("t_resolved"), np.nan
            ),
            "t_ended_h": nd.col("t_ended"),
            "response_time_h": np.where(
                nd.col("status") == STATUS_NAMES.index("resolved"),
                nd.col("t_resolved") - nd.col("t_arose"),
                np.nan,
            ),
            "hops": nd.col("hops"),
            "times_lost": nd.col("lost"),
            "reports": nd.col("reports"),
        }
    )


def hops_frame(model) -> pd.DataFrame:
    """One row per hop of a need: the institution, when it arrived (``t_in_h``), when it
    left — relayed, lost, or served (``t_out_h``) — and when service started."""
    h = model.world.hops.arrays()
    names = np.array([f"{a.key}#{a.instance}" for a in model.node_agents])
    df = pd.DataFrame(
        {
            "need_id": h["need"].astype(np.int64),
            "institution": names[h["node"].astype(np.int64)],
            "t_in_h": h["t_in"],
            "t_start_h": h["t_start"],
            "t_out_h": h["t_out"],
            "event": np.array(HOP_EVENTS)[h["event"].astype(np.int64)],
        }
    )
    return df.sort_values(["need_id", "t_in_h"], kind="stable").reset_index(drop=True)


def catalog(modules) -> dict:
    """The outcome catalogue written beside every run (``catalog.json``): names, units and
    roles of the outcomes the modules declare, the headline ones by their declared rank,
    the channels, and how old a need must be to count in end-of-run shares.  Presentation
    reads it and never imports the simulator."""
    outs = declared(list(modules), "outcomes")
    return {
        "outcomes": {
            o.key: {
                "zh": o.zh,
                "en": o.en,
                "unit": o.unit,
                "headline": o.headline is not None,
                "by_group": o.by_group,
                "daily": o.daily,
                "per_replicate": o.per_replicate,
                "governance": o.governance,
                "better": o.better,
                "matters": o.matters,
            }
            for o in outs
        },
        "headline": [
            o.key
            for o in sorted((o for o in outs if o.headline is not None), key=lambda o: o.headline)
        ],
        "channels": {k: {"zh": c.zh, "en": c.en} for k, c in channel_terms(modules).items()},
        "settle_days": SETTLE_DAYS,
    }


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    # plain strings (not large_string), as Hive partitioning reads the directory names
    schema = pa.schema(
        [f.with_type(pa.string()) if pa.types.is_large_string(f.type) else f for f in table.schema],
        metadata=table.schema.metadata,
    )
    buf = io.BytesIO()
    pq.write_table(table.cast(schema), buf)
    return buf.getvalue()


def _json_bytes(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=jsonable).encode("utf-8")


def _with_columns(df: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """``df`` with the run's identifying columns first (a batch's partition columns)."""
    lead = pd.DataFrame({k: [v] * len(df) for k, v in columns.items()}, index=df.index)
    return pd.concat([lead, df], axis=1)


def run_files(
    model,
    settings: dict | None = None,
    columns: dict | None = None,
    outputs: tuple[str, ...] = ("daily", "needs", "hops"),
) -> tuple[dict[str, bytes], dict]:
    """A finished run's files as bytes (name -> content) and its summary.

    Always ``summary.json`` (every outcome, nested), ``outcomes.parquet`` (one flat row),
    ``scenario.json`` (the structure exactly as run) and ``catalog.json`` (what the outcomes
    are); of ``outputs``: ``daily.parquet``, ``needs.parquet``, ``hops.parquet``.
    ``columns`` (a batch run's partition: structure, variant, population, rep) are put
    first in every table, so one glob reads a whole batch.
    """
    from govsim.core.summary import by_group, per_replicate
    from govsim.results.tables import flat_row

    columns = dict(columns or {})
    summary = model.summary()
    summary["govsim_version"] = __version__
    summary["scenario_file"] = Path(model.spec.file).name
    if settings:
        summary["settings"] = settings
    flat = flat_row(summary, per_replicate(), by_group())
    # every outcome a float (None as NaN), so all runs' rows share one schema
    flat = {k: (math.nan if v is None else float(v)) for k, v in flat.items()}
    outcomes = _with_columns(pd.DataFrame([{"seed": model.seed, **flat}]), columns)
    files = {
        "scenario.json": _json_bytes(model.spec.model_dump(mode="json")),
        "catalog.json": _json_bytes(catalog(model.modules)),
        "outcomes.parquet": _parquet_bytes(outcomes),
    }
    frames = {"daily": daily_frame, "needs": needs_frame, "hops": hops_frame}
    for name in outputs:
        files[f"{name}.parquet"] = _parquet_bytes(_with_columns(frames[name](model), columns))
    files["summary.json"] = _json_bytes({**summary, "files": sorted([*files, RUN_RECORD])})
    files[RUN_RECORD] = content_record(files)
    return files, summary


def write_run(model, out: Path, settings: dict | None = None) -> dict:
    """Write a finished run to ``out`` (each file atomically); returns the summary."""
    out = Path(out)
    files, summary = run_files(model, settings)
    # summary.json, then the content record last: a directory with them holds a whole run
    for name in sorted(files, key=lambda n: (n == RUN_RECORD, n == "summary.json")):
        data = files[name]
        atomic_write(out / name, lambda tmp, data=data: tmp.write_bytes(data))
    return summary
