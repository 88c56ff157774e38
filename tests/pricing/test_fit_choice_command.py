"""``fit_choice`` on offers and bookings in the database, and the replay that then uses the fit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.selectors import choice_records
from booking.services.rule_replay import rule_set_replay
from pricing.calculation import MARKUP_REVENUE_NEUTRAL, PRICE_BY_THREE_COSTS, RuleTerms
from pricing.choice import DEFAULT_CHOICE_MODEL
from pricing.cost_prices import WindowCosts, price_offer_by_costs
from pricing.models import ChoiceModelFit
from pricing.selectors import choice_model_for_retailer, choice_model_of_rule_set, rule_set_for_offer
from tests.factories import make_world
from tests.pricing.choice_records import TRUE, record_simulated_offers

pytestmark = pytest.mark.django_db

ESTIMATED = ("price_per_eur", "width_2h", "width_4h", "width_all_day", "green", "no_purchase")


def fit(*args: str) -> tuple[str, dict]:
    out = StringIO()
    call_command("fit_choice", *args, stdout=out)
    text = out.getvalue()
    return text, json.loads(text.strip().splitlines()[-1]) if "--json" in args else {}


@pytest.fixture
def world():
    return make_world(dates=[])


@pytest.fixture
def recorded(world):
    """250 shoppers of one day who chose by ``TRUE`` among windows priced by the world's rules."""
    return world, record(world, offers=250, seed=21)


@pytest.fixture
def few(world):
    """40 shoppers: too few to fit."""
    record(world, offers=40, seed=2)
    return world


def record(world, *, offers: int, seed: int) -> int:
    now = timezone.now()
    date = timezone.localdate(now, world.tz) + dt.timedelta(days=1)
    return record_simulated_offers(world, model=TRUE, offers=offers, seed=seed, now=now, date=date)


def test_it_reads_one_choice_set_per_offer_with_the_booked_window(recorded):
    world, bookings = recorded

    records = choice_records(retailer_id=world.retailer.id)

    assert len(records.sets) == 250 and records.unmatched == 0
    assert sum(s.chosen is not None for s in records.sets) == bookings


def test_it_fits_the_recorded_choices_keeps_the_fit_and_uses_it(recorded):
    world, bookings = recorded

    text, report = fit("--json")

    result = report["retailers"][world.retailer.slug]
    assert result["offers"] == 250 and result["bookings"] == bookings
    assert result["enough_data"] is True and result["model_in_use"] == "fitted"
    assert result["not_identified"] == ["per_day_later"]  # one day per offer
    for name in ESTIMATED:
        estimate, se = result["coefficients"][name], result["standard_errors"][name]
        assert 0 < se < 1.0, (name, se)
        assert abs(estimate - getattr(TRUE, name)) < 3 * se, (name, estimate, se)
    in_use = choice_model_for_retailer(retailer_id=world.retailer.id)
    assert in_use.source == "fitted"
    assert in_use.model.price_per_eur == result["coefficients"]["price_per_eur"]
    assert in_use.model.per_day_later == DEFAULT_CHOICE_MODEL.per_day_later
    assert ChoiceModelFit.objects.get().enough_data


def test_it_prints_a_table_of_coefficients_with_standard_errors(few):
    text, _ = fit("--dry-run")

    assert "coefficient      estimate       SE       z   prior" in text
    assert "price_per_eur" in text
    assert "per_day_later   not identified by the records: the prior" in text
    assert "Fit: not enough: 40 offers, fewer than 200" in text
    assert "Model in use: the documented prior" in text
    assert not ChoiceModelFit.objects.exists()  # a dry run keeps nothing


def test_with_too_little_data_the_prior_stays_in_use(few):
    world = few

    text, report = fit("--json", "--retailer", world.retailer.slug)

    result = report["retailers"][world.retailer.slug]
    assert result["enough_data"] is False and result["model_in_use"] == "prior"
    assert "40 offers, fewer than 200" in result["reasons"]
    in_use = choice_model_for_retailer(retailer_id=world.retailer.id)
    assert in_use.model == DEFAULT_CHOICE_MODEL
    assert "fewer than 200" in in_use.description


def test_a_later_thin_fit_does_not_replace_a_good_one(recorded):
    world, _ = recorded
    fit()

    _, report = fit("--json", "--since", "2099-01-01")

    assert report["retailers"][world.retailer.slug]["offers"] == 0
    assert choice_model_for_retailer(retailer_id=world.retailer.id).source == "fitted"
    assert ChoiceModelFit.objects.count() == 2


def test_an_unknown_retailer_is_an_error(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No retailer"):
        fit("--retailer", "nobody")


def test_the_replay_baseline_reproduces_the_records_once_fitted(recorded):
    world, _ = recorded
    before = rule_set_replay(rule_set=world.rules, now=timezone.now(), days=28)
    fit()

    after = rule_set_replay(rule_set=world.rules, now=timezone.now(), days=28)

    assert before.choice_source == "prior" and after.choice_source == "fitted"
    assert after.check.repriced_same == after.check.repriced  # the replay prices as the records
    gaps = {gap.name: gap for gap in after.baseline_gaps}
    # The fit's first-order conditions: expected orders and fees equal the recorded ones.
    assert gaps["Orders"].gap == pytest.approx(0, abs=1e-3)
    assert gaps["Revenue"].gap == pytest.approx(0, abs=1e-3)
    assert after.baseline_agrees, [(g.name, g.gap) for g in after.baseline_gaps]
    assert any(note.startswith("Conversion") for note in before.baseline_notes)
    assert not any(note.startswith("Conversion") for note in after.baseline_notes)


def test_offers_read_the_fit_with_their_rules_and_both_markups_assume_it(recorded):
    world, _ = recorded
    before = rule_set_for_offer(retailer=world.retailer, depot=world.depot)
    assert choice_model_of_rule_set(before) == DEFAULT_CHOICE_MODEL  # no fit yet: the prior
    fit()
    a_thin_one = ChoiceModelFit.objects.get()
    a_thin_one.pk = None
    a_thin_one.enough_data = False
    a_thin_one.model = {"price_per_eur": -9.0}
    a_thin_one.fitted_at += dt.timedelta(hours=1)
    a_thin_one.save()  # later, but not good enough: not used

    with CaptureQueriesContext(connection) as queries:
        rules = rule_set_for_offer(retailer=world.retailer, depot=world.depot)
        model = choice_model_of_rule_set(rules)

    assert len(queries) == 1
    assert model == choice_model_for_retailer(retailer_id=world.retailer.id).model != DEFAULT_CHOICE_MODEL
    # The revenue-neutral markup weighs windows by that model's shares: another model, other prices.
    terms = RuleTerms.from_rule_set(rules)
    windows = [
        WindowCosts(available=True, day_key=0, window_hours=D(hours), expected_cost=D(cost))
        for hours, cost in (("1", "6.00"), ("2", "4.00"), ("12", "1.00"))
    ]
    neutral = dataclasses.replace(
        terms,
        pricing_mode=PRICE_BY_THREE_COSTS,
        markup_mode=MARKUP_REVENUE_NEUTRAL,
        reference_price=D("7.00"),
    )
    fitted = price_offer_by_costs(terms=neutral, windows=windows, choice=model)
    prior = price_offer_by_costs(terms=neutral, windows=windows, choice=DEFAULT_CHOICE_MODEL)
    assert [p.amount for p in fitted] != [p.amount for p in prior]
