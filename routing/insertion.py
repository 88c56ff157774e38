"""Cheapest feasible insertion of one new stop, for many candidate windows at once.

The method is forward/backward time slack (Savelsbergh 1992; Vidal et al. 2015, "Timing problems
and algorithms"). For a route ``0, v1 .. vm, 0`` (node ``m + 1`` is the return to the depot):

- ``A_i`` earliest service start: ``A_0 = route.start``, ``A_{i+1} = max(A_i + s_i + t_{i,i+1}, e_{i+1})``;
- ``L_i`` latest feasible service start: ``L_{m+1} = route.end``,
  ``L_i = min(l_i, L_{i+1} - s_i - t_{i,i+1})``.

Inserting ``u`` between nodes ``i`` and ``i + 1`` in window ``[e_k, l_k]`` starts it at
``B = max(A_i + s_i + t_{i,u}, e_k)`` and is feasible iff ``B <= l_k``,
``B + s_u + t_{u,i+1} <= L_{i+1}``, the load fits and the route is feasible to begin with.
That is O(1) per (position, window) cell; every cell of every route is evaluated in one numpy pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np

from .money import work_cost
from .plan import insert_visit
from .problem import TIME_MAX, PlanData, StopSpec

REASON_FULL = "full"  # some shift could serve the stop in this window, but not around its stops
REASON_NO_SHIFT = "no_shift"  # no shift could serve it even with an empty route

# Offset that keeps routes apart in the segmented running max/min below: every time value is
# within +-2**41 (TIME_MAX is 2**40), so adding ``route * 2**43`` orders all of route r's values
# strictly between those of routes r - 1 and r + 1.
_SEGMENT = np.int64(2**43)
_MAX_ROUTES = 2**19  # keeps route * _SEGMENT below 2**62


@dataclass(frozen=True)
class InsertionSlack:
    """Per insertion position (all routes concatenated, route order then position), P in total.

    Attributes
    ----------
    route, index
        int64 [P], route of the position and its place in the route's visits (insert before
        ``visits[index]``; ``index == m`` appends).
    prev_loc, next_loc
        int64 [P], locations on either side (0 is the depot).
    prev_departure
        int64 [P], ``A_i + s_i``: earliest departure from the previous node, seconds.
    next_latest
        int64 [P], ``L_{i+1}``: latest feasible service start at the next node, seconds.
    leg_m, leg_s
        int64 [P], the leg the insertion replaces, metres and seconds.
    route_ok
        bool [R], the route is feasible as planned.
    load, capacity
        int64 [R], the route's load and its vehicle's capacity, size units.
    start, end
        int64 [R], the shift, seconds from the epoch.
    cost_per_km, cost_per_hour, opening_cost, grams_per_km
        float64 [R]; ``opening_cost`` is the fixed cost if the route is empty, else 0.
    speed_index
        int64 [R], index of the route's speed in ``speeds``.
    speeds
        The distinct route speeds, km/h.
    """

    route: np.ndarray
    index: np.ndarray
    prev_loc: np.ndarray
    next_loc: np.ndarray
    prev_departure: np.ndarray
    next_latest: np.ndarray
    leg_m: np.ndarray
    leg_s: np.ndarray
    route_ok: np.ndarray
    load: np.ndarray
    capacity: np.ndarray
    start: np.ndarray
    end: np.ndarray
    cost_per_km: np.ndarray
    cost_per_hour: np.ndarray
    opening_cost: np.ndarray
    grams_per_km: np.ndarray
    speed_index: np.ndarray
    speeds: tuple[float, ...]

    @property
    def num_positions(self) -> int:
        return int(self.route.shape[0])


def insertion_slack(plan: PlanData) -> InsertionSlack:
    """Earliest-start / latest-start arrays of every route, computed once per plan and cached."""
    cached = plan.derived.get("insertion_slack")
    if cached is None:
        cached = plan.derived["insertion_slack"] = _compute_slack(plan)
    return cached


def _compute_slack(plan: PlanData) -> InsertionSlack:
    routes = plan.routes
    num_routes = len(routes)
    if num_routes >= _MAX_ROUTES:
        raise ValueError(f"Expected fewer than {_MAX_ROUTES} routes.")
    sizes = np.array([len(r.visits) for r in routes], dtype=np.int64)
    speeds = tuple(sorted({float(r.speed_kmh) for r in routes}))
    per_route = dict(
        capacity=np.array([r.capacity for r in routes], dtype=np.int64),
        start=np.array([r.start for r in routes], dtype=np.int64),
        end=np.array([r.end for r in routes], dtype=np.int64),
        cost_per_km=np.array([r.cost_per_km for r in routes], dtype=np.float64),
        cost_per_hour=np.array([r.cost_per_hour for r in routes], dtype=np.float64),
        opening_cost=np.array([0.0 if r.visits else r.fixed_cost for r in routes], dtype=np.float64),
        grams_per_km=np.array([r.emission_g_per_km for r in routes], dtype=np.float64),
        speed_index=np.array([speeds.index(float(r.speed_kmh)) for r in routes], dtype=np.int64),
    )
    if num_routes == 0:
        none = np.zeros(0, dtype=np.int64)
        return InsertionSlack(
            route=none, index=none, prev_loc=none, next_loc=none, prev_departure=none, next_latest=none,
            leg_m=none, leg_s=none, route_ok=none.astype(bool), load=none, speeds=speeds, **per_route,
        )  # fmt: skip
    start, end = per_route["start"], per_route["end"]

    # Nodes: each route is 0, v1..vm, 0, all routes back to back.
    node_route = np.repeat(np.arange(num_routes, dtype=np.int64), sizes + 2)
    first = np.concatenate(([0], np.cumsum(sizes + 2)[:-1])).astype(np.int64)
    last = first + sizes + 1
    num_nodes = int(node_route.shape[0])
    interior = np.ones(num_nodes, dtype=bool)
    interior[first] = False
    interior[last] = False
    loc = np.zeros(num_nodes, dtype=np.int64)
    loc[interior] = np.fromiter(
        chain.from_iterable(r.visits for r in routes), dtype=np.int64, count=int(sizes.sum())
    )

    early = plan.early[loc].copy()
    early[first] = start
    late = plan.late[loc].copy()
    late[first] = TIME_MAX
    late[last] = np.minimum(end, TIME_MAX)
    service = plan.service[loc]

    # Leg from each node to the next node of its route (0 after the return, never used): the
    # plan's route legs, all routes back to back, are exactly the legs out of the nodes with a next.
    has_next = np.ones(num_nodes, dtype=bool)
    has_next[last] = False
    nxt = np.flatnonzero(has_next)
    leg_m = np.zeros(num_nodes, dtype=np.int64)
    leg_m[nxt] = np.concatenate([legs.metres for legs in plan.legs])
    leg_s = np.zeros(num_nodes, dtype=np.int64)
    leg_s[nxt] = np.concatenate([legs.seconds for legs in plan.legs])

    # c_i = sum over earlier nodes of the route of (service + leg). The recursions unroll to
    # A_i = c_i + max_{j<=i}(e_j - c_j) and L_i = c_i + min_{j>=i}(l_j - c_j), i.e. running
    # max/min restarted at each route, done with an offset per route instead of a Python loop.
    step = service + leg_s
    exclusive = np.concatenate(([0], np.cumsum(step)[:-1])).astype(np.int64)
    c = exclusive - np.repeat(exclusive[first], sizes + 2)
    offset = node_route * _SEGMENT
    earliest = c + np.maximum.accumulate(early - c + offset) - offset
    latest = c + (np.minimum.accumulate((late - c + offset)[::-1])[::-1] - offset)

    late_nodes = (earliest > late).astype(np.int64)
    route_ok = np.add.reduceat(late_nodes, first) == 0
    load = np.add.reduceat(plan.demand[loc], first)
    route_ok = route_ok & (load <= per_route["capacity"])

    # Positions: between each node that has a next node and that next node.
    pos_route = node_route[nxt]
    return InsertionSlack(
        route=pos_route,
        index=nxt - first[pos_route],
        prev_loc=loc[nxt],
        next_loc=loc[nxt + 1],
        prev_departure=earliest[nxt] + service[nxt],
        next_latest=latest[nxt + 1],
        leg_m=leg_m[nxt],
        leg_s=leg_s[nxt],
        route_ok=route_ok,
        load=load,
        speeds=speeds,
        **per_route,
    )


@dataclass(frozen=True)
class InsertionResult:
    """Cheapest feasible insertion per candidate window; every array has length K.

    Attributes
    ----------
    feasible
        bool, some position of some route can take the stop in the window.
    cost
        float64 money of the insertion (``routing.plan.route_cost`` of the deltas, the route's
        fixed cost included when it was empty); nan where infeasible.
    delta_m
        int64 metres added; 0 where infeasible.
    delta_s
        int64 driving seconds added (service and waiting excluded); 0 where infeasible.
    route
        int64 index into ``plan.routes``; -1 where infeasible.
    position
        int64 place in that route's visits (insert before ``visits[position]``); -1 where infeasible.
    start
        int64 planned service start of the new stop, seconds from the epoch; -1 where infeasible.
    grams
        float64 CO2e added, ``delta_m / 1000 * emission_g_per_km``; nan where infeasible.
    reason
        object array of str: ``''`` when feasible, else ``REASON_NO_SHIFT`` or ``REASON_FULL``.
    cells
        Positions x windows evaluated.
    """

    feasible: np.ndarray
    cost: np.ndarray
    delta_m: np.ndarray
    delta_s: np.ndarray
    route: np.ndarray
    position: np.ndarray
    start: np.ndarray
    grams: np.ndarray
    reason: np.ndarray
    cells: int


def check_windows(window_early, window_late) -> tuple[np.ndarray, np.ndarray]:
    """Validate candidate windows; returns them as int64 [K] arrays."""
    early = np.atleast_1d(np.asarray(window_early, dtype=np.int64))
    late = np.atleast_1d(np.asarray(window_late, dtype=np.int64))
    if early.ndim != 1 or early.shape != late.shape:
        raise ValueError("Expected window_early and window_late of the same length K.")
    if np.any(late < early):
        raise ValueError("Expected window_late >= window_early.")
    return early, late


def empty_route_fits(
    slack: InsertionSlack,
    *,
    to_stop_s: np.ndarray,
    from_stop_s: np.ndarray,
    service: int,
    demand: int,
    early,
    late,
) -> np.ndarray:
    """bool [R, K]: route r could serve the stop alone in window k (the ``no_shift`` test).

    ``to_stop_s[r]`` and ``from_stop_s[r]`` are the depot -> stop and stop -> depot seconds at
    route r's speed.
    """
    arrive = slack.start + to_stop_s
    latest = slack.end - service - from_stop_s
    ok = (arrive <= latest) & (slack.capacity >= demand)
    return ok[:, None] & (arrive[:, None] <= late[None, :]) & (early[None, :] <= latest[:, None])


def evaluate_insertion(
    plan: PlanData,
    *,
    lat: float,
    lon: float,
    service: int,
    demand: int,
    window_early,
    window_late,
) -> InsertionResult:
    """Cheapest feasible insertion of a new stop for each of K candidate windows.

    Parameters
    ----------
    plan
        The current depot-day plan.
    lat, lon
        The new stop, degrees.
    service
        Service duration, seconds (>= 0).
    demand
        Size units (>= 0).
    window_early, window_late
        int64 [K], allowed interval for the start of service, seconds from the epoch.

    Returns
    -------
    InsertionResult
        Ties in cost go to the first position in route order, then visit order.
    """
    service, demand = int(service), int(demand)
    if service < 0 or demand < 0:
        raise ValueError("Expected service >= 0 and demand >= 0.")
    w_early, w_late = check_windows(window_early, window_late)
    num_windows = w_early.shape[0]
    slack = insertion_slack(plan)

    # Legs between the new stop and every location ([i] is i -> u, resp. u -> i), in metres and
    # in seconds at each distinct route speed ([speed, i]): O(n), from the plan's metric.
    lat, lon = float(lat), float(lon)
    to_stop_m, to_stop_s = plan.metric.legs(plan.lat, plan.lon, lat, lon, slack.speeds)
    from_stop_m, from_stop_s = plan.metric.legs(lat, lon, plan.lat, plan.lon, slack.speeds)

    fits_empty = empty_route_fits(
        slack,
        to_stop_s=to_stop_s[slack.speed_index, 0],
        from_stop_s=from_stop_s[slack.speed_index, 0],
        service=service,
        demand=demand,
        early=w_early,
        late=w_late,
    )
    reason = np.where(fits_empty.any(axis=0), REASON_FULL, REASON_NO_SHIFT).astype(object)

    result = dict(
        feasible=np.zeros(num_windows, dtype=bool),
        cost=np.full(num_windows, np.nan),
        delta_m=np.zeros(num_windows, dtype=np.int64),
        delta_s=np.zeros(num_windows, dtype=np.int64),
        route=np.full(num_windows, -1, dtype=np.int64),
        position=np.full(num_windows, -1, dtype=np.int64),
        start=np.full(num_windows, -1, dtype=np.int64),
        grams=np.full(num_windows, np.nan),
    )
    cells = slack.num_positions * num_windows
    if slack.num_positions == 0 or num_windows == 0:
        return InsertionResult(**result, reason=reason, cells=cells)

    pos_route = slack.route
    pos_speed = slack.speed_index[pos_route]
    t_in = to_stop_s[pos_speed, slack.prev_loc]
    t_out = from_stop_s[pos_speed, slack.next_loc]
    delta_m = to_stop_m[slack.prev_loc] + from_stop_m[slack.next_loc] - slack.leg_m
    delta_s = t_in + t_out - slack.leg_s
    arrive = slack.prev_departure + t_in
    # B = max(arrive, e_k) <= min(l_k, latest) splits into four pairwise bounds; e_k <= l_k holds
    # already and arrive <= latest does not depend on the window, so it joins the [P] mask.
    latest = slack.next_latest - service - t_out
    ok = slack.route_ok[pos_route] & (slack.load[pos_route] + demand <= slack.capacity[pos_route])
    ok &= arrive <= latest

    cost = work_cost(
        cost_per_km=slack.cost_per_km[pos_route],
        cost_per_hour=slack.cost_per_hour[pos_route],
        metres=delta_m,
        work_seconds=delta_s + service,
        fixed=slack.opening_cost[pos_route],
    )

    # Positions that pass the window-free tests, cheapest first; the stable sort keeps equal costs
    # in position order, which gives the documented tie-break. The first position that fits a
    # window is then its cheapest feasible one: a bool [P', K] pass, no float [P, K] array.
    candidates = np.flatnonzero(ok)
    candidates = candidates[np.argsort(cost[candidates], kind="stable")]
    fits = (arrive[candidates, None] <= w_late[None, :]) & (w_early[None, :] <= latest[candidates, None])
    if candidates.size == 0:
        return InsertionResult(**result, reason=reason, cells=cells)
    first = fits.argmax(axis=0)
    found = fits[first, np.arange(num_windows)]
    chosen = candidates[first[found]]
    result["feasible"] = found
    result["cost"][found] = cost[chosen]
    result["delta_m"][found] = delta_m[chosen]
    result["delta_s"][found] = delta_s[chosen]
    result["route"][found] = pos_route[chosen]
    result["position"][found] = slack.index[chosen]
    result["start"][found] = np.maximum(arrive[chosen], w_early[found])
    result["grams"][found] = delta_m[chosen] / 1000 * slack.grams_per_km[pos_route[chosen]]
    reason[found] = ""
    return InsertionResult(**result, reason=reason, cells=cells)


def insert_cheapest(plan: PlanData, stop: StopSpec) -> PlanData | None:
    """``stop`` inserted at its cheapest feasible place for its own window, or None if none is.

    ``evaluate_insertion`` for the one window ``[stop.early, stop.late]`` followed by
    ``routing.plan.insert_visit``: how a booking (or a benchmark's arrival) grows a plan.
    """
    found = evaluate_insertion(
        plan,
        lat=stop.lat,
        lon=stop.lon,
        service=stop.service,
        demand=stop.demand,
        window_early=[stop.early],
        window_late=[stop.late],
    )
    if not found.feasible[0]:
        return None
    return insert_visit(plan, stop=stop, route_index=int(found.route[0]), position=int(found.position[0]))
