"""A window's length comes from real instants, and its width class is the same everywhere."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from pricing.widths import WIDTH_CLASSES, width_class, width_indices, width_name, window_hours

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FALL_BACK = dt.date(2026, 10, 25)  # 03:00 CEST becomes 02:00 CET: the day has 25 hours
SPRING_FORWARD = dt.date(2027, 3, 28)  # 02:00 CET becomes 03:00 CEST: 02:00-03:00 does not exist


def local(date, hour, minute=0):
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=AMSTERDAM)


def test_a_window_across_the_fall_back_change_lasts_the_hours_a_shopper_waits():
    assert window_hours(start=local(FALL_BACK, 0), end=local(FALL_BACK, 4)) == D(5)


def test_the_hour_skipped_in_spring_lasts_nothing():
    assert window_hours(start=local(SPRING_FORWARD, 2), end=local(SPRING_FORWARD, 3)) == D(0)
    assert window_hours(start=local(SPRING_FORWARD, 1), end=local(SPRING_FORWARD, 4)) == D(2)


def test_a_daytime_window_on_a_dst_day_is_as_long_as_on_any_day():
    assert window_hours(start=local(FALL_BACK, 10), end=local(FALL_BACK, 11)) == D(1)
    assert window_hours(start=local(FALL_BACK, 10), end=local(FALL_BACK, 11, 30)) == D("1.5")


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(D("0.5"), "1 h"), (D(1), "1 h"), (D("1.5"), "2 h"), (D(2), "2 h"), (D(3), "4 h"), (D(4), "4 h"),
     (D("4.5"), "all day"), (D(13), "all day")],
)  # fmt: skip
def test_each_length_falls_in_one_width_class(hours, expected):
    assert width_class(hours) == expected
    assert expected in WIDTH_CLASSES


def test_a_shopper_reads_the_exact_length_or_all_day():
    assert [width_name(D(h)) for h in (1, 2, 3, 4, 6, 13)] == [
        "1 h",
        "2 h",
        "3 h",
        "4 h",
        "all day",
        "all day",
    ]


def test_the_array_classes_are_the_scalar_ones():
    hours = [0.5, 1.0, 1.01, 2.0, 3.0, 4.0, 4.5, 13.0]
    assert [WIDTH_CLASSES[i] for i in width_indices(np.array(hours))] == [width_class(h) for h in hours]
