"""The basis of each environmental claim an offer or a booking carries (``pricing.labels.claim_basis``).

A claim compares a window's grams with the average of the same day's windows on sale in the same
offer: the alternatives the shopper was shown. An offer has them at hand; a booking finds them in the
records of the offer it was held from (``Offer.windows``).
"""

from __future__ import annotations

import datetime as dt

from pricing.labels import ClaimBasis, claim_basis

from .models import Booking
from .services.offer_windows import DayOffer


def offer_day_claims(day: DayOffer) -> list[ClaimBasis | None]:
    """The claim of each window of one offered day, in its order (``None`` for a window without one)."""
    day_grams = [w.co2e_grams for w in day.windows if w.available and w.co2e_grams is not None]
    return [
        claim_basis(labels=w.labels, grams=w.co2e_grams, day_grams=day_grams)
        if w.available and w.co2e_grams is not None and w.labels
        else None
        for w in day.windows
    ]


def booking_claim(booking: Booking) -> ClaimBasis | None:
    """The claim of a hold or booking, against the day of the offer it was held from.

    ``None`` when its labels carry no claim, or when the offer no longer records its window.
    """
    if not booking.labels:
        return None
    records = booking.offer.windows or []
    held = next(
        (
            record
            for record in records
            if record.get("available") and dt.datetime.fromisoformat(record["start"]) == booking.window_start
        ),
        None,
    )
    if held is None:
        return None
    day_grams = [
        int(record["co2e_grams"])
        for record in records
        if record.get("available")
        and record.get("date") == held["date"]
        and record.get("co2e_grams") is not None
    ]
    return claim_basis(labels=booking.labels, grams=booking.co2e_grams, day_grams=day_grams)
