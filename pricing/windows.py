"""Price the windows of one offer under one rule version: the pure step between the route engine
and the shopper.

``booking.services.offers`` evaluates the windows of an address against the route plan (what each
costs, how far it detours, who is nearby) and hands them here; the admin preview prices the same
evaluated windows under the published rules and a draft; the what-if replay prices recorded
windows. One function, so the three can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from .calculation import RuleTerms, WindowPrice
from .choice import DEFAULT_CHOICE_MODEL, ChoiceModel
from .cost_prices import WindowCosts, price_offer_by_costs
from .labels import window_labels
from .widths import window_hours


class CostedWindow(Protocol):
    """What ``price_windows`` reads of a window (``WindowCost`` has it, and the offers
    service's ``WindowOffer`` too)."""

    @property
    def day(self) -> Hashable: ...
    @property
    def start(self) -> dt.datetime: ...
    @property
    def end(self) -> dt.datetime: ...
    @property
    def available(self) -> bool: ...
    @property
    def marginal_cost(self) -> Decimal | None: ...
    @property
    def marginal_km(self) -> Decimal | None: ...
    @property
    def grams(self) -> int | None: ...
    @property
    def nearby_metres(self) -> tuple[int, ...]: ...
    @property
    def hours(self) -> Decimal: ...


@dataclass(frozen=True)
class WindowCost:
    """What the route plan says about one window of an offer, before any price.

    ``start`` and ``end`` are aware datetimes in the depot's time zone. For an available window,
    ``marginal_cost`` is money (currency units), ``marginal_km`` vehicle-km, ``grams`` CO2e and
    ``nearby_metres`` the straight-line distances (ascending) to booked stops whose windows overlap
    this one, as far as the offer recorded them. ``expected_cost`` and ``displacement_cost``
    (currency units) are the three-cost price's inputs (``pricing.cost_prices``); when absent, a
    rule set pricing by three costs uses the marginal cost and no displacement.
    """

    day: dt.date
    start: dt.datetime
    end: dt.datetime
    available: bool
    marginal_cost: Decimal | None = None
    marginal_km: Decimal | None = None
    grams: int | None = None
    nearby_metres: tuple[int, ...] = ()
    expected_cost: Decimal | None = None
    displacement_cost: Decimal | None = None

    def __post_init__(self) -> None:
        if self.available and (self.marginal_cost is None or self.marginal_km is None or self.grams is None):
            raise ValueError("An available window needs its marginal cost, km and grams.")

    @property
    def hours(self) -> Decimal:
        return window_hours(start=self.start, end=self.end)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> WindowCost:
        """From a window as kept on an ``Offer`` (``booking.services.offer_records.window_record``)."""
        start = dt.datetime.fromisoformat(record["start"])
        available = bool(record.get("available"))
        # Offers priced by three costs keep them (``booking.services.offer_records.window_costs_record``).
        costs = record.get("costs") if available else None
        return cls(
            day=dt.date.fromisoformat(record["date"]),
            start=start,
            end=dt.datetime.fromisoformat(record["end"]),
            available=available,
            marginal_cost=Decimal(record["marginal_cost"]) if available else None,
            marginal_km=Decimal(record["marginal_km"]) if available else None,
            grams=int(record["co2e_grams"]) if available else None,
            nearby_metres=tuple(int(m) for m in record.get("nearby_m") or ()),
            expected_cost=Decimal(costs["expected"]) if costs else None,
            displacement_cost=Decimal(costs["displacement"]) if costs else None,
        )


@dataclass(frozen=True)
class PricedWindow:
    """A window's price (``None`` when unavailable), its labels and whether it consolidates."""

    price: WindowPrice | None
    labels: tuple[str, ...]
    consolidates: bool = False
    nearby_stops: int = 0


def price_windows(
    *,
    terms: RuleTerms,
    windows: Sequence[CostedWindow],
    basket_value: Decimal | None = None,
    choice: ChoiceModel = DEFAULT_CHOICE_MODEL,
) -> list[PricedWindow]:
    """Price and label every window of one offer, in the input order.

    ``windows`` are ``WindowCost`` values or anything with the same attributes (``CostedWindow``);
    an available window has its marginal cost, km and grams.

    Labels are relative to the other windows of the same offer (green against the lowest grams,
    best value against the day's cheapest), so they are computed over the whole offer at once.
    Best value compares prices before free delivery: when a basket earns free delivery every
    window costs 0.00, and the label still points at the window that is cheapest to serve.

    ``choice`` is the shopper model a logit markup assumes (three-cost rules only): the retailer's
    fitted model when it has enough data, else the documented prior.
    """
    if terms.prices_by_three_costs:
        return _price_windows_by_costs(terms=terms, windows=windows, basket_value=basket_value, choice=choice)
    memo = terms.window_memo
    # Whether the basket earns free delivery is one answer for the whole offer (asked once, and
    # only when some window is for sale, as ``window_price`` asks it only of a priced window).
    free_delivery: bool | None = None
    prices: list[WindowPrice | None] = []
    consolidating: list[bool] = []
    nearby: list[int] = []
    hours: list[Decimal] = []
    for window in windows:
        width = window.hours
        hours.append(width)
        if not window.available:
            prices.append(None)
            consolidating.append(False)
            nearby.append(0)
            continue
        if free_delivery is None:
            free_delivery = terms.free_delivery(basket_value)
        stops = terms.nearby_stops(window.nearby_metres)
        consolidates = terms.consolidates(window.marginal_km, stops)
        # Windows share few distinct prices (an offer has 160+ windows, every offer of a retailer
        # the same terms): the memo prices each distinct set of price parts once per terms.
        prices.append(
            memo.window_price(
                marginal_cost=window.marginal_cost,
                window_hours=width,
                marginal_km=window.marginal_km,
                nearby_stops=stops,
                consolidates=consolidates,
                peak_surcharge=memo.peak_surcharge(start=window.start, end=window.end),
                free_delivery=free_delivery,
            )
        )
        consolidating.append(consolidates)
        nearby.append(stops)
    labels = window_labels(
        terms=terms,
        available=[window.available for window in windows],
        prices=[price.list_amount if price else Decimal(0) for price in prices],
        grams=[window.grams or 0 for window in windows],
        hours=hours,
        consolidates=consolidating,
        day_keys=[window.day for window in windows],
    )
    return [
        PricedWindow(price=price, labels=tuple(earned), consolidates=consolidates, nearby_stops=stops)
        for price, earned, consolidates, stops in zip(prices, labels, consolidating, nearby, strict=True)
    ]


def _price_windows_by_costs(
    *, terms: RuleTerms, windows: Sequence[CostedWindow], basket_value: Decimal | None, choice: ChoiceModel
) -> list[PricedWindow]:
    """``price_windows`` for a rule set that prices by three costs (``pricing.cost_prices``).

    The windows of an offer that share every price input (day, width, expected cost, displacement,
    grams, peak surcharge, whether they consolidate) share one ``WindowCosts``, so
    ``price_offer_by_costs`` prices each distinct set once (an offer has 160+ windows and about
    half as many distinct sets).
    """
    memo = terms.window_memo
    costs_by_inputs: dict[tuple, WindowCosts] = {}
    costs: list[WindowCosts] = []
    consolidating: list[bool] = []
    nearby: list[int] = []
    for window in windows:
        available = window.available
        stops = terms.nearby_stops(window.nearby_metres) if available else 0
        consolidates = available and terms.consolidates(window.marginal_km, stops)
        day, hours, grams = window.day, window.hours, window.grams or 0
        expected = getattr(window, "expected_cost", None)
        expected = (expected if expected is not None else window.marginal_cost) or Decimal(0)
        displacement = getattr(window, "displacement_cost", None)
        displacement = displacement if displacement is not None else Decimal(0)
        peak = memo.peak_surcharge(start=window.start, end=window.end)
        inputs = (available, day, hours, expected, displacement, grams, peak, consolidates)
        cost = costs_by_inputs.get(inputs)
        if cost is None:
            cost = costs_by_inputs[inputs] = WindowCosts(
                available=available,
                day_key=day,
                window_hours=hours,
                expected_cost=expected,
                displacement_cost=displacement,
                grams=grams,
                peak_surcharge=peak,
                consolidates=consolidates,
            )
        costs.append(cost)
        consolidating.append(consolidates)
        nearby.append(stops)
    prices = price_offer_by_costs(terms=terms, windows=costs, basket_value=basket_value, choice=choice)
    labels = window_labels(
        terms=terms,
        available=[window.available for window in windows],
        prices=[price.list_amount if price else Decimal(0) for price in prices],
        grams=[window.grams or 0 for window in windows],
        hours=[cost.window_hours for cost in costs],
        consolidates=consolidating,
        day_keys=[window.day for window in windows],
    )
    return [
        PricedWindow(price=price, labels=tuple(earned), consolidates=consolidates, nearby_stops=stops)
        for price, earned, consolidates, stops in zip(prices, labels, consolidating, nearby, strict=True)
    ]
