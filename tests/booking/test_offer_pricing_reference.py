"""An offer priced by three costs gives, byte for byte, the costs, prices, breakdowns and labels of a
plain reference that costs and prices every window on its own.

``DayCosts`` keeps a window's expected cost per distinct (insertion, width class) and its displaced
orders per distinct (bid price, insertion); the reference computes both from the window's instants.

``price_windows`` shares one ``WindowCosts`` among the windows with the same price inputs, costs
and prices each distinct set once, and applies the offer's one markup after. The reference below
follows the formula of ``pricing.cost_prices`` window by window, with no memo and no sharing; only
the markup solver (``offer_markup``) is the product's, fed every window as before.
"""

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from booking.services.day_windows import day_windows_cache, window_templates
from booking.services.offer_costs import (
    DISPLACED_STEP,
    DayCosts,
    costed_windows,
    day_costs,
    learned_inputs_cache,
)
from booking.services.offers import insertion_cost, offer_evaluate_days, offer_request_validate
from fleet.adapter import plan_cache
from fleet.costs import marginal_cost
from fleet.models import DepotDay
from fleet.window_costs import expected_final_marginal_cost
from pricing.bid_prices import BidPrices
from pricing.calculation import (
    BASKET_MARGIN,
    CARBON,
    CONSOLIDATION_DISCOUNT,
    DISPLACEMENT,
    EXPECTED_COST,
    FREE_DELIVERY,
    MARKUP,
    PEAK_SURCHARGE,
    SERVICE_FLOOR,
    WIDTH_DISCOUNT,
    RuleTerms,
    WindowPrice,
    _cents,
    _line,
    clamp_and_round,
    width_discount,
)
from pricing.choice import DEFAULT_CHOICE_MODEL
from pricing.cost_prices import WindowCosts, carbon_cost, offer_markup
from pricing.labels import LabelInput, offer_labels
from pricing.models import IncentiveRuleSet
from pricing.widths import width_class, window_hours
from pricing.windows import price_windows
from routing.insertion import evaluate_insertion
from tests.booking.test_offer_costs import book, three_cost_world

pytestmark = pytest.mark.django_db

D = Decimal
PEAK = [{"start": "17:00", "end": "19:00", "weekdays": [], "amount": "1.00"}]
# Rule sets that take every branch of the price: each markup mode, the service floor, free delivery,
# peaks, consolidation by nearby stops, a pass-through below 1, another rounding step and bounds.
VARIANTS = [
    ({}, None),
    ({"markup_mode": "fixed", "markup": D("2.50")}, None),
    ({"markup_mode": "logit"}, None),
    ({"service_floor_price": D("4.00")}, None),
    ({"service_floor_price": D("3.00"), "free_delivery_threshold": D("50.00")}, D("60.00")),
    ({"free_delivery_threshold": D("50.00")}, D("60.00")),
    ({"carbon_price_per_kg": D("0.000"), "basket_margin": D("0.00"), "peak_surcharges": PEAK}, None),
    (
        {"consolidation_by": "nearby_stops", "consolidation_min_stops": 1, "consolidation_radius_m": 2000},
        None,
    ),
    (
        {"cost_passthrough": D("0.800"), "rounding_step": D("0.50"), "cap": D("8.00"), "floor": D("1.00")},
        None,
    ),
]


