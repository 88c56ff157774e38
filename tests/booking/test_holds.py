"""Holds, confirms, releases, cancels and expiry: each locks the plan and leaves it feasible."""

import base64
import datetime as dt

import pytest

from booking.audit import plan_violations
from booking.models import Booking, BookingEvent, BookingStatus
from booking.services.holds import (
    booking_cancel,
    booking_effective_status,
    booking_get,
    booking_reschedule,
    hold_confirm,
    hold_create,
    hold_get_or_create,
    hold_release,
    holds_expire,
)
from booking.services.offers import offer_create
from fleet.models import DepotDay, Stop
from greenslot.errors import GreenslotError
from tests.factories import INSIDE, make_world, retailer_with_rules

pytestmark = pytest.mark.django_db


def window_quote(world, now, date, start_hour, end_hour, *, size_units=1, lat=INSIDE[0], lon=INSIDE[1]):
    result = offer_create(
        retailer=world.retailer,
        lat=lat,
        lon=lon,
        size_units=size_units,
        service_minutes=3,
        from_date=date,
        days=1,
        now=now,
    )
    for w in result.days[0].windows:
        if (w.start.hour, w.end.hour) == (start_hour, end_hour):
            return w
    raise AssertionError("window not offered")


def snapshot():
    return (
        Booking.objects.count(),
        Stop.objects.count(),
        list(DepotDay.objects.values_list("version", flat=True)),
        BookingEvent.objects.count(),
    )


@pytest.fixture
def world(tomorrow):
    return make_world(dates=[tomorrow], vehicles=1, capacity=3)


def test_it_holds_a_quoted_window_and_keeps_the_plan_feasible(world, now, tomorrow):
    window = window_quote(world, now, tomorrow, 9, 10)
    hold = hold_create(retailer=world.retailer, quote=window.quote, now=now)
    assert hold.status == BookingStatus.HELD
    assert hold.price_amount == window.price.amount
    assert hold.hold_expires_at == now + dt.timedelta(minutes=10)
    assert hold.stop.window_start == window.start
    assert world.local(tomorrow, 9) <= hold.stop.planned_start <= world.local(tomorrow, 10)
    assert DepotDay.objects.get().version > 0
    assert plan_violations(now=now) == []


NEIGHBOURS = [(52.11, 5.11), (52.112, 5.11), (52.11, 5.113), (52.108, 5.109)]


def test_it_refuses_a_hold_once_capacity_is_used_and_changes_nothing(world, now, tomorrow):
    quotes = [window_quote(world, now, tomorrow, 9, 13, lat=lat, lon=lon).quote for lat, lon in NEIGHBOURS]
    for quote in quotes[:3]:
        hold_create(retailer=world.retailer, quote=quote, now=now)
    before = snapshot()
    with pytest.raises(GreenslotError) as caught:
        hold_create(retailer=world.retailer, quote=quotes[3], now=now)
    assert (caught.value.code, caught.value.status) == ("window_unavailable", 409)
    assert caught.value.details["reason"] == "full"
    assert snapshot() == before
    offer = offer_create(
        retailer=world.retailer,
        lat=INSIDE[0],
        lon=INSIDE[1],
        size_units=1,
        service_minutes=3,
        from_date=tomorrow,
        days=1,
        now=now,
    )
    assert {w.reason for w in offer.days[0].windows} == {"full"}
    assert plan_violations(now=now) == []


def test_an_expired_hold_stops_counting_at_once(world, now, tomorrow):
    for lat, lon in NEIGHBOURS[:3]:
        quote = window_quote(world, now, tomorrow, 9, 13, lat=lat, lon=lon).quote
        hold_create(retailer=world.retailer, quote=quote, now=now)
    later = now + dt.timedelta(minutes=10)
    # No purge has run: the lapsed holds are still 'held' rows, yet the window is offered again.
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 3
    window = window_quote(world, later, tomorrow, 9, 13, lat=NEIGHBOURS[3][0], lon=NEIGHBOURS[3][1])
    assert window.available
    hold_create(retailer=world.retailer, quote=window.quote, now=later)
    assert Booking.objects.filter(status=BookingStatus.EXPIRED).count() == 3
    assert (
        booking_effective_status(
            booking=Booking.objects.filter(status=BookingStatus.EXPIRED).first(), now=later
        )
        == "expired"
    )
    assert plan_violations(now=later) == []


