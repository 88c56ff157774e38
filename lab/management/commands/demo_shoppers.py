"""``python manage.py demo_shoppers``: price-sensitive demo shoppers, to watch a rule version work."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from fleet.models import Depot, DepotDay
from lab.demo.city import DEPOT_CODE, RETAILER_SLUG
from lab.demo.shoppers import demo_shoppers_run
from tenants.models import Retailer


class Command(BaseCommand):
    help = (
        "Book the demo city through shoppers who choose by price, window width and the green label "
        "(the what-if replay's logit model), under the rules published now. Prints a JSON summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shoppers", type=int, default=60)
        parser.add_argument("--days", type=int, default=3, help="Spread them over the next N planned days.")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--retailer", default=RETAILER_SLUG)
        parser.add_argument("--depot", default=DEPOT_CODE)
        parser.add_argument(
            "--dry-run", action="store_true", help="Roll everything back: what these shoppers would do now."
        )

    def handle(self, *args, shoppers, days, seed, retailer, depot, dry_run, **options):
        try:
            retailer_row = Retailer.objects.get(slug=retailer)
            depot_row = Depot.objects.get(code=depot)
        except (Retailer.DoesNotExist, Depot.DoesNotExist) as exc:
            raise CommandError("Load the demo city first: python manage.py load_demo_city") from exc
        now = timezone.now()
        tomorrow = timezone.localtime(now, depot_row.tz).date() + dt.timedelta(days=1)
        dates = list(
            DepotDay.objects.filter(depot=depot_row, date__gte=tomorrow, shifts__isnull=False)
            .distinct()
            .order_by("date")
            .values_list("date", flat=True)[:days]
        )
        if not dates:
            raise CommandError("No planned days ahead; run python manage.py load_demo_city.")
        with transaction.atomic():
            run = demo_shoppers_run(
                retailer=retailer_row, depot=depot_row, dates=dates, shoppers=shoppers, seed=seed, now=now
            )
            transaction.set_rollback(dry_run)
        summary = {"dates": [d.isoformat() for d in dates], "dry_run": dry_run, **run.as_dict()}
        self.stdout.write(json.dumps(summary))
