"""The windows of an offer as values: evaluated against the route plans, then priced.

``booking.services.offers`` makes them; ``booking.services.offer_records`` keeps them on the
``Offer`` row; the API and the shopper pages present them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pricing.calculation import WindowPrice
from pricing.widths import width_name, window_hours
from pricing.windows import WindowCost

from .day_windows import DayWindows


@dataclass(frozen=True)
class WindowOffer:
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    cutoff: dt.datetime
    available: bool
    reason: str = ""
    price: WindowPrice | None = None
    co2e_grams: int | None = None
    marginal_km: Decimal | None = None
    marginal_cost: Decimal | None = None
    labels: tuple[str, ...] = ()
    quote: str = ""
    vehicle_type: str = ""
    nearby_metres: tuple[int, ...] = ()
    # For a rule set pricing by three costs (``booking.services.offer_costs``): the expected final
    # marginal cost (currency units) and the later orders the window's van time is expected to cost.
    expected_cost: Decimal | None = None
    displaced_orders: Decimal | None = None
    # The myopic marginal cost of its insertion (``fleet.window_costs.myopic_marginal_cost``), which
    # a hold carries to its booking for learning the insertion weight.
    myopic_cost: Decimal | None = None

    @property
    def hours(self) -> Decimal:
        return window_hours(start=self.start, end=self.end)

    # With ``day`` and ``grams`` a WindowOffer is a ``pricing.windows.CostedWindow`` itself.
    @property
    def day(self) -> dt.date:
        return self.date

    @property
    def grams(self) -> int | None:
        return self.co2e_grams

    def cost(self) -> WindowCost:
        """What pricing needs to know about this window."""
        return WindowCost(
            day=self.date,
            start=self.start,
            end=self.end,
            available=self.available,
            marginal_cost=self.marginal_cost,
            marginal_km=self.marginal_km,
            grams=self.co2e_grams,
            nearby_metres=self.nearby_metres,
            expected_cost=self.expected_cost,
        )

    @property
    def width_name(self) -> str:
        return width_name(self.hours)

    def priced(self, *, price: WindowPrice | None, labels: tuple[str, ...], quote: str = "") -> WindowOffer:
        """This window with its price, labels and quote: ``dataclasses.replace`` without its
        per-field introspection (an offer does this for 160+ windows)."""
        return WindowOffer(
            self.date,
            self.start,
            self.end,
            self.cutoff,
            self.available,
            self.reason,
            price,
            self.co2e_grams,
            self.marginal_km,
            self.marginal_cost,
            labels,
            quote,
            self.vehicle_type,
            self.nearby_metres,
            self.expected_cost,
            self.displaced_orders,
            self.myopic_cost,
        )


@dataclass(frozen=True)
class DayOffer:
    date: dt.date
    windows: tuple[WindowOffer, ...]


@dataclass(frozen=True)
class EvaluatedDay:
    """One day of an offer, evaluated and not yet priced: ``windows[k]`` is ``day_windows.windows[k]``."""

    date: dt.date
    day_windows: DayWindows
    windows: list[WindowOffer]
