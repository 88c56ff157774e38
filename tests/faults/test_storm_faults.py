"""Faults at a slot release (issue 16 item 12): the waiting room's Redis dies during a storm, and
PostgreSQL crashes and restarts (failover-style) while holds are in flight. In both, nothing is
lost: every booking a shopper was told about exists, no other does, and the plans are feasible by
the independent checker.

The Redis test runs its own redis-server on a free port (the machine's shared Redis is left alone).
The PostgreSQL test stops the machine's cluster for about a second, which every other user of it
notices: both run only here, marked ``faults`` (select or skip them with ``-m faults``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from booking.audit import plan_violations
from booking.models import Booking, BookingStatus
from lab.server import free_port
from tests.faults.support import (
    LAST_STATEMENT,
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


class Tally:
    """What the shoppers were told, from many threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.confirmed: set[str] = set()
        self.held: dict[str, str] = {}  # quote -> hold id
        self.waiting_during_outage = 0

    def answer(self, status: int, body: dict | None, *, outage: bool = False) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status == 429 and body and body.get("code") == "waiting_room" and outage:
                self.waiting_during_outage += 1


# --- Redis down during a storm ------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of the test's own, on a free loopback port, that the test kills and restarts."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="greenslot-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False
            )
            if ping.stdout.strip() == b"PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def storm_visitor(server, fw, tally: Tally, spot: int, outage: threading.Event) -> None:
    """Offer (queueing as told, with the ticket), hold, confirm; records every answer."""
    ticket, offer = "", None
    for _ in range(60):
        headers = {"Waiting-Room-Ticket": ticket} if ticket else None
        status, offer = call(
            server, "POST", "/api/v1/offers", key=fw.key, body=offer_body(fw, spot % 35), headers=headers
        )
        tally.answer(status, offer, outage=outage.is_set())
        if status == 201:
            break
        if status == 429 and offer and offer["code"] == "waiting_room":
            ticket = offer["details"]["ticket"]
            time.sleep(offer["details"]["retry_after_seconds"])
        else:
            time.sleep(0.5)
    else:
        return
    status, hold = call(
        server, "POST", "/api/v1/holds", key=fw.key, body={"quote": first_available_quote(offer)}
    )
    tally.answer(status, hold)
    if status != 201:
        return
    confirm_until_answered(server, fw, tally, hold["id"], time.monotonic() + 10)


def confirm_until_answered(server, fw, tally: Tally, hold_id: str, deadline: float) -> None:
    """Confirm, retried with the same Idempotency-Key until answered (never a second booking)."""
    key = str(uuid.uuid4())
    while time.monotonic() < deadline:
        status, booking = call(
            server,
            "POST",
            f"/api/v1/holds/{hold_id}/confirm",
            key=fw.key,
            body={},
            headers={"Idempotency-Key": key},
            timeout=20,
        )
        tally.answer(status, booking)
        if status in (200, 201):
            with tally.lock:
                tally.confirmed.add(booking["id"])
            return
        time.sleep(0.3)


def test_a_redis_outage_during_a_storm_degrades_the_waiting_room_and_loses_no_booking():
    require_postgres()
    if shutil.which("redis-server") is None:
        pytest.skip("Needs redis-server to run a private Redis.")
    fw = fault_world(vehicles=4, capacity=100)
    redis = PrivateRedis()
    redis.start()
    # Five visitors a second; the crowd arrives at ten times that.
    server = gunicorn_start(
        workers=2,
        cache_url=redis.url,
        extra_env={"GREENSLOT_WAITING_ROOM_RATE": "5", "GREENSLOT_WAITING_ROOM_BURST_SECONDS": "0"},
    )
    tally, outage = Tally(), threading.Event()
    threads = []

    def arrive(spots):
        for spot in spots:
            thread = threading.Thread(
                target=storm_visitor, args=(server, fw, tally, spot, outage), daemon=True
            )
            thread.start()
            threads.append(thread)
            time.sleep(0.02)  # 50 a second

    try:
        # Given a storm queueing in the shared waiting room,
        arrive(range(0, 30))
        time.sleep(1.5)
        assert tally.statuses[429] > 0, tally.statuses
        # when Redis dies, the storm goes on: a second wave arrives during the outage,
        redis.kill()
        outage.set()
        arrive(range(30, 45))
        time.sleep(3)
        # and Redis comes back (empty: the shared schedule starts again).
        outage.clear()
        redis.start()
        arrive(range(45, 50))
        for thread in threads:
            thread.join(60)
        assert not any(t.is_alive() for t in threads), "a visitor never got through"
    finally:
        log = server.log()
        gunicorn_stop(server)
        redis.remove()

    # Never a server error or a dropped connection; the room kept queueing while Redis was down.
    assert set(tally.statuses) <= {200, 201, 409, 429}, (tally.statuses, log)
    assert tally.waiting_during_outage > 0, tally.statuses
    # Every visitor booked, and exactly the bookings they were told about exist.
    assert len(tally.confirmed) == 50, tally.statuses
    live = Booking.objects.filter(
        retailer=fw.world.retailer, status__in=[BookingStatus.HELD, BookingStatus.CONFIRMED]
    )
    assert {str(b.id) for b in live} == tally.confirmed
    assert plan_violations(now=timezone.now()) == []


