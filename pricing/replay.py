"""What-if replay: re-price recorded demand under a draft and predict what shoppers would choose.

The computation, over recorded offers passed in; ``booking.services.rule_replay`` reads them from
the ``Offer`` and ``Booking`` rows and runs it.

Recorded demand is every offer kept in the period (``Offer.windows`` holds each window's marginal
cost, km, grams, width and nearby stops as the route plan saw them) and the choices made (bookings
made from those offers). Every recorded window is re-priced and re-labelled under the currently
published rules and under the draft, the same logit choice model (``pricing.choice``) predicts
each shopper's choice under both, and the expected revenue, orders, km and CO2e are added up.

Limits, on purpose: the route plan is not re-played (each window keeps the marginal cost and km it
had when offered, so interactions between the predicted orders are ignored); the model has no
time-of-day preference; and the recorded column is what really happened under whichever versions
were published at the time. Read the draft-vs-published change, not the levels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .calculation import CONSOLIDATED, GREEN, WIDE, RuleTerms
from .choice import DEFAULT_CHOICE_MODEL, ChoiceModel, offer_choice_shares
from .models import IncentiveRuleSet
from .widths import WIDTH_CLASSES, width_class
from .windows import WindowCost, price_windows

NO_PURCHASE = "no purchase"
TAKE_UP_LABELS = (GREEN, WIDE, CONSOLIDATED)


@dataclass(frozen=True)
class OfferPrediction:
    """The expected outcome of one shopper's offer under one rule set.

    ``probabilities`` has one entry per input window (0 when unavailable); money in the rules'
    currency, ``km`` vehicle-km and ``grams`` CO2e, all expectations (weighted by probability).
    """

    probabilities: tuple[float, ...]
    no_purchase: float
    revenue: float
    km: float
    grams: float
    by_width: dict[str, float]
    by_label: dict[str, float]
    cost: float = 0.0  # expected delivery cost: the chosen window's recorded marginal cost
    prices: tuple[Decimal | None, ...] = ()  # per input window, None when not on sale

    @property
    def orders(self) -> float:
        return 1.0 - self.no_purchase


def predict_offer(
    *,
    terms: RuleTerms,
    windows: Sequence[WindowCost],
    basket_value: Decimal | None = None,
    coefficients: ChoiceModel = DEFAULT_CHOICE_MODEL,
) -> OfferPrediction:
    """Price ``windows`` under ``terms`` and predict the shopper's choice (pure)."""
    priced = price_windows(terms=terms, windows=windows, basket_value=basket_value, choice=coefficients)
    offered = [i for i, window in enumerate(windows) if window.available]
    utilities = [
        coefficients.window_utility(
            price=priced[i].price.amount, hours=windows[i].hours, green=GREEN in priced[i].labels
        )
        for i in offered
    ]
    shares, none = offer_choice_shares(utilities, no_purchase=coefficients.no_purchase)
    probabilities = [0.0] * len(windows)
    revenue = km = grams = cost = 0.0
    by_width = dict.fromkeys(WIDTH_CLASSES, 0.0)
    by_label = dict.fromkeys(TAKE_UP_LABELS, 0.0)
    for i, share in zip(offered, shares, strict=True):
        probabilities[i] = share
        revenue += share * float(priced[i].price.amount)
        cost += share * float(delivery_cost(windows[i]))
        km += share * float(windows[i].marginal_km)
        grams += share * windows[i].grams
        by_width[width_class(windows[i].hours)] += share
        for label in priced[i].labels:
            if label in by_label:
                by_label[label] += share
    return OfferPrediction(
        probabilities=tuple(probabilities),
        no_purchase=none,
        revenue=revenue,
        km=km,
        grams=grams,
        by_width=by_width,
        by_label=by_label,
        cost=cost,
        prices=tuple(p.price.amount if p.price is not None else None for p in priced),
    )


def delivery_cost(window: WindowCost) -> Decimal:
    """What delivering in ``window`` costs, as the offer recorded it: the expected final marginal
    cost when the offer had it, else the marginal route cost (currency units)."""
    if window.expected_cost is not None:
        return window.expected_cost
    return window.marginal_cost or Decimal(0)


