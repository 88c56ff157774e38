"""Writes to incentive rules: a published version is never edited, it is replaced.

Every write records who did what in ``RuleSetChange``.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from greenslot import clock
from greenslot.errors import Conflict, InvalidInput

from .calculation import RuleTerms
from .choice import COEFFICIENTS
from .choice_fit import ChoiceFit
from .models import ChoiceModelFit, IncentiveRuleSet, RuleSetAction, RuleSetChange, RuleSetStatus
from .validation import terms_problems

# The terms a new draft copies from the version it starts from, and an admin may edit on a draft.
TERM_FIELDS = (
    "currency",
    "base_fee",
    "cost_passthrough",
    "width_discount_per_hour",
    "width_discount_max",
    "consolidation_by",
    "consolidation_max_km",
    "consolidation_radius_m",
    "consolidation_min_stops",
    "consolidation_discount",
    "peak_surcharges",
    "green_max_grams",
    "green_relative",
    "floor",
    "cap",
    "rounding_step",
    "free_delivery_threshold",
    # The retailer's objective (``pricing.calculation.OBJECTIVE_FIELDS``).
    "pricing_mode",
    "markup_mode",
    "markup",
    "reference_price",
    "basket_margin",
    "carbon_price_per_kg",
    "service_floor_price",
    "green_share_max",
)
EDITABLE_FIELDS = ("name", *TERM_FIELDS)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        from .calculation import PeakPeriod

        try:
            return "; ".join(PeakPeriod.from_record(r).describe() for r in value) or "none"
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return Decimal(str(old)) == Decimal(str(new))
        except ArithmeticError:
            return False
    return old == new


def terms_diff(*, old: IncentiveRuleSet | None, new: IncentiveRuleSet) -> dict[str, list[str]]:
    """``{field: [old, new]}`` for every editable field that differs (all of them when no ``old``)."""
    diff = {}
    for name in EDITABLE_FIELDS:
        before = getattr(old, name) if old is not None else None
        after = getattr(new, name)
        if old is None or not _same(before, after):
            diff[name] = [_shown(before), _shown(after)]
    return diff


def rule_set_change_record(
    *, rule_set: IncentiveRuleSet, action: str, actor=None, now: dt.datetime, changes=None, note: str = ""
) -> RuleSetChange:
    return RuleSetChange.objects.create(
        rule_set=rule_set,
        at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "get_username", lambda: "")() if actor is not None else "",
        action=action,
        changes=changes or {},
        note=note[:300],
    )


def _lock_retailer_rule_sets(*, retailer_id: int) -> list[IncentiveRuleSet]:
    # All of a retailer's versions, locked in id order, so two publishers queue instead of racing.
    return list(IncentiveRuleSet.objects.select_for_update().filter(retailer_id=retailer_id).order_by("id"))


def _next_version(*, retailer_id: int) -> int:
    latest = IncentiveRuleSet.objects.filter(retailer_id=retailer_id).aggregate(v=Max("version"))["v"]
    return (latest or 0) + 1


def rule_set_problems(*, rule_set: IncentiveRuleSet) -> list[str]:
    """Why ``rule_set`` cannot be published (field errors first), or an empty list."""
    try:
        rule_set.full_clean(exclude=["retailer", "depot", "created_by"], validate_unique=False)
    except ValidationError as exc:
        return [f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()]
    try:
        terms = RuleTerms.from_rule_set(rule_set)
    except (TypeError, ValueError) as exc:
        return [str(exc)]
    return terms_problems(terms)


def _draft_create(
    *, retailer_id: int, depot_id: int | None, name: str, actor, now: dt.datetime, terms: dict, note: str = ""
) -> IncentiveRuleSet:
    """Save a draft with the retailer's next version number and record its creation."""
    with transaction.atomic():
        _lock_retailer_rule_sets(retailer_id=retailer_id)
        draft = IncentiveRuleSet(
            retailer_id=retailer_id,
            depot_id=depot_id,
            version=_next_version(retailer_id=retailer_id),
            status=RuleSetStatus.DRAFT,
            name=name,
            created_by=actor if getattr(actor, "pk", None) else None,
            **terms,
        )
        draft.full_clean()
        draft.save()
        rule_set_change_record(
            rule_set=draft,
            action=RuleSetAction.CREATED,
            actor=actor,
            now=now,
            changes={} if note else terms_diff(old=None, new=draft),
            note=note,
        )
    return draft


