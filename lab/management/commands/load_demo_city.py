"""``python manage.py load_demo_city``: the Utrecht demo, safe to run on every ``make demo``."""

import sys

from django.core.management.base import BaseCommand, CommandError

from lab.demo.city import BOOKINGS_PER_DAY, SEED, demo_city_load


class Command(BaseCommand):
    help = (
        "Load the Utrecht demo city (retailer, depot, fleet, shifts, windows) and pre-book the coming "
        "week's empty depot-days through the real offer/hold/confirm services. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bookings-per-day",
            type=int,
            default=BOOKINGS_PER_DAY,
            help=f"Simulated shoppers per depot-day to pre-book (default {BOOKINGS_PER_DAY}).",
        )
        parser.add_argument("--no-admin", action="store_true", help="Do not create the demo superuser.")
        parser.add_argument(
            "--seed", type=int, default=SEED, help=f"Random seed of the demand (default {SEED})."
        )

    def handle(self, *args, bookings_per_day: int, no_admin: bool, seed: int, verbosity: int, **options):
        if bookings_per_day < 0:
            raise CommandError("--bookings-per-day must be >= 0.")
        try:
            report = demo_city_load(
                bookings_per_day=bookings_per_day,
                admin=not no_admin,
                seed=seed,
                # The bar goes to stderr: only when a person watches it, never into a log file.
                progress=verbosity > 0 and sys.stderr.isatty(),
            )
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.summary())
