"""The price and the labels of a delivery window: pure functions over ``Decimal``.

"Fetch, then compute": callers load an ``IncentiveRuleSet`` once, turn it into ``RuleTerms`` and
call these functions for every window of an offer. Nothing here touches the database, and no float
ever reaches a price: every money input must already be a ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property
from typing import Any

CENT = Decimal("0.01")
ONE_HOUR = Decimal(1)
WIDE_WINDOW_HOURS = Decimal(4)

# Breakdown line codes, in the order they appear in a breakdown.
BASE_FEE = "base_fee"
ROUTE_COST = "route_cost"
PEAK_SURCHARGE = "peak_surcharge"
WIDTH_DISCOUNT = "width_discount"
CONSOLIDATION_DISCOUNT = "consolidation_discount"
FLOOR = "floor"
CAP = "cap"
ROUNDING = "rounding"
FREE_DELIVERY = "free_delivery"
# Lines of a price made from the three costs of a window (``pricing.cost_prices``).
MARKUP = "markup"
EXPECTED_COST = "expected_cost"
DISPLACEMENT = "displacement"
BASKET_MARGIN = "basket_margin"
CARBON = "carbon"
SERVICE_FLOOR = "service_floor"

LINE_LABELS = {
    BASE_FEE: "Delivery fee",
    ROUTE_COST: "Route cost of this delivery",
    PEAK_SURCHARGE: "Peak time surcharge",
    WIDTH_DISCOUNT: "Wider window discount",
    CONSOLIDATION_DISCOUNT: "Delivery near other orders discount",
    FLOOR: "Minimum price adjustment",
    CAP: "Maximum price adjustment",
    ROUNDING: "Rounding",
    FREE_DELIVERY: "Free delivery for your basket",
    # What a shopper reads for the lines of a price made from three costs (``pricing.cost_prices``).
    MARKUP: "Delivery fee",
    EXPECTED_COST: "Route cost of this delivery",
    DISPLACEMENT: "Busy-time surcharge",
    BASKET_MARGIN: "Discount for your order",
    CARBON: "Carbon cost of this delivery (CO2e)",
    SERVICE_FLOOR: "Lowest price of the day promise",
}

# How a rule version turns a window's costs into its price.
PRICE_BY_PASSTHROUGH = "passthrough"  # base fee + pass-through x myopic marginal cost (the original rules)
PRICE_BY_THREE_COSTS = "three_costs"  # markup + expected cost + displacement - basket margin + carbon
PRICING_MODES = (PRICE_BY_PASSTHROUGH, PRICE_BY_THREE_COSTS)
# How the markup of the three-cost price is set (``pricing.cost_prices``).
MARKUP_FIXED = "fixed"  # ``markup`` as given
MARKUP_LOGIT = "logit"  # the profit-maximising markup of a multinomial-logit shopper
MARKUP_REVENUE_NEUTRAL = "revenue_neutral"  # the mean offered price equals ``reference_price``
MARKUP_MODES = (MARKUP_FIXED, MARKUP_LOGIT, MARKUP_REVENUE_NEUTRAL)

# How a window qualifies as consolidating.
CONSOLIDATE_BY_KM = "marginal_km"
CONSOLIDATE_BY_NEARBY = "nearby_stops"
CONSOLIDATION_MODES = (CONSOLIDATE_BY_KM, CONSOLIDATE_BY_NEARBY)
# Offers record the distances to at most this many booked stops within this radius (per window),
# so any rule up to these limits can be re-applied to recorded demand.
NEARBY_MAX_METRES = 2_000
NEARBY_MAX_STOPS = 10

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


def _require_int(name: str, value: Any, *, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Expected {name} to be an int.")
    if value < low or (high is not None and value > high):
        bound = f"{low} <= {name} <= {high}" if high is not None else f"{name} >= {low}"
        raise ValueError(f"Expected {bound}.")


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class PeakPeriod:
    """A time of day when delivering costs more, with the surcharge a window in it pays.

    ``start`` and ``end`` are local wall-clock times (``start < end``, same day); ``weekdays`` are
    ISO weekdays (1 = Monday), empty for every day; ``amount`` is in the rule set's currency.
    """

    start: dt.time
    end: dt.time
    amount: Decimal
    weekdays: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.start, dt.time) or not isinstance(self.end, dt.time):
            raise TypeError("Expected start and end to be times.")
        if self.start >= self.end:
            raise ValueError(
                f"Expected the peak to start before it ends ({self.start:%H:%M}-{self.end:%H:%M})."
            )
        _require_decimal("amount", self.amount, non_negative=True)
        _require_whole_cents("amount", self.amount)
        for day in self.weekdays:
            _require_int("weekday", day, low=1, high=7)
        if len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError("Expected each weekday at most once.")

    def runs_on(self, isoweekday: int) -> bool:
        return not self.weekdays or isoweekday in self.weekdays

    def overlap_minutes(self, start: dt.time, end: dt.time) -> int:
        """Minutes of the wall-clock interval [start, end) that fall inside this peak."""
        latest_start = max(_minutes(start), _minutes(self.start))
        earliest_end = min(_minutes(end), _minutes(self.end))
        return max(0, earliest_end - latest_start)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> PeakPeriod:
        """From the JSON kept on a rule set: ``{"start": "17:00", "end": "19:00", "weekdays": [1, 2],
        "amount": "1.00"}``. Raises ``ValueError`` (or ``TypeError``) with a readable message."""
        try:
            start = dt.time.fromisoformat(str(record["start"]))
            end = dt.time.fromisoformat(str(record["end"]))
            amount = Decimal(str(record["amount"]))
        except KeyError as exc:
            raise ValueError(f"A peak period needs {exc.args[0]!r}.") from exc
        except (ValueError, InvalidOperation) as exc:
            raise ValueError(f"Cannot read the peak period {dict(record)!r}.") from exc
        weekdays = record.get("weekdays") or []
        if not isinstance(weekdays, list):
            raise ValueError("Expected weekdays to be a list of ISO weekdays (1 = Monday).")
        return cls(start=start, end=end, amount=amount, weekdays=tuple(weekdays))

    def to_record(self) -> dict[str, Any]:
        return {
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
            "weekdays": list(self.weekdays),
            "amount": str(self.amount),
        }

    def describe(self) -> str:
        """``17:00-19:00 Mon-Fri 1.00``: the form the admin edits."""
        return f"{self.start:%H:%M}-{self.end:%H:%M} {weekdays_text(self.weekdays)} {self.amount}"


def weekdays_text(weekdays: Sequence[int]) -> str:
    """``daily``, ``Mon-Fri``, ``Sat,Sun`` or ``Mon,Wed-Fri``."""
    days = sorted(set(weekdays))
    if not days or days == list(range(1, 8)):
        return "daily"
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        first, last = WEEKDAY_NAMES[run[0] - 1], WEEKDAY_NAMES[run[-1] - 1]
        parts.append(first if len(run) == 1 else f"{first}-{last}" if len(run) > 2 else f"{first},{last}")
    return ",".join(parts)


def _minutes(clock: dt.time) -> int:
    return clock.hour * 60 + clock.minute


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
# The retailer's objective (docs/incentives.md): ``RuleTerms`` fields of the same names.
OBJECTIVE_FIELDS = (
    "pricing_mode",
    "markup_mode",
    "markup",
    "basket_margin",
    "carbon_price_per_kg",
    "reference_price",
    "service_floor_price",
    "green_share_max",
)
# The rule set fields ``RuleTerms.from_rule_set`` reads, which together key its cache.
RULE_SET_FIELDS = (
    "version",
    "currency",
    *MONEY_TERMS,
    *RATIO_TERMS,
    "green_max_grams",
    "peak_surcharges",
    "free_delivery_threshold",
    "consolidation_by",
    "consolidation_radius_m",
    "consolidation_min_stops",
    *OBJECTIVE_FIELDS,
)
TERMS_CACHE_ENTRIES = 64


# RuleTerms by the content of the rule set they came from (see ``RuleTerms.from_rule_set``).
_terms_by_content: dict[tuple[str, ...], RuleTerms] = {}
_terms_lock = threading.Lock()


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
    peak_periods: tuple[PeakPeriod, ...] = ()
    free_delivery_threshold: Decimal | None = None
    consolidation_by: str = CONSOLIDATE_BY_KM
    consolidation_radius_m: int = 300
    consolidation_min_stops: int = 3
    # The retailer's objective. The defaults keep the pass-through price: a rule set opts in
    # with ``pricing_mode = PRICE_BY_THREE_COSTS`` (see ``pricing.cost_prices``).
    pricing_mode: str = PRICE_BY_PASSTHROUGH
    markup_mode: str = MARKUP_FIXED
    markup: Decimal = Decimal("0.00")
    basket_margin: Decimal = Decimal("0.00")
    carbon_price_per_kg: Decimal = Decimal("0.00")
    reference_price: Decimal | None = None
    service_floor_price: Decimal | None = None
    green_share_max: Decimal | None = None

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
        if any(not isinstance(period, PeakPeriod) for period in self.peak_periods):
            raise TypeError("Expected peak_periods to be PeakPeriod values.")
        if self.free_delivery_threshold is not None:
            _require_decimal("free_delivery_threshold", self.free_delivery_threshold, non_negative=True)
            _require_whole_cents("free_delivery_threshold", self.free_delivery_threshold)
        if self.consolidation_by not in CONSOLIDATION_MODES:
            raise ValueError(f"Expected consolidation_by in {CONSOLIDATION_MODES}.")
        _require_int("consolidation_radius_m", self.consolidation_radius_m, low=1, high=NEARBY_MAX_METRES)
        _require_int("consolidation_min_stops", self.consolidation_min_stops, low=1, high=NEARBY_MAX_STOPS)
        self._check_objective()

    def _check_objective(self) -> None:
        if self.pricing_mode not in PRICING_MODES:
            raise ValueError(f"Expected pricing_mode in {PRICING_MODES}.")
        if self.markup_mode not in MARKUP_MODES:
            raise ValueError(f"Expected markup_mode in {MARKUP_MODES}.")
        _require_decimal("markup", self.markup)
        _require_whole_cents("markup", self.markup)
        _require_decimal("basket_margin", self.basket_margin, non_negative=True)
        _require_whole_cents("basket_margin", self.basket_margin)
        _require_decimal("carbon_price_per_kg", self.carbon_price_per_kg, non_negative=True)
        for name in ("reference_price", "service_floor_price"):
            value = getattr(self, name)
            if value is not None:
                _require_decimal(name, value, non_negative=True)
                _require_whole_cents(name, value)
        if self.markup_mode == MARKUP_REVENUE_NEUTRAL and self.reference_price is None:
            raise ValueError("Expected a reference_price for the revenue-neutral markup.")
        if self.green_share_max is not None:
            _require_decimal("green_share_max", self.green_share_max)
            if not 0 <= self.green_share_max <= 1:
                raise ValueError("Expected 0 <= green_share_max <= 1.")

    @property
    def prices_by_three_costs(self) -> bool:
        return self.pricing_mode == PRICE_BY_THREE_COSTS

    @classmethod
    def from_rule_set(cls, rule_set: Any) -> RuleTerms:
        """The terms of a rule set (a ``pricing.models.IncentiveRuleSet``, saved or not, or anything
        with the ``RULE_SET_FIELDS`` it reads), shared by every rule set with the same terms.

        Terms are immutable values, so one instance per distinct content is kept in this process
        (with the pricing memo it carries, see ``window_memo``). The key is the ``repr`` of every
        field read, so any edit, even an unsaved draft in the preview, gets terms of its own, and a
        value of the wrong type (a float fee) is never served the terms of the right one.
        """
        key = tuple(repr(getattr(rule_set, name)) for name in RULE_SET_FIELDS)
        terms = _terms_by_content.get(key)
        if terms is None:
            terms = cls._from_rule_set(rule_set)
            with _terms_lock:
                if len(_terms_by_content) >= TERMS_CACHE_ENTRIES:
                    _terms_by_content.pop(next(iter(_terms_by_content)))
                _terms_by_content[key] = terms
        return terms

    @classmethod
    def _from_rule_set(cls, rule_set: Any) -> RuleTerms:
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
            peak_periods=tuple(PeakPeriod.from_record(r) for r in rule_set.peak_surcharges or ()),
            free_delivery_threshold=rule_set.free_delivery_threshold,
            consolidation_by=rule_set.consolidation_by,
            consolidation_radius_m=rule_set.consolidation_radius_m,
            consolidation_min_stops=rule_set.consolidation_min_stops,
            **{name: getattr(rule_set, name) for name in OBJECTIVE_FIELDS},
        )

    @cached_property
    def window_memo(self) -> WindowPriceMemo:
        """Sub-results of pricing under these terms, kept with them (``WindowPriceMemo``)."""
        return WindowPriceMemo(self)

    def nearby_stops(self, nearby_metres: Sequence[int]) -> int:
        """How many of the recorded booked stops lie within ``consolidation_radius_m`` (inclusive)."""
        radius = self.consolidation_radius_m
        return len([metres for metres in nearby_metres if metres <= radius])

    def consolidates(self, marginal_km: Decimal, nearby_stops: int | None = None) -> bool:
        """Whether a window's delivery joins stops already nearby.

        By marginal km: the insertion adds at most ``consolidation_max_km`` (inclusive); a slightly
        negative detour (integer-rounded road tables) is a detour of zero, not an error. By nearby
        stops: at least ``consolidation_min_stops`` booked stops whose windows overlap this one lie
        within ``consolidation_radius_m``; unknown (``None``) never consolidates.
        """
        if self.consolidation_by == CONSOLIDATE_BY_NEARBY:
            return nearby_stops is not None and nearby_stops >= self.consolidation_min_stops
        _require_decimal("marginal_km", marginal_km)
        return marginal_km <= self.consolidation_max_km

    def peak_surcharge(self, *, start: dt.datetime, end: dt.datetime) -> Decimal:
        """Surcharge for a window from ``start`` to ``end`` (aware, in the depot's local time).

        Each peak period running on the window's weekday adds its amount times the share of the
        window inside it: a one-hour window wholly inside a peak pays it all, a four-hour window with
        one peak hour a quarter, so a wide window (which the fleet can serve off-peak) is not
        penalised as if it were a peak slot. In cents, rounded half up.
        """
        window_minutes = _minutes(end.time()) - _minutes(start.time())
        if window_minutes <= 0 or not self.peak_periods:
            return Decimal("0.00")
        weekday = start.isoweekday()
        total = Decimal(0)
        for period in self.peak_periods:
            if period.runs_on(weekday):
                overlap = period.overlap_minutes(start.time(), end.time())
                total += period.amount * Decimal(overlap) / Decimal(window_minutes)
        return _cents(total)

    def free_delivery(self, basket_value: Decimal | None) -> bool:
        """Whether a basket worth ``basket_value`` (inclusive) earns free delivery; unknown never does."""
        if basket_value is None or self.free_delivery_threshold is None:
            return False
        _require_decimal("basket_value", basket_value, non_negative=True)
        return basket_value >= self.free_delivery_threshold


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

    # Cached: one WindowPrice serves many windows and offers (``WindowPriceMemo``), and is immutable.
    @cached_property
    def list_amount(self) -> Decimal:
        """The price before free delivery: what the window costs to serve, as the rules see it."""
        return self.amount - sum((ln.amount for ln in self.lines if ln.code == FREE_DELIVERY), Decimal(0))

    def breakdown(self) -> list[dict[str, str]]:
        """The lines as JSON-ready dicts; amounts are strings so no float ever carries them.

        Fresh dicts on every call, so a caller may change them without touching the cache.
        """
        return [dict(line) for line in self._breakdown]

    @cached_property
    def _breakdown(self) -> tuple[dict[str, str], ...]:
        return tuple(
            {"code": line.code, "label": line.label, "amount": str(line.amount)} for line in self.lines
        )


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
    *,
    terms: RuleTerms,
    marginal_cost: Decimal,
    window_hours: Decimal,
    marginal_km: Decimal,
    nearby_stops: int | None = None,
    peak_surcharge: Decimal = Decimal("0.00"),
    basket_value: Decimal | None = None,
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
        Vehicle-km the insertion adds, which decides whether the window consolidates (by km).
    nearby_stops
        Booked stops near the address whose windows overlap this one (by nearby stops).
    peak_surcharge
        From ``terms.peak_surcharge`` for the window's local start and end, in currency units.
    basket_value
        The shopper's basket, in currency units, for the free-delivery threshold; ``None`` if unknown.

    Returns
    -------
    WindowPrice
        Base fee + pass-through x marginal cost + peak surcharge - width discount - consolidation
        discount, clamped to [floor, cap], rounded half-up to a multiple of ``rounding_step`` and
        quantized to cents; then, for a basket at or above the free-delivery threshold, a
        ``free_delivery`` line brings the price to 0.00, below the floor: free delivery is the
        retailer's explicit promise, the floor only stops discounts from stacking too far. Every
        change (clamp, rounding, free delivery) is a line of its own, so the lines sum to the price.
    """
    _require_decimal("marginal_cost", marginal_cost)
    _require_decimal("peak_surcharge", peak_surcharge, non_negative=True)
    lines = [
        _line(BASE_FEE, _cents(terms.base_fee)),
        _line(ROUTE_COST, route_cost_line(terms=terms, marginal_cost=marginal_cost)),
    ]
    if peak_surcharge:
        lines.append(_line(PEAK_SURCHARGE, _cents(peak_surcharge)))
    width = width_discount(terms=terms, window_hours=window_hours)
    if width:
        lines.append(_line(WIDTH_DISCOUNT, -width))
    if terms.consolidates(marginal_km, nearby_stops) and terms.consolidation_discount:
        lines.append(_line(CONSOLIDATION_DISCOUNT, -_cents(terms.consolidation_discount)))

    amount = clamp_and_round(terms=terms, lines=lines)
    if amount and terms.free_delivery(basket_value):
        lines.append(_line(FREE_DELIVERY, -amount))
        amount = Decimal("0.00")
    return WindowPrice(amount=amount, currency=terms.currency, lines=tuple(lines))


def clamp_and_round(*, terms: RuleTerms, lines: list[PriceLine]) -> Decimal:
    """Clamp the sum of ``lines`` to [floor, cap] and round it (``_round_within_bounds``), appending a
    line for each change so that the lines still sum to the amount returned (currency units)."""
    subtotal = sum((line.amount for line in lines), Decimal(0))
    clamped = min(max(subtotal, terms.floor), terms.cap)
    if clamped > subtotal:
        lines.append(_line(FLOOR, clamped - subtotal))
    elif clamped < subtotal:
        lines.append(_line(CAP, clamped - subtotal))
    amount = _cents(_round_within_bounds(amount=clamped, terms=terms))
    if amount != clamped:
        lines.append(_line(ROUNDING, amount - clamped))
    return amount


def route_cost_line(*, terms: RuleTerms, marginal_cost: Decimal) -> Decimal:
    """The route cost line of a price: ``cost_passthrough`` x the marginal cost, in cents (half up)."""
    return _cents(terms.cost_passthrough * marginal_cost)


class WindowPriceMemo:
    """Sub-results of pricing windows under one ``RuleTerms``, kept for the life of the terms.

    An offer prices 160+ windows and every offer of a retailer uses the same terms, but its windows
    take few distinct values: a handful of (weekday, start, end) for the peak surcharge, a few
    widths, and prices in whole cents. Each entry is a pure function of the terms and its key, so
    it can never be stale; the sizes are bounded because route costs in cents are not.
    """

    MAX_PRICES = 20_000

    def __init__(self, terms: RuleTerms):
        self.terms = terms
        self._peaks: dict[tuple[int, dt.time, dt.time], Decimal] = {}
        self._widths: dict[Decimal, Decimal] = {}
        self._prices: dict[tuple[Decimal, Decimal, Decimal, bool, bool], WindowPrice] = {}
        # The three-cost price's cost lines by what they read (``pricing.cost_prices._cost_lines``).
        self.cost_lines: dict[tuple, object] = {}

    def peak_surcharge(self, *, start: dt.datetime, end: dt.datetime) -> Decimal:
        """``RuleTerms.peak_surcharge``, keyed on exactly what it reads: local weekday and clock times."""
        key = (start.isoweekday(), start.time(), end.time())
        peak = self._peaks.get(key)
        if peak is None:
            peak = self._peaks[key] = self.terms.peak_surcharge(start=start, end=end)
        return peak

    def width_discount(self, window_hours: Decimal) -> Decimal:
        width = self._widths.get(window_hours)
        if width is None:
            width = self._widths[window_hours] = width_discount(terms=self.terms, window_hours=window_hours)
        return width

    def window_price(
        self,
        *,
        marginal_cost: Decimal,
        window_hours: Decimal,
        marginal_km: Decimal,
        nearby_stops: int | None,
        consolidates: bool,
        peak_surcharge: Decimal,
        free_delivery: bool,
    ) -> WindowPrice:
        """``window_price`` under the memo's terms, for a basket that earns free delivery or not.

        ``consolidates`` is ``terms.consolidates(marginal_km, nearby_stops)`` and
        ``peak_surcharge`` comes from ``peak_surcharge`` above (callers have both at hand).
        ``window_price`` reads its inputs only through the parts of the key: the route cost line
        (cents), the peak surcharge (cents), the width discount, whether the window consolidates,
        and whether the basket earns free delivery. A miss prices the first window with that key;
        ``tests/pricing`` checks the equality on random windows.
        """
        _require_decimal("marginal_cost", marginal_cost)
        route_cost = route_cost_line(terms=self.terms, marginal_cost=marginal_cost)
        width = self.width_discount(window_hours)
        key = (route_cost, peak_surcharge, width, consolidates, free_delivery)
        price = self._prices.get(key)
        if price is None:
            if len(self._prices) >= self.MAX_PRICES:
                self._prices.clear()
            price = self._prices[key] = window_price(
                terms=self.terms,
                marginal_cost=marginal_cost,
                window_hours=window_hours,
                marginal_km=marginal_km,
                nearby_stops=nearby_stops,
                peak_surcharge=peak_surcharge,
                basket_value=self.terms.free_delivery_threshold if free_delivery else None,
            )
        return price
