"""Where a held or moved booking's stop goes: the quoted window read back from its offer, the
address lock, and the re-check and insert of the stop under the depot-day lock.

``booking.services.holds`` calls these inside its transactions; the lock order is theirs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Subquery, UUIDField

from fleet.adapter import plan_cache, travel_backend_guard
from fleet.models import DepotDay, Stop
from fleet.services import stop_insert
from greenslot.errors import Conflict
from routing.insertion import evaluate_insertion
from routing.problem import StopSpec
from tenants.models import Retailer

from ..models import Booking, BookingStatus, Offer, QuoteUse, QuoteUsePurpose
from ..quotes import Quote, quote_verify


def quoted_offer(*, retailer: Retailer, quote: object, now: dt.datetime) -> tuple[Quote, Offer, dict]:
    """The quoted window as its offer recorded it, the offer and the window's record.

    Refuses a forged or foreign quote (400), an expired offer (410) and a closed window (409).
    """
    ref = quote_verify(token=quote, retailer_id=retailer.id)
    try:
        offer = Offer.objects.select_related("depot", "rule_set").get(id=ref.offer_id, retailer=retailer)
    except Offer.DoesNotExist as exc:
        raise Conflict("invalid_quote", "The quote's offer no longer exists.") from exc
    if now >= offer.expires_at:
        raise Conflict("quote_expired", "The quote has expired; ask for a new offer.", status=410)
    if ref.window_index >= len(offer.windows) or not offer.windows[ref.window_index].get("available"):
        raise Conflict("invalid_quote", "The quote does not match its offer.")
    entry = offer.windows[ref.window_index]
    verified = Quote(
        offer_id=str(offer.id),
        retailer_id=retailer.id,
        date=dt.date.fromisoformat(entry["date"]),
        start=dt.datetime.fromisoformat(entry["start"]),
        end=dt.datetime.fromisoformat(entry["end"]),
        cutoff=dt.datetime.fromisoformat(entry["cutoff"]),
        amount=Decimal(entry["price"]),
        currency=offer.rule_set.currency,
        co2e_grams=int(entry["co2e_grams"]),
        rule_version=offer.rule_set.version,
        expires_at=offer.expires_at,
        key=ref.key,
    )
    if now >= verified.cutoff:
        raise Conflict(
            "window_unavailable", "Orders for this window have closed.", details={"reason": "cutoff_passed"}
        )
    return verified, offer, entry


def place_stop_locked(
    *,
    depot_day: DepotDay | None,
    offer: Offer,
    verified: Quote,
    now: dt.datetime,
    expires_at: dt.datetime | None,
) -> Stop:
    """Re-check the quoted window against the plan read inside the lock, and insert the stop.

    The caller holds the depot-day lock and has tidied the day's lapsed holds
    (``booking.services.holds.holds_expire_locked``). Raises 409 ``window_unavailable`` if the
    window no longer fits.
    """
    if depot_day is None:
        raise Conflict("window_unavailable", "No vehicle works on that day.", details={"reason": "no_shift"})
    with travel_backend_guard():
        return _place_stop_locked(
            depot_day=depot_day, offer=offer, verified=verified, now=now, expires_at=expires_at
        )


def _place_stop_locked(*, depot_day, offer, verified, now, expires_at) -> Stop:
    # The row is locked and read after the lock, so a cached compile stamped with its version (and
    # update time) is exactly what the database holds now; the caller purged lapsed holds.
    compiled = plan_cache.get(
        depot=offer.depot, depot_day=depot_day, date=verified.date, now=now, publish=False
    )
    stop = StopSpec(
        lat=offer.lat,
        lon=offer.lon,
        early=compiled.seconds(verified.start),
        late=compiled.seconds(verified.end),
        service=offer.service_seconds,
        demand=offer.size_units,
    )
    insertion = evaluate_insertion(
        compiled.plan,
        lat=stop.lat,
        lon=stop.lon,
        service=stop.service,
        demand=stop.demand,
        window_early=np.array([stop.early], dtype=np.int64),
        window_late=np.array([stop.late], dtype=np.int64),
    )
    if not compiled.plan.routes or not insertion.feasible[0]:
        reason = str(insertion.reason[0]) if compiled.plan.routes else "no_shift"
        raise Conflict(
            "window_unavailable",
            "This window has just filled up; please choose another.",
            details={"reason": reason},
        )
    return stop_insert(
        compiled=compiled,
        depot_day=depot_day,
        route_index=int(insertion.route[0]),
        position=int(insertion.position[0]),
        stop=stop,
        expires_at=expires_at,
    )


def address_key(lat: float, lon: float) -> tuple[float, float]:
    # About 11 m: the same building, however the client rounds its geocode.
    return round(lat, 4), round(lon, 4)


def address_lock(*, retailer: Retailer, lat: float, lon: float) -> None:
    """Serialise holds for one retailer's address until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on a hash of (retailer, rounded address).
    SQLite: writers are already serialised by its IMMEDIATE transactions, so nothing to do.
    """
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    key_lat, key_lon = address_key(lat, lon)
    digest = hashlib.blake2b(f"{retailer.id}:{key_lat}:{key_lon}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def client_key(ip: str) -> str:
    """What a booking keeps of the client address that held it: a keyed hash, never the address
    (16 hex digits; "" for none)."""
    if not ip:
        return ""
    return hmac.new(_client_secret(settings.SECRET_KEY), ip.encode(), hashlib.blake2b).hexdigest()[:16]


@functools.lru_cache(maxsize=4)
def _client_secret(secret: str) -> bytes:
    return hashlib.sha256(f"greenslot.client:{secret}".encode()).digest()


def client_lock(*, client: str) -> None:
    """Serialise one client address's holds until the transaction ends (PostgreSQL; see
    ``address_lock``), so its cap is exact across addresses. Taken before the address lock."""
    connection = transaction.get_connection()
    if not client or connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"client:{client}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


@dataclass(frozen=True)
class HoldCounts:
    """Live holds at the address and from the client, and ``(id, status, hold_expires_at)`` of the
    booking the quote already made, if any."""

    at_address: int
    from_client: int
    used: tuple | None


def hold_counts_and_quote_use(
    *, retailer: Retailer, lat: float, lon: float, client: str, quote_key: str, now: dt.datetime
) -> HoldCounts:
    """What the hold caps and the quote's single use need, in one query: the hold path's query
    count is pinned (``tests/booking/test_offer_queries.py``)."""
    key_lat, key_lon = address_key(lat, lon)
    delta = 0.00005
    live = Q(status=BookingStatus.HELD, hold_expires_at__gt=now)
    at_address = live & Q(
        retailer=retailer,
        lat__gte=key_lat - delta,
        lat__lt=key_lat + delta,
        lon__gte=key_lon - delta,
        lon__lt=key_lon + delta,
    )
    # The booking the quote was used for, as an uncorrelated subquery: PostgreSQL reads it once
    # (an InitPlan) and finds that booking by its primary key.
    used_by = Subquery(
        QuoteUse.objects.filter(key=quote_key).order_by().values("booking_id")[:1], output_field=UUIDField()
    )
    wanted = at_address | Q(pk=used_by)
    if client:
        wanted |= live & Q(client_key=client)
    at_address_count = from_client = 0
    used = None
    rows = (
        Booking.objects.annotate(used_by=used_by)
        .filter(wanted)
        .values_list("id", "status", "hold_expires_at", "used_by", "client_key", "retailer_id", "lat", "lon")
    )
    for booking_id, status, expires_at, used_by_id, client_b, retailer_id, lat_b, lon_b in rows:
        if booking_id == used_by_id:
            used = (booking_id, status, expires_at)
        if status != BookingStatus.HELD or expires_at <= now:
            continue
        if client and client_b == client:
            from_client += 1
        if (
            retailer_id == retailer.id
            and key_lat - delta <= lat_b < key_lat + delta
            and key_lon - delta <= lon_b < key_lon + delta
        ):
            at_address_count += 1
    return HoldCounts(at_address=at_address_count, from_client=from_client, used=used)


def quote_use_of(*, key: str) -> tuple[object, str] | None:
    """``(booking id, booking status)`` of the hold or booking the quote was used for, if any."""
    return QuoteUse.objects.filter(key=key).values_list("booking_id", "booking__status").order_by().first()


def quote_use_record(*, key: str, booking: Booking, purpose: QuoteUsePurpose, now: dt.datetime) -> None:
    """Spend the quote on ``booking``: the one place a quote is used, for a hold or a reschedule.

    The caller holds the quoted depot-day's lock and has checked the quote unused; a use racing
    past that check (a hold and a reschedule of one quote) fails on the unique key, which
    ``quote_used_on_race`` turns into 409 ``quote_used``.
    """
    QuoteUse.objects.create(key=key, booking=booking, purpose=purpose, used_at=now)


@contextlib.contextmanager
def quote_used_on_race(*, key: str, status: str) -> Iterator[None]:
    """Around a use of the quote ``key`` (outside its transaction): 409 ``quote_used``, with
    ``status`` as the status of what used it, when a request racing past the unused check spent
    the quote first (``quote_use_record``'s unique key). Any other integrity error is a bug, and
    surfaces as one."""
    try:
        yield
    except IntegrityError as exc:
        if quote_use_of(key=key) is None:
            raise
        raise quote_used_error(status=status) from exc


def quote_used_error(*, status: str) -> Conflict:
    return Conflict(
        "quote_used",
        f"This quote has already been used (the hold or booking it was used for is {status}); "
        "ask for a new offer.",
        details={"status": status},
    )
