"""Building plan arrays, reading a route's schedule, and adding a visit.

Instances lie on the meridian 4.0 E from a depot at 52.0 N: point k is 0.01 * k degrees north, and
with circuity 1.0 each 0.01 degree is 1111.95 m, rounded up to UNIT = 1112 m (k units rounds to
exactly k * 1112 m for the small k used here). At 3.6 km/h (1 m/s) seconds equal metres.
"""

import dataclasses

import numpy as np
import pytest

from routing.plan import (
    build_plan,
    insert_visit,
    plan_cost,
    plan_matrices,
    route_cost,
    route_schedule,
    with_routes,
)
from routing.problem import TIME_MAX, RouteSpec, StopSpec
from routing.travel import EuclideanMetric, HaversineMetric

UNIT = 1112


def stop(k, *, early=0, late=100_000, service=0, demand=0, key=0):
    return StopSpec(
        lat=52.0 + 0.01 * k, lon=4.0, early=early, late=late, service=service, demand=demand, key=key
    )


def route(visits=(), **overrides):
    fields = dict(key=1, capacity=10, start=0, end=100_000, speed_kmh=3.6, cost_per_km=1.0, cost_per_hour=0.0)
    fields.update(overrides)
    return RouteSpec(visits=tuple(visits), **fields)


def line_plan(stops, routes):
    return build_plan(depot_lat=52.0, depot_lon=4.0, stops=stops, routes=routes, circuity=1.0)


def test_the_depot_is_location_zero_and_always_open():
    plan = line_plan([stop(1, key=11)], [route([1])])
    assert plan.num_locations == 2
    assert plan.early[0] == 0 and plan.late[0] == TIME_MAX
    assert plan.service[0] == 0 and plan.demand[0] == 0 and plan.keys[0] == 0
    assert plan.keys[1] == 11
    assert plan.metric == HaversineMetric(1.0) and plan.circuity == 1.0
    assert plan_matrices(plan).distance.tolist() == [[0, UNIT], [UNIT, 0]]


def test_each_route_drives_its_legs_at_its_own_speed():
    # 1112 m at 1 m/s is 1112 s; at 10 m/s it is 111.2 s, rounded up to 112.
    plan = line_plan(
        [stop(1), stop(3)], [route([1], key=1, speed_kmh=3.6), route([2], key=2, speed_kmh=36.0)]
    )
    assert plan.legs[0].metres.tolist() == [UNIT, UNIT]
    assert plan.legs[0].seconds.tolist() == [1112, 1112]
    assert plan.legs[1].metres.tolist() == [3 * UNIT, 3 * UNIT]
    assert plan.legs[1].seconds.tolist() == [334, 334]
    matrices = plan_matrices(plan)
    assert sorted(matrices.durations) == [3.6, 36.0]
    assert matrices.durations[36.0][0, 1] == 112


def test_a_plan_holds_no_all_pairs_array():
    # O(n) memory: 300 stops on 4 routes; nothing on the plan has n * n = 90601 elements or more.
    rng = np.random.default_rng(5)
    stops = [
        StopSpec(float(52 + rng.uniform(-0.1, 0.1)), float(4 + rng.uniform(-0.1, 0.1)), 0, 9, 0, 0)
        for _ in range(300)
    ]
    routes = [route(range(1 + r, 301, 4), key=r) for r in range(4)]
    plan = build_plan(depot_lat=52.0, depot_lon=4.0, stops=stops, routes=routes)
    grown = insert_visit(plan, stop=stops[0], route_index=1, position=3)
    for candidate in (plan, grown):
        n = candidate.num_locations
        arrays = [v for v in vars(candidate).values() if isinstance(v, np.ndarray)]
        arrays += [a for legs in candidate.legs for a in (legs.metres, legs.seconds)]
        assert len(arrays) == 7 + 2 * 4
        assert max(a.size for a in arrays) < n * n
        assert sum(a.size for a in arrays) <= 7 * n + 2 * (n + 4)


