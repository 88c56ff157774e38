"""The price and the labels of a delivery window: pure functions over ``Decimal``.

"Fetch, then compute": callers load an ``IncentiveRuleSet`` once, turn it into ``RuleTerms`` and
call these functions for every window of an offer. Nothing here touches the database, and no float
ever reaches a price: every money input must already be a ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import IncentiveRuleSet

CENT = Decimal("0.01")
ONE_HOUR = Decimal(1)
WIDE_WINDOW_HOURS = Decimal(4)

# Breakdown line codes, in the order they appear in a breakdown.
BASE_FEE = "base_fee"
ROUTE_COST = "route_cost"
WIDTH_DISCOUNT = "width_discount"
CONSOLIDATION_DISCOUNT = "consolidation_discount"
FLOOR = "floor"
CAP = "cap"
ROUNDING = "rounding"

LINE_LABELS = {
    BASE_FEE: "Delivery fee",
    ROUTE_COST: "Route cost of this delivery",
    WIDTH_DISCOUNT: "Wider window discount",
    CONSOLIDATION_DISCOUNT: "Delivery near other orders discount",
    FLOOR: "Minimum price adjustment",
    CAP: "Maximum price adjustment",
    ROUNDING: "Rounding",
}

# Window labels, in the order a window lists them.
GREEN = "green"
WIDE = "wide"
CONSOLIDATED = "consolidated"
BEST_VALUE = "best_value"
LABEL_ORDER = (GREEN, WIDE, CONSOLIDATED, BEST_VALUE)


def _require_decimal(name: str, value: Any, *, non_negative: bool = False) -> None:
    # bool and float are both rejected: a float price is exactly the bug this module exists to prevent.
    if not isinstance(value, Decimal):
        raise TypeError(f"Expected {name} to be a Decimal, got {type(value).__name__}.")
    if not value.is_finite():
        raise ValueError(f"Expected {name} to be finite.")
    if non_negative and value < 0:
        raise ValueError(f"Expected {name} >= 0.")


def _cents(value: Decimal) -> Decimal:
    cents = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return cents if cents else abs(cents)  # never "-0.00"


def _require_whole_cents(name: str, value: Decimal) -> None:
    if value != value.quantize(CENT):
        raise ValueError(f"Expected {name} in whole cents.")


MONEY_TERMS = (
    "base_fee",
    "width_discount_per_hour",
    "width_discount_max",
    "consolidation_discount",
    "floor",
    "cap",
    "rounding_step",
)
RATIO_TERMS = ("cost_passthrough", "consolidation_max_km", "green_relative")


@dataclass(frozen=True)
class RuleTerms:
    """The pricing terms of one version of a retailer's incentive rules.

    Money fields are in ``currency`` units; ``consolidation_max_km`` is in km; ``green_max_grams`` in
    grams CO2e; ``cost_passthrough`` and ``green_relative`` are fractions (1 = 100 %).
    """

    version: int
    currency: str
    base_fee: Decimal
    cost_passthrough: Decimal
    width_discount_per_hour: Decimal
    width_discount_max: Decimal
    consolidation_max_km: Decimal
    consolidation_discount: Decimal
    green_max_grams: int
    green_relative: Decimal
    floor: Decimal
    cap: Decimal
    rounding_step: Decimal

    def __post_init__(self) -> None:
        for name in MONEY_TERMS + RATIO_TERMS:
            _require_decimal(name, getattr(self, name), non_negative=True)
        for name in MONEY_TERMS:
            # Whole cents keep every multiple of the step, and so every price, in whole cents.
            _require_whole_cents(name, getattr(self, name))
        if isinstance(self.green_max_grams, bool) or not isinstance(self.green_max_grams, int):
            raise TypeError("Expected green_max_grams to be an int.")
        if self.green_max_grams < 0:
            raise ValueError("Expected green_max_grams >= 0.")
        if self.cap < self.floor:
            raise ValueError("Expected cap >= floor.")
        if self.rounding_step <= 0:
            raise ValueError("Expected rounding_step > 0.")

    @classmethod
    def from_rule_set(cls, rule_set: IncentiveRuleSet) -> RuleTerms:
        return cls(
            version=rule_set.version,
            currency=rule_set.currency,
            base_fee=rule_set.base_fee,
            cost_passthrough=rule_set.cost_passthrough,
            width_discount_per_hour=rule_set.width_discount_per_hour,
            width_discount_max=rule_set.width_discount_max,
            consolidation_max_km=rule_set.consolidation_max_km,
            consolidation_discount=rule_set.consolidation_discount,
            green_max_grams=rule_set.green_max_grams,
            green_relative=rule_set.green_relative,
            floor=rule_set.floor,
            cap=rule_set.cap,
            rounding_step=rule_set.rounding_step,
        )

    def consolidates(self, marginal_km: Decimal) -> bool:
        """Whether a delivery adding ``marginal_km`` km joins stops already nearby (threshold inclusive).

        A slightly negative detour (integer-rounded road tables) is a detour of zero, not an error.
        """
        _require_decimal("marginal_km", marginal_km)
        return marginal_km <= self.consolidation_max_km


@dataclass(frozen=True)
class PriceLine:
    code: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class WindowPrice:
    """A window's price and the lines it is made of; the lines always sum exactly to ``amount``."""

    amount: Decimal
    currency: str
    lines: tuple[PriceLine, ...]

    def __post_init__(self) -> None:
        total = sum((line.amount for line in self.lines), Decimal(0))
        if total != self.amount:
            raise ValueError(f"Breakdown sums to {total}, not to the price {self.amount}.")

    def breakdown(self) -> list[dict[str, str]]:
        """The lines as JSON-ready dicts; amounts are strings so no float ever carries them."""
        return [{"code": line.code, "label": line.label, "amount": str(line.amount)} for line in self.lines]


