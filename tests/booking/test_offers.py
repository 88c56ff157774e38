"""offer_create: every window of the horizon, priced and labelled, or refused with a reason."""

import datetime as dt
import math
from decimal import Decimal

import pytest

from booking.models import Offer
from booking.services.offers import offer_create
from greenslot.errors import GreenslotError
from tests.factories import INSIDE, OUTSIDE, make_world

pytestmark = pytest.mark.django_db


def make_offer(world, now, **overrides):
    params = dict(
        retailer=world.retailer,
        lat=INSIDE[0],
        lon=INSIDE[1],
        size_units=1,
        service_minutes=3,
        from_date=None,
        days=2,
        now=now,
    )
    params.update(overrides)
    return offer_create(**params)


def windows_of(result, date):
    return next(day.windows for day in result.days if day.date == date)


def test_it_prices_every_window_of_a_day_with_shifts(now, tomorrow):
    world = make_world(dates=[tomorrow])
    result = make_offer(world, now, from_date=tomorrow, days=1)
    windows = windows_of(result, tomorrow)
    assert len(windows) == 5
    assert all(w.available for w in windows)
    for w in windows:
        assert w.price.currency == "EUR"
        assert w.price.amount == w.price.amount.quantize(Decimal("0.01"))
        assert sum(line.amount for line in w.price.lines) == w.price.amount
        assert w.co2e_grams > 0
        assert w.quote
    assert Offer.objects.get(pk=result.offer.pk).windows[0]["price"] == str(windows[0].price.amount)


def test_it_reports_no_shift_on_a_day_without_vehicles(now, tomorrow):
    world = make_world(dates=[tomorrow])
    result = make_offer(world, now, from_date=tomorrow, days=2)
    second = windows_of(result, tomorrow + dt.timedelta(days=1))
    assert [w.reason for w in second] == ["no_shift"] * 5
    assert not any(w.quote for w in second)


def test_it_closes_windows_after_their_cutoff(tomorrow):
    world = make_world(dates=[tomorrow], cutoff_minutes=60)
    # 08:30 local: the 09:00 windows closed at 08:00, the 10:00 window closes at 09:00.
    at = world.local(tomorrow, 8, 30)
    result = make_offer(world, at, from_date=tomorrow, days=1)
    by_start = {(w.start.hour, w.end.hour): w for w in windows_of(result, tomorrow)}
    assert by_start[(9, 10)].reason == "cutoff_passed"
    assert by_start[(9, 13)].reason == "cutoff_passed"
    assert by_start[(10, 11)].available
    assert by_start[(8, 20)].reason == "cutoff_passed"


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(999, 5.1), (52.1, -181), ("abc", 5.1), (None, 5.1), (math.nan, 5.1), (52.1, math.inf), (True, 5.1)],
)
def test_it_refuses_bad_coordinates_without_recording_an_offer(now, tomorrow, lat, lon):
    world = make_world(dates=[tomorrow])
    with pytest.raises(GreenslotError) as caught:
        make_offer(world, now, lat=lat, lon=lon)
    assert caught.value.code == "invalid_coordinates"
    assert caught.value.status == 400
    assert Offer.objects.count() == 0


def test_it_refuses_an_address_outside_every_zone(now, tomorrow):
    world = make_world(dates=[tomorrow])
    with pytest.raises(GreenslotError) as caught:
        make_offer(world, now, lat=OUTSIDE[0], lon=OUTSIDE[1])
    assert (caught.value.code, caught.value.status) == ("outside_service_area", 422)
    assert Offer.objects.count() == 0


def test_it_refuses_a_past_date(now, tomorrow):
    world = make_world(dates=[tomorrow])
    with pytest.raises(GreenslotError) as caught:
        make_offer(world, now, from_date=tomorrow - dt.timedelta(days=3))
    assert caught.value.code == "date_in_past"


def test_it_refuses_a_parcel_no_vehicle_can_carry(now, tomorrow):
    world = make_world(dates=[tomorrow], capacity=10)
    with pytest.raises(GreenslotError) as caught:
        make_offer(world, now, size_units=11)
    assert (caught.value.code, caught.value.status) == ("parcel_too_large", 422)
    assert caught.value.details["max_size_units"] == 10


@pytest.mark.parametrize(
    ("field", "value"), [("size_units", 0), ("size_units", -3), ("size_units", 1.5), ("service_minutes", 0)]
)
def test_it_refuses_a_malformed_parcel(now, tomorrow, field, value):
    world = make_world(dates=[tomorrow])
    with pytest.raises(GreenslotError) as caught:
        make_offer(world, now, **{field: value})
    assert caught.value.code == "invalid_parcel"


@pytest.mark.parametrize("days", [0, -1, 15, "7", True])
def test_it_refuses_a_bad_horizon(now, tomorrow, days):
    world = make_world(dates=[tomorrow])
    with pytest.raises(GreenslotError) as caught:
        make_offer(world, now, days=days)
    assert caught.value.code == "invalid_days"


def test_it_labels_wide_and_green_windows(now, tomorrow):
    world = make_world(dates=[tomorrow])
    windows = windows_of(make_offer(world, now, from_date=tomorrow, days=1), tomorrow)
    by_hours = {(w.start.hour, w.end.hour): w for w in windows}
    assert "wide" in by_hours[(9, 13)].labels
    assert "wide" in by_hours[(8, 20)].labels
    assert "wide" not in by_hours[(9, 10)].labels
    # Wider windows get the width discount, so the all-day window is never dearer than a 1 h one.
    assert by_hours[(8, 20)].price.amount <= by_hours[(9, 10)].price.amount
