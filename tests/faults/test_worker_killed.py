"""A gunicorn worker killed (SIGKILL) in the middle of a hold's or a confirm's transaction leaves
nothing half-done: PostgreSQL rolls the transaction back when the connection dies, the locks are
freed, the master starts a new worker, and the same request then succeeds."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from booking.audit import plan_violations
from booking.models import Booking, BookingEvent, BookingStatus
from fleet.models import DepotDay, Stop
from tests.faults.support import (
    LAST_STATEMENT,
    call,
    fault_world,
    first_available_quote,
    gunicorn_start,
    gunicorn_stop,
    offer_body,
    require_postgres,
)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.real_clock,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def server():
    require_postgres()
    server = gunicorn_start(workers=1)
    yield server
    gunicorn_stop(server)


def kill_mid_request(server, *, method: str, path: str, key: str, body: dict, headers=None) -> int:
    """Send the request with the pause hook, SIGKILL the worker once it paused; returns its status."""
    marker = Path(tempfile.mkdtemp(prefix="greenslot-kill-")) / "paused"
    outcome = {}
    sender = threading.Thread(
        target=lambda: outcome.setdefault(
            "status",
            call(
                server,
                method,
                path,
                key=key,
                body=body,
                headers={
                    **(headers or {}),
                    "X-Fault-Pause-After": LAST_STATEMENT,
                    "X-Fault-Marker": str(marker),
                },
                timeout=90,
            )[0],
        ),
        daemon=True,
    )
    sender.start()
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), f"the worker never reached the pause point\n{server.log()}"
    os.kill(int(marker.read_text()), signal.SIGKILL)
    sender.join(30)
    return outcome.get("status", -1)


def test_a_worker_killed_inside_a_hold_leaves_no_hold_and_the_hold_then_succeeds(server):
    fw = fault_world()
    status, offer = call(server, "POST", "/api/v1/offers", key=fw.key, body=offer_body(fw, 0))
    assert status == 201, offer
    quote = first_available_quote(offer)
    version = DepotDay.objects.get().version

    # When the worker dies after writing the stop, the booking and its event, before COMMIT,
    status = kill_mid_request(server, method="POST", path="/api/v1/holds", key=fw.key, body={"quote": quote})

    # the client sees the connection drop, and nothing of the hold remains,
    assert status == 0
    assert Booking.objects.count() == 0
    assert BookingEvent.objects.count() == 0
    assert Stop.objects.count() == 0
    assert DepotDay.objects.get().version == version
    assert plan_violations(now=timezone.now()) == []
    # and the depot-day is not left locked: the same quote holds at once on the new worker.
    status, hold = call(server, "POST", "/api/v1/holds", key=fw.key, body={"quote": quote})
    assert status == 201, (hold, server.log())
    booking = Booking.objects.get()
    assert booking.stop_id is not None
    assert plan_violations(now=timezone.now()) == []


def test_a_worker_killed_inside_a_confirm_leaves_the_hold_as_it_was_and_the_retry_confirms(server):
    fw = fault_world()
    status, offer = call(server, "POST", "/api/v1/offers", key=fw.key, body=offer_body(fw, 0))
    status, hold = call(
        server, "POST", "/api/v1/holds", key=fw.key, body={"quote": first_available_quote(offer)}
    )
    assert status == 201, hold
    idempotency = {"Idempotency-Key": str(uuid.uuid4())}
    path = f"/api/v1/holds/{hold['id']}/confirm"

    status = kill_mid_request(
        server, method="POST", path=path, key=fw.key, body={"external_ref": "order-1"}, headers=idempotency
    )

    assert status == 0
    booking = Booking.objects.select_related("stop").get()
    assert booking.status == BookingStatus.HELD and booking.confirmed_at is None
    assert booking.stop.expires_at is not None  # still a hold's stop
    assert list(booking.events.values_list("to_status", flat=True)) == [BookingStatus.HELD]
    assert plan_violations(now=timezone.now()) == []
    # The client retries with the same Idempotency-Key: confirmed once.
    status, confirmed = call(
        server, "POST", path, key=fw.key, body={"external_ref": "order-1"}, headers=idempotency
    )
    assert status == 201, (confirmed, server.log())
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert plan_violations(now=timezone.now()) == []
