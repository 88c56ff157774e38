import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def now() -> dt.datetime:
    """A fixed 'now' on a weekday morning, well before tomorrow's cut-offs."""
    return dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def tomorrow(now) -> dt.date:
    return timezone.localtime(now, dt.timezone.utc).date() + dt.timedelta(days=1)