def rule_set_create(
    *, retailer, depot=None, actor=None, now: dt.datetime | None = None, name: str = "", **terms: Any
) -> IncentiveRuleSet:
    """A new draft with the retailer's next version number and ``terms`` (model defaults otherwise)."""
    unknown = set(terms) - set(TERM_FIELDS)
    if unknown:
        raise InvalidInput("unknown_terms", f"Unknown terms: {', '.join(sorted(unknown))}.")
    return _draft_create(
        retailer_id=retailer.pk,
        depot_id=getattr(depot, "pk", None),
        name=name,
        actor=actor,
        now=now or clock.now(),
        terms=terms,
    )


def rule_set_draft_from(
    *, rule_set: IncentiveRuleSet, created_by=None, now: dt.datetime | None = None
) -> IncentiveRuleSet:
    """A new draft with the next version number and the same scope and terms, to edit and publish later."""
    return _draft_create(
        retailer_id=rule_set.retailer_id,
        depot_id=rule_set.depot_id,
        name=rule_set.name,
        actor=created_by,
        now=now or clock.now(),
        terms={name: getattr(rule_set, name) for name in TERM_FIELDS},
        note=f"Copied from version {rule_set.version}.",
    )


def rule_set_update(
    *, rule_set: IncentiveRuleSet, changes: dict[str, Any], actor=None, now: dt.datetime | None = None
) -> IncentiveRuleSet:
    """Change a draft's terms and record what changed. Published and retired versions are refused."""
    now = now or clock.now()
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput("unknown_terms", f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        current = IncentiveRuleSet.objects.select_for_update().get(pk=rule_set.pk)
        if current.status != RuleSetStatus.DRAFT:
            raise Conflict(
                "rule_set_not_draft",
                f"Only a draft can be edited; version {current.version} is {current.status}.",
            )
        before = IncentiveRuleSet(**{name: getattr(current, name) for name in EDITABLE_FIELDS})
        for name, value in changes.items():
            setattr(current, name, value)
        current.full_clean()
        diff = terms_diff(old=before, new=current)
        if diff:
            current.save(update_fields=list(diff))
            rule_set_change_record(
                rule_set=current, action=RuleSetAction.EDITED, actor=actor, now=now, changes=diff
            )
    for name in EDITABLE_FIELDS:
        setattr(rule_set, name, getattr(current, name))
    return rule_set


def rule_set_publish(*, rule_set: IncentiveRuleSet, now: dt.datetime, actor=None) -> IncentiveRuleSet:
    """Publish a draft in place of the published version of the same scope, which is retired.

    Refuses (409 ``rule_set_invalid``) terms that are valid one by one but not together, such as a
    cap that is not a multiple of the rounding step (``pricing.validation``).
    """
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
        problems = rule_set_problems(rule_set=current)
        if problems:
            raise Conflict(
                "rule_set_invalid",
                f"Version {current.version} cannot be published: {' '.join(problems)}",
                details={"problems": problems},
            )
        replaced = [
            v
            for v in versions.values()
            if v.status == RuleSetStatus.PUBLISHED and v.depot_id == current.depot_id
        ]
        IncentiveRuleSet.objects.filter(pk__in=[v.pk for v in replaced]).update(status=RuleSetStatus.RETIRED)
        IncentiveRuleSet.objects.filter(pk=current.pk, status=RuleSetStatus.DRAFT).update(
            status=RuleSetStatus.PUBLISHED, published_at=now
        )
        old = replaced[0] if replaced else None
        rule_set_change_record(
            rule_set=current,
            action=RuleSetAction.PUBLISHED,
            actor=actor,
            now=now,
            changes=terms_diff(old=old, new=current),
            note=f"Replaces version {old.version}." if old else "First published version in its scope.",
        )
        for version in replaced:
            rule_set_change_record(
                rule_set=version,
                action=RuleSetAction.RETIRED,
                actor=actor,
                now=now,
                note=f"Replaced by version {current.version}.",
            )
    rule_set.refresh_from_db(fields=["status", "published_at"])
    return rule_set


def choice_model_fit_record(
    *, retailer_id: int, fit: ChoiceFit, since: dt.date | None, now: dt.datetime
) -> ChoiceModelFit:
    """Keep one ``fit_choice`` run; the retailer's latest with enough data is the model in use."""
    return ChoiceModelFit.objects.create(
        retailer_id=retailer_id,
        fitted_at=now,
        since=since,
        offers=fit.offers,
        bookings=fit.bookings,
        converged=fit.converged,
        log_likelihood=fit.log_likelihood,
        enough_data=fit.enough_data,
        reasons=list(fit.reasons),
        coefficients=fit.coefficients,
        standard_errors={name: _json_float(se) for name, se in fit.standard_errors.items()},
        model={name: getattr(fit.model, name) for name in COEFFICIENTS},
    )


def _json_float(value: float) -> float | None:
    return value if math.isfinite(value) else None
