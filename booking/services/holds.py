"""Holds and bookings: every write locks the depot-day plan, re-checks inside the lock and
leaves every route feasible.

Lock order, everywhere: depot-day rows (by depot id, date), then booking rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from fleet.models import DepotDay, Stop
from fleet.services import (
    depot_day_bump_same_plan,
    depot_day_lock,
    depot_days_lock,
    stops_remove,
)
from fleet.tasks import reoptimisation_request
from greenslot import clock
from greenslot.errors import Conflict, InvalidInput, NotFound
from tenants.models import Retailer

from ..models import Booking, BookingEvent, BookingStatus, Offer, QuoteUsePurpose
from ..quotes import Quote
from ..references import reference_display
from .placement import (
    HoldCounts,
    address_lock,
    client_key,
    client_lock,
    hold_counts_and_quote_use,
    place_stop_locked,
    quote_use_of,
    quote_use_record,
    quote_used_error,
    quote_used_on_race,
    quoted_offer,
)

ACTIVE_STATUSES = (BookingStatus.HELD, BookingStatus.CONFIRMED)


def clock_under_lock(requested: dt.datetime | None) -> dt.datetime:
    """The instant a writer acts at, read only once it holds the depot-day lock.

    A writer queued behind another must not judge holds by a clock it read before waiting: the
    writer ahead may have treated a hold as lapsed at its own, later clock (dropping its stop while
    re-timing the route), and an earlier clock would see that hold alive again. Reading the clock
    after the lock orders every writer's clock with the locks. An explicit ``now`` (tests, replays)
    is kept as given.
    """
    return requested or clock.now()


def booking_event_record(
    *, booking: Booking, at: dt.datetime, actor: str, from_status: str, note: str = ""
) -> None:
    BookingEvent.objects.create(
        booking=booking,
        at=at,
        actor=actor[:120],
        from_status=from_status,
        to_status=booking.status,
        note=note[:300],
    )


def booking_get(*, retailer: Retailer, booking_id: object) -> Booking:
    """The retailer's own booking, or 404 (never 403: another tenant's booking does not exist here)."""
    try:
        return Booking.objects.select_related("depot_day__depot").get(id=str(booking_id), retailer=retailer)
    except (Booking.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise NotFound("not_found", "No such hold or booking.") from exc


def holds_expire_locked(*, depot_day: DepotDay, now: dt.datetime, actor: str = "system:expiry") -> int:
    """Mark this depot-day's lapsed holds expired and take their stops off the routes.

    The caller holds the depot-day lock. Expired holds have not counted since they lapsed; this
    only tidies the rows.
    """
    lapsed = list(
        Booking.objects.select_for_update().filter(
            depot_day=depot_day, status=BookingStatus.HELD, hold_expires_at__lte=now
        )
    )
    if not lapsed:
        return 0
    stop_ids = [b.stop_id for b in lapsed if b.stop_id]
    for booking in lapsed:
        booking.status = BookingStatus.EXPIRED
        booking.ended_at = now
        booking.stop = None
    Booking.objects.bulk_update(lapsed, ["status", "ended_at", "stop"])
    BookingEvent.objects.bulk_create(
        BookingEvent(
            booking=b, at=now, actor=actor, from_status=BookingStatus.HELD, to_status=BookingStatus.EXPIRED
        )
        for b in lapsed
    )
    stops_remove(depot_day=depot_day, stop_ids=stop_ids, now=now)
    return len(lapsed)


def holds_expire(*, now: dt.datetime | None = None) -> int:
    """Purge lapsed holds everywhere, one depot-day transaction at a time."""
    now = now or clock.now()
    day_ids = (
        Booking.objects.filter(status=BookingStatus.HELD, hold_expires_at__lte=now)
        .values_list("depot_day_id", flat=True)
        .distinct()
    )
    total = 0
    for depot_day in (
        DepotDay.objects.filter(id__in=list(day_ids)).select_related("depot").order_by("depot_id", "date")
    ):
        with transaction.atomic():
            locked = depot_day_lock(depot=depot_day.depot, date=depot_day.date)
            total += holds_expire_locked(depot_day=locked, now=now)
    return total


def _tidy_and_place_stop(
    *,
    depot_day: DepotDay | None,
    offer: Offer,
    verified: Quote,
    now: dt.datetime,
    expires_at: dt.datetime | None,
) -> Stop:
    """``place_stop_locked`` once the day's lapsed holds are off the plan (the lock is held)."""
    if depot_day is not None:
        holds_expire_locked(depot_day=depot_day, now=now)
    return place_stop_locked(
        depot_day=depot_day, offer=offer, verified=verified, now=now, expires_at=expires_at
    )


