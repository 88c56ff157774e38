"""A fair virtual waiting room for a depot's slot-release moment (admission control for offers).

While a depot's new visitors arrive at most ``WAITING_ROOM_RATE`` a second (plus a burst of
``WAITING_ROOM_BURST_SECONDS``' worth), everyone is admitted at once. Beyond that, each new visitor
takes the next slot of the depot's schedule, one every ``1 / rate`` seconds after the last slot
given (GCRA, the virtual-scheduling form of a token bucket). The slot is the visitor's place in
the queue, first come first served, and a signed ticket carries it: the answer is 429
``waiting_room`` with the position, the estimated wait and ``Retry-After`` at the visitor's turn
plus a little jitter, so a crowd does not come back in one instant nor poll in between. Presenting
the ticket early keeps its place (and takes no new slot); presenting it from its turn on admits,
and then lets its holder through for ``WAITING_ROOM_PASS_MINUTES`` (offers, another day, another
window), so a shopper queues once per visit.

Holds need a quote from a fresh offer, so gating offers gates holds too; the hold caps (per
address, per client address) and the per-key and per-IP throttles still apply to everyone.

The schedule lives in the shared cache: with Redis, one atomic script per new visitor
(``INCR``-style, for all workers). Correctness never depends on it: the room only decides who may
ask, and a hold re-checks capacity under the depot-day lock whatever the room said. Without Redis,
or while it is down, each process keeps its own schedule, continued from the latest slot it has
seen, so the room degrades to per-process admission (up to rate x processes) and the tickets
already given keep their places (they carry their slot).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from greenslot import clock
from greenslot.errors import GreenslotError

logger = logging.getLogger(__name__)

SALT = "greenslot.waiting-room.v1"
# The request header (API) that presents a ticket, and the response header that hands one out.
TICKET_HEADER = "Waiting-Room-Ticket"
# Where the shopper page keeps the visit's ticket (the widget's frame, without cookies, keeps it in
# its URLs).
TICKET_SESSION_KEY = "waiting_room_ticket"
# Retry-After is the turn plus up to this share of the wait, at most JITTER_MAX_SECONDS.
JITTER_SHARE = 0.1
JITTER_MAX_SECONDS = 3.0
# Schedule entries outlive their last slot by this much (seconds), then the depot's room is idle.
IDLE_SECONDS = 3600

# GCRA in one step, atomically: the visitor's slot is the later of now and the theoretical
# arrival time (TAT); the TAT moves one interval on. Times in microseconds (exact in a double).
_TAKE_SCRIPT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
redis.call('SET', KEYS[1], string.format('%d', tat + interval), 'PX', math.floor((tat + interval - now) / 1000) + tonumber(ARGV[3]))
local seq = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]))
return {string.format('%d', tat), seq}
"""


@dataclass(frozen=True)
class Ticket:
    """A place in one depot's queue: for the retailer and client it was given to, the slot (µs)."""

    depot_id: int
    retailer_id: int
    client: str
    slot_us: int
    sequence: int

    def sign(self) -> str:
        payload = {
            "d": self.depot_id,
            "r": self.retailer_id,
            "c": self.client,
            "t": self.slot_us,
            "n": self.sequence,
        }
        return signing.dumps(payload, salt=SALT, compress=False)


class WaitingRoom(GreenslotError):
    """429 ``waiting_room``: come back with the ticket after ``Retry-After`` seconds."""

    status = 429

    def __init__(self, *, token: str, position: int, wait_seconds: float, retry_after: int):
        minutes = max(1, math.ceil(wait_seconds / 60))
        super().__init__(
            "waiting_room",
            f"Many shoppers are choosing delivery windows at this depot right now. You are number "
            f"{position} in the queue, about {minutes} minute{'s' if minutes != 1 else ''}. Send the "
            f"request again with the {TICKET_HEADER} header after Retry-After seconds.",
            details={
                "ticket": token,
                "position": position,
                "estimated_wait_seconds": math.ceil(wait_seconds),
                "retry_after_seconds": retry_after,
            },
        )
        self.token = token
        self.position = position
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after), TICKET_HEADER: token}


def _config() -> tuple[float, int, int]:
    """(visitors per second, burst in µs, pass in µs); rate 0 means the room is off."""
    config = settings.GREENSLOT
    rate = float(config["WAITING_ROOM_RATE"])
    burst_us = int(float(config["WAITING_ROOM_BURST_SECONDS"]) * 1_000_000)
    pass_us = int(float(config["WAITING_ROOM_PASS_MINUTES"]) * 60_000_000)
    return rate, burst_us, pass_us


