"""Prices from a window's three costs and the retailer's objective: pure, in ``Decimal``.

For every window on sale in one offer::

    price = markup + expected cost + displacement - basket margin + carbon
            + peak surcharge - width discount - consolidation discount

clamped to [floor, cap], rounded half-up to ``rounding_step``; then the service floor (the cheapest
window of each day at most ``service_floor_price``) and free delivery. Every step is a line of the
breakdown and the lines sum to the price.

- *expected cost*: what the order will add to the day's final routes (``fleet.window_costs``),
  times ``terms.cost_passthrough`` (1 by default; below 1 shrinks an uncertain estimate towards the
  markup);
- *displacement*: the value of the capacity it uses to later shoppers (``pricing.bid_prices``);
- *basket margin*: what the retailer earns on the basket before delivery (``terms.basket_margin``),
  subtracted because an order brings it;
- *carbon*: marginal grams CO2e x the retailer's carbon price ``terms.carbon_price_per_kg``.

The markup is one amount for every window of the offer: under a multinomial-logit shopper the
profit-maximising prices have equal markups over cost (so price gaps equal cost gaps), and the
markup solves ``m = 1 / (|beta| x P0(m))`` with ``beta`` the price coefficient and ``P0`` the
no-purchase probability at those prices (``MARKUP_LOGIT``). ``MARKUP_FIXED`` uses ``terms.markup``;
``MARKUP_REVENUE_NEUTRAL`` sets the markup so the mean price shoppers are expected to *pay* equals
``terms.reference_price`` (the flat fee the retailer charged before): each window weighted by the
chance that a buying shopper picks it under the choice model (nested by day; price, width and how
many days later than the offer's first day it is). Shoppers pay the same on average and only the gaps between
windows change. (Holding the mean *offered* price instead lets the mean paid price fall below the
reference, because shoppers pick the cheap windows: the gaps would then be a discount.)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from .calculation import (
    BASKET_MARGIN,
    CARBON,
    CONSOLIDATION_DISCOUNT,
    DISPLACEMENT,
    EXPECTED_COST,
    FREE_DELIVERY,
    MARKUP,
    MARKUP_LOGIT,
    MARKUP_REVENUE_NEUTRAL,
    PEAK_SURCHARGE,
    SERVICE_FLOOR,
    WIDTH_DISCOUNT,
    PriceLine,
    RuleTerms,
    WindowPrice,
    _cents,
    _line,
    _require_decimal,
    clamp_and_round,
    width_discount,
)
from .choice import DEFAULT_CHOICE_MODEL, ChoiceModel

CENT = Decimal("0.01")
GRAMS_PER_KG = Decimal(1000)
# The logit markup is searched within these bounds (currency units).
MARKUP_LIMITS = (Decimal("-50.00"), Decimal("50.00"))
COST_LINES_MEMO = 20_000


@dataclass(frozen=True)
class WindowCosts:
    """One window of an offer as the three-cost price reads it.

    ``expected_cost`` and ``displacement_cost`` are currency units (``Decimal``); ``grams`` the
    marginal CO2e in grams; ``window_hours`` the width in hours; ``peak_surcharge`` from
    ``RuleTerms.peak_surcharge`` (currency units); ``consolidates`` from ``RuleTerms.consolidates``;
    ``day_key`` groups the windows of one delivery day (for the service floor).
    """

    available: bool
    day_key: Hashable
    window_hours: Decimal
    expected_cost: Decimal = Decimal(0)
    displacement_cost: Decimal = Decimal(0)
    grams: int = 0
    peak_surcharge: Decimal = Decimal("0.00")
    consolidates: bool = False

    def __post_init__(self) -> None:
        if self.available:
            _require_decimal("expected_cost", self.expected_cost)
            _require_decimal("displacement_cost", self.displacement_cost, non_negative=True)
            _require_decimal("peak_surcharge", self.peak_surcharge, non_negative=True)
            _require_decimal("window_hours", self.window_hours)


def carbon_cost(*, grams: int, carbon_price_per_kg: Decimal) -> Decimal:
    """The external cost of ``grams`` CO2e at ``carbon_price_per_kg`` (currency per kg), in cents."""
    _require_decimal("carbon_price_per_kg", carbon_price_per_kg, non_negative=True)
    return _cents(Decimal(int(grams)) / GRAMS_PER_KG * carbon_price_per_kg)


def logit_markup(*, price_per_eur: float, no_purchase_share: float) -> Decimal:
    """``1 / (|beta| x P0)``: the equal markup that maximises expected profit under a
    multinomial logit with price coefficient ``beta`` (per currency unit) and no-purchase
    probability ``P0`` at the optimum, in currency units (cents)."""
    if price_per_eur >= 0:
        raise ValueError("Expected a negative price coefficient.")
    if not 0 < no_purchase_share <= 1:
        raise ValueError("Expected 0 < no_purchase_share <= 1.")
    return Decimal(str(1.0 / (-price_per_eur * no_purchase_share))).quantize(CENT, ROUND_HALF_UP)


def logit_optimal_markup(
    *, costs: Sequence[float], other_utility: Sequence[float], choice: ChoiceModel = DEFAULT_CHOICE_MODEL
) -> Decimal:
    """Solve ``m = 1 / (|beta| x P0(m))`` for one offer (flat logit over its windows).

    ``costs`` are each window's cost to the retailer (currency units, basket margin subtracted);
    ``other_utility`` each window's utility apart from price. The right-hand side falls as ``m``
    rises (shoppers leave, P0 grows), so the root is unique; it is found by bisection.
    """
    beta = choice.price_per_eur
    if beta >= 0:
        raise ValueError("Expected a negative price coefficient.")
    if not costs:
        return Decimal("0.00")

    def gap(markup: float) -> float:
        values = [beta * (c + markup) + u for c, u in zip(costs, other_utility, strict=True)]
        values.append(choice.no_purchase)
        top = max(values)
        weights = [math.exp(v - top) for v in values]
        p0 = weights[-1] / sum(weights)
        return markup - 1.0 / (-beta * max(p0, 1e-12))

    low, high = float(MARKUP_LIMITS[0]), float(MARKUP_LIMITS[1])
    if gap(high) < 0:
        return MARKUP_LIMITS[1]
    for _ in range(60):
        middle = (low + high) / 2
        if gap(middle) < 0:
            low = middle
        else:
            high = middle
    return Decimal(str(high)).quantize(CENT, ROUND_HALF_UP)


def revenue_neutral_markup(
    *,
    terms: RuleTerms,
    subtotals: Sequence[Decimal],
    reference: Decimal,
    other_utility: Sequence[float] | None = None,
    price_per_eur: float = DEFAULT_CHOICE_MODEL.price_per_eur,
    nests: Sequence[Hashable] | None = None,
    nest_scale: float = 1.0,
) -> Decimal:
    """The markup (cents) whose expected mean *paid* price is closest to ``reference`` without
    exceeding it.

    ``subtotals`` are the windows' prices before markup and clamp; ``other_utility`` each window's
    utility apart from price. A buying shopper picks among the windows by the nested logit of
    ``pricing.choice`` (``nests``: each window's nest, its delivery day; ``nest_scale``: lambda;
    one nest for all and lambda 1 is the flat logit) with utility ``price_per_eur x p_j +
    other_utility_j``; the mean paid price is the mean of the clamped prices ``p_j =
    clamp(subtotal_j + markup, floor, cap)`` weighted by those choice shares. Without
    ``other_utility`` every window weighs the same (the mean *offered* price). The service floor
    is not counted: it is a discount on top (counting it would push a day's other windows to the
    cap, as the floored window takes most buyers).

    While no price is clamped the mean paid price is ``markup + the weighted mean subtotal`` (adding
    the markup to every utility leaves the shares of a buying shopper unchanged), so the answer is
    read off directly; when the floor or the cap binds, a bisection on whole cents finds the largest
    markup whose mean is at most ``reference`` (rounding moves each price by less than half a step
    either way).
    """
    if not subtotals:
        return Decimal("0.00")
    if price_per_eur >= 0:
        raise ValueError("Expected a negative price coefficient.")
    if not 0 < nest_scale <= 1:
        raise ValueError("Expected 0 < nest_scale <= 1.")
    base = np.array([float(s) for s in subtotals])
    utility = np.zeros(len(base)) if other_utility is None else np.asarray(other_utility, dtype=np.float64)
    if utility.shape != base.shape:
        raise ValueError("Expected one utility per subtotal.")
    beta = 0.0 if other_utility is None else float(price_per_eur)
    labels = [0] * len(base) if nests is None else list(nests)
    index = {nest: n for n, nest in enumerate(dict.fromkeys(labels))}
    nest_of = np.array([index[nest] for nest in labels], dtype=np.int64)
    floor, cap, target = float(terms.floor), float(terms.cap), float(reference)

    def shares(prices: np.ndarray) -> np.ndarray:
        z = (beta * prices + utility) / nest_scale
        w = np.exp(z - z.max())
        inner = np.bincount(nest_of, weights=w)  # per nest: sum of exp(V / lambda), scaled
        nest_weight = inner**nest_scale  # exp(lambda x inclusive value), scaled alike
        return nest_weight[nest_of] / nest_weight.sum() * w / inner[nest_of]

    def mean_paid(markup_cents: int) -> float:
        prices = np.clip(base + markup_cents / 100, floor, cap)
        return float((shares(prices) * prices).sum())

    direct = math.floor(round((target - float((shares(base) * base).sum())) * 100, 6))
    prices = base + direct / 100
    if prices.min() >= floor and prices.max() <= cap:
        return Decimal(direct) * CENT
    low = int(math.floor((floor - base.max()) * 100)) - 1
    high = int(math.ceil((cap - base.min()) * 100)) + 1
    if mean_paid(high) <= target + 1e-9:
        return Decimal(high) * CENT
    if mean_paid(low) > target + 1e-9:
        return Decimal(low) * CENT
    while high - low > 1:  # mean_paid(low) <= target < mean_paid(high)
        middle = (low + high) // 2
        if mean_paid(middle) <= target + 1e-9:
            low = middle
        else:
            high = middle
    return Decimal(low) * CENT


@dataclass(frozen=True)
class _CostLines:
    """A window's cost lines, their sum, and its price under each markup met so far (memoised)."""

    lines: tuple[PriceLine, ...]
    subtotal: Decimal
    priced: dict = field(default_factory=dict, compare=False)

    def price(self, terms: RuleTerms, markup: Decimal) -> WindowPrice:
        """Markup line + cost lines, clamped and rounded (``clamp_and_round``)."""
        price = self.priced.get(markup)
        if price is None:
            if len(self.priced) >= 64:
                self.priced.clear()
            lines = [_line(MARKUP, markup), *self.lines]
            amount = clamp_and_round(terms=terms, lines=lines)
            price = self.priced[markup] = WindowPrice(
                amount=amount, currency=terms.currency, lines=tuple(lines)
            )
        return price


