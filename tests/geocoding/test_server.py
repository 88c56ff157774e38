"""The HTTP geocoder against a fake Nominatim / Photon server on a real loopback socket."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings

from booking.geocoding import GeocoderUnavailable, Place
from booking.geocoding.select import _built, geocoder
from booking.geocoding.server import USER_AGENT, HttpGeocoder
from tenants.models import Retailer

NOMINATIM_ANSWER = [
    {
        "display_name": "12, Kanaalstraat, Lombok, Utrecht, Nederland, 3531 CJ, Nederland",
        "lat": "52.0925",
        "lon": "5.1005",
        "address": {"house_number": "12", "road": "Kanaalstraat", "city": "Utrecht", "postcode": "3531 CJ"},
    },
    {"display_name": "Kanaalweg, Utrecht", "lat": "52.1", "lon": "5.09", "address": {}},
]
PHOTON_ANSWER = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [5.1005, 52.0925]},
            "properties": {
                "street": "Kanaalstraat",
                "housenumber": "12",
                "postcode": "3531 CJ",
                "city": "Utrecht",
            },
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [5.12, 52.09]},
            "properties": {"name": "Domtoren", "city": "Utrecht"},
        },
    ],
}


class FakeGeocoder:
    """Answers /search like Nominatim and /api like Photon; ``mode`` breaks it on purpose."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict, str]] = []
        self.mode = "ok"
        self.url = ""

    def handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server API)
                parts = urlsplit(self.path)
                fake.requests.append((parts.path, parse_qs(parts.query), self.headers.get("User-Agent", "")))
                if fake.mode == "slow":
                    time.sleep(1.0)
                if fake.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                body = {"/search": NOMINATIM_ANSWER, "/api": PHOTON_ANSWER}.get(parts.path)
                payload = b"not json" if fake.mode == "garbage" else json.dumps(body).encode()
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def fake() -> Iterator[FakeGeocoder]:
    fake = FakeGeocoder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield fake
    server.shutdown()
    server.server_close()


def test_it_speaks_the_nominatim_search_api(fake):
    places = HttpGeocoder(url=fake.url, api="nominatim").search("Kanaalstraat 12", limit=2)

    assert places == [
        Place(label="Kanaalstraat 12, 3531 CJ Utrecht", lat=52.0925, lon=5.1005, street="Kanaalstraat"),
        Place(label="Kanaalweg, Utrecht", lat=52.1, lon=5.09, street=""),
    ]
    path, query, agent = fake.requests[0]
    assert path == "/search" and agent == USER_AGENT
    assert query == {"q": ["Kanaalstraat 12"], "format": ["jsonv2"], "limit": ["2"], "addressdetails": ["1"]}


def test_it_speaks_the_photon_api(fake):
    places = HttpGeocoder(url=fake.url, api="photon").search("Kanaalstraat 12", limit=5)

    assert places == [
        Place(label="Kanaalstraat 12, 3531 CJ Utrecht", lat=52.0925, lon=5.1005, street="Kanaalstraat"),
        Place(label="Domtoren, Utrecht", lat=52.09, lon=5.12, street=""),
    ]
    assert fake.requests[0][0] == "/api" and fake.requests[0][1]["q"] == ["Kanaalstraat 12"]


@pytest.mark.parametrize("mode", ["error", "garbage", "slow"])
def test_a_server_that_cannot_answer_is_unavailable_not_an_error(fake, mode):
    fake.mode = mode
    with pytest.raises(GeocoderUnavailable) as unavailable:
        HttpGeocoder(url=fake.url, api="nominatim", timeout=0.3).search("Kanaalstraat")
    assert unavailable.value.status == 503


def test_nothing_typed_asks_nothing(fake):
    assert HttpGeocoder(url=fake.url).search("   ") == []
    assert fake.requests == []


def test_an_unknown_api_is_a_configuration_error():
    with pytest.raises(ValueError, match="Expected GEOCODER API"):
        HttpGeocoder(url="http://x", api="google")


@pytest.fixture
def configured(settings, fake):
    settings.GREENSLOT = {**settings.GREENSLOT, "GEOCODER": {"URL": fake.url, "API": "photon", "TIMEOUT": 2}}
    _built.cache_clear()
    yield fake
    _built.cache_clear()


def test_the_setting_selects_the_http_geocoder(configured):
    assert isinstance(geocoder(), HttpGeocoder) and geocoder().api == "photon"


def test_the_shopper_page_finds_addresses_through_the_configured_server(client, db, configured):
    Retailer.objects.create(name="Shop", slug=django_settings.GREENSLOT["SHOPPER_RETAILER"])

    response = client.get("/addresses/", {"address": "Kanaalstraat 12"}, HTTP_HX_REQUEST="true")

    assert "Kanaalstraat 12, 3531 CJ Utrecht" in response.content.decode()
    assert configured.requests[0][0] == "/api"
