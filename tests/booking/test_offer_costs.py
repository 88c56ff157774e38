"""Offers priced by three costs (issue 12): each available window's expected final marginal cost,
displacement and carbon, from the plan, the learned averages and the depot's bookings."""

import datetime as dt
import json
import math
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Offer
from booking.services.cost_learning import marginal_costs_learn
from booking.services.holds import hold_confirm, hold_create
from booking.services.offer_costs import learned_inputs_cache, learned_inputs_read, plan_load
from booking.services.offers import offer_create
from fleet.adapter import plan_cache
from fleet.models import DepotDay, MarginalCostAverage, ServiceZone
from fleet.selectors import depot_day_plan
from fleet.window_costs import INSERTION_WEIGHT_PRIOR, marginal_cost_prior
from pricing.calculation import (
    BASKET_MARGIN,
    CARBON,
    DISPLACEMENT,
    EXPECTED_COST,
    LINE_LABELS,
    MARKUP,
    RuleTerms,
)
from pricing.choice import ChoiceModel
from pricing.default_terms import DEFAULT_OBJECTIVE, FIRST_RULES_OBJECTIVE
from pricing.models import IncentiveRuleSet
from pricing.windows import WindowCost
from tests.factories import make_world

pytestmark = pytest.mark.django_db

POINTS = [(52.06 + 0.005 * i, 5.06 + 0.004 * i) for i in range(16)]


def three_cost_world(dates, **kwargs):
    world = make_world(dates=dates, **kwargs)
    IncentiveRuleSet.objects.filter(pk=world.rules.pk).update(**DEFAULT_OBJECTIVE)
    world.rules.refresh_from_db()
    return world


def offer(world, now, date, point=(52.11, 5.11), days=1):
    return offer_create(
        retailer=world.retailer,
        lat=point[0],
        lon=point[1],
        size_units=1,
        service_minutes=3,
        from_date=date,
        days=days,
        now=now,
    )


def book(world, now, date, count):
    for point in POINTS[:count]:
        window = next(w for w in offer(world, now, date, point).days[0].windows if w.available)
        hold_confirm(
            retailer=world.retailer,
            booking_id=hold_create(retailer=world.retailer, quote=window.quote, now=now).id,
            now=now,
        )


def available(result):
    return [w for day in result.days for w in day.windows if w.available]


