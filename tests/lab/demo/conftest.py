"""The demo city loaded for a test on a fixed Wednesday morning, with a small demand."""

import pytest

from lab.demo.city import demo_city_load
from tests.lab.demo.demo_week import NOW, SMALL_DEMAND, at


@pytest.fixture
def loaded(db):
    """The demo city with a small demand, loaded on Wednesday 25 March 2026 at 05:30."""
    return demo_city_load(bookings_per_day=SMALL_DEMAND, admin=False, clock=at(NOW))
