"""Every endpoint × every kind of caller: own secret key, another retailer's secret key, own
publishable key from an allowed origin and from another origin, no key, a revoked key.

Another retailer's objects answer 404 (as if they did not exist), never 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from booking.models import Booking, BookingStatus
from tests.api.support import ORIGIN, OTHER_ORIGIN, Api, ApiWorld, assert_error, offer_body

pytestmark = pytest.mark.django_db

CALLERS = ("own_sk", "other_sk", "own_pk", "own_pk_wrong_origin", "no_key", "revoked_sk")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: object = None
    headers: dict | None = None


def credentials(aw: ApiWorld, caller: str) -> dict:
    return {
        "own_sk": {"key": aw.keys["own_sk"]},
        "other_sk": {"key": aw.keys["other_sk"]},
        "own_pk": {"key": aw.keys["own_pk"], "origin": ORIGIN},
        "own_pk_wrong_origin": {"key": aw.keys["own_pk"], "origin": OTHER_ORIGIN},
        "no_key": {},
        "revoked_sk": {"key": aw.keys["revoked_sk"]},
    }[caller]


def acting_retailer(aw: ApiWorld, caller: str):
    return aw.other if caller == "other_sk" else aw.retailer


def offers(aw: ApiWorld, caller: str) -> Request:
    return Request("POST", "/api/v1/offers", offer_body())


def hold_create(aw: ApiWorld, caller: str) -> Request:
    # The other retailer presents our quote: quotes are bound to the retailer they were made for.
    return Request("POST", "/api/v1/holds", {"quote": aw.window(aw.retailer).quote})


def hold_release(aw: ApiWorld, caller: str) -> Request:
    return Request("DELETE", f"/api/v1/holds/{aw.hold(aw.retailer).id}")


def hold_confirm(aw: ApiWorld, caller: str) -> Request:
    hold = aw.hold(aw.retailer)
    return Request(
        "POST", f"/api/v1/holds/{hold.id}/confirm", {"external_ref": "A-1"}, {"Idempotency-Key": "k-1"}
    )


def booking_get(aw: ApiWorld, caller: str) -> Request:
    return Request("GET", f"/api/v1/bookings/{aw.booking(aw.retailer).id}")


def booking_cancel(aw: ApiWorld, caller: str) -> Request:
    return Request(
        "POST", f"/api/v1/bookings/{aw.booking(aw.retailer).id}/cancel", {"reason": "changed mind"}
    )


def booking_reschedule(aw: ApiWorld, caller: str) -> Request:
    booking = aw.booking(aw.retailer)
    # Each caller brings a quote of its own retailer, for the same address, so the refusal can only
    # come from whose booking it is.
    quote = aw.window(acting_retailer(aw, caller), date=aw.day2).quote
    return Request("POST", f"/api/v1/bookings/{booking.id}/reschedule", {"quote": quote})


def plan(aw: ApiWorld, caller: str) -> Request:
    aw.booking(aw.retailer)
    return Request("GET", f"/api/v1/plans/dep/{aw.day1.isoformat()}")


UNAUTHENTICATED = {"no_key": (401, "unauthenticated"), "revoked_sk": (401, "unauthenticated")}
SECRET_ONLY = {
    "own_pk": (403, "forbidden_for_publishable_key"),
    "own_pk_wrong_origin": (403, "forbidden_for_publishable_key"),
    **UNAUTHENTICATED,
}
WIDGET = {"own_pk": None, "own_pk_wrong_origin": (403, "origin_not_allowed"), **UNAUTHENTICATED}

# endpoint -> (build the request, expected per caller: None = the endpoint's success status).
MATRIX: dict[str, tuple[Callable[[ApiWorld, str], Request], int, dict]] = {
    "offers": (offers, 201, {"own_sk": None, "other_sk": None, **WIDGET}),
    "hold_create": (hold_create, 201, {"own_sk": None, "other_sk": (400, "invalid_quote"), **WIDGET}),
    "hold_release": (hold_release, 204, {"own_sk": None, "other_sk": (404, "not_found"), **WIDGET}),
    "hold_confirm": (hold_confirm, 201, {"own_sk": None, "other_sk": (404, "not_found"), **SECRET_ONLY}),
    "booking_get": (booking_get, 200, {"own_sk": None, "other_sk": (404, "not_found"), **SECRET_ONLY}),
    "booking_cancel": (booking_cancel, 200, {"own_sk": None, "other_sk": (404, "not_found"), **SECRET_ONLY}),
    "booking_reschedule": (
        booking_reschedule,
        200,
        {"own_sk": None, "other_sk": (404, "not_found"), **SECRET_ONLY},
    ),
    "plan": (plan, 200, {"own_sk": None, "other_sk": None, **SECRET_ONLY}),
}

CASES = [(endpoint, caller) for endpoint in MATRIX for caller in CALLERS]


def test_the_matrix_covers_every_caller_of_every_endpoint():
    for endpoint, (_, _, expected) in MATRIX.items():
        assert set(expected) == set(CALLERS), endpoint


@pytest.mark.parametrize(("endpoint", "caller"), CASES, ids=[f"{e}-{c}" for e, c in CASES])
def test_it_answers_each_caller_as_the_matrix_says(api: Api, api_world: ApiWorld, endpoint: str, caller: str):
    build, success, expected = MATRIX[endpoint]
    request = build(api_world, caller)
    before = sorted(Booking.objects.values_list("id", "status"))
    response = api.call(
        request.method,
        request.path,
        body=request.body,
        headers=request.headers,
        **credentials(api_world, caller),
    )
    if expected[caller] is None:
        assert response.status_code == success, response.content[:500]
    else:
        status, code = expected[caller]
        assert_error(response, status, code)
        # A refusal changes nothing.
        assert sorted(Booking.objects.values_list("id", "status")) == before


def test_it_refuses_a_publishable_key_without_an_origin(api: Api, api_world: ApiWorld):
    response = api.post("/api/v1/offers", offer_body(), key=api_world.keys["own_pk"])
    body = assert_error(response, 403, "origin_not_allowed")
    assert body["details"] == {"origin": None}


def test_it_refuses_a_publishable_key_from_another_retailers_origin_even_for_that_retailer(
    api: Api, api_world: ApiWorld
):
    # The other retailer's publishable key is fine from its own origin and nowhere else.
    assert (
        api.post(
            "/api/v1/offers", offer_body(), key=api_world.keys["other_pk"], origin=OTHER_ORIGIN
        ).status_code
        == 201
    )
    response = api.post("/api/v1/offers", offer_body(), key=api_world.keys["other_pk"], origin=ORIGIN)
    assert_error(response, 403, "origin_not_allowed")


def test_it_does_not_match_origins_loosely(api: Api, api_world: ApiWorld):
    for origin in (ORIGIN + "/", ORIGIN.upper(), ORIGIN + ":443", "http://shop.example", "null"):
        response = api.post("/api/v1/offers", offer_body(), key=api_world.keys["own_pk"], origin=origin)
        assert_error(response, 403, "origin_not_allowed")


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer sk_live_nope",
        "Bearer pk_live_",
        "Bearer a b",
        "Token x",
    ],
)
def test_it_refuses_malformed_or_unknown_keys_with_401(api: Api, api_world: ApiWorld, authorization: str):
    response = api.post("/api/v1/offers", offer_body(), headers={"Authorization": authorization})
    assert_error(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_says_why_a_revoked_key_is_refused(api: Api, api_world: ApiWorld):
    body = assert_error(
        api.get(f"/api/v1/bookings/{uuid.uuid4()}", key=api_world.keys["revoked_sk"]), 401, "unauthenticated"
    )
    assert body["details"] == {"reason": "revoked"}
    body = assert_error(
        api.post("/api/v1/offers", offer_body(), key=api_world.keys["revoked_pk"], origin=ORIGIN),
        401,
        "unauthenticated",
    )
    assert body["details"] == {"reason": "revoked"}


def test_it_answers_404_for_an_id_nobody_has(api: Api, api_world: ApiWorld):
    for method, path in (
        ("GET", f"/api/v1/bookings/{uuid.uuid4()}"),
        ("POST", f"/api/v1/bookings/{uuid.uuid4()}/cancel"),
        ("DELETE", f"/api/v1/holds/{uuid.uuid4()}"),
    ):
        assert_error(
            api.call(method, path, key=api_world.keys["own_sk"], body={} if method == "POST" else None),
            404,
            "not_found",
        )


def test_another_retailer_cannot_tell_a_foreign_booking_from_a_missing_one(api: Api, api_world: ApiWorld):
    booking = api_world.booking(api_world.retailer)
    foreign = api.get(f"/api/v1/bookings/{booking.id}", key=api_world.keys["other_sk"]).json()
    missing = api.get(f"/api/v1/bookings/{uuid.uuid4()}", key=api_world.keys["other_sk"]).json()
    assert foreign == missing
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
