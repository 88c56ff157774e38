"""Re-optimise a depot-day plan with PyVRP, warm-started from the current routes.

Every route (one vehicle shift) becomes its own PyVRP vehicle type with one vehicle: its shift
window, capacity, speed (a routing profile per distinct speed) and costs. Every planned stop is a
required client with its booked window. The result replaces the plan only if it is feasible,
visits every stop, passes the independent checker and is strictly cheaper by our own cost
(``routing.plan.plan_cost``); otherwise the caller keeps the current plan.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from pyvrp import (
    Client,
    Depot,
    Location,
    PenaltyParams,
    ProblemData,
    Route,
    Solution,
    SolveParams,
    VehicleType,
    solve,
)
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from .checker import check_plan
from .plan import PlanMatrices, plan_cost, plan_matrices, with_routes
from .problem import PlanData, RouteSpec

DEFAULT_MAX_ITERATIONS = 1_000

# PyVRP costs are integers. Money is scaled so that the dearest metre costs this many units:
# fine enough to rank routes (0.1 %), small enough to keep PyVRP's penalties in proportion.
_DEAREST_METRE = 1_000
_LARGEST_FIXED = 1_000_000_000

# A candidate must beat the current plan by more than float noise, or plans would churn.
_RELATIVE_TOLERANCE = 1e-9

IMPROVED = "improved"
NO_STOPS = "no_stops"
INFEASIBLE = "infeasible"  # PyVRP's best solution breaks a window, a capacity or a shift
INCOMPLETE = "incomplete"  # some stop was dropped or duplicated
CHECK_FAILED = "check_failed"  # the independent checker disagrees with PyVRP
NOT_CHEAPER = "not_cheaper"


@dataclass(frozen=True)
class ReoptResult:
    """Outcome of ``reoptimise``.

    Attributes
    ----------
    improved
        True when ``plan`` is a feasible, complete and strictly cheaper plan.
    plan
        The new plan (same locations, new route visits), or None when not improved.
    cost_before
        ``plan_cost`` of the input plan, money.
    cost_after
        ``plan_cost`` of the candidate when it was feasible and complete, else ``cost_before``.
    reason
        ``IMPROVED``, ``NO_STOPS``, ``INFEASIBLE``, ``INCOMPLETE``, ``CHECK_FAILED`` or ``NOT_CHEAPER``.
    """

    improved: bool
    plan: PlanData | None
    cost_before: float
    cost_after: float
    reason: str = IMPROVED


def _stopping_criterion(max_iterations: int | None, max_runtime: float | None):
    criteria = []
    if max_iterations is not None:
        criteria.append(MaxIterations(int(max_iterations)))
    if max_runtime is not None:
        criteria.append(MaxRuntime(float(max_runtime)))
    if not criteria:
        return MaxIterations(DEFAULT_MAX_ITERATIONS)
    return criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)


def _per_metre(route: RouteSpec) -> float:
    # Our cost charges driving per km and per hour, not waiting. At a constant speed a metre
    # takes 3.6 / speed_kmh seconds, so both fold into one per-metre price; PyVRP's duration
    # cost would also charge waiting, which we do not. (Service time is fixed: all stops stay.)
    return (route.cost_per_km + route.cost_per_hour / route.speed_kmh) / 1000


def _money_scale(plan: PlanData) -> float:
    """PyVRP cost units per unit of money."""
    dearest_metre = max((_per_metre(r) for r in plan.routes), default=0.0)
    dearest_route = max((r.fixed_cost for r in plan.routes), default=0.0)
    scale = _DEAREST_METRE / dearest_metre if dearest_metre > 0 else 1.0
    # Penalties are sized from the fixed costs (see _solve_params) and multiply seconds of time
    # warp inside PyVRP's int64 arithmetic: keep a fixed cost within 1e9 units.
    if dearest_route * scale > _LARGEST_FIXED:
        scale = _LARGEST_FIXED / dearest_route
    return scale


def _solve_params(matrices: PlanMatrices, data: ProblemData) -> SolveParams:
    """PyVRP starts every penalty at the midpoint of [min_penalty, max_penalty] (per unit of
    excess load and per second of time warp). Its default suits data scaled like its benchmarks,
    not our money units: an overload must cost more than it saves, which is at most a route's
    fixed cost plus a return trip to the farthest stop. Centre the penalties there.
    """
    costs = [
        vt.fixed_cost + 2 * vt.unit_distance_cost * int(matrices.distance[0].max())
        for vt in data.vehicle_types()
    ]
    target = max(1.0, float(max(costs, default=1)))
    return SolveParams(penalty=PenaltyParams(min_penalty=0.1, max_penalty=2 * target))


def to_problem_data(plan: PlanData, matrices: PlanMatrices | None = None) -> tuple[ProblemData, np.ndarray]:
    """PyVRP data for the plan's visited stops, and the plan location of each PyVRP client.

    Locations keep the plan's indices (0 is the depot), so the plan's matrices (``plan_matrices``,
    computed here unless given) are used as they are: one distance matrix and one duration matrix
    per distinct route speed (a profile).
    """
    if matrices is None:
        matrices = plan_matrices(plan)
    visited = np.array(sorted(v for r in plan.routes for v in r.visits), dtype=np.int64)
    speeds = sorted({float(r.speed_kmh) for r in plan.routes})
    # PyVRP wants times >= 0; shift everything when a shift starts before the epoch.
    times = [0, *(r.start for r in plan.routes), *(int(plan.early[v]) for v in visited)]
    offset = -min(times)
    scale = _money_scale(plan)

    locations = [Location(float(lon), float(lat)) for lat, lon in zip(plan.lat, plan.lon, strict=True)]
    clients = [
        Client(
            location=int(v),
            delivery=[int(plan.demand[v])],
            service_duration=int(plan.service[v]),
            tw_early=int(plan.early[v]) + offset,
            tw_late=int(plan.late[v]) + offset,
            required=True,
        )
        for v in visited
    ]
    vehicle_types = [
        VehicleType(
            num_available=1,
            capacity=[int(r.capacity)],
            start_depot=0,
            end_depot=0,
            fixed_cost=int(round(r.fixed_cost * scale)),
            tw_early=int(r.start) + offset,
            tw_late=int(r.end) + offset,
            unit_distance_cost=int(round(_per_metre(r) * scale)),
            unit_duration_cost=0,
            profile=speeds.index(float(r.speed_kmh)),
            name=str(r.key),
        )
        for r in plan.routes
    ]
    data = ProblemData(
        locations,
        clients,
        [Depot(location=0)],
        vehicle_types,
        [matrices.distance for _ in speeds],
        [matrices.durations[speed] for speed in speeds],
    )
    return data, visited


def reoptimise(
    plan: PlanData,
    *,
    max_iterations: int | None = None,
    max_runtime: float | None = None,
    seed: int = 0,
) -> ReoptResult:
    """Re-solve the plan's routes with PyVRP and return a cheaper feasible plan if one is found.

    Parameters
    ----------
    plan
        The current plan; it is not changed. Stop keys must be unique (the checker's duplicate test).
    max_iterations
        PyVRP iterations; use this (with a fixed ``seed``) wherever results must be reproducible.
    max_runtime
        Wall-clock seconds; for benchmarks and background work. With both limits the first one
        reached stops the search; with neither, ``DEFAULT_MAX_ITERATIONS``.
    seed
        PyVRP's random seed.

    Returns
    -------
    ReoptResult
    """
    cost_before = plan_cost(plan)
    if not any(r.visits for r in plan.routes):
        return ReoptResult(False, None, cost_before, cost_before, NO_STOPS)

    candidate, reason = solve_plan(
        plan, stop=_stopping_criterion(max_iterations, max_runtime), seed=seed, warm_start=True
    )
    if candidate is None:
        return ReoptResult(False, None, cost_before, cost_before, reason)
    cost_after = plan_cost(candidate)
    if not cost_after < cost_before - _RELATIVE_TOLERANCE * max(1.0, abs(cost_before)):
        return ReoptResult(False, None, cost_before, cost_after, NOT_CHEAPER)
    return ReoptResult(True, candidate, cost_before, cost_after, IMPROVED)


def plan_solution(data, plan: PlanData, client_location) -> Solution:
    """``plan``'s routes as a PyVRP ``Solution`` of ``data`` (a warm start); ``client_location[c]``
    is the plan location of PyVRP client ``c``."""
    client_of = {int(loc): c for c, loc in enumerate(client_location)}
    return Solution(
        data,
        [
            Route(data, [client_of[v] for v in r.visits], index)
            for index, r in enumerate(plan.routes)
            if r.visits
        ],
    )


def solve_plan(
    plan: PlanData, *, stop, seed: int = 0, warm_start: bool = True
) -> tuple[PlanData | None, str]:
    """PyVRP's best plan over the plan's visited stops and its routes (shifts), checked.

    Parameters
    ----------
    plan
        Its routes' visits say which stops to plan; with ``warm_start`` they are also PyVRP's
        initial solution, without it PyVRP starts from scratch (an offline solve).
    stop
        PyVRP's stopping criterion.
    seed
        PyVRP's random seed.

    Returns
    -------
    (plan, reason)
        The new plan and ``IMPROVED`` when PyVRP's best solution is feasible, visits every stop
        once and passes the independent checker (cheaper or not); else None and ``INFEASIBLE``,
        ``INCOMPLETE`` or ``CHECK_FAILED``.
    """
    matrices = plan_matrices(plan)
    data, client_location = to_problem_data(plan, matrices)
    warm = plan_solution(data, plan, client_location) if warm_start else None
    result = solve(
        data,
        stop=stop,
        seed=seed,
        collect_stats=False,
        display=False,
        initial_solution=warm,
        params=_solve_params(matrices, data),
    )
    if not result.is_feasible():
        return None, INFEASIBLE

    visits: list[list[int]] = [[] for _ in plan.routes]
    for route in result.best.routes():
        vehicle_type = route.vehicle_type()
        if visits[vehicle_type]:  # one vehicle per type: a second route would be a bug upstream
            return None, INCOMPLETE
        visits[vehicle_type] = [int(client_location[a.idx]) for a in route if a.is_client()]
    planned = sorted(v for vs in visits for v in vs)
    if planned != client_location.tolist():
        return None, INCOMPLETE

    candidate = with_routes(
        plan, [dataclasses.replace(r, visits=tuple(vs)) for r, vs in zip(plan.routes, visits, strict=True)]
    )
    if check_plan(candidate):
        return None, CHECK_FAILED
    return candidate, IMPROVED
