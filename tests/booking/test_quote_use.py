"""A quote is used once, whatever uses it: a hold or a reschedule (``booking.QuoteUse``)."""

import datetime as dt

import pytest

from booking.audit import plan_violations
from booking.models import Booking, BookingEvent
from booking.services.holds import booking_reschedule, hold_confirm, hold_create
from fleet.models import Stop
from greenslot.errors import GreenslotError
from tests.booking.test_holds import window_quote
from tests.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tomorrow):
    return make_world(dates=[tomorrow], vehicles=1, capacity=6)


def confirmed(world, now, date, start, end):
    hold = hold_create(
        retailer=world.retailer, quote=window_quote(world, now, date, start, end).quote, now=now
    )
    return hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)[0]


def refused_as_used(call) -> GreenslotError:
    with pytest.raises(GreenslotError) as caught:
        call()
    assert (caught.value.code, caught.value.status) == ("quote_used", 409)
    return caught.value


def reschedule_refused_as_used(world, booking, quote, now) -> None:
    """The reschedule is refused as ``quote_used`` and the booking stays where it was."""
    refused_as_used(
        lambda: booking_reschedule(retailer=world.retailer, booking_id=booking.id, quote=quote, now=now)
    )
    stays = Booking.objects.get(pk=booking.pk)
    assert (stays.window_start, stays.window_end) == (booking.window_start, booking.window_end)


def test_a_reschedule_quote_cannot_move_a_booking_twice(world, now, tomorrow):
    booking = confirmed(world, now, tomorrow, 9, 10)
    used = window_quote(world, now, tomorrow, 12, 13).quote
    booking_reschedule(retailer=world.retailer, booking_id=booking.id, quote=used, now=now)
    back = window_quote(world, now, tomorrow, 9, 10).quote
    moved_back = booking_reschedule(retailer=world.retailer, booking_id=booking.id, quote=back, now=now)
    reschedule_refused_as_used(world, moved_back, used, now)


def test_a_reschedule_quote_cannot_move_another_booking(world, now, tomorrow):
    first = confirmed(world, now, tomorrow, 9, 10)
    second = confirmed(world, now, tomorrow, 10, 11)  # the same address
    used = window_quote(world, now, tomorrow, 12, 13).quote
    booking_reschedule(retailer=world.retailer, booking_id=first.id, quote=used, now=now)
    reschedule_refused_as_used(world, second, used, now)


def test_a_reschedule_quote_cannot_make_a_hold(world, now, tomorrow):
    booking = confirmed(world, now, tomorrow, 9, 10)
    used = window_quote(world, now, tomorrow, 12, 13).quote
    booking_reschedule(retailer=world.retailer, booking_id=booking.id, quote=used, now=now)
    stops = Stop.objects.count()
    error = refused_as_used(lambda: hold_create(retailer=world.retailer, quote=used, now=now))
    assert error.details == {"status": "confirmed"}
    assert Booking.objects.count() == 1 and Stop.objects.count() == stops


def test_a_held_quote_cannot_reschedule_a_booking(world, now, tomorrow):
    booking = confirmed(world, now, tomorrow, 9, 10)
    held = window_quote(world, now, tomorrow, 12, 13).quote
    hold_create(retailer=world.retailer, quote=held, now=now)
    reschedule_refused_as_used(world, booking, held, now)


def test_a_retried_reschedule_gives_the_moved_booking_back_and_moves_nothing(world, now, tomorrow):
    booking = confirmed(world, now, tomorrow, 9, 10)
    quote = window_quote(world, now, tomorrow, 12, 13).quote
    moved = booking_reschedule(retailer=world.retailer, booking_id=booking.id, quote=quote, now=now)
    before = (Stop.objects.count(), BookingEvent.objects.count(), moved.stop_id)
    # A retry after a network timeout: the same quote on the same booking.
    again = booking_reschedule(
        retailer=world.retailer, booking_id=booking.id, quote=quote, now=now + dt.timedelta(seconds=5)
    )
    assert (again.id, again.window_start, again.window_end) == (
        moved.id,
        moved.window_start,
        moved.window_end,
    )
    assert (Stop.objects.count(), BookingEvent.objects.count(), again.stop_id) == before
    assert plan_violations(now=now) == []


def test_every_use_of_a_quote_is_recorded_once(world, now, tomorrow):
    from booking.models import QuoteUse

    booking = confirmed(world, now, tomorrow, 9, 10)
    quote = window_quote(world, now, tomorrow, 12, 13).quote
    booking_reschedule(retailer=world.retailer, booking_id=booking.id, quote=quote, now=now)
    uses = list(QuoteUse.objects.order_by("used_at", "purpose").values_list("booking_id", "purpose"))
    assert sorted(uses, key=lambda use: use[1]) == [(booking.id, "hold"), (booking.id, "reschedule")]
