"""The storm run (``manage.py stress --storm``): a slot release met by a crowd arriving at ``multiple``
times the rate the servers sustain, through the depot's waiting room.

1. The sustainable rate: a normal stress run's holds per second (or ``--storm-rate``).
2. A fresh world served with ``GREENSLOT_WAITING_ROOM_RATE`` at that rate, and visitors arriving at
   ``multiple`` x that rate for ``burst_seconds``, all at the one depot. Each visitor asks for an
   offer, waits in the room as told (its ticket, Retry-After), then holds an available window and
   confirms it (a window taken meanwhile: a new offer on the visit's pass). A client process drives
   its share of the visitors from one heap of due steps, so a waiting visitor costs nothing.
3. The figures: admitted per second, the wait each admitted visitor was shown against the wait they
   had, admission order against arrival order, 5xx, latency of admitted requests, overbookings (the
   independent audit) and bookings lost or phantom (the database against what visitors were told).
"""

from __future__ import annotations

import heapq
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .clients import Shopper
from .report import percentile_ms, status_class
from .world import DEPOT_LAT, DEPOT_LON, HALF_LAT, HALF_LON, StressWorld

# Offers in a row with no available window before a visitor gives up (the release sold out).
SOLD_OUT_AFTER = 3
ERRORS_BEFORE_GIVING_UP = 4
# Admission order: a visitor admitted more than this many seconds before someone who arrived
# earlier counts as overtaking (Retry-After's jitter is at most 3 s).
ORDER_TOLERANCE_SECONDS = 4.0
# The latency of admitted requests is also given per window of this many seconds.
LATENCY_WINDOW_SECONDS = 10
ADMITTED_OPERATIONS = ("offer_admitted", "hold", "confirm")


@dataclass(frozen=True)
class StormPlan:
    """One storm client's share of the crowd (picklable)."""

    index: int
    processes: int
    base_url: str
    world: StressWorld
    visitors: int
    arrival_rate: float
    give_up_seconds: float
    seed: int
    threads: int = 8

    def arrivals(self) -> list[tuple[float, int]]:
        """(arrival second, visitor number) of this client's visitors: every ``processes``-th."""
        return [(n / self.arrival_rate, n) for n in range(self.index, self.visitors, self.processes)]


@dataclass
class Visitor:
    number: int
    arrival: float
    step: str = "offer"
    first_sent: float | None = None
    ticket: str = ""
    shown_wait: int | None = None
    shown_position: int | None = None
    retry_after: int | None = None
    told_at: float | None = None
    admitted_at: float | None = None
    quote: str = ""
    hold_id: str = ""
    idempotency_key: str = ""
    empty_offers: int = 0
    errors: int = 0
    outcome: str = ""

    def record(self) -> dict:
        return {
            "visitor": self.number,
            "arrival": round(self.arrival, 3),
            "first_sent": None if self.first_sent is None else round(self.first_sent, 3),
            "shown_position": self.shown_position,
            "shown_wait": self.shown_wait,
            "retry_after": self.retry_after,
            "real_wait": None
            if self.admitted_at is None
            else round(
                self.admitted_at - (self.told_at if self.told_at is not None else self.admitted_at), 3
            ),
            "admitted_at": None if self.admitted_at is None else round(self.admitted_at, 3),
            "outcome": self.outcome or "unfinished",
        }


class StormShopper(Shopper):
    """The stress client's HTTP session, naming each call by what it turned out to be and noting
    when it was sent (seconds from the common start)."""

    def __init__(self, plan):
        super().__init__(plan)
        self.sent_at: list[float] = []

    def named_call(self, operation: str, method: str, path: str, body=None, headers=None, rename=None):
        sent = time.monotonic() - _started
        status, answer = self.call(operation, method, path, body, headers)
        if rename is not None:
            name, status_, seconds = self.calls[-1]
            self.calls[-1] = (rename(status, answer) or name, status_, seconds)
        self.sent_at.append(sent)
        return status, answer


