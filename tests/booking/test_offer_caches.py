"""What offers keep in the process (prepared zones, the windows of a day, per-insertion costs,
quote parts) never outlives an edit, and gives what computing afresh gives."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.models import WindowTemplate
from booking.quotes import QuoteRef, quote_signer, quote_verify
from booking.services.holds import hold_confirm, hold_create
from booking.services.offer_records import window_record
from booking.services.offers import offer_create
from emissions.calculation import marginal_grams
from fleet.adapter import plan_cache
from fleet.costs import marginal_cost
from fleet.models import DepotDay, ServiceZone
from greenslot.errors import GreenslotError
from routing.insertion import evaluate_insertion
from tests.factories import INSIDE, make_world

pytestmark = pytest.mark.django_db


def offer(world, now, date, point=INSIDE, **overrides):
    params = dict(
        retailer=world.retailer,
        lat=point[0],
        lon=point[1],
        size_units=1,
        service_minutes=3,
        from_date=date,
        days=1,
        now=now,
    )
    params.update(overrides)
    return offer_create(**params)


def test_an_edited_service_zone_is_used_by_the_next_offer(now, tomorrow):
    world = make_world(dates=[tomorrow])
    offer(world, now, tomorrow)  # the zone's geometry is now prepared and kept
    zone = ServiceZone.objects.get(depot=world.depot)

    # The same zone row, moved north of the address.
    zone.polygon = {
        "type": "Polygon",
        "coordinates": [[[5.05, 52.12], [5.15, 52.12], [5.15, 52.15], [5.05, 52.15], [5.05, 52.12]]],
    }
    zone.save()

    with pytest.raises(GreenslotError) as refused:
        offer(world, now, tomorrow)
    assert refused.value.code == "outside_service_area"


def test_an_edited_window_template_is_used_by_the_next_offer(now, tomorrow):
    world = make_world(dates=[tomorrow], windows=[(9, 10), (10, 11)])
    before = offer(world, now, tomorrow).days[0].windows

    WindowTemplate.objects.filter(depot=world.depot, start_time=dt.time(10)).update(
        start_time=dt.time(14), end_time=dt.time(16), cutoff_minutes=30
    )
    after = offer(world, now, tomorrow).days[0].windows

    assert [(w.start.hour, w.end.hour) for w in before] == [(9, 10), (10, 11)]
    assert [(w.start.hour, w.end.hour) for w in after] == [(9, 10), (14, 16)]
    assert after[1].cutoff == world.local(tomorrow, 13, 30)


def test_a_window_closes_at_its_cutoff_to_the_second(tomorrow):
    world = make_world(dates=[tomorrow], windows=[(9, 10)], cutoff_minutes=60)
    cutoff = world.local(tomorrow, 8)

    just_before = offer(world, cutoff - dt.timedelta(microseconds=1), tomorrow).days[0].windows[0]
    at_cutoff = offer(world, cutoff, tomorrow).days[0].windows[0]

    assert just_before.available
    assert (at_cutoff.available, at_cutoff.reason) == (False, "cutoff_passed")


def test_every_window_costs_what_its_cheapest_insertion_costs(now, tomorrow):
    # Four vans, stops booked all over the day: windows share insertions, and some differ.
    world = make_world(dates=[tomorrow], vehicles=4, capacity=40)
    rng = random.Random(7)
    for _ in range(12):
        point = (52.07 + rng.random() * 0.06, 5.07 + rng.random() * 0.06)
        window = rng.choice([w for w in offer(world, now, tomorrow, point).days[0].windows if w.available])
        hold = hold_create(retailer=world.retailer, quote=window.quote, now=now)
        hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)

    windows = offer(world, now, tomorrow, service_minutes=4).days[0].windows

    compiled = plan_cache.get(
        depot=world.depot,
        depot_day=DepotDay.objects.get(depot=world.depot, date=tomorrow),
        date=tomorrow,
        now=now,
    )
    insertion = evaluate_insertion(
        compiled.plan,
        lat=INSIDE[0],
        lon=INSIDE[1],
        service=240,
        demand=1,
        window_early=[compiled.seconds(w.start) for w in windows],
        window_late=[compiled.seconds(w.end) for w in windows],
    )
    assert all(w.available for w in windows)
    assert len({(int(r), int(m)) for r, m in zip(insertion.route, insertion.delta_m, strict=True)}) > 1
    for k, w in enumerate(windows):
        route = int(insertion.route[k])
        vehicle = compiled.vehicles[route]
        metres = int(insertion.delta_m[k])
        expected = marginal_cost(
            vehicle,
            delta_m=metres,
            delta_s=int(insertion.delta_s[k]),
            service_s=240,
            opens_route=not compiled.plan.routes[route].visits,
        )
        assert w.marginal_cost == expected.quantize(Decimal("0.0001"))
        assert w.marginal_km == (Decimal(metres) / 1000).quantize(Decimal("0.001"))
        assert w.co2e_grams == marginal_grams(metres=metres, grams_per_km=vehicle.grams_per_km)
        assert w.vehicle_type == vehicle.vehicle_type


# Hypothesis bounds datetimes by naive values and adds the time zone itself.
@given(offer_id=st.uuids(), window_index=st.integers(0, 2**16 - 1), retailer_id=st.integers(1, 10**9))
def test_a_quote_reads_back_as_the_window_it_names(offer_id, window_index, retailer_id):
    token = quote_signer(offer_id=offer_id, retailer_id=retailer_id)(window_index)

    assert quote_verify(token=token, retailer_id=retailer_id) == QuoteRef(
        offer_id=offer_id, window_index=window_index
    )


def test_the_offer_row_keeps_each_windows_record(now, tomorrow):
    # Windows past their cutoff, without a shift, and for sale; some share a price.
    world = make_world(dates=[tomorrow], cutoff_minutes=60)
    early_morning = world.local(tomorrow, 7, 30)  # the 8-20 window closed at 7:00

    result = offer(world, early_morning, tomorrow, days=2, basket_value=Decimal("12.50"))

    windows = [w for day in result.days for w in day.windows]
    assert {w.reason for w in windows} == {"", "cutoff_passed", "no_shift"}
    on_sale = [w for w in windows if w.available]
    assert len({id(w.price) for w in on_sale}) < len(on_sale)
    expected = [window_record(w, basket_value=Decimal("12.50")) for w in windows]
    assert result.offer.windows == expected
    result.offer.refresh_from_db()
    assert result.offer.windows == expected
