"""Helpers of the concurrency tests: PostgreSQL only, threads with their own connections, a bound on time.

Row locks, advisory locks and READ COMMITTED re-reads are what these tests exercise, so they run on
PostgreSQL (CI) and skip on SQLite, whose writers are serialised by one file lock anyway.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

import pytest
from django.db import connection, connections


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "Concurrency tests need PostgreSQL (row and advisory locks across connections); "
            "run with DATABASE_URL=postgres://... as CI does."
        )


class Worker(threading.Thread):
    """A thread with its own database connection (closed when it ends); keeps its result or error."""

    def __init__(self, target: Callable[[], object], name: str = ""):
        super().__init__(name=name or None, daemon=True)
        self._target_fn = target
        self.result: object = None
        self.error: BaseException | None = None
        self.trace = ""

    def run(self) -> None:
        try:
            self.result = self._target_fn()
        except BaseException as exc:  # reported by the test, never swallowed
            self.error = exc
            self.trace = traceback.format_exc()
        finally:
            connections.close_all()


def run_all(workers: list[Worker], *, timeout: float) -> None:
    """Start the workers and wait for all of them; a worker still running after ``timeout`` seconds
    (a deadlock, or a lock never released) fails the test."""
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout)
    stuck = [w.name for w in workers if w.is_alive()]
    assert not stuck, f"workers still running after {timeout}s (deadlock?): {stuck}"
    errors = [f"{w.name}: {w.trace}" for w in workers if w.error is not None]
    assert not errors, "\n".join(errors)


def window_quote(world, *, spot: int, date, hours: tuple[int, int], now) -> str:
    """The quote of the ``hours`` window on ``date`` for address ``spot`` (~100 m apart), offered at ``now``;
    the window must be available."""
    from booking.services.offers import offer_create
    from tests.factories import INSIDE

    result = offer_create(
        retailer=world.retailer,
        lat=INSIDE[0] + 0.001 * spot,
        lon=INSIDE[1],
        size_units=1,
        service_minutes=3,
        from_date=date,
        days=1,
        now=now,
    )
    for window in result.days[0].windows:
        if (window.start.hour, window.end.hour) == hours:
            assert window.available, window.reason
            return window.quote
    raise AssertionError(f"no {hours} window offered")
