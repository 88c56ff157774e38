"""Offers: every window of the horizon for one address, feasible or with the reason it is not."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.utils import timezone

from emissions.calculation import marginal_grams
from fleet.adapter import CompiledPlan, local_moment, marginal_cost, plan_cache, travel_backend_guard
from fleet.models import Depot, VehicleType
from fleet.selectors import depot_days_in_range, depot_for_point
from greenslot.errors import InvalidInput, Unprocessable
from pricing.calculation import RuleTerms, WindowPrice
from pricing.consolidation import nearby_metres_by_window
from pricing.models import IncentiveRuleSet
from pricing.selectors import rule_set_for_offer
from pricing.windows import WindowCost, price_windows
from routing.insertion import evaluate_insertion

from ..models import Offer, Retailer, WindowTemplate
from ..quotes import Quote, quote_sign

# Reasons a window is not sold, in the words the API uses.
REASON_CUTOFF = "cutoff_passed"
REASON_NO_SHIFT = "no_shift"
REASON_FULL = "full"

MAX_SERVICE_MINUTES = 240
MAX_SIZE_UNITS = 100_000


@dataclass(frozen=True)
class ParcelInput:
    size_units: int
    service_minutes: int


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

    @property
    def hours(self) -> Decimal:
        return Decimal((self.end - self.start).total_seconds()) / Decimal(3600)

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
        )

    @property
    def width_name(self) -> str:
        hours = float(self.hours)
        if hours >= 8:
            return "all day"
        return f"{hours:g} h"


@dataclass(frozen=True)
class DayOffer:
    date: dt.date
    windows: tuple[WindowOffer, ...]


@dataclass(frozen=True)
class OfferResult:
    offer: Offer
    depot: Depot
    days: tuple[DayOffer, ...]
    rule_version: int
    cells: int = field(default=0, compare=False)


def validate_point(*, lat: object, lon: object) -> tuple[float, float]:
    try:
        lat_f, lon_f = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InvalidInput("invalid_coordinates", "Latitude and longitude must be numbers.") from exc
    if isinstance(lat, bool) or isinstance(lon, bool) or not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        raise InvalidInput("invalid_coordinates", "Latitude and longitude must be finite numbers.")
    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        raise InvalidInput(
            "invalid_coordinates",
            "Latitude must be within [-90, 90] and longitude within [-180, 180].",
            details={"lat": lat_f, "lon": lon_f},
        )
    return lat_f, lon_f


def validate_parcel(*, size_units: object, service_minutes: object) -> ParcelInput:
    for name, value, upper in (
        ("size_units", size_units, MAX_SIZE_UNITS),
        ("service_minutes", service_minutes, MAX_SERVICE_MINUTES),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput("invalid_parcel", f"{name} must be a whole number.", details={"field": name})
        if not 1 <= value <= upper:
            raise InvalidInput(
                "invalid_parcel",
                f"{name} must be between 1 and {upper}.",
                details={"field": name, "value": value},
            )
    return ParcelInput(size_units=int(size_units), service_minutes=int(service_minutes))  # type: ignore[arg-type]


def published_rules(*, retailer: Retailer, depot: Depot) -> IncentiveRuleSet:
    """The depot's own published rules, else the retailer-wide ones (409 if neither)."""
    return rule_set_for_offer(retailer=retailer, depot=depot)


def validate_basket(basket_value: Decimal | None) -> Decimal | None:
    """The basket value, checked: a non-negative ``Decimal`` in whole cents, or ``None``.

    A programming error otherwise (``TypeError``/``ValueError``): callers parse shopper input first.
    """
    if basket_value is None:
        return None
    if not isinstance(basket_value, Decimal) or not basket_value.is_finite():
        raise TypeError("Expected basket_value to be a finite Decimal.")
    if basket_value < 0 or basket_value != basket_value.quantize(Decimal("0.01")):
        raise ValueError("Expected basket_value >= 0 in whole cents.")
    return basket_value


def largest_capacity(*, depot: Depot) -> int:
    capacities = VehicleType.objects.filter(vehicles__depot=depot, vehicles__is_active=True).values_list(
        "capacity_units", flat=True
    )
    return max(capacities, default=0)


@dataclass(frozen=True)
class OfferRequest:
    """A checked request for an offer: the depot serving the address, the parcel and the horizon."""

    depot: Depot
    lat: float
    lon: float
    parcel: ParcelInput
    from_date: dt.date
    days: int


