"""A small booked world on the real clock (the staff pages ask for "now" themselves), and the
people who may or may not see the staff pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from booking.models import Booking
from booking.services.holds import hold_confirm, hold_create
from booking.services.offers import offer_create
from pricing.models import IncentiveRuleSet
from pricing.services import rule_set_draft_from
from tests.factories import World, make_world

# Three shoppers near the middle of the factories' square zone, about 110 m apart.
SHOPPERS = [(52.110, 5.110), (52.111, 5.110), (52.112, 5.110)]


@dataclass
class BookedWorld:
    world: World
    date: dt.date
    bookings: list[Booking]
    draft: IncentiveRuleSet


def book(world: World, date: dt.date, point: tuple[float, float], hours: tuple[int, int], now) -> Booking:
    offer = offer_create(
        retailer=world.retailer,
        lat=point[0],
        lon=point[1],
        size_units=1,
        service_minutes=3,
        from_date=date,
        days=1,
        now=now,
    )
    window = next(w for w in offer.days[0].windows if (w.start.hour, w.end.hour) == hours)
    hold = hold_create(retailer=world.retailer, quote=window.quote, now=now)
    booking, _ = hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)
    return booking


def make_booked_world() -> BookedWorld:
    now = timezone.now()
    date = timezone.localtime(now, dt.UTC).date() + dt.timedelta(days=2)
    world = make_world(dates=[date], vehicles=2, capacity=10)
    bookings = [
        book(world, date, SHOPPERS[0], (9, 10), now),
        book(world, date, SHOPPERS[1], (9, 13), now),
        book(world, date, SHOPPERS[2], (12, 13), now),
    ]
    draft = rule_set_draft_from(rule_set=world.rules)
    return BookedWorld(world=world, date=date, bookings=bookings, draft=draft)


@pytest.fixture
def booked(db) -> BookedWorld:
    return make_booked_world()


@pytest.fixture
def staff_without_rights(django_user_model):
    return django_user_model.objects.create_user("clerk", password="pw", is_staff=True)


@pytest.fixture
def staff_who_views_rules(django_user_model):
    user = django_user_model.objects.create_user("analyst", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_incentiveruleset"))
    return user


@pytest.fixture
def shopper_user(django_user_model):
    return django_user_model.objects.create_user("shopper", password="pw")
