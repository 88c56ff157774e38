import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def now() -> dt.datetime:
    """A fixed 'now' on a weekday morning, well before tomorrow's cut-offs."""
    return dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def tomorrow(now) -> dt.date:
    return timezone.localtime(now, dt.UTC).date() + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def fresh_plan_cache():
    """Each test starts with an empty plan cache: its ids are reused across test transactions."""
    from fleet.adapter import plan_cache

    plan_cache.clear()
    yield
    plan_cache.clear()
