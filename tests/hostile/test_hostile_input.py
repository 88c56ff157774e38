"""Hostile and odd input to the API: every answer is a clear 4xx in the one error shape (or a normal
answer where the input is odd but valid), never a 500."""

from __future__ import annotations

import pytest

from tests.api.support import assert_error

pytestmark = pytest.mark.django_db

PARCEL = {"size_units": 1, "service_minutes": 3}
HERE = {"lat": 52.11, "lon": 5.11}


def offer(**overrides) -> dict:
    return {"address": dict(HERE), "parcel": dict(PARCEL), "days": 1, **overrides}


@pytest.mark.parametrize(
    ("name", "body", "status", "code"),
    [
        ("NUL in text", offer(address={**HERE, "line1": "a\u0000b"}), 400, "invalid_request"),
        ("huge latitude", offer(address={"lat": 1e308, "lon": 5.11}), 400, "invalid_request"),
        ("huge negative longitude", offer(address={"lat": 52.11, "lon": -1e308}), 400, "invalid_request"),
        (
            "huge float size",
            offer(parcel={"size_units": 1e308, "service_minutes": 3}),
            400,
            "invalid_request",
        ),
        (
            "huge integer size",
            offer(parcel={"size_units": 10**40, "service_minutes": 3}),
            400,
            "invalid_request",
        ),
        ("huge days", offer(days=10**20), 400, "invalid_request"),
        ("negative size", offer(parcel={"size_units": -1, "service_minutes": 3}), 400, "invalid_request"),
        (
            "negative service time",
            offer(parcel={"size_units": 1, "service_minutes": -3}),
            400,
            "invalid_request",
        ),
        ("zero days", offer(days=0), 400, "invalid_request"),
        (
            "boolean as number",
            offer(parcel={"size_units": True, "service_minutes": 3}),
            400,
            "invalid_request",
        ),
        (
            "north pole on the antimeridian",
            offer(address={"lat": 90, "lon": 180}),
            422,
            "outside_service_area",
        ),
        (
            "south pole on the antimeridian",
            offer(address={"lat": -90, "lon": -180}),
            422,
            "outside_service_area",
        ),
        ("past the pole", offer(address={"lat": 90.000001, "lon": 0}), 400, "invalid_request"),
        ("past the antimeridian", offer(address={"lat": 0, "lon": -180.000001}), 400, "invalid_request"),
        ("year 9999", offer(from_date="9999-12-31", days=14), 400, "date_too_far"),
        ("year 0001", offer(from_date="0001-01-01", days=14), 400, "date_in_past"),
        ("not a calendar date", offer(from_date="2026-02-30"), 400, "invalid_request"),
        ("date as a number", offer(from_date=20261201), 400, "invalid_request"),
        ("nested too deep", offer(address={"lat": [[[[52]]]], "lon": 5.1}), 400, "invalid_request"),
    ],
)
def test_odd_offer_requests_are_refused_with_a_clear_4xx(api, api_world, name, body, status, code):
    assert_error(api.post("/api/v1/offers", body, key=api_world.keys["own_sk"]), status, code)


@pytest.mark.parametrize(
    ("name", "raw", "code"),
    [
        (
            "NaN",
            '{"address": {"lat": NaN, "lon": 5.1}, "parcel": {"size_units": 1, "service_minutes": 3}}',
            "malformed_json",
        ),
        (
            "Infinity",
            '{"address": {"lat": Infinity, "lon": 5.1}, "parcel": {"size_units": 1, "service_minutes": 3}}',
            "malformed_json",
        ),
        (
            "-Infinity",
            '{"address": {"lat": 52.1, "lon": -Infinity}, "parcel": {"size_units": 1, "service_minutes": 3}}',
            "malformed_json",
        ),
        (
            "exponent overflow",
            '{"address": {"lat": 1e99999, "lon": 5.1}, "parcel": {"size_units": 1, "service_minutes": 3}}',
            "invalid_request",
        ),
        (
            "5000-digit integer",
            '{"address": {"lat": 52.1, "lon": 5.1}, "parcel": {"size_units": '
            + "9" * 5000
            + ', "service_minutes": 3}}',
            "malformed_json",
        ),
        (
            "lone surrogate",
            '{"address": {"lat": 52.11, "lon": 5.11, "line1": "\\ud800"}, "parcel": {"size_units": 1, "service_minutes": 3}}',
            "invalid_request",
        ),
        ("deep nesting", "[" * 100_000 + "]" * 100_000, "payload_too_large"),
        ("not UTF-8", b'{"address": {"lat": 52.1, "lon": 5.1, "line1": "\xff\xfe"}}', "malformed_json"),
    ],
)
def test_invalid_json_is_refused_with_a_clear_4xx(api, api_world, name, raw, code):
    response = api.call("POST", "/api/v1/offers", raw=raw, key=api_world.keys["own_sk"])
    assert_error(response, 413 if code == "payload_too_large" else 400, code)


def test_unicode_addresses_are_kept_as_sent(api, api_world):
    line1 = "Straße 7 😀 ﷽ שלום"
    response = api.post(
        "/api/v1/offers",
        offer(address={**HERE, "line1": line1, "city": "東京"}),
        key=api_world.keys["own_sk"],
    )
    assert response.status_code == 201, response.content


def test_a_right_to_left_override_in_an_address_is_refused(api, api_world):
    # It would make the address read as another one on the operator's screen.
    response = api.post(
        "/api/v1/offers",
        offer(address={**HERE, "line1": "Straße 7 \u202eevil\u202c", "city": "東京"}),
        key=api_world.keys["own_sk"],
    )
    assert "line1" in assert_error(response, 400, "invalid_request")["details"]["address"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/plans/dep/2026-02-30", 400, "invalid_request"),
        ("/api/v1/plans/dep/99999-01-01", 400, "invalid_request"),
        ("/api/v1/plans/%C3%A9%C3%A9/2026-01-01", 404, "not_found"),
        ("/api/v1/bookings/not-a-uuid", 404, "not_found"),
        ("/api/v1/bookings/00000000-0000-0000-0000-000000000000", 404, "not_found"),
    ],
)
def test_odd_paths_are_refused_with_a_clear_4xx(api, api_world, path, status, code):
    assert_error(api.get(path, key=api_world.keys["own_sk"]), status, code)


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01"])
def test_a_plan_far_away_in_time_is_simply_empty(api, api_world, date):
    response = api.get(f"/api/v1/plans/dep/{date}", key=api_world.keys["own_sk"])
    assert response.status_code == 200
    assert response.json()["routes"] == []


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        ("too long", {"quote": "x" * 4001}, "invalid_request"),
        ("NUL", {"quote": "a\u0000b"}, "invalid_request"),
        ("emoji", {"quote": "😀.ü.é"}, "invalid_quote"),
        ("a number", {"quote": 1e308}, "invalid_request"),  # a number is not a string
        ("a list", {"quote": ["x"]}, "invalid_request"),
    ],
)
def test_hostile_quotes_are_refused(api, api_world, name, body, code):
    response = api.post("/api/v1/holds", body, key=api_world.keys["own_sk"])
    assert response.status_code in (400, 409), response.content
    assert_error(response, response.status_code, code)


def test_a_hostile_idempotency_key_is_refused(api, api_world):
    booking = api_world.hold(api_world.retailer)
    response = api.post(
        f"/api/v1/holds/{booking.id}/confirm",
        {},
        key=api_world.keys["own_sk"],
        headers={"Idempotency-Key": "é" * 121},
    )
    assert_error(response, 400, "invalid_idempotency_key")