def _offer_kind(status: int, answer) -> str:
    if status == 201:
        return "offer_admitted"
    if status == 429 and answer and answer.get("code") == "waiting_room":
        return "offer_waiting"
    return "offer"


def visitor_step(visitor: Visitor, shopper: StormShopper, plan: StormPlan, rng: random.Random, now: float):
    """Take the visitor's next step; returns when its following step is due (None: done)."""
    if visitor.first_sent is None:
        visitor.first_sent = now
    if visitor.step == "offer":
        return _offer_step(visitor, shopper, plan, rng, now)
    if visitor.step == "hold":
        status, hold = shopper.named_call("hold", "POST", "/api/v1/holds", {"quote": visitor.quote})
        if status == 201 and hold:
            visitor.hold_id, visitor.step = hold["id"], "confirm"
            visitor.idempotency_key = str(uuid.uuid4())
            return now
        if status == 409:  # taken meanwhile: another offer, on the visit's pass
            visitor.step = "offer"
            return now
        return _error(visitor, now)
    status, _ = shopper.named_call(
        "confirm",
        "POST",
        f"/api/v1/holds/{visitor.hold_id}/confirm",
        {"external_ref": f"storm-{visitor.number}"},
        headers={"Idempotency-Key": visitor.idempotency_key},
    )
    if status in (200, 201):
        visitor.outcome = "confirmed"
        return None
    if status == 409:
        visitor.outcome = "confirm_refused"
        return None
    return _error(visitor, now)  # a retry keeps its Idempotency-Key


def _offer_step(visitor: Visitor, shopper: StormShopper, plan: StormPlan, rng: random.Random, now: float):
    lat = DEPOT_LAT + rng.uniform(-HALF_LAT, HALF_LAT) * 0.95
    lon = DEPOT_LON + rng.uniform(-HALF_LON, HALF_LON) * 0.95
    body = {
        "address": {"lat": round(lat, 6), "lon": round(lon, 6)},
        "parcel": {"size_units": 1, "service_minutes": 3},
        "from_date": rng.choice(plan.world.dates),
        "days": 1,
    }
    headers = {"Waiting-Room-Ticket": visitor.ticket} if visitor.ticket else None
    status, answer = shopper.named_call("offer", "POST", "/api/v1/offers", body, headers, rename=_offer_kind)
    if status == 201 and answer:
        if visitor.admitted_at is None:
            visitor.admitted_at = time.monotonic() - _started
        available = [w for d in answer["days"] for w in d["windows"] if w["available"]]
        if not available:
            visitor.empty_offers += 1
            if visitor.empty_offers >= SOLD_OUT_AFTER:
                visitor.outcome = "sold_out"
                return None
            return now
        visitor.quote, visitor.step = rng.choice(available)["quote"], "hold"
        return now
    if status == 429 and answer:
        details = answer.get("details", {})
        wait = int(details.get("retry_after_seconds", 1))
        if answer.get("code") == "waiting_room":
            visitor.ticket = details["ticket"]
            if visitor.shown_wait is None:
                visitor.told_at = time.monotonic() - _started
                visitor.shown_wait = details["estimated_wait_seconds"]
                visitor.shown_position = details["position"]
                visitor.retry_after = wait
        return time.monotonic() - _started + wait  # counted from the answer, as a client would
    return _error(visitor, now)


def _error(visitor: Visitor, now: float):
    visitor.errors += 1
    if visitor.errors >= ERRORS_BEFORE_GIVING_UP:
        visitor.outcome = "failed"
        return None
    return now + 1.0


_started = 0.0  # the run's common start on this process's monotonic clock (shared by all processes)