def hold_create(
    *,
    retailer: Retailer,
    quote: object,
    now: dt.datetime | None = None,
    actor: str = "api",
    client_ip: str = "",
) -> Booking:
    """Hold the quoted window for the offer's address if the plan still has room for it.

    Idempotent: the same quote again, while its hold is live, gives that hold back
    (``hold_get_or_create`` also says which happened).
    """
    return hold_get_or_create(retailer=retailer, quote=quote, now=now, actor=actor, client_ip=client_ip)[0]


def hold_get_or_create(
    *,
    retailer: Retailer,
    quote: object,
    now: dt.datetime | None = None,
    actor: str = "api",
    client_ip: str = "",
) -> tuple[Booking, bool]:
    """``(hold, created)``: the quoted window held now, or the live hold this quote made before.

    A quote makes at most one hold, ever: a client retrying after a timeout gets the same hold
    (created=False) and never takes capacity twice; a quote whose hold was released, lapsed or
    confirmed is refused (409 ``quote_used``).

    Caps on live holds, so nobody hoards a release's capacity: per address
    (``MAX_HOLDS_PER_ADDRESS``) and, for a browser's hold (``client_ip``: the widget, the shopper
    page, a publishable key), per client address (``MAX_HOLDS_PER_CLIENT``), whatever addresses it
    holds for. A retailer's server (secret key) holds for all its shoppers and passes none.
    """
    requested_now, now = now, now or clock.now()
    verified, offer, entry = quoted_offer(retailer=retailer, quote=quote, now=now)
    client = client_key(client_ip)
    with quote_used_on_race(key=verified.key, status="being held"), transaction.atomic():
        # Lock order: the client, the address, then the depot-day. The client and address
        # locks make the caps exact even for holds racing on different days, and a quote's
        # retries (same address) wait for each other.
        client_lock(client=client)
        address_lock(retailer=retailer, lat=offer.lat, lon=offer.lon)
        counts = hold_counts_and_quote_use(
            retailer=retailer,
            lat=offer.lat,
            lon=offer.lon,
            client=client,
            quote_key=verified.key,
            now=now,
        )
        if counts.used is not None:
            booking_id, status, expires_at = counts.used
            if status == BookingStatus.HELD and expires_at > now:
                return booking_get(retailer=retailer, booking_id=booking_id), False
            if status == BookingStatus.HELD:
                status = BookingStatus.EXPIRED
            raise quote_used_error(status=status)
        hold_caps_check(counts=counts, client=client)
        booking = _hold_place(
            retailer=retailer,
            offer=offer,
            verified=verified,
            entry=entry,
            requested_now=requested_now,
            actor=actor,
            client=client,
        )
    return booking, True


def hold_caps_check(*, counts: HoldCounts, client: str) -> None:
    """429 when the address, or the client, already has its most live holds."""
    per_address = settings.GREENSLOT["MAX_HOLDS_PER_ADDRESS"]
    if counts.at_address >= per_address:
        raise Conflict(
            "hold_limit_reached",
            f"This address already has {per_address} windows on hold; confirm or release one first.",
            status=429,
            details={"limit": per_address},
        )
    per_client = settings.GREENSLOT["MAX_HOLDS_PER_CLIENT"]
    if client and counts.from_client >= per_client:
        raise Conflict(
            "client_hold_limit_reached",
            f"This device already has {per_client} windows on hold; confirm or release one first.",
            status=429,
            details={"limit": per_client},
        )


