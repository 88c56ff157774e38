"""Redis (the Celery broker) unreachable: booking goes on; only re-optimisation waits.

The trigger runs after the booking's transaction has committed (``on_commit(robust=True)``), so a
broker error is logged and never reaches the shopper. A refused connection costs kombu's publish
retries once per depot-day per debounce period (the debounce key is taken before publishing).
"""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from booking.models import BookingStatus
from booking.services.holds import hold_confirm, hold_create
from fleet.tasks import debounce_key, reoptimisation_request
from greenslot.celery import app
from tests.api.support import ApiWorld, local_today
from tests.factories import make_world
from tests.plan_check import plan_violations

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

# Nothing listens on port 1: connections are refused at once, as when Redis is down.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(settings):
    settings.GREENSLOT = {**settings.GREENSLOT, "REOPT_AUTO": True, "REOPT_DEBOUNCE_SECONDS": 30}
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.close()  # drop pooled broker connections an earlier test may have opened to a live Redis
    app.conf.broker_url, app.conf.task_always_eager = UNREACHABLE_BROKER, False
    cache.clear()
    yield
    app.close()
    app.conf.broker_url, app.conf.task_always_eager = saved
    cache.clear()


def test_holds_and_confirms_succeed_with_the_broker_unreachable(broker_down):
    import datetime as dt

    # Given a broker that refuses connections: the trigger itself raises when it publishes,
    with pytest.raises(KombuOperationalError):
        reoptimisation_request(depot_day_id=987654321)
    day = local_today() + dt.timedelta(days=2)
    world = make_world(dates=[day, day + dt.timedelta(days=1)], vehicles=2, capacity=10)
    aw = ApiWorld(world=world, other=world.retailer, day1=day, day2=day + dt.timedelta(days=1))
    started = time.monotonic()
    # when shoppers hold and confirm on two days (each commit runs the trigger),
    bookings = []
    for spot in range(4):
        hold = aw.hold(world.retailer, spot=spot, date=(aw.day1, aw.day2)[spot % 2])
        bookings.append(hold_confirm(retailer=world.retailer, booking_id=hold.id)[0])
    elapsed = time.monotonic() - started

    # then every booking is made and the plans are sound: the failure stayed in on_commit,
    assert all(b.status == BookingStatus.CONFIRMED for b in bookings)
    assert plan_violations(now=timezone.now()) == []
    # the trigger did try each depot-day (its debounce keys are taken) ...
    assert all(cache.get(debounce_key(b.depot_day_id)) for b in bookings)
    # ... once per depot-day per debounce period, so four bookings paid for at most two attempts.
    assert elapsed < 10, elapsed


def test_a_hold_made_while_the_broker_is_down_is_there_when_it_is_back(broker_down):
    import datetime as dt

    day = local_today() + dt.timedelta(days=2)
    world = make_world(dates=[day], vehicles=1, capacity=10)
    aw = ApiWorld(world=world, other=world.retailer, day1=day, day2=day)
    hold = hold_create(retailer=world.retailer, quote=aw.window(world.retailer, spot=0).quote)
    app.conf.broker_url = "memory://"  # the broker is back (in-memory stands in for Redis here)
    booking, created = hold_confirm(retailer=world.retailer, booking_id=hold.id)
    assert created and booking.status == BookingStatus.CONFIRMED
    assert plan_violations(now=timezone.now()) == []
