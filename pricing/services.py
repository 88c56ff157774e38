"""Writes to incentive rules: a published version is never edited, it is replaced."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max

from greenslot.errors import Conflict

from .models import IncentiveRuleSet, RuleSetStatus

# The terms a new draft copies from the version it starts from.
TERM_FIELDS = (
    "currency",
    "base_fee",
    "cost_passthrough",
    "width_discount_per_hour",
    "width_discount_max",
    "consolidation_max_km",
    "consolidation_discount",
    "green_max_grams",
    "green_relative",
    "floor",
    "cap",
    "rounding_step",
)


def _lock_retailer_rule_sets(*, retailer_id: int) -> list[IncentiveRuleSet]:
    # All of a retailer's versions, locked in id order, so two publishers queue instead of racing.
    return list(IncentiveRuleSet.objects.select_for_update().filter(retailer_id=retailer_id).order_by("id"))


def rule_set_publish(*, rule_set: IncentiveRuleSet, now: dt.datetime) -> IncentiveRuleSet:
    """Publish a draft in place of the retailer's published version, which is retired."""
    with transaction.atomic():
        versions = {
            version.pk: version for version in _lock_retailer_rule_sets(retailer_id=rule_set.retailer_id)
        }
        current = versions.get(rule_set.pk)
        if current is None or current.status != RuleSetStatus.DRAFT:
            status = current.status if current else "missing"
            raise Conflict(
                "rule_set_not_draft",
                f"Only a draft can be published; version {rule_set.version} is {status}.",
            )
        IncentiveRuleSet.objects.filter(
            retailer_id=rule_set.retailer_id, status=RuleSetStatus.PUBLISHED
        ).update(status=RuleSetStatus.RETIRED)
        IncentiveRuleSet.objects.filter(pk=rule_set.pk, status=RuleSetStatus.DRAFT).update(
            status=RuleSetStatus.PUBLISHED, published_at=now
        )
    rule_set.refresh_from_db(fields=["status", "published_at"])
    return rule_set


def rule_set_draft_from(*, rule_set: IncentiveRuleSet, created_by=None) -> IncentiveRuleSet:
    """A new draft with the next version number and the same terms, to edit and publish later."""
    with transaction.atomic():
        _lock_retailer_rule_sets(retailer_id=rule_set.retailer_id)
        latest = IncentiveRuleSet.objects.filter(retailer_id=rule_set.retailer_id).aggregate(
            v=Max("version")
        )["v"]
        draft = IncentiveRuleSet(
            retailer_id=rule_set.retailer_id,
            version=(latest or 0) + 1,
            status=RuleSetStatus.DRAFT,
            name=rule_set.name,
            created_by=created_by,
            **{name: getattr(rule_set, name) for name in TERM_FIELDS},
        )
        draft.full_clean()
        draft.save()
    return draft
