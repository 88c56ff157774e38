"""The independent plan checker catches every kind of broken route.

Stops lie on the meridian 4.0 E north of a depot at 52.0 N: point k is 0.01 * k degrees away,
1112 m per step at circuity 1.0, and at 3.6 km/h (1 m/s) seconds equal metres.
"""

from routing.checker import (
    CAPACITY,
    DUPLICATE,
    LATE,
    SHIFT_END,
    CheckedRoute,
    CheckedStop,
    check_plan,
    check_routes,
)
from routing.plan import build_plan
from routing.problem import RouteSpec, StopSpec


def stop(key, k, *, early=0, late=100_000, service=0, demand=1):
    return CheckedStop(
        key=key, lat=52.0 + 0.01 * k, lon=4.0, early=early, late=late, service=service, demand=demand
    )


def check(*routes):
    return check_routes(depot_lat=52.0, depot_lon=4.0, circuity=1.0, routes=routes)


def van(*stops, key=7, capacity=10, start=0, end=100_000):
    return CheckedRoute(key=key, capacity=capacity, start=start, end=end, speed_kmh=3.6, stops=tuple(stops))


def test_a_sound_route_has_no_violation():
    # Arrive at stop 1 at 1112, wait until 2000 (waiting is allowed), serve 60 s, then stop 2 at 3172.
    assert (
        check(van(stop(1, 1, early=2000, late=2000, service=60), stop(2, 2, late=3172), end=3172 + 2224))
        == []
    )


def test_it_catches_a_late_stop():
    # Stop 2 is reached at 1112 + 1112 = 2224, one second after its window closes.
    violations = check(van(stop(1, 1), stop(2, 2, late=2223)))
    assert [(v.route_key, v.stop_key, v.code) for v in violations] == [(7, 2, LATE)]
    assert "1s after" in violations[0].message


def test_it_counts_the_wait_for_a_window_that_makes_a_later_stop_late():
    # Stop 1 cannot start before 2000; leaving at 2060, stop 2 is reached at 3172, one second late.
    # Without the wait it would be reached at 1112 + 60 + 1112 = 2284, in time.
    violations = check(van(stop(1, 1, early=2000, late=2000, service=60), stop(2, 2, late=3171)))
    assert [(v.stop_key, v.code) for v in violations] == [(2, LATE)]


def test_it_catches_an_overload():
    violations = check(van(stop(1, 1, demand=2), stop(2, 2, demand=2), capacity=3))
    assert [(v.route_key, v.stop_key, v.code) for v in violations] == [(7, None, CAPACITY)]


def test_it_catches_a_shift_end_overrun():
    # Out 2224, serve 30, back 2224: at the depot at 4478, one second after the shift.
    assert check(van(stop(1, 2, service=30), end=4478)) == []
    violations = check(van(stop(1, 2, service=30), end=4477))
    assert [(v.route_key, v.code) for v in violations] == [(7, SHIFT_END)]


def test_it_catches_a_stop_planned_twice():
    violations = check(van(stop(1, 1), key=1), van(stop(2, 2), stop(1, 1), key=2))
    assert [(v.route_key, v.stop_key, v.code) for v in violations] == [(2, 1, DUPLICATE)]


def test_check_plan_reads_a_compiled_plan():
    stops = [
        StopSpec(lat=52.01, lon=4.0, early=0, late=1111, service=0, demand=1, key=41),
        StopSpec(lat=52.02, lon=4.0, early=0, late=100_000, service=0, demand=1, key=42),
    ]
    route = RouteSpec(
        key=9, capacity=1, start=0, end=4000, speed_kmh=3.6, cost_per_km=1.0, cost_per_hour=0.0, visits=(1, 2)
    )
    plan = build_plan(depot_lat=52.0, depot_lon=4.0, stops=stops, routes=[route], circuity=1.0)
    # Stop 41 at 1112 > 1111; load 2 > 1; back at 2224 + 2224 = 4448 > 4000.
    codes = sorted((v.stop_key or 0, v.code) for v in check_plan(plan))
    assert codes == [(0, CAPACITY), (0, SHIFT_END), (41, LATE)]
