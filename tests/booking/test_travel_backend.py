"""A travel backend outage (an OSRM server down) is a clear 503, and nothing is written."""

import socket

import pytest

from booking.models import Booking, Offer
from booking.services.holds import hold_create
from booking.services.offers import offer_create
from fleet.adapter import plan_cache
from fleet.models import Stop
from greenslot.errors import GreenslotError
from tests.factories import INSIDE, make_world

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    # Bind and close: nothing listens there for the rest of the test.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def offer(world, now, date):
    return offer_create(
        retailer=world.retailer,
        lat=INSIDE[0],
        lon=INSIDE[1],
        size_units=1,
        service_minutes=3,
        from_date=date,
        days=1,
        now=now,
    )


def test_an_unreachable_osrm_server_answers_503_for_offers_and_holds(now, tomorrow, settings):
    world = make_world(dates=[tomorrow])
    quote = offer(world, now, tomorrow).days[0].windows[0].quote  # priced with haversine
    settings.GREENSLOT = {
        **settings.GREENSLOT,
        "TRAVEL_BACKEND": {"BACKEND": "osrm", "BASE_URL": f"http://127.0.0.1:{closed_port()}", "TIMEOUT": 1},
    }
    plan_cache.clear()  # settings change only at a restart in production; the cache holds compiled plans
    offers_before = Offer.objects.count()
    with pytest.raises(GreenslotError) as caught:
        offer(world, now, tomorrow)
    assert (caught.value.code, caught.value.status) == ("travel_backend_unavailable", 503)
    assert Offer.objects.count() == offers_before
    with pytest.raises(GreenslotError) as refused:
        hold_create(retailer=world.retailer, quote=quote, now=now)
    assert (refused.value.code, refused.value.status) == ("travel_backend_unavailable", 503)
    assert Booking.objects.count() == 0 and Stop.objects.count() == 0
