"""Holds expiring under load free their capacity at once: no purge job has to run first.

A day is filled with holds; when they lapse, a crowd of shoppers arriving together gets exactly
the freed places, and the writers that find the lapsed holds mark them expired as they go.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.conf import settings

from booking.audit import plan_violations
from booking.models import Booking, BookingStatus
from booking.services.holds import hold_create
from booking.services.offers import offer_create
from greenslot.errors import Conflict
from tests.api.support import local_today
from tests.concurrency.support import Worker, require_postgres, run_all
from tests.factories import INSIDE, make_world

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PLACES = 6  # one van of 6 units
CROWD = 10


def quote(world, *, spot: int, day: dt.date, now: dt.datetime) -> str | None:
    result = offer_create(
        retailer=world.retailer,
        lat=INSIDE[0] + 0.0015 * (spot % 25),
        lon=INSIDE[1] - 0.0015 * (spot // 25),
        size_units=1,
        service_minutes=3,
        from_date=day,
        days=1,
        now=now,
    )
    wide = [w for w in result.days[0].windows if w.available and (w.end - w.start) >= dt.timedelta(hours=12)]
    return wide[0].quote if wide else None


def crowd_holds(world, *, day: dt.date, now: dt.datetime, first_spot: int) -> Counter:
    # Quotes first, then everyone holds at once.
    quotes = [quote(world, spot=first_spot + i, day=day, now=now) for i in range(CROWD)]
    barrier = threading.Barrier(CROWD)
    tally: Counter = Counter()
    lock = threading.Lock()

    def shopper(token: str | None):
        barrier.wait(timeout=30)
        if token is None:
            outcome = "no_window"
        else:
            try:
                hold_create(retailer=world.retailer, quote=token, now=now)
                outcome = "held"
            except Conflict as refusal:
                outcome = refusal.code
        with lock:
            tally[outcome] += 1

    run_all([Worker(lambda q=q: shopper(q), name=f"shopper-{i}") for i, q in enumerate(quotes)], timeout=120)
    return tally


def test_lapsed_holds_give_their_places_to_the_next_crowd_at_once():
    require_postgres()
    day = local_today() + dt.timedelta(days=3)
    world = make_world(dates=[day], vehicles=1, capacity=PLACES, windows=[(8, 20)])
    t0 = dt.datetime.combine(local_today(), dt.time(9), tzinfo=world.tz)

    # Given a day filled with holds by a crowd (exactly its places are held),
    first = crowd_holds(world, day=day, now=t0, first_spot=0)
    assert first["held"] == PLACES, first
    assert quote(world, spot=99, day=day, now=t0) is None  # full

    # when the holds lapse (no purge job runs) and another crowd arrives together,
    t1 = t0 + dt.timedelta(minutes=settings.GREENSLOT["HOLD_MINUTES"], seconds=1)
    second = crowd_holds(world, day=day, now=t1, first_spot=50)

    # then exactly the freed places are taken again, at once,
    assert second["held"] == PLACES, second
    assert plan_violations(now=t1) == []
    statuses = Counter(Booking.objects.values_list("status", flat=True))
    # and the lapsed holds were marked expired by the writers that found them.
    assert statuses[BookingStatus.EXPIRED] == PLACES
    assert statuses[BookingStatus.HELD] == PLACES
