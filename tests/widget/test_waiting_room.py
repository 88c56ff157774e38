"""The widget's frame in a depot's waiting room: it shows the shopper's place and the wait in a
live region, and asks again by itself at the turn, carrying the ticket; once admitted, the frame's
links and forms carry the visit's pass."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client

from tests.shopper.page import parse

from .test_frame import bookable, hold_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def one_a_second(waiting_room):
    waiting_room(rate=1.0)


def waiting_room(document):
    return document.find("div", lambda e: "data-waiting-room" in e.attrs)


def test_the_frame_shows_the_place_in_the_queue_and_comes_back_at_its_turn(
    client, widget_world, one_a_second, frozen_clock
):
    first = client.get(widget_world.grid_url())
    assert first.status_code == 200 and bookable(parse(first.content))
    for _ in range(2):  # two more shoppers arrive first
        client.get(widget_world.grid_url(), REMOTE_ADDR="198.51.100.9")

    response = client.get(widget_world.grid_url())

    assert response.status_code == 429 and int(response["Retry-After"]) >= 3
    document = parse(response.content)
    room = waiting_room(document)
    assert room is not None and not bookable(document)
    place = room.find("p", lambda e: e.attrs.get("role") == "status")
    assert place.attrs["aria-live"] == "polite"
    assert re.fullmatch(r"You are number 3 in the queue, about 1 minute\.", place.text.strip())
    # It asks again by itself at the turn (Retry-After), with its ticket; no polling in between.
    assert room.attrs["hx-trigger"] == f"load delay:{response['Retry-After']}s"
    retry = html.unescape(room.attrs["hx-get"])
    assert retry.startswith("/widget/frame?") and "ticket=" in retry and "key=pk_" in retry

    frozen_clock.shift(dt.timedelta(seconds=int(response["Retry-After"])))
    again = client.get(retry, HTTP_HX_REQUEST="true")

    assert again.status_code == 200
    document = parse(again.content)
    assert waiting_room(document) is None and bookable(document)
    action, _ = hold_form(document)
    assert "ticket=" in action, "the frame's forms carry the visit's pass"
