"""An independent plan checker: walks every route from scratch with plain Python.

It shares no scheduling code with ``routing.plan`` or ``routing.insertion`` on purpose, so a bug
there cannot hide itself here. Only the travel *metric* is shared (the legs must be the same
legs), and each leg is asked of it on its own from the stops' coordinates, not read from the
plan's stored legs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .problem import PlanData
from .travel import HaversineMetric, TravelMetric

LATE = "late"  # service would start after the stop's window closes
CAPACITY = "capacity"  # the route carries more than the vehicle holds
SHIFT_END = "shift_end"  # the vehicle is back at the depot after its shift ends
DUPLICATE = "duplicate"  # the same stop key is planned more than once


@dataclass(frozen=True)
class CheckedStop:
    """A planned stop: degrees, service-start window and service in seconds from the epoch, size units."""

    key: int
    lat: float
    lon: float
    early: int
    late: int
    service: int
    demand: int


@dataclass(frozen=True)
class CheckedRoute:
    """A vehicle shift: size units, seconds from the epoch, km/h, and its stops in order."""

    key: int
    capacity: int
    start: int
    end: int
    speed_kmh: float
    stops: tuple[CheckedStop, ...]


@dataclass(frozen=True)
class Violation:
    route_key: int
    stop_key: int | None
    code: str
    message: str


def check_routes(
    *,
    depot_lat: float,
    depot_lon: float,
    circuity: float | None = None,
    metric: TravelMetric | None = None,
    routes: Sequence[CheckedRoute],
) -> list[Violation]:
    """Every violation of every route: late stops, overloads, shift-end overruns, duplicates.

    The vehicle leaves the depot at ``start``, waits at a stop whose window is not yet open, and
    must be back by ``end``. Stop keys must identify stops: the same key twice is a duplicate.
    Legs come from ``metric``, or from ``HaversineMetric(circuity)`` when no metric is given.
    """
    if metric is None:
        if circuity is None:
            raise ValueError("Expected a metric or a circuity.")
        metric = HaversineMetric(circuity)

    def leg(lat1: float, lon1: float, lat2: float, lon2: float, speed_kmh: float) -> int:
        _, seconds = metric.legs(lat1, lon1, lat2, lon2, [speed_kmh])
        return int(seconds[0])

    violations: list[Violation] = []
    seen: dict[int, int] = {}
    for route in routes:
        clock = int(route.start)
        here_lat, here_lon = float(depot_lat), float(depot_lon)
        busy = 0  # service time at the place the vehicle is leaving
        load = 0
        for stop in route.stops:
            if stop.key in seen:
                violations.append(
                    Violation(
                        route.key,
                        stop.key,
                        DUPLICATE,
                        f"Stop {stop.key} is already planned on route {seen[stop.key]}.",
                    )
                )
            else:
                seen[stop.key] = route.key
            clock = clock + busy + leg(here_lat, here_lon, float(stop.lat), float(stop.lon), route.speed_kmh)
            if clock < stop.early:
                clock = int(stop.early)
            if clock > stop.late:
                violations.append(
                    Violation(
                        route.key,
                        stop.key,
                        LATE,
                        f"Service at stop {stop.key} starts at {clock}s, {clock - stop.late}s after its window.",
                    )
                )
            load += int(stop.demand)
            busy = int(stop.service)
            here_lat, here_lon = float(stop.lat), float(stop.lon)
        back = clock + busy + leg(here_lat, here_lon, float(depot_lat), float(depot_lon), route.speed_kmh)
        if back > route.end:
            violations.append(
                Violation(
                    route.key,
                    None,
                    SHIFT_END,
                    f"Back at the depot at {back}s, {back - route.end}s after the shift.",
                )
            )
        if load > route.capacity:
            violations.append(
                Violation(route.key, None, CAPACITY, f"Load {load} exceeds capacity {route.capacity}.")
            )
    return violations


def checked_routes(plan: PlanData) -> list[CheckedRoute]:
    """The plan's routes as plain checker input (stop keys are ``plan.keys``)."""

    def stop(location: int) -> CheckedStop:
        return CheckedStop(
            key=int(plan.keys[location]),
            lat=float(plan.lat[location]),
            lon=float(plan.lon[location]),
            early=int(plan.early[location]),
            late=int(plan.late[location]),
            service=int(plan.service[location]),
            demand=int(plan.demand[location]),
        )

    return [
        CheckedRoute(
            key=route.key,
            capacity=route.capacity,
            start=route.start,
            end=route.end,
            speed_kmh=route.speed_kmh,
            stops=tuple(stop(location) for location in route.visits),
        )
        for route in plan.routes
    ]


def check_plan(plan: PlanData) -> list[Violation]:
    """``check_routes`` on a compiled plan; stop keys must be unique for the duplicate check."""
    return check_routes(
        depot_lat=float(plan.lat[0]),
        depot_lon=float(plan.lon[0]),
        metric=plan.metric,
        routes=checked_routes(plan),
    )
