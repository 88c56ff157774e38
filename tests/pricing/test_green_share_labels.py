"""Environmental claims that stay meaningful: only the cleanest windows of a day, at most a share,
"van nearby" included, each with its basis."""

from decimal import Decimal

from pricing.labels import (
    ENVIRONMENTAL_LABELS,
    ClaimBasis,
    LabelInput,
    claim_basis,
    greenest_windows,
    label_name,
    offer_labels,
)
from tests.pricing.rule_terms import plain_terms

D = Decimal


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


def window(grams: int, *, consolidates: bool, day: int = 1) -> LabelInput:
    return LabelInput(
        available=True,
        price=D("5.00"),
        grams=grams,
        window_hours=D("1"),
        consolidates=consolidates,
        day_key=day,
    )


def test_a_window_near_a_van_carries_the_claim_only_when_it_is_among_the_days_cleanest():
    # Ten windows, all near a van (the consolidation rule holds for every one of them).
    grams = [40, 400, 300, 60, 500, 600, 700, 800, 900, 1000]
    windows = [window(g, consolidates=True) for g in grams]

    labels = offer_labels(terms=plain_terms(green_share_max=D("0.30")), windows=windows)

    claimed = {
        g: tuple(label for label in labels[k] if label in ENVIRONMENTAL_LABELS) for k, g in enumerate(grams)
    }
    assert claimed[40] == claimed[60] == claimed[300] == ("green", "consolidated")
    assert all(claimed[g] == () for g in grams if g not in (40, 60, 300))


def test_no_day_has_more_claims_than_the_share_whatever_consolidates():
    grams = list(range(10, 210, 10))  # 20 windows a day, two days
    windows = [window(g, consolidates=g % 20 == 0, day=day) for day in (1, 2) for g in grams]

    labels = offer_labels(terms=plain_terms(green_share_max=D("0.30")), windows=windows)

    for day in (0, 1):
        day_labels = labels[day * 20 : (day + 1) * 20]
        assert sum(1 for earned in day_labels if ENVIRONMENTAL_LABELS & set(earned)) == 6
        assert sum(1 for earned in day_labels if "consolidated" in earned) == 3  # 20, 40, 60 g


def test_a_window_not_below_the_days_mean_never_carries_a_claim():
    # One far cleaner window pulls the mean (267 g) below the median (315 g): 300 and 310 g are
    # below the median but above the mean, so "N % below this day's average" would be false.
    green = greenest_windows(
        available=[True] * 6, grams=[0, 300, 310, 320, 330, 340], day_keys=[1] * 6, share_max=Decimal("0.50")
    )

    assert green == [True, False, False, False, False, False]


def test_the_basis_of_a_claim_is_its_grams_against_the_days_average_window():
    basis = claim_basis(labels=("green", "consolidated"), grams=40, day_grams=[40, 200, 300, 260])

    assert basis == ClaimBasis(code="consolidated", grams=40, day_average_grams=200, percent_below=80)
    assert claim_basis(labels=("green",), grams=41, day_grams=[41, 200, 300, 260]).percent_below == 79  # 79.5
    assert claim_basis(labels=("wide", "best_value"), grams=40, day_grams=[40, 200]) is None
    assert claim_basis(labels=("green",), grams=200, day_grams=[100, 200, 300]) is None  # not below


def test_one_name_for_each_label_everywhere():
    assert [label_name(code) for code in ("green", "wide", "consolidated", "best_value")] == [
        "Low CO₂e",
        "Wide window",
        "Van nearby",
        "Lowest price today",
    ]
