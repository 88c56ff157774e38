"""Price the windows of one offer under one rule version: the pure step between the route engine
and the shopper.

``booking.services.offers`` evaluates the windows of an address against the route plan (what each
costs, how far it detours, who is nearby) and hands them here; the admin preview prices the same
evaluated windows under the published rules and a draft; the what-if replay prices recorded
windows. One function, so the three can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .calculation import LabelInput, RuleTerms, WindowPrice, offer_labels, window_price


@dataclass(frozen=True)
class WindowCost:
    """What the route plan says about one window of an offer, before any price.

    ``start`` and ``end`` are aware datetimes in the depot's time zone. For an available window,
    ``marginal_cost`` is money (currency units), ``marginal_km`` vehicle-km, ``grams`` CO2e and
    ``nearby_metres`` the straight-line distances (ascending) to booked stops whose windows overlap
    this one, as far as the offer recorded them.
    """

    day: dt.date
    start: dt.datetime
    end: dt.datetime
    available: bool
    marginal_cost: Decimal | None = None
    marginal_km: Decimal | None = None
    grams: int | None = None
    nearby_metres: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.available and (self.marginal_cost is None or self.marginal_km is None or self.grams is None):
            raise ValueError("An available window needs its marginal cost, km and grams.")

    @property
    def hours(self) -> Decimal:
        return Decimal((self.end - self.start).total_seconds()) / Decimal(3600)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> WindowCost:
        """From a window as kept on an ``Offer`` (``booking.services.offers.window_record``)."""
        start = dt.datetime.fromisoformat(record["start"])
        available = bool(record.get("available"))
        return cls(
            day=dt.date.fromisoformat(record["date"]),
            start=start,
            end=dt.datetime.fromisoformat(record["end"]),
            available=available,
            marginal_cost=Decimal(record["marginal_cost"]) if available else None,
            marginal_km=Decimal(record["marginal_km"]) if available else None,
            grams=int(record["co2e_grams"]) if available else None,
            nearby_metres=tuple(int(m) for m in record.get("nearby_m") or ()),
        )


@dataclass(frozen=True)
class PricedWindow:
    """A window's price (``None`` when unavailable), its labels and whether it consolidates."""

    price: WindowPrice | None
    labels: tuple[str, ...]
    consolidates: bool = False
    nearby_stops: int = 0


def price_windows(
    *, terms: RuleTerms, windows: Sequence[WindowCost], basket_value: Decimal | None = None
) -> list[PricedWindow]:
    """Price and label every window of one offer, in the input order.

    Labels are relative to the other windows of the same offer (green against the lowest grams,
    best value against the day's cheapest), so they are computed over the whole offer at once.
    Best value compares prices before free delivery: when a basket earns free delivery every
    window costs 0.00, and the label still points at the window that is cheapest to serve.
    """
    prices: list[WindowPrice | None] = []
    consolidating: list[bool] = []
    nearby: list[int] = []
    # Windows of one day often share their cheapest insertion, so many (cost, width, km) repeat:
    # price each distinct set of inputs once (an offer has 160+ windows and ~40 distinct inputs).
    priced: dict[tuple, WindowPrice] = {}
    for window in windows:
        if not window.available:
            prices.append(None)
            consolidating.append(False)
            nearby.append(0)
            continue
        stops = terms.nearby_stops(window.nearby_metres)
        hours = window.hours
        peak = terms.peak_surcharge(start=window.start, end=window.end)
        key = (window.marginal_cost, hours, window.marginal_km, stops, peak)
        if key not in priced:
            priced[key] = window_price(
                terms=terms,
                marginal_cost=window.marginal_cost,
                window_hours=hours,
                marginal_km=window.marginal_km,
                nearby_stops=stops,
                peak_surcharge=peak,
                basket_value=basket_value,
            )
        prices.append(priced[key])
        consolidating.append(terms.consolidates(window.marginal_km, stops))
        nearby.append(stops)
    labels = offer_labels(
        terms=terms,
        windows=[
            LabelInput(
                available=window.available,
                price=price.list_amount if price else Decimal(0),
                grams=window.grams or 0,
                window_hours=window.hours,
                consolidates=consolidates,
                day_key=window.day,
            )
            for window, price, consolidates in zip(windows, prices, consolidating, strict=True)
        ],
    )
    return [
        PricedWindow(price=price, labels=tuple(window_labels), consolidates=consolidates, nearby_stops=stops)
        for price, window_labels, consolidates, stops in zip(
            prices, labels, consolidating, nearby, strict=True
        )
    ]
