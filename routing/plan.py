"""Build a depot-day plan's arrays, read its schedule, and add a visit to it.

Times are int seconds from the plan epoch (the depot-day's local midnight); distances int metres.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .problem import TIME_MAX, PlanData, RouteSpec, StopSpec
from .travel import distance_matrix, duration_matrix, road_metres, travel_seconds


def _frozen(values: np.ndarray) -> np.ndarray:
    # The plan is shared by every offer computed from a cached version: make accidental writes fail.
    values.flags.writeable = False
    return values


def _check_routes(routes: Sequence[RouteSpec], num_stops: int) -> None:
    seen: set[int] = set()
    for route in routes:
        for location in route.visits:
            if not 1 <= location <= num_stops:
                raise ValueError(f"Route {route.key} visits location {location}; expected 1..{num_stops}.")
            if location in seen:
                raise ValueError(f"Location {location} is visited more than once.")
            seen.add(location)


def build_plan(
    *,
    depot_lat: float,
    depot_lon: float,
    stops: Sequence[StopSpec],
    routes: Sequence[RouteSpec],
    circuity: float = 1.3,
) -> PlanData:
    """Compile stops and routes into immutable plan arrays.

    Parameters
    ----------
    depot_lat, depot_lon
        Degrees. The depot is location 0: window [0, TIME_MAX], no service, no demand, key 0.
    stops
        Location ``i + 1`` is ``stops[i]``. A stop need not be on a route (unusual, but allowed).
    routes
        Vehicle shifts; their ``visits`` index locations 1..len(stops), each at most once overall.
    circuity
        Road distance / great-circle distance for every leg (> 0).

    Returns
    -------
    PlanData
        With the metres matrix and one seconds matrix per distinct route speed.
    """
    circuity = float(circuity)
    if not circuity > 0:
        raise ValueError("Expected circuity > 0.")
    routes = tuple(routes)
    _check_routes(routes, len(stops))
    for stop in stops:
        if stop.early < -TIME_MAX or stop.late > TIME_MAX:
            raise ValueError("Expected stop windows within [-TIME_MAX, TIME_MAX].")

    lat = np.array([float(depot_lat)] + [float(s.lat) for s in stops], dtype=np.float64)
    lon = np.array([float(depot_lon)] + [float(s.lon) for s in stops], dtype=np.float64)
    distance = distance_matrix(lat, lon, circuity)
    durations = {float(r.speed_kmh): _frozen(duration_matrix(distance, r.speed_kmh)) for r in routes}
    return PlanData(
        lat=_frozen(lat),
        lon=_frozen(lon),
        early=_frozen(np.array([0] + [int(s.early) for s in stops], dtype=np.int64)),
        late=_frozen(np.array([int(TIME_MAX)] + [int(s.late) for s in stops], dtype=np.int64)),
        service=_frozen(np.array([0] + [int(s.service) for s in stops], dtype=np.int64)),
        demand=_frozen(np.array([0] + [int(s.demand) for s in stops], dtype=np.int64)),
        keys=_frozen(np.array([0] + [int(s.key) for s in stops], dtype=np.int64)),
        distance=_frozen(distance),
        routes=routes,
        circuity=circuity,
        durations=durations,
    )


def route_durations(plan: PlanData, speed_kmh: float) -> np.ndarray:
    """The plan's seconds matrix (int64 [n, n]) at ``speed_kmh``, computed once if missing."""
    key = float(speed_kmh)
    if key not in plan.durations:
        # Only reached for plans assembled by hand; build_plan fills every route speed.
        plan.durations[key] = _frozen(duration_matrix(plan.distance, key))
    return plan.durations[key]


def route_cost(route: RouteSpec, *, metres: int, work_seconds: int, used: bool) -> float:
    """Money for driving ``metres`` and working ``work_seconds`` (travel + service) on ``route``.

    The one cost formula of the engine: insertion prices its deltas with it (``routing.insertion``
    repeats it on arrays, operation for operation, so the floats agree) and re-optimisation compares
    whole plans with it. Waiting is not charged; ``fixed_cost`` is charged when the route is used.
    """
    fixed = route.fixed_cost if used else 0.0
    return route.cost_per_km * metres / 1000 + route.cost_per_hour * work_seconds / 3600 + fixed


@dataclass(frozen=True)
class RouteSchedule:
    """The earliest schedule of one route (the vehicle leaves at ``route.start`` and waits when early).

    Attributes
    ----------
    starts, arrivals
        int64 [m], service start and arrival at each visit, seconds from the epoch.
    return_time
        Arrival back at the depot, seconds from the epoch.
    load
        Sum of the visits' demand, size units.
    metres
        Total driven, metres.
    seconds
        ``return_time - route.start``: travel, service and waiting, seconds.
    travel_seconds, service_seconds
        Driving and service parts of ``seconds``.
    leg_metres, leg_seconds
        int64 [m + 1]; leg ``j`` ends at visit ``j`` (the last one at the depot).
    feasible
        Every visit starts within its window, load within capacity, back by ``route.end``.
    """

    starts: np.ndarray
    arrivals: np.ndarray
    return_time: int
    load: int
    metres: int
    seconds: int
    travel_seconds: int
    service_seconds: int
    leg_metres: np.ndarray
    leg_seconds: np.ndarray
    feasible: bool


