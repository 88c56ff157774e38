"""The widget's world: the tiny test depot, a retailer that lets one origin embed the widget, its keys.

Dates are relative to the real clock: the frame asks the services for "now" itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from tenants.keys import api_key_create
from tenants.models import ApiKey, ApiKeyKind
from tests.factories import INSIDE, TZ, World, make_world
from tests.shopper.test_browser import browser  # noqa: F401  (the shopper tests' Chromium, for test_browser.py)

ORIGIN = "https://shop.example"
STRANGER = "https://stranger.example"


@dataclass
class WidgetWorld:
    world: World
    key: ApiKey
    publishable_key: str
    secret_key: str
    day1: dt.date

    @property
    def retailer(self):
        return self.world.retailer

    def frame_url(self, *, key: str | None = None, origin: str = ORIGIN, **params) -> str:
        query = {"key": self.publishable_key if key is None else key, "origin": origin, **params}
        return "/widget/frame?" + urlencode(query)

    def grid_url(self, **params) -> str:
        """The frame as a host page with a fixed delivery point opens it: the windows straight away."""
        return self.frame_url(lat=INSIDE[0], lon=INSIDE[1], **params)


def local_today() -> dt.date:
    return timezone.localtime(timezone.now(), ZoneInfo(TZ)).date()


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counters live in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def widget_world(db) -> WidgetWorld:
    """One van of 10 units working tomorrow and the day after; the retailer allows ``ORIGIN`` only."""
    day1 = local_today() + dt.timedelta(days=1)
    world = make_world(dates=[day1, day1 + dt.timedelta(days=1)], vehicles=1, capacity=10)
    world.retailer.allowed_origins = [ORIGIN]
    world.retailer.save(update_fields=["allowed_origins"])
    key, publishable = api_key_create(retailer=world.retailer, kind=ApiKeyKind.PUBLISHABLE, label="widget")
    _, secret = api_key_create(retailer=world.retailer, kind=ApiKeyKind.SECRET, label="backend")
    return WidgetWorld(world=world, key=key, publishable_key=publishable, secret_key=secret, day1=day1)
