"""The expected final marginal cost of a window (issue 12), on tiny plans checked by hand."""

from decimal import Decimal

import pytest

from fleet.window_costs import (
    MarginalCostTable,
    day_fill,
    expected_final_marginal_cost,
    insertion_weight_learn,
    marginal_cost_prior,
    marginal_cost_table_learn,
    plan_fill,
    realised_marginal_costs,
)
from routing.plan import build_plan, plan_cost
from routing.problem import RouteSpec, StopSpec

D = Decimal


def test_the_expected_cost_is_the_learned_average_moved_towards_the_insertion_by_the_weight():
    parts = dict(insertion_cost=D("20.00"), route_opening_cost=D("15.00"), depot_stem_cost=D("4.00"))

    empty = expected_final_marginal_cost(
        **parts, fill=0, learned_average=D("3.00"), insertion_weight=D("0.1")
    )
    half = expected_final_marginal_cost(
        **parts, fill=D("0.5"), learned_average=D("3.00"), insertion_weight=D("0.1")
    )
    exact = expected_final_marginal_cost(**parts, fill=1, learned_average=D("3.00"), insertion_weight=D(1))
    average = expected_final_marginal_cost(**parts, fill=1, learned_average=D("3.00"), insertion_weight=D(0))

    # empty day: myopic = 20 - 19 = 1; 3 + 0.1 x (1 - 3) = 2.80
    assert empty == D("2.8000")
    # half full: myopic = 20 - 0.5 x 19 = 10.5; 3 + 0.1 x 7.5 = 3.75
    assert half == D("3.7500")
    assert exact == D("20.0000") and average == D("3.0000")


def test_a_weight_outside_0_to_1_is_refused():
    with pytest.raises(ValueError, match="insertion_weight"):
        expected_final_marginal_cost(
            insertion_cost=D("0"), route_opening_cost=D("0"), depot_stem_cost=D("0"), fill=1,
            learned_average=D("3"), insertion_weight=D("1.5"),
        )  # fmt: skip


def test_the_weight_is_the_slope_of_realised_on_insertion_cost_shrunk_to_the_prior():
    # realised - 3 = 0.2 x (myopic - 3) exactly, on 1,000 orders: the slope is 0.2, barely shrunk.
    samples = [(D(3 + x), D(3), D(3) + D("0.2") * x) for x in (-2, -1, 1, 2, 4) * 200]
    assert insertion_weight_learn(samples, prior=D("0.1"), prior_orders=0) == D("0.200")
    # With the weight of 1,000 orders on the prior 0.1: halfway.
    assert insertion_weight_learn(samples, prior=D("0.1"), prior_orders=1000) == D("0.150")
    assert insertion_weight_learn([], prior=D("0.1")) == D("0.1")
    # A slope below 0 or above 1 is kept within 0..1.
    assert insertion_weight_learn([(D(5), D(3), D(1))] * 50, prior_orders=0) == D("0.000")
    assert insertion_weight_learn([(D(5), D(3), D(9))] * 50, prior_orders=0) == D("1.000")


def test_the_fill_is_the_larger_of_the_load_and_time_shares():
    assert day_fill(booked_units=30, capacity_units=100, work_seconds=3600, shift_seconds=7200) == D("0.5")
    assert day_fill(booked_units=0, capacity_units=0, work_seconds=0, shift_seconds=0) == D(1)


def test_the_table_shrinks_a_rarely_seen_cell_towards_the_prior():
    table = marginal_cost_table_learn([(("z1", "1 h", 1), D("5.00"))] * 20, prior=D("3.00"), prior_orders=20)

    assert table.expected(("z1", "1 h", 1)) == D("4.0000")
    assert table.expected(("z2", "4 h", 6)) == D("3.00")
    assert MarginalCostTable(prior=D("2.5")).expected(("any", "1 h", 1)) == D("2.5")


def test_the_prior_is_a_km_of_detour_and_the_service_time():
    # 1 km at 0.35 + (1/18 h + 3 min) at 28/h = 0.35 + 1.5556 + 1.40
    assert marginal_cost_prior(cost_per_km=D("0.35"), cost_per_hour=D("28"), service_seconds=180) == D(
        "3.3056"
    )


def _line_plan():
    route = RouteSpec(
        key=0,
        capacity=100,
        start=0,
        end=86_400,
        speed_kmh=36.0,
        cost_per_km=1.0,
        cost_per_hour=0.0,
        fixed_cost=10.0,
        emission_g_per_km=0.0,
    )
    stops = [
        StopSpec(lat=0.0, lon=0.01 * k, early=0, late=86_400, service=0, demand=1, key=k) for k in (1, 2)
    ]
    plan = build_plan(depot_lat=0.0, depot_lon=0.0, stops=stops, routes=[route], circuity=1.0)
    import dataclasses

    from routing.plan import with_routes

    return with_routes(plan, [dataclasses.replace(route, visits=(1, 2))])


def test_the_realised_marginal_cost_of_a_stop_is_what_removing_it_saves():
    plan = _line_plan()  # depot - 1 - 2 - depot on a line, 1 EUR per km, no time cost

    costs = realised_marginal_costs(plan)

    # Stop 1 lies on the way to stop 2: removing it saves nothing. Removing stop 2 saves the
    # round trip from stop 1 to stop 2 and back.
    metres = plan.legs[0].metres
    assert costs[1] == pytest.approx(0.0, abs=0.002)
    assert costs[2] == pytest.approx((int(metres[1]) + int(metres[2]) - int(metres[0])) / 1000, rel=0.01)
    assert sum(costs.values()) < plan_cost(plan)  # marginal, not average: the fixed cost is not shared


def test_a_plan_with_two_of_a_hundred_units_booked_is_two_percent_full_by_load():
    assert plan_fill(_line_plan()) >= D("0.02")
