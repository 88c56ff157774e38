"""``python manage.py roster_apply``: create the horizon's depot-days and shifts from the weekly rosters."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from fleet.models import Depot
from fleet.roster_services import roster_apply_all, roster_days_default
from greenslot import clock


class Command(BaseCommand):
    help = (
        "Create the depot-days and shifts that the weekly rosters (shift patterns and exceptions) give "
        "for the coming days, in each depot's own time zone. Keeps what exists (running it twice "
        "creates nothing); prints JSON {created, kept, refused}."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=roster_days_default(),
            help=f"Days from each depot's local today (default {roster_days_default()}, the longest horizon).",
        )
        parser.add_argument("--depot", metavar="CODE", help="Only this depot (default: all).")

    def handle(self, *args, days, depot, **options):
        if not 1 <= days <= 366:
            raise CommandError("--days must be a whole number from 1 to 366.")
        depots = list(Depot.objects.all())
        if depot is not None:
            depots = [d for d in depots if d.code == depot]
            if not depots:
                raise CommandError(f"No depot with code {depot!r}.")
        # A progress bar for a person at a terminal; nothing but the JSON for a script or a log.
        with tqdm(
            total=days * len(depots), desc="roster", unit="day", disable=not sys.stderr.isatty()
        ) as bar:
            applied = roster_apply_all(
                now=clock.now(), days=days, depots=depots, on_date=lambda _date: bar.update()
            )
        self.stdout.write(json.dumps(applied.as_dict()))
