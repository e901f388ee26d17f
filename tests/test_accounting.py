"""Every need is accounted for, at every step, in every built-in scenario; times are
consistent and statuses valid."""

from __future__ import annotations

import numpy as np
import pytest

from govsim import GovernanceModel, list_scenarios
from govsim.core.records import (
    ABANDONED,
    ACTIVITY,
    IN_SYSTEM,
    NEVER_REPORTED,
    RESOLVED,
    STATUS_NAMES,
    UNREPORTED,
)

RESIDENTS = 3000
DAYS = 60
VALID = {UNREPORTED, IN_SYSTEM, RESOLVED, NEVER_REPORTED, ABANDONED}


class Run:
    """A run stepped day by day, with the accounting checked after every step."""

    def __init__(self, name: str):
        self.m = GovernanceModel(name, residents=RESIDENTS, seed=3)
        self.per_step: list[dict] = []
        self.bad_status_steps: list[int] = []
        for day in range(DAYS):
            self.m.step()
            c = self.m.check_accounting()
            self.per_step.append({**c, "n": self.m.needs.n})
            if not set(np.unique(self.m.needs.col("status")).tolist()) <= VALID:
                self.bad_status_steps.append(day)


@pytest.fixture(scope="module", params=list_scenarios())
def run(request) -> Run:
    return Run(request.param)


def test_every_need_accounted_for_at_every_step(run):
    assert len(run.per_step) == DAYS
    for day, c in enumerate(run.per_step):
        assert set(c) == {*STATUS_NAMES, "n"}
        assert sum(c[s] for s in STATUS_NAMES) == c["n"], (day, c)
    assert run.per_step[-1]["n"] > 200
    # the need table only grows
    ns = [c["n"] for c in run.per_step]
    assert ns == sorted(ns)


def test_daily_record_accounts_for_every_need(run):
    df = run.m.datacollector.get_model_vars_dataframe()
    total = (
        df["needs_unreported"]
        + df["needs_in_system"]
        + df["needs_resolved"]
        + df["needs_never_reported"]
        + df["needs_abandoned"]
    )
    assert (total == df["needs_arisen"]).all()
    assert df["needs_arisen"].tolist() == [c["n"] for c in run.per_step]


def test_statuses_only_take_valid_codes(run):
    assert not run.bad_status_steps
    st = run.m.needs.col("status")
    assert set(np.unique(st).tolist()) <= VALID
    # after 60 days something has been resolved and something is still pending
    assert (st == RESOLVED).any()
    assert ((st == UNREPORTED) | (st == IN_SYSTEM)).any()


def test_resolved_needs_are_resolved_after_they_arose(run):
    nd = run.m.needs
    res = nd.col("status") == RESOLVED
    tr, ta = nd.col("t_resolved")[res], nd.col("t_arose")[res]
    assert np.isfinite(tr).all()
    assert (tr >= ta).all()
    # and by the end of the last simulated day
    assert (tr < run.m.day_count * 24.0).all()
    np.testing.assert_array_equal(nd.col("t_ended")[res], tr)


def test_reported_needs_are_resolved_after_they_were_reported(run):
    nd = run.m.needs
    res = (nd.col("status") == RESOLVED) & (nd.col("reports") > 0)
    tp, tr = nd.col("t_reported")[res], nd.col("t_resolved")[res]
    early = tp > tr
    assert not early.any(), (
        f"{int(early.sum())} needs resolved before they were reported; types "
        f"{np.unique(nd.col('type')[res][early]).tolist()} (activity = {ACTIVITY}); "
        f"e.g. reported {tp[early][:3]}, resolved {tr[early][:3]}"
    )


def test_reports_and_channels_match_status(run):
    nd = run.m.needs
    st, reports, lost = nd.col("status"), nd.col("reports"), nd.col("lost")
    ta, tp = nd.col("t_arose"), nd.col("t_reported")
    # in the system means reported at least once, at or after arising
    assert (reports[st == IN_SYSTEM] > 0).all()
    rep = reports > 0
    assert (tp[rep] >= ta[rep]).all()
    assert (nd.col("channel")[rep] >= 0).all()
    # never reported: no report, nothing lost; abandoned: lost on the way at least once
    assert (reports[st == NEVER_REPORTED] == 0).all()
    assert (lost[st == NEVER_REPORTED] == 0).all()
    assert (lost[st == ABANDONED] > 0).all()
    # only wishes for activities are met without a report (by taking part)
    unrep_resolved = (st == RESOLVED) & ~rep
    assert (nd.col("type")[unrep_resolved] == ACTIVITY).all()
    # ended needs have an end time not before they arose
    ended = (st == NEVER_REPORTED) | (st == ABANDONED)
    assert (nd.col("t_ended")[ended] >= ta[ended]).all()