def _line(code: str, amount: Decimal) -> PriceLine:
    return PriceLine(code=code, label=LINE_LABELS[code], amount=amount)


def width_discount(*, terms: RuleTerms, window_hours: Decimal) -> Decimal:
    """Discount for a window wider than one hour, in currency units: never negative, at most the max."""
    _require_decimal("window_hours", window_hours)
    if window_hours <= 0:
        raise ValueError("Expected window_hours > 0.")
    raw = terms.width_discount_per_hour * (window_hours - ONE_HOUR)
    return _cents(max(Decimal(0), min(raw, terms.width_discount_max)))


def _round_within_bounds(*, amount: Decimal, terms: RuleTerms) -> Decimal:
    """Round half-up to a multiple of the step, without leaving [floor, cap].

    Rounding a capped 9.99 to a 0.10 step would give 10.00, above the cap the shopper was promised;
    then the nearest multiple inside the bounds is used, and if there is none the amount stays as is.
    """
    step = terms.rounding_step
    rounded = (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    if rounded > terms.cap:
        rounded = (terms.cap / step).quantize(Decimal(1), rounding=ROUND_FLOOR) * step
    elif rounded < terms.floor:
        rounded = (terms.floor / step).quantize(Decimal(1), rounding=ROUND_CEILING) * step
    if not terms.floor <= rounded <= terms.cap:
        return amount
    return rounded


def window_price(
    *, terms: RuleTerms, marginal_cost: Decimal, window_hours: Decimal, marginal_km: Decimal
) -> WindowPrice:
    """Price one window.

    Parameters
    ----------
    terms
        The rule version pricing the offer.
    marginal_cost
        Money the cheapest feasible insertion adds to the route plan, in ``terms.currency``.
    window_hours
        Width of the window in hours (``Decimal("1")`` for a one-hour window).
    marginal_km
        Vehicle-km the insertion adds, which decides whether the window consolidates.

    Returns
    -------
    WindowPrice
        Base fee + pass-through x marginal cost - width discount - consolidation discount, clamped
        to [floor, cap], rounded half-up to a multiple of ``rounding_step`` and quantized to cents;
        every change (clamp, rounding) is a line of its own, so the lines sum to the price.
    """
    _require_decimal("marginal_cost", marginal_cost)
    lines = [
        _line(BASE_FEE, _cents(terms.base_fee)),
        _line(ROUTE_COST, _cents(terms.cost_passthrough * marginal_cost)),
    ]
    width = width_discount(terms=terms, window_hours=window_hours)
    if width:
        lines.append(_line(WIDTH_DISCOUNT, -width))
    if terms.consolidates(marginal_km) and terms.consolidation_discount:
        lines.append(_line(CONSOLIDATION_DISCOUNT, -_cents(terms.consolidation_discount)))

    subtotal = sum((line.amount for line in lines), Decimal(0))
    clamped = min(max(subtotal, terms.floor), terms.cap)
    if clamped > subtotal:
        lines.append(_line(FLOOR, clamped - subtotal))
    elif clamped < subtotal:
        lines.append(_line(CAP, clamped - subtotal))

    amount = _cents(_round_within_bounds(amount=clamped, terms=terms))
    if amount != clamped:
        lines.append(_line(ROUNDING, amount - clamped))
    return WindowPrice(amount=amount, currency=terms.currency, lines=tuple(lines))


@dataclass(frozen=True)
class LabelInput:
    """What labelling needs to know about one window of an offer.

    ``grams`` is the marginal CO2e of the delivery in grams; ``day_key`` groups the windows of one
    delivery day (any hashable, typically the local date).
    """

    available: bool
    price: Decimal
    grams: int
    window_hours: Decimal
    consolidates: bool
    day_key: Hashable


def offer_labels(*, terms: RuleTerms, windows: Sequence[LabelInput]) -> list[tuple[str, ...]]:
    """Labels of each window of one offer, in the input order; unavailable windows get none.

    A window is ``green`` when its grams are at most ``green_max_grams`` or at most
    ``green_relative`` above the lowest grams among the available windows; ``wide`` when it is at
    least four hours wide; ``consolidated`` when it joins nearby stops; ``best_value`` when it is
    (one of) the cheapest available windows of its day. Labels come in ``LABEL_ORDER``.
    """
    available = [window for window in windows if window.available]
    if not available:
        return [() for _ in windows]
    for window in available:
        _require_decimal("price", window.price)
        _require_decimal("window_hours", window.window_hours)
    lowest_grams = min(window.grams for window in available)
    relative_limit = Decimal(lowest_grams) * (1 + terms.green_relative)
    cheapest_by_day: dict[Hashable, Decimal] = {}
    for window in available:
        cheapest = cheapest_by_day.get(window.day_key)
        if cheapest is None or window.price < cheapest:
            cheapest_by_day[window.day_key] = window.price

    labels: list[tuple[str, ...]] = []
    for window in windows:
        if not window.available:
            labels.append(())
            continue
        earned = {
            GREEN: window.grams <= terms.green_max_grams or Decimal(window.grams) <= relative_limit,
            WIDE: window.window_hours >= WIDE_WINDOW_HOURS,
            CONSOLIDATED: window.consolidates,
            BEST_VALUE: window.price == cheapest_by_day[window.day_key],
        }
        labels.append(tuple(label for label in LABEL_ORDER if earned[label]))
    return labels