def _micros(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def ticket_read(token: str, *, depot_id: int, retailer_id: int, client: str) -> Ticket | None:
    """The ticket ``token`` names, if it is genuine and was given for this depot, retailer and client."""
    if not token or not isinstance(token, str) or len(token) > 400:
        return None
    try:
        data = signing.loads(token, salt=SALT)
        ticket = Ticket(
            depot_id=int(data["d"]),
            retailer_id=int(data["r"]),
            client=str(data["c"]),
            slot_us=int(data["t"]),
            sequence=int(data["n"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if (ticket.depot_id, ticket.retailer_id, ticket.client) != (depot_id, retailer_id, client):
        return None
    return ticket


# --- the schedule -------------------------------------------------------------------------------


class _LocalSchedule:
    """Each process's own schedule: used without Redis, and while Redis is down."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tat: dict[int, int] = {}
        self.sequence: dict[int, int] = {}

    def take(self, depot_id: int, now_us: int, interval_us: int) -> tuple[int, int]:
        with self.lock:
            slot = max(self.tat.get(depot_id, 0), now_us)
            self.tat[depot_id] = slot + interval_us
            self.sequence[depot_id] = self.sequence.get(depot_id, 0) + 1
            return slot, self.sequence[depot_id]

    def seen(self, depot_id: int, next_slot_us: int) -> None:
        """Continue from a slot the shared schedule gave, should Redis go away."""
        with self.lock:
            self.tat[depot_id] = max(self.tat.get(depot_id, 0), next_slot_us)

    def clear(self) -> None:
        with self.lock:
            self.tat.clear()
            self.sequence.clear()


_local = _LocalSchedule()


def _shared_take(depot_id: int, now_us: int, interval_us: int) -> tuple[int, int] | None:
    """The slot from the shared (Redis) schedule; None without Redis or while it is down."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    keys = [cache.make_key(f"waiting-room:{depot_id}:tat"), cache.make_key(f"waiting-room:{depot_id}:seq")]
    try:
        from redis.exceptions import RedisError

        client = cache._cache.get_client(keys[0], write=True)
        slot, sequence = client.eval(_TAKE_SCRIPT, 2, *keys, now_us, interval_us, IDLE_SECONDS * 1000)
    except (RedisError, OSError) as exc:
        _outage_log(exc)
        return None
    return int(slot), int(sequence)


_last_outage_log: list[dt.datetime] = []


def _outage_log(exc: Exception) -> None:
    """Log the fallback at most once a minute per process: a storm meets it hundreds of times a second."""
    now = clock.now()
    if _last_outage_log and now - _last_outage_log[0] < dt.timedelta(minutes=1):
        return
    _last_outage_log[:] = [now]
    logger.warning("Waiting room on per-process schedules: the shared cache is unavailable (%s).", exc)


def _take(depot_id: int, now_us: int, interval_us: int) -> tuple[int, int]:
    shared = _shared_take(depot_id, now_us, interval_us)
    if shared is None:
        return _local.take(depot_id, now_us, interval_us)
    _local.seen(depot_id, shared[0] + interval_us)
    return shared


def schedules_clear() -> None:
    """Forget this process's schedules (tests)."""
    _local.clear()


# --- admission ----------------------------------------------------------------------------------


def _refusal(ticket: Ticket, token: str, *, now_us: int, interval_us: int, burst_us: int) -> WaitingRoom:
    wait_us = ticket.slot_us - burst_us - now_us
    wait = wait_us / 1_000_000
    jitter = random.uniform(0, min(JITTER_MAX_SECONDS, JITTER_SHARE * wait))
    return WaitingRoom(
        token=token,
        position=max(1, math.ceil(wait_us / interval_us)),
        wait_seconds=wait,
        retry_after=max(1, math.ceil(wait + jitter)),
    )


def admit(*, depot_id: int, retailer_id: int, client: str, ticket: str, now: dt.datetime) -> str | None:
    """Admit a visitor to ``depot_id``'s offers, or raise ``WaitingRoom`` with their place.

    ``client`` is the keyed hash of a browser's address ("" for a retailer's server): a ticket
    works only for the retailer and client it was given to. Returns the ticket to present on the
    visit's next requests (its pass), or None when the room is off.
    """
    rate, burst_us, pass_us = _config()
    if rate <= 0:
        return None
    interval_us = max(1, int(1_000_000 / rate))
    now_us = _micros(now)
    held = ticket_read(ticket, depot_id=depot_id, retailer_id=retailer_id, client=client)
    if held is not None:
        if now_us < held.slot_us - burst_us:
            raise _refusal(held, ticket, now_us=now_us, interval_us=interval_us, burst_us=burst_us)
        if now_us <= held.slot_us + pass_us:
            return ticket
        # A pass that has run out: back of the queue, like any new visitor.
    slot_us, sequence = _take(depot_id, now_us, interval_us)
    given = Ticket(
        depot_id=depot_id, retailer_id=retailer_id, client=client, slot_us=slot_us, sequence=sequence
    )
    token = given.sign()
    if now_us < slot_us - burst_us:
        raise _refusal(given, token, now_us=now_us, interval_us=interval_us, burst_us=burst_us)
    return token


class Gate:
    """One offer request's way through the room: pass ``gate.admit`` to ``offer_create`` (it learns
    the depot there), then hand ``gate.ticket`` back to the client (None when the room is off)."""

    def __init__(self, *, retailer_id: int, client: str, ticket: str):
        self.retailer_id = retailer_id
        self.client = client
        self.ticket: str | None = ticket or None
        self._presented = ticket

    def admit(self, depot, now: dt.datetime) -> None:
        self.ticket = admit(
            depot_id=depot.id,
            retailer_id=self.retailer_id,
            client=self.client,
            ticket=self._presented,
            now=now,
        )
