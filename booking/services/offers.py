"""Offers: every window of the horizon for one address, feasible or with the reason it is not."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from emissions.calculation import marginal_grams
from fleet.adapter import CompiledPlan, plan_cache, travel_backend_guard
from fleet.costs import marginal_cost
from fleet.models import Depot, VehicleType
from fleet.selectors import depot_days_in_range, zone_for_point
from greenslot import clock
from greenslot.errors import InvalidInput, Unprocessable
from greenslot.text import bidi_controls_in
from pricing.calculation import RuleTerms
from pricing.choice import DEFAULT_CHOICE_MODEL, ChoiceModel
from pricing.consolidation import nearby_metres_by_window
from pricing.models import IncentiveRuleSet
from pricing.selectors import choice_model_of_rule_set, rule_set_for_offer
from pricing.windows import price_windows
from routing.insertion import evaluate_insertion
from tenants.models import Retailer

from ..models import Offer
from ..quotes import QuoteSigner, quote_signer
from .day_windows import TemplateRow, day_windows_cache, window_templates
from .offer_costs import DayCosts, costed_windows, day_costs, learned_inputs_cache
from .offer_records import offer_window_records
from .offer_windows import DayOffer, EvaluatedDay, WindowOffer

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


def validate_address_text(address: dict) -> dict:
    """The address's text fields, refused if any carries a bidirectional control (``greenslot.text``):
    an address is shown to operators and drivers, and an override would make it read otherwise."""
    for name, value in address.items():
        controls = bidi_controls_in(str(value))
        if controls:
            raise InvalidInput(
                "invalid_address",
                f"The address's {name} contains bidirectional control characters.",
                details={"field": name, "characters": controls},
            )
    return address


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
    """The most size units any active vehicle of ``depot`` carries (0 without vehicles). One query."""
    capacities = (
        VehicleType.objects.filter(vehicles__depot=depot, vehicles__is_active=True)
        .order_by()  # the model's ordering by name would only sort rows ``max`` reads anyway
        .values_list("capacity_units", flat=True)
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
    zone_id: int | None = None


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

    zone = zone_for_point(lat=lat_f, lon=lon_f)
    if zone is None:
        raise Unprocessable(
            "outside_service_area",
            "We do not deliver to this address yet.",
            details={"lat": lat_f, "lon": lon_f},
        )
    depot = zone.depot
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
    return OfferRequest(
        depot=depot, lat=lat_f, lon=lon_f, parcel=parcel, from_date=from_date, days=days, zone_id=zone.pk
    )


RawDays = list[tuple[dt.date, list[WindowOffer]]]


def offer_evaluate(
    *, request: OfferRequest, now: dt.datetime, three_costs: bool = False
) -> tuple[RawDays, int]:
    """Every window of the request's horizon against the route plans, not yet priced; records nothing.

    With ``three_costs``, available windows also get their expected cost and displaced orders
    (``booking.services.offer_costs``), which rule sets pricing by three costs need.
    Returns the windows by day and the number of engine cells evaluated.
    """
    days, cells = offer_evaluate_days(request=request, now=now, three_costs=three_costs)
    return [(day.date, day.windows) for day in days], cells


def offer_evaluate_days(
    *, request: OfferRequest, now: dt.datetime, three_costs: bool = False
) -> tuple[list[EvaluatedDay], int]:
    """``offer_evaluate``, with each day's ``DayWindows`` (what the offer's quotes are made of)."""
    depot, from_date = request.depot, request.from_date
    templates = window_templates(depot=depot)
    last = from_date + dt.timedelta(days=request.days - 1)
    depot_days = depot_days_in_range(depot=depot, first=from_date, last=last)
    learned = learned_inputs_cache.get(depot=depot, now=now) if three_costs else None
    evaluated: list[EvaluatedDay] = []
    cells = 0
    with travel_backend_guard():
        for offset in range(request.days):
            date = from_date + dt.timedelta(days=offset)
            compiled = plan_cache.get(depot=depot, depot_day=depot_days.get(date), date=date, now=now)
            costs = (
                day_costs(
                    compiled=compiled,
                    learned=learned,
                    zone_id=request.zone_id,
                    service_s=request.parcel.service_minutes * 60,
                    size_units=request.parcel.size_units,
                    now=now,
                )
                if learned is not None and compiled.plan.routes
                else None
            )
            day, day_cells = evaluate_day(
                compiled=compiled,
                depot=depot,
                date=date,
                templates=templates,
                lat=request.lat,
                lon=request.lon,
                parcel=request.parcel,
                now=now,
                costs=costs,
            )
            evaluated.append(day)
            cells += day_cells
    return evaluated, cells


def offer_price(
    *,
    days: Sequence[EvaluatedDay],
    terms: RuleTerms,
    basket_value: Decimal | None = None,
    sign: QuoteSigner | None = None,
    choice: ChoiceModel = DEFAULT_CHOICE_MODEL,
) -> list[DayOffer]:
    """The evaluated windows priced and labelled under ``terms`` (pure: no query, no write).

    With ``sign`` (``booking.quotes.quote_signer`` of the offer), every available window also
    gets its quote, naming the window by its position in the offer (as ``Offer.windows`` keeps it).
    """
    flat = costed_windows([w for day in days for w in day.windows], terms=terms)
    priced = iter(price_windows(terms=terms, windows=flat, basket_value=basket_value, choice=choice))
    out = []
    index = 0
    for day in days:
        windows = []
        for w in day.windows:
            p = next(priced)
            quote = sign(index) if sign is not None and w.available else ""
            index += 1
            windows.append(w.priced(price=p.price, labels=p.labels, quote=quote))
        out.append(DayOffer(date=day.date, windows=tuple(windows)))
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
    admit: Callable[[Depot, dt.datetime], None] | None = None,
) -> OfferResult:
    """Price every window of the horizon for one address and record the offer.

    ``basket_value`` (currency units, optional) is the shopper's basket, for the rules'
    free-delivery threshold. ``admit`` (optional) is called with the depot serving the address
    before any window is evaluated, and may refuse the request (the waiting room).
    """
    now = now or clock.now()
    request = offer_request_validate(
        lat=lat,
        lon=lon,
        size_units=size_units,
        service_minutes=service_minutes,
        from_date=from_date,
        days=days,
        now=now,
    )
    if admit is not None:
        admit(request.depot, now)
    basket = validate_basket(basket_value)
    address = validate_address_text(address or {})
    depot, lat_f, lon_f, parcel = request.depot, request.lat, request.lon, request.parcel
    rule_set = published_rules(retailer=retailer, depot=depot)
    terms = RuleTerms.from_rule_set(rule_set)
    expires_at = now + dt.timedelta(minutes=settings.GREENSLOT["OFFER_MINUTES"])
    evaluated, cells = offer_evaluate_days(request=request, now=now, three_costs=terms.prices_by_three_costs)

    offer_id = uuid.uuid4()
    sign = quote_signer(offer_id=offer_id, retailer_id=retailer.id)
    # The markup assumes the retailer's choice model (fitted, else the prior), read with the rules.
    choice = choice_model_of_rule_set(rule_set)
    final_days = offer_price(days=evaluated, terms=terms, basket_value=basket, sign=sign, choice=choice)
    offer = Offer.objects.create(
        id=offer_id,
        retailer=retailer,
        depot=depot,
        rule_set=rule_set,
        lat=lat_f,
        lon=lon_f,
        address=address,
        size_units=parcel.size_units,
        service_seconds=parcel.service_minutes * 60,
        windows=offer_window_records(days=final_days, evaluated=evaluated, basket_value=basket),
        created_at=now,
        expires_at=expires_at,
    )
    return OfferResult(
        offer=offer, depot=depot, days=tuple(final_days), rule_version=terms.version, cells=cells
    )


def evaluate_day(
    *,
    compiled: CompiledPlan,
    depot: Depot,
    date: dt.date,
    templates: tuple[TemplateRow, ...],
    lat: float,
    lon: float,
    parcel: ParcelInput,
    now: dt.datetime,
    costs: DayCosts | None = None,
) -> tuple[EvaluatedDay, int]:
    """All windows of one depot-day in a single engine call, with their costs (not yet priced).

    With ``costs`` (``booking.services.offer_costs.day_costs``), each available window also gets
    its expected cost and displaced orders. Returns the day and the number of engine cells evaluated.
    """
    day_windows = day_windows_cache.get(depot=depot, date=date, epoch=compiled.epoch, templates=templates)
    slots = day_windows.windows
    open_indices = [i for i, slot in enumerate(slots) if now < slot.cutoff_utc]
    evaluated: dict[int, WindowOffer] = {}
    cells = 0
    if open_indices and compiled.plan.routes:
        if len(open_indices) == len(slots):
            early, late = day_windows.early, day_windows.late
        else:
            early, late = day_windows.early[open_indices], day_windows.late[open_indices]
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
        # Python lists: reading numpy scalars one by one costs more than converting once.
        starts_s, ends_s = early.tolist(), late.tolist()
        feasible, reasons = insertion.feasible.tolist(), insertion.reason.tolist()
        routes, deltas_m, deltas_s = (
            insertion.route.tolist(),
            insertion.delta_m.tolist(),
            insertion.delta_s.tolist(),
        )
        # The windows of a day mostly share their cheapest insertion (23 windows, ~8 distinct):
        # cost each distinct one once.
        insertion_costs: dict[tuple[int, int, int], InsertionCost] = {}
        for k, i in enumerate(open_indices):
            slot = slots[i]
            if not feasible[k]:
                evaluated[i] = WindowOffer(date, slot.start, slot.end, slot.cutoff, False, str(reasons[k]))
                continue
            key = (routes[k], deltas_m[k], deltas_s[k])
            cost = insertion_costs.get(key)
            if cost is None:
                cost = insertion_costs[key] = insertion_cost(
                    compiled, route_index=key[0], delta_m=key[1], delta_s=key[2], service_s=service
                )
            expected = displaced = myopic = None
            if costs is not None:
                expected, displaced = costs.window(
                    hours=slot.hours,
                    start_s=starts_s[k],
                    end_s=ends_s[k],
                    insertion_cost=cost.money,
                    route_index=key[0],
                    delta_m=key[1],
                    delta_s=key[2],
                )
                myopic = costs.myopic(
                    insertion_cost=cost.money, route_index=key[0], delta_m=key[1], delta_s=key[2]
                )
            evaluated[i] = WindowOffer(
                date,
                slot.start,
                slot.end,
                slot.cutoff,
                True,
                co2e_grams=cost.grams,
                marginal_km=cost.km,
                marginal_cost=cost.money,
                vehicle_type=cost.vehicle_type,
                nearby_metres=nearby[k],
                expected_cost=expected,
                displaced_orders=displaced,
                myopic_cost=myopic,
            )
    windows = []
    for i, slot in enumerate(slots):
        window = evaluated.get(i)
        if window is None:
            reason = REASON_CUTOFF if now >= slot.cutoff_utc else REASON_NO_SHIFT
            window = WindowOffer(date, slot.start, slot.end, slot.cutoff, False, reason)
        windows.append(window)
    return EvaluatedDay(date=date, day_windows=day_windows, windows=windows), cells


@dataclass(frozen=True)
class InsertionCost:
    """What one insertion adds: ``money`` in the vehicle's currency (4 places), ``km`` vehicle-km
    (3 places), ``grams`` CO2e, on a vehicle of type ``vehicle_type``."""

    money: Decimal
    km: Decimal
    grams: int
    vehicle_type: str


def insertion_cost(
    compiled: CompiledPlan, *, route_index: int, delta_m: int, delta_s: int, service_s: int
) -> InsertionCost:
    """The cost of inserting a stop into route ``route_index`` (``delta_m`` metres and ``delta_s``
    seconds more driving, ``service_s`` seconds at the door)."""
    vehicle = compiled.vehicles[route_index]
    money = marginal_cost(
        vehicle,
        delta_m=delta_m,
        delta_s=delta_s,
        service_s=service_s,
        opens_route=not compiled.plan.routes[route_index].visits,
    )
    return InsertionCost(
        money=money.quantize(Decimal("0.0001")),
        km=(Decimal(delta_m) / Decimal(1000)).quantize(Decimal("0.001")),
        grams=marginal_grams(metres=delta_m, grams_per_km=vehicle.grams_per_km),
        vehicle_type=vehicle.vehicle_type,
    )