def _hold_place(
    *, retailer: Retailer, offer: Offer, verified: Quote, entry: dict, requested_now, actor: str, client: str
) -> Booking:
    depot_day = depot_day_lock(depot=offer.depot, date=verified.date)
    now = clock_under_lock(requested_now)
    expires_at = now + dt.timedelta(minutes=settings.GREENSLOT["HOLD_MINUTES"])
    planned = _tidy_and_place_stop(
        depot_day=depot_day, offer=offer, verified=verified, now=now, expires_at=expires_at
    )
    booking = Booking.objects.create(
        retailer=retailer,
        offer=offer,
        client_key=client,
        depot_day=depot_day,
        stop=planned,
        status=BookingStatus.HELD,
        window_start=verified.start,
        window_end=verified.end,
        lat=offer.lat,
        lon=offer.lon,
        address=offer.address,
        size_units=offer.size_units,
        service_seconds=offer.service_seconds,
        price_amount=verified.amount,
        currency=verified.currency,
        price_breakdown=entry.get("breakdown", []),
        co2e_grams=verified.co2e_grams,
        sale_myopic_cost=sale_myopic_cost(entry),
        labels=entry.get("labels", []),
        rule_version=verified.rule_version,
        hold_expires_at=expires_at,
        created_at=now,
    )
    quote_use_record(key=verified.key, booking=booking, purpose=QuoteUsePurpose.HOLD, now=now)
    booking_event_record(booking=booking, at=now, actor=actor, from_status="")
    # Background work only improves plans: a broker outage must not fail a committed hold.
    transaction.on_commit(lambda: reoptimisation_request(depot_day_id=depot_day.id), robust=True)
    return booking


def sale_myopic_cost(entry: dict) -> Decimal | None:
    """The myopic marginal cost the offer recorded for the held window (``costs.myopic``), or
    ``None`` (a window not priced by three costs, or an offer recorded before it was kept)."""
    myopic = (entry.get("costs") or {}).get("myopic")
    return Decimal(myopic) if myopic is not None else None


def _lock_booking(*, retailer: Retailer, booking_id: object) -> tuple[Booking, DepotDay]:
    """Lock the booking's depot-day, then the booking (the fixed order), and re-read both.

    A concurrent reschedule may move the booking to another day between the first read and the
    lock. Then the lock is on the wrong day, and locking the right one as well would hold two days
    out of the global order and deadlock with a reschedule holding them in order; so the request is
    refused as a concurrent change (nothing was written) and the client tries again. Only a
    confirmed booking can move, so a hold's confirm or release never meets this.
    """
    booking = booking_get(retailer=retailer, booking_id=booking_id)
    depot_day = depot_day_lock(depot=booking.depot_day.depot, date=booking.depot_day.date)
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.depot_day_id != booking.depot_day_id:
        raise Conflict("concurrent_change", "The booking is being changed by another request; try again.")
    locked.depot_day = depot_day  # with its depot: the response needs its time zone
    return locked, depot_day