@dataclass
class ReplayTotals:
    """Outcomes summed over the replayed offers (expected values for a model arm)."""

    offers: int = 0
    orders: float = 0.0
    revenue: float = 0.0
    km: float = 0.0
    grams: float = 0.0
    cost: float = 0.0
    by_width: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys((*WIDTH_CLASSES, NO_PURCHASE), 0.0)
    )
    by_label: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TAKE_UP_LABELS, 0.0))

    def add(self, prediction: OfferPrediction) -> None:
        self.offers += 1
        self.orders += prediction.orders
        self.revenue += prediction.revenue
        self.cost += prediction.cost
        self.km += prediction.km
        self.grams += prediction.grams
        for name, value in prediction.by_width.items():
            self.by_width[name] += value
        self.by_width[NO_PURCHASE] += prediction.no_purchase
        for name, value in prediction.by_label.items():
            self.by_label[name] += value

    def _per_order(self, total: float) -> float | None:
        return total / self.orders if self.orders else None

    @property
    def conversion(self) -> float | None:
        return self.orders / self.offers if self.offers else None

    @property
    def revenue_per_order(self) -> float | None:
        return self._per_order(self.revenue)

    @property
    def km_per_order(self) -> float | None:
        return self._per_order(self.km)

    @property
    def grams_per_order(self) -> float | None:
        return self._per_order(self.grams)

    def profit(self, basket_margin: float) -> float:
        """Fees + ``basket_margin`` per order - delivery cost (currency units)."""
        return self.revenue + basket_margin * self.orders - self.cost

    def share_of_offers(self, name: str) -> float:
        """Share of the offers that end in ``name`` (a width class or ``no purchase``)."""
        return self.by_width[name] / self.offers if self.offers else 0.0

    def share_of_orders(self, label: str) -> float:
        return self.by_label[label] / self.orders if self.orders else 0.0


@dataclass(frozen=True)
class RecordedOffer:
    """One shopper's recorded offer: its depot, windows, basket, and the window booked (or None)."""

    depot_id: int
    windows: tuple[WindowCost, ...]
    basket_value: Decimal | None
    chosen: int | None = None
    paid: Decimal | None = None
    chosen_grams: int | None = None


@dataclass
class RecordedCheck:
    """What the recorded offers say, to explain a baseline that differs from them.

    Over the windows on sale of the replayed offers, at the published rules' prices: their mean
    price and marginal km (``offered_*``); over the booked windows: how many the published rules
    re-price to the price paid (``repriced_same`` of ``repriced``).
    """

    windows: int = 0
    offered_price: float = 0.0
    offered_km: float = 0.0
    repriced: int = 0
    repriced_same: int = 0

    @property
    def mean_offered_price(self) -> float | None:
        return self.offered_price / self.windows if self.windows else None

    @property
    def mean_offered_km(self) -> float | None:
        return self.offered_km / self.windows if self.windows else None


def replay_totals(
    *,
    offers: Iterable[RecordedOffer],
    published_terms: Callable[[int], RuleTerms | None],
    draft_terms: Callable[[int], RuleTerms | None],
    coefficients: ChoiceModel = DEFAULT_CHOICE_MODEL,
    check: RecordedCheck | None = None,
) -> tuple[ReplayTotals, ReplayTotals, ReplayTotals, int]:
    """Recorded, published-model and draft-model totals over ``offers`` (pure), and the number of
    offers skipped because no published rules price their depot. With ``check``, also fills it in."""
    recorded, published, draft = ReplayTotals(), ReplayTotals(), ReplayTotals()
    skipped = 0
    for offer in offers:
        pub_terms, draft_terms_ = published_terms(offer.depot_id), draft_terms(offer.depot_id)
        if pub_terms is None or draft_terms_ is None:
            skipped += 1
            continue
        baseline = predict_offer(
            terms=pub_terms,
            windows=offer.windows,
            basket_value=offer.basket_value,
            coefficients=coefficients,
        )
        published.add(baseline)
        if check is not None:
            _check_offer(check, offer, baseline.prices)
        draft.add(
            predict_offer(
                terms=draft_terms_,
                windows=offer.windows,
                basket_value=offer.basket_value,
                coefficients=coefficients,
            )
        )
        recorded.offers += 1
        if offer.chosen is None:
            recorded.by_width[NO_PURCHASE] += 1
            continue
        window = offer.windows[offer.chosen]
        recorded.orders += 1
        recorded.revenue += float(offer.paid or 0)
        recorded.cost += float(delivery_cost(window))
        recorded.km += float(window.marginal_km or 0)
        recorded.grams += offer.chosen_grams if offer.chosen_grams is not None else (window.grams or 0)
        recorded.by_width[width_class(window.hours)] += 1
    return recorded, published, draft, skipped


