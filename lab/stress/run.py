"""The steps of ``python manage.py stress``: concurrent shoppers booking over HTTP until the days are full.

The command never touches the developer's database. It makes a fresh PostgreSQL database of its
own (its name must contain ``stress``; it is dropped first), migrates it and fills it with a small
world (``world_prepare``) in child processes pointed at it with ``DATABASE_URL``, serves it with
gunicorn on a free loopback port, and runs client processes that each loop as shoppers do:
offer -> pick an available window -> hold -> confirm (a share release the hold, or cancel the
booking). Every loop is bounded by a shared request budget and a deadline. Afterwards the
independent plan audit (``booking/audit.py``: routes rebuilt from the rows, walked without the
insertion code) counts overbookings over every depot-day, and the bookings are counted against what
the clients were told.

Figures are honest wall-clock measurements on whatever machine runs them; the clients share its
cores with gunicorn and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[2]

# The world: one depot in Utrecht and a square service zone around it (about 9 km x 13 km).
DEPOT_CODE = "stress"
DEPOT_LAT, DEPOT_LON = 52.09, 5.12
HALF_LAT, HALF_LON = 0.04, 0.06
TIME_ZONE = "Europe/Amsterdam"
# DESIGN.md §8's day: 13 one-hour windows from 08:00, 6 two-hour, 3 four-hour and an all-day window.
WINDOWS = (
    [(h, h + 1) for h in range(8, 21)]
    + [(h, h + 2) for h in range(8, 20, 2)]
    + [(8, 12), (12, 16), (16, 20)]
    + [(8, 21)]
)
SHIFT_HOURS = (7, 21)
RETAILER_NAME = "Stress Shop"
# A client marks a day full after this many offers in a row without an available window on it.
FULL_AFTER_EMPTY_OFFERS = 3
HTTP_TIMEOUT_SECONDS = 30.0
CLIENT_START_SECONDS = 60.0


@dataclass(frozen=True)
class StressWorld:
    """What the clients need to know about the prepared database (JSON between processes)."""

    secret_key: str
    dates: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"secret_key": self.secret_key, "dates": list(self.dates)}


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


# ---------------------------------------------------------------------------------------------
# The database: a fresh one, never the developer's
# ---------------------------------------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def stress_database_url(*, requested: str | None, environment_url: str | None) -> str:
    """The URL of the database the run may drop and create.

    ``requested`` (``--database-url``) is used as given; without it, the server of the
    environment's PostgreSQL ``DATABASE_URL`` (else 127.0.0.1:5432 as ``root``) with database
    ``greenslot_stress``. The name must contain ``stress``: the run drops that database first.
    """
    if requested:
        url = requested
    else:
        base = environment_url or ""
        if not base.startswith(("postgres://", "postgresql://")):
            base = "postgres://root@127.0.0.1:5432/greenslot"
        parts = urlsplit(base)
        url = urlunsplit((parts.scheme, parts.netloc, "/greenslot_stress", "", ""))
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"Expected a postgres:// URL, got {url!r}: the stress run needs PostgreSQL.")
    name = database_name(url)
    if "stress" not in name or not name.replace("_", "").isalnum():
        raise ValueError(
            f"Refusing database {name!r}: the run drops and recreates it, so its name must contain "
            "'stress' (letters, digits and underscores only)."
        )
    return url


def _maintenance_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    return psycopg.connect(admin_url, autocommit=True, connect_timeout=10)


def database_recreate(url: str) -> None:
    """Drop (closing any session on it) and create the stress database."""
    name = database_name(url)
    with _maintenance_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    name = database_name(url)
    with _maintenance_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def default_cache_url() -> str:
    """The shared cache of the run: ``CACHE_URL`` if set, else Redis database 13 on loopback if a
    Redis answers there, else none (each gunicorn worker keeps its own cache)."""
    if os.environ.get("CACHE_URL"):
        return os.environ["CACHE_URL"]
    from redis import Redis
    from redis.exceptions import RedisError

    url = "redis://127.0.0.1:6379/13"
    try:
        Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except (RedisError, OSError):
        return ""
    return url


def cache_label(url: str) -> str | None:
    """``redis://host:port/db`` of a cache URL, without credentials (for the report)."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"


