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
    priced = price_windows(terms=terms, windows=windows, basket_value=basket_value)
    offered = [i for i, window in enumerate(windows) if window.available]
    utilities = [
        coefficients.window_utility(
            price=priced[i].price.amount, hours=windows[i].hours, green=GREEN in priced[i].labels
        )
        for i in offered
    ]
    shares, none = offer_choice_shares(utilities, no_purchase=coefficients.no_purchase)
    probabilities = [0.0] * len(windows)
    revenue = km = grams = 0.0
    by_width = dict.fromkeys(WIDTH_CLASSES, 0.0)
    by_label = dict.fromkeys(TAKE_UP_LABELS, 0.0)
    for i, share in zip(offered, shares, strict=True):
        probabilities[i] = share
        revenue += share * float(priced[i].price.amount)
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
    )


@dataclass
class ReplayTotals:
    """Outcomes summed over the replayed offers (expected values for a model arm)."""

    offers: int = 0
    orders: float = 0.0
    revenue: float = 0.0
    km: float = 0.0
    grams: float = 0.0
    by_width: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys((*WIDTH_CLASSES, NO_PURCHASE), 0.0)
    )
    by_label: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TAKE_UP_LABELS, 0.0))

    def add(self, prediction: OfferPrediction) -> None:
        self.offers += 1
        self.orders += prediction.orders
        self.revenue += prediction.revenue
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


def replay_totals(
    *,
    offers: Iterable[RecordedOffer],
    published_terms: Callable[[int], RuleTerms | None],
    draft_terms: Callable[[int], RuleTerms | None],
    coefficients: ChoiceModel = DEFAULT_CHOICE_MODEL,
) -> tuple[ReplayTotals, ReplayTotals, ReplayTotals, int]:
    """Recorded, published-model and draft-model totals over ``offers`` (pure), and the number of
    offers skipped because no published rules price their depot."""
    recorded, published, draft = ReplayTotals(), ReplayTotals(), ReplayTotals()
    skipped = 0
    for offer in offers:
        pub_terms, draft_terms_ = published_terms(offer.depot_id), draft_terms(offer.depot_id)
        if pub_terms is None or draft_terms_ is None:
            skipped += 1
            continue
        published.add(
            predict_offer(
                terms=pub_terms,
                windows=offer.windows,
                basket_value=offer.basket_value,
                coefficients=coefficients,
            )
        )
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
        recorded.km += float(window.marginal_km or 0)
        recorded.grams += offer.chosen_grams if offer.chosen_grams is not None else (window.grams or 0)
        recorded.by_width[width_class(window.hours)] += 1
    return recorded, published, draft, skipped


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

    @property
    def metrics(self) -> list[ReplayMetric]:
        r, p, d = self.recorded, self.published, self.draft
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
        ]


def _pct(value: float | None) -> float | None:
    return None if value is None else 100 * value
