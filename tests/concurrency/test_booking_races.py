"""Many writers on the same depot-days at once, on PostgreSQL: no deadlock, no lost update, no overbooking.

Each worker is a thread with its own database connection calling the services, as gunicorn
workers do. A barrier releases them together. The independent plan checker
(``booking/audit.py``) then walks every route from the rows, and the booking rows are counted
against what the callers were told.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import Counter

import pytest
from django.utils import timezone

from booking.audit import plan_violations
from booking.models import Booking, BookingEvent, BookingStatus
from booking.services.holds import booking_cancel, booking_reschedule, hold_confirm, hold_create, hold_release
from booking.services.offers import offer_create
from greenslot.errors import Conflict
from tests.api.support import local_today
from tests.concurrency.support import Worker, require_postgres, run_all
from tests.factories import make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 8
OPS_PER_WORKER = 20
TIMEOUT_SECONDS = 180


def spot_point(worker: int, op: int) -> tuple[float, float]:
    """A distinct address per (worker, op), spread over the 0.1° test zone."""
    rng = random.Random(worker * 1000 + op)
    return 52.055 + rng.random() * 0.09, 5.055 + rng.random() * 0.09


def windows_on(world, *, lat: float, lon: float, date: dt.date) -> list:
    result = offer_create(
        retailer=world.retailer, lat=lat, lon=lon, size_units=1, service_minutes=3, from_date=date, days=1
    )
    return list(result.days[0].windows)


def same_window(a, b) -> bool:
    return (a.start, a.end) == (b.start, b.end)


@pytest.fixture
def two_days(db):
    require_postgres()
    day1 = local_today() + dt.timedelta(days=2)
    day2 = day1 + dt.timedelta(days=1)
    # Two vans of 6 units a day: 24 deliveries in all, for 160 shoppers.
    world = make_world(dates=[day1, day2], vehicles=2, capacity=6)
    return world, (day1, day2)


def test_a_herd_of_holds_on_stale_quotes_never_overbooks_and_every_refusal_is_genuine(two_days):
    world, days = two_days
    # Given 8 workers, each with 20 shoppers' quotes taken before anyone holds (so most go stale) ...
    quotes: dict[int, list] = {}
    for worker in range(WORKERS):
        quotes[worker] = []
        for op in range(OPS_PER_WORKER):
            lat, lon = spot_point(worker, op)
            date = days[(worker + op) % 2]
            available = [w for w in windows_on(world, lat=lat, lon=lon, date=date) if w.available]
            window = random.Random(op).choice(available)
            quotes[worker].append((lat, lon, date, window))
    barrier = threading.Barrier(WORKERS)
    tally: Counter = Counter()
    refusals: list[str] = []
    lock = threading.Lock()

    def shopper_herd(worker: int):
        barrier.wait(timeout=30)
        for lat, lon, date, window in quotes[worker]:
            try:
                hold = hold_create(retailer=world.retailer, quote=window.quote)
            except Conflict as refusal:
                assert refusal.code == "window_unavailable", refusal
                # A refusal must be genuine: offered again now, the window is not available either
                # (capacity only shrinks in this test, so "full then" means "full now").
                again = [w for w in windows_on(world, lat=lat, lon=lon, date=date) if same_window(w, window)]
                with lock:
                    tally["refused"] += 1
                    if again[0].available:
                        refusals.append(f"{window.start}-{window.end} refused but offered again")
                continue
            hold_confirm(
                retailer=world.retailer, booking_id=hold.id, external_ref=f"w{worker}-{hold.reference}"
            )
            with lock:
                tally["held"] += 1

    # When they all hold at once,
    workers = [Worker(lambda w=w: shopper_herd(w), name=f"herd-{w}") for w in range(WORKERS)]
    run_all(workers, timeout=TIMEOUT_SECONDS)

    # then nobody waited forever (run_all), every refusal was a full window,
    assert refusals == []
    assert tally["held"] + tally["refused"] == WORKERS * OPS_PER_WORKER
    assert tally["refused"] > 0, "the herd should overrun the 24 places"
    # every route is feasible by the independent checker,
    assert plan_violations(now=timezone.now()) == []
    # and every booking the callers were told about exists, once.
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == tally["held"]
    assert Booking.objects.count() == tally["held"]


def test_holds_confirms_releases_cancels_and_reschedules_across_two_days_keep_every_count(two_days):
    world, (day1, day2) = two_days
    barrier = threading.Barrier(WORKERS)
    tally: Counter = Counter()
    pool: list = []  # confirmed booking ids, shared: workers cancel and move each other's bookings
    lock = threading.Lock()

    def count(name: str) -> None:
        with lock:
            tally[name] += 1

    def new_booking(rng: random.Random, worker: int, op: int) -> None:
        lat, lon = spot_point(worker, op)
        date = rng.choice((day1, day2))
        available = [w for w in windows_on(world, lat=lat, lon=lon, date=date) if w.available]
        if not available:
            return count("no_window")
        try:
            hold = hold_create(retailer=world.retailer, quote=rng.choice(available).quote)
        except Conflict as refusal:
            assert refusal.code == "window_unavailable", refusal
            return count("hold_refused")
        count("held")
        roll = rng.random()
        if roll < 0.2:
            hold_release(retailer=world.retailer, booking_id=hold.id)
            count("released")
        elif roll < 0.9:
            hold_confirm(retailer=world.retailer, booking_id=hold.id)
            count("confirmed")
            with lock:
                pool.append(hold.id)
        # else: left on hold (it stays live for ten minutes)

    def cancel_any(rng: random.Random) -> None:
        with lock:
            booking_id = rng.choice(pool) if pool else None
        if booking_id is None:
            return
        try:
            booking_cancel(retailer=world.retailer, booking_id=booking_id)
        except Conflict as refusal:
            # Someone else cancelled it first: exactly one of us may.
            assert refusal.code in {"not_confirmed", "concurrent_change"}, refusal
            return count("cancel_refused")
        count("cancelled")

    def move_any(rng: random.Random) -> None:
        with lock:
            booking_id = rng.choice(pool) if pool else None
        if booking_id is None:
            return
        booking = Booking.objects.select_related("depot_day").get(id=booking_id)
        # Move it to the other day, so reschedules cross in both directions while holds go into both.
        other = day2 if booking.depot_day.date == day1 else day1
        available = [
            w for w in windows_on(world, lat=booking.lat, lon=booking.lon, date=other) if w.available
        ]
        if not available:
            return count("no_window")
        try:
            booking_reschedule(
                retailer=world.retailer, booking_id=booking_id, quote=rng.choice(available).quote
            )
        except Conflict as refusal:
            assert refusal.code in {"window_unavailable", "not_confirmed", "concurrent_change"}, refusal
            return count("reschedule_refused")
        count("rescheduled")

    def mixed(worker: int):
        rng = random.Random(worker)
        barrier.wait(timeout=30)
        for op in range(OPS_PER_WORKER):
            roll = rng.random()
            if roll < 0.5 or not pool:
                new_booking(rng, worker, op)
            elif roll < 0.65:
                cancel_any(rng)
            else:
                move_any(rng)

    workers = [Worker(lambda w=w: mixed(w), name=f"mixed-{w}") for w in range(WORKERS)]
    run_all(workers, timeout=TIMEOUT_SECONDS)

    now = timezone.now()
    assert plan_violations(now=now) == []
    statuses = Counter(Booking.objects.values_list("status", flat=True))
    # No lost update: every successful call is in the rows, exactly once.
    assert sum(statuses.values()) == tally["held"]
    assert statuses[BookingStatus.RELEASED] == tally["released"]
    assert statuses[BookingStatus.CANCELLED] == tally["cancelled"]
    assert statuses[BookingStatus.CONFIRMED] == tally["confirmed"] - tally["cancelled"]
    assert statuses[BookingStatus.HELD] == tally["held"] - tally["confirmed"] - tally["released"]
    live = statuses[BookingStatus.HELD] + statuses[BookingStatus.CONFIRMED]
    assert live == tally["held"] - tally["released"] - tally["cancelled"]
    assert BookingEvent.objects.filter(note__startswith="rescheduled").count() == tally["rescheduled"]
    assert tally["rescheduled"] > 0 and tally["cancelled"] > 0, tally


def test_reschedules_crossing_between_two_days_while_holds_go_into_both_do_not_deadlock(two_days):
    world, (day1, day2) = two_days
    # Given four confirmed bookings on each day ...
    movers = []
    for index in range(8):
        lat, lon = spot_point(99, index)
        date = (day1, day2)[index % 2]
        window = next(w for w in windows_on(world, lat=lat, lon=lon, date=date) if w.available)
        hold = hold_create(retailer=world.retailer, quote=window.quote)
        movers.append(hold_confirm(retailer=world.retailer, booking_id=hold.id)[0].id)
    barrier = threading.Barrier(6)
    tally: Counter = Counter()
    lock = threading.Lock()

    def shuttle(booking_ids: list):
        # ... each of four threads moves its bookings to the other day and back, day1 <-> day2,
        barrier.wait(timeout=30)
        rng = random.Random(str(booking_ids))
        for _ in range(6):
            for booking_id in booking_ids:
                booking = Booking.objects.select_related("depot_day").get(id=booking_id)
                other = day2 if booking.depot_day.date == day1 else day1
                offered = [
                    w for w in windows_on(world, lat=booking.lat, lon=booking.lon, date=other) if w.available
                ]
                if not offered:
                    continue
                try:
                    booking_reschedule(
                        retailer=world.retailer, booking_id=booking_id, quote=rng.choice(offered).quote
                    )
                except Conflict as refusal:
                    assert refusal.code == "window_unavailable", refusal
                    continue
                with lock:
                    tally["moved"] += 1

    def holder(worker: int):
        # ... while two threads hold into both days.
        barrier.wait(timeout=30)
        rng = random.Random(worker)
        for op in range(10):
            lat, lon = spot_point(200 + worker, op)
            offered = [
                w for w in windows_on(world, lat=lat, lon=lon, date=(day1, day2)[op % 2]) if w.available
            ]
            if not offered:
                continue
            try:
                hold_create(retailer=world.retailer, quote=rng.choice(offered).quote)
            except Conflict as refusal:
                assert refusal.code == "window_unavailable", refusal
                continue
            with lock:
                tally["held"] += 1

    workers = [Worker(lambda ids=movers[i::4]: shuttle(ids), name=f"shuttle-{i}") for i in range(4)]
    workers += [Worker(lambda w=w: holder(w), name=f"holder-{w}") for w in range(2)]
    # When they all run at once, nobody deadlocks (run_all bounds the time; PostgreSQL would also
    # abort one side of a lock cycle with a deadlock error, which run_all reports),
    run_all(workers, timeout=TIMEOUT_SECONDS)
    # and the plans stay feasible with every booking where its last move put it.
    assert plan_violations(now=timezone.now()) == []
    assert tally["moved"] > 0
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 8
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == tally["held"]


def test_one_quote_sent_by_many_clients_at_once_makes_one_hold(two_days):
    # Given one shopper's quote, retried by 6 clients at the same moment (a timeout storm),
    world, days = two_days
    lat, lon = spot_point(99, 0)
    window = next(w for w in windows_on(world, lat=lat, lon=lon, date=days[0]) if w.available)
    barrier = threading.Barrier(6)
    answers: list = []
    lock = threading.Lock()

    def retry():
        barrier.wait(timeout=30)
        hold = hold_create(retailer=world.retailer, quote=window.quote)
        with lock:
            answers.append(hold.id)

    # when they all hold it,
    run_all([Worker(retry, name=f"retry-{k}") for k in range(6)], timeout=TIMEOUT_SECONDS)
    # then each got the same hold, and it took one place on the plan.
    assert len(answers) == 6 and len(set(answers)) == 1
    assert Booking.objects.count() == 1
    assert Booking.objects.get().stop.depot_day.stops.count() == 1
    assert plan_violations(now=timezone.now()) == []


def test_one_clients_racing_holds_on_many_addresses_stop_at_its_cap(two_days, settings):
    # Given a bot at one client address firing 6 holds for 6 addresses at once, with a cap of 2,
    settings.GREENSLOT = {**settings.GREENSLOT, "MAX_HOLDS_PER_CLIENT": 2}
    world, days = two_days
    quotes = []
    for spot in range(6):
        lat, lon = spot_point(77, spot)
        quotes.append(next(w for w in windows_on(world, lat=lat, lon=lon, date=days[0]) if w.available).quote)
    barrier = threading.Barrier(6)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def grab(quote):
        barrier.wait(timeout=30)
        try:
            hold_create(retailer=world.retailer, quote=quote, client_ip="203.0.113.7")
            outcome = "held"
        except Conflict as refusal:
            outcome = refusal.code
        with lock:
            outcomes[outcome] += 1

    run_all(
        [Worker(lambda q=q: grab(q), name=f"bot-{k}") for k, q in enumerate(quotes)], timeout=TIMEOUT_SECONDS
    )
    # then exactly 2 are held (the client lock makes the cap exact across addresses).
    assert outcomes == Counter({"held": 2, "client_hold_limit_reached": 4})
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 2


def test_one_order_confirmed_on_two_days_at_once_confirms_one_booking(two_days):
    # Given two holds on different days (so no depot-day lock orders them), both for order-7,
    world, days = two_days
    holds = []
    for k, day in enumerate(days):
        lat, lon = spot_point(55, k)
        window = next(w for w in windows_on(world, lat=lat, lon=lon, date=day) if w.available)
        holds.append(hold_create(retailer=world.retailer, quote=window.quote))
    barrier = threading.Barrier(2)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def confirm(hold, key):
        barrier.wait(timeout=30)
        try:
            hold_confirm(
                retailer=world.retailer, booking_id=hold.id, external_ref="order-7", idempotency_key=key
            )
            outcome = "confirmed"
        except Conflict as refusal:
            outcome = refusal.code
        with lock:
            outcomes[outcome] += 1

    # when each is confirmed with its own key at the same moment,
    run_all(
        [Worker(lambda h=h, k=k: confirm(h, f"key-{k}"), name=f"confirm-{k}") for k, h in enumerate(holds)],
        timeout=TIMEOUT_SECONDS,
    )
    # then one booking has the order and the other confirm is told which.
    assert outcomes == Counter({"confirmed": 1, "order_already_confirmed": 1})
    assert Booking.objects.filter(external_ref="order-7", status=BookingStatus.CONFIRMED).count() == 1
