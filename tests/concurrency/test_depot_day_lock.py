"""The depot-day lock takes the depot-day's row and nothing else (DESIGN §7: writes serialise per
depot-day only)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from fleet.services import depot_day_lock
from tests.api.support import local_today
from tests.concurrency.support import Worker, require_postgres, run_all
from tests.factories import make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_locking_one_day_of_a_depot_does_not_block_another_day_of_the_same_depot():
    require_postgres()
    day1 = local_today() + dt.timedelta(days=2)
    day2 = day1 + dt.timedelta(days=1)
    world = make_world(dates=[day1, day2], vehicles=1)

    def lock_day2() -> int:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Fail fast instead of queueing: any wait here means day2 shares a lock with day1.
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            return depot_day_lock(depot=world.depot, date=day2).pk

    with transaction.atomic():
        # Given a writer holding day1's lock (e.g. a reschedule that will lock day2 next),
        assert depot_day_lock(depot=world.depot, date=day1) is not None
        # when another writer locks day2 of the same depot, it gets it at once.
        other = Worker(lock_day2, name="day2")
        run_all([other], timeout=30)
        assert other.result is not None
