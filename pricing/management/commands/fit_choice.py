"""``python manage.py fit_choice``: fit the shoppers' choice model from the recorded offers and bookings."""

import datetime as dt
import json
import math

from django.core.management.base import BaseCommand, CommandError

from booking.selectors import choice_records
from greenslot import clock
from pricing.choice import DEFAULT_CHOICE_MODEL
from pricing.choice_fit import FITTED, MIN_BOOKINGS, MIN_NO_PURCHASES, MIN_OFFERS, Z_PRICE, fit_choice_model
from pricing.selectors import choice_model_for_retailer
from pricing.services import choice_model_fit_record
from tenants.models import Retailer


class Command(BaseCommand):
    help = (
        "Fit a conditional logit (a no-purchase option, offers as choice sets) to every retailer's recorded "
        "offers and bookings, print the coefficients with standard errors and keep the fit. The replay and "
        f"the logit markup use it with enough data (>= {MIN_OFFERS} offers, >= {MIN_BOOKINGS} bookings, "
        f">= {MIN_NO_PURCHASES} offers without one, converged, price coefficient negative with z <= "
        f"-{Z_PRICE}), the documented prior otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retailer", help="Only this retailer (slug); default: every retailer with offers."
        )
        parser.add_argument(
            "--since", type=dt.date.fromisoformat, help="Only offers made on or after DATE (UTC)."
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="Print one JSON object on the last line."
        )
        parser.add_argument("--dry-run", action="store_true", help="Fit and print, but do not keep the fit.")

    def handle(self, *args, retailer=None, since=None, as_json=False, dry_run=False, **options):
        retailers = Retailer.objects.order_by("slug")
        if retailer:
            retailers = retailers.filter(slug=retailer)
            if not retailers.exists():
                raise CommandError(f"No retailer {retailer!r}.")
        else:
            retailers = retailers.filter(offers__isnull=False).distinct()
        now = clock.now()
        since_at = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC) if since else None
        report = {}
        for row in retailers:
            records = choice_records(retailer_id=row.id, since=since_at)
            fit = fit_choice_model(records.sets)
            if not dry_run:
                choice_model_fit_record(retailer_id=row.id, fit=fit, since=since, now=now)
            in_use = choice_model_for_retailer(retailer_id=row.id)
            report[row.slug] = {
                **fit.as_dict(),
                "unmatched_bookings": records.unmatched,
                "kept": not dry_run,
                "model_in_use": in_use.source,
                "model_in_use_description": in_use.description,
            }
            if not as_json:
                self.stdout.write(self.table(row.slug, fit, records.unmatched, in_use.description))
        if as_json:
            self.stdout.write(_dumps({"since": since.isoformat() if since else None, "retailers": report}))

    def table(self, slug, fit, unmatched, in_use) -> str:
        lines = [
            f"Choice model of {slug}: conditional logit over {fit.offers} offers "
            f"({fit.bookings} booked, {fit.no_purchases} without a booking"
            f"{f', {unmatched} bookings matching no window left out' if unmatched else ''})",
            f"{'coefficient':<15} {'estimate':>9} {'SE':>8} {'z':>7} {'prior':>7}",
        ]
        for name in FITTED:
            prior = getattr(DEFAULT_CHOICE_MODEL, name)
            if name in fit.coefficients:
                z = fit.z(name)
                lines.append(
                    f"{name:<15} {fit.coefficients[name]:>+9.3f} {fit.standard_errors[name]:>8.3f}"
                    f" {z if z is not None else math.nan:>+7.2f} {prior:>+7.2f}"
                )
            else:
                lines.append(f"{name:<15} {'not identified by the records: the prior':>26} {prior:>+7.2f}")
        if fit.log_likelihood is not None:
            lines.append(
                f"log-likelihood {fit.log_likelihood:.1f}; converged: {'yes' if fit.converged else 'no'}"
            )
        verdict = "enough data" if fit.enough_data else "not enough: " + "; ".join(fit.reasons)
        lines.append(f"Fit: {verdict}.")
        lines.append(f"Model in use: {in_use}.")
        return "\n".join(lines)


def _dumps(value) -> str:
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(value))
