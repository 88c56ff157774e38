"""Redis (the Celery broker) unreachable: booking goes on; only re-optimisation waits.

The trigger (``fleet.tasks.reoptimisation_request``) runs after the booking's transaction has
committed (``on_commit(robust=True)``), so when publishing fails the error is logged and never
reaches the shopper, and the booking is already safe. The publish is the external I/O, so it is
the one thing replaced here: it fails as kombu does against a Redis that refuses connections
(measured by hand: ``apply_async`` raises ``kombu.exceptions.OperationalError`` after ~0.7 s of
retries). The debounce key is taken before publishing, so a depot-day pays that at most once per
debounce period.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.cache import cache
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from booking.audit import plan_violations
from booking.models import BookingStatus
from booking.services.holds import hold_confirm
from fleet import tasks
from tests.api.support import ApiWorld, local_today
from tests.factories import make_world

pytestmark = [pytest.mark.faults, pytest.mark.real_clock, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker_down(settings, monkeypatch):
    settings.GREENSLOT = {**settings.GREENSLOT, "REOPT_AUTO": True, "REOPT_DEBOUNCE_SECONDS": 30}
    attempts: list[int] = []

    def refused(args=None, **options):
        attempts.append(args[0])
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.reoptimise_depot_day, "apply_async", refused)
    cache.clear()
    yield attempts
    cache.clear()


def test_holds_and_confirms_succeed_with_the_broker_unreachable(broker_down):
    # Given the broker refuses connections, so the trigger itself raises when it publishes,
    with pytest.raises(KombuOperationalError):
        tasks.reoptimisation_request(depot_day_id=987654321)
    day = local_today() + dt.timedelta(days=2)
    world = make_world(dates=[day, day + dt.timedelta(days=1)], vehicles=2, capacity=10)
    aw = ApiWorld(world=world, other=world.retailer, day1=day, day2=day + dt.timedelta(days=1))
    started = time.monotonic()

    # when shoppers hold and confirm on two days (every commit runs the trigger),
    bookings = []
    for spot in range(4):
        hold = aw.hold(world.retailer, spot=spot, date=(aw.day1, aw.day2)[spot % 2])
        bookings.append(hold_confirm(retailer=world.retailer, booking_id=hold.id)[0])

    # then every booking is made and the plans are sound: the failure stayed in on_commit,
    assert all(b.status == BookingStatus.CONFIRMED for b in bookings)
    assert plan_violations(now=timezone.now()) == []
    assert time.monotonic() - started < 10
    # and each depot-day tried the broker once in the debounce period (eight commits, two attempts).
    day_ids = {b.depot_day_id for b in bookings}
    assert sorted(broker_down[1:]) == sorted(day_ids)
