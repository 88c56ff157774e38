"""Request rates per API key and, for publishable keys, per client IP (DRF throttles on Django's cache).

A view names its ``throttle_scope`` ("offers", "holds", "api"); the rates are the settings'
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` entries ``<scope>`` (per key) and ``<scope>_ip``.
Secret-key traffic comes from the retailer's servers, where every shopper shares one IP, so only
the browser-borne publishable keys are also limited per IP.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from .authentication import caller

logger = logging.getLogger(__name__)


class _ScopedThrottle(SimpleRateThrottle):
    suffix = ""

    def __init__(self):
        # Rates are read per request (not at import) so settings overrides take effect.
        pass

    def allow_request(self, request, view) -> bool:
        scope = getattr(view, "throttle_scope", None)
        if not scope:
            return True
        self.scope = scope + self.suffix
        self.rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            # A shared cache (CACHE_URL) that is down must not stop checkouts: the limits lapse
            # until it is back, and the outage is logged.
            logger.warning("Rate limits not applied: the cache is unavailable (%s).", exc)
            return True


class KeyRateThrottle(_ScopedThrottle):
    """Per API key: the cache key is derived from the key's SHA-256, never the key."""

    def get_cache_key(self, request, view) -> str | None:
        who = caller(request)
        if who is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": who.key.hashed}


class PublishableIpRateThrottle(_ScopedThrottle):
    """Per client IP, for publishable keys only (see the module docstring)."""

    suffix = "_ip"

    def get_cache_key(self, request, view) -> str | None:
        who = caller(request)
        if who is None or not who.is_publishable:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def client_ip(request) -> str:
    """The client's address as the per-IP limits see it (``GREENSLOT_NUM_PROXIES`` trusted proxies)."""
    return BaseThrottle().get_ident(request) or ""