def offer_request_validate(
    *,
    lat: object,
    lon: object,
    size_units: object,
    service_minutes: object,
    from_date: dt.date | None,
    days: int | None,
    now: dt.datetime,
) -> OfferRequest:
    """Check an offer request and find the depot serving the address; raises the API's errors."""
    lat_f, lon_f = validate_point(lat=lat, lon=lon)
    parcel = validate_parcel(size_units=size_units, service_minutes=service_minutes)
    config = settings.GREENSLOT
    days = config["HORIZON_DAYS"] if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= config["MAX_HORIZON_DAYS"]:
        raise InvalidInput(
            "invalid_days", f"days must be a whole number from 1 to {config['MAX_HORIZON_DAYS']}."
        )

    depot = depot_for_point(lat=lat_f, lon=lon_f)
    if depot is None:
        raise Unprocessable(
            "outside_service_area",
            "We do not deliver to this address yet.",
            details={"lat": lat_f, "lon": lon_f},
        )
    today = timezone.localtime(now, depot.tz).date()
    from_date = from_date or today
    if from_date < today:
        raise InvalidInput(
            "date_in_past",
            "from_date is in the past.",
            details={"from_date": from_date.isoformat(), "today": today.isoformat()},
        )
    if (from_date - today).days > 365:
        raise InvalidInput("date_too_far", "from_date is more than a year ahead.")
    capacity = largest_capacity(depot=depot)
    if parcel.size_units > capacity:
        raise Unprocessable(
            "parcel_too_large",
            f"The parcel ({parcel.size_units} units) is larger than any vehicle of this depot carries ({capacity}).",
            details={"size_units": parcel.size_units, "max_size_units": capacity},
        )
    return OfferRequest(depot=depot, lat=lat_f, lon=lon_f, parcel=parcel, from_date=from_date, days=days)


RawDays = list[tuple[dt.date, list[WindowOffer]]]


def offer_evaluate(*, request: OfferRequest, now: dt.datetime) -> tuple[RawDays, int]:
    """Every window of the request's horizon against the route plans, not yet priced; records nothing.

    Returns the windows by day and the number of engine cells evaluated.
    """
    depot, from_date, days = request.depot, request.from_date, request.days
    templates = list(
        WindowTemplate.objects.filter(depot=depot, is_active=True).order_by("start_time", "end_time")
    )
    last = from_date + dt.timedelta(days=days - 1)
    depot_days = depot_days_in_range(depot=depot, first=from_date, last=last)

    raw_days: RawDays = []
    cells = 0
    with travel_backend_guard():
        raw_days, cells = _evaluate_days(request=request, templates=templates, depot_days=depot_days, now=now)
    return raw_days, cells


def _evaluate_days(*, request: OfferRequest, templates, depot_days, now: dt.datetime) -> tuple[RawDays, int]:
    depot, from_date, days = request.depot, request.from_date, request.days
    raw_days: RawDays = []
    cells = 0
    for offset in range(days):
        date = from_date + dt.timedelta(days=offset)
        compiled = plan_cache.get(depot=depot, depot_day=depot_days.get(date), date=date, now=now)
        windows, day_cells = evaluate_day(
            compiled=compiled,
            depot=depot,
            date=date,
            templates=[t for t in templates if t.runs_on(date.isoweekday())],
            lat=request.lat,
            lon=request.lon,
            parcel=request.parcel,
            now=now,
        )
        cells += day_cells
        raw_days.append((date, windows))
    return raw_days, cells


def offer_price(*, raw_days: RawDays, terms: RuleTerms, basket_value: Decimal | None = None) -> RawDays:
    """The evaluated windows priced and labelled under ``terms`` (pure: no query, no write)."""
    flat = [w for _, day in raw_days for w in day]
    priced = iter(price_windows(terms=terms, windows=[w.cost() for w in flat], basket_value=basket_value))
    out: RawDays = []
    for date, day_windows in raw_days:
        out_day = []
        for w in day_windows:
            p = next(priced)
            out_day.append(replace(w, price=p.price, labels=p.labels))
        out.append((date, out_day))
    return out


def offer_create(
    *,
    retailer: Retailer,
    lat: object,
    lon: object,
    size_units: object,
    service_minutes: object,
    address: dict | None = None,
    from_date: dt.date | None = None,
    days: int | None = None,
    now: dt.datetime | None = None,
    basket_value: Decimal | None = None,
) -> OfferResult:
    """Price every window of the horizon for one address and record the offer.

    ``basket_value`` (currency units, optional) is the shopper's basket, for the rules'
    free-delivery threshold.
    """
    now = now or timezone.now()
    request = offer_request_validate(
        lat=lat,
        lon=lon,
        size_units=size_units,
        service_minutes=service_minutes,
        from_date=from_date,
        days=days,
        now=now,
    )
    basket = validate_basket(basket_value)
    depot, lat_f, lon_f, parcel = request.depot, request.lat, request.lon, request.parcel
    rule_set = published_rules(retailer=retailer, depot=depot)
    terms = RuleTerms.from_rule_set(rule_set)
    expires_at = now + dt.timedelta(minutes=settings.GREENSLOT["OFFER_MINUTES"])
    raw_days, cells = offer_evaluate(request=request, now=now)

    offer_id = uuid.uuid4()
    final_days = []
    for date, day_windows in offer_price(raw_days=raw_days, terms=terms, basket_value=basket):
        final = []
        for w in day_windows:
            quote = ""
            if w.available:
                quote = quote_sign(
                    Quote(
                        offer_id=str(offer_id),
                        retailer_id=retailer.id,
                        date=w.date,
                        start=w.start,
                        end=w.end,
                        cutoff=w.cutoff,
                        amount=w.price.amount,
                        currency=w.price.currency,
                        co2e_grams=w.co2e_grams,
                        rule_version=terms.version,
                        expires_at=expires_at,
                    )
                )
            final.append(replace(w, quote=quote) if quote else w)
        final_days.append(DayOffer(date=date, windows=tuple(final)))
    offer = Offer.objects.create(
        id=offer_id,
        retailer=retailer,
        depot=depot,
        rule_set=rule_set,
        lat=lat_f,
        lon=lon_f,
        address=address or {},
        size_units=parcel.size_units,
        service_seconds=parcel.service_minutes * 60,
        windows=[window_record(w, basket_value=basket) for day in final_days for w in day.windows],
        created_at=now,
        expires_at=expires_at,
    )
    return OfferResult(
        offer=offer, depot=depot, days=tuple(final_days), rule_version=terms.version, cells=cells
    )


