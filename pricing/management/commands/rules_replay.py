"""``python manage.py rules_replay``: the what-if replay on the command line; prints JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from booking.services.rule_replay import rule_set_replay
from greenslot import clock
from pricing.choice import COEFFICIENTS
from pricing.models import IncentiveRuleSet
from pricing.replay import BASELINE_TOLERANCE


class Command(BaseCommand):
    help = "Replay recorded offers under a rule version and under the published rules (logit choice model)."

    def add_arguments(self, parser):
        parser.add_argument("retailer", help="Retailer slug.")
        parser.add_argument("version", type=int)
        parser.add_argument("--days", type=int, default=28, help="Recorded demand of the last N days.")

    def handle(self, *args, retailer, version, days, **options):
        try:
            rule_set = IncentiveRuleSet.objects.select_related("retailer", "depot").get(
                retailer__slug=retailer, version=version
            )
        except IncentiveRuleSet.DoesNotExist as exc:
            raise CommandError(f"No version {version} for retailer {retailer!r}.") from exc
        report = rule_set_replay(rule_set=rule_set, now=clock.now(), days=days)
        metrics = {
            m.name: {
                "recorded": _round(m.recorded, m.decimals),
                "published": _round(m.published, m.decimals),
                f"v{version}": _round(m.draft, m.decimals),
                "change": _round(m.change, m.decimals),
                "change_pct": _round(m.change_pct, 1),
            }
            for m in report.metrics
        }
        shares = {
            name: {
                "published": round(report.published.share_of_offers(name), 3),
                f"v{version}": round(report.draft.share_of_offers(name), 3),
            }
            for name in report.published.by_width
        }
        self.stdout.write(
            json.dumps(
                {
                    "published_versions": list(report.published_versions),
                    "version": version,
                    "skipped": report.skipped,
                    "truncated": report.truncated,
                    "metrics": metrics,
                    "choice_shares": shares,
                    "choice_model": {
                        "source": report.choice_source,
                        "description": report.choice_description,
                        "coefficients": {
                            name: round(getattr(report.coefficients, name), 4) for name in COEFFICIENTS
                        },
                    },
                    "profit_basis": report.profit_basis,
                    "baseline": {
                        "tolerance_pct": round(100 * BASELINE_TOLERANCE, 1),
                        "agrees": report.baseline_agrees,
                        "misses": report.baseline_misses,
                        "gaps": {
                            gap.name: {
                                "recorded": _round(gap.recorded, 3),
                                "modelled": _round(gap.modelled, 3),
                                "gap_pct": _round(gap.gap_pct, 1),
                            }
                            for gap in report.baseline_gaps
                        },
                        "notes": report.baseline_notes,
                    },
                }
            )
        )


def _round(value, decimals):
    return None if value is None else round(value, decimals)