def _check_offer(check: RecordedCheck, offer: RecordedOffer, prices: Sequence[Decimal | None]) -> None:
    for window, price in zip(offer.windows, prices, strict=True):
        if window.available and price is not None:
            check.windows += 1
            check.offered_price += float(price)
            check.offered_km += float(window.marginal_km or 0)
    if offer.chosen is not None and offer.paid is not None:
        check.repriced += 1
        check.repriced_same += prices[offer.chosen] == offer.paid


@dataclass(frozen=True)
class ReplayMetric:
    name: str
    unit: str
    recorded: float | None
    published: float | None
    draft: float | None
    decimals: int = 2

    @property
    def change(self) -> float | None:
        if self.published is None or self.draft is None:
            return None
        return self.draft - self.published

    @property
    def change_pct(self) -> float | None:
        if self.change is None or not self.published:
            return None
        return 100 * self.change / self.published


@dataclass(frozen=True)
class ReplayReport:
    rule_set: IncentiveRuleSet
    since: dt.datetime
    until: dt.datetime
    published_versions: tuple[int, ...]
    recorded: ReplayTotals
    published: ReplayTotals
    draft: ReplayTotals
    skipped: int
    truncated: bool
    coefficients: ChoiceModel
    choice_source: str = "prior"  # "fitted" or "prior" (pricing.selectors.ChoiceModelInUse)
    choice_description: str = "the documented prior"
    basket_margin: float = 0.0  # per order, currency units: the draft's, applied to every column
    check: RecordedCheck = field(default_factory=RecordedCheck)

    @property
    def profit_basis(self) -> str:
        return (
            f"Profit = delivery fees + basket margin ({self.basket_margin:.2f} {self.rule_set.currency} per order,"
            f" v{self.rule_set.version}'s setting, the same in every column) - delivery cost. Delivery cost is"
            " each booked window's cost as its offer recorded it: the marginal route cost of inserting the order"
            " into the plan of that moment (driver time and vehicle distance), not re-planned."
        )

    @property
    def metrics(self) -> list[ReplayMetric]:
        r, p, d = self.recorded, self.published, self.draft
        margin, currency = self.basket_margin, self.rule_set.currency
        return [
            ReplayMetric("Offers replayed", "", r.offers, p.offers, d.offers, 0),
            ReplayMetric("Orders", "", r.orders, p.orders, d.orders, 1),
            ReplayMetric("Conversion", "%", _pct(r.conversion), _pct(p.conversion), _pct(d.conversion), 1),
            ReplayMetric("Revenue", self.rule_set.currency, r.revenue, p.revenue, d.revenue, 2),
            ReplayMetric(
                "Revenue per order",
                self.rule_set.currency,
                r.revenue_per_order,
                p.revenue_per_order,
                d.revenue_per_order,
                2,
            ),
            ReplayMetric("Marginal km per order", "km", r.km_per_order, p.km_per_order, d.km_per_order, 3),
            ReplayMetric(
                "Marginal CO₂e per order", "g", r.grams_per_order, p.grams_per_order, d.grams_per_order, 1
            ),
            ReplayMetric("Delivery cost", currency, r.cost, p.cost, d.cost, 2),
            ReplayMetric("Profit", currency, r.profit(margin), p.profit(margin), d.profit(margin), 2),
            ReplayMetric(
                "Profit per offer",
                currency,
                _per(r.profit(margin), r.offers),
                _per(p.profit(margin), p.offers),
                _per(d.profit(margin), d.offers),
                3,
            ),
        ]

    @property
    def baseline_gaps(self) -> list[BaselineGap]:
        """The published rules under the model against what was recorded under the same offers."""
        r, p = self.recorded, self.published
        return [
            BaselineGap("Orders", r.orders, p.orders),
            BaselineGap("Revenue", r.revenue, p.revenue),
            BaselineGap("Marginal km per order", r.km_per_order, p.km_per_order),
            BaselineGap("Marginal CO₂e per order", r.grams_per_order, p.grams_per_order),
        ]

    @property
    def baseline_agrees(self) -> bool:
        return all(gap.within_tolerance for gap in self.baseline_gaps)

    @property
    def baseline_misses(self) -> list[str]:
        """The names of the baseline metrics out of tolerance."""
        return [gap.name for gap in self.baseline_gaps if not gap.within_tolerance]

    @property
    def baseline_notes(self) -> list[str]:
        """Why the modelled baseline differs from the records, from the records themselves."""
        return baseline_notes(self)