# --- PostgreSQL crashes and restarts during holds -----------------------------------------------


def hold_until_answered(server, fw, tally: Tally, quote: str, deadline: float) -> None:
    """A shopper's hold, retried with the same quote through the outage (a retry never takes
    capacity twice); then its confirm, retried with the same Idempotency-Key."""
    hold = None
    while time.monotonic() < deadline:
        status, hold = call(server, "POST", "/api/v1/holds", key=fw.key, body={"quote": quote}, timeout=20)
        tally.answer(status, hold)
        if status in (200, 201):
            break
        time.sleep(0.3)
    else:
        return
    with tally.lock:
        tally.held[quote] = hold["id"]
    confirm_until_answered(server, fw, tally, hold["id"], deadline)


def test_a_failover_style_database_restart_during_holds_loses_no_hold_and_takes_no_capacity_twice():
    require_postgres()
    if pg_cluster() is None or os.geteuid() != 0:
        pytest.skip("Needs a local PostgreSQL cluster that pg_ctlcluster can stop and start (as root).")
    fw = fault_world(vehicles=4, capacity=100)
    server = gunicorn_start(workers=2)
    tally = Tally()
    marker = Path(tempfile.mkdtemp(prefix="greenslot-failover-")) / "paused"
    paused = {}
    try:
        quotes = []
        for spot in range(12):
            status, offer = call(server, "POST", "/api/v1/offers", key=fw.key, body=offer_body(fw, spot))
            assert status == 201, offer
            quotes.append(first_available_quote(offer))
        # Given a hold paused inside its transaction (written, not committed) ...
        sender = threading.Thread(
            target=lambda: paused.update(
                answer=call(
                    server,
                    "POST",
                    "/api/v1/holds",
                    key=fw.key,
                    body={"quote": quotes[0]},
                    headers={
                        "X-Fault-Pause-After": LAST_STATEMENT,
                        "X-Fault-Marker": str(marker),
                        "X-Fault-Pause-Seconds": "3",
                    },
                )
            ),
            daemon=True,
        )
        sender.start()
        deadline = time.monotonic() + 20
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), server.log()
        # ... and shoppers holding and confirming meanwhile,
        until = time.monotonic() + 60
        shoppers = [
            threading.Thread(target=hold_until_answered, args=(server, fw, tally, quote, until), daemon=True)
            for quote in quotes[1:]
        ]
        for index, shopper in enumerate(shoppers):
            shopper.start()
            if index == 4:
                # when the primary crashes (no clean shutdown, crash recovery on start) and is back,
                try:
                    pg_ctl("stop", mode="immediate")
                    time.sleep(1.0)
                finally:
                    pg_ctl("start")
                assert pg_ready(), "PostgreSQL did not come back"
        sender.join(30)
        # the paused hold was refused cleanly and never committed; its retry holds it once.
        assert paused["answer"][0] in (0, 503), paused
        hold_until_answered(server, fw, tally, quotes[0], time.monotonic() + 30)
        for shopper in shoppers:
            shopper.join(60)
        # A quote whose hold was confirmed holds nothing more.
        status, again = call(server, "POST", "/api/v1/holds", key=fw.key, body={"quote": quotes[1]})
        assert status == 409 and again["code"] == "quote_used", again
    finally:
        log = server.log()
        gunicorn_stop(server)
        connections.close_all()  # this test's own connection died with the restart

    assert set(tally.statuses) <= {0, 200, 201, 409, 503}, (tally.statuses, log)
    assert tally.statuses[503] + tally.statuses[0] > 0, "the outage was not seen"
    assert tally.statuses[500] == 0
    # Nothing lost, nothing twice: each quote made exactly one booking, the one its shopper was told.
    assert len(tally.held) == len(quotes) and len(tally.confirmed) == len(quotes), tally.statuses
    live = Booking.objects.filter(retailer=fw.world.retailer).exclude(status=BookingStatus.EXPIRED)
    assert sorted(str(b.id) for b in live) == sorted(tally.confirmed)
    assert all(b.status == BookingStatus.CONFIRMED for b in live)
    assert plan_violations(now=timezone.now()) == []
