"""The plain, obviously exact insertion method that ``routing.insertion`` must agree with.

For every window, every route and every position it builds the route with the new stop and
simulates it visit by visit. No slack arrays, no numpy tricks: O(K x P x m), for tests only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .insertion import REASON_FULL, REASON_NO_SHIFT, InsertionResult, check_windows
from .plan import route_cost
from .problem import PlanData, RouteSpec


@dataclass(frozen=True)
class _Walk:
    feasible: bool
    metres: int
    travel_s: int
    new_start: int  # service start of the new stop, -1 when it is not on the walk


def evaluate_insertion_reference(
    plan: PlanData,
    *,
    lat: float,
    lon: float,
    service: int,
    demand: int,
    window_early,
    window_late,
) -> InsertionResult:
    """Same contract as ``routing.insertion.evaluate_insertion``, computed by brute force."""
    w_early, w_late = check_windows(window_early, window_late)
    new = plan.num_locations  # the new stop's location index in the walks below
    lat, lon, service, demand = float(lat), float(lon), int(service), int(demand)

    def leg(a: int, b: int, speed_kmh: float) -> tuple[int, int]:
        # Every leg on its own, straight from the metric: no matrix, no cached route legs.
        lat_a, lon_a = (lat, lon) if a == new else (float(plan.lat[a]), float(plan.lon[a]))
        lat_b, lon_b = (lat, lon) if b == new else (float(plan.lat[b]), float(plan.lon[b]))
        metres, seconds = plan.metric.legs(lat_a, lon_a, lat_b, lon_b, [speed_kmh])
        return int(metres), int(seconds[0])

    def walk(route: RouteSpec, visits: tuple[int, ...], early_new: int, late_new: int) -> _Walk:
        time, previous, load, total_m, total_s, new_start = route.start, 0, 0, 0, 0, -1
        on_time = True
        for location in (*visits, 0):
            leg_m, leg_s = leg(previous, location, route.speed_kmh)
            previous_service = service if previous == new else int(plan.service[previous])
            arrival = time + previous_service + leg_s
            total_m += leg_m
            total_s += leg_s
            if location == 0:
                on_time = on_time and arrival <= route.end
                break
            if location == new:
                early, late, size = early_new, late_new, demand
            else:
                early, late, size = (
                    int(plan.early[location]),
                    int(plan.late[location]),
                    int(plan.demand[location]),
                )
            start = max(arrival, early)
            on_time = on_time and start <= late
            load += size
            if location == new:
                new_start = start
            time, previous = start, location
        return _Walk(on_time and load <= route.capacity, total_m, total_s, new_start)

    num_windows = w_early.shape[0]
    feasible = np.zeros(num_windows, dtype=bool)
    cost = np.full(num_windows, np.nan)
    delta_m = np.zeros(num_windows, dtype=np.int64)
    delta_s = np.zeros(num_windows, dtype=np.int64)
    route_of = np.full(num_windows, -1, dtype=np.int64)
    position = np.full(num_windows, -1, dtype=np.int64)
    start = np.full(num_windows, -1, dtype=np.int64)
    grams = np.full(num_windows, np.nan)
    reason = np.full(num_windows, "", dtype=object)

    for k in range(num_windows):
        e_k, l_k = int(w_early[k]), int(w_late[k])
        best = None
        for r, route in enumerate(plan.routes):
            base = walk(route, route.visits, e_k, l_k)
            if not base.feasible:
                continue
            for p in range(len(route.visits) + 1):
                trial = walk(route, route.visits[:p] + (new,) + route.visits[p:], e_k, l_k)
                if not trial.feasible:
                    continue
                dm, ds = trial.metres - base.metres, trial.travel_s - base.travel_s
                c = route_cost(route, metres=dm, work_seconds=ds + service, used=not route.visits)
                if best is None or c < best[0]:
                    best = (c, r, p, dm, ds, trial.new_start)
        if best is not None:
            c, r, p, dm, ds, b = best
            feasible[k], cost[k], route_of[k], position[k] = True, c, r, p
            delta_m[k], delta_s[k], start[k] = dm, ds, b
            grams[k] = dm / 1000 * plan.routes[r].emission_g_per_km
        else:
            alone = [walk(route, (new,), e_k, l_k).feasible for route in plan.routes]
            reason[k] = REASON_FULL if any(alone) else REASON_NO_SHIFT

    positions = sum(len(r.visits) + 1 for r in plan.routes)
    return InsertionResult(
        feasible=feasible,
        cost=cost,
        delta_m=delta_m,
        delta_s=delta_s,
        route=route_of,
        position=position,
        start=start,
        grams=grams,
        reason=reason,
        cells=positions * num_windows,
    )