def test_it_confirms_a_hold_once_and_replays_with_the_same_key(world, now, tomorrow):
    hold = hold_create(
        retailer=world.retailer, quote=window_quote(world, now, tomorrow, 9, 10).quote, now=now
    )
    booking, created = hold_confirm(
        retailer=world.retailer, booking_id=hold.id, external_ref="order-1", idempotency_key="k1", now=now
    )
    assert created and booking.status == BookingStatus.CONFIRMED
    assert Stop.objects.get(pk=booking.stop_id).expires_at is None
    again, created_again = hold_confirm(
        retailer=world.retailer, booking_id=hold.id, external_ref="order-1", idempotency_key="k1", now=now
    )
    assert (again.id, created_again) == (booking.id, False)
    with pytest.raises(GreenslotError) as mismatch:
        hold_confirm(
            retailer=world.retailer, booking_id=hold.id, external_ref="order-2", idempotency_key="k1", now=now
        )
    assert mismatch.value.code == "idempotency_mismatch"
    with pytest.raises(GreenslotError) as twice:
        hold_confirm(
            retailer=world.retailer, booking_id=hold.id, external_ref="order-1", idempotency_key="k2", now=now
        )
    assert twice.value.code == "already_confirmed"
    # A confirmed booking outlives the hold's expiry.
    assert plan_violations(now=now + dt.timedelta(hours=1)) == []
    assert list(BookingEvent.objects.values_list("to_status", flat=True)) == ["held", "confirmed"]


def test_it_refuses_to_confirm_an_expired_hold_and_frees_its_stop(world, now, tomorrow):
    hold = hold_create(
        retailer=world.retailer, quote=window_quote(world, now, tomorrow, 9, 10).quote, now=now
    )
    with pytest.raises(GreenslotError) as caught:
        hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now + dt.timedelta(minutes=11))
    assert (caught.value.code, caught.value.status) == ("hold_expired", 409)
    hold.refresh_from_db()
    assert hold.status == BookingStatus.EXPIRED and hold.stop_id is None
    assert Stop.objects.count() == 0


def test_release_and_cancel_free_capacity(world, now, tomorrow):
    holds = [
        hold_create(retailer=world.retailer, quote=window_quote(world, now, tomorrow, 9, 13).quote, now=now)
        for _ in range(3)
    ]
    hold_release(retailer=world.retailer, booking_id=holds[0].id, now=now)
    hold_confirm(retailer=world.retailer, booking_id=holds[1].id, now=now)
    booking_cancel(retailer=world.retailer, booking_id=holds[1].id, now=now, reason="customer asked")
    assert Stop.objects.count() == 1
    assert window_quote(world, now, tomorrow, 9, 13).available
    statuses = dict(Booking.objects.values_list("id", "status"))
    assert statuses[holds[0].id] == "released" and statuses[holds[1].id] == "cancelled"
    assert plan_violations(now=now) == []
    with pytest.raises(GreenslotError) as caught:
        booking_cancel(retailer=world.retailer, booking_id=holds[1].id, now=now)
    assert caught.value.code == "not_confirmed"


def test_the_purge_marks_lapsed_holds_expired(world, now, tomorrow):
    hold_create(retailer=world.retailer, quote=window_quote(world, now, tomorrow, 9, 10).quote, now=now)
    assert holds_expire(now=now) == 0
    assert holds_expire(now=now + dt.timedelta(minutes=10)) == 1
    assert Booking.objects.get().status == BookingStatus.EXPIRED
    assert Stop.objects.count() == 0


@pytest.mark.parametrize("tamper", ["", "not-a-quote", 42, None])
def test_it_refuses_a_malformed_quote(world, now, tomorrow, tamper):
    before = snapshot()
    with pytest.raises(GreenslotError) as caught:
        hold_create(retailer=world.retailer, quote=tamper, now=now)
    assert (caught.value.code, caught.value.status) == ("invalid_quote", 400)
    assert snapshot() == before


def test_it_refuses_a_tampered_quote(world, now, tomorrow):
    quote = window_quote(world, now, tomorrow, 9, 10).quote
    raw = bytearray(base64.urlsafe_b64decode(quote + "=" * (-len(quote) % 4)))

    def flipped(position: int) -> str:
        changed = bytearray(raw)
        changed[position] ^= 1
        return base64.urlsafe_b64encode(bytes(changed)).rstrip(b"=").decode()

    # Another window of the same offer, another offer, a bent MAC, cut short, a wrong version.
    for forged in (flipped(18), flipped(5), flipped(len(raw) - 1), quote[:-4], flipped(0)):
        with pytest.raises(GreenslotError) as caught:
            hold_create(retailer=world.retailer, quote=forged, now=now)
        assert caught.value.code == "invalid_quote"
    assert Booking.objects.count() == 0


