"""Bid prices per van-hour and the displacement cost of an order (issue 12), by hand."""

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.bid_prices import (
    LOST_DEMAND_CAP,
    BandLooks,
    BidPrices,
    BookingRecord,
    DemandForecast,
    bid_price_per_van_hour,
    bid_prices_for_day,
    demand_forecast_learn,
    demand_forecast_prior,
    lost_demand_factors,
    poisson_at_least,
)
from pricing.bid_prices import band_looks as offer_band_looks

D = Decimal


def test_poisson_tail_by_hand():
    assert poisson_at_least(2.0, 0) == 1.0
    assert poisson_at_least(2.0, 1) == pytest.approx(1 - math.exp(-2))
    assert poisson_at_least(2.0, 2) == pytest.approx(1 - 3 * math.exp(-2))
    assert poisson_at_least(0.0, 1) == 0.0


def test_a_band_nobody_will_fill_has_no_bid_price_and_a_sold_out_one_the_full_value():
    empty = bid_price_per_van_hour(
        expected_remaining_orders=1.0,
        remaining_van_hours=20,
        orders_per_van_hour=2,
        value_per_van_hour=D("30"),
    )
    full = bid_price_per_van_hour(
        expected_remaining_orders=50.0,
        remaining_van_hours=0,
        orders_per_van_hour=2,
        value_per_van_hour=D("30"),
    )

    assert empty == D("0.0000")
    assert full == D("30.0000")


def test_the_bid_price_is_the_value_times_the_chance_demand_reaches_capacity():
    price = bid_price_per_van_hour(
        expected_remaining_orders=2.0,
        remaining_van_hours=1,
        orders_per_van_hour=2,
        value_per_van_hour=D("10"),
    )

    assert price == (D("10") * D(str(round(1 - 3 * math.exp(-2), 6)))).quantize(D("0.0001"))


def test_the_displacement_cost_is_the_windows_bid_price_times_the_van_hours_it_uses():
    prices = BidPrices(by_band=(D("0"), D("10"), D("20")))

    # 16-18: one hour in the afternoon band (10), one in the evening band (20): 15 a van-hour
    assert prices.window_bid_price(start_hour=16, end_hour=18) == D("15.0000")
    assert prices.displacement_cost(start_hour=16, end_hour=18, van_hours=0.2) == D("3.0000")


def test_the_forecast_counts_only_the_orders_still_to_come():
    forecast = DemandForecast(orders={(1, 0): 100.0}, lead_shares=(0.5, 0.3, 0.2))

    assert forecast.remaining(weekday=1, band=0, lead_days=0) == 0.0
    assert forecast.remaining(weekday=1, band=0, lead_days=1) == pytest.approx(50.0)
    assert forecast.remaining(weekday=1, band=0, lead_days=2.5) == pytest.approx(90.0)
    assert forecast.remaining(weekday=1, band=0, lead_days=9) == pytest.approx(100.0)


def test_the_prior_sells_a_share_of_capacity_and_learning_moves_towards_the_records():
    prior = demand_forecast_prior(
        van_hours_by_band=(10.0, 10.0, 10.0), orders_per_van_hour=2.0, utilisation=0.5
    )
    assert prior.orders[(1, 0)] == pytest.approx(10.0)

    bookings = [BookingRecord(weekday=1, band=0, lead_days=1)] * 60  # 30 a day over 2 Mondays
    learned = demand_forecast_learn(bookings, days_observed={1: 2}, prior=prior, prior_days=2)

    assert learned.orders[(1, 0)] == pytest.approx((60 + 10 * 2) / 4)
    assert learned.orders[(2, 0)] == pytest.approx(10.0)  # no Tuesday seen: the prior


