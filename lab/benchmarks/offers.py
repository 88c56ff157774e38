"""Benchmark 'offers': time offer requests on the city-1500 plan (DESIGN.md §8), in-process and over HTTP.

The world (``lab.benchmarks.city``) is built in a database of its own: a fresh SQLite file
under the temp directory unless ``--database-url`` names an empty one. The developer's database
is never touched.

Measured, per setting of ``--stops`` x ``--days``:

- ``p50_ms``, ``p95_ms``: ``offer_create`` in this process with a warm plan cache (every
  depot-day compiled already), for ``--requests`` random addresses in the zone;
- ``cold_p50_ms``: the same with the plan cache emptied before each request;
- ``api_p50_ms``: ``POST /api/v1/offers`` through Django's whole stack in this process (test
  client, no network): what the API layer adds to ``offer_create``;
- ``http_p50_ms``, ``http_p95_ms``: ``POST /api/v1/offers`` over loopback to gunicorn (one sync
  worker, DEBUG off, warmed up), timed by the client from connect to the last byte;
- ``cells``: insertion positions x windows evaluated per offer, over all days;
- ``engine_ms``: median time per offer inside ``routing.insertion.evaluate_insertion``;
- ``limit_ratio``: ``engine_ms`` / ``reference_ms``, where ``reference_ms`` is the time of the
  reference pass below over the same [positions, windows] shapes as one offer, in the same run;
- ``p50_cpu_ms``, ``p95_cpu_ms``, ``engine_cpu_ms``, ``limit_ratio_cpu``: the same in CPU time of
  this thread, which other processes on a shared machine disturb far less than wall-clock time
  (``load_average`` says how shared it was). Waiting for the database is not CPU time.

Once the world is built, the long-lived objects are frozen out of the garbage collector's way
(``gc.freeze``), as ``greenslot/wsgi.py`` does in every app process once the app is loaded.

The in-process timings run with ``DEBUG`` off, as the HTTP server and production do: with it on,
Django keeps a log of every query, and on SQLite re-quotes every parameter of it with a query of
its own (the Offer row's ~100 KB of window JSON included), which no production request pays.

The reference pass is the irreducible numpy work of a cheapest-feasible-insertion over a
[P, K] grid, on int64/float64 arrays shaped like the engine's (``arrive``, ``latest``, ``cost``
of shape [P]; ``early``, ``late`` of shape [K])::

    start = np.maximum(arrive[:, None], early[None, :])          # [P, K] max
    ok = start <= np.minimum(late[None, :], latest[:, None])     # [P, K] min and compare
    best = np.where(ok, cost[:, None], np.inf).argmin(axis=0)    # [P, K] where, min over P

timed as the median of ``REFERENCE_REPEATS`` runs per day of the offer, summed over the days.
"""

from __future__ import annotations

import cProfile
import gc
import http.client
import importlib
import io
import json
import os
import pstats
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.utils import timezone

from booking.services.offers import offer_create
from fleet.adapter import plan_cache
from tenants.keys import api_key_create
from tenants.models import ApiKeyKind

from .city import City, bench_database, city_build, random_address, vans_for

REFERENCE_REPEATS = 50
HTTP_WARMUP_REQUESTS = 3
SERVER_START_SECONDS = 60
OFFERS_PATH = "/api/v1/offers"
PRIMARY = (1500, 7)  # the setting reported at the top level of a sweep


def _int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"Expected comma-separated whole numbers, got {text!r}.") from exc
    if not values or min(values) < 1:
        raise CommandError(f"Expected positive whole numbers, got {text!r}.")
    return values