def _cost_lines(terms: RuleTerms, window: WindowCosts) -> _CostLines:
    """The cost lines of one window, memoised per terms on what they read (in cents): an offer has
    100+ windows and a retailer's offers share few distinct lines."""
    carbon = carbon_cost(grams=window.grams, carbon_price_per_kg=terms.carbon_price_per_kg)
    key = (
        _cents(terms.cost_passthrough * window.expected_cost),
        _cents(window.displacement_cost),
        carbon,
        window.peak_surcharge,
        window.window_hours,
        window.consolidates,
    )
    memo = terms.window_memo.cost_lines
    lines = memo.get(key)
    if lines is None:
        if len(memo) >= COST_LINES_MEMO:
            memo.clear()
        lines = tuple(_cost_lines_of(terms, *key))
        lines = memo[key] = _CostLines(lines=lines, subtotal=sum((line.amount for line in lines), Decimal(0)))
    return lines


def _cost_lines_of(
    terms: RuleTerms,
    expected: Decimal,
    displacement: Decimal,
    carbon: Decimal,
    peak: Decimal,
    hours: Decimal,
    consolidates: bool,
) -> list[PriceLine]:
    lines = [
        _line(EXPECTED_COST, expected),
        _line(DISPLACEMENT, displacement),
    ]
    if terms.basket_margin:
        lines.append(_line(BASKET_MARGIN, -_cents(terms.basket_margin)))
    if carbon:
        lines.append(_line(CARBON, carbon))
    if peak:
        lines.append(_line(PEAK_SURCHARGE, _cents(peak)))
    width = width_discount(terms=terms, window_hours=hours)
    if width:
        lines.append(_line(WIDTH_DISCOUNT, -width))
    if consolidates and terms.consolidation_discount:
        lines.append(_line(CONSOLIDATION_DISCOUNT, -_cents(terms.consolidation_discount)))
    return lines


