"""A retailer's order id (``external_ref`` on confirm) confirms at most one live booking."""

import pytest
from django.db import IntegrityError, transaction

from booking.models import Booking, BookingStatus
from booking.references import reference_display
from booking.services.holds import booking_cancel, hold_confirm, hold_create
from booking.services.offers import offer_create
from greenslot.errors import GreenslotError
from tests.booking.test_holds import NEIGHBOURS
from tests.factories import make_world, retailer_with_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tomorrow):
    return make_world(dates=[tomorrow], vehicles=1, capacity=6)


def held(world, now, tomorrow, spot, retailer=None):
    lat, lon = NEIGHBOURS[spot]
    retailer = retailer or world.retailer
    result = offer_create(
        retailer=retailer,
        lat=lat,
        lon=lon,
        size_units=1,
        service_minutes=3,
        from_date=tomorrow,
        days=1,
        now=now,
    )
    window = next(w for w in result.days[0].windows if w.available)
    return hold_create(retailer=retailer, quote=window.quote, now=now)


@pytest.mark.parametrize("second_key", ["k2", ""])
def test_an_order_id_cannot_confirm_a_second_hold_with_another_key(world, now, tomorrow, second_key):
    first, second = held(world, now, tomorrow, 0), held(world, now, tomorrow, 1)
    booking, _ = hold_confirm(
        retailer=world.retailer, booking_id=first.id, external_ref="order-7", idempotency_key="k1", now=now
    )
    with pytest.raises(GreenslotError) as caught:
        hold_confirm(
            retailer=world.retailer,
            booking_id=second.id,
            external_ref="order-7",
            idempotency_key=second_key,
            now=now,
        )
    assert (caught.value.code, caught.value.status) == ("order_already_confirmed", 409)
    assert caught.value.details == {
        "external_ref": "order-7",
        "booking_id": str(booking.id),
        "reference": reference_display(booking.reference),
    }
    assert reference_display(booking.reference) in caught.value.message
    assert Booking.objects.get(pk=second.pk).status == BookingStatus.HELD
    # The same confirm retried with its key is still the same booking.
    again, created = hold_confirm(
        retailer=world.retailer, booking_id=first.id, external_ref="order-7", idempotency_key="k1", now=now
    )
    assert (again.id, created) == (booking.id, False)


def test_once_its_booking_is_cancelled_the_order_id_can_confirm_another_hold(world, now, tomorrow):
    first, second = held(world, now, tomorrow, 0), held(world, now, tomorrow, 1)
    hold_confirm(
        retailer=world.retailer, booking_id=first.id, external_ref="order-7", idempotency_key="k1", now=now
    )
    booking_cancel(retailer=world.retailer, booking_id=first.id, now=now)
    booking, created = hold_confirm(
        retailer=world.retailer, booking_id=second.id, external_ref="order-7", idempotency_key="k2", now=now
    )
    assert created and booking.status == BookingStatus.CONFIRMED


def test_order_ids_are_per_retailer_and_empty_ones_are_not_order_ids(world, now, tomorrow):
    other, _ = retailer_with_rules("other-shop")
    mine, theirs = held(world, now, tomorrow, 0), held(world, now, tomorrow, 1, retailer=other)
    hold_confirm(retailer=world.retailer, booking_id=mine.id, external_ref="order-7", now=now)
    assert hold_confirm(retailer=other, booking_id=theirs.id, external_ref="order-7", now=now)[1]
    unnamed = [held(world, now, tomorrow, spot) for spot in (2, 3)]
    for hold in unnamed:
        assert hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)[1]


def test_the_database_keeps_one_confirmed_booking_per_order_id(world, now, tomorrow):
    """The constraint that backs the service check when two confirms race on different days."""
    first, second = held(world, now, tomorrow, 0), held(world, now, tomorrow, 1)
    hold_confirm(retailer=world.retailer, booking_id=first.id, external_ref="order-7", now=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=second.pk).update(status=BookingStatus.CONFIRMED, external_ref="order-7")
    # A held, released or cancelled booking may keep the order id.
    Booking.objects.filter(pk=second.pk).update(status=BookingStatus.CANCELLED, external_ref="order-7")
