"""The data steps of booking 0009 (quote uses) and 0010 (one live booking per order id)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from booking.models import Booking, BookingEvent, QuoteUse
from booking.references import reference_display
from booking.services.holds import hold_confirm
from tests.booking.test_order_ref import held
from tests.factories import make_world

pytestmark = pytest.mark.django_db(transaction=True)

LATEST = [("booking", "0010_booking_order_confirmed_once")]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def confirmed(world, now, tomorrow, spot, ref):
    at = now + dt.timedelta(minutes=spot)  # confirmed in order of spot
    return hold_confirm(
        retailer=world.retailer, booking_id=held(world, at, tomorrow, spot).id, external_ref=ref, now=at
    )[0]


def test_quote_uses_and_order_ids_survive_the_migrations_both_ways(now, tomorrow):
    world = make_world(dates=[tomorrow], vehicles=1, capacity=6)
    first = confirmed(world, now, tomorrow, 0, "order-7")
    second = confirmed(world, now, tomorrow, 1, "order-8")
    page = confirmed(world, now, tomorrow, 2, "")
    keys = dict(QuoteUse.objects.values_list("booking_id", "key"))
    try:
        # Back to before both: each hold's quote is on its booking again.
        old = migrate([("booking", "0008_band_availability")])
        assert dict(old.get_model("booking", "Booking").objects.values_list("id", "quote_key")) == keys
        # Before the order constraint, the defect: one order on two live bookings, and the shopper
        # page's constant on a confirmed booking.
        old = migrate([("booking", "0009_quote_use")])
        OldBooking = old.get_model("booking", "Booking")
        OldBooking.objects.filter(pk=second.pk).update(external_ref="order-7")
        OldBooking.objects.filter(pk=page.pk).update(external_ref="shopper-page", idempotency_key="shopper-x")
        migrate(LATEST)
    finally:
        migrate(LATEST)
    assert dict(QuoteUse.objects.values_list("booking_id", "key")) == keys
    assert dict(Booking.objects.values_list("id", "external_ref")) == {
        first.id: "order-7",
        second.id: "",
        page.id: "",
    }
    note = BookingEvent.objects.filter(booking=second, actor="system:migration").get().note
    assert note == (
        f"order id 'order-7' removed: booking {reference_display(second.reference)} is not its only "
        f"confirm; {reference_display(first.reference)} keeps it"
    )