def route_schedule(plan: PlanData, route_index: int) -> RouteSchedule:
    """Simulate route ``plan.routes[route_index]`` from the depot and back (see ``RouteSchedule``)."""
    route = plan.routes[route_index]
    seconds = route_durations(plan, route.speed_kmh)
    path = np.array((0, *route.visits, 0), dtype=np.int64)
    leg_metres = plan.distance[path[:-1], path[1:]]
    leg_seconds = seconds[path[:-1], path[1:]]
    m = len(route.visits)
    starts = np.empty(m, dtype=np.int64)
    arrivals = np.empty(m, dtype=np.int64)
    on_time = True
    time, previous = int(route.start), 0
    for j, location in enumerate(route.visits):
        arrival = time + int(plan.service[previous]) + int(leg_seconds[j])
        start = max(arrival, int(plan.early[location]))
        on_time = on_time and start <= int(plan.late[location])
        arrivals[j], starts[j] = arrival, start
        time, previous = start, location
    return_time = time + int(plan.service[previous]) + int(leg_seconds[m])
    load = int(plan.demand[path].sum())
    return RouteSchedule(
        starts=starts,
        arrivals=arrivals,
        return_time=return_time,
        load=load,
        metres=int(leg_metres.sum()),
        seconds=return_time - int(route.start),
        travel_seconds=int(leg_seconds.sum()),
        service_seconds=int(plan.service[path].sum()),
        leg_metres=leg_metres,
        leg_seconds=leg_seconds,
        feasible=bool(on_time and load <= route.capacity and return_time <= route.end),
    )


def plan_cost(plan: PlanData) -> float:
    """Total money of the plan by ``route_cost``; a route is used when it has a visit."""
    total = 0.0
    for index, route in enumerate(plan.routes):
        schedule = route_schedule(plan, index)
        total += route_cost(
            route,
            metres=schedule.metres,
            work_seconds=schedule.travel_seconds + schedule.service_seconds,
            used=bool(route.visits),
        )
    return float(total)


def with_routes(plan: PlanData, routes: Sequence[RouteSpec]) -> PlanData:
    """The same locations with new routes (e.g. re-optimised visits); matrices are shared."""
    routes = tuple(routes)
    _check_routes(routes, plan.num_locations - 1)
    durations = dict(plan.durations)
    for route in routes:
        if float(route.speed_kmh) not in durations:
            durations[float(route.speed_kmh)] = _frozen(duration_matrix(plan.distance, route.speed_kmh))
    return dataclasses.replace(plan, routes=routes, durations=durations, derived={})


def insert_visit(plan: PlanData, *, stop: StopSpec, route_index: int, position: int) -> PlanData:
    """A new plan with ``stop`` as location ``n`` visited by route ``route_index`` before
    ``visits[position]`` (``position == len(visits)`` appends it).

    Only the new row and column of each matrix are computed; the result equals ``build_plan`` on
    the extended stop list. Feasibility is not checked here (see ``routing.insertion``).
    """
    route = plan.routes[route_index]
    if not 0 <= position <= len(route.visits):
        raise ValueError(f"Expected 0 <= position <= {len(route.visits)}.")
    n = plan.num_locations
    lat_u, lon_u = float(stop.lat), float(stop.lon)
    # Same argument order as distance_matrix ([i, j] is i -> j), so the entries are bit-identical.
    to_stop = np.asarray(road_metres(plan.lat, plan.lon, lat_u, lon_u, plan.circuity))
    from_stop = np.asarray(road_metres(lat_u, lon_u, plan.lat, plan.lon, plan.circuity))

    def grow(matrix: np.ndarray, column: np.ndarray, row: np.ndarray) -> np.ndarray:
        grown = np.zeros((n + 1, n + 1), dtype=np.int64)
        grown[:n, :n] = matrix
        grown[:n, n] = column
        grown[n, :n] = row
        return _frozen(grown)

    distance = grow(plan.distance, to_stop, from_stop)
    durations = {
        speed: grow(matrix, travel_seconds(to_stop, speed), travel_seconds(from_stop, speed))
        for speed, matrix in plan.durations.items()
    }
    visits = route.visits[:position] + (n,) + route.visits[position:]
    routes = (
        plan.routes[:route_index]
        + (dataclasses.replace(route, visits=visits),)
        + plan.routes[route_index + 1 :]
    )
    for r in routes:
        if float(r.speed_kmh) not in durations:
            durations[float(r.speed_kmh)] = _frozen(duration_matrix(distance, r.speed_kmh))

    def append(values: np.ndarray, value) -> np.ndarray:
        return _frozen(np.append(values, np.asarray(value, dtype=values.dtype)))

    return PlanData(
        lat=append(plan.lat, lat_u),
        lon=append(plan.lon, lon_u),
        early=append(plan.early, int(stop.early)),
        late=append(plan.late, int(stop.late)),
        service=append(plan.service, int(stop.service)),
        demand=append(plan.demand, int(stop.demand)),
        keys=append(plan.keys, int(stop.key)),
        distance=distance,
        routes=routes,
        circuity=plan.circuity,
        durations=durations,
    )
