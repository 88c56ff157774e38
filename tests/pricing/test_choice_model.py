"""The one choice model (``pricing.choice``): nested logit by day, fading label pull, utility maximisation."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.choice import COEFFICIENTS, ChoiceModel, choose, logsum, window_probabilities


def test_the_defaults_are_the_ones_fixed_in_the_issue():
    model = ChoiceModel()

    assert (model.price_per_eur, model.width_2h, model.width_4h, model.width_all_day) == (
        -0.6,
        -0.3,
        -0.8,
        -1.4,
    )
    assert (model.per_day_later, model.period_fit, model.green, model.green_eco) == (-0.35, 1.0, 0.4, 1.0)
    assert (model.no_purchase, model.noise_scale) == (-1.0, 1.0)
    assert (model.nest_scale, model.label_fade) == (0.5, 1.0)


@settings(max_examples=200, deadline=None)
@given(
    utilities=st.lists(st.floats(-20, 20), min_size=0, max_size=30),
    mask_seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([0.5, 1.0, 1.5]),
)
def test_probabilities_sum_to_one_and_unavailable_windows_get_none(utilities, mask_seed, scale):
    model = dataclasses.replace(ChoiceModel(), noise_scale=scale)
    utility = np.array(utilities, dtype=np.float64).reshape(1, -1)
    available = np.random.default_rng(mask_seed).random(utility.shape) < 0.6

    p = window_probabilities(model, utility, available)

    assert p.shape == (utility.size + 1,)
    assert p.sum() == pytest.approx(1.0)
    assert np.all(p >= 0)
    assert np.all(p[:-1][~available.ravel()] == 0)


def test_a_higher_price_lowers_the_window_and_raises_buying_nothing():
    model = ChoiceModel()
    hours = np.array([1.0, 2.0, 4.0])
    base = dict(hours=hours, days_late=np.zeros(3), fit=np.ones(3), green=np.zeros(3, dtype=bool), eco=False)
    available = np.ones(3, dtype=bool)
    cheap = window_probabilities(model, model.utility(price=np.array([4.0, 4.0, 4.0]), **base), available)

    dear = window_probabilities(model, model.utility(price=np.array([6.0, 4.0, 4.0]), **base), available)

    assert dear[0] < cheap[0]
    assert dear[1] > cheap[1] and dear[2] > cheap[2]
    assert dear[-1] > cheap[-1]  # some shoppers leave


def test_wider_later_and_ill_fitting_windows_are_less_attractive():
    model = ChoiceModel()
    one = dict(price=4.0, days_late=0, fit=1.0, green=False, eco=False)

    by_width = [float(model.utility(hours=h, **one)) for h in (1.0, 2.0, 4.0, 13.0)]
    later = float(model.utility(hours=1.0, **{**one, "days_late": 2}))
    ill_fitting = float(model.utility(hours=1.0, **{**one, "fit": 0.0}))

    # -0.6 x 4 EUR + 1.0 for a window wholly inside the preferred period, then the width terms.
    assert by_width == pytest.approx([-1.4, -1.7, -2.2, -2.8])
    assert later == pytest.approx(-1.4 - 0.7)
    assert ill_fitting == pytest.approx(-2.4)


def test_eco_minded_shoppers_value_the_green_label_instead_not_on_top():
    model = ChoiceModel()
    plain = dict(price=4.0, hours=1.0, days_late=0, fit=1.0)

    gain = float(
        model.utility(green=True, eco=False, **plain) - model.utility(green=False, eco=False, **plain)
    )
    eco_gain = float(
        model.utility(green=True, eco=True, **plain) - model.utility(green=False, eco=True, **plain)
    )

    assert gain == pytest.approx(0.4)
    assert eco_gain == pytest.approx(1.0)


@pytest.mark.parametrize("nest_scale", [1.0, 0.5])
def test_choices_with_gumbel_draws_follow_the_nested_logit_probabilities(nest_scale):
    model = ChoiceModel(nest_scale=nest_scale)
    utility = np.array([[-1.0, -0.5, 0.2], [0.0, -2.0, -0.3]])
    available = np.array([[True, False, True], [True, True, True]])
    rng = np.random.default_rng(5)
    draws = 20_000

    counts = np.zeros(7)
    for _ in range(draws):
        pick = choose(
            model,
            utility,
            available,
            window_draws=rng.gumbel(size=(2, 3)),
            day_draws=rng.gumbel(size=2),
            none_draw=float(rng.gumbel()),
        )
        counts[6 if pick < 0 else pick] += 1

    expected = window_probabilities(model, utility, available)
    assert counts[1] == 0
    np.testing.assert_allclose(counts / draws, expected, atol=0.015)


def test_more_overlapping_windows_on_a_day_add_little_to_buying_when_they_are_nested():
    one = np.array([[0.0]])
    four = np.zeros((1, 4))
    nested, flat = ChoiceModel(nest_scale=0.3), ChoiceModel(nest_scale=1.0)

    def buys(model, utility):
        return 1 - window_probabilities(model, utility, np.ones(utility.shape, dtype=bool))[-1]

    # Flat logit: e / (e + 4 e^-1)... four identical windows buy far more often than one.
    assert buys(flat, four) - buys(flat, one) > 0.15
    assert buys(nested, four) - buys(nested, one) < buys(flat, four) - buys(flat, one)


def test_the_label_pull_fades_as_the_labelled_share_grows():
    model = ChoiceModel()

    assert model.label_pull(eco=False, labelled_share=0.0) == pytest.approx(0.4)
    assert model.label_pull(eco=True, labelled_share=0.3) == pytest.approx(0.7)
    assert model.label_pull(eco=True, labelled_share=1.0) == 0.0


def test_the_logsum_of_one_window_and_no_purchase_is_log_of_the_sum_of_exponentials():
    model = ChoiceModel(nest_scale=1.0, no_purchase=0.0)

    assert logsum(model, np.array([[0.0]]), np.array([[True]])) == pytest.approx(np.log(2.0))


def test_nothing_available_means_no_purchase():
    model = ChoiceModel()

    pick = choose(
        model,
        np.array([[5.0, 5.0]]),
        np.array([[False, False]]),
        window_draws=np.zeros((1, 2)),
        day_draws=np.zeros(1),
        none_draw=-10.0,
    )

    assert pick == -1


def test_the_sensitivity_grid_scales_one_coefficient():
    model = ChoiceModel()

    lower = model.scaled("width_4h", 0.5)

    assert lower.width_4h == pytest.approx(-0.4)
    assert all(getattr(lower, n) == getattr(model, n) for n in COEFFICIENTS if n != "width_4h")
    with pytest.raises(ValueError, match="Unknown coefficient"):
        model.scaled("colour", 2.0)
