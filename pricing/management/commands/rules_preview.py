"""``python manage.py rules_preview``: the admin preview on the command line (nothing is recorded)."""

import datetime as dt
import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from booking.services.rule_preview import offer_preview
from greenslot import clock
from greenslot.errors import GreenslotError
from pricing.models import IncentiveRuleSet


class Command(BaseCommand):
    help = "Price an example order under a rule version and under the published rules, side by side."

    def add_arguments(self, parser):
        parser.add_argument("retailer", help="Retailer slug.")
        parser.add_argument("version", type=int)
        parser.add_argument("--lat", type=float, required=True)
        parser.add_argument("--lon", type=float, required=True)
        parser.add_argument("--date", type=dt.date.fromisoformat, help="Delivery day (default tomorrow).")
        parser.add_argument("--days", type=int, default=1)
        parser.add_argument("--size-units", type=int, default=2)
        parser.add_argument("--service-minutes", type=int, default=3)
        parser.add_argument("--basket", type=Decimal, default=None)
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")

    def handle(
        self, *args, retailer, version, lat, lon, date, days, size_units, service_minutes, basket, **options
    ):
        try:
            rule_set = IncentiveRuleSet.objects.select_related("retailer", "depot").get(
                retailer__slug=retailer, version=version
            )
        except IncentiveRuleSet.DoesNotExist as exc:
            raise CommandError(f"No version {version} for retailer {retailer!r}.") from exc
        now = clock.now()
        try:
            preview = offer_preview(
                draft=rule_set,
                lat=lat,
                lon=lon,
                size_units=size_units,
                service_minutes=service_minutes,
                from_date=date or timezone.localdate(clock.now()) + dt.timedelta(days=1),
                days=days,
                basket_value=basket,
                now=now,
            )
        except GreenslotError as exc:
            raise CommandError(exc.message) from exc
        tz = preview.depot.tz
        rows = []
        for row in preview.rows:
            rows.append(
                {
                    "window": f"{row.start.astimezone(tz):%a %d %b %H:%M}-{row.end.astimezone(tz):%H:%M}",
                    "available": row.available,
                    "reason": row.reason,
                    "co2e_g": row.grams,
                    "published": _side(row.published),
                    f"v{version}": _side(row.draft),
                }
            )
        published = preview.published.version if preview.published else None
        if options["json"]:
            self.stdout.write(json.dumps({"published": published, "version": version, "windows": rows}))
            return
        self.stdout.write(f"{'window':<24} {'CO2e':>6}  {'published v' + str(published):<42} v{version}")
        for row in rows:
            if not row["available"]:
                self.stdout.write(f"{row['window']:<24} {'':>6}  not on sale: {row['reason']}")
                continue
            pub, new = row["published"], row[f"v{version}"]
            left = f"{pub['price']} {','.join(pub['labels'])}" if pub else "-"
            self.stdout.write(
                f"{row['window']:<24} {row['co2e_g']:>5}g  {left:<42} {new['price']} {','.join(new['labels'])}"
            )
        for problem in preview.problems:
            self.stdout.write(f"cannot publish: {problem}")


def _side(priced):
    if priced is None or priced.price is None:
        return None
    return {
        "price": str(priced.price.amount),
        "labels": list(priced.labels),
        "breakdown": priced.price.breakdown(),
    }
