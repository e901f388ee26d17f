"""Writing a run's outputs: ``summary.json``, ``daily.csv``, ``needs.parquet``,
``hops.parquet``, ``scenario.json`` and ``catalog.json``.

Every file is written to a temporary name in the same directory and renamed into place
(``govsim.io``), so an interrupted run never leaves a half-written file and never clobbers
a good one with a broken one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from govsim import __version__
from govsim.core.module import catalog as module_catalog
from govsim.core.records import CHANNEL_NAMES, GROUP_CODES, HOP_EVENTS, STATUS_NAMES
from govsim.io import atomic_write, write_csv, write_json, write_parquet  # noqa: F401
from govsim.labels import NEED_TYPE_KEYS


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
            "channel": np.where(ch >= 0, np.array(CHANNEL_NAMES)[np.maximum(ch, 0)], ""),
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


def catalog(model) -> dict:
    """``catalog.json`` of a run: the catalogue of its own modules' outcomes."""
    return module_catalog(model.modules)


def write_run(model, out: Path, settings: dict | None = None) -> dict:
    """Write a finished run to ``out``; returns the summary written."""
    out = Path(out)
    summary = model.summary()
    summary["govsim_version"] = __version__
    summary["scenario_file"] = Path(model.spec.file).name
    if settings:
        summary["settings"] = settings
    # the exact structure this run used, for org charts and audits
    write_json(out / "scenario.json", model.spec.model_dump(mode="json"))
    write_csv(out / "daily.csv", daily_frame(model))
    write_parquet(out / "needs.parquet", needs_frame(model))
    write_parquet(out / "hops.parquet", hops_frame(model))
    write_json(out / "catalog.json", catalog(model))
    write_json(out / "summary.json", summary)
    return summary
