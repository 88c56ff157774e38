import datetime as dt

import pytest
import time_machine
from django.utils import timezone

# A weekday morning, well before tomorrow's cut-offs. Every test runs with the wall clock frozen
# here (ticking on from it), so a test's fixed dates and whatever the product reads from the clock
# agree, whatever today's date is.
FIXED_NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)


def pytest_configure(config):
    from django.conf import settings

    # Tests create many users; PBKDF2's deliberate slowness is for production, not for them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    config.addinivalue_line(
        "markers",
        "real_clock: runs on the real wall clock (the test's world spans processes the frozen clock "
        "cannot reach: gunicorn, Celery workers, tool commands); it builds its dates from "
        "greenslot.clock.now() and cannot take the fixed `now` fixture",
    )


@pytest.fixture(autouse=True)
def frozen_clock(request):
    """The wall clock at ``FIXED_NOW``, moving on in real time (sleeps and timeouts still work)."""
    if request.node.get_closest_marker("real_clock"):
        yield None
        return
    with time_machine.travel(FIXED_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def now(request) -> dt.datetime:
    """The fixed 'now' the wall clock is frozen at."""
    if request.node.get_closest_marker("real_clock"):
        raise pytest.UsageError(
            f"{request.node.nodeid} runs on the real clock and cannot take the fixed `now`; "
            "use greenslot.clock.now()"
        )
    return FIXED_NOW


@pytest.fixture
def tomorrow(now) -> dt.date:
    return timezone.localtime(now, dt.UTC).date() + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def fresh_plan_cache():
    """Each test starts with an empty plan cache (and learned offer inputs): its ids are reused
    across test transactions."""
    from booking.services.offer_costs import learned_inputs_cache
    from booking.waiting_room import schedules_clear
    from fleet.adapter import plan_cache

    plan_cache.clear()
    learned_inputs_cache.clear()
    schedules_clear()  # the waiting room's per-process schedules, by depot id
    yield
    plan_cache.clear()
    learned_inputs_cache.clear()
    schedules_clear()


@pytest.fixture
def demo_key_file(settings, tmp_path):
    """The widget demo page's key file, in the test's own directory."""
    path = tmp_path / "instance" / "widget-demo-key"
    settings.GREENSLOT = {**settings.GREENSLOT, "WIDGET_DEMO_KEY_FILE": str(path)}
    return path


@pytest.fixture
def waiting_room(settings):
    """Turns the depots' waiting room on: ``waiting_room(rate=..., burst=..., pass_minutes=...)``."""

    def configure(rate: float = 1.0, burst: float = 0.0, pass_minutes: float = 5.0) -> None:
        settings.GREENSLOT = {
            **settings.GREENSLOT,
            "WAITING_ROOM_RATE": rate,
            "WAITING_ROOM_BURST_SECONDS": burst,
            "WAITING_ROOM_PASS_MINUTES": pass_minutes,
        }

    return configure
