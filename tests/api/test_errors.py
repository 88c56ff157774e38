"""One error shape for every refusal under /api/, and never a 5xx for bad input."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.models import Offer
from tests.api.support import ORIGIN, Api, ApiWorld, assert_error, offer_body

pytestmark = pytest.mark.django_db


def test_it_refuses_malformed_json(api: Api, api_world: ApiWorld):
    response = api.call(
        "POST", "/api/v1/offers", raw='{"address": {"lat": 52.1,', key=api_world.keys["own_sk"]
    )
    body = assert_error(response, 400, "malformed_json")
    assert "error" in body["details"]


@pytest.mark.parametrize("raw", ['{"days": NaN}', '{"days": Infinity}', b"\xff\xfe{}", "[" * 50_000])
def test_it_refuses_json_that_python_would_otherwise_choke_on(api: Api, api_world: ApiWorld, raw):
    # NaN is not JSON; invalid UTF-8 is not text; 50,000 nested arrays would exhaust the recursion limit.
    response = api.call("POST", "/api/v1/offers", raw=raw, key=api_world.keys["own_sk"])
    assert_error(response, 400, "malformed_json")


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"]
)
def test_it_refuses_bodies_that_are_not_json_with_415(api: Api, api_world: ApiWorld, content_type):
    response = api.call(
        "POST", "/api/v1/offers", raw="a=1", content_type=content_type, key=api_world.keys["own_sk"]
    )
    assert_error(response, 415, "unsupported_media_type")


def test_it_refuses_a_100_kb_body_with_413_before_reading_it(api: Api, api_world: ApiWorld):
    body = offer_body()
    body["address"]["line1"] = "x" * 100_000
    response = api.post("/api/v1/offers", body, key=api_world.keys["own_sk"])
    details = assert_error(response, 413, "payload_too_large")["details"]
    assert details["limit_bytes"] == 64 * 1024
    assert Offer.objects.count() == 0


def test_the_body_limit_applies_before_authentication(api: Api, api_world: ApiWorld):
    assert_error(api.call("POST", "/api/v1/holds", raw="x" * 70_000), 413, "payload_too_large")


def test_the_body_limit_follows_a_smaller_django_upload_limit(api: Api, api_world: ApiWorld, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    assert api.post("/api/v1/offers", offer_body(), key=api_world.keys["own_sk"]).status_code == 201
    padded = json.dumps(offer_body()) + " " * 1_000
    assert_error(
        api.call("POST", "/api/v1/offers", raw=padded, key=api_world.keys["own_sk"]), 413, "payload_too_large"
    )


def test_an_unknown_api_path_is_a_json_404(api: Api, api_world: ApiWorld):
    for path in ("/api/v1/nothing", "/api/v2/offers", "/api/v1/bookings/not-a-uuid", "/api/v1/offers/"):
        assert_error(api.get(path, key=api_world.keys["own_sk"]), 404, "not_found")


def test_an_unknown_api_path_is_json_even_with_debug_on(api: Api, api_world: ApiWorld, settings):
    settings.DEBUG = True  # Django's technical 404 page is HTML; API clients still get the shape
    assert_error(api.get("/api/v1/nothing", key=api_world.keys["own_sk"]), 404, "not_found")


def test_a_wrong_method_is_a_json_405_with_allow(api: Api, api_world: ApiWorld):
    response = api.get("/api/v1/offers", key=api_world.keys["own_sk"])
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]
    assert_error(
        api.call("PUT", "/api/v1/holds", body={}, key=api_world.keys["own_sk"]), 405, "method_not_allowed"
    )


def test_only_json_is_served(api: Api, api_world: ApiWorld):
    response = api.post(
        "/api/v1/offers", offer_body(), key=api_world.keys["own_sk"], headers={"Accept": "text/html"}
    )
    assert_error(response, 406, "not_acceptable")


def test_a_crash_is_a_json_500_and_is_not_swallowed(api_world: ApiWorld, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("booking.api.views.bookings.booking_get", broken)
    client = Client(raise_request_exception=False)
    response = client.get(
        "/api/v1/bookings/00000000-0000-0000-0000-000000000000",
        headers={"Authorization": f"Bearer {api_world.keys['own_sk']}"},
    )
    assert_error(response, 500, "server_error")
    assert "boom" not in response.content.decode()
    assert any(record.exc_info and "boom" in str(record.exc_info[1]) for record in caplog.records)
    # The test client re-raises it by default: a bug never hides behind a tidy 500 in tests.
    with pytest.raises(RuntimeError, match="boom"):
        Client().get(
            "/api/v1/bookings/00000000-0000-0000-0000-000000000000",
            headers={"Authorization": f"Bearer {api_world.keys['own_sk']}"},
        )


def test_pages_outside_the_api_keep_their_own_404(client, db):
    response = client.get("/definitely-not-a-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_it_throttles_per_key_with_retry_after(api: Api, api_world: ApiWorld, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "offers": "2/min"},
    }
    for _ in range(2):
        assert api.post("/api/v1/offers", offer_body(), key=api_world.keys["own_sk"]).status_code == 201
    response = api.post("/api/v1/offers", offer_body(), key=api_world.keys["own_sk"])
    body = assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert body["details"]["retry_after_seconds"] == int(response["Retry-After"])
    # Another key has its own budget.
    assert api.post("/api/v1/offers", offer_body(), key=api_world.keys["other_sk"]).status_code == 201


def test_it_throttles_publishable_keys_per_ip_too(api: Api, api_world: ApiWorld, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "offers_ip": "1/min"},
    }
    widget = {"key": api_world.keys["own_pk"], "origin": ORIGIN}
    assert api.post("/api/v1/offers", offer_body(), **widget).status_code == 201
    assert_error(api.post("/api/v1/offers", offer_body(), **widget), 429, "throttled")
    # A client cannot dodge it with a forged X-Forwarded-For (NUM_PROXIES is 0).
    forged = api.post("/api/v1/offers", offer_body(), headers={"X-Forwarded-For": "203.0.113.9"}, **widget)
    assert_error(forged, 429, "throttled")
    # Secret keys (one backend IP for all shoppers) are limited per key only.
    assert api.post("/api/v1/offers", offer_body(), key=api_world.keys["own_sk"]).status_code == 201


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "address": st.fixed_dictionaries(
                {}, optional={"lat": json_values, "lon": json_values, "city": json_values}
            )
            | json_values,
            "parcel": st.fixed_dictionaries(
                {}, optional={"size_units": json_values, "service_minutes": json_values}
            )
            | json_values,
            "from_date": json_values | st.dates().map(str),
            "days": json_values,
        },
    )
)
def test_no_offer_body_produces_a_5xx(api: Api, api_world: ApiWorld, body):
    cache.clear()  # examples share the test's throttle budget otherwise
    response = api.post("/api/v1/offers", body, key=api_world.keys["own_sk"])
    assert response.status_code < 500, (body, response.content[:300])
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "details"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_no_raw_body_produces_a_5xx(api: Api, api_world: ApiWorld, raw):
    for path in ("/api/v1/offers", "/api/v1/holds"):
        response = api.call("POST", path, raw=raw, key=api_world.keys["own_sk"])
        assert response.status_code < 500, (raw, response.content[:300])
        assert set(response.json()) == {"code", "message", "details"}
