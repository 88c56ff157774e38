"""The admin: every page renders, and the pages that could corrupt a plan or a record cannot."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from booking.models import (
    Booking,
    BookingEvent,
    BookingStatus,
    Offer,
    PresetAddress,
    WindowTemplate,
)
from emissions.models import EmissionFactor
from fleet.models import (
    Depot,
    DepotDay,
    RosterException,
    ServiceZone,
    Shift,
    ShiftPattern,
    Stop,
    Vehicle,
    VehicleType,
)
from pricing.models import ChoiceModelFit, IncentiveRuleSet, RuleSetStatus
from tenants.models import Retailer
from tests.admin.admin_world import form_data, local, make_admin_world

pytestmark = pytest.mark.django_db

REGISTERED = [
    EmissionFactor,
    Depot,
    ServiceZone,
    VehicleType,
    Vehicle,
    DepotDay,
    Shift,
    Stop,
    ShiftPattern,
    RosterException,
    Retailer,
    PresetAddress,
    WindowTemplate,
    IncentiveRuleSet,
    Offer,
    Booking,
    ChoiceModelFit,
]
READ_ONLY = {Stop, Offer, Booking, ChoiceModelFit}


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def world():
    return make_admin_world()


def test_it_registers_every_model_of_fleet_tenants_booking_pricing_and_emissions():
    apps = {"fleet", "tenants", "booking", "pricing", "emissions"}
    models = {model for model in admin.site._registry if model._meta.app_label in apps}

    # BookingEvent is shown inline on its booking, not on a page of its own.
    assert models == set(REGISTERED)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_it_renders_the_changelist(admin_client, world, model):
    response = admin_client.get(url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_it_renders_the_change_page(admin_client, world, model):
    response = admin_client.get(url(model, "change", world.object_of(model).pk))

    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_it_offers_an_add_page_only_for_what_managers_create(admin_client, world, model):
    response = admin_client.get(url(model, "add"))

    assert response.status_code == (403 if model in READ_ONLY else 200)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_it_searches_every_changelist(admin_client, world, model):
    response = admin_client.get(url(model, "changelist"), {"q": "a"})

    assert response.status_code == 200


# --- bookings -------------------------------------------------------------------------------------


def test_it_never_deletes_a_booking(admin_client, world):
    response = admin_client.post(url(Booking, "delete", world.booking.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Booking.objects.filter(pk=world.booking.pk).exists()
    actions = admin_client.get(url(Booking, "changelist")).context["action_form"].fields["action"].choices
    assert "delete_selected" not in [name for name, _ in actions]


def test_it_shows_a_booking_read_only_with_its_events(admin_client, world):
    response = admin_client.get(url(Booking, "change", world.booking.pk))
    posted = admin_client.post(url(Booking, "change", world.booking.pk), {"status": BookingStatus.CANCELLED})

    html = response.content.decode()
    assert 'name="status"' not in html
    assert "events-TOTAL_FORMS" in html
    assert world.event.actor in html
    assert posted.status_code == 403
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.CONFIRMED


def test_it_cancels_a_confirmed_booking_through_the_booking_service(admin_client, world):
    stop_id = world.booking.stop_id
    version = world.depot_day.version

    response = admin_client.post(
        url(Booking, "changelist"),
        {"action": "cancel_selected", "_selected_action": [str(world.booking.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.CANCELLED
    assert world.booking.stop_id is None
    assert not Stop.objects.filter(pk=stop_id).exists()
    event = BookingEvent.objects.filter(booking=world.booking).latest("id")
    assert (event.from_status, event.to_status, event.actor) == ("confirmed", "cancelled", "admin:admin")
    world.depot_day.refresh_from_db()
    assert world.depot_day.version > version


def test_it_skips_bookings_that_are_not_confirmed(admin_client, world):
    Booking.objects.filter(pk=world.booking.pk).update(status=BookingStatus.RELEASED)

    response = admin_client.post(
        url(Booking, "changelist"),
        {"action": "cancel_selected", "_selected_action": [str(world.booking.pk)]},
        follow=True,
    )

    assert "Skipped 1 not confirmed" in response.content.decode()
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.RELEASED


# --- incentive rules ------------------------------------------------------------------------------


def test_it_shows_a_published_rule_set_read_only(admin_client, world):
    response = admin_client.get(url(IncentiveRuleSet, "change", world.published.pk))
    posted = admin_client.post(
        url(IncentiveRuleSet, "change", world.published.pk), {"base_fee": "0.01", "version": "1"}
    )

    assert 'name="base_fee"' not in response.content.decode()
    assert posted.status_code == 403
    world.published.refresh_from_db()
    assert world.published.base_fee == Decimal("3.00")


def test_it_edits_a_draft_rule_set_but_not_its_version_or_status(admin_client, world):
    page = admin_client.get(url(IncentiveRuleSet, "change", world.draft.pk))
    data = form_data(page.content.decode())
    assert "version" not in data and "status" not in data
    data["base_fee"] = ["2.40"]

    response = admin_client.post(url(IncentiveRuleSet, "change", world.draft.pk), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    world.draft.refresh_from_db()
    assert world.draft.base_fee == Decimal("2.40")
    assert world.draft.status == RuleSetStatus.DRAFT


def test_it_publishes_a_draft_from_the_changelist(admin_client, world):
    admin_client.post(
        url(IncentiveRuleSet, "changelist"),
        {"action": "publish_selected", "_selected_action": [str(world.draft.pk)]},
    )

    world.draft.refresh_from_db()
    world.published.refresh_from_db()
    assert world.draft.status == RuleSetStatus.PUBLISHED
    assert world.draft.published_at is not None
    assert world.published.status == RuleSetStatus.RETIRED


def test_it_refuses_to_publish_a_published_rule_set(admin_client, world):
    response = admin_client.post(
        url(IncentiveRuleSet, "changelist"),
        {"action": "publish_selected", "_selected_action": [str(world.published.pk)]},
        follow=True,
    )

    assert "Only a draft can be published" in response.content.decode()
    world.draft.refresh_from_db()
    assert world.draft.status == RuleSetStatus.DRAFT


def test_it_copies_a_rule_set_into_a_new_draft(admin_client, world, admin_user):
    admin_client.post(
        url(IncentiveRuleSet, "changelist"),
        {"action": "copy_as_new_draft", "_selected_action": [str(world.published.pk)]},
    )

    copy = IncentiveRuleSet.objects.get(retailer=world.retailer, version=3)
    assert copy.status == RuleSetStatus.DRAFT
    assert copy.created_by == admin_user


def test_it_deletes_drafts_only(admin_client, world):
    assert (
        admin_client.post(url(IncentiveRuleSet, "delete", world.published.pk), {"post": "yes"}).status_code
        == 403
    )
    assert (
        admin_client.post(url(IncentiveRuleSet, "delete", world.draft.pk), {"post": "yes"}).status_code == 302
    )
    assert not IncentiveRuleSet.objects.filter(pk=world.draft.pk).exists()


# --- the route plan -------------------------------------------------------------------------------


def test_it_lists_a_days_stops_read_only_in_route_order(admin_client, world):
    response = admin_client.get(url(DepotDay, "change", world.depot_day.pk))

    formset = next(f for f in response.context["inline_admin_formsets"] if f.formset.model is Stop)
    assert [form.instance.sequence for form in formset.formset.forms] == [0, 1]
    assert not formset.has_add_permission
    assert not formset.has_change_permission
    assert not formset.has_delete_permission
    assert 'name="stops-0-sequence"' not in response.content.decode()


def test_it_shows_a_days_shifts_with_their_stop_counts(admin_client, world):
    response = admin_client.get(url(DepotDay, "change", world.depot_day.pk))

    formset = next(f for f in response.context["inline_admin_formsets"] if f.formset.model is Shift)
    counts = {form.instance.vehicle.name: form.instance.stops_planned for form in formset.formset.forms}
    assert counts == {"V1": 2, "V2": 0}


def test_it_bumps_the_plan_version_when_a_shift_changes_on_the_day_page(admin_client, world):
    page = admin_client.get(url(DepotDay, "change", world.depot_day.pk))
    data = form_data(page.content.decode())
    idle = next(
        key.removesuffix("-id")
        for key, value in data.items()
        if key.endswith("-id") and value == [str(world.idle_shift.pk)]
    )
    data[f"{idle}-end_1"] = ["18:00:00"]

    response = admin_client.post(url(DepotDay, "change", world.depot_day.pk), data)

    assert response.status_code == 302
    world.idle_shift.refresh_from_db()
    world.depot_day.refresh_from_db()
    assert world.idle_shift.end == local(18)
    assert world.depot_day.version == 4


def test_it_leaves_the_version_alone_when_the_day_page_is_saved_unchanged(admin_client, world):
    page = admin_client.get(url(DepotDay, "change", world.depot_day.pk))

    response = admin_client.post(
        url(DepotDay, "change", world.depot_day.pk), form_data(page.content.decode())
    )

    assert response.status_code == 302
    world.depot_day.refresh_from_db()
    assert world.depot_day.version == 3


def test_it_keeps_the_hours_of_a_shift_that_carries_stops(admin_client, world):
    page = admin_client.get(url(Shift, "change", world.busy_shift.pk))
    data = form_data(page.content.decode())
    data["end_1"] = ["12:00:00"]

    response = admin_client.post(url(Shift, "change", world.busy_shift.pk), data)

    assert response.status_code == 200
    assert "has planned stops" in response.content.decode()
    world.busy_shift.refresh_from_db()
    world.depot_day.refresh_from_db()
    assert world.busy_shift.end == local(20)
    assert world.depot_day.version == 3


def test_it_moves_an_idle_shift_and_bumps_the_plan_version(admin_client, world):
    page = admin_client.get(url(Shift, "change", world.idle_shift.pk))
    data = form_data(page.content.decode())
    data["start_1"] = ["07:30:00"]

    response = admin_client.post(url(Shift, "change", world.idle_shift.pk), data)

    assert response.status_code == 302
    world.idle_shift.refresh_from_db()
    world.depot_day.refresh_from_db()
    assert world.idle_shift.start == local(7, 30)
    assert world.depot_day.version == 4


def test_it_refuses_a_vehicle_of_another_depot(admin_client, world):
    other = Depot.objects.create(
        code="rtm", name="Rotterdam", time_zone="Europe/Amsterdam", lat=51.9, lon=4.5
    )
    stranger = Vehicle.objects.create(depot=other, vehicle_type=world.vehicle_type, name="R1")
    page = admin_client.get(url(Shift, "change", world.idle_shift.pk))
    data = form_data(page.content.decode())
    data["vehicle"] = [str(stranger.pk)]

    response = admin_client.post(url(Shift, "change", world.idle_shift.pk), data)

    assert response.status_code == 200
    assert "belongs to another depot" in response.content.decode()


def test_it_deletes_an_idle_shift_and_bumps_the_plan_version(admin_client, world):
    response = admin_client.post(url(Shift, "delete", world.idle_shift.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Shift.objects.filter(pk=world.idle_shift.pk).exists()
    world.depot_day.refresh_from_db()
    assert world.depot_day.version == 4


def test_it_never_edits_or_deletes_a_stop(admin_client, world):
    stop = world.stops[0]

    assert admin_client.post(url(Stop, "change", stop.pk), {"sequence": "9"}).status_code == 403
    assert admin_client.post(url(Stop, "delete", stop.pk), {"post": "yes"}).status_code == 403
    stop.refresh_from_db()
    assert stop.sequence == 1


def test_it_edits_a_service_zone_as_geojson_text(admin_client, world):
    page = admin_client.get(url(ServiceZone, "change", world.zone.pk))
    data = form_data(page.content.decode())
    data["polygon"] = ['{"type": "Point", "coordinates": [5.1, 52.1]}']

    response = admin_client.post(url(ServiceZone, "change", world.zone.pk), data)

    assert "<textarea" in page.content.decode()
    assert response.status_code == 200
    assert "Expected a Polygon or MultiPolygon, got a Point." in response.content.decode()


def test_it_shows_a_days_times_in_the_depots_time_zone(admin_client, world):
    response = admin_client.get(url(DepotDay, "change", world.depot_day.pk))

    html = response.content.decode()
    # The busy shift runs 08:00-20:00 in Amsterdam, 07:00-19:00 UTC.
    assert "Times in Europe/Amsterdam" in html
    assert 'value="08:00:00"' in html
    assert 'value="07:00:00"' not in html


def test_it_saves_an_emission_factor_and_bumps_the_plans_that_use_it(admin_client, world):
    page = admin_client.get(url(EmissionFactor, "change", world.factor.pk))
    data = form_data(page.content.decode())
    data["grams_per_km"] = ["123.45"]

    response = admin_client.post(url(EmissionFactor, "change", world.factor.pk), data)

    assert response.status_code == 302
    world.factor.refresh_from_db()
    world.depot_day.refresh_from_db()
    assert world.factor.grams_per_km == Decimal("123.45")
    assert world.depot_day.version == 4


def test_it_refuses_an_emission_factor_edit_while_a_plan_using_it_fails_the_checker(admin_client, world):
    # Two stops of one unit on a van shrunk to one unit behind the admin's back.
    VehicleType.objects.filter(pk=world.vehicle_type.pk).update(capacity_units=1)
    grams = world.factor.grams_per_km
    page = admin_client.get(url(EmissionFactor, "change", world.factor.pk))
    data = form_data(page.content.decode())
    data["grams_per_km"] = ["123.45"]

    response = admin_client.post(url(EmissionFactor, "change", world.factor.pk), data)

    assert response.status_code == 200
    assert "This change would break planned routes" in response.content.decode()
    world.factor.refresh_from_db()
    world.depot_day.refresh_from_db()
    assert world.factor.grams_per_km == grams
    assert world.depot_day.version == 3


RLO = "\u202e"


def test_it_shows_a_right_to_left_override_in_an_address_as_a_visible_mark(admin_client, world):
    # Given a booking whose address text carries a right-to-left override (stored before input
    # refused them), and an order reference and a cancel note with one,
    Booking.objects.filter(pk=world.booking.pk).update(
        address={"line1": f"Domplein 1{RLO}9 nnaR", "city": "Utrecht"}, external_ref=f"order{RLO}1"
    )
    BookingEvent.objects.filter(pk=world.event.pk).update(note=f"customer{RLO}asked")
    # when an operator opens it,
    html = admin_client.get(url(Booking, "change", world.booking.pk)).content.decode()
    # then no raw control reaches the page: each shows as a visible mark.
    assert RLO not in html
    assert "Domplein 1[U+202E]9 nnaR" in html and "order[U+202E]1" in html and "customer[U+202E]asked" in html


def test_the_offer_page_shows_bidi_controls_as_visible_marks(admin_client, world):
    offer = world.booking.offer
    Offer.objects.filter(pk=offer.pk).update(address={"line1": f"Main St{RLO}"})
    html = admin_client.get(url(Offer, "change", offer.pk)).content.decode()
    assert RLO not in html and "Main St[U+202E]" in html