def offer_markup(
    *,
    terms: RuleTerms,
    windows: Sequence[WindowCosts],
    subtotals: Sequence[Decimal],
    choice: ChoiceModel = DEFAULT_CHOICE_MODEL,
) -> Decimal:
    """The one markup of an offer under ``terms.markup_mode`` (currency units, cents).

    ``subtotals`` are the available windows' cost lines summed (``price_offer_by_costs`` has them).
    """
    on_sale = [w for w in windows if w.available]
    if terms.markup_mode == MARKUP_REVENUE_NEUTRAL:
        return revenue_neutral_markup(
            terms=terms,
            subtotals=subtotals,
            reference=terms.reference_price,
            other_utility=_other_utility(on_sale, choice),
            price_per_eur=choice.price_per_eur,
            nests=[w.day_key for w in on_sale],
            nest_scale=choice.nest_scale,
        )
    if terms.markup_mode == MARKUP_LOGIT:
        return logit_optimal_markup(
            costs=[float(s) for s in subtotals],
            other_utility=_other_utility(on_sale, choice),
            choice=choice,
        )
    return terms.markup


def _other_utility(on_sale: Sequence[WindowCosts], choice: ChoiceModel) -> list[float]:
    """Each window's utility apart from price: its width, and each day after the offer's first
    costs ``per_day_later`` (day keys sort by date)."""
    rank = {day: n for n, day in enumerate(sorted({w.day_key for w in on_sale}))}
    return [choice.width(w.window_hours) + choice.per_day_later * rank[w.day_key] for w in on_sale]


