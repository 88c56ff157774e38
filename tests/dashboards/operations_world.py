"""Two depots with bookings, for the operator pages: ``dep`` (the factories' depot, Amsterdam time)
and ``oth`` (another depot of the same retailer, far away), so every page can be checked for the
other depot's data not leaking in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from booking.models import Booking, WindowTemplate
from booking.services.holds import hold_confirm, hold_create
from booking.services.offers import offer_create
from fleet.models import Depot, ServiceZone, Vehicle
from fleet.services import depot_day_get_or_create, shift_create
from pricing.models import RuleSetStatus
from tests.factories import TZ, World, make_world

# Three shoppers near the middle of the factories' square zone, about 110 m apart.
SHOPPERS = [(52.110, 5.110), (52.111, 5.110), (52.112, 5.110)]
OTHER_ZONE = {
    "type": "Polygon",
    "coordinates": [[[6.05, 53.05], [6.15, 53.05], [6.15, 53.15], [6.05, 53.15], [6.05, 53.05]]],
}
OTHER_SHOPPER = (53.11, 6.11)


@dataclass
class TwoDepots:
    world: World
    other: Depot
    date: dt.date
    bookings: list[Booking]
    other_booking: Booking


def book(
    world: World,
    date: dt.date,
    point: tuple[float, float],
    hours: tuple[int, int],
    now: dt.datetime,
    line1: str,
    confirm: bool = True,
) -> Booking:
    offer = offer_create(
        retailer=world.retailer,
        lat=point[0],
        lon=point[1],
        size_units=2,
        service_minutes=4,
        address={"line1": line1, "postcode": "3511 AA", "city": "Utrecht"},
        from_date=date,
        days=1,
        now=now,
    )
    window = next(w for w in offer.days[0].windows if (w.start.hour, w.end.hour) == hours and w.available)
    booking = hold_create(retailer=world.retailer, quote=window.quote, now=now)
    if confirm:
        booking, _ = hold_confirm(retailer=world.retailer, booking_id=booking.id, now=now)
    return booking


def make_two_depots(now: dt.datetime) -> TwoDepots:
    date = now.date() + dt.timedelta(days=2)
    world = make_world(dates=[date], vehicles=2, capacity=10)
    world.rules.depot = None  # retailer-wide rules: the same retailer sells at both depots
    world.rules.status = RuleSetStatus.PUBLISHED
    world.rules.save()
    bookings = [
        book(world, date, SHOPPERS[0], (9, 10), now, "Oudegracht 1"),
        book(world, date, SHOPPERS[1], (9, 13), now, "Oudegracht 2"),
        book(world, date, SHOPPERS[2], (12, 13), now, "Oudegracht 3"),
    ]
    other = Depot.objects.create(code="oth", name="Other depot", time_zone=TZ, lat=53.10, lon=6.10)
    ServiceZone.objects.create(depot=other, name="North", polygon=OTHER_ZONE)
    van = Vehicle.objects.create(depot=other, vehicle_type=world.vehicle_type, name="N1")
    WindowTemplate.objects.create(depot=other, start_time=dt.time(9), end_time=dt.time(10), cutoff_minutes=60)
    other_day = depot_day_get_or_create(depot=other, date=date)
    shift_create(depot_day=other_day, vehicle=van, start=world.local(date, 8), end=world.local(date, 20))
    other_world = World(
        depot=other,
        retailer=world.retailer,
        rules=world.rules,
        vehicle_type=world.vehicle_type,
        vehicles=[van],
    )
    other_booking = book(other_world, date, OTHER_SHOPPER, (9, 10), now, "Secret Lane 99")
    return TwoDepots(world=world, other=other, date=date, bookings=bookings, other_booking=other_booking)


@pytest.fixture
def two_depots(db, now) -> TwoDepots:
    return make_two_depots(now)


@pytest.fixture
def booking_viewer(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("dispatcher", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_booking"))
    return user