def hold_confirm(
    *,
    retailer: Retailer,
    booking_id: object,
    external_ref: str = "",
    idempotency_key: str = "",
    now: dt.datetime | None = None,
    actor: str = "api",
) -> tuple[Booking, bool]:
    """Turn a live hold into a booking. Returns (booking, created).

    An idempotency key belongs to one confirm for good: to (this retailer, the key, the hold,
    the external_ref). A replay of that confirm returns the same booking with created=False; the
    key with another body, or on another hold, is refused (409 ``idempotency_mismatch``), so a
    retried order cannot confirm a second hold. Whatever the key, the retailer's order id
    (``external_ref``) confirms one live booking: another hold is refused (409
    ``order_already_confirmed``, naming the booking) until that booking is cancelled.
    """
    for name, value in (("external_ref", external_ref), ("Idempotency-Key", idempotency_key)):
        if not isinstance(value, str) or len(value) > 120:
            raise InvalidInput("invalid_request", f"{name} must be text of at most 120 characters.")
    try:
        with transaction.atomic():
            booking, depot_day = _lock_booking(retailer=retailer, booking_id=booking_id)
            now = clock_under_lock(now)
            expired = hold_lapsed_locked(booking=booking, depot_day=depot_day, now=now)
            created = not expired and _confirm_locked(
                booking=booking,
                depot_day=depot_day,
                external_ref=external_ref,
                idempotency_key=idempotency_key,
                now=now,
                actor=actor,
            )
    except IntegrityError as exc:
        # A confirm racing past the checks: the order is now confirmed elsewhere
        # (``booking_order_confirmed_once``), or the key confirmed another hold
        # (``booking_idempotency_key_unique``). The write is refused and nothing is kept.
        conflict = confirm_conflict(
            retailer_id=retailer.id,
            booking_id=booking_id,
            external_ref=external_ref,
            idempotency_key=idempotency_key,
        )
        raise (conflict or idempotency_mismatch_error()) from exc
    if expired:
        raise hold_expired_error()
    return booking, created


def idempotency_mismatch_error() -> Conflict:
    return Conflict(
        "idempotency_mismatch",
        "This Idempotency-Key was used with a different request (another hold or body).",
    )


def confirm_conflict(
    *, retailer_id: int, booking_id: object, external_ref: str, idempotency_key: str
) -> Conflict | None:
    """Why another of the retailer's bookings stops this confirm, if one does (one query): the
    key already confirmed it (409 ``idempotency_mismatch``), or the order ``external_ref`` is
    confirmed there and still live (409 ``order_already_confirmed``). Empty values name nothing."""
    if not (idempotency_key or external_ref):
        return None
    wanted = Q(pk__in=[])  # matches nothing: the parts below widen it
    if idempotency_key:
        wanted |= Q(idempotency_key=idempotency_key)
    if external_ref:
        wanted |= Q(external_ref=external_ref, status=BookingStatus.CONFIRMED)
    others = list(
        Booking.objects.filter(wanted, retailer_id=retailer_id)
        .exclude(pk=booking_id)
        .only("id", "reference", "external_ref", "idempotency_key", "status")
    )
    if idempotency_key and any(other.idempotency_key == idempotency_key for other in others):
        return idempotency_mismatch_error()
    for other in others:
        if external_ref and other.external_ref == external_ref and other.status == BookingStatus.CONFIRMED:
            return order_already_confirmed_error(other)
    return None


def order_already_confirmed_error(other: Booking) -> Conflict:
    shown = reference_display(other.reference)
    return Conflict(
        "order_already_confirmed",
        f"Order {other.external_ref!r} is already confirmed as booking {shown}; "
        "cancel that booking first to book the order again.",
        details={"external_ref": other.external_ref, "booking_id": str(other.id), "reference": shown},
    )


def _confirm_locked(
    *,
    booking: Booking,
    depot_day: DepotDay,
    external_ref: str,
    idempotency_key: str,
    now: dt.datetime,
    actor: str,
) -> bool:
    """Confirm ``booking`` (locked, not lapsed); False for a replay of its confirm."""
    if idempotency_key and booking.idempotency_key == idempotency_key:
        if booking.external_ref != external_ref:
            raise idempotency_mismatch_error()
        return False
    if booking.status == BookingStatus.CONFIRMED:
        raise Conflict("already_confirmed", "This hold has already been confirmed.")
    if booking.status != BookingStatus.HELD:
        raise Conflict("hold_not_active", f"This hold is {booking.status}; it can no longer be confirmed.")
    conflict = confirm_conflict(
        retailer_id=booking.retailer_id,
        booking_id=booking.pk,
        external_ref=external_ref,
        idempotency_key=idempotency_key,
    )
    if conflict is not None:
        raise conflict
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    booking.external_ref = external_ref
    booking.idempotency_key = idempotency_key
    booking.save(update_fields=["status", "confirmed_at", "external_ref", "idempotency_key"])
    Stop.objects.filter(pk=booking.stop_id).update(expires_at=None)
    depot_day_bump_same_plan(depot_day=depot_day, now=now)
    booking_event_record(booking=booking, at=now, actor=actor, from_status=BookingStatus.HELD)
    transaction.on_commit(lambda: reoptimisation_request(depot_day_id=depot_day.id), robust=True)
    return True