def test_plan_arrays_are_read_only():
    plan = line_plan([stop(1)], [route([1])])
    with pytest.raises(ValueError):
        plan.early[1] = 5
    with pytest.raises(ValueError):
        plan.legs[0].metres[0] = 5


def test_it_rejects_a_visit_outside_the_stops():
    with pytest.raises(ValueError, match="expected 1..1"):
        line_plan([stop(1)], [route([2])])


def test_it_rejects_a_stop_visited_twice():
    with pytest.raises(ValueError, match="more than once"):
        line_plan([stop(1), stop(2)], [route([1, 2], key=1), route([1], key=2)])


def test_a_stop_need_not_be_on_a_route():
    plan = line_plan([stop(1), stop(2)], [route([2])])
    assert plan.num_locations == 3


def test_route_schedule_by_hand():
    # Leave at 100. Stop 1 (k=1): arrive 100 + 1112 = 1212, serve 60 s, leave 1272.
    # Stop 2 (k=3): arrive 1272 + 2224 = 3496, window opens 5000: wait, start 5000, serve 30 s.
    # Back at the depot 5030 + 3336 = 8366. Metres 1112 + 2224 + 3336 = 6672.
    plan = line_plan(
        [stop(1, service=60, demand=2), stop(3, early=5000, late=6000, service=30, demand=3)],
        [route([1, 2], start=100, end=8366)],
    )
    schedule = route_schedule(plan, 0)
    assert schedule.arrivals.tolist() == [1212, 3496]
    assert schedule.starts.tolist() == [1212, 5000]
    assert schedule.return_time == 8366
    assert schedule.load == 5
    assert schedule.metres == 6672
    assert schedule.leg_metres.tolist() == [1112, 2224, 3336]
    assert schedule.leg_seconds.tolist() == [1112, 2224, 3336]
    assert schedule.seconds == 8266
    assert schedule.travel_seconds == 6672 and schedule.service_seconds == 90
    assert schedule.feasible


def test_route_schedule_flags_a_return_one_second_late():
    plan = line_plan([stop(1, service=60)], [route([1], start=100, end=100 + 1112 + 60 + 1112 - 1)])
    assert not route_schedule(plan, 0).feasible


def test_route_schedule_flags_overload_and_a_late_stop():
    assert not route_schedule(line_plan([stop(1, demand=3)], [route([1], capacity=2)]), 0).feasible
    assert not route_schedule(line_plan([stop(1, late=1111)], [route([1])]), 0).feasible
    assert route_schedule(line_plan([stop(1, late=1112)], [route([1])]), 0).feasible


def test_an_empty_route_goes_nowhere():
    schedule = route_schedule(line_plan([], [route([], start=500)]), 0)
    assert schedule.return_time == 500 and schedule.metres == 0 and schedule.feasible


def test_route_cost_charges_km_work_hours_and_the_fixed_cost_of_a_used_route():
    r = route(cost_per_km=0.5, cost_per_hour=36.0, fixed_cost=20.0)
    # 0.5 * 4 km + 36 / h * 0.5 h + 20 = 2 + 18 + 20.
    assert route_cost(r, metres=4000, work_seconds=1800, used=True) == pytest.approx(40.0)
    assert route_cost(r, metres=4000, work_seconds=1800, used=False) == pytest.approx(20.0)


def test_plan_cost_sums_used_routes_and_ignores_waiting():
    # Route 1: 2 * 1112 m, travel 2224 s + service 100 s; waits 1000 s for the window, which is free.
    plan = line_plan(
        [stop(1, early=2112, service=100)],
        [route([1], key=1, cost_per_hour=36.0, fixed_cost=5.0), route([], key=2, fixed_cost=99.0)],
    )
    assert plan_cost(plan) == pytest.approx(2.224 + 36 * 2324 / 3600 + 5.0)


