"""The booking's short reference and its signed manage link: see, cancel, choose another time."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client

from booking.models import Booking, BookingStatus
from booking.references import ALPHABET, reference_display, reference_new

from .conftest import TZ
from .page import parse, window_titled
from .test_holds import hold_window


def booked(client, world) -> tuple[Booking, str]:
    """A confirmed booking of 09:00-10:00 tomorrow, and its manage link from the booking page."""
    hold = hold_window(client, world)
    client.post(f"/holds/{hold.id}/confirm")
    document = parse(client.get(f"/bookings/{hold.id}/").content)
    section = document.find("section", lambda e: "manage-link" in e.classes)
    link = section.find("a").attrs["href"]
    hold.refresh_from_db()
    return hold, link.removeprefix("http://testserver")


def test_a_reference_is_eight_unambiguous_characters_and_each_booking_has_its_own():
    references = {reference_new() for _ in range(200)}
    assert len(references) == 200
    assert all(len(r) == 8 and set(r) <= set(ALPHABET) for r in references)
    assert not set("0O1IL") & set(ALPHABET)
    assert reference_display("K7PM4XRA") == "K7PM-4XRA"


def test_the_booking_page_shows_the_short_reference_and_a_manage_link(client, world):
    booking, link = booked(client, world)

    document = parse(client.get(f"/bookings/{booking.id}/").content)

    assert re.fullmatch(r"[A-Z0-9]{8}", booking.reference)
    code = document.find("strong", lambda e: "reference__code" in e.classes)
    assert code.text == reference_display(booking.reference)
    assert str(booking.id) not in document.find("main").text, "no 36-character id for people"
    assert re.fullmatch(r"/bookings/manage/[^/]+/", link)


def test_the_link_works_without_the_session_that_booked(client, world):
    _booking, link = booked(client, world)

    response = Client().get(link)

    assert response.status_code == 200
    document = parse(response.content)
    assert document.find("h1").text == "Your delivery"
    assert [b.text for b in document.find_all("button")] == ["Cancel this delivery"]
    assert document.find("a", lambda e: e.text == "Choose another time") is not None


def test_cancelling_through_the_link_cancels_the_booking(client, world):
    booking, link = booked(client, world)
    shopper = Client()

    response = shopper.post(link + "cancel")

    assert response.status_code == 303 and response["Location"] == link
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.events.last().actor == "shopper"
    document = parse(shopper.get(link).content)
    assert document.find("h1").text == "Delivery cancelled" and document.find("button") is None


def test_choosing_another_time_moves_the_booking(client, world):
    booking, link = booked(client, world)
    shopper = Client()
    manage = parse(shopper.get(link).content)
    reschedule_url = manage.find("a", lambda e: e.text == "Choose another time").attrs["href"]

    picker = parse(shopper.get(reschedule_url).content)
    assert picker.find("h1").text == "Choose another time"
    card = window_titled(picker, f"day-{world.tomorrow.isoformat()}", "10:00–12:00")
    form = card.find("form")
    assert form.attrs["action"].startswith(link + "reschedule?")
    fields = {i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input")}

    response = shopper.post(form.attrs["action"], fields)

    assert response.status_code == 303 and response["Location"] == link + "?moved=1"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.window_start == dt.datetime.combine(world.tomorrow, dt.time(10), tzinfo=TZ)
    assert "Moved: we will now deliver" in parse(shopper.get(response["Location"]).content).find("main").text


def test_a_forged_or_altered_link_is_404(client, world):
    _booking, link = booked(client, world)
    assert Client().get("/bookings/manage/forged/").status_code == 404
    assert Client().get(link[:-3] + "xx/").status_code == 404
    assert Client().post("/bookings/manage/forged/cancel").status_code == 404


def test_the_actions_refuse_get(client, world):
    _booking, link = booked(client, world)
    assert client.get(link + "cancel").status_code == 405
    assert client.get(link + "reschedule").status_code == 405
