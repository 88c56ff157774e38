"""Edits of fleet data the plans depend on are checked against every planned route and bump
the plans' versions, so no cached plan outlives them."""

import pytest
from django.urls import reverse

from booking.services.holds import hold_confirm, hold_create
from booking.services.offers import offer_create
from fleet.models import DepotDay, VehicleType
from tests.factories import INSIDE, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(now, tomorrow):
    world = make_world(dates=[tomorrow], vehicles=1, capacity=10)
    offer = offer_create(
        retailer=world.retailer,
        lat=INSIDE[0],
        lon=INSIDE[1],
        size_units=6,
        service_minutes=3,
        from_date=tomorrow,
        days=1,
        now=now,
    )
    hold = hold_create(retailer=world.retailer, quote=offer.days[0].windows[0].quote, now=now)
    hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)
    return world


def vehicle_type_form(vtype, **changes):
    data = {
        "name": vtype.name,
        "capacity_units": vtype.capacity_units,
        "max_speed_kmh": vtype.max_speed_kmh,
        "cost_per_km": vtype.cost_per_km,
        "cost_per_hour": vtype.cost_per_hour,
        "cost_per_route": vtype.cost_per_route,
        "emission_factor": vtype.emission_factor_id,
    }
    data.update(changes)
    return data


def test_it_refuses_a_capacity_below_a_planned_load(admin_client, loaded):
    vtype = loaded.vehicle_type
    version = DepotDay.objects.get().version
    response = admin_client.post(
        reverse("admin:fleet_vehicletype_change", args=[vtype.pk]), vehicle_type_form(vtype, capacity_units=5)
    )
    assert response.status_code == 200
    assert "would break planned routes" in response.content.decode()
    assert VehicleType.objects.get().capacity_units == 10
    assert DepotDay.objects.get().version == version


def test_it_applies_a_safe_change_and_bumps_the_plan(admin_client, loaded):
    vtype = loaded.vehicle_type
    version = DepotDay.objects.get().version
    response = admin_client.post(
        reverse("admin:fleet_vehicletype_change", args=[vtype.pk]),
        vehicle_type_form(vtype, cost_per_km="0.50"),
    )
    assert response.status_code == 302
    assert str(VehicleType.objects.get().cost_per_km) == "0.5000"
    assert DepotDay.objects.get().version == version + 1
