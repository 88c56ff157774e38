"""Build a depot-day plan's arrays, read its schedule, and add a visit to it.

Times are int seconds from the plan epoch (the depot-day's local midnight); distances int metres.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .money import work_cost
from .problem import TIME_MAX, PlanData, RouteLegs, RouteSpec, StopSpec
from .travel import HaversineMetric, TravelMetric


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


def route_legs(
    metric: TravelMetric, lat: np.ndarray, lon: np.ndarray, routes: Sequence[RouteSpec]
) -> tuple[RouteLegs, ...]:
    """The legs of every route (depot, visits, depot), from one vectorised call of the metric.

    O(total visits): only the pairs the routes drive are computed.
    """
    if not routes:
        return ()
    paths = [np.array((0, *r.visits, 0), dtype=np.int64) for r in routes]
    tails = np.concatenate([p[:-1] for p in paths])
    heads = np.concatenate([p[1:] for p in paths])
    speeds = sorted({float(r.speed_kmh) for r in routes})
    metres, seconds = metric.legs(lat[tails], lon[tails], lat[heads], lon[heads], speeds)
    legs = []
    offset = 0
    for route in routes:
        size = len(route.visits) + 1
        row = speeds.index(float(route.speed_kmh))
        legs.append(
            RouteLegs(
                metres=_frozen(metres[offset : offset + size].copy()),
                seconds=_frozen(seconds[row, offset : offset + size].copy()),
            )
        )
        offset += size
    return tuple(legs)


def build_plan(
    *,
    depot_lat: float,
    depot_lon: float,
    stops: Sequence[StopSpec],
    routes: Sequence[RouteSpec],
    circuity: float = 1.3,
    metric: TravelMetric | None = None,
) -> PlanData:
    """Compile stops and routes into immutable plan arrays, in O(n) time and memory.

    Parameters
    ----------
    depot_lat, depot_lon
        Degrees. The depot is location 0: window [0, TIME_MAX], no service, no demand, key 0.
    stops
        Location ``i + 1`` is ``stops[i]``. A stop need not be on a route (unusual, but allowed).
    routes
        Vehicle shifts; their ``visits`` index locations 1..len(stops), each at most once overall.
    circuity
        Road distance / great-circle distance (> 0) of the default haversine metric; ignored when
        ``metric`` is given.
    metric
        The travel metric; default ``HaversineMetric(circuity)``.

    Returns
    -------
    PlanData
        With the legs of every route; no all-pairs matrix (see ``plan_matrices``).
    """
    if metric is None:
        metric = HaversineMetric(circuity)
    routes = tuple(routes)
    _check_routes(routes, len(stops))
    for stop in stops:
        if stop.early < -TIME_MAX or stop.late > TIME_MAX:
            raise ValueError("Expected stop windows within [-TIME_MAX, TIME_MAX].")

    lat = np.array([float(depot_lat)] + [float(s.lat) for s in stops], dtype=np.float64)
    lon = np.array([float(depot_lon)] + [float(s.lon) for s in stops], dtype=np.float64)
    return PlanData(
        lat=_frozen(lat),
        lon=_frozen(lon),
        early=_frozen(np.array([0] + [int(s.early) for s in stops], dtype=np.int64)),
        late=_frozen(np.array([int(TIME_MAX)] + [int(s.late) for s in stops], dtype=np.int64)),
        service=_frozen(np.array([0] + [int(s.service) for s in stops], dtype=np.int64)),
        demand=_frozen(np.array([0] + [int(s.demand) for s in stops], dtype=np.int64)),
        keys=_frozen(np.array([0] + [int(s.key) for s in stops], dtype=np.int64)),
        routes=routes,
        metric=metric,
        legs=route_legs(metric, lat, lon, routes),
    )


@dataclass(frozen=True)
class PlanMatrices:
    """All-pairs travel of a plan's locations, for re-optimisation.

    Attributes
    ----------
    distance
        int64 [n, n], metres; ``[i, j]`` is i -> j.
    durations
        Per distinct route speed (km/h), int64 [n, n] seconds.
    """

    distance: np.ndarray
    durations: dict[float, np.ndarray]


def plan_matrices(plan: PlanData) -> PlanMatrices:
    """O(n^2) matrices of the plan's metric; built on demand and not kept on the plan."""
    speeds = sorted({float(r.speed_kmh) for r in plan.routes})
    distance, seconds = plan.metric.matrices(plan.lat, plan.lon, speeds)
    return PlanMatrices(distance=distance, durations={s: seconds[k] for k, s in enumerate(speeds)})


