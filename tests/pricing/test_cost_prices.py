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
    revenue_neutral_markup,
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


def mean_paid(prices, hours=None, days=None):
    """The mean price a buying shopper pays under the default choice model, by hand: nested logit
    with one nest per day (lambda 0.5), P(j) = P(day) x P(j | day)."""
    model = ChoiceModel()
    lam = model.nest_scale
    hours = hours or ["1"] * len(prices)
    days = days or [0] * len(prices)
    v = [
        model.price_per_eur * float(p) + model.width(D(h)) + model.per_day_later * d
        for p, h, d in zip(prices, hours, days, strict=True)
    ]
    inner = {d: sum(math.exp(x / lam) for x, e in zip(v, days, strict=True) if e == d) for d in set(days)}
    total = sum(value**lam for value in inner.values())
    shares = [inner[d] ** lam / total * math.exp(x / lam) / inner[d] for x, d in zip(v, days, strict=True)]
    return sum(share * float(p) for share, p in zip(shares, prices, strict=True))


def test_a_revenue_neutral_markup_keeps_the_mean_paid_price_at_the_reference():
    rules = terms(markup_mode=MARKUP_REVENUE_NEUTRAL, reference_price=D("7.00"), rounding_step=D("0.01"))

    prices = price_offer_by_costs(terms=rules, windows=[window("1.00"), window("2.00"), window("4.00")])

    amounts = [p.amount for p in prices]
    markup = lines(prices[0])["markup"]
    assert all(lines(p)["markup"] == markup for p in prices), "one markup for the offer"
    assert [a - amounts[0] for a in amounts] == [D("0.00"), D("1.00"), D("3.00")], "gaps = cost gaps"
    # The largest markup (whole cents) whose mean paid price stays at or under EUR 7.
    assert mean_paid(amounts) <= 7.0 < mean_paid([a + D("0.01") for a in amounts])
    # Shoppers lean to the cheap windows, so the mean *offered* price sits above the reference.
    assert sum(amounts) / 3 > D("7.00")


def test_the_revenue_neutral_markup_weighs_width_and_later_days_as_shoppers_do():
    rules = terms(markup_mode=MARKUP_REVENUE_NEUTRAL, reference_price=D("7.00"), rounding_step=D("0.01"))
    windows = [window("1.00", day=1), window("1.00", hours="4", day=1), window("3.00", day=3)]

    amounts = [p.amount for p in price_offer_by_costs(terms=rules, windows=windows)]

    hours, days = ["1", "4", "1"], [0, 0, 1]  # day 3 is the offer's second day
    assert mean_paid(amounts, hours, days) <= 7.0 < mean_paid([a + D("0.01") for a in amounts], hours, days)


def test_the_revenue_neutral_markup_makes_up_for_a_capped_window():
    rules = terms(markup_mode=MARKUP_REVENUE_NEUTRAL, reference_price=D("7.00"), rounding_step=D("0.01"))

    prices = price_offer_by_costs(terms=rules, windows=[window("0.00"), window("6.00")])

    amounts = [p.amount for p in prices]
    assert amounts[1] == D("10.00") and lines(prices[1])["cap"] < 0, "the dear window is capped"
    above = [min(a + D("0.01"), D("10.00")) for a in amounts]
    assert mean_paid(amounts) <= 7.0 < mean_paid(above)


def test_without_weights_the_revenue_neutral_markup_holds_the_mean_offered_price():
    rules = terms(markup_mode=MARKUP_REVENUE_NEUTRAL, reference_price=D("7.00"))

    markup = revenue_neutral_markup(
        terms=rules, subtotals=[D("1.00"), D("2.00"), D("6.00")], reference=D("7.00")
    )

    # (1 + m + 2 + m + min(6 + m, 10)) / 3 = 7: m = 4.00 (6 + 4 = 10 just reaches the cap)
    assert markup == D("4.00")


@given(
    subtotals=st.lists(st.integers(-1500, 1500), min_size=1, max_size=12),
    reference=st.integers(100, 950),
)
def test_the_revenue_neutral_markup_is_the_largest_at_or_under_the_reference(subtotals, reference):
    rules = terms(markup_mode=MARKUP_REVENUE_NEUTRAL, reference_price=D(reference) / 100)
    base = [D(s) / 100 for s in subtotals]
    utility = [0.0] * len(base)

    markup = revenue_neutral_markup(
        terms=rules, subtotals=base, reference=D(reference) / 100, other_utility=utility, nest_scale=0.5
    )

    def paid(m):
        return mean_paid([min(max(b + m, D("0.00")), D("10.00")) for b in base])

    reachable = paid(D("-100")) <= reference / 100 + 1e-9
    if reachable and paid(D("100")) > reference / 100 + 1e-9:
        assert paid(markup) <= reference / 100 + 1e-9 < paid(markup + D("0.01"))


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
