"""A tiny season end to end: the invariants the evidence rests on.

Given the demo city with a dozen shoppers a day and a small PyVRP budget, when the three policies
run on the same season, then: they meet identical shoppers, exact feasibility never fails a
delivery (checked by the independent plan checker), static quotas can, and a seed reproduces it all.
"""

import dataclasses
import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from lab.simulation.city import CARGO_BIKE, HOUR, Depot, Vehicle, utrecht
from lab.simulation.demand import DemandParams, season_generate
from lab.simulation.policies import Economics, FlatPolicy, IncentivePolicy, QuotaPolicy, rule_terms
from lab.simulation.runner import SeasonTask, run_task, season_digest
from lab.simulation.season import RoutingBudget, season_run
from pricing.calculation import PeakPeriod
from pricing.choice import ChoiceModel
from routing.checker import check_plan

DEMAND = DemandParams(shoppers_per_day=12.0)
BUDGET = RoutingBudget(max_iterations=20, seed=1)
POLICIES = {
    "quota": QuotaPolicy(flat_price=Decimal("4.50"), quota_scale=1.0),
    "flat": FlatPolicy(flat_price=Decimal("4.50")),
    "incentive": IncentivePolicy(terms=rule_terms()),
}


@pytest.fixture(scope="module")
def city():
    return utrecht()


@pytest.fixture(scope="module")
def season(city):
    return season_generate(city=city, demand=DEMAND, seed=7)


@pytest.fixture(scope="module")
def results(city, season):
    return {
        name: season_run(
            city=city, demand=DEMAND, season=season, policy=policy, choice=ChoiceModel(), budget=BUDGET
        )
        for name, policy in POLICIES.items()
    }


def served_keys(result):
    return sorted(
        int(plan.keys[v]) - 1 for plan in result.plans.values() for r in plan.routes for v in r.visits
    )


def test_a_seed_reproduces_the_shoppers_and_other_seeds_do_not(city, season):
    again = season_generate(city=city, demand=DEMAND, seed=7)
    other = season_generate(city=city, demand=DEMAND, seed=8)

    assert season_digest(again) == season_digest(season)
    assert season_digest(other) != season_digest(season)
    assert np.all(np.diff(season.arrival) >= 0)  # arrival order
    assert np.all(season.preferred_day * 86_400 + 24 * HOUR > season.arrival)  # nobody books for a past day
    assert season.gumbel.shape == (season.size, city.season_days, len(city.windows))


def test_every_policy_meets_the_same_shoppers(results, season):
    for result in results.values():
        assert result.shoppers == season.size
    # Identical draws mean identical decisions where the offers coincide: the first shopper sees the
    # same empty plans (same availability) under the quota and the flat policy at the same price.
    assert results["quota"].shopper[:1] == results["flat"].shopper[:1]
    assert results["quota"].window[:1] == results["flat"].window[:1]


def test_exact_feasibility_never_fails_a_delivery(results):
    for name in ("flat", "incentive"):
        result = results[name]

        assert result.failed == set()
        assert served_keys(result) == sorted(result.shopper)  # every accepted order is driven, once
        for plan in result.plans.values():
            assert check_plan(plan) == []


def test_the_driven_plans_keep_each_order_in_its_booked_window(city, results):
    for result in results.values():
        booked = {s: (d, k) for s, d, k in zip(result.shopper, result.day, result.window, strict=True)}
        for (_, day), plan in result.plans.items():
            for v in range(1, plan.num_locations):
                booked_day, k = booked[int(plan.keys[v]) - 1]
                assert booked_day == day
                assert (plan.early[v], plan.late[v]) == (city.windows[k].start, city.windows[k].end)


def test_the_season_is_reproducible(city, season, results):
    again = season_run(
        city=city,
        demand=DEMAND,
        season=season,
        policy=POLICIES["incentive"],
        choice=ChoiceModel(),
        budget=BUDGET,
    )
    economics = Economics()

    first = results["incentive"].kpis(economics=economics, window_hours=city.window_hours)
    second = again.kpis(economics=economics, window_hours=city.window_hours)

    assert second == first
    assert again.shopper == results["incentive"].shopper


def test_incentive_prices_respect_the_rules_floor_cap_and_step(results):
    terms = rule_terms()
    prices = [Decimal(str(p)) for p in results["incentive"].price]

    assert prices
    assert all(terms.floor <= p <= terms.cap for p in prices)
    assert all(p % terms.rounding_step == 0 for p in prices)


def test_static_quotas_can_oversell_and_those_orders_fail():
    # One cargo bike (12 units) and generous quotas: the shop sells more than the bike carries.
    bike_city = dataclasses.replace(
        utrecht(),
        depots=(Depot("tiny", 52.1045, 5.0660, (Vehicle("Bike", CARGO_BIKE, 8 * HOUR, 16 * HOUR),)),),
    )
    demand = DemandParams(shoppers_per_day=15.0)
    season = season_generate(city=bike_city, demand=demand, seed=3)
    policy = QuotaPolicy(flat_price=Decimal("4.50"), quota_scale=3.0)

    result = season_run(
        city=bike_city, demand=demand, season=season, policy=policy, choice=ChoiceModel(), budget=BUDGET
    )

    assert result.failed
    assert set(served_keys(result)) | result.failed == set(result.shopper)
    assert not set(served_keys(result)) & result.failed
    kpis = result.kpis(economics=Economics(), window_hours=bike_city.window_hours)
    assert kpis["failed_deliveries"] == len(result.failed)
    assert kpis["orders_served"] == len(result.shopper) - len(result.failed)


def test_each_experiment_task_rebuilds_the_same_shoppers_for_every_policy():
    tasks = [
        SeasonTask(
            policy=policy, seed=7, choice=ChoiceModel(), demand=DEMAND, budget=BUDGET, economics=Economics()
        )
        for policy in POLICIES.values()
    ]

    runs = [run_task(task) for task in tasks]

    assert len({run["shoppers_digest"] for run in runs}) == 1
    assert len({run["shoppers"] for run in runs}) == 1
    assert runs[1]["failed_deliveries"] == runs[2]["failed_deliveries"] == 0


def test_incentive_offers_are_priced_by_the_products_rules_including_peak_surcharges(city, season):
    # Given rules of a base fee alone (no pass-through, no discounts: far from floor and cap) and a
    # EUR 1.00 peak surcharge
    # over the whole delivery day (every window lies inside it, so each pays all of it), when the
    # same season runs with and without the peak, then until the first shopper decides differently
    # the same orders are sold, each exactly EUR 1.00 dearer.
    peak = PeakPeriod(start=dt.time(8), end=dt.time(21), amount=Decimal("1.00"))
    base_fee_only = dict(
        cost_passthrough=Decimal("0"),
        width_discount_per_hour=Decimal("0"),
        consolidation_discount=Decimal("0"),
    )
    plain = IncentivePolicy(terms=rule_terms(**base_fee_only))
    peaked = IncentivePolicy(terms=rule_terms(**base_fee_only, peak_periods=(peak,)))

    # Shoppers who barely mind a euro, so the first decisions are the same under both.
    indifferent = ChoiceModel(price_per_eur=-0.01)
    runs = [
        season_run(city=city, demand=DEMAND, season=season, policy=p, choice=indifferent, budget=BUDGET)
        for p in (plain, peaked)
    ]

    common = 0
    for first, second in zip(
        *(zip(r.shopper, r.day, r.window, r.price, strict=True) for r in runs), strict=False
    ):
        if first[:3] != second[:3]:
            break
        assert (first[3], second[3]) == (3.0, 4.0)
        common += 1
    assert common >= 1
