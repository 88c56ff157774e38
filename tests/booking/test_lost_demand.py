"""The demand forecast learns lost demand: offers that found an hour band sold out count as demand
the bookings never saw (``costs_learn`` tallies them; offers read the tallies with their learned
inputs)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import BandAvailability
from booking.services.cost_learning import marginal_costs_learn
from booking.services.offer_costs import learned_inputs_read
from tests.booking.test_offer_costs import POINTS, available, book, offer, three_cost_world

pytestmark = pytest.mark.django_db


def sold_out_world(now, date):
    # One van carrying 2 units: two bookings fill the day. Windows 9-10, 10-11, 9-13 sit in the
    # morning band, 12-13 and 8-20 (midpoint 14:00) in the afternoon one.
    world = three_cost_world([date], vehicles=1, capacity=2)
    for point in POINTS[10:12]:
        assert available(offer(world, now, date, point))  # two shoppers found it open
    book(world, now, date, 2)  # two more found it open, and bought
    for point in POINTS[12:15]:
        assert not available(offer(world, now, date, point))  # three found it sold out
    return world


def test_costs_learn_tallies_how_often_offers_found_each_band_open_once_per_past_date(now, tomorrow):
    world = sold_out_world(now, tomorrow)
    later = now + dt.timedelta(days=3)

    learning = marginal_costs_learn(depot=world.depot, now=later)

    rows = BandAvailability.objects.filter(offers__gt=0).values_list("date", "band", "offers", "open_offers")
    assert set(rows) == {(tomorrow, 0, 7, 4), (tomorrow, 1, 7, 4)}
    # Every date of the period is tallied, with zeros where nobody looked, and not read again.
    assert BandAvailability.objects.count() == 56 * 3
    assert learning.band_looks == 14 and learning.sold_out_share == "0.429"
    assert marginal_costs_learn(depot=world.depot, now=later) == learning  # idempotent
    assert BandAvailability.objects.count() == 56 * 3


def test_a_date_is_tallied_once_and_forgotten_after_the_learning_period(now, tomorrow):
    world = sold_out_world(now, tomorrow)
    marginal_costs_learn(depot=world.depot, now=now + dt.timedelta(days=3))
    BandAvailability.objects.filter(date=tomorrow, band=0).update(offers=70, open_offers=40)

    marginal_costs_learn(depot=world.depot, now=now + dt.timedelta(days=4))
    assert BandAvailability.objects.get(date=tomorrow, band=0).offers == 70  # not read again
    marginal_costs_learn(depot=world.depot, now=now + dt.timedelta(days=60))

    assert not BandAvailability.objects.filter(date=tomorrow).exists()
    assert BandAvailability.objects.count() == 56 * 3


def test_offers_scale_up_the_bookings_of_bands_that_sold_out(now, tomorrow):
    world = sold_out_world(now, tomorrow)
    later = now + dt.timedelta(days=3)
    before = learned_inputs_read(depot=world.depot, today=later.date(), now=later)
    marginal_costs_learn(depot=world.depot, now=later)

    learned = learned_inputs_read(depot=world.depot, today=later.date(), now=later)

    weekday = tomorrow.isoweekday()
    # Open in 4 of 7 looks, shrunk with 10 looks of an open band: 17 / 14.
    assert before.lost_factors == {}
    assert learned.lost_factors[(weekday, 0)] == pytest.approx(17 / 14)
    shape = {"van_hours_by_band": (4.0, 5.0, 3.0), "orders_per_van_hour": 10.0}
    plain, corrected = before.forecast(**shape), learned.forecast(**shape)
    booked_band = next(b.band for b in learned.bookings)
    assert corrected.orders[(weekday, booked_band)] > plain.orders[(weekday, booked_band)]
    assert corrected.orders[(weekday, 2)] == plain.orders[(weekday, 2)]  # no looks at the evening


def test_an_offer_that_found_windows_past_their_cutoff_did_not_find_the_band_sold_out(now, tomorrow):
    world = three_cost_world([tomorrow])
    # On the day itself at 09:30 local (cut-offs an hour before the start), the morning's windows
    # 9-10, 10-11, 9-13 and the all-day 8-20 are past their cut-off; 12-13 is on sale.
    on_the_day = dt.datetime.combine(tomorrow, dt.time(9, 30), tzinfo=world.depot.tz)
    offer(world, on_the_day, tomorrow)

    marginal_costs_learn(depot=world.depot, now=on_the_day + dt.timedelta(days=2))

    looked = BandAvailability.objects.filter(offers__gt=0).values_list(
        "date", "band", "offers", "open_offers"
    )
    assert set(looked) == {(tomorrow, 1, 1, 1)}


def test_the_learned_inputs_are_four_queries(now, tomorrow):
    world = sold_out_world(now, tomorrow)
    later = now + dt.timedelta(days=3)
    marginal_costs_learn(depot=world.depot, now=later)

    with CaptureQueriesContext(connection) as read:
        learned_inputs_read(depot=world.depot, today=later.date(), now=later)

    assert len(read) == 4, "\n".join(q["sql"] for q in read)
