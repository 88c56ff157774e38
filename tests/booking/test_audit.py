"""The plan audit that tests and the stress run count overbookings with: it finds what it must."""

import datetime as dt

import pytest

from booking.audit import plan_violations
from booking.models import Booking
from booking.services.holds import hold_confirm, hold_create
from fleet.models import Shift, Stop
from tests.concurrency.support import window_quote
from tests.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tomorrow):
    return make_world(dates=[tomorrow], vehicles=1, capacity=3)


def booked(world, now, tomorrow, *, spot: int = 0) -> Booking:
    quote = window_quote(world, spot=spot, date=tomorrow, hours=(9, 13), now=now)
    hold = hold_create(retailer=world.retailer, quote=quote, now=now)
    booking, _ = hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)
    return booking


def stop_behind_the_services_back(booking: Booking, *, size_units: int, expires_at=None) -> Stop:
    """A second stop on the booking's route, written straight to the table."""
    stop = booking.stop
    return Stop.objects.create(
        depot_day=stop.depot_day,
        shift=stop.shift,
        sequence=stop.sequence + 1,
        lat=stop.lat,
        lon=stop.lon,
        window_start=stop.window_start,
        window_end=stop.window_end,
        service_seconds=stop.service_seconds,
        size_units=size_units,
        planned_start=stop.planned_start,
        expires_at=expires_at,
    )


def test_a_plan_made_through_the_services_has_no_violation(world, now, tomorrow):
    booked(world, now, tomorrow, spot=0)
    booked(world, now, tomorrow, spot=1)

    assert plan_violations(now=now) == []


def test_it_reports_a_route_over_capacity_and_the_stop_no_booking_owns(world, now, tomorrow):
    booking = booked(world, now, tomorrow)
    extra = stop_behind_the_services_back(booking, size_units=5)

    violations = plan_violations(now=now)

    assert any("exceeds capacity 3" in v for v in violations), violations
    assert any(f"stops counted [{extra.id}] without a live booking" in v for v in violations), violations


def test_it_reports_a_confirmed_booking_whose_stop_still_expires(world, now, tomorrow):
    booking = booked(world, now, tomorrow)
    Stop.objects.filter(id=booking.stop_id).update(expires_at=now + dt.timedelta(minutes=5))

    assert plan_violations(now=now) == [f"confirmed booking {booking.id}: its stop still expires"]


def test_a_lapsed_holds_stop_takes_no_capacity(world, now, tomorrow):
    booking = booked(world, now, tomorrow)
    stop_behind_the_services_back(booking, size_units=5, expires_at=now - dt.timedelta(seconds=1))

    assert plan_violations(now=now) == []


def test_it_reports_a_shift_that_ends_before_its_stops_are_served(world, now, tomorrow):
    booking = booked(world, now, tomorrow)
    Shift.objects.filter(id=booking.stop.shift_id).update(end=world.local(tomorrow, 8, 30))

    assert any("after the shift" in v for v in plan_violations(now=now))
