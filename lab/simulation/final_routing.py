"""Routing a depot-day after the cut-off: every policy's accepted orders, one PyVRP budget.

The booking-time plan (exact feasibility) or, for static quotas, the orders that fit by cheapest
insertion in arrival order, is the warm start; orders that did not fit are optional PyVRP clients
with a prize far above any detour, so PyVRP serves each one it can. What it cannot serve is a
failed delivery. The result is checked by ``routing.checker`` and kept only when it serves at
least as many orders and, serving as many, costs less by ``routing.plan.plan_cost``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyvrp import Client, PenaltyParams, SolveParams, solve
from pyvrp.stop import MaxIterations

from routing.checker import check_plan
from routing.plan import build_plan, plan_cost, with_routes
from routing.problem import PlanData, StopSpec
from routing.reoptimise import plan_solution, to_problem_data

_RELATIVE_TOLERANCE = 1e-9
PENALTY_RANGE = 20.0


@dataclass(frozen=True)
class RoutedDay:
    """The depot-day as it is driven.

    Attributes
    ----------
    plan
        Every order's location; the routes visit the served ones.
    failed_keys
        Keys of accepted orders no route visits (failed deliveries).
    improved
        PyVRP's solution replaced the warm start.
    """

    plan: PlanData
    failed_keys: tuple[int, ...]
    improved: bool


def plan_stops(plan: PlanData) -> list[StopSpec]:
    """The plan's stops (locations 1..n-1) as specs, to rebuild the plan with more stops."""
    return [
        StopSpec(
            lat=float(plan.lat[i]),
            lon=float(plan.lon[i]),
            early=int(plan.early[i]),
            late=int(plan.late[i]),
            service=int(plan.service[i]),
            demand=int(plan.demand[i]),
            key=int(plan.keys[i]),
        )
        for i in range(1, plan.num_locations)
    ]


def _with_stops(plan: PlanData, extra: Sequence[StopSpec]) -> PlanData:
    """The plan with ``extra`` stops appended as locations no route visits, same travel model."""
    # Plans carry a travel metric in newer engines and a circuity in older ones.
    travel = {"metric": plan.metric} if hasattr(plan, "metric") else {"circuity": plan.circuity}
    return build_plan(
        depot_lat=float(plan.lat[0]),
        depot_lon=float(plan.lon[0]),
        stops=[*plan_stops(plan), *extra],
        routes=plan.routes,
        **travel,
    )


def _unvisited(plan: PlanData) -> list[int]:
    visited = {v for r in plan.routes for v in r.visits}
    return [i for i in range(1, plan.num_locations) if i not in visited]


def route_day(
    plan: PlanData, *, unplanned: Sequence[StopSpec] = (), max_iterations: int, seed: int = 0
) -> RoutedDay:
    """Route a depot-day with PyVRP from the feasible ``plan``; ``unplanned`` orders are optional.

    Parameters
    ----------
    plan
        A feasible plan (its routes are the warm start).
    unplanned
        Accepted orders not on any route of ``plan``.
    max_iterations
        PyVRP iterations: the budget every policy gets.
    seed
        PyVRP's seed.
    """
    if check_plan(plan):
        raise ValueError("Expected a feasible warm-start plan.")
    if unplanned:
        plan = _with_stops(plan, unplanned)
    optional = _unvisited(plan)
    if plan.num_locations == 1 or not plan.routes:
        return RoutedDay(plan, tuple(int(plan.keys[i]) for i in optional), False)

    data, client_location = to_problem_data(plan)
    # to_problem_data shifts every time by one offset so that PyVRP's times are >= 0.
    offset = data.vehicle_type(0).tw_early - int(plan.routes[0].start)
    vehicle_types = data.vehicle_types()
    distance = data.distance_matrix(0)  # the plan's metres (every profile shares them)
    longest = int(np.max(distance))
    dearest = max(vt.fixed_cost + 2 * vt.unit_distance_cost * longest for vt in vehicle_types)
    # Serving an order is worth more than any route could cost to serve it alone (so PyVRP serves
    # every order it can), yet no more than the penalty range: a prize far above the penalty for
    # one unit of overload would make overloaded routes look better than feasible ones.
    prize = int(dearest + 1)
    extra = [
        Client(
            location=int(v),
            delivery=[int(plan.demand[v])],
            service_duration=int(plan.service[v]),
            tw_early=int(plan.early[v]) + offset,
            tw_late=int(plan.late[v]) + offset,
            prize=prize,
            required=False,
        )
        for v in optional
    ]
    data = data.replace(clients=[*data.clients(), *extra])
    locations = np.concatenate([client_location, np.asarray(optional, dtype=np.int64)]).astype(np.int64)
    warm_start = plan_solution(data, plan, locations)
    # Penalties sized from what one overload could save, as routing.reoptimise does, with a wider
    # range above it (PENALTY_RANGE) so that the prizes stay below what a violation can cost.
    target = max(1.0, float(dearest))
    result = solve(
        data,
        stop=MaxIterations(int(max_iterations)),
        seed=int(seed),
        collect_stats=False,
        display=False,
        initial_solution=warm_start,
        params=SolveParams(penalty=PenaltyParams(min_penalty=0.1, max_penalty=PENALTY_RANGE * target)),
    )
    kept = RoutedDay(plan, tuple(int(plan.keys[i]) for i in optional), False)
    if not result.is_feasible():
        return kept
    visits: list[list[int]] = [[] for _ in plan.routes]
    for route in result.best.routes():
        vehicle_type = route.vehicle_type()
        if visits[vehicle_type]:
            return kept  # one vehicle per shift: a second route would be a modelling error
        visits[vehicle_type] = [int(locations[a.idx]) for a in route if a.is_client()]
    served = sorted(v for vs in visits for v in vs)
    if len(set(served)) != len(served) or not set(client_location.tolist()) <= set(served):
        return kept
    candidate = with_routes(
        plan, [dataclasses.replace(r, visits=tuple(vs)) for r, vs in zip(plan.routes, visits, strict=True)]
    )
    if check_plan(candidate):
        return kept
    warm_served = plan.num_locations - 1 - len(optional)
    if len(served) < warm_served:
        return kept
    if len(served) == warm_served:
        before = plan_cost(plan)
        if not plan_cost(candidate) < before - _RELATIVE_TOLERANCE * max(1.0, abs(before)):
            return kept
    return RoutedDay(candidate, tuple(int(candidate.keys[i]) for i in _unvisited(candidate)), True)
