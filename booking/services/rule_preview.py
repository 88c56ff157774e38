"""The rules admin's live preview: the offer an example order gets under the published rules and
under a draft, side by side. Evaluates the route plans once, prices twice, records nothing.

Booking's, not pricing's: it evaluates an offer (``booking.services.offers``) and reads recorded
offers, and pricing sits below booking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from shapely.geometry import shape

from fleet.models import Depot, ServiceZone
from pricing.calculation import RuleTerms
from pricing.models import IncentiveRuleSet
from pricing.selectors import choice_model_for_retailer, rule_set_for_depot
from pricing.validation import terms_problems
from pricing.widths import window_hours
from pricing.windows import PricedWindow, price_windows

from ..models import Offer
from .offer_costs import costed_windows
from .offers import offer_evaluate, offer_request_validate


@dataclass(frozen=True)
class PreviewRow:
    """One window of the example offer, priced both ways (``None`` when not available)."""

    date: dt.date
    start: dt.datetime
    end: dt.datetime
    available: bool
    reason: str
    grams: int | None
    marginal_km: Decimal | None
    nearby_stops: tuple[int, ...]
    published: PricedWindow | None
    draft: PricedWindow
    expected_cost: Decimal | None = None
    displaced_orders: Decimal | None = None

    @property
    def delta(self) -> Decimal | None:
        if not self.available or self.published is None:
            return None
        return self.draft.price.amount - self.published.price.amount

    @property
    def hours(self) -> Decimal:
        # Real elapsed hours (``pricing.widths``): subtracting two datetimes of one time zone gives
        # wall-clock time, an hour off across a clock change.
        return window_hours(start=self.start, end=self.end)


@dataclass(frozen=True)
class ArmSummary:
    """What a shopper would see under one rule version, in a few numbers."""

    available: int
    cheapest: Decimal | None
    mean: Decimal | None
    free: int
    labels: dict[str, int]


def arm_summary(priced: list[PricedWindow]) -> ArmSummary:
    prices = [p.price.amount for p in priced if p.price is not None]
    labels: dict[str, int] = {}
    for p in priced:
        for label in p.labels:
            labels[label] = labels.get(label, 0) + 1
    return ArmSummary(
        available=len(prices),
        cheapest=min(prices) if prices else None,
        mean=(sum(prices, Decimal(0)) / len(prices)).quantize(Decimal("0.01")) if prices else None,
        free=sum(1 for p in priced if p.price is not None and p.price.amount == 0),
        labels=labels,
    )


@dataclass(frozen=True)
class OfferPreview:
    depot: Depot
    published: IncentiveRuleSet | None
    rows: tuple[PreviewRow, ...]
    published_summary: ArmSummary | None
    draft_summary: ArmSummary
    problems: tuple[str, ...]
    scope_note: str


def offer_preview(
    *,
    draft: IncentiveRuleSet,
    lat: float,
    lon: float,
    size_units: int,
    service_minutes: int,
    from_date: dt.date,
    days: int,
    basket_value: Decimal | None,
    now: dt.datetime,
) -> OfferPreview:
    """Price the example order under ``draft`` (unsaved edits welcome) and the published rules.

    The published side is what ``offer_create`` would use at the address's depot right now. Raises
    the offer errors (``outside_service_area``, ``date_in_past``, ...) as ``GreenslotError``.
    """
    request = offer_request_validate(
        lat=lat,
        lon=lon,
        size_units=size_units,
        service_minutes=service_minutes,
        from_date=from_date,
        days=days,
        now=now,
    )
    draft_terms = RuleTerms.from_rule_set(draft)
    published = rule_set_for_depot(retailer=draft.retailer, depot=request.depot)
    published_terms = RuleTerms.from_rule_set(published) if published is not None else None
    three_costs = draft_terms.prices_by_three_costs or bool(
        published_terms and published_terms.prices_by_three_costs
    )
    raw_days, _ = offer_evaluate(request=request, now=now, three_costs=three_costs)
    windows = [w for _, day in raw_days for w in day]
    # The shopper model the markups assume, as offers do: the retailer's fit, else the prior.
    choice = choice_model_for_retailer(retailer_id=draft.retailer_id).model
    draft_priced = price_windows(
        terms=draft_terms,
        windows=costed_windows(windows, terms=draft_terms),
        basket_value=basket_value,
        choice=choice,
    )
    published_priced = (
        price_windows(
            terms=published_terms,
            windows=costed_windows(windows, terms=published_terms),
            basket_value=basket_value,
            choice=choice,
        )
        if published_terms is not None
        else [None] * len(windows)
    )
    rows = tuple(
        PreviewRow(
            date=w.date,
            start=w.start,
            end=w.end,
            available=w.available,
            reason=w.reason,
            grams=w.co2e_grams,
            marginal_km=w.marginal_km,
            nearby_stops=w.nearby_metres,
            published=pub,
            draft=dra,
            expected_cost=w.expected_cost,
            displaced_orders=w.displaced_orders,
        )
        for w, pub, dra in zip(windows, published_priced, draft_priced, strict=True)
    )
    scope_note = ""
    if draft.depot_id and draft.depot_id != request.depot.pk:
        scope_note = (
            f"This draft is for {draft.depot.name}; the address is served by {request.depot.name}, "
            "where the draft would not apply once published."
        )
    elif draft.depot_id is None and published is not None and published.depot_id:
        scope_note = (
            f"{request.depot.name} has rules of its own (version {published.version}); this retailer-wide "
            "draft would not apply there once published."
        )
    return OfferPreview(
        depot=request.depot,
        published=published,
        rows=rows,
        published_summary=arm_summary(published_priced) if published is not None else None,
        draft_summary=arm_summary(draft_priced),
        problems=tuple(terms_problems(draft_terms)),
        scope_note=scope_note,
    )


def preview_addresses(*, retailer, depot: Depot | None = None, recent: int = 8) -> list[tuple[str, str]]:
    """Example addresses for the preview, as ``("lat,lon", label)``: a point inside each active
    service zone, then the retailer's most recent distinct offer addresses."""
    choices: list[tuple[str, str]] = []
    seen: set[tuple[float, float]] = set()

    def add(lat: float, lon: float, label: str) -> None:
        key = (round(lat, 4), round(lon, 4))
        if key not in seen:
            seen.add(key)
            choices.append((f"{key[0]},{key[1]}", label))

    zones = ServiceZone.objects.filter(is_active=True).select_related("depot").order_by("depot__code", "name")
    if depot is not None:
        zones = zones.filter(depot=depot)
    for zone in zones:
        point = shape(zone.polygon).representative_point()
        add(point.y, point.x, f"Inside {zone.name} ({zone.depot.code})")
    offers = (
        Offer.objects.filter(retailer=retailer).order_by("-created_at").values_list("lat", "lon", "address")
    )
    if depot is not None:
        offers = offers.filter(depot=depot)
    for lat, lon, address in offers[: recent * 5]:
        if len(choices) >= recent + len(zones):
            break
        label = (address or {}).get("label") or (address or {}).get("line1") or "Recent shopper"
        add(lat, lon, f"{label} ({lat:.4f}, {lon:.4f})")
    return choices
