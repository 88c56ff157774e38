"""Peak surcharges, free delivery and consolidation by nearby stops: pure pricing on tiny cases."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.calculation import (
    CONSOLIDATE_BY_NEARBY,
    PeakPeriod,
    RuleTerms,
    weekdays_text,
    window_price,
)
from pricing.consolidation import nearby_metres_by_window
from pricing.windows import WindowCost, price_windows
from routing.travel import haversine_m
from tests.pricing.rule_terms import plain_terms

D = Decimal
TZ = ZoneInfo("Europe/Amsterdam")
WEDNESDAY = dt.date(2026, 12, 2)
SATURDAY = dt.date(2026, 12, 5)
EVENING = PeakPeriod(start=dt.time(17), end=dt.time(19), amount=D("1.00"), weekdays=(1, 2, 3, 4, 5))


def terms(**overrides) -> RuleTerms:
    return plain_terms(**{"version": 2, **overrides})


def at(date: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(hour), tzinfo=TZ)


def cost(date=WEDNESDAY, start=9, end=10, *, price_cost="1.00", km="5", grams=100, nearby=(), available=True):
    return WindowCost(
        day=date,
        start=at(date, start),
        end=at(date, end),
        available=available,
        marginal_cost=D(price_cost) if available else None,
        marginal_km=D(km) if available else None,
        grams=grams if available else None,
        nearby_metres=tuple(nearby),
    )


def codes(price) -> list[str]:
    return [line.code for line in price.lines]


# --- peak surcharges ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "start", "end", "surcharge"),
    [
        (WEDNESDAY, 17, 18, "1.00"),  # wholly inside the peak: all of it
        (WEDNESDAY, 18, 19, "1.00"),
        (WEDNESDAY, 16, 17, "0.00"),  # touches the peak's start: no overlap
        (WEDNESDAY, 19, 20, "0.00"),
        (WEDNESDAY, 16, 18, "0.50"),  # half of a 2 h window inside
        (WEDNESDAY, 16, 20, "0.50"),  # 2 of 4 hours
        (WEDNESDAY, 8, 21, "0.15"),  # all day: 2/13 of 1.00 = 0.1538 -> 0.15
        (SATURDAY, 17, 18, "0.00"),  # not a peak weekday
    ],
)
def test_it_charges_the_share_of_the_window_inside_a_peak(date, start, end, surcharge):
    t = terms(peak_periods=(EVENING,))

    assert t.peak_surcharge(start=at(date, start), end=at(date, end)) == D(surcharge)


def test_it_adds_the_surcharges_of_two_peaks_a_wide_window_overlaps():
    lunch = PeakPeriod(start=dt.time(12), end=dt.time(13), amount=D("0.80"))
    t = terms(peak_periods=(EVENING, lunch))

    # 12-16 has one lunch hour of four: 0.20; 12-20 has 1 lunch + 2 evening hours of eight.
    assert t.peak_surcharge(start=at(WEDNESDAY, 12), end=at(WEDNESDAY, 16)) == D("0.20")
    assert t.peak_surcharge(start=at(WEDNESDAY, 12), end=at(WEDNESDAY, 20)) == D("0.35")


def test_it_lists_the_peak_surcharge_after_the_route_cost_and_sums_the_breakdown():
    t = terms(peak_periods=(EVENING,))

    [priced] = price_windows(terms=t, windows=[cost(start=17, end=18, price_cost="1.23")])

    assert codes(priced.price) == ["base_fee", "route_cost", "peak_surcharge", "rounding"]
    assert [line.amount for line in priced.price.lines] == [D("3.00"), D("1.23"), D("1.00"), D("-0.03")]
    assert priced.price.amount == D("5.20")


def test_it_reads_and_writes_peak_periods_as_json_records():
    record = {"start": "17:00", "end": "19:00", "weekdays": [1, 2, 3, 4, 5], "amount": "1.00"}

    assert PeakPeriod.from_record(record) == EVENING
    assert EVENING.to_record() == record
    assert EVENING.describe() == "17:00-19:00 Mon-Fri 1.00"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"start": "19:00", "end": "17:00", "amount": "1"}, "start before it ends"),
        ({"start": "17:00", "end": "19:00", "amount": "1.001"}, "whole cents"),
        ({"start": "17:00", "end": "19:00", "amount": "-1"}, "amount >= 0"),
        ({"start": "17:00", "end": "19:00", "amount": "1", "weekdays": [8]}, "weekday <= 7"),
        ({"start": "17:00", "amount": "1"}, "needs 'end'"),
        ({"start": "5pm", "end": "19:00", "amount": "1"}, "Cannot read"),
    ],
)
def test_it_refuses_malformed_peak_periods(record, message):
    with pytest.raises((ValueError, TypeError), match=message):
        PeakPeriod.from_record(record)


@pytest.mark.parametrize(
    ("weekdays", "text"),
    [((), "daily"), ((1, 2, 3, 4, 5), "Mon-Fri"), ((6, 7), "Sat,Sun"), ((1, 3, 4, 5), "Mon,Wed-Fri")],
)
def test_it_names_weekdays_compactly(weekdays, text):
    assert weekdays_text(weekdays) == text


# --- free delivery --------------------------------------------------------------------------------


def test_it_makes_delivery_free_from_the_basket_threshold_inclusive():
    t = terms(free_delivery_threshold=D("60.00"))

    below = window_price(
        terms=t, marginal_cost=D("1.00"), window_hours=D(1), marginal_km=D(5), basket_value=D("59.99")
    )
    at_threshold = window_price(
        terms=t, marginal_cost=D("1.00"), window_hours=D(1), marginal_km=D(5), basket_value=D("60.00")
    )

    assert below.amount == D("4.00")
    assert at_threshold.amount == D("0.00")
    assert codes(at_threshold) == ["base_fee", "route_cost", "free_delivery"]
    assert at_threshold.lines[-1].amount == D("-4.00")
    assert at_threshold.list_amount == D("4.00")


def test_free_delivery_goes_below_the_floor_after_clamping_and_rounding():
    t = terms(floor=D("2.00"), cap=D("5.00"), free_delivery_threshold=D("50.00"))

    capped = window_price(
        terms=t, marginal_cost=D("9.99"), window_hours=D(1), marginal_km=D(5), basket_value=D("80")
    )

    assert codes(capped) == ["base_fee", "route_cost", "cap", "free_delivery"]
    assert [line.amount for line in capped.lines] == [D("3.00"), D("9.99"), D("-7.99"), D("-5.00")]
    assert capped.amount == D("0.00")


@pytest.mark.parametrize("basket", [None, D("10.00")])
def test_it_charges_when_the_basket_is_unknown_or_small_or_no_threshold_is_set(basket):
    with_threshold = terms(free_delivery_threshold=D("60.00"))
    without = terms()

    for t in (with_threshold, without):
        p = window_price(
            terms=t, marginal_cost=D("0"), window_hours=D(1), marginal_km=D(5), basket_value=basket
        )
        assert p.amount == D("3.00")
    assert without.free_delivery(D("1000.00")) is False


def test_best_value_still_points_at_the_cheapest_to_serve_window_when_delivery_is_free():
    t = terms(free_delivery_threshold=D("50.00"), green_max_grams=0, green_relative=D("0"))
    windows = [cost(start=9, end=10, price_cost="2.00"), cost(start=10, end=11, price_cost="0.50")]

    priced = price_windows(terms=t, windows=windows, basket_value=D("75.00"))

    assert [p.price.amount for p in priced] == [D("0.00"), D("0.00")]
    assert ["best_value" in p.labels for p in priced] == [False, True]


cents = st.integers(min_value=0, max_value=2_000).map(lambda c: D(c) / 100)


@given(
    base=cents,
    floor=cents,
    headroom=cents,
    step=st.sampled_from([D("0.01"), D("0.05"), D("0.10"), D("0.50")]),
    peak=cents,
    threshold=st.none() | cents,
    basket=st.none() | cents,
    route_cost=st.integers(-2_000, 20_000).map(lambda c: D(c) / 1000),
    start=st.integers(6, 20),
    width=st.integers(1, 4),
)
def test_the_breakdown_sums_to_the_price_with_peak_and_free_delivery_lines(
    base, floor, headroom, step, peak, threshold, basket, route_cost, start, width
):
    t = terms(
        base_fee=base,
        floor=floor,
        cap=floor + headroom,
        rounding_step=step,
        peak_periods=(PeakPeriod(start=dt.time(17), end=dt.time(19), amount=peak),),
        free_delivery_threshold=threshold,
    )
    end = min(start + width, 23)

    [priced] = price_windows(
        terms=t, windows=[cost(start=start, end=end, price_cost=str(route_cost))], basket_value=basket
    )

    p = priced.price
    assert sum((line.amount for line in p.lines), D(0)) == p.amount
    if "free_delivery" in codes(p):
        assert p.amount == D("0.00")
        assert t.floor <= p.list_amount <= t.cap
    else:
        assert t.floor <= p.amount <= t.cap


# --- consolidation by nearby stops ----------------------------------------------------------------


def test_it_finds_booked_stops_near_the_address_whose_windows_overlap():
    # Stops 0.001 degrees of latitude apart: about 111 m each.
    lat = np.array([52.101, 52.102, 52.103, 52.130])
    lon = np.full(4, 5.10)
    early = np.array([9, 9, 12, 9]) * 3600
    late = np.array([10, 13, 13, 10]) * 3600

    nearby = nearby_metres_by_window(
        lat=52.10,
        lon=5.10,
        stop_lat=lat,
        stop_lon=lon,
        stop_early=early,
        stop_late=late,
        window_early=np.array([9, 10, 12, 13]) * 3600,
        window_late=np.array([10, 11, 13, 14]) * 3600,
    )

    # 9-10: the first two (the 4th is 3.3 km away); 10-11: the 9-13 stop; 12-13: both 9-13 and
    # 12-13; 13-14: a stop ending at 13:00 does not overlap a window starting at 13:00.
    assert nearby == [(111, 222), (222,), (222, 333), ()]


def test_it_keeps_only_the_nearest_stops_within_the_radius():
    lat = 52.10 + np.arange(1, 16) * 0.0001  # 11 m apart, 15 stops
    nearby = nearby_metres_by_window(
        lat=52.10,
        lon=5.10,
        stop_lat=lat,
        stop_lon=np.full(15, 5.10),
        stop_early=np.zeros(15),
        stop_late=np.full(15, 86_400),
        window_early=np.array([0]),
        window_late=np.array([3600]),
        max_stops=10,
    )

    assert len(nearby[0]) == 10
    assert list(nearby[0]) == sorted(nearby[0])


@given(
    stops=st.lists(
        st.tuples(
            st.integers(-300, 300), st.integers(-300, 300), st.integers(6, 20), st.integers(1, 4)
        ),  # 0.0001-degree steps from the address (~11 m), and a booked window of whole hours
        max_size=60,
    ),
    windows=st.lists(st.tuples(st.integers(6, 20), st.integers(1, 13)), min_size=1, max_size=8),
    max_stops=st.integers(1, 10),
)
def test_nearby_stops_per_window_are_the_nearest_overlapping_ones_within_the_radius(
    stops, windows, max_stops
):
    lat, lon = 52.10, 5.10
    stop_lat = np.array([lat + dy * 1e-4 for dy, _, _, _ in stops])
    stop_lon = np.array([lon + dx * 1e-4 for _, dx, _, _ in stops])
    stop_early = np.array([h * 3600 for _, _, h, _ in stops], dtype=np.int64)
    stop_late = np.array([(h + w) * 3600 for _, _, h, w in stops], dtype=np.int64)
    window_early = np.array([h * 3600 for h, _ in windows], dtype=np.int64)
    window_late = np.array([(h + w) * 3600 for h, w in windows], dtype=np.int64)

    nearby = nearby_metres_by_window(
        lat=lat,
        lon=lon,
        stop_lat=stop_lat,
        stop_lon=stop_lon,
        stop_early=stop_early,
        stop_late=stop_late,
        window_early=window_early,
        window_late=window_late,
        max_metres=2_000,
        max_stops=max_stops,
    )

    # The definition, stop by stop: whole metres (rounded down) within the radius, the stop's
    # window strictly overlapping, nearest first, at most max_stops.
    metres = [int(m) for m in np.floor(haversine_m(lat, lon, stop_lat, stop_lon))]
    expected = [
        tuple(
            sorted(
                m
                for m, early, late in zip(metres, stop_early, stop_late, strict=True)
                if m <= 2_000 and early < w_late and late > w_early
            )[:max_stops]
        )
        for w_early, w_late in zip(window_early, window_late, strict=True)
    ]
    assert nearby == expected
    assert all(type(m) is int for window in nearby for m in window)


@pytest.mark.parametrize(
    ("radius", "min_stops", "consolidates"), [(250, 2, True), (250, 3, False), (400, 3, True)]
)
def test_it_consolidates_a_window_with_enough_booked_neighbours(radius, min_stops, consolidates):
    t = terms(
        consolidation_by=CONSOLIDATE_BY_NEARBY,
        consolidation_radius_m=radius,
        consolidation_min_stops=min_stops,
        consolidation_discount=D("0.50"),
    )

    # km = 0: would consolidate by marginal km, but this rule counts neighbours only.
    [priced] = price_windows(terms=t, windows=[cost(km="0", nearby=(111, 222, 333))])

    assert priced.consolidates is consolidates
    assert ("consolidated" in priced.labels) is consolidates
    assert ("consolidation_discount" in codes(priced.price)) is consolidates


def test_a_window_recorded_without_neighbours_never_consolidates_by_nearby_stops():
    t = terms(consolidation_by=CONSOLIDATE_BY_NEARBY, consolidation_min_stops=1)

    assert t.consolidates(D("0"), None) is False
    assert t.consolidates(D("0"), 0) is False


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consolidation_by": "vibes"}, "consolidation_by"),
        ({"consolidation_radius_m": 0}, "1 <= consolidation_radius_m <= 2000"),
        ({"consolidation_min_stops": 11}, "consolidation_min_stops <= 10"),
        ({"free_delivery_threshold": D("-1")}, "free_delivery_threshold >= 0"),
    ],
)
def test_it_validates_the_new_terms(overrides, message):
    with pytest.raises(ValueError, match=message):
        terms(**overrides)


def test_it_prices_nothing_for_unavailable_windows():
    priced = price_windows(terms=terms(), windows=[cost(available=False), cost(start=10, end=11)])

    assert priced[0].price is None and priced[0].labels == ()
    assert priced[1].price.amount == D("4.00")
