"""GET /api/v1/bookings/{id}, POST .../cancel, POST .../reschedule."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from booking.audit import plan_violations
from booking.models import Booking, BookingEvent, BookingStatus, Offer
from booking.references import reference_display
from booking.services.holds import hold_confirm
from booking.services.offers import offer_create
from fleet.models import Stop
from tests.api.support import Api, ApiWorld, assert_error
from tests.factories import INSIDE

pytestmark = pytest.mark.django_db

BOOKING_FIELDS = {
    "id",
    "reference",
    "claim",
    "status",
    "window",
    "address",
    "parcel",
    "price",
    "co2e_grams",
    "labels",
    "external_ref",
    "hold_expires_at",
    "confirmed_at",
    "created_at",
}


def test_it_shows_a_booking(api: Api, api_world: ApiWorld):
    booking = api_world.booking(api_world.retailer, spot=2)
    response = api.get(f"/api/v1/bookings/{booking.id}", key=api_world.keys["own_sk"])
    assert response.status_code == 200
    body = response.json()
    assert set(body) == BOOKING_FIELDS
    assert body["status"] == "confirmed"
    assert body["external_ref"] == "order-2"
    assert body["window"] == {
        "start": booking.window_start.astimezone(api_world.world.tz).isoformat(),
        "end": booking.window_end.astimezone(api_world.world.tz).isoformat(),
    }
    assert body["address"] == {"lat": booking.lat, "lon": booking.lon}
    assert body["parcel"] == {"size_units": 1, "service_minutes": 3}
    assert body["price"]["amount"] == f"{booking.price_amount:.2f}" and body["price"]["currency"] == "EUR"
    assert body["hold_expires_at"] is None and body["confirmed_at"]
    assert body["reference"] == reference_display(booking.reference)
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", body["reference"])


def test_a_bookings_claim_carries_its_grams_basis_and_the_method_page(api: Api, api_world: ApiWorld):
    booking = api_world.booking(api_world.retailer, spot=2)
    # The booked window at 100 g among three others of its day at 400 g: the day's average is 325 g.
    held = {
        "date": "2026-12-02",
        "start": booking.window_start.isoformat(),
        "available": True,
        "co2e_grams": 100,
    }
    others = [{**held, "start": "2026-12-02T18:00:00+01:00", "co2e_grams": 400}] * 3
    unavailable = {**held, "start": "2026-12-02T20:00:00+01:00", "available": False, "co2e_grams": None}
    other_day = {**held, "date": "2026-12-03", "start": "2026-12-03T09:00:00+01:00", "co2e_grams": 9_000}
    Offer.objects.filter(pk=booking.offer_id).update(windows=[held, *others, unavailable, other_day])
    Booking.objects.filter(pk=booking.pk).update(co2e_grams=100, labels=["green", "consolidated"])

    body = api.get(f"/api/v1/bookings/{booking.id}", key=api_world.keys["own_sk"]).json()

    assert body["claim"] == {
        "code": "consolidated",
        "name": "Van nearby",
        "grams": 100,
        "comparison": "day_average",
        "day_average_grams": 325,
        "percent_below_day_average": 69,
        "statement": "Van already nearby: +100 g CO2e, 69 % below this day's average window.",
        "method_url": "http://testserver/method/",
    }


def test_a_booking_without_an_environmental_label_has_no_claim(api: Api, api_world: ApiWorld):
    booking = api_world.booking(api_world.retailer, spot=2)
    Booking.objects.filter(pk=booking.pk).update(labels=["wide", "best_value"])

    body = api.get(f"/api/v1/bookings/{booking.id}", key=api_world.keys["own_sk"]).json()

    assert body["claim"] is None


def test_a_lapsed_hold_reads_as_expired_before_any_purge(api: Api, api_world: ApiWorld):
    hold = api_world.hold(api_world.retailer)
    body = api.get(f"/api/v1/bookings/{hold.id}", key=api_world.keys["own_sk"]).json()
    assert body["status"] == "held" and body["hold_expires_at"]
    Booking.objects.filter(pk=hold.pk).update(hold_expires_at=hold.created_at - dt.timedelta(seconds=1))
    body = api.get(f"/api/v1/bookings/{hold.id}", key=api_world.keys["own_sk"]).json()
    assert body["status"] == "expired"
    assert Booking.objects.get(pk=hold.pk).status == BookingStatus.HELD  # a read changes nothing


def test_it_cancels_a_booking_and_frees_its_stop(api: Api, api_world: ApiWorld):
    booking = api_world.booking(api_world.retailer)
    response = api.post(
        f"/api/v1/bookings/{booking.id}/cancel", {"reason": "customer asked"}, key=api_world.keys["own_sk"]
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert not Stop.objects.filter(pk=booking.stop_id).exists()
    assert BookingEvent.objects.filter(booking=booking, to_status="cancelled").get().note == "customer asked"
    assert_error(
        api.post(f"/api/v1/bookings/{booking.id}/cancel", {}, key=api_world.keys["own_sk"]),
        409,
        "not_confirmed",
    )


def test_cancel_refuses_a_hold_and_a_long_reason(api: Api, api_world: ApiWorld):
    hold = api_world.hold(api_world.retailer)
    assert_error(
        api.post(f"/api/v1/bookings/{hold.id}/cancel", {}, key=api_world.keys["own_sk"]), 409, "not_confirmed"
    )
    booking = api_world.booking(api_world.retailer, spot=1)
    body = assert_error(
        api.post(
            f"/api/v1/bookings/{booking.id}/cancel", {"reason": "x" * 301}, key=api_world.keys["own_sk"]
        ),
        400,
        "invalid_request",
    )
    assert "reason" in body["details"]


def test_it_reschedules_a_booking_to_another_quoted_window(api: Api, api_world: ApiWorld):
    booking = api_world.booking(api_world.retailer)
    target = api_world.window(api_world.retailer, date=api_world.day2, hours=(12, 13))
    response = api.post(
        f"/api/v1/bookings/{booking.id}/reschedule", {"quote": target.quote}, key=api_world.keys["own_sk"]
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert dt.datetime.fromisoformat(body["window"]["start"]) == target.start
    assert body["status"] == "confirmed" and body["id"] == str(booking.id)
    moved = Booking.objects.select_related("stop").get(pk=booking.pk)
    assert moved.depot_day.date == api_world.day2 and moved.stop.window_start == target.start
    assert plan_violations(now=moved.created_at) == []


def test_reschedule_refuses_a_quote_for_another_address(api: Api, api_world: ApiWorld):
    booking = api_world.booking(api_world.retailer, spot=0)
    elsewhere = api_world.window(api_world.retailer, spot=5, date=api_world.day2)
    assert_error(
        api.post(
            f"/api/v1/bookings/{booking.id}/reschedule",
            {"quote": elsewhere.quote},
            key=api_world.keys["own_sk"],
        ),
        409,
        "quote_mismatch",
    )
    assert Booking.objects.get(pk=booking.pk).window_start == booking.window_start


def test_reschedule_requires_a_quote(api: Api, api_world: ApiWorld):
    booking = api_world.booking(api_world.retailer)
    body = assert_error(
        api.post(f"/api/v1/bookings/{booking.id}/reschedule", {}, key=api_world.keys["own_sk"]),
        400,
        "invalid_request",
    )
    assert "quote" in body["details"]


@pytest.mark.parametrize(
    ("moved", "line1"),
    [((0.00003, 0.0), "Domplein 1"), ((0.0, 0.0), "Another street 9"), ((0.00003, 0.00003), "Elsewhere 4")],
)
def test_reschedule_refuses_a_quote_for_a_nearby_point_or_other_address_text(
    api: Api, api_world: ApiWorld, moved, line1
):
    # Given a booking at Domplein 1,
    lat, lon = INSIDE
    quote = offer_quote(api_world, lat=lat, lon=lon, line1="Domplein 1", date=api_world.day1)
    hold = api.post("/api/v1/holds", {"quote": quote}, key=api_world.keys["own_sk"]).json()
    booking = Booking.objects.get(pk=hold["id"])
    hold_confirm(retailer=api_world.retailer, booking_id=booking.pk, external_ref="o-1")
    # when a quote is for a point 3 m away, or for the same point under another street name,
    near = offer_quote(api_world, lat=lat + moved[0], lon=lon + moved[1], line1=line1, date=api_world.day2)
    response = api.post(
        f"/api/v1/bookings/{booking.pk}/reschedule", {"quote": near}, key=api_world.keys["own_sk"]
    )
    # then the booking does not move: its stop and its address stay together.
    assert_error(response, 409, "quote_mismatch")
    kept = Booking.objects.select_related("stop").get(pk=booking.pk)
    assert (kept.window_start, kept.lat, kept.lon, kept.address["line1"]) == (
        booking.window_start,
        lat,
        lon,
        "Domplein 1",
    )
    assert (kept.stop.lat, kept.stop.lon) == (lat, lon)


def offer_quote(aw: ApiWorld, *, lat: float, lon: float, line1: str, date) -> str:
    result = offer_create(
        retailer=aw.retailer,
        lat=lat,
        lon=lon,
        size_units=1,
        service_minutes=3,
        address={"line1": line1},
        from_date=date,
        days=1,
    )
    return next(w.quote for w in result.days[0].windows if w.available and w.start.hour == 9)
