"""Routing a depot-day after the cut-off: served orders stay served, what cannot be driven fails.

Stops lie on the meridian 4.0 E north of a depot at 52.0 N: point k is 0.01 * k degrees away,
1112 m per step at circuity 1.0; at 3.6 km/h seconds equal metres.
"""

import pytest

from lab.simulation.final_routing import route_day
from routing.checker import check_plan
from routing.plan import build_plan, plan_cost
from routing.problem import RouteSpec, StopSpec


def stop(k, *, key, early=0, late=100_000, demand=1):
    return StopSpec(lat=52.0 + 0.01 * k, lon=4.0, early=early, late=late, service=0, demand=demand, key=key)


def route(visits, *, key, capacity=5):
    return RouteSpec(
        key=key,
        capacity=capacity,
        start=0,
        end=100_000,
        speed_kmh=3.6,
        cost_per_km=1.0,
        cost_per_hour=0.0,
        fixed_cost=10.0,
        visits=tuple(visits),
    )


def line_plan(stops, routes):
    return build_plan(depot_lat=52.0, depot_lon=4.0, stops=stops, routes=routes, circuity=1.0)


def visited_keys(plan):
    return sorted(int(plan.keys[v]) for r in plan.routes for v in r.visits)


def test_a_feasible_plan_keeps_every_order_and_gets_no_dearer():
    # Two vans each drive out for one stop; one van could take both.
    plan = line_plan([stop(1, key=11), stop(2, key=12)], [route([1], key=1), route([2], key=2)])

    routed = route_day(plan, max_iterations=200, seed=1)

    assert routed.failed_keys == ()
    assert visited_keys(routed.plan) == [11, 12]
    assert check_plan(routed.plan) == []
    assert plan_cost(routed.plan) < plan_cost(plan)
    assert routed.improved


def test_orders_the_fleet_cannot_carry_fail_and_the_rest_are_served():
    # One van with room for two orders, one on board and two more accepted without a check.
    plan = line_plan([stop(1, key=11)], [route([1], key=1, capacity=2)])

    routed = route_day(plan, unplanned=[stop(2, key=12), stop(3, key=13)], max_iterations=200, seed=1)

    assert len(routed.failed_keys) == 1
    assert sorted([*visited_keys(routed.plan), *routed.failed_keys]) == [11, 12, 13]
    assert 11 in visited_keys(routed.plan)  # an order on the warm start is never dropped
    assert check_plan(routed.plan) == []


def test_an_order_whose_window_cannot_be_reached_fails():
    # Stop 3 is 3336 m away (3336 s at 1 m/s) but its window closes at 1000 s.
    plan = line_plan([stop(1, key=11)], [route([1], key=1)])

    routed = route_day(plan, unplanned=[stop(3, key=13, late=1_000)], max_iterations=100, seed=1)

    assert routed.failed_keys == (13,)
    assert visited_keys(routed.plan) == [11]


def test_an_infeasible_warm_start_is_refused():
    plan = line_plan([stop(1, key=11, late=10)], [route([1], key=1)])

    with pytest.raises(ValueError, match="feasible warm-start"):
        route_day(plan, max_iterations=10)
