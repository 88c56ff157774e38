"""With CACHE_URL (Redis), compiled plans are shared between app processes: a process that has not
seen a depot-day's latest version takes it from Redis instead of compiling it. Only an entry whose
stamp equals the row's is used, and Redis being down costs a compile, never an answer."""

import datetime as dt
import socket

import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from django.utils import timezone
from redis import Redis
from redis.exceptions import RedisError

from booking.services.holds import hold_create
from booking.services.offers import offer_create
from fleet.adapter import PlanCache, compile_plan
from fleet.models import DepotDay
from fleet.services import depot_day_bump
from tenants.keys import api_key_create
from tenants.models import ApiKeyKind
from tests.factories import INSIDE, make_world
from tests.plan_compare import by_stop_id

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/14"


def redis_cache(url: str = REDIS_URL) -> RedisCache:
    return RedisCache(url, {"KEY_PREFIX": "greenslot-test-plans", "OPTIONS": {"socket_connect_timeout": 0.5}})


@pytest.fixture
def shared():
    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except (RedisError, OSError):
        pytest.skip("Needs Redis on 127.0.0.1:6379 (CI starts it).")
    cache = redis_cache()
    cache.clear()
    yield cache
    cache.clear()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens once the probe is closed


@pytest.fixture
def booked_day(now, tomorrow):
    world = make_world(dates=[tomorrow], vehicles=2, capacity=20)
    for lat, lon in ((52.08, 5.08), (52.11, 5.12), (52.09, 5.13)):
        offer = offer_create(
            retailer=world.retailer, lat=lat, lon=lon, size_units=2, service_minutes=3,
            from_date=tomorrow, days=1, now=now,
        )  # fmt: skip
        window = next(w for w in offer.days[0].windows if w.available)
        hold_create(retailer=world.retailer, quote=window.quote, now=now)
    depot_day = DepotDay.objects.get(depot=world.depot, date=tomorrow)
    assert depot_day.stops.count() == 3
    return world, depot_day


def test_a_plan_compiled_by_one_process_is_served_to_another_from_redis(shared, booked_day, now, tomorrow):
    world, depot_day = booked_day
    one, other = PlanCache(shared=shared), PlanCache(shared=shared)

    one.get(depot=world.depot, depot_day=depot_day, date=tomorrow, now=now)
    served = other.get(depot=world.depot, depot_day=depot_day, date=tomorrow, now=now)

    assert (one.misses, other.misses, other.shared_hits) == (1, 0, 1)
    fresh = compile_plan(depot=world.depot, depot_day=depot_day, date=tomorrow, now=now)
    assert by_stop_id(served) == by_stop_id(fresh)
    assert served.plan.metric == fresh.plan.metric  # rebuilt from settings, not shipped
    assert (served.version, served.vehicles, served.stop_ids) == (
        fresh.version,
        fresh.vehicles,
        fresh.stop_ids,
    )


def test_an_entry_of_another_version_is_never_served(shared, booked_day, now, tomorrow):
    world, depot_day = booked_day
    one, other = PlanCache(shared=shared), PlanCache(shared=shared)
    one.get(depot=world.depot, depot_day=depot_day, date=tomorrow, now=now)

    depot_day_bump(depot_day=depot_day)  # as any write does
    other.get(depot=world.depot, depot_day=depot_day, date=tomorrow, now=now)

    assert (other.misses, other.shared_hits) == (1, 0)


def test_redis_down_costs_a_compile_not_an_answer(booked_day, now, tomorrow, caplog):
    world, depot_day = booked_day
    down = PlanCache(shared=redis_cache(closed_port_url()))

    first = down.get(depot=world.depot, depot_day=depot_day, date=tomorrow, now=now)
    again = down.get(depot=world.depot, depot_day=depot_day, date=tomorrow, now=now)

    assert first is again and (down.misses, down.hits) == (1, 1)  # this process's cache still works
    assert "Shared plan cache unavailable" in caplog.text


def test_offers_are_not_refused_when_the_shared_cache_is_down(api_world_for_cache_outage):
    client, key, tomorrow = api_world_for_cache_outage
    url = closed_port_url()
    caches = {
        alias: {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 0.5}}
        for alias in ("default", "plans")
    }  # fmt: skip
    with override_settings(CACHES=caches):
        response = client.post(
            "/api/v1/offers",
            {"address": {"lat": INSIDE[0], "lon": INSIDE[1]}, "parcel": {"size_units": 1, "service_minutes": 3},
             "from_date": tomorrow.isoformat(), "days": 1},
            content_type="application/json", secure=True, HTTP_AUTHORIZATION=f"Bearer {key}",
        )  # fmt: skip
    assert response.status_code == 201, response.content
    assert any(w["available"] for w in response.json()["days"][0]["windows"])


@pytest.fixture
def api_world_for_cache_outage(client):
    # The API reads the real clock, so this world is built around the real tomorrow.
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    world = make_world(dates=[tomorrow])
    _, key = api_key_create(retailer=world.retailer, kind=ApiKeyKind.SECRET)
    return client, key, tomorrow