def test_a_quote_reveals_no_id_price_or_window(world, now, tomorrow):
    result = offer_create(
        retailer=world.retailer,
        lat=INSIDE[0],
        lon=INSIDE[1],
        size_units=1,
        service_minutes=3,
        from_date=tomorrow,
        days=1,
        now=now,
    )
    for index, window in enumerate(result.days[0].windows):
        if not window.available:
            continue
        raw = base64.urlsafe_b64decode(window.quote + "=" * (-len(window.quote) % 4))
        # A version byte, the offer's random UUID (the offer response shows it anyway), the window's
        # position and a 16-byte MAC: no retailer id, price or window travels in the token.
        assert raw[:17] == b"\x02" + result.offer.id.bytes
        assert int.from_bytes(raw[17:19], "big") == index
        assert len(raw) == 19 + 16


def test_the_same_quote_held_twice_is_one_hold_and_takes_capacity_once(world, now, tomorrow):
    quote = window_quote(world, now, tomorrow, 9, 10).quote
    first = hold_create(retailer=world.retailer, quote=quote, now=now)
    stops = Stop.objects.count()
    # A retry after a network timeout: the same quote again.
    again, created = hold_get_or_create(
        retailer=world.retailer, quote=quote, now=now + dt.timedelta(seconds=5)
    )
    assert (again.id, created) == (first.id, False)
    assert Booking.objects.count() == 1 and Stop.objects.count() == stops
    assert plan_violations(now=now) == []


@pytest.mark.parametrize("end", ["release", "confirm", "lapse"])
def test_a_quote_cannot_be_held_again_once_its_hold_ended(world, now, tomorrow, end):
    quote = window_quote(world, now, tomorrow, 9, 10).quote
    hold = hold_create(retailer=world.retailer, quote=quote, now=now)
    later = now
    if end == "release":
        hold_release(retailer=world.retailer, booking_id=hold.id, now=now)
    elif end == "confirm":
        hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)
    else:
        later = now + dt.timedelta(minutes=11)  # the hold lapsed; the offer's quotes last 15 minutes
    with pytest.raises(GreenslotError) as caught:
        hold_create(retailer=world.retailer, quote=quote, now=later)
    assert (caught.value.code, caught.value.status) == ("quote_used", 409)
    assert Booking.objects.count() == 1


def test_a_quote_signed_before_a_key_rotation_still_holds(world, now, tomorrow, settings):
    quote = window_quote(world, now, tomorrow, 9, 10).quote
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-" + "x" * 20
    assert hold_create(retailer=world.retailer, quote=quote, now=now).status == BookingStatus.HELD
    # Once the old key is retired, its quotes are refused.
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(GreenslotError) as caught:
        hold_create(retailer=world.retailer, quote=quote, now=now)
    assert caught.value.code == "invalid_quote"


def test_it_refuses_another_retailers_quote(world, now, tomorrow):
    other, _ = retailer_with_rules("other-shop")
    quote = window_quote(world, now, tomorrow, 9, 10).quote
    with pytest.raises(GreenslotError) as caught:
        hold_create(retailer=other, quote=quote, now=now)
    assert caught.value.code == "invalid_quote"
    with pytest.raises(GreenslotError) as not_found:
        hold_confirm(
            retailer=other, booking_id=hold_create(retailer=world.retailer, quote=quote, now=now).id, now=now
        )
    assert (not_found.value.code, not_found.value.status) == ("not_found", 404)


def test_it_refuses_an_expired_quote(world, now, tomorrow):
    quote = window_quote(world, now, tomorrow, 9, 10).quote
    with pytest.raises(GreenslotError) as caught:
        hold_create(retailer=world.retailer, quote=quote, now=now + dt.timedelta(minutes=16))
    assert (caught.value.code, caught.value.status) == ("quote_expired", 410)


def test_it_refuses_a_hold_after_the_cutoff_even_with_a_live_quote(world, tomorrow):
    # The 09:00 window closes at 08:00; the quote, made at 07:55, lives until 08:10.
    quote = window_quote(world, world.local(tomorrow, 7, 55), tomorrow, 9, 10).quote
    with pytest.raises(GreenslotError) as caught:
        hold_create(retailer=world.retailer, quote=quote, now=world.local(tomorrow, 8, 1))
    assert (caught.value.code, caught.value.details["reason"]) == ("window_unavailable", "cutoff_passed")
    assert Booking.objects.count() == 0


