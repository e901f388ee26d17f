"""OpenClock and WeeklySchedule on hand-checkable office hours.

Office hours: Monday to Friday 8:30–12:00 and 14:00–17:30 (7 open hours a day, 35 a
week).  Time is in hours since day 0, 00:00, and day 0 is a Monday, so Monday 9:00 is
t = 9, Tuesday 8:30 is t = 32.5, Friday 18:00 is t = 4 * 24 + 18 = 114 and the next
Monday 8:30 is t = 7 * 24 + 8.5 = 176.5.
"""

from __future__ import annotations

import numpy as np
import pytest

from govsim import load_scenario
from govsim.config.schedule import WEEKDAYS, OpenClock, WeeklySchedule

WORKDAYS = list(WEEKDAYS[:5])
OFFICE = [(WORKDAYS, [(8.5, 12.0), (14.0, 17.5)])]


def at(day: int, hour: float) -> float:
    """Calendar time of ``hour`` o'clock on ``day`` (day 0 = Monday)."""
    return day * 24.0 + hour


@pytest.fixture(scope="module")
def office() -> WeeklySchedule:
    return WeeklySchedule.from_blocks(OFFICE)


@pytest.fixture()
def clock(office) -> OpenClock:
    return OpenClock(office, days=30)


# ------------------------------------------------------------------ WeeklySchedule
def test_office_hours_per_week_and_per_day(office):
    assert office.hours_per_week() == pytest.approx(35.0)
    assert [office.hours_on(w) for w in range(7)] == pytest.approx([7, 7, 7, 7, 7, 0, 0])


def test_every_day_9_to_21_has_84_hours():
    s = WeeklySchedule.from_blocks([(list(WEEKDAYS), [(9.0, 21.0)])])
    assert s.hours_per_week() == pytest.approx(84.0)
    assert s.hours_on(6) == pytest.approx(12.0)  # Sunday


def test_always_schedule_is_open_168_hours():
    assert WeeklySchedule.always().hours_per_week() == pytest.approx(168.0)


def test_from_blocks_merges_overlapping_spans_and_adds_later_blocks():
    s = WeeklySchedule.from_blocks(
        [(["mon"], [(9.0, 12.0), (11.0, 14.0)]), (["mon", "sat"], [(18.0, 20.0)])]
    )
    assert s.intervals[0] == ((9.0, 14.0), (18.0, 20.0))
    assert s.intervals[5] == ((18.0, 20.0),)
    assert s.hours_per_week() == pytest.approx(5.0 + 2.0 + 2.0)


def test_hourly_mask_counts_hours_open_at_least_half(office):
    mask = office.hourly_mask()
    assert mask.shape == (7, 24)
    # Monday: 8–9 is open 8:30–9:00 (half an hour) -> counted; 7–8 closed; 12–13 lunch;
    # 17–18 open until 17:30 (half) -> counted; 18–19 closed
    assert mask[0, 8] and not mask[0, 7]
    assert mask[0, 11] and not mask[0, 12] and not mask[0, 13] and mask[0, 14]
    assert mask[0, 17] and not mask[0, 18]
    assert not mask[5].any() and not mask[6].any()
    assert mask[0].sum() == 8  # hours 8, 9, 10, 11, 14, 15, 16, 17


def test_scenario_office_schedule_is_the_hand_checked_one(office):
    sc = load_scenario("baseline")
    assert sc.schedule_of(sc.institutions["rc"]) == office


# ------------------------------------------------------------------ to_open
@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (at(0, 0.0), 0.0),  # Monday midnight, before opening
        (at(0, 8.5), 0.0),  # opening
        (at(0, 10.0), 1.5),
        (at(0, 12.0), 3.5),  # start of lunch
        (at(0, 13.0), 3.5),  # flat over lunch
        (at(0, 15.0), 4.5),
        (at(0, 17.5), 7.0),  # closing
        (at(0, 20.0), 7.0),  # evening: flat
        (at(1, 9.0), 7.5),  # Tuesday 9:00
        (at(4, 18.0), 35.0),  # Friday 18:00: the whole week
        (at(5, 12.0), 35.0),  # Saturday: closed
        (at(7, 8.5), 35.0),  # next Monday opening
        (at(7, 9.5), 36.0),
    ],
)
def test_to_open_hand_values(clock, t, expected):
    assert float(clock.to_open(t)) == pytest.approx(expected)