def priced_plainly(terms: RuleTerms, windows, basket_value):
    """The three-cost price of ``pricing.cost_prices``' docstring, window by window, and its labels."""
    costs, consolidating = [], []
    for w in windows:
        stops = terms.nearby_stops(w.nearby_metres) if w.available else 0
        consolidates = w.available and terms.consolidates(w.marginal_km, stops)
        costs.append(
            WindowCosts(
                available=w.available,
                day_key=w.day,
                window_hours=w.hours,
                expected_cost=w.expected_cost if w.expected_cost is not None else (w.marginal_cost or D(0)),
                displacement_cost=w.displacement_cost if w.displacement_cost is not None else D(0),
                grams=w.grams or 0,
                peak_surcharge=terms.peak_surcharge(start=w.start, end=w.end),
                consolidates=consolidates,
            )
        )
        consolidating.append(consolidates)
    on_sale = [k for k, c in enumerate(costs) if c.available]
    cost_lines = {}
    for k in on_sale:
        c = costs[k]
        lines = [
            _line(EXPECTED_COST, _cents(terms.cost_passthrough * c.expected_cost)),
            _line(DISPLACEMENT, _cents(c.displacement_cost)),
        ]
        if terms.basket_margin:
            lines.append(_line(BASKET_MARGIN, -_cents(terms.basket_margin)))
        carbon = carbon_cost(grams=c.grams, carbon_price_per_kg=terms.carbon_price_per_kg)
        if carbon:
            lines.append(_line(CARBON, carbon))
        if c.peak_surcharge:
            lines.append(_line(PEAK_SURCHARGE, _cents(c.peak_surcharge)))
        width = width_discount(terms=terms, window_hours=c.window_hours)
        if width:
            lines.append(_line(WIDTH_DISCOUNT, -width))
        if c.consolidates and terms.consolidation_discount:
            lines.append(_line(CONSOLIDATION_DISCOUNT, -_cents(terms.consolidation_discount)))
        cost_lines[k] = lines
    subtotals = [sum((line.amount for line in cost_lines[k]), D(0)) for k in on_sale]
    markup = offer_markup(terms=terms, windows=costs, subtotals=subtotals, choice=DEFAULT_CHOICE_MODEL)

    amounts, lines_of = {}, {}
    for k in on_sale:
        lines_of[k] = [_line(MARKUP, markup), *cost_lines[k]]
        amounts[k] = clamp_and_round(terms=terms, lines=lines_of[k])
    list_amounts = dict(amounts)
    if terms.service_floor_price is not None:
        cheapest = {}
        for k in on_sale:
            if costs[k].day_key not in cheapest or amounts[k] < amounts[cheapest[costs[k].day_key]]:
                cheapest[costs[k].day_key] = k
        for k in cheapest.values():
            if amounts[k] > terms.service_floor_price:
                lines_of[k].append(_line(SERVICE_FLOOR, terms.service_floor_price - amounts[k]))
                amounts[k] = list_amounts[k] = terms.service_floor_price
    free = terms.free_delivery(basket_value)
    prices = [None] * len(windows)
    for k in on_sale:
        if amounts[k] and free:
            lines_of[k].append(_line(FREE_DELIVERY, -amounts[k]))
            amounts[k] = D("0.00")
        prices[k] = WindowPrice(amount=amounts[k], currency=terms.currency, lines=tuple(lines_of[k]))
    labels = offer_labels(
        terms=terms,
        windows=[
            LabelInput(
                available=w.available,
                price=list_amounts.get(k, D(0)),
                grams=w.grams or 0,
                window_hours=w.hours,
                consolidates=consolidating[k],
                day_key=w.day,
            )
            for k, w in enumerate(windows)
        ],
    )
    return prices, labels


def shown(price: WindowPrice | None):
    """Everything of a price a shopper or a record sees, as text."""
    if price is None:
        return None
    return (str(price.amount), price.currency, price.breakdown())


@pytest.fixture
def evaluated(now, tomorrow):
    """A realistic offer: three days of windows for an address between booked stops."""
    dates = [tomorrow + dt.timedelta(days=n) for n in range(3)]
    world = three_cost_world(dates)
    for date in dates:
        book(world, now, date, 6)
    request = offer_request_validate(
        lat=52.1, lon=5.1, size_units=2, service_minutes=4, from_date=tomorrow, days=3, now=now
    )
    days, _ = offer_evaluate_days(request=request, now=now, three_costs=True)
    return world, [w for day in days for w in day.windows]


@pytest.mark.parametrize("changes, basket", VARIANTS)
def test_pricing_an_offer_once_per_distinct_input_matches_pricing_each_window(evaluated, changes, basket):
    world, windows = evaluated
    IncentiveRuleSet.objects.filter(pk=world.rules.pk).update(**changes)
    world.rules.refresh_from_db()
    terms = RuleTerms.from_rule_set(world.rules)
    # Displaced orders of several sizes, as a busy day has (the test world has room to spare).
    windows = [
        dataclasses.replace(w, displaced_orders=D(k % 4) * D("0.1234")) if w.available else w
        for k, w in enumerate(windows)
    ]
    costed = costed_windows(windows, terms=terms)
    assert sum(w.available for w in costed) >= 10

    priced = price_windows(terms=terms, windows=costed, basket_value=basket)
    prices, labels = priced_plainly(terms, costed, basket)

    assert [shown(p.price) for p in priced] == [shown(p) for p in prices]
    assert [p.price for p in priced] == prices
    assert [p.labels for p in priced] == labels
    assert any(p.price and p.price.lines[2].amount for p in priced), "some window pays displacement"


