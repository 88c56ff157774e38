"""Addresses, not coordinates: from what a shopper types to a point the offer service can use.

``geocoder()`` is the configured backend (``GREENSLOT["GEOCODER"]``): with a ``URL``, an HTTP
server speaking the Nominatim or Photon search API (``server.py``); without one, the embedded
gazetteer of the demo city's streets shipped with the product (``gazetteer.py``).
"""

from __future__ import annotations

from .base import Geocoder, GeocoderUnavailable, Place
from .select import geocoder

__all__ = ["Geocoder", "GeocoderUnavailable", "Place", "geocoder"]
