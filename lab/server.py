"""gunicorn serving the project on a free loopback port, production-like: the stress run's server,
and the fault tests' (they kill its workers and restart the database under it)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent


def server_environment(*, database_url: str, cache_url: str = "") -> dict[str, str]:
    """The environment of every child that opens ``database_url``, gunicorn included (the fault
    tests start from it and override the settings module).

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
