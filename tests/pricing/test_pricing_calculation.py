"""window_price and offer_labels: pure Decimal pricing, checked on tiny hand-made cases."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.calculation import (
    PriceLine,
    RuleTerms,
    WindowPrice,
    window_price,
)
from pricing.labels import LabelInput, offer_labels
from pricing.models import IncentiveRuleSet
from tests.pricing.rule_terms import plain_terms

D = Decimal


def terms(**overrides) -> RuleTerms:
    """Plain terms whose discounts are off unless a test turns them on."""
    return plain_terms(**{"version": 7, "cap": D("99.99"), "rounding_step": D("0.01"), **overrides})


def price(t: RuleTerms, *, cost="0", hours="1", km="5") -> WindowPrice:
    return window_price(terms=t, marginal_cost=D(cost), window_hours=D(hours), marginal_km=D(km))


def codes(p: WindowPrice) -> list[str]:
    return [line.code for line in p.lines]


def line(p: WindowPrice, code: str) -> Decimal:
    return next(line.amount for line in p.lines if line.code == code)


# --- the breakdown ---------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=2_000).map(lambda c: D(c) / 100)


@st.composite
def any_terms(draw) -> RuleTerms:
    floor = draw(cents)
    cap = floor + draw(cents)
    return terms(
        base_fee=draw(cents),
        cost_passthrough=D(draw(st.integers(0, 2_000))) / 1000,
        width_discount_per_hour=draw(cents),
        width_discount_max=draw(cents),
        consolidation_max_km=D(draw(st.integers(0, 500))) / 100,
        consolidation_discount=draw(cents),
        floor=floor,
        cap=cap,
        rounding_step=draw(
            st.sampled_from([D("0.01"), D("0.05"), D("0.10"), D("0.25"), D("0.50"), D("1.00")])
        ),
    )


@given(
    t=any_terms(),
    cost=st.integers(-5_000, 50_000).map(lambda c: D(c) / 1000),
    quarter_hours=st.integers(1, 96),
    metres=st.integers(-10, 30_000),
)
def test_it_sums_the_breakdown_to_the_price_for_any_terms_and_window(t, cost, quarter_hours, metres):
    p = window_price(
        terms=t, marginal_cost=cost, window_hours=D(quarter_hours) / 4, marginal_km=D(metres) / 1000
    )

    assert sum((line.amount for line in p.lines), D(0)) == p.amount
    assert sum(D(row["amount"]) for row in p.breakdown()) == p.amount
    assert t.floor <= p.amount <= t.cap
    assert p.amount == p.amount.quantize(D("0.01"))
    assert all(line.amount.as_tuple().exponent == -2 for line in p.lines)
    on_step = p.amount % t.rounding_step == 0
    assert on_step or "rounding" not in codes(p)


def test_it_lists_base_fee_and_route_cost_then_discounts():
    t = terms(
        width_discount_per_hour=D("0.50"),
        width_discount_max=D("3.00"),
        consolidation_discount=D("1.00"),
    )

    p = price(t, cost="2.345", hours="3", km="0.4")

    assert codes(p) == ["base_fee", "route_cost", "width_discount", "consolidation_discount"]
    assert [line.amount for line in p.lines] == [D("3.00"), D("2.35"), D("-1.00"), D("-1.00")]
    assert p.amount == D("3.35")


def test_it_passes_through_a_share_of_the_route_cost():
    p = price(terms(cost_passthrough=D("0.500")), cost="4.00")

    assert line(p, "route_cost") == D("2.00")
    assert p.amount == D("5.00")


def test_it_serialises_the_breakdown_as_strings():
    p = price(terms(), cost="1.10")

    assert p.breakdown() == [
        {"code": "base_fee", "label": "Delivery fee", "amount": "3.00"},
        {"code": "route_cost", "label": "Route cost of this delivery", "amount": "1.10"},
    ]
    assert p.currency == "EUR"


def test_it_refuses_a_breakdown_that_does_not_sum_to_the_price():
    with pytest.raises(ValueError, match="sums to"):
        WindowPrice(
            amount=D("1.00"), currency="EUR", lines=(PriceLine("base_fee", "Delivery fee", D("0.99")),)
        )


# --- rounding, floor and cap ------------------------------------------------------------------


def test_it_rounds_an_exact_half_step_up():
    p = price(terms(base_fee=D("2.45"), rounding_step=D("0.10")))

    assert p.amount == D("2.50")
    assert line(p, "rounding") == D("0.05")


def test_it_rounds_below_half_a_step_down():
    p = price(terms(base_fee=D("2.44"), rounding_step=D("0.10")))

    assert p.amount == D("2.40")
    assert line(p, "rounding") == D("-0.04")


def test_it_adds_no_rounding_line_when_the_price_is_on_the_step():
    p = price(terms(base_fee=D("2.50"), rounding_step=D("0.50")))

    assert p.amount == D("2.50")
    assert "rounding" not in codes(p)


def test_it_rounds_half_up_to_a_quarter_step():
    p = price(terms(base_fee=D("2.00"), rounding_step=D("0.25")), cost="0.125")

    # 0.125 is itself rounded half up to 0.13, then 2.13 goes to the nearest quarter, 2.25.
    assert line(p, "route_cost") == D("0.13")
    assert p.amount == D("2.25")


def test_it_raises_a_price_below_the_floor_to_the_floor():
    t = terms(base_fee=D("0.50"), floor=D("2.00"), rounding_step=D("0.10"))

    p = price(t)

    assert p.amount == D("2.00")
    assert line(p, "floor") == D("1.50")
    assert "rounding" not in codes(p)


def test_it_raises_a_negative_subtotal_to_the_floor():
    p = price(terms(base_fee=D("1.00"), floor=D("0.00")), cost="-3.00")

    assert p.amount == D("0.00")
    assert line(p, "floor") == D("2.00")


def test_it_lowers_a_price_above_the_cap_to_the_cap():
    t = terms(base_fee=D("3.00"), cap=D("8.00"), rounding_step=D("0.10"))

    p = price(t, cost="12.34")

    assert p.amount == D("8.00")
    assert line(p, "cap") == D("-7.34")
    assert "rounding" not in codes(p)


def test_it_never_rounds_a_capped_price_above_the_cap():
    t = terms(base_fee=D("3.00"), cap=D("9.99"), rounding_step=D("0.10"))

    p = price(t, cost="20.00")

    assert p.amount == D("9.90")
    assert codes(p)[-2:] == ["cap", "rounding"]
    assert line(p, "cap") == D("-13.01")
    assert line(p, "rounding") == D("-0.09")


def test_it_never_rounds_a_floored_price_below_the_floor():
    t = terms(base_fee=D("0.20"), floor=D("1.01"), rounding_step=D("0.10"))

    p = price(t)

    assert p.amount == D("1.10")
    assert line(p, "floor") == D("0.81")
    assert line(p, "rounding") == D("0.09")


def test_it_keeps_the_clamped_price_when_no_step_lies_between_floor_and_cap():
    t = terms(base_fee=D("5.00"), floor=D("9.95"), cap=D("9.99"), rounding_step=D("0.10"))

    p = price(t)

    assert p.amount == D("9.95")
    assert codes(p)[-1] == "floor"


# --- discounts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "discount"),
    [("0.5", None), ("1", None), ("2", "-0.50"), ("2.5", "-0.75"), ("3.5", "-1.20"), ("12", "-1.20")],
)
def test_it_discounts_each_hour_beyond_the_first_up_to_the_maximum(hours, discount):
    t = terms(width_discount_per_hour=D("0.50"), width_discount_max=D("1.20"))

    p = price(t, hours=hours)

    if discount is None:
        assert "width_discount" not in codes(p)
    else:
        assert line(p, "width_discount") == D(discount)


@pytest.mark.parametrize(
    ("km", "discounted"), [("0", True), ("0.999", True), ("1.00", True), ("1.001", False)]
)
def test_it_discounts_a_consolidating_window_up_to_the_threshold_inclusive(km, discounted):
    t = terms(consolidation_max_km=D("1.00"), consolidation_discount=D("0.75"))

    p = price(t, km=km)

    assert ("consolidation_discount" in codes(p)) is discounted
    assert p.amount == (D("2.25") if discounted else D("3.00"))


def test_it_treats_a_slightly_negative_detour_as_consolidating():
    t = terms(consolidation_discount=D("0.75"))

    assert t.consolidates(D("-0.001"))
    assert line(price(t, km="-0.001"), "consolidation_discount") == D("-0.75")


# --- terms ------------------------------------------------------------------------------------


def test_it_refuses_a_float_anywhere_near_a_price():
    with pytest.raises(TypeError, match="marginal_cost"):
        window_price(terms=terms(), marginal_cost=1.5, window_hours=D(1), marginal_km=D(1))
    with pytest.raises(TypeError, match="base_fee"):
        terms(base_fee=3.0)
    with pytest.raises(TypeError, match="window_hours"):
        window_price(terms=terms(), marginal_cost=D(1), window_hours=1.0, marginal_km=D(1))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cap": D("1.00"), "floor": D("2.00")}, "cap >= floor"),
        ({"rounding_step": D("0.00")}, "rounding_step > 0"),
        ({"rounding_step": D("0.005")}, "whole cents"),
        ({"base_fee": D("1.001")}, "whole cents"),
        ({"base_fee": D("-1.00")}, "base_fee >= 0"),
        ({"green_max_grams": -1}, "green_max_grams >= 0"),
        ({"cost_passthrough": D("NaN")}, "finite"),
    ],
)
def test_it_validates_its_terms(overrides, message):
    with pytest.raises(ValueError, match=message):
        terms(**overrides)


def test_it_refuses_a_window_of_no_width():
    with pytest.raises(ValueError, match="window_hours > 0"):
        price(terms(), hours="0")


def test_it_takes_its_terms_from_a_rule_set():
    rule_set = IncentiveRuleSet(version=4, currency="GBP", base_fee=D("2.50"), cap=D("8.00"))

    t = RuleTerms.from_rule_set(rule_set)

    assert t.version == 4
    assert t.currency == "GBP"
    assert t.base_fee == D("2.50")
    assert t.cap == D("8.00")
    # Model defaults carry over unchanged.
    assert t.rounding_step == D("0.10")
    assert t.green_max_grams == 150


# --- labels -----------------------------------------------------------------------------------

DAY_1 = dt.date(2026, 12, 2)
DAY_2 = dt.date(2026, 12, 3)


def window(
    *, grams=1_000, price="5.00", hours="1", consolidates=False, day=DAY_1, available=True
) -> LabelInput:
    return LabelInput(
        available=available,
        price=D(price),
        grams=grams,
        window_hours=D(hours),
        consolidates=consolidates,
        day_key=day,
    )


def green(labels: list[tuple[str, ...]]) -> list[bool]:
    return ["green" in window_labels for window_labels in labels]


def test_it_labels_green_up_to_the_absolute_threshold_inclusive():
    t = terms(green_max_grams=150, green_relative=D("0"))
    windows = [window(grams=10), window(grams=150), window(grams=151)]

    # 151 is neither under 150 g nor within 0 % of the lowest (10 g).
    assert green(offer_labels(terms=t, windows=windows)) == [True, True, False]


def test_it_labels_green_within_a_fraction_of_the_lowest_grams_offered():
    t = terms(green_max_grams=0, green_relative=D("0.25"))
    windows = [window(grams=400), window(grams=500), window(grams=501)]

    assert green(offer_labels(terms=t, windows=windows)) == [True, True, False]


def test_it_measures_relative_green_against_available_windows_only():
    t = terms(green_max_grams=0, green_relative=D("0.25"))
    windows = [window(grams=100, available=False), window(grams=400), window(grams=500)]

    labels = offer_labels(terms=t, windows=windows)

    assert labels[0] == ()
    assert green(labels) == [False, True, True]


def test_it_gives_unavailable_windows_no_labels():
    t = terms(green_max_grams=1_000)
    windows = [window(grams=0, price="0.00", hours="8", consolidates=True, available=False), window()]

    labels = offer_labels(terms=t, windows=windows)

    assert labels[0] == ()
    assert "best_value" in labels[1]


def test_it_labels_nothing_when_no_window_is_available():
    windows = [window(available=False), window(available=False, day=DAY_2)]

    assert offer_labels(terms=terms(), windows=windows) == [(), ()]


def test_it_labels_the_cheapest_windows_of_each_day_best_value():
    windows = [
        window(price="3.00"),
        window(price="2.00"),
        window(price="2.00"),
        window(price="1.00", available=False),
        window(price="5.00", day=DAY_2),
        window(price="6.00", day=DAY_2),
    ]

    labels = offer_labels(terms=terms(green_max_grams=0, green_relative=D("0")), windows=windows)

    assert ["best_value" in window_labels for window_labels in labels] == [
        False,
        True,
        True,
        False,
        True,
        False,
    ]


@pytest.mark.parametrize(("hours", "wide"), [("3.99", False), ("4", True), ("12", True)])
def test_it_labels_windows_of_four_hours_or_more_wide(hours, wide):
    labels = offer_labels(terms=terms(), windows=[window(hours=hours)])

    assert ("wide" in labels[0]) is wide


def test_it_labels_consolidating_windows():
    labels = offer_labels(terms=terms(), windows=[window(consolidates=True), window(consolidates=False)])

    assert "consolidated" in labels[0]
    assert "consolidated" not in labels[1]


def test_it_lists_labels_in_a_fixed_order():
    t = terms(green_max_grams=500)

    labels = offer_labels(terms=t, windows=[window(grams=10, hours="4", consolidates=True, price="1.00")])

    assert labels == [("green", "wide", "consolidated", "best_value")]


def test_it_keeps_labels_in_the_order_of_the_windows():
    windows = [window(grams=900, price="2.00", day=DAY_2), window(grams=800, price="1.00", hours="4")]

    labels = offer_labels(terms=replace(terms(), green_max_grams=0, green_relative=D("0")), windows=windows)

    assert labels == [("best_value",), ("green", "wide", "best_value")]
