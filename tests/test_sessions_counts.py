"""The participation counts kept by day (``sessions._LastDays``) equal a count over the
residents' last days, and ``recent_any`` equals the union of the ongoing kinds."""

import numpy as np

import govsim
from govsim.core.mechanisms.sessions import CIVIC_DAYS, KINDS, ONGOING, RECENT_DAYS, _LastDays
from govsim.core.records import CHILD, NEVER


def test_daily_counts_match_the_residents_last_days():
    m = govsim.GovernanceModel("chengdong", residents=1500, seed=4)
    ses = next(x for x in m.modules if x.name == "sessions")
    r = m.residents
    took = False
    for _ in range(6):
        m.run(40)
        day = m.day_count - 1
        got = ses.daily(day)
        first = day - (RECENT_DAYS - 1)
        for k in KINDS:
            assert got[f"participation_{k}"] == np.count_nonzero(r.last_day[k] >= first) / r.n
        recent = np.zeros(r.n, dtype=bool)
        for k in ONGOING:
            recent |= r.last_day[k] >= first
        assert np.array_equal(ses.recent_any(day), recent)
        assert got["participation_rate"] == np.count_nonzero(recent) / r.n
        adult = r.age_group != CHILD
        civic = (np.maximum(r.last_day["deliberation"], r.last_day["election"])) >= day - (
            CIVIC_DAYS - 1
        )
        assert got["participation_civic_year"] == np.count_nonzero(civic & adult) / adult.sum()
        took = took or recent.any()
    assert took  # someone took part, so the counts were exercised


def test_last_days_counts_move_with_the_days():
    last = np.full(6, NEVER, dtype=np.int32)
    t = _LastDays(last)
    t.set(np.array([0, 1, 2]), 3)
    t.set(np.array([1, 4]), 700)  # past the first block of days
    assert list(last) == [3, 700, 3, NEVER, 700, NEVER]
    assert t.since(0) == 4 and t.since(4) == 2 and t.since(701) == 0
    kids = np.array([True, False, True, True, False, False])
    c = _LastDays(np.full(6, NEVER, dtype=np.int32), kids)
    c.set(np.array([0, 1, 5]), 2)
    assert c.since(0) == 1
