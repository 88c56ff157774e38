"""A client process of the stress run: shoppers one after another, over HTTP."""

from __future__ import annotations

import http.client
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from .world import DEPOT_LAT, DEPOT_LON, HALF_LAT, HALF_LON, StressWorld

# A client marks a day full after this many offers in a row without an available window on it.
FULL_AFTER_EMPTY_OFFERS = 3
HTTP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ClientPlan:
    """One client process's instructions (picklable)."""

    index: int
    base_url: str
    world: StressWorld
    seconds: float  # no new shopper starts this long after the common start
    max_requests: int
    release_share: float
    cancel_share: float
    seed: int


class Shopper:
    """One client's HTTP session with the API, recording (operation, status, seconds) per call."""

    def __init__(self, plan: ClientPlan):
        parts = urlsplit(plan.base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=HTTP_TIMEOUT_SECONDS)
        self.headers = {
            "Authorization": f"Bearer {plan.world.secret_key}",
            "Content-Type": "application/json",
        }
        self.calls: list[tuple[str, int, float]] = []

    def call(self, operation: str, method: str, path: str, body: dict | None = None, headers=None):
        payload = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=payload, headers={**self.headers, **(headers or {})})
            response = self.connection.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            # A dropped connection: counted as status 0 ("other"), and the next call reconnects.
            self.connection.close()
            self.calls.append((operation, 0, time.perf_counter() - started))
            return 0, None
        self.calls.append((operation, status, time.perf_counter() - started))
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None


def client_run(plan: ClientPlan, counter, holds_counter, full_days, results, ready, start) -> None:
    """Shoppers until the deadline, the shared request budget, or every day being full.

    The client reports ``ready`` once started and waits for ``start``, so process start-up is not
    counted as serving time.
    """
    rng = random.Random(plan.seed)
    shopper = Shopper(plan)
    with ready.get_lock():
        ready.value += 1
    start.wait()
    deadline = time.monotonic() + plan.seconds
    cpu_started = time.process_time()
    dates = list(plan.world.dates)
    empty_in_a_row = Counter()
    outcome = Counter()

    def take_budget() -> bool:
        with counter.get_lock():
            if counter.value >= plan.max_requests:
                return False
            counter.value += 1
            return True

    while time.monotonic() < deadline:
        open_days = [i for i, date in enumerate(dates) if not full_days[i]]
        if not open_days:
            outcome["stopped_all_full"] += 1
            break
        day = rng.choice(open_days)
        if not take_budget():
            outcome["stopped_budget"] += 1
            break
        lat = DEPOT_LAT + rng.uniform(-HALF_LAT, HALF_LAT) * 0.95
        lon = DEPOT_LON + rng.uniform(-HALF_LON, HALF_LON) * 0.95
        status, offer = shopper.call(
            "offer",
            "POST",
            "/api/v1/offers",
            {
                "address": {"lat": round(lat, 6), "lon": round(lon, 6)},
                "parcel": {"size_units": 1, "service_minutes": 3},
                "from_date": dates[day],
                "days": 1,
            },
        )
        if status != 201 or not offer:
            continue
        available = [w for d in offer["days"] for w in d["windows"] if w["available"]]
        if not available:
            empty_in_a_row[day] += 1
            if empty_in_a_row[day] >= FULL_AFTER_EMPTY_OFFERS:
                full_days[day] = 1
            continue
        empty_in_a_row[day] = 0
        window = rng.choice(available)
        if not take_budget():
            outcome["stopped_budget"] += 1
            break
        status, hold = shopper.call("hold", "POST", "/api/v1/holds", {"quote": window["quote"]})
        if status != 201 or not hold:
            continue
        with holds_counter.get_lock():
            holds_counter.value += 1
        outcome["held"] += 1
        if not take_budget():
            outcome["stopped_budget"] += 1
            break
        if rng.random() < plan.release_share:
            status, _ = shopper.call("release", "DELETE", f"/api/v1/holds/{hold['id']}")
            outcome["released" if status == 204 else "release_failed"] += 1
            continue
        status, booking = shopper.call(
            "confirm",
            "POST",
            f"/api/v1/holds/{hold['id']}/confirm",
            {"external_ref": f"stress-{plan.index}-{outcome['held']}-{hold['id']}"},  # one order per run
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if status != 201:
            outcome["confirm_failed"] += 1
            continue
        outcome["confirmed"] += 1
        if rng.random() < plan.cancel_share and take_budget():
            status, _ = shopper.call("cancel", "POST", f"/api/v1/bookings/{hold['id']}/cancel", {})
            outcome["cancelled" if status == 200 else "cancel_failed"] += 1
    results.put(
        {
            "index": plan.index,
            "calls": shopper.calls,
            "outcome": dict(outcome),
            "cpu_seconds": time.process_time() - cpu_started,
        }
    )