def test_insert_visit_places_the_stop_before_the_given_position():
    plan = line_plan([stop(1), stop(2)], [route([1, 2])])
    assert insert_visit(plan, stop=stop(3), route_index=0, position=0).routes[0].visits == (3, 1, 2)
    assert insert_visit(plan, stop=stop(3), route_index=0, position=1).routes[0].visits == (1, 3, 2)
    assert insert_visit(plan, stop=stop(3), route_index=0, position=2).routes[0].visits == (1, 2, 3)
    with pytest.raises(ValueError, match="position"):
        insert_visit(plan, stop=stop(3), route_index=0, position=3)
    assert plan.routes[0].visits == (1, 2)  # the original plan is untouched


def test_insert_visit_equals_building_the_plan_from_scratch():
    rng = np.random.default_rng(11)
    stops = [
        StopSpec(
            float(52 + rng.uniform(-0.1, 0.1)), float(4 + rng.uniform(-0.1, 0.1)), 0, 50_000, 120, 1, key=i
        )
        for i in range(1, 9)
    ]
    routes = [
        route([1, 2], key=1, speed_kmh=18.0),
        route([3], key=2, speed_kmh=24.0),
        route([], key=3, speed_kmh=18.0),
    ]
    plan = build_plan(depot_lat=52.0, depot_lon=4.0, stops=stops[:3], routes=routes, circuity=1.3)
    for i, new in enumerate(stops[3:]):
        plan = insert_visit(plan, stop=new, route_index=i % 3, position=0)
    expected = build_plan(
        depot_lat=52.0,
        depot_lon=4.0,
        stops=stops,
        routes=[
            dataclasses.replace(r, visits=v)
            for r, v in zip(routes, [(7, 4, 1, 2), (8, 5, 3), (6,)], strict=True)
        ],
        circuity=1.3,
    )
    assert [r.visits for r in plan.routes] == [r.visits for r in expected.routes]
    for name in ("lat", "lon", "early", "late", "service", "demand", "keys"):
        assert np.array_equal(getattr(plan, name), getattr(expected, name)), name
    for grown, built in zip(plan.legs, expected.legs, strict=True):
        assert grown.metres.tolist() == built.metres.tolist()
        assert grown.seconds.tolist() == built.seconds.tolist()


def test_route_legs_equal_the_all_pairs_matrices():
    rng = np.random.default_rng(2)
    stops = [StopSpec(float(rng.uniform(0, 100)), float(rng.uniform(0, 100)), 0, 9, 0, 0) for _ in range(30)]
    routes = [route(range(1, 16), key=1, speed_kmh=3.6), route(range(16, 31), key=2, speed_kmh=18.0)]
    metric = EuclideanMetric(scale=10, rounding="floor")
    plan = build_plan(depot_lat=50.0, depot_lon=50.0, stops=stops, routes=routes, metric=metric)
    matrices = plan_matrices(plan)
    for r, spec in enumerate(plan.routes):
        path = np.array((0, *spec.visits, 0))
        assert plan.legs[r].metres.tolist() == matrices.distance[path[:-1], path[1:]].tolist()
        seconds = matrices.durations[spec.speed_kmh]
        assert plan.legs[r].seconds.tolist() == seconds[path[:-1], path[1:]].tolist()


def test_with_routes_keeps_locations_and_the_legs_of_unchanged_routes():
    plan = line_plan([stop(1), stop(2)], [route([1, 2]), route([], key=2)])
    moved = with_routes(plan, [route([1, 2]), route([], key=2, speed_kmh=36.0)])
    assert moved.lat is plan.lat
    assert moved.legs[0] is plan.legs[0]
    assert moved.legs[1].seconds.tolist() == [0]
    swapped = with_routes(plan, [route([2], key=1), route([1], key=2, speed_kmh=36.0)])
    assert swapped.legs[0].metres.tolist() == [2 * UNIT, 2 * UNIT]
    assert swapped.legs[1].seconds.tolist() == [112, 112]
    with pytest.raises(ValueError, match="more than once"):
        with_routes(plan, [route([1, 2]), route([2])])
