"""POST /api/v1/holds, DELETE /api/v1/holds/{id}, POST /api/v1/holds/{id}/confirm."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.audit import plan_violations
from booking.models import Booking, BookingEvent, BookingStatus
from booking.services.offers import offer_create
from fleet.models import Stop
from tenants.keys import api_key_create
from tests.api.support import ORIGIN, Api, ApiWorld, assert_error, local_today
from tests.factories import make_world

pytestmark = pytest.mark.django_db


def confirm(api: Api, aw: ApiWorld, hold_id, *, key: str = "idem-1", external_ref: str = "order-1"):
    return api.post(
        f"/api/v1/holds/{hold_id}/confirm",
        {"external_ref": external_ref},
        key=aw.keys["own_sk"],
        headers={"Idempotency-Key": key},
    )


def test_it_holds_a_quoted_window(api: Api, api_world: ApiWorld):
    window = api_world.window(api_world.retailer)
    response = api.post("/api/v1/holds", {"quote": window.quote}, key=api_world.keys["own_sk"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "reference", "status", "expires_at", "window", "price", "co2e_grams", "claim"}
    assert body["status"] == "held"
    assert dt.datetime.fromisoformat(body["window"]["start"]) == window.start
    assert body["window"]["start"].endswith("+01:00")
    assert body["price"]["amount"] == f"{window.price.amount:.2f}"
    assert body["co2e_grams"] == window.co2e_grams
    hold = Booking.objects.get(id=body["id"])
    assert hold.retailer == api_world.retailer and hold.status == BookingStatus.HELD
    # The event names the key by its prefix, never the key itself.
    actor = BookingEvent.objects.get(booking=hold).actor
    assert actor.startswith("api:sk_live_") and api_world.keys["own_sk"] not in actor
    assert plan_violations(now=hold.created_at) == []


def test_a_widget_holds_and_releases_with_its_publishable_key(api: Api, api_world: ApiWorld):
    window = api_world.window(api_world.retailer)
    credentials = {"key": api_world.keys["own_pk"], "origin": ORIGIN}
    hold_id = api.post("/api/v1/holds", {"quote": window.quote}, **credentials).json()["id"]
    response = api.delete(f"/api/v1/holds/{hold_id}", **credentials)
    assert response.status_code == 204 and response.content == b""
    hold = Booking.objects.get(id=hold_id)
    assert hold.status == BookingStatus.RELEASED and hold.stop_id is None
    assert_error(api.delete(f"/api/v1/holds/{hold_id}", **credentials), 409, "hold_not_active")


def test_it_refuses_a_hold_on_a_full_window_with_409_and_the_reason(api: Api, db):
    day = local_today() + dt.timedelta(days=1)
    world = make_world(dates=[day], vehicles=1, capacity=1)
    _, key = api_key_create(retailer=world.retailer, kind="secret")

    def quote(lat):
        result = offer_create(
            retailer=world.retailer, lat=lat, lon=5.11, size_units=1, service_minutes=3, from_date=day, days=1
        )
        return next(w.quote for w in result.days[0].windows if (w.start.hour, w.end.hour) == (9, 13))

    first, second = quote(52.11), quote(52.12)
    assert api.post("/api/v1/holds", {"quote": first}, key=key).status_code == 201
    before = (Booking.objects.count(), Stop.objects.count())
    body = assert_error(api.post("/api/v1/holds", {"quote": second}, key=key), 409, "window_unavailable")
    assert body["details"]["reason"] == "full"
    assert (Booking.objects.count(), Stop.objects.count()) == before


@pytest.mark.parametrize("quote", ["", "not-a-quote", "x" * 4001])
def test_it_refuses_a_malformed_quote(api: Api, api_world: ApiWorld, quote):
    response = api.post("/api/v1/holds", {"quote": quote}, key=api_world.keys["own_sk"])
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid_request", "invalid_quote"}
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("quote", [None, True, ["q"], {"q": 1}])
def test_it_refuses_a_quote_that_is_not_a_string(api: Api, api_world: ApiWorld, quote):
    body = assert_error(
        api.post("/api/v1/holds", {"quote": quote}, key=api_world.keys["own_sk"]), 400, "invalid_request"
    )
    assert "quote" in body["details"]


def test_it_refuses_a_tampered_quote(api: Api, api_world: ApiWorld):
    quote = api_world.window(api_world.retailer).quote
    forged = quote[:10] + ("A" if quote[10] != "A" else "B") + quote[11:]  # inside the offer's id
    assert_error(
        api.post("/api/v1/holds", {"quote": forged}, key=api_world.keys["own_sk"]), 400, "invalid_quote"
    )


def test_it_caps_live_holds_per_address(api: Api, api_world: ApiWorld):
    quotes = [
        api_world.window(api_world.retailer, hours=hours).quote
        for hours in ((9, 10), (10, 11), (12, 13), (9, 13))
    ]
    for quote in quotes[:3]:
        assert api.post("/api/v1/holds", {"quote": quote}, key=api_world.keys["own_sk"]).status_code == 201
    body = assert_error(
        api.post("/api/v1/holds", {"quote": quotes[3]}, key=api_world.keys["own_sk"]),
        429,
        "hold_limit_reached",
    )
    assert body["details"] == {"limit": 3}


def test_it_confirms_once_and_replays_with_the_same_key_and_body(api: Api, api_world: ApiWorld):
    hold = api_world.hold(api_world.retailer)
    first = confirm(api, api_world, hold.id)
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "confirmed" and first.json()["external_ref"] == "order-1"
    again = confirm(api, api_world, hold.id)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Booking.objects.get(id=hold.id).status == BookingStatus.CONFIRMED
    assert list(BookingEvent.objects.filter(booking=hold).values_list("to_status", flat=True)) == [
        "held",
        "confirmed",
    ]


def test_it_refuses_the_same_idempotency_key_with_another_body(api: Api, api_world: ApiWorld):
    hold = api_world.hold(api_world.retailer)
    assert confirm(api, api_world, hold.id).status_code == 201
    assert_error(confirm(api, api_world, hold.id, external_ref="order-2"), 409, "idempotency_mismatch")
    assert Booking.objects.get(id=hold.id).external_ref == "order-1"


def test_a_second_confirm_with_another_key_is_a_conflict(api: Api, api_world: ApiWorld):
    hold = api_world.hold(api_world.retailer)
    assert confirm(api, api_world, hold.id).status_code == 201
    assert_error(confirm(api, api_world, hold.id, key="idem-2"), 409, "already_confirmed")


def test_a_replay_with_a_long_idempotency_key_and_reference_is_still_a_replay(api: Api, api_world: ApiWorld):
    hold = api_world.hold(api_world.retailer)
    key, ref = "k" * 120, "r" * 120
    assert confirm(api, api_world, hold.id, key=key, external_ref=ref).status_code == 201
    assert confirm(api, api_world, hold.id, key=key, external_ref=ref).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": ""}, {"Idempotency-Key": "   "}])
def test_confirm_requires_an_idempotency_key(api: Api, api_world: ApiWorld, headers):
    hold = api_world.hold(api_world.retailer)
    response = api.post(
        f"/api/v1/holds/{hold.id}/confirm",
        {"external_ref": "x"},
        key=api_world.keys["own_sk"],
        headers=headers,
    )
    assert_error(response, 400, "idempotency_key_required")
    assert Booking.objects.get(id=hold.id).status == BookingStatus.HELD


def test_it_refuses_an_idempotency_key_or_reference_longer_than_it_keeps(api: Api, api_world: ApiWorld):
    hold = api_world.hold(api_world.retailer)
    assert_error(confirm(api, api_world, hold.id, key="k" * 121), 400, "invalid_idempotency_key")
    body = assert_error(confirm(api, api_world, hold.id, external_ref="r" * 121), 400, "invalid_request")
    assert "external_ref" in body["details"]
    assert Booking.objects.get(id=hold.id).status == BookingStatus.HELD


def test_it_refuses_to_confirm_a_lapsed_hold(api: Api, api_world: ApiWorld):
    hold = api_world.hold(api_world.retailer)
    Booking.objects.filter(pk=hold.pk).update(hold_expires_at=hold.created_at - dt.timedelta(seconds=1))
    Stop.objects.filter(pk=hold.stop_id).update(expires_at=hold.created_at - dt.timedelta(seconds=1))
    assert_error(confirm(api, api_world, hold.id), 409, "hold_expired")
    assert Booking.objects.get(pk=hold.pk).status == BookingStatus.EXPIRED


def test_a_hold_can_be_confirmed_with_an_empty_body(api: Api, api_world: ApiWorld):
    hold = api_world.hold(api_world.retailer)
    response = api.call(
        "POST",
        f"/api/v1/holds/{hold.id}/confirm",
        raw="",
        key=api_world.keys["own_sk"],
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 201
    assert response.json()["external_ref"] == ""


def lapse(hold: Booking) -> None:
    """Make ``hold`` one that lapsed a second ago, with nothing having tidied it yet."""
    past = hold.created_at - dt.timedelta(seconds=1)
    Booking.objects.filter(pk=hold.pk).update(hold_expires_at=past)
    Stop.objects.filter(pk=hold.stop_id).update(expires_at=past)


@pytest.mark.parametrize("tidied_first", [False, True])
@pytest.mark.parametrize("action", ["confirm", "release"])
def test_a_lapsed_hold_answers_the_same_whatever_other_traffic_did(
    api: Api, api_world: ApiWorld, action, tidied_first
):
    # Given a hold that lapsed,
    hold = api_world.hold(api_world.retailer, spot=0)
    lapse(hold)
    if tidied_first:
        # ... and some unrelated write on the same day that tidied it (marked it expired),
        api_world.hold(api_world.retailer, spot=3)
        assert Booking.objects.get(pk=hold.pk).status == BookingStatus.EXPIRED
    # when the client confirms or releases it late,
    if action == "confirm":
        response = confirm(api, api_world, hold.id)
    else:
        response = api.delete(f"/api/v1/holds/{hold.id}", key=api_world.keys["own_sk"])
    # then the answer is the same in every case, and the hold stays expired.
    assert_error(response, 409, "hold_expired")
    assert Booking.objects.get(pk=hold.pk).status == BookingStatus.EXPIRED


def test_a_hold_retried_with_the_same_quote_is_the_same_hold(api: Api, api_world: ApiWorld):
    window = api_world.window(api_world.retailer)
    first = api.post("/api/v1/holds", {"quote": window.quote}, key=api_world.keys["own_sk"])
    stops = Stop.objects.count()
    # A retry after a network timeout (the first answer never arrived):
    again = api.post("/api/v1/holds", {"quote": window.quote}, key=api_world.keys["own_sk"])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Booking.objects.count() == 1 and Stop.objects.count() == stops


def test_a_quote_is_refused_after_its_hold_was_released(api: Api, api_world: ApiWorld):
    window = api_world.window(api_world.retailer)
    hold_id = api.post("/api/v1/holds", {"quote": window.quote}, key=api_world.keys["own_sk"]).json()["id"]
    assert api.delete(f"/api/v1/holds/{hold_id}", key=api_world.keys["own_sk"]).status_code == 204
    body = assert_error(
        api.post("/api/v1/holds", {"quote": window.quote}, key=api_world.keys["own_sk"]), 409, "quote_used"
    )
    assert body["details"] == {"status": "released"}
    assert Booking.objects.count() == 1


def test_a_quote_makes_one_live_hold_however_often_it_is_sent(api: Api, api_world: ApiWorld):
    window = api_world.window(api_world.retailer)
    answers = [
        api.post("/api/v1/holds", {"quote": window.quote}, key=api_world.keys["own_sk"]) for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 1


def test_a_confirm_key_cannot_confirm_a_second_hold(api: Api, api_world: ApiWorld):
    # Given order-1 confirmed hold A with key K,
    first = api_world.hold(api_world.retailer, spot=0)
    second = api_world.hold(api_world.retailer, spot=1)
    assert confirm(api, api_world, first.id, key="K", external_ref="order-1").status_code == 201
    # when the same order is retried with K against another hold,
    response = confirm(api, api_world, second.id, key="K", external_ref="order-1")
    # then it is refused, and the second hold stays a hold.
    assert_error(response, 409, "idempotency_mismatch")
    assert Booking.objects.get(pk=second.pk).status == BookingStatus.HELD
    assert Booking.objects.filter(external_ref="order-1", status=BookingStatus.CONFIRMED).count() == 1
    # The replay on the first hold still answers 200 with the same booking.
    replay = confirm(api, api_world, first.id, key="K", external_ref="order-1")
    assert replay.status_code == 200 and replay.json()["id"] == str(first.id)


@pytest.mark.parametrize("quote", [12345, 1.5])
def test_it_refuses_a_number_as_a_quote(api: Api, api_world: ApiWorld, quote):
    body = assert_error(
        api.post("/api/v1/holds", {"quote": quote}, key=api_world.keys["own_sk"]), 400, "invalid_request"
    )
    assert "quote" in body["details"]


def browser_hold(api: Api, aw: ApiWorld, *, spot: int, ip: str):
    api.client.defaults["REMOTE_ADDR"] = ip
    quote = aw.window(aw.retailer, spot=spot).quote
    return api.post("/api/v1/holds", {"quote": quote}, key=aw.keys["own_pk"], origin=ORIGIN)


def test_one_browser_cannot_hoard_holds_across_addresses(api: Api, api_world: ApiWorld, settings):
    settings.GREENSLOT = {**settings.GREENSLOT, "MAX_HOLDS_PER_CLIENT": 2}
    # Given a bot at one client address holding windows for ever new addresses,
    answers = [browser_hold(api, api_world, spot=spot, ip="203.0.113.7") for spot in range(3)]
    # then the third live hold is refused, whatever address it is for,
    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert assert_error(answers[2], 429, "client_hold_limit_reached")["details"] == {"limit": 2}
    # while another browser, and the retailer's own server, still hold.
    assert browser_hold(api, api_world, spot=4, ip="198.51.100.9").status_code == 201
    server = api.post(
        "/api/v1/holds",
        {"quote": api_world.window(api_world.retailer, spot=5).quote},
        key=api_world.keys["own_sk"],
    )
    assert server.status_code == 201
    # A hold given back frees its place.
    api.delete(f"/api/v1/holds/{answers[0].json()['id']}", key=api_world.keys["own_sk"])
    assert browser_hold(api, api_world, spot=6, ip="203.0.113.7").status_code == 201


def test_a_hold_keeps_a_keyed_hash_of_the_client_address_never_the_address(api: Api, api_world: ApiWorld):
    hold_id = browser_hold(api, api_world, spot=0, ip="203.0.113.7").json()["id"]
    kept = Booking.objects.get(id=hold_id).client_key
    assert len(kept) == 16 and "203.0.113.7" not in kept
    server = api.post(
        "/api/v1/holds",
        {"quote": api_world.window(api_world.retailer, spot=1).quote},
        key=api_world.keys["own_sk"],
    )
    assert Booking.objects.get(id=server.json()["id"]).client_key == ""


def test_an_order_id_confirms_one_live_booking_whatever_the_key(api: Api, api_world: ApiWorld):
    # Given order-1 confirmed hold A with key K,
    first = api_world.hold(api_world.retailer, spot=0)
    second = api_world.hold(api_world.retailer, spot=1)
    created = confirm(api, api_world, first.id, key="K", external_ref="order-1")
    assert created.status_code == 201
    # when the same order confirms another hold with another key,
    response = confirm(api, api_world, second.id, key="K2", external_ref="order-1")
    # then it is refused, naming the booking the order already has, and the hold stays a hold.
    body = assert_error(response, 409, "order_already_confirmed")
    assert body["details"]["reference"] == created.json()["reference"]
    assert body["details"]["booking_id"] == str(first.id)
    assert Booking.objects.get(pk=second.pk).status == BookingStatus.HELD
    # Once that booking is cancelled, the order may confirm another hold.
    cancel = api.post(f"/api/v1/bookings/{first.id}/cancel", {}, key=api_world.keys["own_sk"])
    assert cancel.status_code == 200
    assert confirm(api, api_world, second.id, key="K2", external_ref="order-1").status_code == 201
