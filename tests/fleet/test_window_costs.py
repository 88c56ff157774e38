"""The expected final marginal cost of a window (issue 12), on tiny plans checked by hand."""

from decimal import Decimal

import pytest

from fleet.window_costs import (
    MarginalCostTable,
    day_fill,
    expected_final_marginal_cost,
    marginal_cost_prior,
    marginal_cost_table_learn,
    plan_fill,
    realised_marginal_costs,
)
from routing.plan import build_plan, plan_cost
from routing.problem import RouteSpec, StopSpec

D = Decimal


def test_an_empty_day_is_priced_by_the_learned_average_and_a_full_one_by_its_insertion():
    parts = dict(insertion_cost=D("20.00"), route_opening_cost=D("15.00"), depot_stem_cost=D("4.00"))

    empty = expected_final_marginal_cost(**parts, fill=0, learned_average=D("3.00"))
    full = expected_final_marginal_cost(**parts, fill=1, learned_average=D("3.00"))
    half = expected_final_marginal_cost(**parts, fill=D("0.5"), learned_average=D("3.00"))

    assert empty == D("3.0000")
    assert full == D("20.0000")
    # myopic = 20 - 0.5 x 19 = 10.5; 0.5 x 10.5 + 0.5 x 3 = 6.75
    assert half == D("6.7500")


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