def test_it_caps_live_holds_per_address(world, now, tomorrow, settings):
    settings.GREENSLOT = {**settings.GREENSLOT, "MAX_HOLDS_PER_ADDRESS": 2}
    for _ in range(2):
        hold_create(retailer=world.retailer, quote=window_quote(world, now, tomorrow, 9, 13).quote, now=now)
    with pytest.raises(GreenslotError) as caught:
        hold_create(retailer=world.retailer, quote=window_quote(world, now, tomorrow, 9, 13).quote, now=now)
    assert (caught.value.code, caught.value.status) == ("hold_limit_reached", 429)
    # A hold that lapses no longer counts towards the cap.
    later = now + dt.timedelta(minutes=10)
    hold_create(retailer=world.retailer, quote=window_quote(world, later, tomorrow, 9, 13).quote, now=later)


def confirmed(world, now, date, start, end):
    hold = hold_create(
        retailer=world.retailer, quote=window_quote(world, now, date, start, end).quote, now=now
    )
    return hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)[0]


def test_it_reschedules_a_booking_to_another_window(world, now, tomorrow):
    booking = confirmed(world, now, tomorrow, 9, 10)
    target = window_quote(world, now, tomorrow, 12, 13)
    moved = booking_reschedule(retailer=world.retailer, booking_id=booking.id, quote=target.quote, now=now)
    assert (moved.window_start, moved.window_end) == (target.start, target.end)
    assert moved.price_amount == target.price.amount
    assert Stop.objects.count() == 1 and moved.stop.window_start == target.start
    assert plan_violations(now=now) == []
    assert BookingEvent.objects.filter(booking=booking).last().note.startswith("rescheduled from")


def test_it_refuses_a_reschedule_quote_for_another_address(world, now, tomorrow):
    booking = confirmed(world, now, tomorrow, 9, 10)
    elsewhere = window_quote(world, now, tomorrow, 12, 13, lat=NEIGHBOURS[3][0], lon=NEIGHBOURS[3][1])
    before = snapshot()
    with pytest.raises(GreenslotError) as caught:
        booking_reschedule(retailer=world.retailer, booking_id=booking.id, quote=elsewhere.quote, now=now)
    assert (caught.value.code, caught.value.status) == ("quote_mismatch", 409)
    assert snapshot() == before


def test_a_reschedule_into_a_day_that_filled_up_keeps_the_old_slot(now, tomorrow):
    next_day = tomorrow + dt.timedelta(days=1)
    world = make_world(dates=[tomorrow, next_day], vehicles=1, capacity=2)
    booking = confirmed(world, now, tomorrow, 9, 10)
    target = window_quote(world, now, next_day, 12, 13)
    for lat, lon in NEIGHBOURS[1:3]:
        hold_create(
            retailer=world.retailer,
            quote=window_quote(world, now, next_day, 12, 13, lat=lat, lon=lon).quote,
            now=now,
        )
    before = snapshot()
    with pytest.raises(GreenslotError) as caught:
        booking_reschedule(retailer=world.retailer, booking_id=booking.id, quote=target.quote, now=now)
    assert (caught.value.code, caught.value.details["reason"]) == ("window_unavailable", "full")
    assert snapshot() == before
    booking.refresh_from_db()
    assert booking.stop.window_start == booking.window_start and booking.depot_day.date == tomorrow
    assert plan_violations(now=now) == []


def test_a_move_within_a_full_vehicle_reuses_its_own_room(now, tomorrow):
    world = make_world(dates=[tomorrow], vehicles=1, capacity=2)
    booking = confirmed(world, now, tomorrow, 9, 10)
    target = window_quote(world, now, tomorrow, 12, 13)
    neighbour = window_quote(world, now, tomorrow, 12, 13, lat=NEIGHBOURS[1][0], lon=NEIGHBOURS[1][1])
    hold_create(retailer=world.retailer, quote=neighbour.quote, now=now)
    # The vehicle is full (2 of 2), yet moving the booking frees its own unit first.
    moved = booking_reschedule(retailer=world.retailer, booking_id=booking.id, quote=target.quote, now=now)
    assert moved.window_start == target.start
    assert plan_violations(now=now) == []


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "", None, 42, "00000000-0000-0000-0000-000000000000"])
def test_a_malformed_or_unknown_booking_id_is_not_found(world, bad_id):
    with pytest.raises(GreenslotError) as caught:
        booking_get(retailer=world.retailer, booking_id=bad_id)
    assert (caught.value.code, caught.value.status) == ("not_found", 404)
