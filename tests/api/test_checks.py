"""The deployment checks of the API: rate limits need a cache every app process shares."""

from __future__ import annotations

from booking.api.checks import W001, rate_limits_need_a_shared_cache

LOCAL = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x:6379/1"}
}


def test_it_warns_in_production_when_each_process_keeps_its_own_limits(settings):
    settings.DEBUG, settings.CACHES = False, LOCAL
    assert [message.id for message in rate_limits_need_a_shared_cache()] == [W001]


def test_it_is_quiet_with_a_shared_cache_or_in_development(settings):
    settings.DEBUG, settings.CACHES = False, REDIS
    assert rate_limits_need_a_shared_cache() == []
    settings.DEBUG, settings.CACHES = True, LOCAL
    assert rate_limits_need_a_shared_cache() == []
