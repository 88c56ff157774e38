"""Learning the demand sold-out bands lost, from the offer records (docs/incentives.md).

The demand forecast of the bid prices (``booking.services.offer_costs``) learns from confirmed
bookings, which are *sold* demand: a band that sold out early looks like a band few wanted. Every
offer keeps the windows it showed and why those not on sale were refused (``Offer.windows``), so
for each past delivery date and hour band we know how many offers looked at the band while it still
had windows before their cut-off, and how many of them found one on sale. Those tallies are kept
per date (``BandAvailability``); offers sum them per weekday and turn them into a factor per
(weekday, band) (``pricing.bid_prices.lost_demand_factors``) when they read their learned inputs.

Reading the offers here, nightly, and keeping a few rows, keeps that work off the offer path: an
offer reads the rows with its other learned inputs, once per depot and local day. A date is tallied
once, the first night after it (its offers are all made by then), so a night reads only the offers
that could have shown the dates not yet tallied: those made up to ``OFFER_LOOKBACK_DAYS`` before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from fleet.models import Depot
from pricing.bid_prices import DEFAULT_BANDS, band_looks

from ..models import BandAvailability, Offer
from .offer_costs import LEARNING_DAYS, window_band
from .offers import REASON_FULL

# Offers made more than this many days before a date are not read for it: a shopper may ask up to
# a year ahead, but the offers that matter for a day's demand are those of its booking horizon.
OFFER_LOOKBACK_DAYS = 28
OFFER_CHUNK = 500


@dataclass(frozen=True)
class LostDemandLearning:
    """A depot's tallies over the learning period: looks at a (date, band) with windows before
    their cut-off, and how many found the band sold out; ``dates_tallied`` by this run."""

    looks: int
    sold_out: int
    dates_tallied: int


def band_availability_learn(
    *, depot: Depot, now: dt.datetime, days: int = LEARNING_DAYS
) -> LostDemandLearning:
    """Tally how ``depot``'s offers found each hour band of the ``days`` delivery dates before today
    (local) that are not tallied yet, keep them (``BandAvailability``) and forget tallies older than
    the period. Idempotent: a date once tallied is not read again."""
    tz = depot.tz
    today = timezone.localtime(now, tz).date()
    first = today - dt.timedelta(days=days)
    with transaction.atomic():
        BandAvailability.objects.filter(depot=depot, date__lt=first).delete()
        kept = set(
            BandAvailability.objects.filter(depot=depot, date__gte=first, date__lt=today)
            .order_by()
            .values_list("date", flat=True)
            .distinct()
        )
        missing = [
            first + dt.timedelta(days=k) for k in range(days) if first + dt.timedelta(days=k) not in kept
        ]
        if missing:
            tallies = _tally(depot=depot, dates=missing, now=now)
            BandAvailability.objects.bulk_create(
                (
                    BandAvailability(
                        depot=depot,
                        date=date,
                        band=band,
                        offers=tallies.get((date, band), (0, 0))[0],
                        open_offers=tallies.get((date, band), (0, 0))[1],
                        learned_at=now,
                    )
                    for date in missing
                    for band in range(len(DEFAULT_BANDS))
                ),
                ignore_conflicts=True,  # a run at the same time tallied the same dates alike
            )
    totals = BandAvailability.objects.filter(depot=depot, date__gte=first, date__lt=today).aggregate(
        looks=Sum("offers"), open=Sum("open_offers")
    )
    looks = totals["looks"] or 0
    return LostDemandLearning(looks=looks, sold_out=looks - (totals["open"] or 0), dates_tallied=len(missing))


def _tally(
    *, depot: Depot, dates: list[dt.date], now: dt.datetime
) -> dict[tuple[dt.date, int], tuple[int, int]]:
    """(date, band) -> (offers that looked, offers that found it open), over the offers that could
    have shown ``dates`` (made from ``OFFER_LOOKBACK_DAYS`` before the first to the end of the last)."""
    tz = depot.tz
    since = dt.datetime.combine(dates[0] - dt.timedelta(days=OFFER_LOOKBACK_DAYS), dt.time(0), tzinfo=tz)
    until = min(now, dt.datetime.combine(dates[-1] + dt.timedelta(days=1), dt.time(0), tzinfo=tz))
    wanted = {date.isoformat(): date for date in dates}
    rows = (
        Offer.objects.filter(depot=depot, created_at__gte=since, created_at__lt=until)
        .order_by()
        .values_list("windows", flat=True)
    )
    tallies: dict[tuple[dt.date, int], tuple[int, int]] = {}
    for records in rows.iterator(chunk_size=OFFER_CHUNK):
        windows = []
        for record in records:
            date = wanted.get(record["date"])
            if date is None:
                continue
            band = window_band(
                date=date,
                start=dt.datetime.fromisoformat(record["start"]),
                end=dt.datetime.fromisoformat(record["end"]),
                tz=tz,
            )
            windows.append((date, band, bool(record["available"]), record.get("reason") == REASON_FULL))
        for key, open_ in band_looks(windows).items():
            seen, opened = tallies.get(key, (0, 0))
            tallies[key] = (seen + 1, opened + int(open_))
    return tallies
