"""Where the machine's CPU went during a stress run: gunicorn, PostgreSQL's backends, the clients."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from .database import database_name, maintenance_connection


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
    with maintenance_connection(url) as connection:
        pids = [
            row[0]
            for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database_name(url)]
            ).fetchall()
        ]
    return sum(process_cpu_seconds(pid) for pid in pids)


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
