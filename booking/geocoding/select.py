"""The configured geocoder, built once per configuration."""

from __future__ import annotations

import functools

from django.conf import settings

from .base import Geocoder
from .gazetteer import GazetteerGeocoder
from .server import HttpGeocoder


@functools.cache
def _built(url: str, api: str, timeout: float) -> Geocoder:
    if url:
        return HttpGeocoder(url=url, api=api, timeout=timeout)
    return GazetteerGeocoder()


def geocoder() -> Geocoder:
    """``GREENSLOT["GEOCODER"]``: an HTTP server by ``URL``, else the embedded gazetteer."""
    config = settings.GREENSLOT["GEOCODER"]
    return _built(
        config.get("URL") or "", config.get("API") or "nominatim", float(config.get("TIMEOUT") or 3.0)
    )
