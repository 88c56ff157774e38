"""Green labels that stay meaningful (issue 12): only the greenest windows of a day, at most a share."""

from decimal import Decimal

from pricing.labels import greenest_windows


def test_only_the_greenest_windows_of_each_day_up_to_the_share_are_green():
    grams = [100, 400, 300, 200, 500, 600, 700, 800, 900, 1000]

    green = greenest_windows(available=[True] * 10, grams=grams, day_keys=[1] * 10, share_max=Decimal("0.30"))

    assert sorted(g for g, on in zip(grams, green, strict=True) if on) == [100, 200, 300]


def test_ties_at_the_limit_and_windows_not_below_the_median_stay_unlabelled():
    tie = greenest_windows(
        available=[True] * 4, grams=[100, 200, 200, 900], day_keys=[1] * 4, share_max=Decimal("0.50")
    )
    flat = greenest_windows(
        available=[True] * 4, grams=[300] * 4, day_keys=[1] * 4, share_max=Decimal("0.50")
    )

    assert tie == [True, False, False, False]
    assert flat == [False] * 4


def test_each_day_is_compared_with_its_own_windows_and_unavailable_ones_never_count():
    green = greenest_windows(
        available=[True, True, True, True, False],
        grams=[10, 20, 500, 900, 0],
        day_keys=[1, 1, 2, 2, 2],
        share_max=Decimal("0.50"),
    )

    assert green == [True, False, True, False, False]