def add_arguments(parser):
    parser.add_argument(
        "--stops", default="1500", help="Booked stops per day; a list sweeps (500,1500,5000)."
    )
    parser.add_argument(
        "--days", default="7", help="Days of the horizon an offer covers; a list sweeps (1,7,14)."
    )
    parser.add_argument("--vans", type=int, help="Vans (default: 40 per 1,500 stops a day).")
    parser.add_argument(
        "--requests", type=int, default=200, help="Warm in-process offers timed (default 200)."
    )
    parser.add_argument("--cold-requests", type=int, default=5, help="Offers timed with an empty plan cache.")
    parser.add_argument("--http-requests", type=int, help="Offers timed over HTTP (default: --requests).")
    parser.add_argument("--no-http", action="store_true", help="Skip the API and HTTP timings.")
    parser.add_argument(
        "--database-url", help="An empty database to build in (default: a fresh SQLite file)."
    )
    parser.add_argument("--keep-database", action="store_true", help="Keep the fresh SQLite file.")
    parser.add_argument(
        "--profile", action="store_true", help="Profile warm offers; say where the time goes."
    )
    parser.add_argument("--seed", type=int, default=2026, help="Seed of the stops and addresses.")


def run(command, **options) -> dict:
    stops_list, days_list = _int_list(options["stops"]), _int_list(options["days"])
    if max(days_list) > settings.GREENSLOT["MAX_HORIZON_DAYS"]:
        raise CommandError(f"--days is at most {settings.GREENSLOT['MAX_HORIZON_DAYS']}.")
    if options["database_url"] and len(stops_list) > 1:
        raise CommandError("A sweep over --stops builds one fresh database per value; omit --database-url.")
    progress = options["verbosity"] > 0
    rows: list[dict] = []
    profile = None
    for stops_per_day in stops_list:
        with (
            fresh_database(options["database_url"], keep=options["keep_database"]) as url,
            bench_database(url),
        ):
            now = timezone.now()
            started = time.perf_counter()
            city = city_build(
                stops_per_day=stops_per_day,
                days=max(days_list),
                vans=options["vans"] or vans_for(stops_per_day),
                seed=options["seed"],
                now=now,
                progress=progress,
            )
            build_seconds = time.perf_counter() - started
            gc.freeze()  # what is loaded now lives on: as greenslot/wsgi.py does in every app process
            key = (
                None
                if options["no_http"]
                else api_key_create(retailer=city.retailer, kind=ApiKeyKind.SECRET)[1]
            )
            with offer_server(url, enabled=not options["no_http"]) as server:
                for days in days_list:
                    rng = random.Random(f"{options['seed']}-requests-{stops_per_day}-{days}")
                    with override_settings(DEBUG=False):  # see the module docstring
                        row = setting_measure(
                            city=city,
                            days=days,
                            rng=rng,
                            key=key,
                            server=server,
                            requests=options["requests"],
                            cold_requests=options["cold_requests"],
                            http_requests=options["http_requests"],
                        )
                    row["build_s"] = round(build_seconds, 1)
                    rows.append(row)
                    command.stdout.write(row_line(row))
                    if options["profile"] and (profile is None or (stops_per_day, days) == PRIMARY):
                        with override_settings(DEBUG=False):
                            profile = offers_profile(
                                city=city, days=days, rng=rng, key=key, count=options["requests"]
                            )
    primary = next((r for r in rows if (r["stops_per_day"], r["days"]) == PRIMARY), rows[0])
    result = dict(primary)
    if len(rows) > 1:
        result["sweep"] = rows
    if profile is not None:
        result["profile_ms"] = profile
    return result


@contextmanager
def fresh_database(url: str | None, *, keep: bool):
    if url:
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="greenslot-bench-"))
    try:
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
    finally:
        if keep:
            print(f"Kept the benchmark database in {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _offer(city: City, *, days: int, address: tuple[float, float], parcel: tuple[int, int]):
    return offer_create(
        retailer=city.retailer,
        lat=address[0],
        lon=address[1],
        size_units=parcel[0],
        service_minutes=parcel[1],
        from_date=city.dates[0],
        days=days,
    )


def _requests(rng: random.Random, count: int) -> list[tuple[tuple[float, float], tuple[int, int]]]:
    return [(random_address(rng), (rng.randint(1, 6), rng.randint(2, 5))) for _ in range(count)]


def _ms(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)) * 1000, 2) if values else None


