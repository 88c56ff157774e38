"""POST /holds/ and the hold page /holds/<id>/ with its countdown, confirm and release."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from booking.models import Booking, BookingStatus

from .conftest import INSIDE, TZ
from .page import alert_text, parse, quote_of, window_titled, windows

HTMX = {"HTTP_HX_REQUEST": "true"}


def offered_window(client, world, time_range="09:00–10:00", size_units="2"):
    """The hold form of one window, as the shopper's browser has it: (action, quote)."""
    action, fields = offered_form(client, world, time_range, size_units)
    return action, fields["quote"]


def offered_form(client, world, time_range="09:00–10:00", size_units="2"):
    """The hold form of one window: (action, every field it posts)."""
    response = client.get("/", {"lat": INSIDE[0], "lon": INSIDE[1], "size_units": size_units})
    card = window_titled(parse(response.content), f"day-{world.tomorrow.isoformat()}", time_range)
    assert quote_of(card)
    fields = {i.attrs["name"]: i.attrs.get("value", "") for i in card.find_all("input")}
    return card.find("form").attrs["action"], fields


def hold_window(client, world, **kwargs) -> Booking:
    action, quote = offered_window(client, world, **kwargs)
    response = client.post(action, {"quote": quote})
    assert response.status_code == 303, response.content.decode()[:500]
    return Booking.objects.get(id=response["Location"].split("/")[2])


def test_posting_a_quote_holds_the_window_and_redirects_to_the_hold_page(client, world):
    action, quote = offered_window(client, world)
    response = client.post(action, {"quote": quote})
    hold = Booking.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/holds/{hold.id}/"
    assert hold.status == BookingStatus.HELD
    assert hold.events.get().actor == "shopper"
    assert hold.window_start == dt.datetime.combine(world.tomorrow, dt.time(9), tzinfo=TZ)


def test_with_htmx_a_hold_redirects_the_whole_page(client, world):
    action, quote = offered_window(client, world)
    response = client.post(action, {"quote": quote}, **HTMX)
    hold = Booking.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/holds/{hold.id}/"


def test_a_forged_quote_shows_the_grid_again_with_the_message(client, world):
    action, _quote = offered_window(client, world)
    response = client.post(action, {"quote": "forged"})
    assert response.status_code == 400
    document = parse(response.content)
    assert alert_text(document) == "The quote was not issued by this server or has been altered."
    assert windows(document), "a fresh offer is shown below the message"
    assert Booking.objects.count() == 0


def test_a_window_taken_meanwhile_shows_a_fresh_grid_with_the_message(client, world):
    # Two shoppers see the same offer; the van (10 units) has room for only one 6-unit parcel.
    rival = Client()
    rival_action, rival_form = offered_form(rival, world, size_units="6")
    hold_window(client, world, size_units="6")

    response = rival.post(rival_action, rival_form, **HTMX)

    assert response.status_code == 200  # htmx swaps only 2xx responses
    body = response.content.decode()
    assert "<html" not in body
    document = parse(body)
    # The refusal is shown at the window the shopper tapped, takes focus, and is announced.
    tapped = window_titled(document, f"day-{world.tomorrow.isoformat()}", "09:00–10:00")
    refusal = tapped.find("div", lambda e: e.attrs.get("role") == "alert")
    assert refusal.text == "This window has just filled up; please choose another."
    assert "autofocus" in refusal.attrs and refusal.attrs["tabindex"] == "-1"
    assert tapped.find("button") is None and "Full" in tapped.text
    assert len(document.find_all("div", lambda e: e.attrs.get("role") == "alert")) == 1, "said once"
    assert Booking.objects.count() == 1


def test_the_hold_page_shows_the_window_and_a_countdown(client, world):
    hold = hold_window(client, world)
    response = client.get(f"/holds/{hold.id}/")
    assert response.status_code == 200
    document = parse(response.content)
    until = timezone.localtime(hold.hold_expires_at, TZ).strftime("%H:%M")
    countdown = document.find("div", lambda e: "data-countdown" in e.attrs)
    assert f"Held until {until}" in countdown.text
    assert "10 minutes" in countdown.text
    assert 595 <= int(countdown.attrs["data-remaining-seconds"]) <= 600
    assert document.find("p", lambda e: e.attrs.get("aria-live") == "polite") is not None
    assert 'src="/static/js/hold-countdown.js"' in response.content.decode()
    text = document.find("main").text
    assert "09:00–10:00" in text and "€" in text and "g CO 2 e" in text and "Delivery fee" in text
    assert "Route cost" not in text and "adjustment" not in text, "no pricing internals for shoppers"
    buttons = [b.text for b in document.find_all("button")]
    assert buttons == ["Confirm booking", "Release"]


def test_another_session_gets_404_for_the_hold(client, world):
    hold = hold_window(client, world)
    stranger = Client()
    assert stranger.get(f"/holds/{hold.id}/").status_code == 404
    assert stranger.post(f"/holds/{hold.id}/confirm").status_code == 404
    assert stranger.post(f"/holds/{hold.id}/release").status_code == 404
    hold.refresh_from_db()
    assert hold.status == BookingStatus.HELD


def test_an_unknown_hold_is_404(client, world):
    assert client.get("/holds/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_releasing_gives_the_window_back(client, world):
    hold = hold_window(client, world)
    response = client.post(f"/holds/{hold.id}/release")
    assert response.status_code == 303 and response["Location"] == f"/holds/{hold.id}/"
    hold.refresh_from_db()
    assert hold.status == BookingStatus.RELEASED
    document = parse(client.get(f"/holds/{hold.id}/").content)
    assert document.find("h1").text == "Delivery window released"
    assert document.find("button") is None
    again = document.find("a", lambda e: e.text == "Choose another window")
    assert again.attrs["href"] == "/?lat=52.11&lon=5.11&size_units=2&service_minutes=3"


def test_an_expired_hold_says_so_and_links_back(client, world):
    hold = hold_window(client, world)
    Booking.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - dt.timedelta(seconds=1))
    document = parse(client.get(f"/holds/{hold.id}/").content)
    assert document.find("h1").text == "Your hold has expired"
    assert "the window was given back" in alert_text(document)
    assert document.find("a", lambda e: e.text == "Choose a delivery window again") is not None
    assert document.find("button") is None


def test_confirming_an_expired_hold_explains_why_it_failed(client, world):
    hold = hold_window(client, world)
    Booking.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(f"/holds/{hold.id}/confirm")
    assert response.status_code == 409
    document = parse(response.content)
    assert "This hold has expired" in document.find("main").text
    hold.refresh_from_db()
    assert hold.status == BookingStatus.EXPIRED


@pytest.mark.parametrize("path", ["/holds/", "/holds/{id}/confirm", "/holds/{id}/release"])
def test_writes_refuse_get(client, world, path):
    hold = hold_window(client, world)
    assert client.get(path.format(id=hold.id)).status_code == 405
