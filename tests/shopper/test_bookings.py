"""POST /holds/<id>/confirm and the confirmation page /bookings/<id>/."""

from __future__ import annotations

from django.test import Client

from booking.models import Booking, BookingEvent, BookingStatus

from .page import parse
from .test_holds import HTMX, hold_window


def test_confirming_a_hold_leads_to_the_booking_page(client, world):
    hold = hold_window(client, world)
    response = client.post(f"/holds/{hold.id}/confirm")
    assert response.status_code == 303
    assert response["Location"] == f"/bookings/{hold.id}/"
    hold.refresh_from_db()
    assert (hold.status, hold.external_ref, hold.idempotency_key) == (
        BookingStatus.CONFIRMED,
        "",
        f"shopper-{hold.id}",
    )

    page = client.get(response["Location"])
    assert page.status_code == 200
    document = parse(page.content)
    assert document.find("h1").text == "Delivery booked"
    text = document.find("main").text
    assert "09:00–10:00" in text
    assert f"Price paid €{hold.price_amount}" in text
    assert f"+{hold.co2e_grams:,} g CO 2 e" in text
    assert "Status Confirmed" in text
    assert "The address given at checkout" in text and "52.11" not in text, "never coordinates"
    assert document.find("a", lambda e: e.text == "Book another delivery").attrs["href"] == "/"


def test_with_htmx_confirming_redirects_the_whole_page(client, world):
    hold = hold_window(client, world)
    response = client.post(f"/holds/{hold.id}/confirm", **HTMX)
    assert response["HX-Redirect"] == f"/bookings/{hold.id}/"


def test_confirming_twice_books_once(client, world):
    hold = hold_window(client, world)
    first = client.post(f"/holds/{hold.id}/confirm")
    second = client.post(f"/holds/{hold.id}/confirm")
    assert first["Location"] == second["Location"] == f"/bookings/{hold.id}/"
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1
    assert BookingEvent.objects.filter(to_status=BookingStatus.CONFIRMED).count() == 1


def test_another_session_gets_404_for_the_booking(client, world):
    hold = hold_window(client, world)
    client.post(f"/holds/{hold.id}/confirm")
    assert Client().get(f"/bookings/{hold.id}/").status_code == 404


def test_the_hold_page_of_a_confirmed_booking_leads_to_the_booking(client, world):
    hold = hold_window(client, world)
    client.post(f"/holds/{hold.id}/confirm")
    response = client.get(f"/holds/{hold.id}/")
    assert response.status_code == 302 and response["Location"] == f"/bookings/{hold.id}/"


def test_the_booking_page_of_an_unconfirmed_hold_leads_to_the_hold(client, world):
    hold = hold_window(client, world)
    response = client.get(f"/bookings/{hold.id}/")
    assert response.status_code == 302 and response["Location"] == f"/holds/{hold.id}/"
