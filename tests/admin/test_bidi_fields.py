"""Operators' text (depots, zones, vehicles, roster notes, retailers, preset addresses) refuses
bidirectional controls as shoppers' addresses do, with a field error on the admin form."""

import pytest

from booking.models import PresetAddress
from fleet.models import Depot, RosterException, ServiceZone, Vehicle, VehicleType
from tenants.models import Retailer
from tests.admin.admin_world import form_data, make_admin_world
from tests.admin.test_admin_pages import url

pytestmark = pytest.mark.django_db

RLO = "\u202e"

FIELDS = [
    (Depot, "name"),
    (ServiceZone, "name"),
    (VehicleType, "name"),
    (Vehicle, "name"),
    (RosterException, "note"),
    (Retailer, "name"),
    (PresetAddress, "label"),
    (PresetAddress, "street"),
]


@pytest.fixture
def world():
    return make_admin_world()


@pytest.mark.parametrize(("model", "field"), FIELDS, ids=[f"{m.__name__}.{f}" for m, f in FIELDS])
def test_an_admin_form_refuses_a_bidi_control_with_a_field_error(admin_client, world, model, field):
    obj = world.object_of(model)
    before = getattr(obj, field)
    page = admin_client.get(url(model, "change", obj.pk))
    data = form_data(page.content.decode())
    data[field] = [f"Domplein 1{RLO}9 nnaR"]
    # when an operator saves text with a right-to-left override,
    response = admin_client.post(url(model, "change", obj.pk), data)
    # then the form comes back with the error on that field, and nothing is saved.
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors[field] == ["Bidirectional control characters are not allowed (U+202E)."]
    obj.refresh_from_db()
    assert getattr(obj, field) == before


def test_plain_text_in_other_scripts_is_kept(admin_client, world):
    page = admin_client.get(url(Depot, "change", world.depot.pk))
    data = form_data(page.content.decode())
    data["name"] = ["مستودع أوترخت"]  # right-to-left letters are text, not controls
    response = admin_client.post(url(Depot, "change", world.depot.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.depot.refresh_from_db()
    assert world.depot.name == "مستودع أوترخت"