def hold_expired_error() -> Conflict:
    return Conflict("hold_expired", "This hold has expired and its window was released; please choose again.")


def hold_lapsed_locked(*, booking: Booking, depot_day: DepotDay, now: dt.datetime) -> bool:
    """Whether ``booking`` is a hold that lapsed (tidied or not); tidies the day's lapsed holds.

    Confirm and release answer a lapsed hold the same way (409 ``hold_expired``) whether or not
    some other write on the day has marked it expired yet: the answer must not depend on unrelated
    traffic. The caller holds the depot-day lock, and raises ``hold_expired_error()`` after its
    transaction commits, so the tidying is kept.
    """
    if booking.status == BookingStatus.EXPIRED:
        return True
    if booking.status == BookingStatus.HELD and booking.hold_expires_at <= now:
        holds_expire_locked(depot_day=depot_day, now=now)
        return True
    return False


def _end(
    *, booking: Booking, depot_day: DepotDay, status: str, now: dt.datetime, actor: str, note: str = ""
) -> None:
    previous = booking.status
    stop_id = booking.stop_id
    booking.status = status
    booking.ended_at = now
    booking.stop = None
    booking.save(update_fields=["status", "ended_at", "stop"])
    if stop_id:
        stops_remove(depot_day=depot_day, stop_ids=[stop_id], now=now)
    booking_event_record(booking=booking, at=now, actor=actor, from_status=previous, note=note)


def hold_release(
    *, retailer: Retailer, booking_id: object, now: dt.datetime | None = None, actor: str = "api"
) -> Booking:
    """Give a hold's capacity back before it expires (409 ``hold_expired`` once it has lapsed)."""
    with transaction.atomic():
        booking, depot_day = _lock_booking(retailer=retailer, booking_id=booking_id)
        now = clock_under_lock(now)
        expired = hold_lapsed_locked(booking=booking, depot_day=depot_day, now=now)
        if not expired:
            if booking.status != BookingStatus.HELD:
                raise Conflict(
                    "hold_not_active", f"This hold is {booking.status}; there is nothing to release."
                )
            _end(booking=booking, depot_day=depot_day, status=BookingStatus.RELEASED, now=now, actor=actor)
    if expired:
        raise hold_expired_error()
    return booking


def booking_cancel(
    *,
    retailer: Retailer,
    booking_id: object,
    now: dt.datetime | None = None,
    actor: str = "api",
    reason: str = "",
) -> Booking:
    """Cancel a confirmed booking; its stop leaves the route and its capacity is free at once."""
    with transaction.atomic():
        booking, depot_day = _lock_booking(retailer=retailer, booking_id=booking_id)
        now = clock_under_lock(now)
        if booking.status != BookingStatus.CONFIRMED:
            raise Conflict(
                "not_confirmed", f"Only a confirmed booking can be cancelled; this one is {booking.status}."
            )
        _end(
            booking=booking,
            depot_day=depot_day,
            status=BookingStatus.CANCELLED,
            now=now,
            actor=actor,
            note=reason,
        )
    return booking