def test_a_new_rule_set_prices_by_three_costs_and_the_first_rules_objective_does_not():
    new = RuleTerms.from_rule_set(IncentiveRuleSet(version=1))
    first = RuleTerms.from_rule_set(IncentiveRuleSet(version=1, **FIRST_RULES_OBJECTIVE))

    assert new.prices_by_three_costs and new.markup_mode == "revenue_neutral"
    assert new.reference_price == Decimal("7.00") and new.green_share_max == Decimal("0.30")
    assert new.basket_margin == Decimal("6.00") and new.carbon_price_per_kg == Decimal("0.200")
    # Steering beyond the costs as the simulator's tuned (d); the first rules keep theirs.
    assert (new.cost_passthrough, new.width_discount_per_hour, new.consolidation_discount) == (
        Decimal("1.500"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert (first.width_discount_per_hour, first.consolidation_discount) == (Decimal("0.50"), Decimal("1.00"))
    assert not first.prices_by_three_costs
    # The first rules' objective is what RuleTerms assumes when not told: the old price exactly.
    steering = ("cost_passthrough", "width_discount_per_hour", "consolidation_discount")
    others = {
        name: getattr(first, name)
        for name in first.__dataclass_fields__
        if name not in FIRST_RULES_OBJECTIVE or name in steering
    }
    assert RuleTerms(**others) == first


def test_a_rule_set_that_is_not_revenue_neutral_needs_no_reference_price_but_one_that_is_does():
    rules = IncentiveRuleSet(version=1, reference_price=None)

    with pytest.raises(Exception) as error:
        rules.clean()
    assert "reference_price" in str(error.value)
    IncentiveRuleSet(version=1, reference_price=None, markup_mode="logit").clean()


def test_an_offer_priced_by_three_costs_shows_its_costs_in_the_breakdown(now, tomorrow):
    world = three_cost_world([tomorrow])
    book(world, now, tomorrow, 3)

    windows = available(offer(world, now, tomorrow))

    assert windows
    for window in windows:
        codes = [line.code for line in window.price.lines]
        assert codes[:3] == [MARKUP, EXPECTED_COST, DISPLACEMENT]
        assert BASKET_MARGIN in codes
        assert sum(line.amount for line in window.price.lines) == window.price.amount
        assert window.expected_cost is not None and window.displaced_orders is not None
    assert all(LINE_LABELS[code] for code in (MARKUP, EXPECTED_COST, DISPLACEMENT, BASKET_MARGIN, CARBON))


def test_the_revenue_neutral_markup_keeps_the_mean_paid_price_at_the_reference(now, tomorrow):
    world = three_cost_world([tomorrow])
    # A width discount, so the windows' prices differ (nothing is learned here: every width has
    # the same prior average).
    IncentiveRuleSet.objects.filter(pk=world.rules.pk).update(
        service_floor_price=None, width_discount_per_hour=Decimal("0.50")
    )
    book(world, now, tomorrow, 3)

    windows = available(offer(world, now, tomorrow))

    # One day, one nest: a buying shopper picks window j with probability ~ exp(V_j / lambda).
    model = ChoiceModel()
    weights = [
        math.exp((model.price_per_eur * float(w.price.amount) + model.width(w.hours)) / model.nest_scale)
        for w in windows
    ]
    paid = sum(wt * float(w.price.amount) for wt, w in zip(weights, windows, strict=True)) / sum(weights)
    # Rounding to the rule set's step moves each price by at most half a step.
    assert 6.90 <= paid <= 7.05
    assert len({w.price.amount for w in windows}) > 1  # only the level is held, not every price


def test_an_offer_records_the_three_costs_and_the_replay_reads_them_back(now, tomorrow):
    world = three_cost_world([tomorrow])
    book(world, now, tomorrow, 2)

    result = offer(world, now, tomorrow)

    records = [r for r in Offer.objects.get(pk=result.offer.pk).windows if r["available"]]
    window = available(result)[0]
    lines = {line.code: line.amount for line in window.price.lines}
    assert records[0]["costs"] == {
        "expected": str(window.expected_cost),
        "displacement": str(lines[DISPLACEMENT]),
        "carbon": str(lines.get(CARBON, Decimal("0.00"))),
        "displaced_orders": str(window.displaced_orders),
        "myopic": str(window.myopic_cost),
    }
    cost = WindowCost.from_record(records[0])
    assert cost.expected_cost == window.expected_cost and cost.displacement_cost == lines[DISPLACEMENT]


def test_an_offer_under_the_first_rules_records_no_costs(now, tomorrow):
    world = make_world(dates=[tomorrow])

    result = offer(world, now, tomorrow)

    assert all("costs" not in r for r in Offer.objects.get(pk=result.offer.pk).windows)
    assert all(w.expected_cost is None for w in available(result))


def test_on_an_empty_day_the_expected_cost_is_near_the_prior_not_the_route_opening(now, tomorrow):
    world = three_cost_world([tomorrow])

    windows = available(offer(world, now, tomorrow))

    prior = marginal_cost_prior(cost_per_km=Decimal("0.30"), cost_per_hour=Decimal("30"), service_seconds=180)
    # prior + w x (myopic - prior), the myopic cost without route opening and stem, w = 0.10.
    assert all(abs(w.expected_cost - prior) <= INSERTION_WEIGHT_PRIOR * prior for w in windows)
    # The myopic insertion opens a route: its fixed cost of 10 and the depot round trip.
    assert all(w.marginal_cost > Decimal("10") > w.expected_cost for w in windows)


def test_a_learned_average_pulls_the_expected_cost_of_its_zone_width_and_weekday(now, tomorrow):
    world = three_cost_world([tomorrow])
    zone = ServiceZone.objects.get(depot=world.depot)
    MarginalCostAverage.objects.create(
        depot=world.depot,
        zone=zone,
        width_class="1 h",
        weekday=tomorrow.isoweekday(),
        mean_cost=Decimal("1.0000"),
        orders=1000,
        learned_at=now,
    )

    windows = available(offer(world, now, tomorrow))

    by_width = {(w.end - w.start).seconds // 3600: w.expected_cost for w in windows}
    # 1000 orders outweigh the prior's 20; the insertion moves it by a tenth of its difference.
    assert Decimal("1.00") <= by_width[1] < Decimal("1.20")
    assert by_width[4] > Decimal("2")  # no average learned for 4 h windows: the prior


def test_a_saturday_the_forecast_expects_to_sell_out_prices_the_capacity_an_order_takes(now):
    # The prior sells 84 % of a Saturday's capacity: 8.4 of 10 orders, 4 booked, 6 places left.
    saturday = dt.date(2026, 12, 5)
    world = three_cost_world([saturday], vehicles=1, capacity=10)
    book(world, now, saturday, 4)

    windows = available(offer(world, now, saturday))

    assert windows and min(w.displaced_orders for w in windows) > 0
    for window in windows:
        displacement = next(ln.amount for ln in window.price.lines if ln.code == DISPLACEMENT)
        # Each displaced order is worth the basket margin and the reference price: 6.00 + 7.00.
        assert displacement == (window.displaced_orders * Decimal("13.00")).quantize(Decimal("0.01"))


def test_a_day_with_room_to_spare_has_no_displacement(now, tomorrow):
    world = three_cost_world([tomorrow], vehicles=3, capacity=100)
    book(world, now, tomorrow, 2)

    assert {w.displaced_orders for w in available(offer(world, now, tomorrow))} == {Decimal("0.0000")}


def test_the_demand_forecast_learns_from_confirmed_bookings_of_delivered_days(now, tomorrow):
    world = three_cost_world([tomorrow])
    book(world, now, tomorrow, 3)
    later = now + dt.timedelta(days=3)

    learned = learned_inputs_read(depot=world.depot, today=(later).date(), now=later)

    assert len(learned.bookings) == 3
    assert {b.weekday for b in learned.bookings} == {tomorrow.isoweekday()}
    assert {b.lead_days for b in learned.bookings} == {1}
    assert learned.days_observed == {tomorrow.isoweekday(): 1}


def test_the_plan_load_counts_fill_hours_and_units_per_band(now, tomorrow):
    world = three_cost_world([tomorrow], vehicles=2, capacity=10)
    book(world, now, tomorrow, 3)

    load = plan_load(depot_day_plan(depot=world.depot, date=tomorrow, now=now))

    assert load.capacity_units == 20 and load.booked_units == 3
    assert load.shift_hours_by_band == (8.0, 10.0, 6.0)  # two shifts 08:00-20:00, bands 8-12-17-21
    assert sum(load.stops_by_band) == 3
    assert Decimal(0) < load.fill < Decimal(1)


def test_costs_learn_learns_past_plans_and_running_it_twice_changes_nothing(now, tomorrow):
    world = three_cost_world([tomorrow])
    book(world, now, tomorrow, 4)
    later = now + dt.timedelta(days=3)

    first = marginal_costs_learn(depot=world.depot, now=later)
    rows = list(
        MarginalCostAverage.objects.values_list("zone_id", "width_class", "weekday", "mean_cost", "orders")
    )
    again = marginal_costs_learn(depot=world.depot, now=later)

    assert first.days == 1 and first.orders == 4 and first.averages == len(rows) >= 1
    assert again == first
    assert rows == list(
        MarginalCostAverage.objects.values_list("zone_id", "width_class", "weekday", "mean_cost", "orders")
    )
    assert all(weekday == tomorrow.isoweekday() for _, _, weekday, _, _ in rows)
    assert sum(orders for *_, orders in rows) == 4


def test_the_costs_learn_command_prints_json(now, tomorrow):
    make_world(dates=[tomorrow])
    out = StringIO()

    call_command("costs_learn", stdout=out)

    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert report == {
        "depots": [
            {
                "depot": "dep",
                "days": 0,
                "orders": 0,
                "averages": 0,
                "mean_cost": None,
                "insertion_weight": None,
                "weight_orders": 0,
                "band_looks": 0,
                "sold_out_share": None,
            }
        ]
    }


def test_a_warm_offer_by_three_costs_runs_no_more_queries_than_one_by_the_first_rules(now, tomorrow):
    first = make_world(dates=[tomorrow], vehicles=3, capacity=40)
    book(first, now, tomorrow, 2)
    offer(first, now, tomorrow)
    with CaptureQueriesContext(connection) as by_first_rules:
        offer(first, now, tomorrow)
    IncentiveRuleSet.objects.filter(pk=first.rules.pk).update(**DEFAULT_OBJECTIVE)
    offer(first, now, tomorrow)  # reads the learned inputs once
    book(first, now, tomorrow, 12)
    offer(first, now, tomorrow)
    with CaptureQueriesContext(connection) as by_three_costs:
        offer(first, now, tomorrow)

    assert len(by_three_costs) == len(by_first_rules), "\n".join(q["sql"] for q in by_three_costs)


def test_the_learned_inputs_are_read_once_a_day(now, tomorrow):
    world = three_cost_world([tomorrow])
    learned_inputs_cache.clear()
    first = learned_inputs_cache.get(depot=world.depot, now=now)

    assert learned_inputs_cache.get(depot=world.depot, now=now + dt.timedelta(minutes=30)) is first
    assert learned_inputs_cache.get(depot=world.depot, now=now + dt.timedelta(hours=2)) is not first
    assert DepotDay.objects.filter(depot=world.depot).exists()
    plan_cache.clear()