def server_environment(*, database_url: str, cache_url: str = "") -> dict[str, str]:
    """The environment of every child that opens the stress database, gunicorn included.

    Production-like (DEBUG off: no query log; a shared Redis cache when ``cache_url`` is given, as
    several app processes need); throttles out of the way, since the clients are one retailer's
    key hammering on purpose; no broker, so no re-optimisation runs meanwhile.
    """
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "DJANGO_SETTINGS_MODULE": "greenslot.settings",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("STRESS_SECRET_KEY") or uuid.uuid4().hex + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        # Persistent for the whole run: a recycled connection would also take its backend's CPU
        # seconds out of the database figure (counted per backend process).
        "CONN_MAX_AGE": "3600",
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "ERROR",
        "PYTHONUNBUFFERED": "1",
    }
    for scope in ("OFFERS", "OFFERS_IP", "HOLDS", "HOLDS_IP", "API"):
        env[f"GREENSLOT_RATE_{scope}"] = "1000000/s"
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> str:
    """Run ``manage.py`` in a child process on the stress database; returns its stdout."""
    done = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return done.stdout


# ---------------------------------------------------------------------------------------------
# The world (runs in a child process whose DATABASE_URL is the stress database)
# ---------------------------------------------------------------------------------------------


def world_prepare(
    *, depot_days: int, vans: int, capacity: int, now: dt.datetime | None = None
) -> StressWorld:
    """A depot with ``vans`` vans of ``capacity`` units working ``depot_days`` days from tomorrow,
    DESIGN §8's windows, and a retailer with published rules and a secret key."""
    import io
    from zoneinfo import ZoneInfo

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from booking.models import WindowTemplate
    from emissions.models import EmissionFactor
    from fleet.models import Depot, ServiceZone, Vehicle, VehicleType
    from fleet.services import depot_day_get_or_create, shift_create

    now = now or timezone.now()
    tz = ZoneInfo(TIME_ZONE)
    tomorrow = timezone.localtime(now, tz).date() + dt.timedelta(days=1)
    dates = [tomorrow + dt.timedelta(days=offset) for offset in range(depot_days)]
    with transaction.atomic():
        depot = Depot.objects.create(
            code=DEPOT_CODE, name="Stress depot", time_zone=TIME_ZONE, lat=DEPOT_LAT, lon=DEPOT_LON
        )
        south, north = DEPOT_LAT - HALF_LAT, DEPOT_LAT + HALF_LAT
        west, east = DEPOT_LON - HALF_LON, DEPOT_LON + HALF_LON
        ServiceZone.objects.create(
            depot=depot,
            name="Stress square",
            polygon={
                "type": "Polygon",
                "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
            },
        )
        factor = EmissionFactor.objects.order_by("id").first()
        if factor is None:
            raise LookupError("No emission factor: the stress database was not migrated.")
        van = VehicleType.objects.create(
            name="Stress van",
            capacity_units=capacity,
            max_speed_kmh=50,
            cost_per_km=Decimal("0.30"),
            cost_per_hour=Decimal("30"),
            cost_per_route=Decimal("10"),
            emission_factor=factor,
        )
        fleet = [
            Vehicle.objects.create(depot=depot, vehicle_type=van, name=f"van-{i + 1:02d}")
            for i in range(vans)
        ]
        for start, end in WINDOWS:
            WindowTemplate.objects.create(
                depot=depot, start_time=dt.time(start), end_time=dt.time(end), cutoff_minutes=60
            )
        for date in dates:
            depot_day = depot_day_get_or_create(depot=depot, date=date)
            for vehicle in fleet:
                shift_create(
                    depot_day=depot_day,
                    vehicle=vehicle,
                    start=dt.datetime.combine(date, dt.time(SHIFT_HOURS[0]), tzinfo=tz),
                    end=dt.datetime.combine(date, dt.time(SHIFT_HOURS[1]), tzinfo=tz),
                )
    out = io.StringIO()
    call_command("create_retailer", RETAILER_NAME, stdout=out)
    keys = json.loads(out.getvalue().strip().splitlines()[-1])
    return StressWorld(secret_key=keys["secret_key"], dates=tuple(d.isoformat() for d in dates))