def setting_measure(
    *,
    city: City,
    days: int,
    rng: random.Random,
    key: str | None,
    server: int | None,
    requests: int,
    cold_requests: int,
    http_requests: int | None,
) -> dict:
    count, cold_count = requests, cold_requests
    http_count = count if http_requests is None else http_requests
    asks = _requests(rng, max(count, cold_count, http_count, 1))

    cold = []
    for address, parcel in asks[:cold_count]:
        plan_cache.clear()
        started = time.perf_counter()
        _offer(city, days=days, address=address, parcel=parcel)
        cold.append(time.perf_counter() - started)

    _offer(city, days=days, address=asks[0][0], parcel=asks[0][1])  # every depot-day compiled
    warm, warm_cpu, engine = [], [], EngineTimer()
    with engine:
        for address, parcel in asks[:count]:
            engine.begin()
            started, started_cpu = time.perf_counter(), time.thread_time()
            _offer(city, days=days, address=address, parcel=parcel)
            warm.append(time.perf_counter() - started)
            warm_cpu.append(time.thread_time() - started_cpu)
            engine.end()
    engine_s = float(np.median(engine.seconds)) if engine.seconds else 0.0
    engine_cpu_s = float(np.median(engine.cpu_seconds)) if engine.cpu_seconds else 0.0
    shapes = engine.shapes[0] if engine.shapes else ()
    reference_s, reference_cpu_s = reference_pass_seconds(shapes)

    row = {
        "stops_per_day": city.stops_per_day,
        "days": days,
        "windows_per_day": city.windows_per_day,
        "vans": city.vans,
        "stops_planned": city.placed,
        "stops_unplaced": city.unplaced,
        "requests": len(warm),
        "p50_ms": _ms(warm, 50),
        "p95_ms": _ms(warm, 95),
        "cold_p50_ms": _ms(cold, 50),
        "cells": engine.cells[0] if engine.cells else 0,
        "positions": sum(p for p, _ in shapes),
        "engine_ms": round(engine_s * 1000, 3),
        "reference_ms": round(reference_s * 1000, 3),
        "limit_ratio": round(engine_s / reference_s, 2) if reference_s else None,
        # The same in CPU time of this thread: less disturbed when other processes share the CPUs.
        "p50_cpu_ms": _ms(warm_cpu, 50),
        "p95_cpu_ms": _ms(warm_cpu, 95),
        "engine_cpu_ms": round(engine_cpu_s * 1000, 3),
        "limit_ratio_cpu": round(engine_cpu_s / reference_cpu_s, 2) if reference_cpu_s else None,
        "load_average": round(os.getloadavg()[0], 2),
        "api_p50_ms": None,
        "http_p50_ms": None,
        "http_p95_ms": None,
        "http_errors": 0,
    }
    if key is not None:
        row["api_p50_ms"] = _ms(api_times(city=city, days=days, key=key, asks=asks[:count]), 50)
        http, errors = http_times(server=server, city=city, days=days, key=key, asks=asks[:http_count])
        row.update(http_p50_ms=_ms(http, 50), http_p95_ms=_ms(http, 95), http_errors=errors)
    return row


def row_line(row: dict) -> str:
    def show(value, unit=" ms"):
        return "-" if value is None else f"{value}{unit}"

    return (
        f"stops/day {row['stops_per_day']:>5}  vans {row['vans']:>3}  days {row['days']:>2}"
        f"  cells {row['cells']:>8}  p50 {show(row['p50_ms'])}  p95 {show(row['p95_ms'])}"
        f"  cold p50 {show(row['cold_p50_ms'])}  engine {show(row['engine_ms'])}"
        f"  limit_ratio {show(row['limit_ratio'], '')}  api p50 {show(row['api_p50_ms'])}"
        f"  http p50 {show(row['http_p50_ms'])}  http p95 {show(row['http_p95_ms'])}"
    )


