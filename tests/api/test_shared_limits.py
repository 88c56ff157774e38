"""Hold limits per key and per client address hold across workers: with CACHE_URL (Redis) their
counters live in the shared cache, not in the process, so N workers do not multiply them. (Live
holds per address and per client address are capped in the database, under advisory locks.)"""

from __future__ import annotations

import json

import pytest
from django.core.cache import caches
from django.test import override_settings
from redis import Redis
from redis.exceptions import RedisError

from tests.api.support import ORIGIN, ApiWorld, assert_error, offer_body

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/12"
PREFIX = "greenslot-test-limits"


@pytest.fixture
def shared_cache(settings):
    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except (RedisError, OSError):
        pytest.skip("Needs Redis on 127.0.0.1:6379 (CI starts it).")
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "holds": "4/min",
            "holds_ip": "2/min",
        },
    }
    location = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    with override_settings(CACHES={"default": {**location, "KEY_PREFIX": PREFIX}}):
        caches["default"].clear()
        yield
        caches["default"].clear()


def hold_from(client, api_world: ApiWorld, *, ip: str, spot: int):
    headers = {"Authorization": f"Bearer {api_world.keys['own_pk']}", "Origin": ORIGIN}

    def post(path, body):
        return client.post(
            path, json.dumps(body), content_type="application/json", headers=headers, REMOTE_ADDR=ip
        )

    offer = post("/api/v1/offers", offer_body(spot=spot)).json()
    quote = next(w["quote"] for d in offer["days"] for w in d["windows"] if w["available"])
    return post("/api/v1/holds", {"quote": quote})


def test_hold_limits_per_key_and_per_client_address_are_counted_in_the_shared_cache(
    client, api_world, shared_cache
):
    assert hold_from(client, api_world, ip="203.0.113.5", spot=0).status_code == 201
    assert hold_from(client, api_world, ip="203.0.113.5", spot=1).status_code == 201
    # The third from one address is refused per address (the key still counts it: 3 of 4).
    assert_error(hold_from(client, api_world, ip="203.0.113.5", spot=2), 429, "throttled")
    # The counters are in Redis, where every worker reads them (not in this process).
    keys = Redis.from_url(REDIS_URL).keys(f"{PREFIX}:*throttle_holds*")
    assert len(keys) == 2, keys
    assert hold_from(client, api_world, ip="198.51.100.7", spot=3).status_code == 201
    assert_error(hold_from(client, api_world, ip="198.51.100.8", spot=4), 429, "throttled")  # per key