def world_check(*, now: dt.datetime | None = None) -> dict:
    """After a run: overbookings by the independent plan checker over every depot-day, and the
    bookings by status (to compare with what the clients were told)."""
    from django.db.models import Count
    from django.utils import timezone

    # The same independent audit the tests use: routes rebuilt from Shift/Stop rows and walked
    # by routing.checker, plus every live booking cross-checked against its stop.
    from booking.audit import plan_violations
    from booking.models import Booking
    from fleet.models import DepotDay, Stop

    now = now or timezone.now()
    violations = plan_violations(now=now)
    statuses = dict(Booking.objects.values_list("status").annotate(n=Count("id")))
    stops_per_day = dict(
        DepotDay.objects.annotate(n=Count("stops")).values_list("date", "n").order_by("date")
    )
    return {
        "overbookings": len(violations),
        "violations": violations[:20],
        "bookings_by_status": statuses,
        "stops_per_day": {str(d): n for d, n in stops_per_day.items()},
        "stops_without_booking": Stop.objects.filter(booking__isnull=True, expires_at__isnull=True).count(),
    }


# ---------------------------------------------------------------------------------------------
# gunicorn
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_start(*, workers: int, env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn with ``workers`` sync workers on a free loopback port; returns it once /healthz answers."""
    for _ in range(3):
        port = free_port()
        log = open(log_path, "ab")  # noqa: SIM115 - closed with the process in server_stop
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "greenslot.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--backlog",
                "512",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_file = log  # type: ignore[attr-defined]
        base_url = f"http://127.0.0.1:{port}"
        if server_wait(base_url, process=process, timeout=60):
            return process, base_url
        server_stop(process)
    raise RuntimeError(f"gunicorn did not start; see {log_path}")


def server_wait(base_url: str, *, process: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    host, port = urlsplit(base_url).hostname, urlsplit(base_url).port
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            connection = http.client.HTTPConnection(host, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def server_stop(process: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's master (graceful), SIGKILL to the whole group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    log = getattr(process, "log_file", None)
    if log is not None:
        log.close()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used (Linux ``/proc``); 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    """The live children of ``pid`` (gunicorn's workers of its master)."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    return children


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU seconds of gunicorn's master and its workers so far."""
    return sum(process_cpu_seconds(pid) for pid in [server.pid, *child_pids(server.pid)])


LOCAL_HOSTS = {None, "", "127.0.0.1", "localhost", "::1"}


def database_cpu_seconds(url: str) -> float | None:
    """CPU seconds of the PostgreSQL backends serving the stress database; ``None`` when the server
    is not on this machine (its backends' process ids mean nothing here)."""
    if urlsplit(url).hostname not in LOCAL_HOSTS:
        return None
    with _maintenance_connection(url) as connection:
        pids = [
            row[0]
            for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database_name(url)]
            ).fetchall()
        ]
    return sum(process_cpu_seconds(pid) for pid in pids)


# ---------------------------------------------------------------------------------------------
# A client: shoppers one after another
# ---------------------------------------------------------------------------------------------


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
            {"external_ref": f"stress-{plan.index}-{outcome['held']}"},
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


# ---------------------------------------------------------------------------------------------
# The figures
# ---------------------------------------------------------------------------------------------


def status_class(status: int) -> str:
    if status in (200, 201, 204):
        return str(status)
    if status == 409:
        return "409"
    if 500 <= status < 600:
        return "5xx"
    return "other"


def percentile_ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    import numpy as np

    return round(float(np.percentile(np.asarray(values), q)) * 1000, 1)


