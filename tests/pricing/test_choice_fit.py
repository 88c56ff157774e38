"""The conditional logit fitted from offers and bookings recovers a known shopper model."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from decimal import Decimal

import pytest

from pricing.choice import DEFAULT_CHOICE_MODEL
from pricing.choice_fit import (
    FITTED,
    MIN_OFFERS,
    ChoiceSet,
    ShownWindow,
    choice_data,
    fit_choice_model,
    fitted_model,
)
from tests.pricing.choice_records import DAY, TRUE, simulated_sets


def test_it_recovers_known_coefficients_within_three_standard_errors():
    sets = simulated_sets(TRUE, offers=800, seed=12)

    fit = fit_choice_model(sets)

    assert fit.converged and fit.enough_data, fit.reasons
    assert set(fit.coefficients) == set(FITTED)
    for name in FITTED:
        estimate, se = fit.coefficients[name], fit.standard_errors[name]
        assert 0 < se < 0.5, (name, se)
        assert abs(estimate - getattr(TRUE, name)) < 3 * se, (name, estimate, se)
    assert fit.standard_errors["price_per_eur"] < 0.05  # the best-measured coefficient
    assert fit.model.price_per_eur == fit.coefficients["price_per_eur"]


def test_standard_errors_shrink_like_one_over_root_n():
    small = fit_choice_model(simulated_sets(TRUE, offers=200, seed=3))
    large = fit_choice_model(simulated_sets(TRUE, offers=800, seed=4))

    ratio = small.standard_errors["price_per_eur"] / large.standard_errors["price_per_eur"]

    assert 1.5 < ratio < 2.7  # sqrt(4) = 2


def test_a_fitted_model_is_a_flat_logit_with_a_constant_label_pull():
    model = fitted_model({"price_per_eur": -0.3, "green": 0.2, "no_purchase": -1.5})

    assert model.price_per_eur == -0.3 and model.no_purchase == -1.5
    assert model.green == model.green_eco == 0.2
    assert model.nest_scale == 1.0 and model.label_fade == 0.0
    assert model.period_fit == DEFAULT_CHOICE_MODEL.period_fit  # not in the records: the prior's


def test_too_few_offers_keep_the_prior_and_say_why():
    sets = simulated_sets(TRUE, offers=MIN_OFFERS // 2, seed=5)

    fit = fit_choice_model(sets)

    assert not fit.enough_data
    assert any("fewer than 200" in reason for reason in fit.reasons)
    assert fit.model == DEFAULT_CHOICE_MODEL
    assert "price_per_eur" in fit.coefficients  # still estimated, and shown


def test_a_column_that_never_varies_within_an_offer_keeps_the_prior():
    one_day = [
        dataclasses.replace(s, windows=tuple(dataclasses.replace(w, day=DAY) for w in s.windows))
        for s in simulated_sets(TRUE, offers=600, seed=6)
    ]

    fit = fit_choice_model(one_day)

    assert "per_day_later" in fit.not_identified
    assert fit.enough_data, fit.reasons
    assert fit.model.per_day_later == DEFAULT_CHOICE_MODEL.per_day_later


def test_shoppers_who_always_buy_leave_the_no_purchase_constant_unfitted():
    everyone_buys = [
        s if s.chosen is not None else dataclasses.replace(s, chosen=0)
        for s in simulated_sets(TRUE, offers=300, seed=7)
    ]

    fit = fit_choice_model(everyone_buys)

    assert "no_purchase" in fit.not_identified
    assert not fit.enough_data
    assert any("without a booking" in reason for reason in fit.reasons)


def test_shoppers_who_ignore_price_fail_the_price_check():
    indifferent = dataclasses.replace(TRUE, price_per_eur=0.0)

    fit = fit_choice_model(simulated_sets(indifferent, offers=600, seed=8))

    assert not fit.enough_data
    assert any("price coefficient" in reason for reason in fit.reasons)
    assert fit.model == DEFAULT_CHOICE_MODEL


def test_no_offers_fit_nothing():
    fit = fit_choice_model([])

    assert not fit.enough_data and fit.coefficients == {} and fit.offers == 0


def test_the_design_matrix_has_one_row_per_window_and_one_for_buying_nothing():
    sets = [
        ChoiceSet(
            windows=(
                ShownWindow(day=DAY, price=Decimal("4.00"), hours=Decimal(1), green=False),
                ShownWindow(
                    day=DAY + dt.timedelta(days=1), price=Decimal("2.50"), hours=Decimal(4), green=True
                ),
            ),
            chosen=1,
        )
    ]

    data = choice_data(sets)

    assert data.columns.tolist() == [
        [4.0, 0, 0, 0, 0, 0, 0],
        [2.5, 0, 1, 0, 1, 1, 0],
        [0, 0, 0, 0, 0, 0, 1],
    ]
    assert data.chosen.tolist() == [0, 1, 0] and data.groups.tolist() == [0, 0, 0]
    assert math.isclose(data.offers, 1) and data.bookings == 1


def test_a_choice_set_needs_windows_and_a_valid_choice():
    with pytest.raises(ValueError, match="at least one window"):
        ChoiceSet(windows=(), chosen=None)
    with pytest.raises(ValueError, match="index a window"):
        ChoiceSet(windows=(ShownWindow(day=DAY, price=Decimal(1), hours=Decimal(1), green=False),), chosen=1)
