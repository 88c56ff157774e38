"""A geocoding server over HTTP: the Nominatim or the Photon search API (both OpenStreetMap).

``GREENSLOT["GEOCODER"] = {"URL": "https://nominatim.example", "API": "nominatim"}``; Photon is
``"API": "photon"``. Run your own server or respect the public ones' usage policies (Nominatim's
asks for at most one request a second and an identifying User-Agent).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from .base import MAX_QUERY_CHARS, GeocoderUnavailable, Place

logger = logging.getLogger(__name__)

USER_AGENT = "Greenslot delivery-slot booking (geocoder)"
APIS = ("nominatim", "photon")


class HttpGeocoder:
    def __init__(self, *, url: str, api: str = "nominatim", timeout: float = 3.0, params: dict | None = None):
        if api not in APIS:
            raise ValueError(f"Expected GEOCODER API in {APIS}, not {api!r}.")
        self.url = url.rstrip("/")
        self.api = api
        self.name = api
        self.timeout = timeout
        self.params = dict(params or {})

    def search(self, text: str, *, limit: int = 5) -> list[Place]:
        text = text.strip()[:MAX_QUERY_CHARS]
        if not text:
            return []
        if self.api == "photon":
            path, query = "/api", {"q": text, "limit": limit}
        else:
            path, query = "/search", {"q": text, "format": "jsonv2", "limit": limit, "addressdetails": 1}
        request = urllib.request.Request(
            f"{self.url}{path}?{urllib.parse.urlencode({**query, **self.params})}",
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                answer = json.load(response)
            places = photon_places(answer) if self.api == "photon" else nominatim_places(answer)
        except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("Geocoder %s at %s failed: %r", self.api, self.url, exc)
            raise GeocoderUnavailable() from exc
        return places[:limit]


def short_label(*, street: str, number: str, postcode: str, city: str) -> str:
    first = " ".join(part for part in (street, number) if part)
    second = " ".join(part for part in (postcode, city) if part)
    return ", ".join(part for part in (first, second) if part)


def nominatim_places(answer: list) -> list[Place]:
    """``/search?format=jsonv2&addressdetails=1``: a list of {display_name, lat, lon, address}."""
    places = []
    for item in answer:
        address = item.get("address") or {}
        street = address.get("road") or address.get("pedestrian") or ""
        city = address.get("city") or address.get("town") or address.get("village") or ""
        label = short_label(
            street=street,
            number=address.get("house_number", ""),
            postcode=address.get("postcode", ""),
            city=city,
        )
        places.append(
            Place(
                label=label if street else item["display_name"],
                lat=float(item["lat"]),
                lon=float(item["lon"]),
                street=street,
            )
        )
    return places


def photon_places(answer: dict) -> list[Place]:
    """``/api?q=``: GeoJSON features with [lon, lat] and {name, street, housenumber, postcode, city}."""
    places = []
    for feature in answer["features"]:
        lon, lat = feature["geometry"]["coordinates"][:2]
        props = feature.get("properties") or {}
        street = props.get("street") or (props.get("name") if props.get("housenumber") else "") or ""
        label = short_label(
            street=street,
            number=props.get("housenumber", ""),
            postcode=props.get("postcode", ""),
            city=props.get("city", ""),
        )
        if not street:
            label = ", ".join(part for part in (props.get("name", ""), props.get("city", "")) if part)
        places.append(Place(label=label, lat=float(lat), lon=float(lon), street=street))
    return places
