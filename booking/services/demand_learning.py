"""Learning the demand sold-out bands lost, from the offer records (docs/incentives.md).

The demand forecast of the bid prices (``booking.services.offer_costs``) learns from confirmed
bookings, which are *sold* demand: a band that sold out early looks like a band few wanted. Every
offer keeps the windows it showed and why those not on sale were refused (``Offer.windows``), so
for each past delivery day and hour band we know how many offers looked at the band while it still
had windows before their cut-off, and how many of them found one on sale. Those tallies, per ISO
weekday and band, replace the depot's ``BandAvailability`` rows; offers turn them into a factor per cell
(``pricing.bid_prices.lost_demand_factors``) when they read their learned inputs.

Reading the offers here, nightly, and keeping a few rows, keeps that work off the offer path: an
offer reads the rows with its other learned inputs, once per depot and local day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from fleet.models import Depot
from pricing.bid_prices import band_looks

from ..models import BandAvailability, Offer
from .offer_costs import LEARNING_DAYS, window_band
from .offers import REASON_FULL

# How long before a delivery day an offer can show it (a generous bound on the booking horizon).
OFFER_HORIZON_DAYS = 28
OFFER_CHUNK = 500


@dataclass(frozen=True)
class LostDemandLearning:
    """What one depot's lost-demand learning read: offers, and their looks at (date, band)s, of
    which ``sold_out`` found the band sold out."""

    offers: int
    looks: int
    sold_out: int


def band_availability_learn(
    *, depot: Depot, now: dt.datetime, days: int = LEARNING_DAYS
) -> LostDemandLearning:
    """Tally how ``depot``'s offers found each (weekday, band) over the ``days`` delivery days before
    today (local) and replace its ``BandAvailability`` rows. Idempotent: the same offers give the same rows."""
    tz = depot.tz
    today = timezone.localtime(now, tz).date()
    first = today - dt.timedelta(days=days)
    since = dt.datetime.combine(first - dt.timedelta(days=OFFER_HORIZON_DAYS), dt.time(0), tzinfo=tz)
    rows = (
        Offer.objects.filter(depot=depot, created_at__gte=since, created_at__lt=now)
        .order_by()
        .values_list("windows", flat=True)
    )
    first_text, today_text = first.isoformat(), today.isoformat()
    tallies: dict[tuple[int, int], list[int]] = {}
    offers = looks = sold_out = 0
    for records in rows.iterator(chunk_size=OFFER_CHUNK):
        windows = []
        for record in records:
            date = record["date"]
            if not first_text <= date < today_text:  # ISO dates sort as dates
                continue
            day = dt.date.fromisoformat(date)
            band = window_band(
                date=day,
                start=dt.datetime.fromisoformat(record["start"]),
                end=dt.datetime.fromisoformat(record["end"]),
                tz=tz,
            )
            windows.append((day, band, bool(record["available"]), record.get("reason") == REASON_FULL))
        states = band_looks(windows)
        if not states:
            continue
        offers += 1
        for (day, band), open_ in states.items():
            tally = tallies.setdefault((day.isoweekday(), band), [0, 0])
            tally[0] += 1
            tally[1] += int(open_)
            looks += 1
            sold_out += int(not open_)
    with transaction.atomic():
        BandAvailability.objects.filter(depot=depot).delete()
        BandAvailability.objects.bulk_create(
            BandAvailability(
                depot=depot, weekday=weekday, band=band, offers=seen, open_offers=open_, learned_at=now
            )
            for (weekday, band), (seen, open_) in sorted(tallies.items())
        )
    return LostDemandLearning(offers=offers, looks=looks, sold_out=sold_out)
