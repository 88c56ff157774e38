"""A real Celery worker on Redis re-optimises a depot-day it reads from the test database.

The worker is a separate process (``celery -A greenslot worker --pool=solo``), so the test's rows
must be committed (``transaction=True``) and the test database must be one another process can
open: PostgreSQL (CI), or SQLite only when the test database is a file (``SQLITE_TEST_NAME``).
CI sets ``CELERY_TEST_BROKER_URL``; then an unreachable Redis fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from booking.audit import plan_violations
from fleet.models import DepotDay
from fleet.tasks import reoptimise_depot_day
from greenslot.celery import app
from tests.frozen_process import frozen_python
from tests.reoptimisation.support import bad_plan_world, day_cost

pytestmark = pytest.mark.django_db(transaction=True)

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
BROKER_REQUIRED = "CELERY_TEST_BROKER_URL" in os.environ
WAIT_SECONDS = 60


def worker_database_url() -> str:
    """A DATABASE_URL for the worker that opens this test database."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            pytest.skip(
                "The test database is in-memory SQLite, which a worker process cannot open; "
                "run with DATABASE_URL=postgres://... or SQLITE_TEST_NAME=/tmp/greenslot-test.sqlite3."
            )
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    pytest.skip(f"No worker database URL for {connection.vendor}.")


@pytest.fixture
def broker() -> redis.Redis:
    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        if BROKER_REQUIRED:
            raise
        pytest.skip(f"No Redis at {BROKER_URL} ({exc}); CI starts one and sets CELERY_TEST_BROKER_URL.")
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = BROKER_URL, False
    yield client
    app.conf.broker_url, app.conf.task_always_eager = saved
    client.close()


def start_worker(*, queue: str, database_url: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER_URL,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "greenslot.settings",
    }
    command = [
        *frozen_python("-m", "celery", "-A", "greenslot", "worker", "--pool=solo", "--concurrency=1"),
        "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel=INFO",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)


def enqueue(*, queue: str, depot_day_id: int) -> None:
    with app.connection_for_write(BROKER_URL) as conn:
        # Declare the queue first: Redis drops a message sent to a queue nobody has bound yet.
        app.amqp.queues[queue].bind(conn.default_channel).declare()
        reoptimise_depot_day.apply_async(
            args=[depot_day_id], kwargs={"max_iterations": 300}, queue=queue, connection=conn
        )


def test_a_worker_on_redis_replaces_a_bad_plan_with_a_cheaper_one(broker, now, tomorrow):
    database_url = worker_database_url()
    world = bad_plan_world(date=tomorrow, now=now)
    day = DepotDay.objects.get(depot=world.depot, date=tomorrow)
    cost_before = day_cost(world, date=tomorrow, now=now)
    queue = f"greenslot-test-{uuid.uuid4().hex[:12]}"

    with tempfile.TemporaryFile(mode="w+") as log:
        worker = start_worker(queue=queue, database_url=database_url, log=log)
        try:
            enqueue(queue=queue, depot_day_id=day.id)
            deadline = time.monotonic() + WAIT_SECONDS
            version = day.version
            while version == day.version and worker.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
                version = DepotDay.objects.values_list("version", flat=True).get(pk=day.id)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            # The queue, and the exchange binding kombu keeps for it (exchange named like the queue).
            broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
            log.seek(0)
            worker_log = log.read()

    assert version == day.version + 1, f"The worker did not re-optimise the plan:\n{worker_log[-4000:]}"
    assert "succeeded" in worker_log
    assert day_cost(world, date=tomorrow, now=now) < 0.8 * cost_before
    assert plan_violations(now=now) == []