def price_offer_by_costs(
    *,
    terms: RuleTerms,
    windows: Sequence[WindowCosts],
    basket_value: Decimal | None = None,
    choice: ChoiceModel = DEFAULT_CHOICE_MODEL,
) -> list[WindowPrice | None]:
    """Price every window of one offer from its three costs (see the module docstring), in the input
    order; ``None`` for a window not on sale.

    ``choice`` is the shopper model the logit markup assumes (the fitted one when there is enough
    data, the documented prior otherwise).

    An offer's windows take few distinct price inputs, and ``price_windows`` passes the windows that
    share them as one ``WindowCosts`` object: each such object's cost lines are summed, and its
    price under the offer's markup made, once. The markup itself weighs every window.
    """
    on_sale = [k for k, window in enumerate(windows) if window.available]
    # By the identity of a window's WindowCosts, for this call only (the objects live in ``windows``).
    lines_of: dict[int, _CostLines] = {}
    cost_lines = []
    for k in on_sale:
        window = windows[k]
        lines = lines_of.get(id(window))
        if lines is None:
            lines = lines_of[id(window)] = _cost_lines(terms, window)
        cost_lines.append(lines)
    subtotals = [lines.subtotal for lines in cost_lines]
    markup = offer_markup(terms=terms, windows=windows, subtotals=subtotals, choice=choice)

    prices: list[WindowPrice | None] = [None] * len(windows)
    for k, lines in zip(on_sale, cost_lines, strict=True):
        prices[k] = lines.price(terms, markup)
    free = terms.free_delivery(basket_value) if on_sale else False
    if terms.service_floor_price is None and not free:
        return prices

    floored: dict[int, WindowPrice] = {}
    if terms.service_floor_price is not None:
        cheapest: dict[Hashable, int] = {}
        for k in on_sale:
            day = windows[k].day_key
            if day not in cheapest or prices[k].amount < prices[cheapest[day]].amount:
                cheapest[day] = k
        for k in cheapest.values():
            amount = prices[k].amount
            if amount > terms.service_floor_price:
                lines = (*prices[k].lines, _line(SERVICE_FLOOR, terms.service_floor_price - amount))
                floored[k] = WindowPrice(
                    amount=terms.service_floor_price, currency=terms.currency, lines=lines
                )
    if not free:
        for k, price in floored.items():
            prices[k] = price
        return prices

    # Free delivery: one free price per distinct price of the offer (by identity, for this call).
    free_of: dict[int, WindowPrice] = {}
    for k in on_sale:
        price = floored.get(k)
        if price is not None:
            prices[k] = _free_delivery(terms, price)
            continue
        price = prices[k]
        found = free_of.get(id(price))
        if found is None:
            found = free_of[id(price)] = _free_delivery(terms, price)
        prices[k] = found
    return prices


def _free_delivery(terms: RuleTerms, price: WindowPrice) -> WindowPrice:
    """``price`` brought to 0.00 by a free delivery line (as it is when it is 0.00 already)."""
    if not price.amount:
        return price
    lines = (*price.lines, _line(FREE_DELIVERY, -price.amount))
    return WindowPrice(amount=Decimal("0.00"), currency=terms.currency, lines=lines)
