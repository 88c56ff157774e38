"""One stress run, end to end: fresh database, world, gunicorn, clients, audit, figures."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lab.server import BASE_DIR, server_environment, server_start, server_stop

from .clients import HTTP_TIMEOUT_SECONDS, ClientPlan, client_run
from .cpu import cpu_summary, database_cpu_seconds, server_cpu_seconds
from .database import database_drop, database_name, database_recreate
from .report import run_summary
from .world import StressWorld

CLIENT_START_SECONDS = 60.0


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


@dataclass
class ServedWorld:
    """A prepared stress database served by gunicorn: what the clients and the checks need."""

    world: StressWorld
    server: subprocess.Popen | None
    base_url: str
    env: dict[str, str]
    log_path: Path


@contextlib.contextmanager
def served_world(
    *, options: RunOptions, database_url: str, log_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[ServedWorld]:
    """A fresh database with the stress world, served by ``options.workers`` gunicorn workers; the
    server is stopped (if the caller has not) and the database dropped (unless kept) afterwards."""
    env = {**server_environment(database_url=database_url, cache_url=options.cache_url), **(extra_env or {})}
    database_recreate(database_url)
    served = None
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
        log_path = log_dir / f"gunicorn-w{options.workers}.log"
        server, base_url = server_start(workers=options.workers, env=env, log_path=log_path)
        served = ServedWorld(world=world, server=server, base_url=base_url, env=env, log_path=log_path)
        yield served
    finally:
        if served is not None and served.server is not None:
            server_stop(served.server)
        if not options.keep_database:
            database_drop(database_url)


def served_stop_and_check(served: ServedWorld) -> dict:
    """Stop the server, then the independent audit of the database (``world_check``)."""
    if served.server is not None:
        server_stop(served.server)
        served.server = None
    return json.loads(manage("stress", "--step", "check", env=served.env).strip().splitlines()[-1])


def clients_wait_ready(processes: list, ready) -> None:
    """Every client imported and connected before the clock starts: spawning 16 interpreters on a
    small machine takes seconds that measure nothing about the server."""
    ready_by = time.monotonic() + CLIENT_START_SECONDS
    while ready.value < len(processes) and time.monotonic() < ready_by:
        if any(not process.is_alive() for process in processes):
            raise RuntimeError("A stress client died before the run started.")
        time.sleep(0.05)


def clients_join(processes: list) -> None:
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()


def clients_report(
    *, processes: list, results, server, database_url: str, begin, hard_stop_after: float, tick=None
) -> tuple[list[dict], float, dict]:
    """Start the waiting clients with ``begin()`` (it returns the start moment, ``time.monotonic``)
    and gather one report per client until all came or ``hard_stop_after`` seconds after the start;
    returns the reports, the seconds from the start, and the CPU seconds of server, database and
    clients in between. ``tick`` runs between polls (a progress bar)."""
    server_cpu_before = server_cpu_seconds(server)
    database_cpu_before = database_cpu_seconds(database_url)
    started = begin()
    hard_stop = started + hard_stop_after
    reports = []
    while len(reports) < len(processes) and time.monotonic() < hard_stop:
        try:
            reports.append(results.get(timeout=0.25))
        except Exception:  # queue.Empty: nothing yet
            pass
        if tick is not None:
            tick()
    elapsed = time.monotonic() - started
    database_cpu_after = database_cpu_seconds(database_url)
    cpu = {
        "server": server_cpu_seconds(server) - server_cpu_before,
        "clients": sum(report.get("cpu_seconds", 0.0) for report in reports),
    }
    if database_cpu_before is not None and database_cpu_after is not None:
        cpu["database"] = database_cpu_after - database_cpu_before
    return reports, elapsed, cpu


def stress_run(*, options: RunOptions, database_url: str, progress=None, log_dir: Path | None = None) -> dict:
    """Fresh database, gunicorn, clients, checker; returns ``run_summary``'s figures.

    ``progress`` (optional) is called with (requests so far, holds so far) a few times a second.
    """
    import multiprocessing
    import tempfile

    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="greenslot-stress-"))
    with served_world(options=options, database_url=database_url, log_dir=log_dir) as served:
        world, server, base_url = served.world, served.server, served.base_url
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
        clients_wait_ready(processes, ready)

        def begin() -> float:
            started = time.monotonic()
            start.set()
            return started

        reports, elapsed, cpu = clients_report(
            processes=processes,
            results=results,
            server=server,
            database_url=database_url,
            begin=begin,
            hard_stop_after=options.max_seconds + HTTP_TIMEOUT_SECONDS + 10,
            tick=None if progress is None else lambda: progress(counter.value, holds_counter.value),
        )
        clients_join(processes)
        check = served_stop_and_check(served)
        summary = run_summary(
            reports=reports, elapsed=elapsed, workers=options.workers, clients=options.clients, check=check
        )
        summary["cpu"] = cpu_summary(cpu=cpu, holds=summary["holds"], requests=summary["requests"])
        summary["clients_reported"] = len(reports)
        summary["depot_days"] = len(world.dates)
        summary["days_marked_full"] = int(sum(full_days[:]))
        summary["database"] = database_name(database_url)
        summary["shared_cache"] = cache_label(options.cache_url)
        summary["server_log"] = str(served.log_path)
        return summary
