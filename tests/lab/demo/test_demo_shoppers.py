"""Demo shoppers who answer to the rules: they book through the services and leave sound plans."""

from __future__ import annotations

import datetime as dt

from booking.audit import plan_violations
from booking.models import Booking, BookingEvent
from fleet.models import Depot
from lab.demo.city import DEPOT_CODE, RETAILER_SLUG
from lab.demo.shoppers import ACTOR, demo_shoppers_run
from tenants.models import Retailer
from tests.lab.demo.demo_week import NOW, WEDNESDAY


def test_every_shopper_orders_leaves_or_is_refused_and_each_order_is_a_booking(loaded):
    before = Booking.objects.count()
    thursday, friday = WEDNESDAY + dt.timedelta(days=1), WEDNESDAY + dt.timedelta(days=2)

    run = demo_shoppers_run(
        retailer=Retailer.objects.get(slug=RETAILER_SLUG),
        depot=Depot.objects.get(code=DEPOT_CODE),
        dates=[thursday, friday],
        shoppers=12,
        seed=7,
        now=NOW,
    )

    assert run.shoppers == 12 and run.orders + run.no_purchase + run.refused == 12
    assert run.orders > 0
    assert Booking.objects.count() - before == run.orders
    assert BookingEvent.objects.filter(actor=ACTOR).count() == 2 * run.orders  # held, then confirmed
    assert sum(run.widths.values()) == run.orders
    assert plan_violations(now=NOW) == []