def test_to_open_is_non_decreasing(clock):
    t = np.linspace(0, 24 * 21, 5000)
    x = clock.to_open(t)
    assert np.all(np.diff(x) >= 0)
    # it grows exactly by the open hours: three weeks -> 105
    assert x[-1] == pytest.approx(105.0)


def test_to_open_extends_past_the_initial_horizon(office):
    c = OpenClock(office, days=10)
    # day 100 = 14 weeks (98 days) + Monday + Tuesday; Wednesday 0:00 -> 14*35 + 14
    assert float(c.to_open(at(100, 0.0))) == pytest.approx(14 * 35 + 14)
    assert float(c.from_open(14 * 35 + 14 + 0.5)) == pytest.approx(at(100, 9.0))


# ------------------------------------------------------------------ from_open
def test_from_open_inside_an_interval_is_the_same_either_side(clock):
    for side in ("left", "right"):
        assert float(clock.from_open(1.5, side=side)) == pytest.approx(at(0, 10.0))
        assert float(clock.from_open(4.5, side=side)) == pytest.approx(at(0, 15.0))


def test_from_open_left_vs_right_at_the_lunch_gap(clock):
    # 3.5 open hours are reached at 12:00 (work finishing then finishes at 12:00) ...
    assert float(clock.from_open(3.5, side="left")) == pytest.approx(at(0, 12.0))
    # ... but work that *starts* after 3.5 open hours starts when the office reopens at 14:00
    assert float(clock.from_open(3.5, side="right")) == pytest.approx(at(0, 14.0))


def test_from_open_left_vs_right_at_closing(clock):
    assert float(clock.from_open(7.0, side="left")) == pytest.approx(at(0, 17.5))
    assert float(clock.from_open(7.0, side="right")) == pytest.approx(at(1, 8.5))
    # the end of the week: Friday 17:30 or the next Monday 8:30
    assert float(clock.from_open(35.0, side="left")) == pytest.approx(at(4, 17.5))
    assert float(clock.from_open(35.0, side="right")) == pytest.approx(at(7, 8.5))


def test_from_open_inverts_to_open(clock):
    x = np.random.default_rng(0).random(500) * 100.0
    for side in ("left", "right"):
        t = clock.from_open(x, side=side)
        np.testing.assert_allclose(clock.to_open(t), x, atol=1e-9)


def test_from_open_lands_only_on_open_times(clock, office):
    x = np.random.default_rng(1).random(500) * 100.0
    t = clock.from_open(x, side="right")
    for ti in t:
        day, hour = divmod(float(ti), 24.0)
        spans = office.intervals[int(day) % 7]
        assert any(a <= hour + 1e-9 and hour <= b + 1e-9 for a, b in spans), ti


# ------------------------------------------------------------------ next_open
def test_friday_evening_request_starts_monday_morning(clock):
    friday_18 = at(4, 18.0)
    assert float(clock.next_open(friday_18)) == pytest.approx(at(7, 8.5))
    # the same through the open-time round trip used by the queue
    x = clock.to_open(friday_18)
    assert float(clock.from_open(x, side="right")) == pytest.approx(at(7, 8.5))


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (at(0, 9.0), at(0, 9.0)),  # open: itself
        (at(0, 8.5), at(0, 8.5)),  # exactly opening
        (at(0, 6.0), at(0, 8.5)),  # before opening
        (at(0, 12.5), at(0, 14.0)),  # lunch
        (at(0, 20.0), at(1, 8.5)),  # evening
        (at(5, 10.0), at(7, 8.5)),  # Saturday
        (at(6, 23.0), at(7, 8.5)),  # Sunday night
    ],
)
def test_next_open_hand_values(clock, t, expected):
    assert float(clock.next_open(t)) == pytest.approx(expected)


def test_next_open_vectorised(clock):
    t = np.array([at(0, 9.0), at(0, 12.5), at(4, 18.0)])
    np.testing.assert_allclose(clock.next_open(t), [at(0, 9.0), at(0, 14.0), at(7, 8.5)])


def test_schedule_without_open_hours_has_no_clock():
    with pytest.raises(ValueError):
        OpenClock(WeeklySchedule(tuple(() for _ in WEEKDAYS)), days=7)
