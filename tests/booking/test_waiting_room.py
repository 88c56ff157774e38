"""The waiting room of a depot's slot-release moment (``booking.waiting_room``): under the rate
everyone is admitted; beyond it each new visitor gets the next slot, first come first served, with
their position, the wait and a Retry-After at their turn; a ticket admits from its turn on and is
then the visit's pass. Redis shares the schedule between workers; without it each process keeps
its own, continuing from the latest slot it saw."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.test import override_settings
from redis import Redis
from redis.exceptions import RedisError

from booking.waiting_room import (
    JITTER_MAX_SECONDS,
    Ticket,
    WaitingRoom,
    admit,
    schedules_clear,
    ticket_read,
)

REDIS_URL = "redis://127.0.0.1:6379/12"
DEPOT, RETAILER, CLIENT = 7, 3, "c0ffee"


@pytest.fixture
def room(waiting_room):
    """Two visitors a second, no burst, a one-minute pass (unless a test says otherwise)."""

    def configure(rate=2.0, burst=0.0, pass_minutes=1.0):
        waiting_room(rate=rate, burst=burst, pass_minutes=pass_minutes)

    configure()
    return configure


def visit(now, ticket="", *, depot=DEPOT, retailer=RETAILER, client=CLIENT):
    """("admitted", ticket) or ("waiting", the refusal)."""
    try:
        return "admitted", admit(depot_id=depot, retailer_id=retailer, client=client, ticket=ticket, now=now)
    except WaitingRoom as refusal:
        return "waiting", refusal


def test_without_a_rate_there_is_no_waiting_room(now):
    for _ in range(50):
        assert visit(now) == ("admitted", None)


def test_under_the_rate_everyone_is_admitted_at_once(room, now):
    room(rate=2.0, burst=5.0)
    # Ten visitors at once fit the burst (2/s x 5 s); then visitors a second apart never queue.
    assert all(visit(now)[0] == "admitted" for _ in range(10))
    later = now + dt.timedelta(seconds=10)
    for second in range(20):
        assert visit(later + dt.timedelta(seconds=second))[0] == "admitted"


def test_beyond_the_rate_visitors_queue_in_arrival_order(room, now):
    first = visit(now)
    assert first[0] == "admitted"
    refusals = [visit(now)[1] for _ in range(6)]
    assert all(isinstance(r, WaitingRoom) for r in refusals)
    assert [r.position for r in refusals] == [1, 2, 3, 4, 5, 6]
    assert [r.details["estimated_wait_seconds"] for r in refusals] == [1, 1, 2, 2, 3, 3]
    for refusal in refusals:
        assert refusal.status == 429 and refusal.code == "waiting_room"
        # Retry-After: the turn, plus jitter of at most a tenth of the wait (never before the turn).
        assert refusal.wait_seconds <= refusal.retry_after <= refusal.wait_seconds * 1.1 + 1
        assert refusal.headers["Retry-After"] == str(refusal.retry_after)
        assert refusal.headers["Waiting-Room-Ticket"] == refusal.details["ticket"]
        assert f"number {refusal.position} in the queue" in refusal.message
    slots = [
        ticket_read(r.token, depot_id=DEPOT, retailer_id=RETAILER, client=CLIENT).slot_us for r in refusals
    ]
    assert slots == sorted(slots) and len(set(slots)) == len(slots)


def test_the_jitter_is_bounded_for_a_long_wait(room, now):
    room(rate=1.0)
    for _ in range(300):
        status, refusal = visit(now)
    assert status == "waiting" and refusal.position == 299
    assert refusal.wait_seconds <= refusal.retry_after <= refusal.wait_seconds + JITTER_MAX_SECONDS + 1


def test_an_early_retry_keeps_its_place_and_takes_no_new_slot(room, now):
    visit(now)
    _, mine = visit(now)  # position 1, turn at +0.5 s
    _, next_one = visit(now)  # position 2
    status, again = visit(now + dt.timedelta(seconds=0.2), mine.token)
    assert status == "waiting"
    assert again.token == mine.token and again.position == 1
    # Nobody was pushed back by the early retry: a newcomer is behind exactly two.
    _, newcomer = visit(now)
    assert newcomer.position == next_one.position + 1 == 3


def test_the_ticket_admits_from_its_turn_and_then_is_the_visits_pass(room, now):
    visit(now)
    _, mine = visit(now)
    turn = now + dt.timedelta(seconds=mine.wait_seconds)
    assert visit(turn, mine.token) == ("admitted", mine.token)
    # The pass lets its holder through while others queue ...
    for _ in range(5):
        visit(turn)
    assert visit(turn + dt.timedelta(seconds=59), mine.token) == ("admitted", mine.token)
    # ... until it runs out (one minute here): then back of the queue like anyone.
    expired = turn + dt.timedelta(seconds=61)
    visit(expired)
    _, ahead = visit(expired)
    status, refusal = visit(expired, mine.token)
    assert status == "waiting" and refusal.token != mine.token and refusal.position == ahead.position + 1


def test_a_late_arrival_never_overtakes_the_queue(room, now):
    visit(now)
    queued = [visit(now)[1] for _ in range(4)]  # turns at +0.5 ... +2.0 s
    later = now + dt.timedelta(seconds=1)
    _, late = visit(later)
    assert late.position == 3  # the two whose turn has not come, then this one
    assert ticket_read(late.token, depot_id=DEPOT, retailer_id=RETAILER, client=CLIENT).slot_us > max(
        ticket_read(q.token, depot_id=DEPOT, retailer_id=RETAILER, client=CLIENT).slot_us for q in queued
    )


@pytest.mark.parametrize(
    "where",
    [{"depot": DEPOT + 1}, {"retailer": RETAILER + 1}, {"client": "another"}],
    ids=["another depot", "another retailer", "another client"],
)
def test_a_ticket_works_only_where_it_was_given(room, now, where):
    admitted = visit(now)[1]
    visit(now)
    _, ahead = visit(now)
    # Elsewhere it is no ticket: a new place (behind the queue here, or alone at another depot).
    status, answer = visit(now, admitted, **where)
    if "depot" in where:
        assert status == "admitted" and answer != admitted
    else:
        assert status == "waiting" and answer.position == ahead.position + 1


def test_a_tampered_or_foreign_ticket_counts_as_none(room, now):
    visit(now)
    _, mine = visit(now)
    forged = Ticket(depot_id=DEPOT, retailer_id=RETAILER, client=CLIENT, slot_us=0, sequence=1).sign()
    tampered = forged[:-3] + ("AAA" if forged[-3:] != "AAA" else "BBB")
    for token in (tampered, "nonsense", "x" * 5000):
        status, refusal = visit(now, token)
        assert status == "waiting" and refusal.position > mine.position  # a new place at the back


# --- shared between workers (Redis), and without it --------------------------------------------


def redis_caches(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "greenslot-test-room",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def shared_redis():
    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except (RedisError, OSError):
        pytest.skip("Needs Redis on 127.0.0.1:6379 (CI starts it).")
    Redis.from_url(REDIS_URL).flushdb()
    with override_settings(CACHES=redis_caches(REDIS_URL)):
        yield
    Redis.from_url(REDIS_URL).flushdb()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def test_workers_share_one_queue_through_redis(room, now, shared_redis):
    visit(now)
    positions = []
    for _ in range(6):
        schedules_clear()  # another worker: no schedule of its own
        positions.append(visit(now)[1].position)
    assert positions == [1, 2, 3, 4, 5, 6]


def test_with_redis_down_the_room_degrades_to_this_process_and_keeps_the_queue(room, now, shared_redis):
    visit(now)
    queued = [visit(now)[1] for _ in range(3)]
    with override_settings(CACHES=redis_caches(closed_port_url())):
        # Still a queue, continued after the slots Redis gave: nobody overtakes those waiting.
        _, during = visit(now)
        assert during.position == 4
        # Tickets given before the outage keep their places and admit at their turn.
        turn = now + dt.timedelta(seconds=queued[0].wait_seconds)
        assert visit(turn, queued[0].token) == ("admitted", queued[0].token)


def test_without_redis_each_process_keeps_its_own_schedule(room, now):
    with override_settings(CACHES=redis_caches(closed_port_url())):
        assert visit(now)[0] == "admitted"
        assert visit(now)[1].position == 1
        schedules_clear()  # another process
        assert visit(now)[0] == "admitted"
