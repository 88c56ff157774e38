"""The slotting policies under test, and the money side of a season.

(a) ``QuotaPolicy``: the common industry practice. Every window has a fixed order quota, a share
    of a fleet-capacity proxy; a window is sold while its quota lasts, at one flat price, with no
    look at the route plan. Quotas can oversell what the fleet can drive.
(b) ``FlatPolicy``: Greenslot's exact feasibility (cheapest feasible insertion into the
    depot-day plan, ``routing.insertion``) with one flat price for every window.
(c) ``IncentivePolicy``: exact feasibility priced by the incentive rules
    (``pricing.calculation.window_price`` on the marginal cost) and labelled by
    ``pricing.labels.offer_labels`` (green included), exactly as ``booking.services.offers``.
(d) ``CostPolicy``: exact feasibility priced from each window's three costs (issue 12): expected
    final marginal cost (``fleet.window_costs``), displacement cost (``pricing.bid_prices``) and
    carbon, with the retailer's objective (``pricing.cost_prices``); labels on the greenest windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

import numpy as np

from fleet.window_costs import MarginalCostTable
from pricing.bid_prices import DemandForecast
from pricing.calculation import RuleTerms
from pricing.default_terms import DEFAULT_TERMS

from .city import HOUR, City

QUOTA = "quota"
FLAT = "flat"
INCENTIVE = "incentive"
COSTS = "costs"
POLICY_LABELS = {
    QUOTA: "(a) static quotas, flat price",
    FLAT: "(b) exact feasibility, flat price",
    INCENTIVE: "(c) exact feasibility, incentive rules",
    COSTS: "(d) exact feasibility, three-cost prices",
}

# The product's default rule set: a new IncentiveRuleSet's field defaults.
PRODUCT_DEFAULT_TERMS = DEFAULT_TERMS


def rule_terms(**overrides) -> RuleTerms:
    """``RuleTerms`` from the product defaults with ``overrides``, built by keyword (fields the
    pricing app may add later keep their own defaults)."""
    fields = {"version": 1, "currency": "EUR", **PRODUCT_DEFAULT_TERMS, **overrides}
    return RuleTerms(**fields)


@dataclass(frozen=True)
class QuotaPolicy:
    """Static quotas per window with a flat price.

    ``quota_scale`` multiplies the capacity proxy (``window_quotas``); it is tuned on training
    seasons, as an operator would tune quotas on past weeks.
    """

    flat_price: Decimal
    quota_scale: float
    kind: ClassVar[str] = QUOTA

    def __post_init__(self) -> None:
        if self.quota_scale < 0:
            raise ValueError("Expected quota_scale >= 0.")


@dataclass(frozen=True)
class FlatPolicy:
    """Exact feasibility, every feasible window at ``flat_price``, no labels."""

    flat_price: Decimal
    kind: ClassVar[str] = FLAT


@dataclass(frozen=True)
class IncentivePolicy:
    """Exact feasibility, priced and labelled by the incentive rules ``terms``."""

    terms: RuleTerms
    kind: ClassVar[str] = INCENTIVE


@dataclass(frozen=True)
class CostInputs:
    """What policy (d) learned before the season (from training seasons, never the test ones).

    ``marginal_costs``: realised marginal cost per (zone 0, width class, ISO weekday), EUR;
    ``forecast``: orders per (ISO weekday, hour band) and the booking curve; ``orders_per_van_hour``:
    orders a van-hour carries when the fleet is full (load capacity / mean parcel / shift hours);
    ``mean_size``: mean parcel size units (an order of that size uses ``1 / orders_per_van_hour``
    van-hours); ``value_per_order``: EUR an order's capacity is worth to a later shopper.
    """

    marginal_costs: MarginalCostTable
    forecast: DemandForecast
    orders_per_van_hour: float
    mean_size: float
    value_per_order: Decimal


@dataclass(frozen=True)
class CostPolicy:
    """Exact feasibility priced by the three costs under ``terms`` (``pricing_mode`` three_costs)."""

    terms: RuleTerms
    inputs: CostInputs
    kind: ClassVar[str] = COSTS


Policy = QuotaPolicy | FlatPolicy | IncentivePolicy | CostPolicy


@dataclass(frozen=True)
class Economics:
    """What an order is worth beyond its delivery fee, and what a failed delivery costs (EUR).

    Both are ASSUMPTIONS, varied in the report. ``order_margin``: the retailer's contribution
    from the basket of a delivered order before delivery costs (an e-grocery basket of EUR 60-100
    at a few-percent-to-teens net margin after picking). ``failure_penalty``: a failed delivery
    earns neither fee nor margin and costs a goodwill voucher and handling.
    """

    order_margin: float = 10.0
    failure_penalty: float = 10.0


def mean_size_units(size_units: tuple[int, int]) -> float:
    return (size_units[0] + size_units[1]) / 2


def window_quotas(city: City, depot: int, *, scale: float, mean_size: float) -> np.ndarray:
    """int64 [K] orders each window of one working day may sell.

    The capacity proxy: each vehicle carries ``capacity_units / mean_size`` orders, spread evenly
    over its shift hours; an hour's capacity is divided equally among the window layers covering
    it (1 h, 2 h, 4 h, all-day), and a window's quota is the sum over its hours, times ``scale``
    (floored). Summed over windows it is ``scale`` x the fleet's load capacity in orders.
    """
    hours = np.arange(24)
    per_hour = np.zeros(24)
    for vehicle in city.depots[depot].fleet:
        span = (vehicle.shift_end - vehicle.shift_start) / HOUR
        on = (hours * HOUR >= vehicle.shift_start) & ((hours + 1) * HOUR <= vehicle.shift_end)
        per_hour[on] += vehicle.kind.capacity_units / mean_size / span
    covering = np.zeros(24)
    for w in city.windows:
        covering[(hours * HOUR >= w.start) & ((hours + 1) * HOUR <= w.end)] += 1
    share = np.divide(per_hour, covering, out=np.zeros(24), where=covering > 0)
    quotas = []
    for w in city.windows:
        inside = (hours * HOUR >= w.start) & ((hours + 1) * HOUR <= w.end)
        quotas.append(int(np.floor(scale * share[inside].sum() + 1e-9)))
    return np.array(quotas, dtype=np.int64)
