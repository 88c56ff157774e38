"""Weekly rosters expanded into shifts: the pure function, on tiny rosters checked by hand."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from fleet.roster import (
    DateException,
    ExceptionKind,
    WeeklyPattern,
    date_range,
    local_instant,
    roster_expand,
    weekdays_label,
)

AMS = ZoneInfo("Europe/Amsterdam")
MONDAY = dt.date(2027, 3, 22)  # the week that ends on the spring-forward Sunday, 2027-03-28
SPRING_FORWARD = dt.date(2027, 3, 28)  # 02:00 -> 03:00 local
FALL_BACK = dt.date(2027, 10, 31)  # 03:00 -> 02:00 local
WEEKDAYS = frozenset({1, 2, 3, 4, 5})
EVERY_DAY = frozenset(range(1, 8))


def pattern(vehicle_id=1, weekdays=WEEKDAYS, start=9, end=17, valid_from=MONDAY, valid_until=None):
    return WeeklyPattern(
        vehicle_id=vehicle_id,
        weekdays=frozenset(weekdays),
        start=dt.time(*start) if isinstance(start, tuple) else dt.time(start),
        end=dt.time(end),
        valid_from=valid_from,
        valid_until=valid_until,
    )


def utc(date, hour, minute=0):
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=dt.UTC)


def test_it_gives_a_weekday_pattern_a_shift_on_weekdays_only():
    expansion = roster_expand(patterns=[pattern()], exceptions=[], dates=date_range(MONDAY, 7), tz=AMS)

    assert [len(day.shifts) for day in expansion.days] == [1, 1, 1, 1, 1, 0, 0]
    # 09:00-17:00 in Amsterdam in March before the change is 08:00-16:00 UTC.
    assert expansion.days[0].shifts[0].start == utc(MONDAY, 8)
    assert expansion.days[0].shifts[0].end == utc(MONDAY, 16)
    assert expansion.refused == ()


def test_it_keeps_local_hours_on_both_dst_days():
    expansion = roster_expand(
        patterns=[pattern(weekdays=EVERY_DAY, valid_from=dt.date(2027, 1, 1))],
        exceptions=[],
        dates=[SPRING_FORWARD, FALL_BACK],
        tz=AMS,
    )

    spring, autumn = (day.shifts[0] for day in expansion.days)
    # Summer time starts at 02:00 on 28 March: 09:00 local is 07:00 UTC; 17:00 is 15:00 UTC.
    assert (spring.start, spring.end) == (utc(SPRING_FORWARD, 7), utc(SPRING_FORWARD, 15))
    # Winter time from 03:00 on 31 October: 09:00 local is 08:00 UTC.
    assert (autumn.start, autumn.end) == (utc(FALL_BACK, 8), utc(FALL_BACK, 16))


def test_it_refuses_a_start_in_the_hour_the_clocks_skip():
    night = pattern(weekdays=EVERY_DAY, start=(2, 30), end=10, valid_from=dt.date(2027, 1, 1))

    expansion = roster_expand(
        patterns=[night], exceptions=[], dates=[SPRING_FORWARD - dt.timedelta(days=1), SPRING_FORWARD], tz=AMS
    )

    assert [len(day.shifts) for day in expansion.days] == [1, 0]
    (refusal,) = expansion.refused
    assert refusal.date == SPRING_FORWARD and refusal.vehicle_id == 1
    assert "02:30 does not exist on 2027-03-28 in Europe/Amsterdam" in refusal.reason


def test_it_takes_the_first_of_a_repeated_hour():
    assert local_instant(FALL_BACK, dt.time(2, 30), AMS) == utc(FALL_BACK, 0, 30)
    assert local_instant(SPRING_FORWARD, dt.time(2, 30), AMS) is None


def test_it_closes_the_depot_for_every_vehicle():
    expansion = roster_expand(
        patterns=[pattern(1), pattern(2)],
        exceptions=[DateException(date=MONDAY, kind=ExceptionKind.CLOSED)],
        dates=[MONDAY, MONDAY + dt.timedelta(days=1)],
        tz=AMS,
    )

    assert expansion.days[0].closed and expansion.days[0].shifts == ()
    assert [s.vehicle_id for s in expansion.days[1].shifts] == [1, 2]


def test_it_takes_a_vehicle_off_and_gives_another_an_extra_shift():
    saturday = MONDAY + dt.timedelta(days=5)
    expansion = roster_expand(
        patterns=[pattern(1), pattern(2)],
        exceptions=[
            DateException(date=MONDAY, kind=ExceptionKind.VEHICLE_OFF, vehicle_id=1),
            DateException(
                date=MONDAY, kind=ExceptionKind.EXTRA_SHIFT, vehicle_id=2, start=dt.time(7), end=dt.time(12)
            ),
            DateException(
                date=saturday, kind=ExceptionKind.EXTRA_SHIFT, vehicle_id=1, start=dt.time(8), end=dt.time(13)
            ),
        ],
        dates=[MONDAY, saturday],
        tz=AMS,
    )

    monday, sat = expansion.days
    assert [(s.vehicle_id, s.start) for s in monday.shifts] == [(2, utc(MONDAY, 6))]
    assert [(s.vehicle_id, s.end) for s in sat.shifts] == [(1, utc(saturday, 12))]


def test_it_applies_a_pattern_only_within_its_dates():
    expansion = roster_expand(
        patterns=[
            pattern(valid_from=MONDAY + dt.timedelta(days=1), valid_until=MONDAY + dt.timedelta(days=2))
        ],
        exceptions=[],
        dates=date_range(MONDAY, 5),
        tz=AMS,
    )

    assert [len(day.shifts) for day in expansion.days] == [0, 1, 1, 0, 0]


def test_it_refuses_two_patterns_of_one_vehicle_on_one_date():
    expansion = roster_expand(
        patterns=[pattern(1, weekdays={1}), pattern(1, weekdays={1, 2}, start=12, end=20)],
        exceptions=[],
        dates=[MONDAY, MONDAY + dt.timedelta(days=1)],
        tz=AMS,
    )

    assert [len(day.shifts) for day in expansion.days] == [0, 1]
    assert "2 patterns" in expansion.refused[0].reason


def test_it_leaves_out_vehicles_that_may_not_work():
    expansion = roster_expand(
        patterns=[pattern(1), pattern(2)], exceptions=[], dates=[MONDAY], tz=AMS, vehicle_ids=[2]
    )

    assert [s.vehicle_id for s in expansion.days[0].shifts] == [2]


@pytest.mark.parametrize(
    "bad",
    [
        dict(weekdays=set()),
        dict(weekdays={0, 1}),
        dict(start=17, end=9),
        dict(valid_until=MONDAY - dt.timedelta(days=1)),
    ],
)
def test_a_pattern_validates_itself(bad):
    with pytest.raises(ValueError, match="Expected"):
        pattern(**bad)


def test_it_names_weekdays_as_an_operator_reads_them():
    assert weekdays_label([1, 2, 3, 4, 5]) == "Mon–Fri"
    assert weekdays_label([1, 3, 6]) == "Mon, Wed, Sat"
    assert weekdays_label([6, 7]) == "Sat, Sun"
    assert weekdays_label(range(1, 8)) == "every day"
