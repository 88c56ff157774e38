"""An offer reads a constant number of rows whatever the number of stops: plans come from the
per-version cache, and a write invalidates exactly the day it changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.services.holds import hold_confirm, hold_create
from booking.services.offers import offer_create
from fleet.adapter import plan_cache
from tests.factories import make_world

pytestmark = pytest.mark.django_db

HOLD_QUERIES = {"postgresql": 13, "sqlite": 12}  # the last: the quote's use (booking.QuoteUse)
CONFIRM_QUERIES = {"postgresql": 9, "sqlite": 9}
POINTS = [(52.06 + 0.005 * i, 5.06 + 0.004 * i) for i in range(16)]


def offer(world, now, date, point=(52.11, 5.11)):
    return offer_create(
        retailer=world.retailer,
        lat=point[0],
        lon=point[1],
        size_units=1,
        service_minutes=3,
        from_date=date,
        days=3,
        now=now,
    )


def book(world, now, date, count):
    for point in POINTS[:count]:
        window = next(w for w in offer(world, now, date, point).days[0].windows if w.available)
        hold_confirm(
            retailer=world.retailer,
            booking_id=hold_create(retailer=world.retailer, quote=window.quote, now=now).id,
            now=now,
        )


def queries_of_warm_offer(world, now, date) -> list[str]:
    offer(world, now, date)  # warm the cache
    with CaptureQueriesContext(connection) as captured:
        offer(world, now, date)
    return [q["sql"] for q in captured.captured_queries]


def test_a_warm_offer_runs_the_same_queries_for_2_or_16_stops(now, tomorrow):
    world = make_world(dates=[tomorrow], vehicles=3, capacity=40)
    book(world, now, tomorrow, 2)
    few = queries_of_warm_offer(world, now, tomorrow)
    book(world, now, tomorrow, 14)
    many = queries_of_warm_offer(world, now, tomorrow)
    assert len(few) == len(many), "\n".join(many)
    # The zones (with their depot), the largest vehicle, the rules, the window templates, the
    # depot-days of the horizon, and the Offer row.
    assert len(many) <= 6, "\n".join(many)
    assert not any('"fleet_stop"' in q for q in many), "a warm offer must not read stops"


def test_a_write_invalidates_the_cached_plan(now, tomorrow):
    world = make_world(dates=[tomorrow], vehicles=1, capacity=2)
    offer(world, now, tomorrow)
    misses = plan_cache.misses
    offer(world, now, tomorrow)
    assert plan_cache.misses == misses
    book(world, now, tomorrow, 2)
    assert {w.reason for w in offer(world, now, tomorrow).days[0].windows} == {"full"}


def queries_of_hold_and_confirm(world, now, date, point) -> tuple[list[str], list[str]]:
    window = next(w for w in offer(world, now, date, point).days[0].windows if w.available)
    with CaptureQueriesContext(connection) as holding:
        hold = hold_create(retailer=world.retailer, quote=window.quote, now=now)
    with CaptureQueriesContext(connection) as confirming:
        hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)
    return [q["sql"] for q in holding.captured_queries], [q["sql"] for q in confirming.captured_queries]


def test_a_hold_and_a_confirm_run_the_same_queries_for_2_or_16_stops(now, tomorrow):
    world = make_world(dates=[tomorrow], vehicles=3, capacity=40)
    book(world, now, tomorrow, 2)
    hold_few, confirm_few = queries_of_hold_and_confirm(world, now, tomorrow, (52.10, 5.10))
    book(world, now, tomorrow, 12)
    hold_many, confirm_many = queries_of_hold_and_confirm(world, now, tomorrow, (52.105, 5.105))
    assert len(hold_few) == len(hold_many), "\n".join(hold_many)
    assert len(confirm_few) == len(confirm_many), "\n".join(confirm_many)
    # Pinned: a change that adds a query to the write path shows here (savepoints count).
    assert len(hold_many) == HOLD_QUERIES[connection.vendor], "\n".join(hold_many)
    assert len(confirm_many) == CONFIRM_QUERIES[connection.vendor], "\n".join(confirm_many)