def booking_reschedule(
    *,
    retailer: Retailer,
    booking_id: object,
    quote: object,
    now: dt.datetime | None = None,
    actor: str = "api",
) -> Booking:
    """Move a confirmed booking to the quoted window, atomically: it either fits the new window or
    stays exactly where it was.

    Both depot-days are locked in the global order before anything changes. The quote is used
    up as a hold's is (``quote_use_record``); the same quote again on the booking it moved gives
    the booking back unchanged (a retry), anywhere else it is 409 ``quote_used``.
    """
    requested_now, now = now, now or clock.now()
    verified, offer, entry = quoted_offer(retailer=retailer, quote=quote, now=now)
    current = booking_get(retailer=retailer, booking_id=booking_id)
    # Exactly the booking's address and parcel: a reschedule moves a delivery in time, never in
    # space (a near point would move the stop while the booking kept its old address).
    if (offer.lat, offer.lon, offer.address, offer.size_units, offer.service_seconds) != (
        current.lat,
        current.lon,
        current.address,
        current.size_units,
        current.service_seconds,
    ):
        raise Conflict("quote_mismatch", "The quote is for a different address or parcel than this booking.")
    with quote_used_on_race(key=verified.key, status="being used"):
        return _reschedule(
            current=current,
            offer=offer,
            verified=verified,
            entry=entry,
            requested_now=requested_now,
            actor=actor,
        )


def _reschedule(
    *, current: Booking, offer: Offer, verified: Quote, entry: dict, requested_now, actor: str
) -> Booking:
    with transaction.atomic():
        old_day = current.depot_day
        old_locked, new_locked = depot_days_lock(
            keys=[(old_day.depot, old_day.date), (offer.depot, verified.date)]
        )
        booking = Booking.objects.select_for_update().get(pk=current.pk)
        now = clock_under_lock(requested_now)
        if booking.depot_day_id != old_day.id:
            raise Conflict("concurrent_change", "The booking is being changed by another request; try again.")
        if booking.status != BookingStatus.CONFIRMED:
            raise Conflict(
                "not_confirmed", f"Only a confirmed booking can be rescheduled; this one is {booking.status}."
            )
        used = quote_use_of(key=verified.key)
        if used is not None:
            here = (booking.offer_id, booking.window_start, booking.window_end)
            if used[0] == booking.pk and here == (offer.id, verified.start, verified.end):
                return booking  # a retry of the reschedule that moved it here
            raise quote_used_error(status=used[1])
        # Take the old stop off first so a move within the same day can use its room; if the new
        # window does not fit, the Conflict rolls the whole transaction back.
        if booking.stop_id:
            stops_remove(depot_day=old_locked, stop_ids=[booking.stop_id], now=now)
        planned = _tidy_and_place_stop(
            depot_day=new_locked, offer=offer, verified=verified, now=now, expires_at=None
        )
        previous = (booking.window_start, booking.window_end)
        booking.offer = offer
        booking.depot_day = new_locked
        booking.stop = planned
        booking.window_start, booking.window_end = verified.start, verified.end
        booking.price_amount = verified.amount
        booking.currency = verified.currency
        booking.price_breakdown = entry.get("breakdown", [])
        booking.co2e_grams = verified.co2e_grams
        booking.sale_myopic_cost = sale_myopic_cost(entry)
        booking.labels = entry.get("labels", [])
        booking.rule_version = verified.rule_version
        booking.save(
            update_fields=[
                "offer",
                "depot_day",
                "stop",
                "window_start",
                "window_end",
                "price_amount",
                "currency",
                "price_breakdown",
                "co2e_grams",
                "sale_myopic_cost",
                "labels",
                "rule_version",
            ]
        )
        quote_use_record(key=verified.key, booking=booking, purpose=QuoteUsePurpose.RESCHEDULE, now=now)
        booking_event_record(
            booking=booking,
            at=now,
            actor=actor,
            from_status=BookingStatus.CONFIRMED,
            note=f"rescheduled from {previous[0].isoformat()}–{previous[1].isoformat()}",
        )
    return booking


def booking_effective_status(*, booking: Booking, now: dt.datetime | None = None) -> str:
    """The status as it stands at ``now``: a lapsed hold is expired even before the purge marks it."""
    now = now or clock.now()
    if booking.status == BookingStatus.HELD and booking.hold_expires_at <= now:
        return BookingStatus.EXPIRED
    return booking.status
