"""Money as shoppers read it: the currency's symbol, two decimals, a real minus sign."""

from decimal import Decimal

import pytest

from booking.views.presentation import (
    LABEL_TEXT,
    Badge,
    Line,
    badges,
    day_reason,
    grams_added,
    money,
    shopper_lines,
)
from pricing.labels import LABEL_NAMES, claim_basis


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (Decimal("4.2"), "EUR", "€4.20"),
        (Decimal("0"), "EUR", "€0.00"),
        (Decimal("-1.00"), "EUR", "\u2212€1.00"),
        (Decimal("1234.5"), "GBP", "£1,234.50"),
        (Decimal("9.99"), "CHF", "9.99 CHF"),
    ],
)
def test_it_formats_money_in_the_currency(amount, currency, text):
    assert money(amount, currency) == text


@pytest.mark.parametrize(
    ("reasons", "text"),
    [
        ({"cutoff_passed"}, "Orders closed"),
        ({"no_shift"}, "No vans that day"),
        ({"cutoff_passed", "no_shift"}, "No vans that day"),
        ({"full", "no_shift", "cutoff_passed"}, "Fully booked"),
        ({"something_new"}, "No deliveries"),
    ],
)
def test_a_day_without_windows_names_the_reason_that_matters_most(reasons, text):
    assert day_reason(reasons) == text


def test_grams_read_with_a_thousands_separator():
    assert (grams_added(0), grams_added(42), grams_added(1383)) == ("+0 g", "+42 g", "+1,383 g")


def line(code, amount, label="internal words"):
    return {"code": code, "label": label, "amount": amount}


def test_the_breakdown_speaks_the_shoppers_language_and_folds_internals_into_the_fee():
    breakdown = [
        line("base_fee", "3.00"),
        line("route_cost", "22.05", "Route cost of this delivery"),
        line("peak_surcharge", "1.00"),
        line("width_discount", "-1.50"),
        line("consolidation_discount", "-0.80"),
        line("cap", "-14.75", "Maximum price adjustment"),
        line("rounding", "0.00"),
    ]

    lines = shopper_lines(breakdown, "EUR")

    assert lines == (
        Line("Delivery fee", "€10.30"),
        Line("Busy-time surcharge", "€1.00"),
        Line("Wider-window saving", "\u2212€1.50"),
        Line("Shared-route saving", "\u2212€0.80"),
    )
    assert sum(Decimal(x["amount"]) for x in breakdown) == Decimal("9.00")  # 10.30 + 1.00 - 1.50 - 0.80


def test_the_three_cost_terms_and_codes_not_known_yet_become_the_delivery_fee_or_busy_time():
    breakdown = [
        line("markup", "2.00"),
        line("expected_cost", "3.10"),
        line("displacement", "0.90"),
        line("basket_margin", "-1.00"),
        line("carbon", "0.05"),
        line("something_new", "0.45"),
    ]

    assert shopper_lines(breakdown, "EUR") == (
        Line("Delivery fee", "€4.60"),
        Line("Busy-time surcharge", "€0.90"),
    )


def test_free_delivery_is_said_and_an_empty_breakdown_still_has_a_fee():
    assert shopper_lines([line("base_fee", "4.00"), line("free_delivery", "-4.00")], "EUR") == (
        Line("Delivery fee", "€4.00"),
        Line("Free delivery for your basket", "\u2212€4.00"),
    )
    assert shopper_lines([], "EUR") == (Line("Delivery fee", "€0.00"),)


def test_a_window_near_a_van_shows_one_claim_with_its_basis():
    basis = claim_basis(
        labels=("green", "consolidated", "best_value"), grams=40, day_grams=[40, 250, 300, 210]
    )

    shown = badges(("green", "consolidated", "best_value"), basis)

    assert [badge.text for badge in shown] == ["Van nearby", "Lowest price today"]
    assert shown[0].percent_below == 80
    assert shown[0].statement == "Van already nearby: +40 g CO₂e, 80 % below this day's average window."


def test_a_low_co2e_claim_says_its_grams_and_how_far_below_the_days_average_it_is():
    basis = claim_basis(labels=("green",), grams=1_050, day_grams=[1_050, 2_000, 3_000])

    [shown] = badges(("green",), basis)

    assert (shown.text, shown.statement) == (
        "Low CO₂e",
        "Low CO₂e: +1,050 g CO₂e, 47 % below this day's average window.",
    )


def test_an_environmental_label_without_a_basis_is_not_shown():
    assert badges(("green", "consolidated", "wide"), None) == (Badge(code="wide", text="Wide window"),)


def test_the_shopper_pages_use_the_one_name_of_every_label():
    assert {code: str(text) for code, text in LABEL_TEXT.items()} == LABEL_NAMES
