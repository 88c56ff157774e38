"""marginal_grams and allocate_by_distance: whole grams, exact totals."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emissions.calculation import allocate_by_distance, marginal_grams

D = Decimal


@pytest.mark.parametrize(
    ("metres", "grams_per_km", "grams"),
    [
        (1_000, "240", 240),
        (1_500, "316.89", 475),  # 475.335
        (2_500, "0.2", 1),  # exactly half a gram rounds up
        (2_499, "0.2", 0),
        (0, "316.89", 0),
    ],
)
def test_it_multiplies_marginal_km_by_the_factor_rounding_half_up(metres, grams_per_km, grams):
    assert marginal_grams(metres=metres, grams_per_km=D(grams_per_km)) == grams


def test_it_never_reports_a_negative_marginal_emission():
    assert marginal_grams(metres=-800, grams_per_km=D("240")) == 0


def test_it_refuses_floats_and_negative_factors():
    with pytest.raises(TypeError):
        marginal_grams(metres=1_000, grams_per_km=240.0)
    with pytest.raises(TypeError):
        marginal_grams(metres=1_000.0, grams_per_km=D("240"))
    with pytest.raises(ValueError, match=">= 0"):
        marginal_grams(metres=1_000, grams_per_km=D("-1"))


@given(
    total=st.integers(min_value=0, max_value=10_000_000),
    metres=st.lists(st.integers(min_value=0, max_value=200_000), min_size=1, max_size=40),
)
def test_it_allocates_exactly_the_total_close_to_each_exact_share(total, metres):
    shares = allocate_by_distance(total_grams=total, metres=metres)

    assert sum(shares) == total
    assert len(shares) == len(metres)
    assert all(share >= 0 for share in shares)
    if sum(metres):
        for share, m in zip(shares, metres, strict=True):
            assert abs(share - Fraction(total * m, sum(metres))) < 1


def test_it_allocates_in_proportion_to_distance():
    assert allocate_by_distance(total_grams=1_000, metres=[1_000, 3_000]) == [250, 750]


def test_it_gives_leftover_grams_to_the_largest_remainders():
    # Exact shares 3.33, 3.33, 3.33 -> the first (ties go to the earlier order) gets the leftover gram.
    assert allocate_by_distance(total_grams=10, metres=[1, 1, 1]) == [4, 3, 3]
    # Exact shares 1.4, 3.6 -> 1 and 4.
    assert allocate_by_distance(total_grams=5, metres=[2_800, 7_200]) == [1, 4]


def test_it_splits_equally_when_every_distance_is_zero():
    assert allocate_by_distance(total_grams=10, metres=[0, 0, 0]) == [4, 3, 3]


def test_it_gives_an_order_with_no_distance_no_grams_when_others_have_some():
    assert allocate_by_distance(total_grams=99, metres=[0, 500]) == [0, 99]


def test_it_allocates_nothing_when_there_is_nothing_to_allocate():
    assert allocate_by_distance(total_grams=0, metres=[10, 20]) == [0, 0]
    assert allocate_by_distance(total_grams=0, metres=[]) == []


def test_it_refuses_grams_with_no_orders_and_negative_inputs():
    with pytest.raises(ValueError, match="no orders"):
        allocate_by_distance(total_grams=5, metres=[])
    with pytest.raises(ValueError, match="metres >= 0"):
        allocate_by_distance(total_grams=5, metres=[1, -1])
    with pytest.raises(ValueError, match="total_grams >= 0"):
        allocate_by_distance(total_grams=-5, metres=[1])
    with pytest.raises(TypeError):
        allocate_by_distance(total_grams=5, metres=[1.5])