def route_cost(route: RouteSpec, *, metres: int, work_seconds: int, used: bool) -> float:
    """Money for driving ``metres`` and working ``work_seconds`` (travel + service) on ``route``.

    ``routing.money.work_cost`` for one route: insertion prices its deltas with the same formula
    on arrays, and re-optimisation compares whole plans with it. Waiting is not charged;
    ``fixed_cost`` is charged when the route is used.
    """
    return work_cost(
        cost_per_km=route.cost_per_km,
        cost_per_hour=route.cost_per_hour,
        metres=metres,
        work_seconds=work_seconds,
        fixed=route.fixed_cost if used else 0.0,
    )


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
    path = np.array((0, *route.visits, 0), dtype=np.int64)
    leg_metres = plan.legs[route_index].metres
    leg_seconds = plan.legs[route_index].seconds
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
    """The same locations with new routes (e.g. re-optimised visits).

    A route whose visits and speed are unchanged keeps its legs; the others are computed, O(n).
    """
    routes = tuple(routes)
    _check_routes(routes, plan.num_locations - 1)
    known = {(r.visits, float(r.speed_kmh)): legs for r, legs in zip(plan.routes, plan.legs, strict=True)}
    fresh = [r for r in routes if (r.visits, float(r.speed_kmh)) not in known]
    computed = iter(route_legs(plan.metric, plan.lat, plan.lon, fresh))
    legs = tuple(
        known[(r.visits, float(r.speed_kmh))] if (r.visits, float(r.speed_kmh)) in known else next(computed)
        for r in routes
    )
    return dataclasses.replace(plan, routes=routes, legs=legs, derived={})


def insert_visit(plan: PlanData, *, stop: StopSpec, route_index: int, position: int) -> PlanData:
    """A new plan with ``stop`` as location ``n`` visited by route ``route_index`` before
    ``visits[position]`` (``position == len(visits)`` appends it).

    O(n): the per-location arrays grow by one and the route's leg into ``visits[position]`` is
    replaced by the two legs through the new stop; every other route keeps its legs. The result
    equals ``build_plan`` on the extended stop list. Feasibility is not checked here (see
    ``routing.insertion``).
    """
    route = plan.routes[route_index]
    if not 0 <= position <= len(route.visits):
        raise ValueError(f"Expected 0 <= position <= {len(route.visits)}.")
    n = plan.num_locations
    lat_u, lon_u = float(stop.lat), float(stop.lon)
    previous = route.visits[position - 1] if position > 0 else 0
    following = route.visits[position] if position < len(route.visits) else 0
    # Two legs, previous -> new and new -> following, in one call as build_plan would compute them.
    metres, seconds = plan.metric.legs(
        np.array([plan.lat[previous], lat_u]),
        np.array([plan.lon[previous], lon_u]),
        np.array([lat_u, plan.lat[following]]),
        np.array([lon_u, plan.lon[following]]),
        [float(route.speed_kmh)],
    )
    old = plan.legs[route_index]
    legs = RouteLegs(
        metres=_frozen(np.concatenate((old.metres[:position], metres, old.metres[position + 1 :]))),
        seconds=_frozen(np.concatenate((old.seconds[:position], seconds[0], old.seconds[position + 1 :]))),
    )
    visits = route.visits[:position] + (n,) + route.visits[position:]
    routes = (
        plan.routes[:route_index]
        + (dataclasses.replace(route, visits=visits),)
        + plan.routes[route_index + 1 :]
    )

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
        routes=routes,
        metric=plan.metric,
        legs=plan.legs[:route_index] + (legs,) + plan.legs[route_index + 1 :],
    )