class EngineTimer:
    """Times every ``evaluate_insertion`` call that ``offer_create`` makes, grouped per offer.

    Instrumentation for the benchmark only: the name the offers service calls is wrapped while
    the timer is entered and restored on exit.
    """

    def __init__(self):
        self.seconds: list[float] = []  # per offer, wall-clock
        self.cpu_seconds: list[float] = []  # per offer, this thread's CPU time
        self.cells: list[int] = []
        self.shapes: list[tuple[tuple[int, int], ...]] = []  # per offer, (positions, windows) per call

    def __enter__(self):
        self._module = importlib.import_module("booking.services.offers")
        self._original = self._module.evaluate_insertion

        def timed(*args, **kwargs):
            started, started_cpu = time.perf_counter(), time.thread_time()
            result = self._original(*args, **kwargs)
            self._seconds += time.perf_counter() - started
            self._cpu_seconds += time.thread_time() - started_cpu
            windows = len(result.feasible)
            self._cells += int(result.cells)
            self._shapes.append((int(result.cells) // windows if windows else 0, windows))
            return result

        self._module.evaluate_insertion = timed
        return self

    def __exit__(self, *exc):
        self._module.evaluate_insertion = self._original

    def begin(self) -> None:
        self._seconds, self._cpu_seconds, self._cells, self._shapes = 0.0, 0.0, 0, []

    def end(self) -> None:
        self.seconds.append(self._seconds)
        self.cpu_seconds.append(self._cpu_seconds)
        self.cells.append(self._cells)
        self.shapes.append(tuple(self._shapes))


def reference_pass_seconds(shapes) -> tuple[float, float]:
    """Wall-clock and CPU seconds of the module docstring's reference pass over each [P, K] of
    ``shapes``, summed."""
    rng = np.random.default_rng(0)
    total = total_cpu = 0.0
    for positions, windows in shapes:
        if not positions or not windows:
            continue
        arrive = rng.integers(7 * 3600, 21 * 3600, positions, dtype=np.int64)
        latest = arrive + rng.integers(0, 4 * 3600, positions, dtype=np.int64)
        cost = rng.random(positions)
        early = np.sort(rng.integers(8 * 3600, 20 * 3600, windows, dtype=np.int64))
        late = early + 3600
        runs, cpu_runs = [], []
        for _ in range(REFERENCE_REPEATS):
            started, started_cpu = time.perf_counter(), time.thread_time()
            start = np.maximum(arrive[:, None], early[None, :])
            ok = start <= np.minimum(late[None, :], latest[:, None])
            np.where(ok, cost[:, None], np.inf).argmin(axis=0)
            runs.append(time.perf_counter() - started)
            cpu_runs.append(time.thread_time() - started_cpu)
        total += float(np.median(runs))
        total_cpu += float(np.median(cpu_runs))
    return total, total_cpu


def _offer_body(city: City, *, days: int, address, parcel) -> dict:
    return {
        "address": {"lat": address[0], "lon": address[1]},
        "parcel": {"size_units": parcel[0], "service_minutes": parcel[1]},
        "from_date": city.dates[0].isoformat(),
        "days": days,
    }


def api_times(*, city: City, days: int, key: str, asks) -> list[float]:
    """``POST /api/v1/offers`` through Django's full stack in this process (no network)."""
    client = Client()
    times = []
    for address, parcel in asks:
        cache.clear()  # the throttle's history: this loop sends more than a retailer may
        body = json.dumps(_offer_body(city, days=days, address=address, parcel=parcel))
        started = time.perf_counter()
        response = client.post(
            OFFERS_PATH, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
        times.append(time.perf_counter() - started)
        if response.status_code != 201:
            raise CommandError(
                f"The API refused an offer ({response.status_code}): {response.content[:300]!r}"
            )
    return times


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def offer_server(database_url: str, *, enabled: bool = True):
    """gunicorn (one sync worker, DEBUG off, as if behind a TLS proxy) serving the benchmark database
    on loopback; yields its port."""
    if not enabled:
        yield None
        return
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        # As in production behind a proxy that terminates TLS (plain HTTP would be redirected).
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "GREENSLOT_RATE_OFFERS": "1000000/min",
        "GREENSLOT_RATE_OFFERS_IP": "1000000/min",
    }
    command = [
        sys.executable, "-m", "gunicorn", "greenslot.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--timeout", "300", "--log-level", "warning",
    ]  # fmt: skip
    with tempfile.TemporaryFile(mode="w+") as log:
        server = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_serving(server, port, log)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_serving(server: subprocess.Popen, port: int, log) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    log.seek(0)
    raise CommandError(f"gunicorn did not start on port {port}:\n{log.read()[-2000:]}")


def http_times(*, server: int, city: City, days: int, key: str, asks) -> tuple[list[float], int]:
    """Client-side seconds per ``POST /api/v1/offers`` (connect to last byte), and the non-201 count."""
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "X-Forwarded-Proto": "https",
    }
    bodies = [json.dumps(_offer_body(city, days=days, address=a, parcel=p)) for a, p in asks]
    times, errors, first_error = [], 0, ""
    for number, body in enumerate(bodies[:HTTP_WARMUP_REQUESTS] + bodies):
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", server, timeout=300)
        conn.request("POST", OFFERS_PATH, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read()
        elapsed = time.perf_counter() - started
        conn.close()
        if response.status != 201:
            errors += 1
            first_error = first_error or f"{response.status} {content[:300].decode(errors='replace')}"
        elif number >= HTTP_WARMUP_REQUESTS:
            times.append(elapsed)
    if first_error:
        print(
            f"HTTP offers refused ({errors} of {len(bodies) + HTTP_WARMUP_REQUESTS}): {first_error}",
            file=sys.stderr,
        )
    return times, errors


# Where the time of a warm offer goes: (path part, function or None), timed as the calls into
# that function, or into that part of the code, from outside it (see ``_seconds_in``).
# Categories can overlap: "db_queries" is every query, wherever it was made.
PROFILE_CATEGORIES = {
    "engine": ("routing/", None),
    "db_queries": ("django/db/backends/utils.py", "_execute_with_wrappers"),
    "offer_row_insert": ("django/db/models/query.py", "create"),
    "offer_window_records": ("booking/services/offer_records.py", None),
    "plan_cache": ("fleet/adapter.py", None),
    "zone_lookup": ("fleet/selectors.py", "zone_for_point"),
    "pricing": ("pricing/", None),
    "emissions": ("emissions/", None),
    "quote_signing": ("booking/quotes.py", None),
    "api_serializers": ("rest_framework/serializers.py", "data"),
    "json_render": ("rest_framework/renderers.py", "render"),
}


def _seconds_in(stats: dict, part: str, name: str | None) -> float:
    """Seconds in calls into ``part`` (to function ``name`` if given) from callers outside it.

    Counting call edges from outside, rather than each function's cumulative time, keeps nested
    and recursive calls (a serializer's ``data`` inside another's) from counting twice.
    """
    total = 0.0
    for (filename, _, function), (_, _, _, _, callers) in stats.items():
        if part not in filename.replace(os.sep, "/") or (name is not None and function != name):
            continue
        for (caller_file, _, caller), edge in callers.items():
            inside = part in caller_file.replace(os.sep, "/") and (name is None or caller == name)
            if not inside:
                total += edge[3]
    return total


def offers_profile(*, city: City, days: int, rng: random.Random, key: str | None, count: int) -> dict:
    """cProfile of warm offers, in-process and through the API stack: milliseconds per offer by
    category; the heaviest functions (cumulative and own time) go to stderr."""
    asks = _requests(rng, max(1, count))
    runs = {"in_process": lambda a, p: _offer(city, days=days, address=a, parcel=p)}
    if key is not None:
        client = Client()

        def through_api(address, parcel):
            cache.clear()
            body = json.dumps(_offer_body(city, days=days, address=address, parcel=parcel))
            client.post(
                OFFERS_PATH, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
            )

        runs["api"] = through_api
    report = {}
    for label, call in runs.items():
        call(*asks[0])  # warm
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for address, parcel in asks:
            call(address, parcel)
        profiler.disable()
        wall = time.perf_counter() - started
        stats = pstats.Stats(profiler)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
        print(
            f"--- profile: {label}, {len(asks)} offers of {days} days ---\n{text.getvalue()}", file=sys.stderr
        )
        per_offer = {"total": wall / len(asks)}
        for category, (part, name) in PROFILE_CATEGORIES.items():
            per_offer[category] = _seconds_in(stats.stats, part, name) / len(asks)
        report[label] = {k: round(v * 1000, 2) for k, v in per_offer.items() if v or k == "total"}
    return report
