"""Helpers of the fault tests: gunicorn serving the test database, a tiny HTTP client, the world."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection

from lab.server import server_environment, server_start, server_stop
from tenants.keys import api_key_create
from tenants.models import ApiKeyKind
from tests.api.support import local_today
from tests.factories import INSIDE, make_world

BASE_DIR = Path(__file__).resolve().parents[2]
# The last statement of a hold's or a confirm's transaction before COMMIT: everything is written,
# nothing committed (where the fault tests pause a request, to kill its worker or the database).
LAST_STATEMENT = 'INSERT INTO "booking_bookingevent"'


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "Fault tests run gunicorn against the test database and kill or restart things around it: "
            "PostgreSQL only (DATABASE_URL=postgres://..., as CI runs them)."
        )


def url_of_test_database() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Server:
    process: subprocess.Popen
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def gunicorn_start(
    *,
    workers: int,
    settings_module: str = "tests.faults.fault_settings",
    cache_url: str = "",
    extra_env: dict[str, str] | None = None,
) -> Server:
    env = server_environment(database_url=url_of_test_database(), cache_url=cache_url)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings_module,
            "PYTHONPATH": str(BASE_DIR),
            "LOG_LEVEL": "WARNING",
            # A short statement timeout is not wanted here: a paused worker must keep its transaction.
            **(extra_env or {}),
        }
    )
    log_dir = Path(tempfile.mkdtemp(prefix="greenslot-faults-"))
    process, base_url = server_start(workers=workers, env=env, log_path=log_dir / "gunicorn.log")
    return Server(process=process, base_url=base_url, log_path=log_dir / "gunicorn.log")


def gunicorn_stop(server: Server) -> None:
    server_stop(server.process)
    shutil.rmtree(server.log_path.parent, ignore_errors=True)


def call(
    server: Server, method: str, path: str, *, key: str, body: dict | None = None, headers=None, timeout=30
):
    """(status, JSON body or None); status 0 when the connection broke (e.g. the worker was killed)."""
    parts = urlsplit(server.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(
            method,
            path,
            body=json.dumps(body) if body is not None else None,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException):
        return 0, None
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, None


@dataclass
class FaultWorld:
    world: object
    key: str
    day: dt.date


def fault_world(*, vehicles: int = 2, capacity: int = 10) -> FaultWorld:
    day = local_today() + dt.timedelta(days=2)
    world = make_world(dates=[day], vehicles=vehicles, capacity=capacity)
    _, key = api_key_create(retailer=world.retailer, kind=ApiKeyKind.SECRET, label="faults")
    return FaultWorld(world=world, key=key, day=day)


def offer_body(fw: FaultWorld, spot: int) -> dict:
    return {
        "address": {"lat": INSIDE[0] + 0.001 * spot, "lon": INSIDE[1]},
        "parcel": {"size_units": 1, "service_minutes": 3},
        "from_date": fw.day.isoformat(),
        "days": 1,
    }


def first_available_quote(offer: dict) -> str:
    return next(w["quote"] for d in offer["days"] for w in d["windows"] if w["available"])


def pg_cluster() -> tuple[str, str] | None:
    """(version, name) of the local cluster that ``pg_ctlcluster`` controls, or None."""
    if shutil.which("pg_ctlcluster") is None or not os.path.isdir("/etc/postgresql"):
        return None
    versions = sorted(os.listdir("/etc/postgresql"))
    return (versions[-1], "main") if versions else None


def pg_ctl(action: str, *, mode: str = "fast") -> None:
    """``pg_ctlcluster`` on the local cluster; a stop in ``mode`` ("fast": clean shutdown;
    "immediate": a crash, as a failed primary, with crash recovery at the next start)."""
    version, name = pg_cluster()
    subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            version,
            name,
            action,
            *(["-m", mode] if action == "stop" else []),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def pg_ready(timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode == 0:
            return True
        time.sleep(0.2)
    return False
