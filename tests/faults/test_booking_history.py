"""Data safety: every state change of a booking is in its BookingEvent trail (who, when, from, to),
and a booking is never deleted, only ended (released, expired, cancelled).

No extra delete guard is added: every service writes a booking together with its first event in
one transaction, and BookingEvent.booking is PROTECT, so the ORM refuses to delete any booking
(ProtectedError), a retailer's cascade included; in the database the same foreign key (no ON
DELETE action) refuses a raw DELETE. The admin offers no delete at all. A pre_delete signal would
only repeat this, as logic hidden in a signal.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from booking.models import Booking, BookingEvent, BookingStatus
from booking.services.holds import (
    booking_cancel,
    booking_reschedule,
    hold_confirm,
    hold_create,
    hold_release,
    holds_expire,
)
from fleet.models import DepotDay
from greenslot.errors import Conflict
from tests.api.support import local_today
from tests.concurrency.support import window_quote
from tests.factories import make_world

pytestmark = pytest.mark.django_db

HELD, CONFIRMED = BookingStatus.HELD, BookingStatus.CONFIRMED
RELEASED, EXPIRED, CANCELLED = BookingStatus.RELEASED, BookingStatus.EXPIRED, BookingStatus.CANCELLED


@pytest.fixture
def world(now, tomorrow):
    return make_world(dates=[tomorrow, tomorrow + dt.timedelta(days=1)])


def quote(world, *, spot: int, date: dt.date, now: dt.datetime, hours=(9, 13)) -> str:
    return window_quote(world, spot=spot, date=date, hours=hours, now=now)


def trail(booking: Booking) -> list[tuple]:
    return list(
        BookingEvent.objects.filter(booking=booking)
        .order_by("at", "id")
        .values_list("from_status", "to_status", "actor", "at")
    )


def assert_chain(booking: Booking) -> None:
    """Each event starts where the previous one ended; the last one ends at the booking's status."""
    booking.refresh_from_db()
    events = trail(booking)
    assert events and events[0][0] == ""
    for before, after in zip(events, events[1:], strict=False):
        assert after[0] == before[1], events
    assert events[-1][1] == booking.status


def test_every_service_transition_is_in_the_trail(world, now, tomorrow):
    later = now + dt.timedelta(minutes=1)
    day2 = tomorrow + dt.timedelta(days=1)

    # held -> confirmed -> rescheduled -> cancelled
    booking = hold_create(
        retailer=world.retailer, quote=quote(world, spot=0, date=tomorrow, now=now), now=now, actor="api:sk_a"
    )
    hold_confirm(retailer=world.retailer, booking_id=booking.id, now=later, actor="api:sk_b")
    moved_at = later + dt.timedelta(minutes=1)
    booking_reschedule(
        retailer=world.retailer,
        booking_id=booking.id,
        quote=quote(world, spot=0, date=day2, now=moved_at),
        now=moved_at,
        actor="api:sk_c",
    )
    cancelled_at = moved_at + dt.timedelta(minutes=1)
    booking_cancel(
        retailer=world.retailer,
        booking_id=booking.id,
        now=cancelled_at,
        actor="api:sk_d",
        reason="changed mind",
    )
    assert trail(booking) == [
        ("", HELD, "api:sk_a", now),
        (HELD, CONFIRMED, "api:sk_b", later),
        (CONFIRMED, CONFIRMED, "api:sk_c", moved_at),
        (CONFIRMED, CANCELLED, "api:sk_d", cancelled_at),
    ]
    notes = list(
        BookingEvent.objects.filter(booking=booking).order_by("at", "id").values_list("note", flat=True)
    )
    assert notes[2].startswith("rescheduled from ") and notes[3] == "changed mind"
    assert_chain(booking)

    # held -> released
    released = hold_create(
        retailer=world.retailer, quote=quote(world, spot=1, date=tomorrow, now=now), now=now
    )
    hold_release(retailer=world.retailer, booking_id=released.id, now=later, actor="widget:pk")
    assert trail(released)[-1] == (HELD, RELEASED, "widget:pk", later)
    assert_chain(released)

    lapsed_at = now + dt.timedelta(minutes=30)
    # held -> expired, by the purge job
    purged = hold_create(retailer=world.retailer, quote=quote(world, spot=2, date=tomorrow, now=now), now=now)
    # held -> expired, found by a confirm that came too late
    too_late = hold_create(retailer=world.retailer, quote=quote(world, spot=3, date=day2, now=now), now=now)
    with pytest.raises(Conflict) as refusal:
        hold_confirm(retailer=world.retailer, booking_id=too_late.id, now=lapsed_at)
    assert refusal.value.code == "hold_expired"
    assert trail(too_late)[-1] == (HELD, EXPIRED, "system:expiry", lapsed_at)
    assert holds_expire(now=lapsed_at) == 1
    assert trail(purged)[-1] == (HELD, EXPIRED, "system:expiry", lapsed_at)
    # held -> expired, found by another shopper's hold on the same day
    found = hold_create(retailer=world.retailer, quote=quote(world, spot=4, date=tomorrow, now=now), now=now)
    hold_create(
        retailer=world.retailer, quote=quote(world, spot=5, date=tomorrow, now=lapsed_at), now=lapsed_at
    )
    assert trail(found)[-1] == (HELD, EXPIRED, "system:expiry", lapsed_at)
    for booking in (purged, too_late, found):
        assert_chain(booking)

    # Every booking, whatever happened to it, has an unbroken trail.
    for booking in Booking.objects.all():
        assert_chain(booking)


