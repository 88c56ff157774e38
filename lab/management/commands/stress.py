"""``python manage.py stress``: concurrent shoppers over HTTP on PostgreSQL until the depot-days are full.

Prints JSON on the last line: holds per second, p50/p95 latency per operation, statuses (201, 409,
5xx, other), and overbookings found by the independent plan checker afterwards (must be 0).
With ``--scale 1,2,4`` it repeats the run (fresh database each time) per gunicorn worker count.
The steps are the plain functions of ``lab/stress/``; its package docstring tells the run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lab.stress.database import database_name, stress_database_url
from lab.stress.report import scaling_summary
from lab.stress.run import RunOptions, default_cache_url, stress_run
from lab.stress.storm import StormOptions, storm_run
from lab.stress.world import world_check, world_prepare


class Command(BaseCommand):
    help = (
        "Stress the booking API: a fresh PostgreSQL database, gunicorn on loopback, N client processes "
        "booking offer -> hold -> confirm until every depot-day is full (bounded in requests and time). "
        "Prints JSON (last line) with holds/s, latencies, statuses and overbookings (must be 0)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=16, help="Client processes (default 16).")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4).")
        parser.add_argument(
            "--scale",
            default="",
            help="Comma-separated worker counts, e.g. 1,2,4: one run per count (overrides --workers).",
        )
        parser.add_argument("--depot-days", type=int, default=8, help="Depot-days to fill (default 8).")
        parser.add_argument("--vans", type=int, default=10, help="Vans per depot-day (default 10).")
        parser.add_argument("--capacity", type=int, default=15, help="Size units per van (default 15).")
        parser.add_argument(
            "--max-requests", type=int, default=20_000, help="Requests in all, per run (default 20000)."
        )
        parser.add_argument(
            "--max-seconds", type=float, default=120.0, help="Client time per run (default 120)."
        )
        parser.add_argument("--release-share", type=float, default=0.1, help="Holds released (default 0.1).")
        parser.add_argument(
            "--cancel-share", type=float, default=0.05, help="Bookings cancelled (default 0.05)."
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--database-url",
            default="",
            help="postgres:// URL of the database to create (dropped first; its name must contain "
            "'stress'). Default: greenslot_stress on DATABASE_URL's server, else 127.0.0.1:5432.",
        )
        parser.add_argument(
            "--keep-database", action="store_true", help="Leave the stress database for inspection."
        )
        parser.add_argument(
            "--cache-url",
            default=None,
            help="Shared cache of the server (Redis URL) as CACHE_URL. Default: CACHE_URL, else "
            "redis://127.0.0.1:6379/13 if Redis answers there; '' for per-process caches.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")
        parser.add_argument(
            "--storm",
            action="store_true",
            help="A slot-release storm: measure the sustainable hold rate with a normal run (--clients, "
            "--workers, --max-seconds), then serve a fresh world with the waiting room at that rate and "
            "send --storm-multiple times as many visitors a second for --storm-seconds at its one depot. "
            "Prints the storm's figures (admitted per second, wait shown vs real, order, 5xx, latency, "
            "overbookings, lost bookings).",
        )
        parser.add_argument(
            "--storm-rate",
            type=float,
            default=0.0,
            help="Take this sustainable rate instead of measuring it.",
        )
        parser.add_argument(
            "--storm-headroom",
            type=float,
            default=0.7,
            help="The sustainable rate as a share of the measured saturated hold rate (default 0.7: at "
            "saturation latency grows without bound, and each queued visitor costs one more answer, "
            "the waiting room's, on top of offer, hold and confirm).",
        )
        parser.add_argument(
            "--storm-multiple", type=float, default=10.0, help="Arrivals x the rate (default 10)."
        )
        parser.add_argument(
            "--storm-seconds", type=float, default=10.0, help="Seconds of arrivals (default 10)."
        )
        parser.add_argument(
            "--storm-clients", type=int, default=8, help="Storm client processes (default 8)."
        )
        # Internal: the steps that run in a child process on the stress database.
        parser.add_argument("--step", choices=["prepare", "check"], help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if options["step"]:
            return self.step(options)
        for name in ("clients", "workers", "depot_days", "vans", "capacity", "max_requests"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        if options["max_seconds"] <= 0:
            raise CommandError("--max-seconds must be positive.")
        try:
            url = stress_database_url(
                requested=options["database_url"], environment_url=os.environ.get("DATABASE_URL")
            )
            scale = [int(w) for w in options["scale"].split(",") if w.strip()] or [options["workers"]]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if database_name(url) == str(settings.DATABASES["default"]["NAME"]):
            raise CommandError(f"Refusing {url}: that is this project's own database; the run drops it.")
        if any(w < 1 for w in scale):
            raise CommandError("--scale takes positive worker counts, e.g. 1,2,4.")

        if options["storm"]:
            return self.storm(options, url)
        runs = []
        for workers in scale:
            run_options = self.run_options(options, workers)
            runs.append(
                stress_run(
                    options=run_options,
                    database_url=url,
                    progress=None if options["no_progress"] else self.progress_bar(workers, options),
                )
            )
            self.close_bar()
        result = runs[0] if len(runs) == 1 else scaling_summary(runs)
        self.stdout.write(json.dumps(result, default=str))

    def run_options(self, options, workers: int) -> RunOptions:
        return RunOptions(
            clients=options["clients"],
            workers=workers,
            depot_days=options["depot_days"],
            vans=options["vans"],
            capacity=options["capacity"],
            max_requests=options["max_requests"],
            max_seconds=options["max_seconds"],
            release_share=options["release_share"],
            cancel_share=options["cancel_share"],
            seed=options["seed"],
            keep_database=options["keep_database"],
            cache_url=default_cache_url() if options["cache_url"] is None else options["cache_url"],
        )

    def storm(self, options, url: str) -> None:
        if (
            options["storm_multiple"] <= 0
            or options["storm_seconds"] <= 0
            or options["storm_clients"] < 1
            or not 0 < options["storm_headroom"] <= 1
        ):
            raise CommandError(
                "--storm-multiple and --storm-seconds must be positive, --storm-clients at least 1, "
                "--storm-headroom in (0, 1]."
            )
        run_options = self.run_options(options, options["workers"])
        measured = None
        rate = options["storm_rate"]
        if rate <= 0:
            measured = stress_run(
                options=run_options,
                database_url=url,
                progress=None if options["no_progress"] else self.progress_bar(options["workers"], options),
            )
            self.close_bar()
            rate = round(measured["holds_per_second"] * options["storm_headroom"], 1)
            if rate <= 0:
                raise CommandError("The measuring run made no holds; give --storm-rate.")
        storm = StormOptions(
            rate=rate,
            multiple=options["storm_multiple"],
            burst_seconds=options["storm_seconds"],
            clients=options["storm_clients"],
        )
        result = storm_run(options=run_options, storm=storm, database_url=url)
        if measured is not None:
            result["measured"] = {
                name: measured[name]
                for name in (
                    "holds_per_second",
                    "requests_per_second",
                    "http_5xx",
                    "overbookings",
                    "latency_ms",
                )
            }
            result["measured"]["headroom"] = options["storm_headroom"]
        self.stdout.write(json.dumps(result, default=str))
        missing = options["storm_clients"] - result.get("clients_reported", 0)
        if missing > 0:
            # Their visitors are missing from every figure, and their bookings count as lost.
            raise CommandError(
                f"{missing} of {options['storm_clients']} storm clients never reported: the figures above"
                f" are incomplete (see {result.get('server_log', 'the server log')})."
            )

    def step(self, options):
        if options["step"] == "prepare":
            world = world_prepare(
                depot_days=options["depot_days"], vans=options["vans"], capacity=options["capacity"]
            )
            self.stdout.write(json.dumps(world.as_dict()))
        else:
            self.stdout.write(json.dumps(world_check(), default=str))

    _bar = None

    def progress_bar(self, workers: int, options):
        from tqdm import tqdm

        self._bar = tqdm(
            total=options["max_requests"],
            desc=f"stress w={workers}",
            unit="req",
            file=sys.stderr,
            dynamic_ncols=True,
            mininterval=0.5,
        )

        def update(requests: int, holds: int) -> None:
            self._bar.n = requests
            self._bar.set_postfix(holds=holds, refresh=False)
            self._bar.refresh()

        return update

    def close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
