"""Helpers of the API tests: the two-retailer world, a client that speaks the API, the error check."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone

from booking.models import Booking
from booking.services.holds import hold_confirm, hold_create
from booking.services.offer_windows import WindowOffer
from booking.services.offers import offer_create
from tenants.models import Retailer
from tests.factories import INSIDE, TZ, World

ORIGIN = "https://shop.example"
OTHER_ORIGIN = "https://other.example"


@dataclass
class ApiWorld:
    world: World
    other: Retailer
    day1: dt.date
    day2: dt.date
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def retailer(self) -> Retailer:
        return self.world.retailer

    def window(
        self,
        retailer: Retailer,
        *,
        spot: int = 0,
        date: dt.date | None = None,
        hours=(9, 13),
        size_units: int = 1,
    ) -> WindowOffer:
        """A live offer's window for address ``spot`` (spots are ~100 m apart, each its own address)."""
        date = date or self.day1
        lat, lon = address(spot)
        result = offer_create(
            retailer=retailer,
            lat=lat,
            lon=lon,
            size_units=size_units,
            service_minutes=3,
            from_date=date,
            days=1,
        )
        for window in result.days[0].windows:
            if (window.start.hour, window.end.hour) == hours:
                return window
        raise AssertionError(f"no {hours} window offered")

    def hold(self, retailer: Retailer, *, spot: int = 0, **window) -> Booking:
        return hold_create(retailer=retailer, quote=self.window(retailer, spot=spot, **window).quote)

    def booking(self, retailer: Retailer, *, spot: int = 0, **window) -> Booking:
        booking, _ = hold_confirm(
            retailer=retailer,
            booking_id=self.hold(retailer, spot=spot, **window).id,
            external_ref=f"order-{spot}",
        )
        return booking


def address(spot: int) -> tuple[float, float]:
    return INSIDE[0] + 0.001 * spot, INSIDE[1]


def local_today() -> dt.date:
    return timezone.localtime(timezone.now(), ZoneInfo(TZ)).date()


class Api:
    """Django's test client, speaking the API: ``Authorization: Bearer``, ``Origin``, JSON bodies."""

    def __init__(self, client):
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        origin: str | None = None,
        body: object = None,
        raw: str | bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ):
        extra = dict(headers or {})
        if key is not None:
            extra["Authorization"] = f"Bearer {key}"
        if origin is not None:
            extra["Origin"] = origin
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"headers": extra}
        if data is not None:
            kwargs |= {"data": data, "content_type": content_type}
        return getattr(self.client, method.lower())(path, **kwargs)

    def post(self, path: str, body: object = None, **kwargs):
        return self.call("POST", path, body=body if body is not None else {}, **kwargs)

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.call("DELETE", path, **kwargs)


def offer_body(spot: int = 0, **overrides) -> dict:
    lat, lon = address(spot)
    body = {"address": {"lat": lat, "lon": lon}, "parcel": {"size_units": 1, "service_minutes": 3}, "days": 2}
    body.update(overrides)
    return body


def assert_error(response, status: int, code: str) -> dict:
    """The answer is ``status`` with the one error shape and ``code``; returns its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    return body
