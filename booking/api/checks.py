"""System checks of the API's deployment: rate limits need a cache every app process shares."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Cache backends every process of a deployment reads and writes alike.
SHARED_CACHE_BACKENDS = (
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
    "django.core.cache.backends.db.DatabaseCache",
)

W001 = "booking.W001"


@register(Tags.caches)
def rate_limits_need_a_shared_cache(app_configs=None, **kwargs) -> list[Warning]:
    """With DEBUG off and no shared cache, each worker counts its own requests, so every rate limit
    is multiplied by the number of workers (60 a minute is 120 with 2 gunicorn workers)."""
    if settings.DEBUG:
        return []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in SHARED_CACHE_BACKENDS:
        return []
    return [
        Warning(
            "Rate limits are kept per process: each app worker counts its own requests, so every "
            "limit is multiplied by the number of workers.",
            hint="Set CACHE_URL to a Redis server that every app process shares "
            "(e.g. redis://127.0.0.1:6379/1); the limits, the re-optimisation debounce and the "
            "compiled plans then live there.",
            obj=backend,
            id=W001,
        )
    ]
