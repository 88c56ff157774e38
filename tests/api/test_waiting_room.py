"""POST /api/v1/offers behind a depot's waiting room: 429 ``waiting_room`` with the place in the
queue and Retry-After at the turn; the ticket admits from then on; holds of admitted shoppers go on."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.api.support import ORIGIN, Api, ApiWorld, assert_error, offer_body

pytestmark = pytest.mark.django_db

OFFERS = "/api/v1/offers"


@pytest.fixture
def one_a_second(waiting_room):
    waiting_room(rate=1.0)


def offer(api: Api, api_world: ApiWorld, *, ticket: str = "", key: str = "own_sk", spot: int = 0, **kwargs):
    headers = {"Waiting-Room-Ticket": ticket} if ticket else {}
    return api.post(OFFERS, offer_body(spot=spot), key=api_world.keys[key], headers=headers, **kwargs)


def test_without_a_waiting_room_offers_carry_no_ticket(api: Api, api_world: ApiWorld):
    for _ in range(3):
        response = offer(api, api_world)
        assert response.status_code == 201 and "Waiting-Room-Ticket" not in response


def test_a_crowd_queues_and_each_ticket_admits_at_its_turn(api, api_world, one_a_second, frozen_clock):
    first = offer(api, api_world)
    assert first.status_code == 201 and first["Waiting-Room-Ticket"]
    waiting = [assert_error(offer(api, api_world, spot=i), 429, "waiting_room") for i in range(1, 4)]
    assert [w["details"]["position"] for w in waiting] == [1, 2, 3]
    response = offer(api, api_world, spot=9)
    body = assert_error(response, 429, "waiting_room")
    assert response["Retry-After"] == str(body["details"]["retry_after_seconds"])
    assert response["Waiting-Room-Ticket"] == body["details"]["ticket"]
    assert body["details"]["estimated_wait_seconds"] <= body["details"]["retry_after_seconds"]
    assert set(body["details"]) == {"ticket", "position", "estimated_wait_seconds", "retry_after_seconds"}

    # Back too early: refused again, same place. At Retry-After: admitted, and the ticket goes on.
    early = assert_error(
        offer(api, api_world, spot=1, ticket=waiting[0]["details"]["ticket"]), 429, "waiting_room"
    )
    assert early["details"]["position"] == 1
    frozen_clock.shift(dt.timedelta(seconds=waiting[0]["details"]["retry_after_seconds"]))
    admitted = offer(api, api_world, spot=1, ticket=waiting[0]["details"]["ticket"])
    assert admitted.status_code == 201, admitted.content
    assert admitted["Waiting-Room-Ticket"] == waiting[0]["details"]["ticket"]
    # The third in line is not admitted by the first one's turn.
    assert_error(offer(api, api_world, spot=3, ticket=waiting[2]["details"]["ticket"]), 429, "waiting_room")


def test_an_admitted_shopper_holds_while_others_queue(api, api_world, one_a_second):
    response = offer(api, api_world)
    quote = next(w["quote"] for d in response.json()["days"] for w in d["windows"] if w["available"])
    for spot in range(1, 4):
        assert_error(offer(api, api_world, spot=spot), 429, "waiting_room")
    hold = api.post("/api/v1/holds", {"quote": quote}, key=api_world.keys["own_sk"])
    assert hold.status_code == 201, hold.content


def test_a_browsers_ticket_is_its_own(client, api_world, one_a_second):
    """A publishable key's ticket is bound to the client address it was given to: a bot farm cannot
    pass one admitted ticket around."""

    def from_ip(ip: str, ticket: str = ""):
        headers = {"Authorization": f"Bearer {api_world.keys['own_pk']}", "Origin": ORIGIN}
        if ticket:
            headers["Waiting-Room-Ticket"] = ticket
        return client.post(
            OFFERS, json.dumps(offer_body()), content_type="application/json", headers=headers, REMOTE_ADDR=ip
        )

    ticket = from_ip("203.0.113.5")["Waiting-Room-Ticket"]
    assert from_ip("203.0.113.5", ticket).status_code == 201
    assert_error(from_ip("198.51.100.7", ticket), 429, "waiting_room")


def test_the_schema_documents_the_ticket_and_the_waiting_room(api: Api):
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/offers"]["post"]
    assert any(p["name"] == "Waiting-Room-Ticket" and p["in"] == "header" for p in operation["parameters"])
    too_many = operation["responses"]["429"]
    assert "waiting_room" in too_many["description"]
    examples = too_many["content"]["application/json"]["examples"]
    assert any(e["value"]["code"] == "waiting_room" for e in examples.values())