def storm_client_run(plan: StormPlan, results, ready, start_at) -> None:
    """This client's visitors from their arrival to their booking (or the room's give-up time).

    ``plan.threads`` threads, each with its own connection, take the earliest due step from one
    heap: a slow answer to one visitor does not hold up the others' arrivals and returns.
    """
    global _started
    visitors = {n: Visitor(number=n, arrival=arrival) for arrival, n in plan.arrivals()}
    due = [(visitor.arrival, n) for n, visitor in visitors.items()]
    heapq.heapify(due)
    condition = threading.Condition()
    busy = [0]
    shoppers = [StormShopper(plan) for _ in range(plan.threads)]  # duck-typed: base_url, world
    with ready.get_lock():
        ready.value += 1
    while start_at.value == 0:
        time.sleep(0.01)
    _started = start_at.value
    time.sleep(max(0.0, _started - time.monotonic()))
    cpu_started = time.process_time()

    def work(shopper: StormShopper, rng: random.Random) -> None:
        while True:
            with condition:
                while True:
                    if not due:
                        if busy[0] == 0:
                            condition.notify_all()
                            return
                        condition.wait(0.5)
                        continue
                    at, number = due[0]
                    now = time.monotonic() - _started
                    if now > plan.give_up_seconds:
                        condition.notify_all()
                        return
                    if at <= now:
                        heapq.heappop(due)
                        busy[0] += 1
                        break
                    condition.wait(at - now)
            following = visitor_step(visitors[number], shopper, plan, rng, max(at, now))
            with condition:
                busy[0] -= 1
                if following is not None:
                    heapq.heappush(due, (following, number))
                condition.notify_all()

    threads = [
        threading.Thread(target=work, args=(shopper, random.Random(plan.seed * 100 + i)), daemon=True)
        for i, shopper in enumerate(shoppers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(
        {
            "index": plan.index,
            "calls": [
                (*call, sent)
                for shopper in shoppers
                for call, sent in zip(shopper.calls, shopper.sent_at, strict=True)
            ],
            "visitors": [v.record() for v in visitors.values()],
            "cpu_seconds": time.process_time() - cpu_started,
        }
    )


# --- the figures --------------------------------------------------------------------------------


def _seconds(values: list[float], q: float) -> float | None:
    found = percentile_ms(values, q)
    return None if found is None else round(found / 1000, 2)


def admission_order(visitors: list[dict]) -> dict:
    """How closely admission followed arrival: visitors admitted more than the tolerance before
    someone who arrived earlier (and was admitted), and the rank correlation."""
    admitted = sorted((v for v in visitors if v["admitted_at"] is not None), key=lambda v: v["first_sent"])
    overtaking = 0
    latest = float("-inf")
    for visitor in admitted:
        if visitor["admitted_at"] + ORDER_TOLERANCE_SECONDS < latest:
            overtaking += 1
        latest = max(latest, visitor["admitted_at"])
    rho = None
    if len(admitted) > 2:
        import numpy as np

        arrival_rank = np.argsort(np.argsort([v["first_sent"] for v in admitted]))
        admitted_rank = np.argsort(np.argsort([v["admitted_at"] for v in admitted]))
        rho = round(float(np.corrcoef(arrival_rank, admitted_rank)[0, 1]), 4)
    return {
        "spearman_arrival_vs_admission": rho,
        "admitted_before_an_earlier_arrival": overtaking,
        "tolerance_seconds": ORDER_TOLERANCE_SECONDS,
    }


def _latencies(by_operation: dict[str, list[float]]) -> dict:
    return {
        op: {"p50": percentile_ms(v, 50), "p95": percentile_ms(v, 95), "n": len(v)}
        for op, v in sorted(by_operation.items())
    }


def storm_summary(
    *, reports: list[dict], check: dict, rate: float, arrival_rate: float, elapsed: float, arrivals_end: float
) -> dict:
    """The storm's figures; ``arrivals_end`` (seconds from the start) splits the latencies into the
    whole run and the drain after the crowd has arrived."""
    visitors = [v for report in reports for v in report["visitors"]]
    calls = [call for report in reports for call in report["calls"]]
    by_operation: dict[str, list[float]] = {}
    statuses: Counter = Counter()
    by_operation_status: dict[str, Counter] = {}
    after_arrivals: dict[str, list[float]] = {}
    admitted_by_window: dict[int, list[float]] = {}
    for operation, status, seconds, sent in calls:
        by_operation.setdefault(operation, []).append(seconds)
        if sent >= arrivals_end:
            after_arrivals.setdefault(operation, []).append(seconds)
        if operation in ADMITTED_OPERATIONS:
            admitted_by_window.setdefault(int(sent // LATENCY_WINDOW_SECONDS), []).append(seconds)
        statuses[status_class(status)] += 1
        by_operation_status.setdefault(operation, Counter())[str(status)] += 1
    admitted_times = sorted(v["admitted_at"] for v in visitors if v["admitted_at"] is not None)
    per_second = Counter(int(t) for t in admitted_times)
    timeline = [per_second.get(s, 0) for s in range(int(admitted_times[-1]) + 1)] if admitted_times else []
    queued = [v for v in visitors if v["shown_wait"] is not None and v["admitted_at"] is not None]
    errors = [v["real_wait"] - v["shown_wait"] for v in queued]
    lateness = [v["first_sent"] - v["arrival"] for v in visitors if v["first_sent"] is not None]
    outcomes = Counter(v["outcome"] for v in visitors)
    by_status = check.get("bookings_by_status", {})
    live = by_status.get("held", 0) + by_status.get("confirmed", 0)
    span = (admitted_times[-1] - admitted_times[0]) if len(admitted_times) > 1 else 0.0
    return {
        "sustainable_holds_per_second": rate,
        "arrival_rate": round(arrival_rate, 1),
        "multiple": round(arrival_rate / rate, 1) if rate else None,
        "visitors": len(visitors),
        "elapsed_seconds": round(elapsed, 1),
        "admitted": len(admitted_times),
        "admitted_per_second": {
            "mean_while_queue_drained": round((len(admitted_times) - 1) / span, 1) if span else None,
            "timeline": timeline,
        },
        "queued": len([v for v in visitors if v["shown_wait"] is not None]),
        "wait_shown_vs_real": {
            "admitted_after_queueing": len(queued),
            "shown_seconds_p50": _seconds([v["shown_wait"] for v in queued], 50),
            "shown_seconds_p95": _seconds([v["shown_wait"] for v in queued], 95),
            "real_seconds_p50": _seconds([v["real_wait"] for v in queued], 50),
            "real_seconds_p95": _seconds([v["real_wait"] for v in queued], 95),
            "real_minus_shown_p5": _seconds(errors, 5),
            "real_minus_shown_p50": _seconds(errors, 50),
            "real_minus_shown_p95": _seconds(errors, 95),
            "real_minus_shown_max": round(max(errors), 2) if errors else None,
        },
        "order": admission_order(visitors),
        "client_lateness_seconds_p95": _seconds(lateness, 95),
        "latency_ms": _latencies(by_operation),
        "latency_ms_after_arrivals": _latencies(after_arrivals),
        # [window start (s), p50, p95, requests] of admitted requests (offers, holds, confirms).
        "admitted_latency_ms_by_window": [
            [w * LATENCY_WINDOW_SECONDS, percentile_ms(v, 50), percentile_ms(v, 95), len(v)]
            for w, v in sorted(admitted_by_window.items())
        ],
        "status_counts": {k: statuses.get(k, 0) for k in ("200", "201", "204", "409", "5xx", "other")},
        "status_by_operation": {op: dict(c) for op, c in sorted(by_operation_status.items())},
        "http_5xx": statuses.get("5xx", 0),
        "visitor_outcomes": dict(outcomes),
        "overbookings": check.get("overbookings"),
        "violations": check.get("violations", []),
        "bookings_by_status": by_status,
        "live_bookings": live,
        "confirmed_told": outcomes.get("confirmed", 0),
        "lost_or_phantom_bookings": by_status.get("confirmed", 0) - outcomes.get("confirmed", 0),
        "held_left_over": by_status.get("held", 0),
    }


def visitors_write(reports: list[dict], path: Path) -> None:
    """Every visitor's record (arrival, shown and real wait, admission, outcome), one JSON file."""
    visitors = sorted((v for report in reports for v in report["visitors"]), key=lambda v: v["visitor"])
    path.write_text(json.dumps(visitors))


# --- the run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StormOptions:
    rate: float  # the sustainable holds per second: the waiting room's rate
    multiple: float = 10.0
    burst_seconds: float = 10.0
    clients: int = 8


def waiting_rooms_forget(cache_url: str) -> int:
    """Delete every waiting-room schedule in the run's shared cache; returns how many keys went.

    Each run builds a fresh world whose depot ids start again from 1, so an earlier run's schedule
    (kept for an hour after its last slot, or far longer if that run's clock was shifted) would
    queue this run's crowd behind it.
    """
    if not cache_url.startswith(("redis://", "rediss://")):
        return 0
    import redis

    client = redis.Redis.from_url(cache_url)
    try:
        keys = list(client.scan_iter(match="*waiting-room:*", count=1000))
        return client.delete(*keys) if keys else 0
    finally:
        client.close()


def storm_run(*, options, storm: StormOptions, database_url: str, log_dir: Path | None = None) -> dict:
    """A fresh world served with the waiting room at ``storm.rate``, and the crowd; the figures."""
    import multiprocessing
    import tempfile

    from .run import (
        cache_label,
        clients_join,
        clients_report,
        clients_wait_ready,
        served_stop_and_check,
        served_world,
    )

    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="greenslot-storm-"))
    waiting_rooms_forget(options.cache_url)
    arrival_rate = storm.rate * storm.multiple
    visitors = max(1, round(arrival_rate * storm.burst_seconds))
    # Everyone admitted by then at the room's rate, with room to spare; the rest give up.
    give_up = storm.burst_seconds * storm.multiple * 1.5 + 60
    extra_env = {
        "GREENSLOT_WAITING_ROOM_RATE": str(storm.rate),
        "GREENSLOT_WAITING_ROOM_BURST_SECONDS": "2",
    }
    with served_world(
        options=options, database_url=database_url, log_dir=log_dir, extra_env=extra_env
    ) as served:
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        ready = context.Value("l", 0)
        start_at = context.Value("d", 0.0)
        processes = []
        for index in range(storm.clients):
            plan = StormPlan(
                index=index,
                processes=storm.clients,
                base_url=served.base_url,
                world=served.world,
                visitors=visitors,
                arrival_rate=arrival_rate,
                give_up_seconds=give_up,
                seed=options.seed * 1000 + index,
            )
            process = context.Process(
                target=storm_client_run, args=(plan, results, ready, start_at), daemon=True
            )
            process.start()
            processes.append(process)
        clients_wait_ready(processes, ready)

        def begin() -> float:
            start_at.value = time.monotonic() + 0.5  # every client starts its clock there
            return start_at.value

        reports, elapsed, cpu = clients_report(
            processes=processes,
            results=results,
            server=served.server,
            database_url=database_url,
            begin=begin,
            hard_stop_after=give_up + 60,
        )
        clients_join(processes)
        check = served_stop_and_check(served)
        summary = storm_summary(
            reports=reports,
            check=check,
            rate=storm.rate,
            arrival_rate=arrival_rate,
            elapsed=elapsed,
            arrivals_end=storm.burst_seconds,
        )
        summary["cpu_seconds"] = {name: round(seconds, 1) for name, seconds in cpu.items()}
        summary["workers"] = options.workers
        summary["storm_clients"] = storm.clients
        summary["clients_reported"] = len(reports)
        summary["burst_seconds"] = storm.burst_seconds
        summary["shared_cache"] = cache_label(options.cache_url)
        summary["server_log"] = str(served.log_path)
        summary["visitors_file"] = str(log_dir / "storm-visitors.json")
        visitors_write(reports, log_dir / "storm-visitors.json")
        return summary
