"""A writer reads the clock only once it holds the depot-day lock.

The race: a confirm reads ``now`` and then waits for the depot-day lock. Meanwhile its hold lapses,
and the writer ahead of it in the queue (here a cancel of another booking on the same route)
re-times the route without the lapsed hold's stop. If the confirm then judged the hold by the
clock it read *before* waiting, it would revive a stop the plan has already dropped: the stop
comes back with a stale sequence number next to the re-numbered stops, and the route's order and
planned times no longer describe a schedule that was checked.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from booking.audit import plan_violations
from booking.models import Booking, BookingStatus
from booking.services.holds import booking_cancel, hold_confirm, hold_create
from fleet.models import DepotDay
from greenslot.errors import Conflict
from tests.api.support import local_today
from tests.concurrency.support import Worker, require_postgres, window_quote
from tests.factories import make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LAPSE_AFTER_SECONDS = 2.0


def test_a_confirm_waiting_for_the_lock_does_not_revive_a_hold_that_lapsed_meanwhile():
    require_postgres()
    day = local_today() + dt.timedelta(days=2)
    world = make_world(dates=[day], vehicles=1, capacity=10, windows=[(9, 10), (10, 11), (12, 13)])
    real_now = timezone.now()
    # Given a hold that lapses in two seconds (made "ten minutes ago, less two seconds") ...
    made_at = real_now - dt.timedelta(
        minutes=settings.GREENSLOT["HOLD_MINUTES"], seconds=-LAPSE_AFTER_SECONDS
    )
    lapsing = hold_create(
        retailer=world.retailer,
        quote=window_quote(world, spot=0, date=day, hours=(9, 10), now=made_at),
        now=made_at,
    )
    # ... first on a one-van route, with two confirmed bookings after it.
    later = []
    for spot, hours in ((1, (10, 11)), (2, (12, 13))):
        hold = hold_create(
            retailer=world.retailer,
            quote=window_quote(world, spot=2 * spot, date=day, hours=hours, now=real_now),
        )
        later.append(hold_confirm(retailer=world.retailer, booking_id=hold.id)[0])
    assert [
        b.stop.sequence
        for b in Booking.objects.filter(status__in=["held", "confirmed"]).order_by("window_start")
    ] == [0, 1, 2]

    confirm = Worker(lambda: hold_confirm(retailer=world.retailer, booking_id=lapsing.id), name="confirm")
    with transaction.atomic():
        # When another writer holds the depot-day lock while the confirm starts and queues behind it ...
        DepotDay.objects.select_for_update().get(date=day)
        confirm.start()
        time.sleep(0.5)
        assert confirm.is_alive(), "the confirm should be waiting for the depot-day lock"
        # ... and that writer acts after the hold lapsed: it cancels the middle booking, re-timing the
        # route without the lapsed hold's stop.
        time.sleep(max(0.0, (lapsing.hold_expires_at - timezone.now()).total_seconds()) + 0.3)
        booking_cancel(retailer=world.retailer, booking_id=later[0].id)
    confirm.join(30)
    assert not confirm.is_alive()

    # Then the confirm, judging the hold by the clock once it got the lock, refuses it as expired,
    assert isinstance(confirm.error, Conflict), confirm.trace or confirm.result
    assert confirm.error.code == "hold_expired"
    lapsing.refresh_from_db()
    assert lapsing.status == BookingStatus.EXPIRED and lapsing.stop_id is None
    # and the plan is exactly the one booking left, checked independently.
    assert plan_violations(now=timezone.now()) == []
