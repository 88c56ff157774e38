"""Cheapest feasible insertion on tiny instances checked by hand.

Every instance lies on the meridian 4.0 E from a depot at 52.0 N (k = 0): point k is 0.01 * k
degrees north. With circuity 1.0, 0.01 degree is 1111.95 m, rounded up to UNIT = 1112 m, and
|k - j| units is exactly |k - j| * 1112 m. Routes drive at 3.6 km/h = 1 m/s, so seconds equal
metres. Every result is also compared with the brute-force reference.
"""

import numpy as np
import pytest

from routing.insertion import (
    REASON_FULL,
    REASON_NO_SHIFT,
    evaluate_insertion,
    insert_cheapest,
    insertion_slack,
)
from routing.plan import build_plan
from routing.problem import RouteSpec, StopSpec
from routing.reference import evaluate_insertion_reference

UNIT = 1112
OPEN = (0, 100_000)


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


def evaluate(plan, k, windows, *, service=0, demand=0):
    """Insert a stop at point k for each (early, late) window, checked against the reference."""
    early = np.array([w[0] for w in windows], dtype=np.int64)
    late = np.array([w[1] for w in windows], dtype=np.int64)
    kwargs = dict(
        lat=52.0 + 0.01 * k, lon=4.0, service=service, demand=demand, window_early=early, window_late=late
    )
    fast = evaluate_insertion(plan, **kwargs)
    slow = evaluate_insertion_reference(plan, **kwargs)
    for name in ("feasible", "delta_m", "delta_s", "route", "position", "start", "reason"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
    assert np.array_equal(fast.cost, slow.cost, equal_nan=True)
    assert np.array_equal(fast.grams, slow.grams, equal_nan=True)
    assert fast.cells == slow.cells
    return fast


def test_a_window_closing_at_the_arrival_is_feasible_and_one_second_earlier_is_not():
    # Empty route leaving at 0: the stop at k=1 is reached at 1112.
    plan = line_plan([], [route()])
    result = evaluate(plan, 1, [(0, 1112), (0, 1111)])
    assert result.feasible.tolist() == [True, False]
    assert result.start[0] == 1112
    assert result.reason.tolist() == ["", REASON_NO_SHIFT]


def test_the_vehicle_waits_for_the_window_to_open():
    # Arrives at 1112, waits until 5000; waiting is not driving: delta_s = 1112 out + 1112 back.
    plan = line_plan([], [route()])
    result = evaluate(plan, 1, [(5000, 6000)])
    assert result.feasible[0]
    assert result.start[0] == 5000
    assert result.delta_m[0] == 2 * UNIT
    assert result.delta_s[0] == 2 * UNIT


def test_a_later_stop_window_blocks_an_insertion_before_it():
    # Route 0 -> A (k=2, window [0, 2224]) -> 0. A is reached at exactly 2224.
    # With service 0, the new stop at k=1 fits before A: new at 1112, A still at 1112 + 1112 = 2224.
    # With service 1, A would start at 2225 > 2224, so the stop goes after A:
    # leave A at 2224, new stop at 2224 + 1112 = 3336 (position 1).
    plan = line_plan([stop(2, late=2224)], [route([1])])
    before = evaluate(plan, 1, [OPEN], service=0)
    assert (before.position[0], before.start[0], before.delta_m[0]) == (0, 1112, 0)
    after = evaluate(plan, 1, [OPEN], service=1)
    assert (after.position[0], after.start[0], after.delta_m[0]) == (1, 3336, 0)


def test_capacity_exactly_full_is_feasible_and_one_over_is_full():
    # Capacity 3 carries demand 2 already: 1 more fits, 2 more do not (an empty van would take 2).
    plan = line_plan([stop(2, demand=2)], [route([1], capacity=3)])
    assert evaluate(plan, 1, [OPEN], demand=1).feasible[0]
    over = evaluate(plan, 1, [OPEN], demand=2)
    assert not over.feasible[0]
    assert over.reason[0] == REASON_FULL


def test_returning_exactly_at_shift_end_is_feasible_and_one_second_over_is_not():
    # 1112 out + 100 service + 1112 back = 2324.
    exact = line_plan([], [route(end=2324)])
    assert evaluate(exact, 1, [OPEN], service=100).feasible[0]
    over = line_plan([], [route(end=2323)])
    result = evaluate(over, 1, [OPEN], service=100)
    assert not result.feasible[0]
    assert result.reason[0] == REASON_NO_SHIFT


def test_the_shift_end_also_bounds_the_stops_after_the_insertion():
    # Route 0 -> A (k=1) -> 0 takes 2224 s; the shift ends at 4448. A new stop at k=2 anywhere adds
    # 2224 m (there and back beyond A), so the route would return at exactly 4448: feasible.
    # With a shift ending at 4447 it is full, though an empty van alone (back at 4448) fails too.
    assert evaluate(line_plan([stop(1)], [route([1], end=4448)]), 2, [OPEN]).feasible[0]
    tight = evaluate(line_plan([stop(1)], [route([1], end=4447)]), 2, [OPEN])
    assert not tight.feasible[0] and tight.reason[0] == REASON_NO_SHIFT


def test_inserting_at_the_start_of_a_route():
    # Route 0 -> A (k=2) -> B (k=3) -> 0. A stop at k=1 due by 1112 can only go first.
    plan = line_plan([stop(2), stop(3)], [route([1, 2])])
    result = evaluate(plan, 1, [(0, 1112)])
    assert (result.position[0], result.start[0], result.delta_m[0]) == (0, 1112, 0)


def test_inserting_at_the_end_of_a_route():
    # Route 0 -> A (k=1) -> B (k=2, window [0, 3000]) -> 0; new stop at k=3 with window [4000, 9000].
    # Between A and B it would start at 4000 and push B to 4000 + 1112 = 5112 > 3000.
    # After B: leave B at 2224, arrive 3336, wait to 4000; back at 4000 + 3336 = 7336.
    # delta_m = d(B, new) + d(new, 0) - d(B, 0) = 1112 + 3336 - 2224 = 2224.
    plan = line_plan([stop(1), stop(2, late=3000)], [route([1, 2])])
    result = evaluate(plan, 3, [(4000, 9000)])
    assert (result.position[0], result.start[0], result.delta_m[0]) == (2, 4000, 2224)


def test_equal_costs_go_to_the_earliest_position():
    # Route 0 -> A (k=2) -> 0. A stop at k=1 on the way out or on the way back costs 0 m either way.
    plan = line_plan([stop(2)], [route([1])])
    result = evaluate(plan, 1, [OPEN])
    assert (result.position[0], result.start[0], result.cost[0]) == (0, 1112, 0.0)


def test_an_empty_vehicle_charges_its_fixed_cost():
    # 2224 m at 1 per km = 2.224; (2224 s driving + 100 s service) at 36 per hour = 23.24; fixed 50.
    plan = line_plan([], [route(cost_per_hour=36.0, fixed_cost=50.0, emission_g_per_km=250.0)])
    result = evaluate(plan, 1, [OPEN], service=100)
    assert result.cost[0] == pytest.approx(2.224 + 23.24 + 50.0)
    assert result.grams[0] == pytest.approx(2.224 * 250.0)


def test_a_vehicle_already_out_charges_no_fixed_cost():
    plan = line_plan([stop(2)], [route([1], fixed_cost=50.0)])
    assert evaluate(plan, 1, [OPEN]).cost[0] == 0.0


def test_of_two_vehicles_the_cheaper_one_is_chosen():
    # Both empty: route 0 costs 2 per km (4.448), route 1 costs 1 per km (2.224).
    plan = line_plan([], [route(key=1, cost_per_km=2.0), route(key=2, cost_per_km=1.0)])
    result = evaluate(plan, 1, [OPEN])
    assert (result.route[0], result.cost[0]) == (1, pytest.approx(2.224))
    # Give route 1 a fixed cost of 10 and route 0 wins at 4.448.
    plan = line_plan([], [route(key=1, cost_per_km=2.0), route(key=2, cost_per_km=1.0, fixed_cost=10.0)])
    result = evaluate(plan, 1, [OPEN])
    assert (result.route[0], result.cost[0]) == (0, pytest.approx(4.448))


def test_a_vehicle_passing_by_beats_an_empty_one():
    # Route 0 already drives to k=2 and back: the stop at k=1 adds 0 m. Route 1 would add 2224 m.
    plan = line_plan([stop(2)], [route([], key=1), route([1], key=2)])
    result = evaluate(plan, 1, [OPEN])
    assert (result.route[0], result.position[0], result.delta_m[0]) == (1, 0, 0)


def test_each_window_gets_its_own_cheapest_route():
    # Route 0 runs 0-10000, route 1 runs 20000-40000; both empty, route 1 is cheaper per km.
    plan = line_plan([], [route(key=1, end=10_000, cost_per_km=2.0), route(key=2, start=20_000, end=40_000)])
    result = evaluate(plan, 1, [(0, 5000), (20_000, 30_000), (0, 30_000), (12_000, 15_000)])
    assert result.route.tolist() == [0, 1, 1, -1]
    assert result.start.tolist() == [1112, 21_112, 21_112, -1]
    assert result.reason.tolist() == ["", "", "", REASON_NO_SHIFT]


def test_no_shift_when_no_empty_vehicle_could_serve_it_and_full_otherwise():
    # The shift 0-2000 cannot reach k=1 (1112 s) and get back (another 1112 s): no_shift.
    assert evaluate(line_plan([], [route(end=2000)]), 1, [OPEN]).reason[0] == REASON_NO_SHIFT
    # A van of capacity 1 carrying 1 could serve the stop empty, so it is full, not shiftless.
    full = line_plan([stop(2, demand=1)], [route([1], capacity=1)])
    assert evaluate(full, 1, [OPEN], demand=1).reason[0] == REASON_FULL
    # A van of capacity 1 can never carry 2.
    assert evaluate(full, 1, [OPEN], demand=2).reason[0] == REASON_NO_SHIFT


def test_a_plan_without_routes_has_no_shift():
    result = evaluate(line_plan([], []), 1, [OPEN, (0, 10)])
    assert result.feasible.tolist() == [False, False]
    assert result.reason.tolist() == [REASON_NO_SHIFT, REASON_NO_SHIFT]
    assert result.cells == 0


def test_an_infeasible_route_takes_no_stop():
    # The route as planned is already late at A (reached at 2224, window closes 2000).
    plan = line_plan([stop(2, late=2000)], [route([1])])
    result = evaluate(plan, 1, [OPEN])
    assert not result.feasible[0] and result.reason[0] == REASON_FULL


def test_cells_count_positions_times_windows():
    # Positions: 3 + 1 on route 0 (two visits), 1 on the empty route 1; 4 windows.
    plan = line_plan([stop(1), stop(2)], [route([1, 2]), route([], key=2)])
    assert evaluate(plan, 3, [OPEN] * 4).cells == 4 * 4
    assert insertion_slack(plan).num_positions == 4


def test_slack_arrays_match_the_route_by_hand():
    # Route leaving at 100: 0 -> A (k=1, window [0, 5000], service 60) -> B (k=3, [5000, 6000]) -> 0, end 9000.
    # Earliest starts: A 1212, B max(1272 + 2224, 5000) = 5000.
    # Latest starts: back by 9000, so B by min(6000, 9000 - 3336) = 5664; A by min(5000, 5664 - 2224 - 60) = 3380.
    plan = line_plan(
        [stop(1, late=5000, service=60), stop(3, early=5000, late=6000)], [route([1, 2], start=100, end=9000)]
    )
    slack = insertion_slack(plan)
    assert slack.prev_departure.tolist() == [100, 1212 + 60, 5000]
    assert slack.next_latest.tolist() == [3380, 5664, 9000]
    assert slack.leg_m.tolist() == [1112, 2224, 3336]
    assert slack.route_ok.tolist() == [True]


def test_it_rejects_inverted_windows_and_negative_sizes():
    plan = line_plan([], [route()])
    with pytest.raises(ValueError, match="window_late >= window_early"):
        evaluate_insertion(plan, lat=52.01, lon=4.0, service=0, demand=0, window_early=[10], window_late=[9])
    with pytest.raises(ValueError, match="demand >= 0"):
        evaluate_insertion(plan, lat=52.01, lon=4.0, service=0, demand=-1, window_early=[0], window_late=[9])


def test_insert_cheapest_books_a_stop_in_its_own_window_or_not_at_all():
    # Route 0 -> A (k=2) -> 0: a stop at k=1 fits on the way out (position 0) for 0 extra metres.
    plan = line_plan([stop(2)], [route([1])])
    grown = insert_cheapest(plan, stop(1, key=7))
    assert grown.routes[0].visits == (2, 1) and grown.keys[2] == 7
    # Due by 1111 it cannot be reached (1112 s away): no plan.
    assert insert_cheapest(plan, stop(1, late=1111)) is None
