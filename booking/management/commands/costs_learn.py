"""``python manage.py costs_learn``: learn what orders really added to past plans (per zone x width x
weekday, and the insertion weight) and the demand sold-out bands lost."""

import json

from django.core.management.base import BaseCommand, CommandError

from booking.services.cost_learning import LEARNING_DAYS, marginal_costs_learn, marginal_costs_learn_all
from fleet.models import Depot
from greenslot import clock


class Command(BaseCommand):
    help = (
        "Learn each depot's average realised marginal cost of an order (per service zone, window width "
        "and weekday) from its plans of past days, and its insertion weight from the orders sold on "
        "them, for the expected cost of offers priced by three costs; and how often offers found each "
        "weekday's hour bands sold out, for the demand forecast. Replaces what the depot learned before "
        "(running it twice changes nothing); prints JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--depot", metavar="CODE", help="Only this depot (default: all).")
        parser.add_argument(
            "--days",
            type=int,
            default=LEARNING_DAYS,
            help=f"Past days to learn from (default {LEARNING_DAYS}).",
        )

    def handle(self, *args, depot, days, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        now = clock.now()
        if depot is not None:
            found = Depot.objects.filter(code=depot).first()
            if found is None:
                raise CommandError(f"No depot with code {depot!r}.")
            learned = [marginal_costs_learn(depot=found, now=now, days=days)]
        else:
            learned = marginal_costs_learn_all(now=now, days=days)
        self.stdout.write(json.dumps({"depots": [learning.as_dict() for learning in learned]}))