def test_a_cancel_in_the_admin_names_the_staff_member(client):
    # The admin acts at the real time, so this booking is made at the real time too.
    day = local_today() + dt.timedelta(days=2)
    world = make_world(dates=[day])
    real_now = timezone.now()
    booking = hold_create(retailer=world.retailer, quote=quote(world, spot=0, date=day, now=real_now))
    hold_confirm(retailer=world.retailer, booking_id=booking.id)
    staff = get_user_model().objects.create_user(
        "ops", password="x-1234567", is_staff=True, is_superuser=True
    )
    client.force_login(staff)
    response = client.post(
        "/admin/booking/booking/", {"action": "cancel_selected", "_selected_action": [str(booking.id)]}
    )
    assert response.status_code == 302
    from_status, to_status, actor, _ = trail(booking)[-1]
    assert (from_status, to_status, actor) == (CONFIRMED, CANCELLED, "admin:ops")


def test_a_booking_cannot_be_deleted_through_the_orm(world, now, tomorrow):
    booking = hold_create(
        retailer=world.retailer, quote=quote(world, spot=0, date=tomorrow, now=now), now=now
    )
    with pytest.raises(ProtectedError):
        Booking.objects.filter(pk=booking.pk).delete()
    with pytest.raises(ProtectedError):
        world.retailer.delete()  # its bookings would cascade
    with pytest.raises(ProtectedError):
        DepotDay.objects.filter(pk=booking.depot_day_id).delete()
    assert Booking.objects.filter(pk=booking.pk).exists()


def test_a_raw_delete_is_refused_by_the_database(world, now, tomorrow):
    if connection.vendor != "postgresql":
        pytest.skip("Checks PostgreSQL's foreign-key constraint (CI runs on PostgreSQL).")
    booking = hold_create(
        retailer=world.retailer, quote=quote(world, spot=0, date=tomorrow, now=now), now=now
    )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DELETE FROM booking_booking WHERE id = %s", [booking.pk])
    assert Booking.objects.filter(pk=booking.pk).exists()


def test_the_admin_offers_no_delete(world, now, tomorrow, client):
    booking = hold_create(
        retailer=world.retailer, quote=quote(world, spot=0, date=tomorrow, now=now), now=now
    )
    staff = get_user_model().objects.create_user(
        "root", password="x-1234567", is_staff=True, is_superuser=True
    )
    client.force_login(staff)
    assert client.get(f"/admin/booking/booking/{booking.pk}/delete/").status_code == 403
    assert client.post(f"/admin/booking/booking/{booking.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(
        "/admin/booking/booking/", {"action": "delete_selected", "_selected_action": [str(booking.pk)]}
    )
    assert Booking.objects.filter(pk=booking.pk).exists()
    assert response.status_code in (200, 302)