def test_an_offer_looked_at_a_band_that_had_a_window_on_sale_or_refused_one_as_full():
    monday, tuesday = "2027-03-01", "2027-03-02"
    windows = [
        (monday, 0, False, True),  # full
        (monday, 0, True, False),  # on sale: the band was open
        (monday, 1, False, True),  # only full windows: sold out
        (monday, 1, False, False),  # past its cut-off: does not open it
        (monday, 2, False, False),  # past cut-off or no shift only: not a look
        (tuesday, 0, False, False),
        (tuesday, None, True, False),  # outside the bands
    ]

    assert offer_band_looks(windows) == {(monday, 0): True, (monday, 1): False}


def test_a_band_always_found_open_keeps_its_bookings_and_one_often_sold_out_scales_them_up():
    factors = lost_demand_factors(
        {
            (6, 2): BandLooks(offers=190, open_offers=90),  # open for (90 + 10) / (190 + 10) = 1/2
            (6, 0): BandLooks(offers=40, open_offers=40),
            (1, 1): BandLooks(offers=2, open_offers=0),  # two looks: shrunk to 10 / 12 open
            (2, 1): BandLooks(offers=5000, open_offers=100),  # nearly always sold out: capped
        }
    )

    assert factors[(6, 2)] == pytest.approx(2.0)
    assert factors[(6, 0)] == 1.0
    assert factors[(1, 1)] == pytest.approx(12 / 10)
    assert factors[(2, 1)] == LOST_DEMAND_CAP
    with pytest.raises(ValueError):
        BandLooks(offers=1, open_offers=2)


def test_the_forecast_scales_the_bookings_of_a_band_that_sold_out_by_its_factor():
    prior = demand_forecast_prior(
        van_hours_by_band=(10.0, 10.0, 10.0), orders_per_van_hour=2.0, utilisation=0.5
    )
    bookings = [BookingRecord(weekday=6, band=2, lead_days=3)] * 40 + [BookingRecord(6, 0, 1)] * 40

    plain = demand_forecast_learn(bookings, days_observed={6: 2}, prior=prior)
    corrected = demand_forecast_learn(bookings, days_observed={6: 2}, prior=prior, lost_factors={(6, 2): 1.5})

    assert plain.orders[(6, 2)] == pytest.approx((40 + 10 * 2) / 4)
    assert corrected.orders[(6, 2)] == pytest.approx((40 * 1.5 + 10 * 2) / 4)
    assert corrected.orders[(6, 0)] == plain.orders[(6, 0)]


def test_bid_prices_for_a_day_rise_as_its_capacity_runs_out():
    prior = demand_forecast_prior(
        van_hours_by_band=(10.0, 10.0, 10.0), orders_per_van_hour=2.0, utilisation=1.0
    )

    roomy = bid_prices_for_day(
        forecast=prior,
        weekday=1,
        lead_days=3,
        remaining_van_hours_by_band=(10, 10, 10),
        orders_per_van_hour=2.0,
        value_per_van_hour=D("30"),
    )
    tight = bid_prices_for_day(
        forecast=prior,
        weekday=1,
        lead_days=3,
        remaining_van_hours_by_band=(2, 10, 10),
        orders_per_van_hour=2.0,
        value_per_van_hour=D("30"),
    )

    assert tight.by_band[0] > roomy.by_band[0]
    assert tight.by_band[1:] == roomy.by_band[1:]


def poisson_at_least_plainly(mean: float, count: float) -> float:
    """The definition for mean > 0 and count > 1: P(N < count) summed term by term, a fresh
    log each time."""
    terms, log_term = [], -mean
    for k in range(math.ceil(count - 1e-9)):
        if k:
            log_term += math.log(mean) - math.log(k)
        terms.append(math.exp(log_term))
    below = terms[0]
    for term in terms[1:]:
        below += term
    return min(1.0, max(0.0, 1.0 - below))


@given(mean=st.floats(0.001, 800), count=st.floats(1.001, 5_000))
def test_the_poisson_tail_is_the_very_float_of_its_definition(mean, count):
    assert poisson_at_least(mean, count) == poisson_at_least_plainly(mean, count)