def run_summary(*, reports: list[dict], elapsed: float, workers: int, clients: int, check: dict) -> dict:
    """The JSON figures of one run: throughput, latency per operation, statuses, overbookings."""
    by_operation: dict[str, list[float]] = {}
    statuses: Counter = Counter()
    by_operation_status: dict[str, Counter] = {}
    outcome: Counter = Counter()
    for report in reports:
        outcome.update(report["outcome"])
        for operation, status, seconds in report["calls"]:
            by_operation.setdefault(operation, []).append(seconds)
            statuses[status_class(status)] += 1
            by_operation_status.setdefault(operation, Counter())[str(status)] += 1
    holds_ok = by_operation_status.get("hold", Counter())["201"]
    expected_live = outcome["held"] - outcome["released"] - outcome["cancelled"]
    by_status = check.get("bookings_by_status", {})
    live = by_status.get("held", 0) + by_status.get("confirmed", 0)
    return {
        "workers": workers,
        "clients": clients,
        "elapsed_seconds": round(elapsed, 2),
        "holds": holds_ok,
        "holds_per_second": round(holds_ok / elapsed, 1) if elapsed > 0 else 0.0,
        "requests": sum(len(v) for v in by_operation.values()),
        "requests_per_second": round(sum(len(v) for v in by_operation.values()) / elapsed, 1)
        if elapsed
        else 0,
        "latency_ms": {
            op: {"p50": percentile_ms(v, 50), "p95": percentile_ms(v, 95), "n": len(v)}
            for op, v in sorted(by_operation.items())
        },
        "status_counts": {k: statuses.get(k, 0) for k in ("200", "201", "204", "409", "5xx", "other")},
        "status_by_operation": {op: dict(c) for op, c in sorted(by_operation_status.items())},
        "http_5xx": statuses.get("5xx", 0),
        "overbookings": check.get("overbookings"),
        "violations": check.get("violations", []),
        "bookings_by_status": by_status,
        "live_bookings": live,
        "live_bookings_expected": expected_live,
        "lost_or_phantom_bookings": live - expected_live,
        "stops_per_day": check.get("stops_per_day", {}),
        "client_outcomes": dict(outcome),
    }


# ---------------------------------------------------------------------------------------------
# One run, end to end
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    clients: int = 16
    workers: int = 4
    depot_days: int = 8
    vans: int = 10
    capacity: int = 15
    max_requests: int = 20_000
    max_seconds: float = 120.0
    release_share: float = 0.1
    cancel_share: float = 0.05
    seed: int = 2026
    keep_database: bool = False
    cache_url: str = ""


