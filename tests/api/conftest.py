"""Fixtures of the API tests: two retailers on one depot, each with its keys (see support.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from tenants.keys import api_key_create, api_key_revoke
from tenants.models import ApiKeyKind
from tests.api.support import ORIGIN, OTHER_ORIGIN, Api, ApiWorld, local_today
from tests.factories import make_world, retailer_with_rules


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counters live in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_world(db) -> ApiWorld:
    """Shifts tomorrow and the day after (real time: the API has no clock to inject), two vans of 20."""
    day1 = local_today() + dt.timedelta(days=1)
    world = make_world(dates=[day1, day1 + dt.timedelta(days=1)], vehicles=2, capacity=20)
    world.retailer.allowed_origins = [ORIGIN]
    world.retailer.save(update_fields=["allowed_origins"])
    other, _ = retailer_with_rules("other-shop")
    other.allowed_origins = [OTHER_ORIGIN]
    other.save(update_fields=["allowed_origins"])
    aw = ApiWorld(world=world, other=other, day1=day1, day2=day1 + dt.timedelta(days=1))
    for name, retailer, kind in (
        ("own_sk", world.retailer, ApiKeyKind.SECRET),
        ("own_pk", world.retailer, ApiKeyKind.PUBLISHABLE),
        ("revoked_sk", world.retailer, ApiKeyKind.SECRET),
        ("revoked_pk", world.retailer, ApiKeyKind.PUBLISHABLE),
        ("other_sk", other, ApiKeyKind.SECRET),
        ("other_pk", other, ApiKeyKind.PUBLISHABLE),
    ):
        key, aw.keys[name] = api_key_create(retailer=retailer, kind=kind, label=name)
        if name.startswith("revoked"):
            api_key_revoke(key=key)
    return aw


@pytest.fixture
def api(client) -> Api:
    return Api(client)
