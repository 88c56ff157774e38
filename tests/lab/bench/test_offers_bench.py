"""`manage.py bench offers` on a tiny city: it builds its own database, times offers and prints JSON.

A smoke test of the benchmark's plumbing, not a timing: the numbers only have to be plausible.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from booking.models import Offer

# The tool runs on the real clock, like an operator running it; so does the test.
pytestmark = pytest.mark.real_clock

KEYS = {
    "p50_ms", "p95_ms", "cold_p50_ms", "http_p50_ms", "http_p95_ms", "cells", "engine_ms", "limit_ratio",
    "stops_per_day", "days", "windows_per_day",
}  # fmt: skip


def bench(*args) -> tuple[list[str], dict]:
    out = io.StringIO()
    call_command("bench", "offers", *args, stdout=out, stderr=io.StringIO(), verbosity=0)
    lines = out.getvalue().strip().splitlines()
    return lines, json.loads(lines[-1])


@pytest.fixture
def unblocked(django_db_blocker):
    # The benchmark opens a database of its own; pytest-django blocks database access by default.
    with django_db_blocker.unblock():
        yield


def test_it_times_offers_on_a_tiny_city_in_a_database_of_its_own(unblocked):
    settings_before = dict(connection.settings_dict)

    lines, result = bench("--stops", "30", "--days", "1", "--requests", "5", "--no-http")

    assert KEYS <= result.keys()
    assert (result["stops_per_day"], result["days"], result["windows_per_day"]) == (30, 1, 23)
    assert result["stops_planned"] == 30 and result["vans"] == 1
    # One van with 30 stops has 31 insertion positions; windows past their cut-off are not evaluated.
    assert result["positions"] == 31
    assert result["cells"] % 31 == 0 and 31 <= result["cells"] <= 31 * 23
    assert result["requests"] == 5
    assert 0 < result["engine_ms"] <= result["p50_ms"] <= result["p95_ms"]
    assert result["cold_p50_ms"] > 0 and result["limit_ratio"] > 0
    assert result["http_p50_ms"] is None and result["http_p95_ms"] is None
    assert lines[0].startswith("stops/day    30  vans   1  days  1")
    # The developer's (here: the test) database is back in place and untouched.
    assert connection.settings_dict == settings_before


@pytest.mark.django_db
def test_a_sweep_prints_a_row_per_setting_and_keeps_the_test_database_clean(unblocked):
    lines, result = bench(
        "--stops", "20,40", "--days", "1,2", "--requests", "2", "--cold-requests", "1", "--no-http"
    )

    rows = [(r["stops_per_day"], r["days"]) for r in result["sweep"]]
    assert rows == [(20, 1), (20, 2), (40, 1), (40, 2)]
    assert len(lines) == 5
    two_days = result["sweep"][1]
    assert two_days["positions"] == 2 * (20 + 1)
    assert Offer.objects.count() == 0


def test_it_times_the_api_in_process_and_over_http_on_gunicorn(unblocked):
    _, result = bench("--stops", "10", "--days", "1", "--requests", "2", "--cold-requests", "1")

    assert result["http_errors"] == 0
    assert 0 < result["http_p50_ms"] <= result["http_p95_ms"]
    assert result["api_p50_ms"] > 0