def stress_run(*, options: RunOptions, database_url: str, progress=None, log_dir: Path | None = None) -> dict:
    """Fresh database, gunicorn, clients, checker; returns ``run_summary``'s figures.

    ``progress`` (optional) is called with (requests so far, holds so far) a few times a second.
    """
    import multiprocessing
    import tempfile

    env = server_environment(database_url=database_url, cache_url=options.cache_url)
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="greenslot-stress-"))
    database_recreate(database_url)
    server = None
    try:
        manage("migrate", "--noinput", env=env)
        world_json = manage(
            "stress",
            "--step",
            "prepare",
            "--depot-days",
            str(options.depot_days),
            "--vans",
            str(options.vans),
            "--capacity",
            str(options.capacity),
            env=env,
        )
        world_data = json.loads(world_json.strip().splitlines()[-1])
        world = StressWorld(secret_key=world_data["secret_key"], dates=tuple(world_data["dates"]))
        server, base_url = server_start(
            workers=options.workers, env=env, log_path=log_dir / f"gunicorn-w{options.workers}.log"
        )

        context = multiprocessing.get_context("spawn")
        counter = context.Value("l", 0)
        holds_counter = context.Value("l", 0)
        full_days = context.Array("b", len(world.dates))
        results = context.Queue()
        ready = context.Value("l", 0)
        start = context.Event()
        processes = []
        for index in range(options.clients):
            plan = ClientPlan(
                index=index,
                base_url=base_url,
                world=world,
                seconds=options.max_seconds,
                max_requests=options.max_requests,
                release_share=options.release_share,
                cancel_share=options.cancel_share,
                seed=options.seed * 1000 + index,
            )
            process = context.Process(
                target=client_run,
                args=(plan, counter, holds_counter, full_days, results, ready, start),
                daemon=True,
            )
            process.start()
            processes.append(process)
        # Every client imported and connected before the clock starts: spawning 16 interpreters on
        # a small machine takes seconds that measure nothing about the server.
        ready_by = time.monotonic() + CLIENT_START_SECONDS
        while ready.value < len(processes) and time.monotonic() < ready_by:
            if any(not process.is_alive() for process in processes):
                raise RuntimeError("A stress client died before the run started.")
            time.sleep(0.05)
        server_cpu_before = server_cpu_seconds(server)
        database_cpu_before = database_cpu_seconds(database_url)
        started = time.monotonic()
        deadline = started + options.max_seconds
        start.set()
        reports = []
        hard_stop = deadline + HTTP_TIMEOUT_SECONDS + 10
        while len(reports) < len(processes) and time.monotonic() < hard_stop:
            try:
                reports.append(results.get(timeout=0.25))
            except Exception:  # queue.Empty: nothing yet
                pass
            if progress is not None:
                progress(counter.value, holds_counter.value)
        elapsed = time.monotonic() - started
        database_cpu_after = database_cpu_seconds(database_url)
        cpu = {
            "server": server_cpu_seconds(server) - server_cpu_before,
            "clients": sum(report.get("cpu_seconds", 0.0) for report in reports),
        }
        if database_cpu_before is not None and database_cpu_after is not None:
            cpu["database"] = database_cpu_after - database_cpu_before
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
        server_stop(server)
        server = None
        check = json.loads(manage("stress", "--step", "check", env=env).strip().splitlines()[-1])
        summary = run_summary(
            reports=reports, elapsed=elapsed, workers=options.workers, clients=options.clients, check=check
        )
        summary["cpu"] = cpu_summary(cpu=cpu, holds=summary["holds"], requests=summary["requests"])
        summary["clients_reported"] = len(reports)
        summary["depot_days"] = len(world.dates)
        summary["days_marked_full"] = int(sum(full_days[:]))
        summary["database"] = database_name(database_url)
        summary["shared_cache"] = cache_label(options.cache_url)
        summary["server_log"] = str(log_dir / f"gunicorn-w{options.workers}.log")
        return summary
    finally:
        if server is not None:
            server_stop(server)
        if not options.keep_database:
            database_drop(database_url)


def cpu_summary(*, cpu: dict[str, float], holds: int, requests: int) -> dict:
    """Where the machine's CPU went during the run, per successful hold and per request.

    Throughput on a shared machine depends on what else runs; CPU per hold does much less. With
    every part of the run on ``os.cpu_count()`` cores, ``holds_per_second_cpu_bound`` is the
    ceiling that CPU cost allows: cores / (CPU seconds per hold of server, database and clients).
    Without a local database (no ``database`` part) the database's CPU is not counted.
    """
    total = sum(cpu.values())
    per_hold = {f"{part}_ms_per_hold": round(seconds / holds * 1000, 2) if holds else None
                for part, seconds in cpu.items()}  # fmt: skip
    return {
        "seconds": {part: round(seconds, 2) for part, seconds in cpu.items()},
        **per_hold,
        "server_ms_per_request": round(cpu["server"] / requests * 1000, 2) if requests else None,
        "database_ms_per_request": (
            round(cpu["database"] / requests * 1000, 2) if requests and "database" in cpu else None
        ),
        "cores": os.cpu_count(),
        "holds_per_second_cpu_bound": round(os.cpu_count() * holds / total, 1) if total and holds else None,
    }


def scaling_summary(runs: list[dict]) -> dict:
    """Several runs (one per worker count): each run's figures, and throughput relative to the first."""
    base = runs[0]["holds_per_second"] or 1.0
    return {
        "runs": runs,
        "scaling": [
            {
                "workers": run["workers"],
                "holds_per_second": run["holds_per_second"],
                "speedup": round(run["holds_per_second"] / base, 2),
                "hold_p95_ms": run["latency_ms"].get("hold", {}).get("p95"),
                "http_5xx": run["http_5xx"],
                "overbookings": run["overbookings"],
            }
            for run in runs
        ],
        "overbookings": sum(run["overbookings"] or 0 for run in runs),
        "http_5xx": sum(run["http_5xx"] for run in runs),
    }