BASELINE_TOLERANCE = 0.10  # relative gap between the modelled baseline and the records


@dataclass(frozen=True)
class BaselineGap:
    name: str
    recorded: float | None
    modelled: float | None

    @property
    def gap(self) -> float | None:
        if self.recorded is None or self.modelled is None or not self.recorded:
            return None
        return (self.modelled - self.recorded) / self.recorded

    @property
    def gap_pct(self) -> float | None:
        return None if self.gap is None else 100 * self.gap

    @property
    def within_tolerance(self) -> bool:
        gap = self.gap
        if gap is None:
            return self.recorded == self.modelled or not self.recorded
        return abs(gap) <= BASELINE_TOLERANCE


def baseline_notes(report: ReplayReport) -> list[str]:
    """Sentences that explain the baseline's gaps to the records, one per metric out of tolerance,
    after the re-pricing check (empty without recorded offers)."""
    r, p, check, model = report.recorded, report.published, report.check, report.coefficients
    if not r.offers:
        return []
    missed = {gap.name for gap in report.baseline_gaps if not gap.within_tolerance}
    notes = []
    if check.repriced:
        if check.repriced_same == check.repriced:
            notes.append(
                f"Prices: all {check.repriced} booked windows re-price to the price paid under the published"
                " rules, so the replay prices as the product did; any gap is in the choices."
            )
        else:
            notes.append(
                f"Prices: {check.repriced - check.repriced_same} of {check.repriced} booked windows re-price to"
                " another price under the published rules (they were offered under other versions or terms)."
            )
    if "Orders" in missed and r.conversion is not None and p.conversion is not None:
        text = (
            f"Conversion: shoppers booked from {100 * r.conversion:.0f} % of the recorded offers; the model"
            f" predicts {100 * p.conversion:.0f} % (no-purchase utility {model.no_purchase:+.2f})."
        )
        if r.conversion >= 0.99:
            text += (
                " Every recorded offer ended in a booking: these records hold only shoppers who bought (the"
                " demo loader's shoppers, for one), which a model with a no-purchase option cannot reproduce."
            )
        notes.append(text)
    offered_price, offered_km = check.mean_offered_price, check.mean_offered_km
    cheaper = (p.revenue_per_order or 0) < (r.revenue_per_order or 0)
    if (
        "Revenue" in missed
        and offered_price is not None
        and None not in (r.revenue_per_order, p.revenue_per_order)
    ):
        notes.append(
            f"Price: the windows on sale cost {offered_price:.2f} on average; recorded orders paid"
            f" {r.revenue_per_order:.2f}, the model's {p.revenue_per_order:.2f}: with {model.price_per_eur:+.2f}"
            " utility per unit of price the model's shoppers choose "
            + ("cheaper" if cheaper else "dearer")
            + " windows than the recorded shoppers did."
        )
    if (
        "Marginal km per order" in missed
        and offered_km is not None
        and None not in (r.km_per_order, p.km_per_order)
    ):
        notes.append(
            f"Km: the windows on sale add {offered_km:.2f} km on average, the booked ones {r.km_per_order:.2f},"
            f" the model's choices {p.km_per_order:.2f}. Every window keeps the km recorded when it was offered"
            " (no re-planning), so km per order differs only through the choices"
            + (
                ": the cheapest windows are those next to booked stops."
                if cheaper and p.km_per_order < r.km_per_order
                else "."
            )
        )
    if "Marginal CO₂e per order" in missed and None not in (r.grams_per_order, p.grams_per_order):
        notes.append(
            f"CO₂e: booked windows added {r.grams_per_order:.0f} g per order, the model's choices"
            f" {p.grams_per_order:.0f} g. The model knows a window's price, width and label, not its hour,"
            " and which vehicle serves a window (hence its grams) depends on the hour: the model's choices"
            " follow the recorded grams only as far as price, width and label predict them."
        )
    if missed and report.choice_source == "prior":
        notes.append(
            "The baseline uses the documented prior choice model, not one fitted to these shoppers; with"
            " enough records, python manage.py fit_choice fits one, which reproduces the recorded conversion"
            " and revenue over the period it was fitted on."
        )
    return notes


def _per(total: float, count: float) -> float | None:
    return total / count if count else None


def _pct(value: float | None) -> float | None:
    return None if value is None else 100 * value
