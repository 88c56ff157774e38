"""What the dashboards show, read from recorded offers, bookings and the route plans.

Definitions (also on the pages and in docs/emissions.md):

- **Utilisation** of a window on a date is the share of the offers made for that depot-day in
  which the window was *full* (no vehicle could fit the order in), out of the offers in which it
  was on sale or full (closed and no-shift windows do not count). 0 % means it never turned a
  shopper away; 100 % that it was full every time it was asked for. The cell also knows how many
  bookings the window holds and whether it was full the last time it was offered.
- **Per order** figures of a day divide the plan's totals (vehicle-km, cost of the used routes,
  CO2e) by the stops planned that day.
- **Take-up** of a label compares the share of confirmed bookings whose window carried the label
  with the share of windows on sale that carried it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from booking.models import Booking, BookingStatus, Offer
from emissions.calculation import allocate_by_distance, route_grams
from fleet.adapter import local_midnight, plan_cache
from fleet.costs import marginal_cost
from fleet.models import Depot, DepotDay
from pricing.calculation import CONSOLIDATED, GREEN, WIDE
from pricing.models import IncentiveRuleSet
from routing.plan import route_schedule
from routing.travel import haversine_m

REASON_FULL = "full"  # booking.services.offers.REASON_FULL
TAKE_UP_LABELS = (GREEN, WIDE, CONSOLIDATED)
CENT = Decimal("0.01")


# --- recorded offers and bookings ----------------------------------------------------------------


@dataclass(frozen=True)
class WindowKey:
    """A window of the day by its local wall-clock start and end (``"09:00"``, ``"10:00"``)."""

    start: str
    end: str

    @property
    def text(self) -> str:
        return f"{self.start}–{self.end}"


@dataclass
class HeatCell:
    on_sale: int = 0
    full: int = 0
    booked: int = 0
    full_last: bool | None = None

    @property
    def share_full(self) -> float | None:
        asked = self.on_sale + self.full
        return self.full / asked if asked else None


@dataclass(frozen=True)
class UtilisationGrid:
    dates: tuple[dt.date, ...]
    windows: tuple[WindowKey, ...]
    cells: dict[tuple[dt.date, WindowKey], HeatCell]

    def cell(self, date: dt.date, window: WindowKey) -> HeatCell:
        return self.cells.get((date, window), HeatCell())


@dataclass
class LabelTakeUp:
    label: str
    offered: int = 0
    booked: int = 0
    offered_total: int = 0
    booked_total: int = 0

    @property
    def offered_share(self) -> float:
        return self.offered / self.offered_total if self.offered_total else 0.0

    @property
    def booked_share(self) -> float:
        return self.booked / self.booked_total if self.booked_total else 0.0


@dataclass
class VersionOutcome:
    """Bookings priced by one rule version, for the before/after of a publication."""

    version: int
    bookings: int = 0
    revenue: Decimal = Decimal(0)
    grams: int = 0
    km: Decimal = Decimal(0)
    labels: Counter = field(default_factory=Counter)

    @property
    def price_per_order(self) -> Decimal | None:
        return (self.revenue / self.bookings).quantize(CENT) if self.bookings else None

    @property
    def grams_per_order(self) -> float | None:
        return self.grams / self.bookings if self.bookings else None

    @property
    def km_per_order(self) -> float | None:
        return float(self.km) / self.bookings if self.bookings else None

    def share(self, label: str) -> float:
        return self.labels[label] / self.bookings if self.bookings else 0.0


@dataclass(frozen=True)
class DemandSummary:
    grid: UtilisationGrid
    take_up: tuple[LabelTakeUp, ...]
    versions: tuple[VersionOutcome, ...]
    offers: int
    bookings: int


def _local_key(moment: dt.datetime, tz) -> tuple[dt.date, str]:
    local = moment.astimezone(tz)
    return local.date(), local.strftime("%H:%M")


def demand_summary(*, depot: Depot, first: dt.date, last: dt.date) -> DemandSummary:
    """Utilisation, label take-up and outcomes by rule version for the depot-days first..last.

    Reads the offers that can hold windows of those days (made up to the longest horizon before)
    and the confirmed bookings of those days.
    """
    tz = depot.tz
    opened = local_midnight(depot, first) - dt.timedelta(days=settings.GREENSLOT["MAX_HORIZON_DAYS"] + 1)
    closed = local_midnight(depot, last + dt.timedelta(days=1))
    offers = (
        Offer.objects.filter(depot=depot, created_at__gte=opened, created_at__lt=closed)
        .order_by("created_at")
        .values_list("id", "windows")
    )
    cells: dict[tuple[dt.date, WindowKey], HeatCell] = defaultdict(HeatCell)
    windows: set[WindowKey] = set()
    take_up = {label: LabelTakeUp(label) for label in TAKE_UP_LABELS}
    offered_total = 0
    records_by_offer: dict = {}
    offer_count = 0
    for offer_id, records in offers:
        in_range = False
        for record in records:
            date = dt.date.fromisoformat(record["date"])
            if not first <= date <= last:
                continue
            in_range = True
            key = WindowKey(record["start"][11:16], record["end"][11:16])
            windows.add(key)
            cell = cells[(date, key)]
            if record["available"]:
                cell.on_sale += 1
                cell.full_last = False
                offered_total += 1
                for label in record.get("labels") or ():
                    if label in take_up:
                        take_up[label].offered += 1
            elif record["reason"] == REASON_FULL:
                cell.full += 1
                cell.full_last = True
        if in_range:
            offer_count += 1
            records_by_offer[offer_id] = records

    bookings = list(
        Booking.objects.filter(
            depot_day__depot=depot,
            depot_day__date__gte=first,
            depot_day__date__lte=last,
            status=BookingStatus.CONFIRMED,
        ).values_list(
            "offer_id", "window_start", "window_end", "labels", "price_amount", "co2e_grams", "rule_version"
        )
    )
    versions: dict[int, VersionOutcome] = {}
    for offer_id, start, end, labels, price, grams, version in bookings:
        date, start_text = _local_key(start, tz)
        key = WindowKey(start_text, _local_key(end, tz)[1])
        windows.add(key)
        cells[(date, key)].booked += 1
        for label in labels or ():
            if label in take_up:
                take_up[label].booked += 1
        outcome = versions.setdefault(version, VersionOutcome(version))
        outcome.bookings += 1
        outcome.revenue += price
        outcome.grams += grams
        outcome.labels.update(labels or ())
        for record in records_by_offer.get(offer_id, ()):
            if dt.datetime.fromisoformat(record["start"]) == start and record.get("marginal_km"):
                outcome.km += Decimal(record["marginal_km"])
                break
    for item in take_up.values():
        item.offered_total = offered_total
        item.booked_total = len(bookings)
    dates = tuple(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    ordered = tuple(sorted(windows, key=lambda w: (w.start, w.end)))
    return DemandSummary(
        grid=UtilisationGrid(dates=dates, windows=ordered, cells=dict(cells)),
        take_up=tuple(take_up.values()),
        versions=tuple(versions[v] for v in sorted(versions)),
        offers=offer_count,
        bookings=len(bookings),
    )


# --- route plans: footprints and emissions allocated by distance ---------------------------------


@dataclass(frozen=True)
class OrderEmission:
    """One stop's share of its route's CO2e, in proportion to its depot distance."""

    stop_id: int
    window_start: dt.datetime
    window_end: dt.datetime
    depot_metres: int
    grams: int


@dataclass(frozen=True)
class RouteFootprint:
    vehicle_name: str
    vehicle_type: str
    energy_type: str
    grams_per_km: Decimal
    metres: int
    grams: int
    cost: Decimal
    orders: tuple[OrderEmission, ...]


@dataclass(frozen=True)
class DayFootprint:
    date: dt.date
    routes: tuple[RouteFootprint, ...]

    @property
    def orders(self) -> int:
        return sum(len(r.orders) for r in self.routes)

    @property
    def metres(self) -> int:
        return sum(r.metres for r in self.routes)

    @property
    def grams(self) -> int:
        return sum(r.grams for r in self.routes)

    @property
    def cost(self) -> Decimal:
        return sum((r.cost for r in self.routes), Decimal(0))

    @property
    def routes_used(self) -> int:
        return sum(1 for r in self.routes if r.orders)

    @property
    def km_per_order(self) -> float | None:
        return self.metres / 1000 / self.orders if self.orders else None

    @property
    def grams_per_order(self) -> float | None:
        return self.grams / self.orders if self.orders else None

    @property
    def cost_per_order(self) -> Decimal | None:
        return (self.cost / self.orders).quantize(CENT) if self.orders else None


def day_footprint(*, depot: Depot, depot_day: DepotDay, now: dt.datetime) -> DayFootprint:
    """Routes of a depot-day with their km, cost and CO2e, and each order's share of the CO2e.

    A route's CO2e is its vehicle-km times its vehicle's well-to-wheel factor; it is shared among
    the route's orders in proportion to each order's straight-line distance from the depot (a stand-in
    for ISO 14083's shortest feasible distance: the road circuity factor would cancel out), in whole
    grams that add up to the route total (``emissions.calculation.allocate_by_distance``). Cost is
    the vehicle type's cost per km, per working hour (driving and service) and per used route.
    """
    compiled = plan_cache.get(depot=depot, depot_day=depot_day, date=depot_day.date, now=now)
    plan = compiled.plan
    routes = []
    for index, (route, vehicle) in enumerate(zip(plan.routes, compiled.vehicles, strict=True)):
        schedule = route_schedule(plan, index)
        grams = route_grams(metres=schedule.metres, grams_per_km=vehicle.grams_per_km) if route.visits else 0
        visits = list(route.visits)
        depot_metres = [
            int(haversine_m(plan.lat[0], plan.lon[0], plan.lat[location], plan.lon[location]))
            for location in visits
        ]
        shares = allocate_by_distance(total_grams=grams, metres=depot_metres) if visits else []
        cost = Decimal(0)
        if visits:
            cost = marginal_cost(
                vehicle,
                delta_m=schedule.metres,
                delta_s=schedule.travel_seconds,
                service_s=schedule.service_seconds,
                opens_route=True,
            ).quantize(CENT)
        routes.append(
            RouteFootprint(
                vehicle_name=vehicle.vehicle_name,
                vehicle_type=vehicle.vehicle_type,
                energy_type=vehicle.energy_type,
                grams_per_km=vehicle.grams_per_km,
                metres=schedule.metres if visits else 0,
                grams=grams,
                cost=cost,
                orders=tuple(
                    OrderEmission(
                        stop_id=compiled.stop_ids[location - 1],
                        window_start=compiled.moment(plan.early[location]),
                        window_end=compiled.moment(plan.late[location]),
                        depot_metres=metres,
                        grams=share,
                    )
                    for location, metres, share in zip(visits, depot_metres, shares, strict=True)
                ),
            )
        )
    return DayFootprint(date=depot_day.date, routes=tuple(routes))


def day_footprints(*, depot: Depot, first: dt.date, last: dt.date, now: dt.datetime) -> list[DayFootprint]:
    days = DepotDay.objects.filter(depot=depot, date__gte=first, date__lte=last).order_by("date")
    return [day_footprint(depot=depot, depot_day=day, now=now) for day in days]


# --- rule publications -------------------------------------------------------------------------


@dataclass(frozen=True)
class Publication:
    date: dt.date
    version: int
    retailer: str
    scope: str


def publications(*, depot: Depot, first: dt.date, last: dt.date) -> list[Publication]:
    """Rule versions published for this depot (its own or retailer-wide) between first and last."""
    tz = depot.tz
    rows = (
        IncentiveRuleSet.objects.filter(Q(depot=depot) | Q(depot__isnull=True), published_at__isnull=False)
        .select_related("retailer", "depot")
        .order_by("published_at")
    )
    result = []
    for rule_set in rows:
        date = rule_set.published_at.astimezone(tz).date()
        if first <= date <= last:
            result.append(Publication(date, rule_set.version, rule_set.retailer.name, rule_set.scope_label))
    return result


def dashboard_range(*, depot: Depot, today: dt.date, days: int = 14) -> tuple[dt.date, dt.date]:
    """The default period: the planned depot-days from ``days`` before today to a week ahead."""
    planned = DepotDay.objects.filter(
        depot=depot, date__gte=today - dt.timedelta(days=days), date__lte=today + dt.timedelta(days=7)
    ).values_list("date", flat=True)
    dates = sorted(planned)
    if not dates:
        return today, today
    return dates[0], dates[-1]