def window_record(w: WindowOffer, basket_value: Decimal | None = None) -> dict:
    """The window as kept on the offer, for replay and analytics (``pricing.windows.WindowCost``)."""
    return {
        "date": w.date.isoformat(),
        "start": w.start.isoformat(),
        "end": w.end.isoformat(),
        "available": w.available,
        "reason": w.reason,
        "price": str(w.price.amount) if w.price else None,
        "breakdown": w.price.breakdown() if w.price else [],
        "co2e_grams": w.co2e_grams,
        "marginal_km": str(w.marginal_km) if w.marginal_km is not None else None,
        "marginal_cost": str(w.marginal_cost) if w.marginal_cost is not None else None,
        "labels": list(w.labels),
        "nearby_m": list(w.nearby_metres),
        "basket_value": str(basket_value) if basket_value is not None else None,
    }


def day_windows(*, depot: Depot, date: dt.date, templates: list[WindowTemplate]):
    for template in templates:
        start = local_moment(depot, date, template.start_time)
        end = local_moment(depot, date, template.end_time)
        yield template, start, end, start - dt.timedelta(minutes=template.cutoff_minutes)


def evaluate_day(
    *,
    compiled: CompiledPlan,
    depot: Depot,
    date: dt.date,
    templates: list[WindowTemplate],
    lat: float,
    lon: float,
    parcel: ParcelInput,
    now: dt.datetime,
) -> tuple[list[WindowOffer], int]:
    """All windows of one depot-day in a single engine call, with their costs (not yet priced)."""
    windows = list(day_windows(depot=depot, date=date, templates=templates))
    open_indices = [i for i, (_, _, _, cutoff) in enumerate(windows) if now < cutoff]
    results: dict[int, WindowOffer] = {}
    cells = 0
    if open_indices and compiled.plan.routes:
        early = np.array([compiled.seconds(windows[i][1]) for i in open_indices], dtype=np.int64)
        late = np.array([compiled.seconds(windows[i][2]) for i in open_indices], dtype=np.int64)
        service = parcel.service_minutes * 60
        insertion = evaluate_insertion(
            compiled.plan,
            lat=lat,
            lon=lon,
            service=service,
            demand=parcel.size_units,
            window_early=early,
            window_late=late,
        )
        cells = int(insertion.cells)
        plan = compiled.plan
        nearby = nearby_metres_by_window(
            lat=lat,
            lon=lon,
            stop_lat=plan.lat[1:],
            stop_lon=plan.lon[1:],
            stop_early=plan.early[1:],
            stop_late=plan.late[1:],
            window_early=early,
            window_late=late,
        )
        for k, i in enumerate(open_indices):
            _, start, end, cutoff = windows[i]
            if not insertion.feasible[k]:
                results[i] = WindowOffer(date, start, end, cutoff, False, str(insertion.reason[k]))
                continue
            route_index = int(insertion.route[k])
            vehicle = compiled.vehicles[route_index]
            delta_m = int(insertion.delta_m[k])
            cost = marginal_cost(
                vehicle,
                delta_m=delta_m,
                delta_s=int(insertion.delta_s[k]),
                service_s=service,
                opens_route=not compiled.plan.routes[route_index].visits,
            )
            km = (Decimal(delta_m) / Decimal(1000)).quantize(Decimal("0.001"))
            results[i] = WindowOffer(
                date,
                start,
                end,
                cutoff,
                True,
                co2e_grams=marginal_grams(metres=delta_m, grams_per_km=vehicle.grams_per_km),
                marginal_km=km,
                marginal_cost=cost.quantize(Decimal("0.0001")),
                vehicle_type=vehicle.vehicle_type,
                nearby_metres=nearby[k],
            )
    out = []
    for i, (_, start, end, cutoff) in enumerate(windows):
        if i in results:
            out.append(results[i])
        elif now >= cutoff:
            out.append(WindowOffer(date, start, end, cutoff, False, REASON_CUTOFF))
        else:
            out.append(WindowOffer(date, start, end, cutoff, False, REASON_NO_SHIFT))
    return out, cells
