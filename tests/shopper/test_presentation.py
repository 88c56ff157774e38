"""Money as shoppers read it: the currency's symbol, two decimals, a real minus sign."""

from decimal import Decimal

import pytest

from booking.views.presentation import day_reason, grams_added, money


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
