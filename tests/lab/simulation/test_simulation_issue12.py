"""Issue 12's simulator: rolling seasons, policy (d) on the product's three-cost prices, cost
conventions, and the no-purchase constant calibrated to a stated conversion."""

from decimal import Decimal

import pytest

from fleet.window_costs import MarginalCostTable
from lab.simulation.city import utrecht
from lab.simulation.demand import DemandParams, season_generate
from lab.simulation.experiment import calibrate_no_purchase
from lab.simulation.policies import CostInputs, CostPolicy, Economics, FlatPolicy, rule_terms
from lab.simulation.season import COST_CONVENTIONS, RoutingBudget, season_run
from pricing.bid_prices import demand_forecast_prior
from pricing.choice import ChoiceModel

DEMAND = DemandParams(shoppers_per_day=12.0)
BUDGET = RoutingBudget(max_iterations=10, seed=1)


@pytest.fixture(scope="module")
def rolling():
    city = utrecht(measured_weeks=1)
    return city, season_generate(city=city, demand=DEMAND, seed=5)


def cost_policy(**overrides) -> CostPolicy:
    inputs = CostInputs(
        marginal_costs=MarginalCostTable(prior=Decimal("3.00")),
        forecast=demand_forecast_prior(van_hours_by_band=(30.0, 41.0, 16.0), orders_per_van_hour=1.6),
        orders_per_van_hour=1.6,
        mean_size=3.5,
        value_per_order=Decimal("10"),
    )
    terms = rule_terms(
        pricing_mode="three_costs", markup=Decimal("14.00"), basket_margin=Decimal("10.00"),
        green_share_max=Decimal("0.30"), **overrides,
    )  # fmt: skip
    return CostPolicy(terms=terms, inputs=inputs)


def test_a_rolling_season_counts_only_the_measured_days_and_their_shoppers(rolling):
    city, season = rolling
    assert (city.season_days, city.measured_days) == (21, (7, 14))

    result = season_run(
        city=city, demand=DEMAND, season=season, policy=FlatPolicy(Decimal("7.00")), choice=ChoiceModel(),
        budget=BUDGET,
    )  # fmt: skip

    assert result.day and all(7 <= day < 14 for day in result.day)
    assert {day for _, day in result.plans} <= set(range(7, 14))
    measured = sum(1 for day in season.preferred_day if 7 <= day < 14)
    assert result.shoppers == measured


def test_policy_d_sells_at_the_product_three_cost_prices_and_labels_at_most_the_share(rolling):
    city, season = rolling

    result = season_run(
        city=city, demand=DEMAND, season=season, policy=cost_policy(), choice=ChoiceModel(), budget=BUDGET
    )

    prices = {Decimal(str(p)).quantize(Decimal("0.01")) for p in result.price}
    assert len(prices) > 3  # prices follow the costs, not one flat fee
    assert all(Decimal("0") <= p <= Decimal("10") and p % Decimal("0.10") == 0 for p in prices)
    assert not result.failed


def test_the_cost_conventions_order_the_contribution(rolling):
    city, season = rolling
    result = season_run(
        city=city, demand=DEMAND, season=season, policy=FlatPolicy(Decimal("7.00")), choice=ChoiceModel(),
        budget=BUDGET,
    )  # fmt: skip

    kpis = result.kpis(economics=Economics(), window_hours=city.window_hours)

    driving, used, rostered = (kpis[f"contribution_per_shopper_{name}"] for name in COST_CONVENTIONS)
    assert driving > used > rostered
    assert kpis["contribution_per_shopper"] == driving


def test_the_no_purchase_constant_is_calibrated_to_the_stated_conversion():
    lenient = calibrate_no_purchase(
        choice=ChoiceModel(), demand=DEMAND, seeds=(5,), conversion=0.9, price=Decimal("7.00")
    )
    strict = calibrate_no_purchase(
        choice=ChoiceModel(), demand=DEMAND, seeds=(5,), conversion=0.5, price=Decimal("7.00")
    )

    assert strict > lenient  # a more attractive no-purchase option means fewer buyers
