"""The three-cost price (issue 12): markup + expected cost + displacement - basket margin + carbon,
on tiny offers checked by hand."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.calculation import (
    MARKUP_FIXED,
    MARKUP_LOGIT,
    MARKUP_REVENUE_NEUTRAL,
    PRICE_BY_THREE_COSTS,
    RuleTerms,
)
from pricing.choice import ChoiceModel
from pricing.cost_prices import (
    WindowCosts,
    carbon_cost,
    logit_markup,
    logit_optimal_markup,
    price_offer_by_costs,
)
from pricing.windows import WindowCost, price_windows
from tests.pricing.rule_terms import plain_terms

D = Decimal
TZ = dt.timezone(dt.timedelta(hours=2))


def terms(**overrides) -> RuleTerms:
    return plain_terms(**{"pricing_mode": PRICE_BY_THREE_COSTS, **overrides})


def window(expected="2.00", displacement="0.00", grams=200, hours="1", day=1, **extra) -> WindowCosts:
    return WindowCosts(
        available=True,
        day_key=day,
        window_hours=D(hours),
        expected_cost=D(expected),
        displacement_cost=D(displacement),
        grams=grams,
        **extra,
    )


def lines(price) -> dict[str, Decimal]:
    return {line.code: line.amount for line in price.lines}


def test_it_adds_markup_expected_cost_displacement_and_carbon_and_subtracts_the_basket_margin():
    rules = terms(markup=D("6.00"), basket_margin=D("3.00"), carbon_price_per_kg=D("0.50"))

    [price] = price_offer_by_costs(terms=rules, windows=[window("2.00", "1.25", grams=400)])

    # 6.00 + 2.00 + 1.25 - 3.00 + 0.4 kg x 0.50 = 6.45, rounded to 6.50
    assert lines(price) == {
        "markup": D("6.00"),
        "expected_cost": D("2.00"),
        "displacement": D("1.25"),
        "basket_margin": D("-3.00"),
        "carbon": D("0.20"),
        "rounding": D("0.05"),
    }
    assert price.amount == D("6.50")


def test_price_gaps_equal_cost_gaps_under_one_markup():
    rules = terms(markup=D("3.00"), rounding_step=D("0.01"))

    cheap, dear = price_offer_by_costs(terms=rules, windows=[window("1.00"), window("3.50", "0.50")])

    assert dear.amount - cheap.amount == D("3.00")


def test_it_clamps_to_the_cap_with_a_line():
    [price] = price_offer_by_costs(terms=terms(markup=D("9.00")), windows=[window("4.00")])

    assert price.amount == D("10.00")
    assert lines(price)["cap"] == D("-3.00")


def test_a_revenue_neutral_markup_keeps_the_mean_offered_price_at_the_reference():
    rules = terms(markup_mode=MARKUP_REVENUE_NEUTRAL, reference_price=D("7.00"), rounding_step=D("0.01"))

    prices = price_offer_by_costs(terms=rules, windows=[window("1.00"), window("2.00"), window("6.00")])

    # markup m with (1 + m + 2 + m + 6 + m) / 3 = 7: m = 4.00; prices 5, 6, 10
    assert [p.amount for p in prices] == [D("5.00"), D("6.00"), D("10.00")]
    assert lines(prices[0])["markup"] == D("4.00")


def test_the_revenue_neutral_markup_makes_up_for_a_capped_window():
    rules = terms(markup_mode=MARKUP_REVENUE_NEUTRAL, reference_price=D("7.00"), rounding_step=D("0.01"))

    prices = price_offer_by_costs(terms=rules, windows=[window("0.00"), window("9.00")])

    # 9 + m is capped at 10, so 0 + m = 4: m = 4.00 gives (4 + 10) / 2 = 7
    assert [p.amount for p in prices] == [D("4.00"), D("10.00")]


def test_the_service_floor_brings_each_days_cheapest_window_down():
    rules = terms(markup=D("5.00"), service_floor_price=D("4.00"))

    prices = price_offer_by_costs(
        terms=rules, windows=[window("1.00", day=1), window("2.00", day=1), window("0.50", day=2)]
    )

    assert [p.amount for p in prices] == [D("4.00"), D("7.00"), D("4.00")]
    assert lines(prices[0])["service_floor"] == D("-2.00")
    assert lines(prices[2])["service_floor"] == D("-1.50")


def test_the_logit_markup_is_one_over_beta_times_the_no_purchase_share():
    assert logit_markup(price_per_eur=-0.5, no_purchase_share=0.4) == D("5.00")


def test_the_logit_optimal_markup_solves_its_fixed_point():
    choice = ChoiceModel(price_per_eur=-1.0, no_purchase=0.0)

    markup = logit_optimal_markup(costs=[0.0], other_utility=[0.0], choice=choice)

    # m = 1 / P0(m) with P0 = 1 / (1 + e^-m): m = 1 + e^-m, m = 1.2785
    assert markup == D("1.28")
    assert float(markup) == pytest.approx(1 + math.exp(-float(markup)), abs=0.01)


def test_the_logit_markup_mode_prices_cost_plus_the_markup():
    choice = ChoiceModel(price_per_eur=-1.0, no_purchase=0.0)
    rules = terms(markup_mode=MARKUP_LOGIT, rounding_step=D("0.01"))

    [price] = price_offer_by_costs(terms=rules, windows=[window("2.00")], choice=choice)

    # m = 1 / P0 with P0 = 1 / (1 + e^-(2 + m)): m = 1 + e^-(2 + m) = 1.05
    assert price.amount == D("3.05")


def test_an_unavailable_window_has_no_price():
    prices = price_offer_by_costs(
        terms=terms(markup=D("1.00")),
        windows=[WindowCosts(available=False, day_key=1, window_hours=D(1)), window("1.00")],
    )

    assert prices[0] is None and prices[1].amount == D("2.00")


def test_carbon_cost_is_kilograms_times_the_carbon_price():
    assert carbon_cost(grams=1_234, carbon_price_per_kg=D("0.10")) == D("0.12")


@given(
    costs=st.lists(st.decimals("-5", "15", places=2), min_size=1, max_size=8),
    mode=st.sampled_from([MARKUP_FIXED, MARKUP_REVENUE_NEUTRAL, MARKUP_LOGIT]),
    floor_price=st.sampled_from([None, D("3.00")]),
)
def test_the_lines_always_sum_to_a_price_within_the_bounds(costs, mode, floor_price):
    rules = terms(
        markup=D("2.00"),
        markup_mode=mode,
        reference_price=D("7.00"),
        basket_margin=D("1.00"),
        service_floor_price=floor_price,
    )

    prices = price_offer_by_costs(terms=rules, windows=[window(str(c)) for c in costs])

    for price in prices:
        assert sum(line.amount for line in price.lines) == price.amount
        assert D("0.00") <= price.amount <= D("10.00")


def test_price_windows_uses_the_three_costs_only_when_the_rule_set_opts_in():
    start = dt.datetime(2026, 6, 1, 10, tzinfo=TZ)
    costed = WindowCost(
        day=start.date(),
        start=start,
        end=start + dt.timedelta(hours=1),
        available=True,
        marginal_cost=D("2.00"),
        marginal_km=D("1.5"),
        grams=300,
        expected_cost=D("1.00"),
        displacement_cost=D("0.50"),
    )

    [old] = price_windows(terms=terms(pricing_mode="passthrough"), windows=[costed])
    [new] = price_windows(terms=terms(markup=D("4.00")), windows=[costed])

    assert old.price.amount == D("5.00")  # base fee 3.00 + marginal cost 2.00, as before
    assert new.price.amount == D("5.50")  # markup 4.00 + expected 1.00 + displacement 0.50


def test_the_default_terms_keep_todays_price_mode():
    rules = terms(pricing_mode="passthrough")
    assert not rules.prices_by_three_costs
    assert RuleTerms.__dataclass_fields__["pricing_mode"].default == "passthrough"


def test_a_revenue_neutral_rule_set_needs_a_reference_price():
    with pytest.raises(ValueError, match="reference_price"):
        terms(markup_mode=MARKUP_REVENUE_NEUTRAL)
