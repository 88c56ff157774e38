"""PostgreSQL going away mid-run: requests fail cleanly (503 ``database_unavailable`` in the error
shape, never a 500 or a hang), and once it is back the same gunicorn serves again: persistent
connections are health-checked before reuse (``CONN_HEALTH_CHECKS``), so no app restart is needed.

This stops the machine's PostgreSQL for a few seconds, which every other user of it notices: it
runs only here, marked ``faults`` (select or skip it with ``-m faults`` / ``-m "not faults"``).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

import pytest
from django.db import connections
from django.utils import timezone

from booking.audit import plan_violations
from booking.models import Booking
from tests.faults.support import (
    call,
    fault_world,
    first_available_quote,
    gunicorn_start,
    gunicorn_stop,
    offer_body,
    pg_cluster,
    pg_ctl,
    pg_ready,
    require_postgres,
)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.real_clock,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

OUTAGE_REQUESTS = 3


def assert_database_unavailable(status: int, body: dict | None) -> None:
    assert status == 503, (status, body)
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == "database_unavailable"


def test_a_database_restart_gives_clean_503s_and_the_service_recovers_without_a_restart():
    require_postgres()
    if pg_cluster() is None or os.geteuid() != 0:
        pytest.skip("Needs a local PostgreSQL cluster that pg_ctlcluster can stop and start (as root).")
    fw = fault_world(vehicles=4, capacity=100)
    server = gunicorn_start(workers=2)
    statuses: Counter = Counter()
    holds_made = []
    stop_hammer = threading.Event()

    def hammer():
        # Shoppers keep coming during the outage: every answer is a success, a conflict or a 503.
        spot = 0
        while not stop_hammer.is_set():
            spot += 1
            status, offer = call(
                server, "POST", "/api/v1/offers", key=fw.key, body=offer_body(fw, 3 + spot % 30)
            )
            statuses[status] += 1
            if status == 201:
                status, hold = call(
                    server, "POST", "/api/v1/holds", key=fw.key, body={"quote": first_available_quote(offer)}
                )
                statuses[status] += 1
                if status == 201:
                    holds_made.append(hold["id"])
            time.sleep(0.05)

    worker = threading.Thread(target=hammer, daemon=True)
    try:
        # Given a warm server (persistent connections open),
        status, offer = call(server, "POST", "/api/v1/offers", key=fw.key, body=offer_body(fw, 0))
        assert status == 201, offer
        worker.start()
        time.sleep(1.0)
        # when PostgreSQL stops (every connection dropped), requests are refused cleanly;
        try:
            pg_ctl("stop")
            for _ in range(OUTAGE_REQUESTS):
                assert_database_unavailable(
                    *call(server, "POST", "/api/v1/offers", key=fw.key, body=offer_body(fw, 1))
                )
            status, body = call(server, "GET", "/healthz", key=fw.key)
            assert status == 503 and body["code"] == "database_unavailable"
        finally:
            pg_ctl("start")
        assert pg_ready(), "PostgreSQL did not come back"
        # once it is back, the same gunicorn (not restarted) books again.
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline and status != 201:
            status, offer = call(server, "POST", "/api/v1/offers", key=fw.key, body=offer_body(fw, 2))
            time.sleep(0.2)
        assert status == 201, (status, offer, server.log())
        status, hold = call(
            server, "POST", "/api/v1/holds", key=fw.key, body={"quote": first_available_quote(offer)}
        )
        assert status == 201, hold
        assert server.process.poll() is None
        time.sleep(0.5)
    finally:
        stop_hammer.set()
        if worker.is_alive():
            worker.join(30)  # its last request is answered before gunicorn stops listening
        log = server.log()
        gunicorn_stop(server)
        connections.close_all()  # this test's own connection died with the restart

    assert statuses[503] >= 1 and statuses[201] >= 1, statuses
    assert set(statuses) <= {201, 409, 503}, (statuses, log)  # never a 500, never a dropped connection
    # Nothing half-written: every hold the clients were told about exists with its stop, and the
    # plans are feasible by the independent checker.
    assert Booking.objects.filter(id__in=holds_made).count() == len(holds_made)
    assert plan_violations(now=timezone.now()) == []
