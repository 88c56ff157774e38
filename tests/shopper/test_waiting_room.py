"""The shopper page in a depot's waiting room: the place in a live region, a retry by itself at
the turn; the visit's ticket lives in the session, so the shopper queues once per visit."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client

from .conftest import INSIDE
from .page import parse, windows
from .test_picker import HTMX, search

pytestmark = pytest.mark.django_db


def test_a_new_visitor_queues_and_is_let_in_at_the_turn_once_per_visit(
    client, world, waiting_room, frozen_clock
):
    waiting_room(rate=1.0)
    assert windows(parse(search(client, lat=INSIDE[0], lon=INSIDE[1]).content))
    newcomer = Client()

    response = search(newcomer, lat=INSIDE[0], lon=INSIDE[1])

    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    room = parse(response.content).find("div", lambda e: "data-waiting-room" in e.attrs)
    place = room.find("p", lambda e: e.attrs.get("role") == "status")
    assert place.text.strip() == "You are number 1 in the queue, about 1 minute."
    assert room.attrs["hx-trigger"] == f"load delay:{response['Retry-After']}s"
    # The first shopper's visit goes on without queueing (its ticket is in its session).
    assert windows(parse(search(client, lat=INSIDE[0], lon=INSIDE[1], extra=HTMX).content))

    frozen_clock.shift(dt.timedelta(seconds=int(response["Retry-After"])))
    again = newcomer.get(html.unescape(room.attrs["hx-get"]), **HTMX)

    assert again.status_code == 200 and windows(parse(again.content))
