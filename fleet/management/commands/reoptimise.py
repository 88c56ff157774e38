"""``python manage.py reoptimise``: re-solve depot-day plans in this process, one after the other."""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from fleet.models import Depot
from fleet.reoptimisation import IMPROVED, depot_day_reoptimise, depot_days_to_reoptimise
from fleet.tasks import reoptimisation_seconds
from greenslot import clock


class Command(BaseCommand):
    help = (
        "Re-optimise depot-day plans with PyVRP (in this process, no worker needed) and print each "
        "day's cost and km before and after. Default: every depot-day from today on."
    )

    def add_arguments(self, parser):
        parser.add_argument("--depot", metavar="CODE", help="Only this depot (default: all).")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD", help="Only this date.")
        which.add_argument(
            "--all-future", action="store_true", help="Every depot-day from today on (the default)."
        )
        budget = parser.add_mutually_exclusive_group()
        budget.add_argument(
            "--seconds", type=float, help="PyVRP time per depot-day (default GREENSLOT['REOPT_SECONDS'])."
        )
        budget.add_argument(
            "--iterations", type=int, help="PyVRP iterations per depot-day (reproducible with --seed)."
        )
        parser.add_argument("--seed", type=int, default=0, help="PyVRP's random seed (default 0).")

    def handle(self, *args, depot, date, seconds, iterations, seed, verbosity, **options):
        if depot is not None and not Depot.objects.filter(code=depot).exists():
            raise CommandError(f"No depot with code {depot!r}.")
        if (seconds is not None and seconds <= 0) or (iterations is not None and iterations <= 0):
            raise CommandError("--seconds and --iterations must be positive.")
        budget = (
            {"max_iterations": iterations}
            if iterations is not None
            else {"max_runtime": seconds or reoptimisation_seconds()}
        )
        days = depot_days_to_reoptimise(now=clock.now(), depot_code=depot, date=date)
        if not days:
            self.stdout.write("No depot-day with stops to re-optimise.")
            return
        improved = 0
        saved = 0.0
        with tqdm(
            days, desc="Re-optimising", unit="depot-day", file=sys.stderr, disable=verbosity == 0
        ) as bar:
            for depot_day in bar:
                outcome = depot_day_reoptimise(depot_day_id=depot_day.id, seed=seed, **budget)
                improved += outcome.status == IMPROVED
                saved += outcome.cost_before - outcome.cost_after
                with bar.external_write_mode():
                    self.stdout.write(outcome_line(depot_day, outcome))
        self.stdout.write(f"{improved} of {len(days)} depot-days improved; cost saved {saved:.2f}.")


def outcome_line(depot_day, outcome) -> str:
    change = (outcome.cost_after - outcome.cost_before) / outcome.cost_before if outcome.cost_before else 0.0
    return (
        f"{depot_day.depot.code} {depot_day.date.isoformat()}: {outcome.status:<11} {outcome.stops:>5} stops"
        f"  cost {outcome.cost_before:.2f} -> {outcome.cost_after:.2f} ({change:+.1%})"
        f"  km {outcome.metres_before / 1000:.1f} -> {outcome.metres_after / 1000:.1f}"
        f"  v{outcome.version_before} -> v{outcome.version_after}  {outcome.seconds:.1f} s"
    )
