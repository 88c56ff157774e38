"""Reads of the fleet: which depot serves a point, and the depot-day plans."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from dataclasses import dataclass
from decimal import Decimal

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from .adapter import CompiledPlan, compile_plan, plan_cache
from .models import Depot, DepotDay, MarginalCostAverage, ServiceZone


def depot_for_point(*, lat: float, lon: float) -> Depot | None:
    """The depot whose service zone contains the point (the first by id when zones overlap).

    One query on the offer path: zones come with their depot. Each zone's prepared geometry is
    kept in this process (``_zone_covers``), so a request only tests the point.
    """
    zone = zone_for_point(lat=lat, lon=lon)
    return zone.depot if zone is not None else None


def zone_for_point(*, lat: float, lon: float) -> ServiceZone | None:
    """The active service zone (with its depot) containing the point, the first by (depot, id). One query."""
    # Sorted here, not by the database: an ORDER BY costs more to compile than a few rows to sort.
    zones = sorted(
        ServiceZone.objects.filter(is_active=True).select_related("depot").order_by(),
        key=lambda zone: (zone.depot_id, zone.id),
    )
    return zone_of_point(zones, lat=lat, lon=lon)


def zone_of_point(zones, *, lat: float, lon: float) -> ServiceZone | None:
    """The first of ``zones`` (``ServiceZone`` rows, already read) that covers the point."""
    point = Point(lon, lat)  # GeoJSON order
    for zone in zones:
        if _zone_covers(zone, point):
            return zone
    return None


def marginal_cost_averages(*, depot: Depot) -> dict[tuple[int, str, int], tuple[Decimal, int]]:
    """The depot's learned average realised marginal cost per (zone id, width class, ISO weekday), as
    (mean in currency units, orders): the ``averages`` of a ``fleet.window_costs.MarginalCostTable``.
    One query."""
    rows = MarginalCostAverage.objects.filter(depot=depot).order_by()
    return {
        (zone_id, width, weekday): (mean, orders)
        for zone_id, width, weekday, mean, orders in rows.values_list(
            "zone_id", "width_class", "weekday", "mean_cost", "orders"
        )
    }


# Zone id -> (its GeoJSON, the prepared shapely geometry of it).
_prepared_zones: dict[int, tuple[dict, BaseGeometry]] = {}
# GEOS builds a prepared geometry's index lazily, on its first test: one test at a time.
_prepared_zones_lock = threading.Lock()
PREPARED_ZONES_MAX = 1024


def _zone_covers(zone: ServiceZone, point: Point) -> bool:
    """Whether the zone's polygon covers ``point``, tested on a prepared geometry built once per
    distinct GeoJSON.

    Parsing GeoJSON and preparing it costs far more than the test itself. The cache is keyed on
    the zone's id *and* checked against the GeoJSON the query just read (a deep comparison of
    lists of numbers, in C), so an edited or re-created zone never meets a stale geometry.
    """
    with _prepared_zones_lock:
        cached = _prepared_zones.get(zone.id)
        if cached is None or cached[0] != zone.polygon:
            geometry = shape(zone.polygon)
            shapely.prepare(geometry)
            if len(_prepared_zones) >= PREPARED_ZONES_MAX:
                _prepared_zones.clear()
            cached = _prepared_zones[zone.id] = (copy.deepcopy(zone.polygon), geometry)
        return cached[1].covers(point)


def depot_days_in_range(*, depot: Depot, first: dt.date, last: dt.date) -> dict[dt.date, DepotDay]:
    # No ordering: the model's ("depot", "date") would join the depot table to sort by its code.
    days = DepotDay.objects.filter(depot=depot, date__gte=first, date__lte=last).order_by()
    return {d.date: d for d in days}


def depot_day_plan(
    *, depot: Depot, date: dt.date, now: dt.datetime, depot_day: DepotDay | None = None
) -> CompiledPlan:
    """The plan for reading (offers): from the per-version cache. Writes compile afresh inside their lock."""
    if depot_day is None:
        depot_day = DepotDay.objects.filter(depot=depot, date=date).first()
    return plan_cache.get(depot=depot, depot_day=depot_day, date=date, now=now)


@dataclass(frozen=True)
class PlannedStop:
    stop_id: int
    lat: float
    lon: float
    window_start: dt.datetime
    window_end: dt.datetime
    arrival: dt.datetime
    planned_start: dt.datetime
    size_units: int
    service_seconds: int
    held_until: dt.datetime | None
    leg_metres: int
    leg_seconds: int


@dataclass(frozen=True)
class PlannedRoute:
    shift_id: int
    vehicle_name: str
    vehicle_type: str
    energy_type: str
    shift_start: dt.datetime
    shift_end: dt.datetime
    capacity: int
    load: int
    stops: tuple[PlannedStop, ...]
    return_metres: int
    return_seconds: int
    return_time: dt.datetime
    metres: int
    grams: int
    feasible: bool

    @property
    def km(self) -> float:
        return self.metres / 1000

    @property
    def utilisation(self) -> float:
        return self.load / self.capacity if self.capacity else 0.0


@dataclass(frozen=True)
class PlanView:
    depot: Depot
    date: dt.date
    version: int
    routes: tuple[PlannedRoute, ...]

    @property
    def stop_count(self) -> int:
        return sum(len(r.stops) for r in self.routes)

    @property
    def metres(self) -> int:
        return sum(r.metres for r in self.routes)

    @property
    def grams(self) -> int:
        return sum(r.grams for r in self.routes)

    @property
    def km(self) -> float:
        return self.metres / 1000

    @property
    def kg(self) -> float:
        return self.grams / 1000

    @property
    def routes_used(self) -> int:
        return sum(1 for r in self.routes if r.stops)


def plan_view(*, depot: Depot, date: dt.date, now: dt.datetime) -> PlanView | None:
    """The depot-day's routes as people read them: stops in order with planned times and legs."""
    from emissions.calculation import route_grams
    from routing.plan import route_schedule

    from .models import Stop

    depot_day = DepotDay.objects.filter(depot=depot, date=date).first()
    if depot_day is None:
        return None
    compiled = compile_plan(depot=depot, depot_day=depot_day, date=date, now=now)
    expiries = dict(Stop.objects.filter(id__in=compiled.stop_ids).values_list("id", "expires_at"))
    routes = []
    for index, (route, vehicle) in enumerate(zip(compiled.plan.routes, compiled.vehicles, strict=True)):
        schedule = route_schedule(compiled.plan, index)
        stops = []
        for j, location in enumerate(route.visits):
            stop_id = compiled.stop_ids[location - 1]
            stops.append(
                PlannedStop(
                    stop_id=stop_id,
                    lat=float(compiled.plan.lat[location]),
                    lon=float(compiled.plan.lon[location]),
                    window_start=compiled.moment(compiled.plan.early[location]),
                    window_end=compiled.moment(compiled.plan.late[location]),
                    arrival=compiled.moment(schedule.arrivals[j]),
                    planned_start=compiled.moment(schedule.starts[j]),
                    size_units=int(compiled.plan.demand[location]),
                    service_seconds=int(compiled.plan.service[location]),
                    held_until=expiries.get(stop_id),
                    leg_metres=int(schedule.leg_metres[j]),
                    leg_seconds=int(schedule.leg_seconds[j]),
                )
            )
        routes.append(
            PlannedRoute(
                shift_id=route.key,
                vehicle_name=vehicle.vehicle_name,
                vehicle_type=vehicle.vehicle_type,
                energy_type=vehicle.energy_type,
                shift_start=compiled.moment(route.start),
                shift_end=compiled.moment(route.end),
                capacity=route.capacity,
                load=schedule.load,
                stops=tuple(stops),
                return_metres=int(schedule.leg_metres[-1]),
                return_seconds=int(schedule.leg_seconds[-1]),
                return_time=compiled.moment(schedule.return_time),
                metres=schedule.metres,
                grams=route_grams(metres=schedule.metres, grams_per_km=vehicle.grams_per_km),
                feasible=schedule.feasible,
            )
        )
    return PlanView(depot=depot, date=date, version=depot_day.version, routes=tuple(routes))