def plain_window_costs(costs: DayCosts, *, slot, insertion_cost, route_index, delta_m, delta_s):
    """A window's (expected cost, displaced orders) by the formulas, from its instants, no memo."""
    compiled = costs.compiled
    vehicle = compiled.vehicles[route_index]
    opens = not compiled.plan.routes[route_index].visits
    stem = (
        marginal_cost(vehicle, delta_m=delta_m, delta_s=delta_s, service_s=0, opens_route=False)
        if opens
        else D(0)
    )
    width = width_class(window_hours(start=slot.start, end=slot.end))
    expected = expected_final_marginal_cost(
        insertion_cost=insertion_cost,
        route_opening_cost=vehicle.cost_per_route if opens else D(0),
        depot_stem_cost=stem,
        fill=costs.load.fill,
        learned_average=costs.table.expected((costs.zone_id, width, costs.weekday)),
        insertion_weight=costs.table.insertion_weight,
    )
    at_risk = costs.bids.displacement_cost(
        start_hour=compiled.seconds(slot.start) / 3600,
        end_hour=compiled.seconds(slot.end) / 3600,
        van_hours=(delta_s + costs.service_s) / 3600,
    )
    displaced = (at_risk * D(str(costs.orders_per_van_hour))).quantize(DISPLACED_STEP, ROUND_HALF_UP)
    return expected, displaced


@pytest.mark.parametrize("by_band", [None, (D("2.5000"), D("0.7000"), D("4.1000"))])
def test_the_three_costs_kept_per_distinct_insertion_are_each_windows_own(now, tomorrow, by_band):
    world = three_cost_world([tomorrow])
    book(world, now, tomorrow, 6)
    depot = world.depot
    compiled = plan_cache.get(
        depot=depot, depot_day=DepotDay.objects.get(depot=depot, date=tomorrow), date=tomorrow, now=now
    )
    service_s = 240
    costs = day_costs(
        compiled=compiled,
        learned=learned_inputs_cache.get(depot=depot, now=now),
        zone_id=None,
        service_s=service_s,
        size_units=2,
        now=now,
    )
    if by_band is not None:  # a day expected to sell out: every window pays displacement
        costs = DayCosts(
            compiled=compiled,
            load=costs.load,
            table=costs.table,
            bids=BidPrices(by_band=by_band),
            zone_id=costs.zone_id,
            weekday=costs.weekday,
            service_s=service_s,
            orders_per_van_hour=costs.orders_per_van_hour,
        )
    day = day_windows_cache.get(
        depot=depot, date=tomorrow, epoch=compiled.epoch, templates=window_templates(depot=depot)
    )
    compared = 0
    for lat, lon in [(52.1, 5.1), (52.12, 5.13), (52.08, 5.09)]:
        insertion = evaluate_insertion(
            compiled.plan,
            lat=lat,
            lon=lon,
            service=service_s,
            demand=2,
            window_early=day.early,
            window_late=day.late,
        )
        for k, slot in enumerate(day.windows):
            if not insertion.feasible[k]:
                continue
            route, delta_m, delta_s = (
                int(insertion.route[k]),
                int(insertion.delta_m[k]),
                int(insertion.delta_s[k]),
            )
            cost = insertion_cost(
                compiled, route_index=route, delta_m=delta_m, delta_s=delta_s, service_s=service_s
            )
            kept = costs.window(
                hours=slot.hours,
                start_s=int(day.early[k]),
                end_s=int(day.late[k]),
                insertion_cost=cost.money,
                route_index=route,
                delta_m=delta_m,
                delta_s=delta_s,
            )
            plain = plain_window_costs(
                costs,
                slot=slot,
                insertion_cost=cost.money,
                route_index=route,
                delta_m=delta_m,
                delta_s=delta_s,
            )
            assert [str(v) for v in kept] == [str(v) for v in plain]
            compared += 1
    assert compared >= 10
    assert len(costs._myopic) < compared, "windows shared their insertions"
    if by_band is not None:
        assert all(displaced > 0 for displaced in costs._displaced.values())
