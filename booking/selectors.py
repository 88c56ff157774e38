"""Reads of offers and bookings for the analyses built on them (the choice-model fit, the replay)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from pricing.calculation import GREEN
from pricing.choice_fit import ChoiceSet, ShownWindow
from pricing.widths import window_hours

from .models import Booking, Offer


@dataclass(frozen=True)
class BookedWindow:
    """The window a shopper booked from an offer: the first confirmed booking made from it."""

    start: dt.datetime
    end: dt.datetime
    paid: Decimal
    grams: int


def booked_windows(*, bookings) -> dict:
    """Offer id -> ``BookedWindow`` over ``bookings`` (a ``Booking`` queryset), the first confirmed
    booking of each offer (a shopper who booked twice from one offer chose once)."""
    booked: dict = {}
    for offer_id, start, end, paid, grams in (
        bookings.filter(confirmed_at__isnull=False)
        .order_by("created_at", "id")
        .values_list("offer_id", "window_start", "window_end", "price_amount", "co2e_grams")
    ):
        booked.setdefault(offer_id, BookedWindow(start=start, end=end, paid=paid, grams=grams))
    return booked


@dataclass(frozen=True)
class ChoiceRecords:
    """The retailer's recorded choices: one ``ChoiceSet`` per offer with a window on sale.

    ``unmatched`` counts offers whose booking matches none of their windows on sale (left out).
    """

    sets: list[ChoiceSet]
    unmatched: int = 0


def choice_records(*, retailer_id: int, since: dt.datetime | None = None) -> ChoiceRecords:
    """Every offer of ``retailer_id`` (made at or after ``since``) that had a window on sale, as
    the windows shown (price, width, day, green label) and the one booked from it, if any.
    Two queries; the offers are streamed."""
    offers = Offer.objects.filter(retailer_id=retailer_id)
    bookings = Booking.objects.filter(retailer_id=retailer_id)
    if since is not None:
        offers = offers.filter(created_at__gte=since)
        bookings = bookings.filter(offer__created_at__gte=since)
    booked = booked_windows(bookings=bookings)
    sets, unmatched = [], 0
    for offer_id, records in offers.order_by("created_at", "id").values_list("id", "windows").iterator(500):
        on_sale = [
            record for record in records if record.get("available") and record.get("price") is not None
        ]
        if not on_sale:
            continue
        windows, starts = _shown_windows(on_sale)
        chosen = None
        if offer_id in booked:
            window = booked[offer_id]
            chosen = starts.get((window.start, window.end))
            if chosen is None:
                unmatched += 1
                continue
        sets.append(ChoiceSet(windows=windows, chosen=chosen))
    return ChoiceRecords(sets=sets, unmatched=unmatched)


def _shown_windows(records: Iterable[dict]) -> tuple[tuple[ShownWindow, ...], dict]:
    windows, index = [], {}
    for k, record in enumerate(records):
        start, end = dt.datetime.fromisoformat(record["start"]), dt.datetime.fromisoformat(record["end"])
        windows.append(
            ShownWindow(
                day=dt.date.fromisoformat(record["date"]),
                price=Decimal(record["price"]),
                hours=window_hours(start=start, end=end),
                green=GREEN in (record.get("labels") or ()),
            )
        )
        index.setdefault((start, end), k)
    return tuple(windows), index
