"""The staff plan page lists every route with its stops and planned times, and draws them."""

import pytest
from django.urls import reverse

from booking.services.holds import hold_confirm, hold_create
from booking.services.offers import offer_create
from tests.factories import INSIDE, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked_world(now, tomorrow):
    world = make_world(dates=[tomorrow])
    offer = offer_create(
        retailer=world.retailer,
        lat=INSIDE[0],
        lon=INSIDE[1],
        size_units=2,
        service_minutes=3,
        from_date=tomorrow,
        days=1,
        now=now,
    )
    hold = hold_create(retailer=world.retailer, quote=offer.days[0].windows[0].quote, now=now)
    hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)
    return world


def test_it_shows_routes_stops_and_a_map_to_staff(admin_client, booked_world, tomorrow):
    url = reverse("fleet:plan-detail", args=["dep", tomorrow.isoformat()])
    response = admin_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "<polyline" in body
    assert "V1" in body and "booked" in body
    # The first window offered is the all-day one, shown in the depot's time zone (UTC+1 in December).
    assert "08:00–20:00" in body
    assert "V1 #1, 08:" in body
    assert response.context["plan"].stop_count == 1


def test_it_says_so_when_a_day_has_no_plan(admin_client, booked_world, tomorrow):
    response = admin_client.get(reverse("fleet:plan-detail", args=["dep", "2030-01-01"]))
    assert response.status_code == 200
    assert "No vehicles are planned" in response.content.decode()


def test_it_is_refused_to_shoppers(client, booked_world, tomorrow):
    response = client.get(reverse("fleet:plan-detail", args=["dep", tomorrow.isoformat()]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_it_404s_for_an_unknown_depot_or_a_bad_date(admin_client, booked_world):
    assert admin_client.get("/staff/plans/nope/2030-01-01/").status_code == 404
    assert admin_client.get("/staff/plans/dep/not-a-date/").status_code == 404
