"""The product learns the insertion weight of the expected route cost per depot: offers record each
window's myopic cost, a hold carries it to the booking, ``costs_learn`` fits the weight from the
depot's completed days and offers use it."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from booking.models import Booking, Offer
from booking.services.cost_learning import insertion_weight_fit, marginal_costs_learn
from booking.services.holds import hold_create
from booking.services.offer_costs import learned_inputs_cache
from fleet.models import Depot, MarginalCostAverage
from fleet.services import insertion_weight_replace
from fleet.window_costs import INSERTION_WEIGHT_PRIOR, insertion_weight_learn, marginal_cost_prior
from tests.booking.test_offer_costs import POINTS, available, book, offer, three_cost_world

pytestmark = pytest.mark.django_db


def test_an_offer_records_each_windows_myopic_cost_and_a_hold_carries_it_to_the_booking(now, tomorrow):
    world = three_cost_world([tomorrow])
    book(world, now, tomorrow, 2)
    result = offer(world, now, tomorrow, POINTS[5])
    records = Offer.objects.get(pk=result.offer.pk).windows
    on_sale = [(w, r) for w, r in zip(available(result), [r for r in records if r["available"]], strict=True)]

    assert on_sale
    for window, record in on_sale:
        assert record["costs"]["myopic"] == str(window.myopic_cost)
        # Never more than the insertion itself (the route opening and stem are shared out).
        assert Decimal(0) <= window.myopic_cost <= window.marginal_cost
    window = on_sale[0][0]
    held = hold_create(retailer=world.retailer, quote=window.quote, now=now)
    assert Booking.objects.get(pk=held.id).sale_myopic_cost == window.myopic_cost


def test_a_hold_from_a_window_not_priced_by_three_costs_keeps_no_myopic_cost(now, tomorrow):
    from tests.factories import make_world

    world = make_world(dates=[tomorrow])
    window = next(w for w in available(offer(world, now, tomorrow)))

    held = hold_create(retailer=world.retailer, quote=window.quote, now=now)

    assert Booking.objects.get(pk=held.id).sale_myopic_cost is None


def test_offers_use_the_depots_learned_insertion_weight(now, tomorrow):
    world = three_cost_world([tomorrow])
    book(world, now, tomorrow, 3)
    point = POINTS[8]

    insertion_weight_replace(depot=world.depot, weight=Decimal("1.000"), orders=500)
    learned_inputs_cache.clear()
    whole = available(offer(world, now, tomorrow, point))
    insertion_weight_replace(depot=world.depot, weight=Decimal("0.000"), orders=500)
    learned_inputs_cache.clear()
    none = available(offer(world, now, tomorrow, point))

    # w = 1: the myopic cost itself; w = 0: the learned average (the prior here), whatever the insertion.
    assert all(w.expected_cost == w.myopic_cost for w in whole)
    prior = marginal_cost_prior(cost_per_km=Decimal("0.30"), cost_per_hour=Decimal("30"), service_seconds=180)
    assert none and all(w.expected_cost == prior != w.myopic_cost for w in none)


def test_without_a_learned_weight_offers_use_the_prior(now, tomorrow):
    world = three_cost_world([tomorrow])
    book(world, now, tomorrow, 3)

    assert Depot.objects.get(pk=world.depot.pk).insertion_weight is None
    learned_inputs_cache.clear()
    assert learned_inputs_cache.get(depot=world.depot, now=now).insertion_weight == INSERTION_WEIGHT_PRIOR


def test_costs_learn_fits_the_insertion_weight_from_sold_orders_and_offers_then_use_it(now, tomorrow):
    world = three_cost_world([tomorrow])
    book(world, now, tomorrow, 6)
    # A booking confirmed before offers kept the myopic cost does not count.
    Booking.objects.filter(pk=Booking.objects.order_by("created_at").first().pk).update(sale_myopic_cost=None)
    later = now + dt.timedelta(days=3)

    learning = marginal_costs_learn(depot=world.depot, now=later)
    depot = Depot.objects.get(pk=world.depot.pk)

    assert learning.orders == 6 and learning.weight_orders == 5
    assert depot.insertion_weight_orders == 5
    assert learning.insertion_weight == str(depot.insertion_weight)
    # The stored weight is the prior shrunk fit; it left the prior.
    assert depot.insertion_weight != INSERTION_WEIGHT_PRIOR
    assert Decimal(0) <= depot.insertion_weight <= Decimal(1)
    learned_inputs_cache.clear()
    assert learned_inputs_cache.get(depot=depot, now=later).insertion_weight == depot.insertion_weight
    # Running it again changes nothing.
    assert marginal_costs_learn(depot=world.depot, now=later) == learning


def test_the_fit_shrinks_each_orders_cell_to_the_prior_offers_use_and_shrinks_the_weight_to_the_prior():
    key = (1, "1 h", 3)
    averages = {key: (Decimal("2.0000"), 20)}  # 20 orders: halfway to a prior of 20 orders
    # Realised = average + 0.5 x (myopic - average), with the average offers read: (2 + 4) / 2 = 3.
    sales = [
        (key, Decimal("4.0000"), Decimal(myopic), Decimal(3) + Decimal("0.5") * (Decimal(myopic) - 3))
        for myopic in ("1", "5", "7", "9", "2")
    ]

    fitted = insertion_weight_fit(sales, averages=averages)

    triples = [(myopic, Decimal(3), realised) for _, _, myopic, realised in sales]
    assert fitted == insertion_weight_learn(triples)
    # 5 orders against the prior's 200: close to the prior, a little towards 0.5.
    assert INSERTION_WEIGHT_PRIOR < fitted < Decimal("0.12")
    assert insertion_weight_learn(triples, prior_orders=0) == Decimal("0.500")


def test_without_sold_orders_costs_learn_forgets_the_weight(now, tomorrow):
    world = three_cost_world([tomorrow])
    insertion_weight_replace(depot=world.depot, weight=Decimal("0.300"), orders=50)

    learning = marginal_costs_learn(depot=world.depot, now=now + dt.timedelta(days=3))

    depot = Depot.objects.get(pk=world.depot.pk)
    assert learning.insertion_weight is None and learning.weight_orders == 0
    assert depot.insertion_weight is None and depot.insertion_weight_orders == 0


def test_the_costs_learn_command_prints_the_insertion_weight(now, tomorrow):
    world = three_cost_world([tomorrow])
    book(world, now, tomorrow, 3)
    out = StringIO()

    call_command("costs_learn", "--days", "56", stdout=out)

    report = json.loads(out.getvalue().strip().splitlines()[-1])
    (depot,) = report["depots"]
    assert set(depot) >= {"insertion_weight", "weight_orders"}
    assert depot["weight_orders"] == 0  # tomorrow is not a completed day yet
    assert depot["insertion_weight"] is None


def test_the_depot_admin_shows_the_weight_and_the_averages_read_only(client, now, tomorrow):
    world = three_cost_world([tomorrow])
    insertion_weight_replace(depot=world.depot, weight=Decimal("0.049"), orders=312)
    MarginalCostAverage.objects.create(
        depot=world.depot,
        zone=world.depot.zones.first(),
        width_class="1 h",
        weekday=3,
        mean_cost=Decimal("1.2345"),
        orders=17,
        learned_at=now,
    )
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw"))

    page = client.get(reverse("admin:fleet_depot_change", args=[world.depot.pk])).content.decode()
    listing = client.get(reverse("admin:fleet_depot_changelist")).content.decode()

    assert "0.049 (learned over 312 orders)" in page and "0.049 (learned over 312 orders)" in listing
    assert "1.2345" in page
    assert 'name="insertion_weight"' not in page
    assert 'name="marginal_cost_averages-0-mean_cost"' not in page


def test_the_depot_admin_shows_the_prior_before_learning(client, tomorrow):
    world = three_cost_world([tomorrow])
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw"))

    page = client.get(reverse("admin:fleet_depot_change", args=[world.depot.pk])).content.decode()

    assert f"{INSERTION_WEIGHT_PRIOR} (the prior: not learned yet)" in page
