"""Reads of incentive rules."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.db.models import JSONField, OuterRef, Q, QuerySet, Subquery

from greenslot.errors import Conflict

from .choice import COEFFICIENTS, DEFAULT_CHOICE_MODEL, ChoiceModel
from .models import ChoiceModelFit, IncentiveRuleSet, RuleSetChange, RuleSetStatus


def rule_set_for_depot(
    *, retailer, depot, with_depot: bool = True, with_choice_fit: bool = False
) -> IncentiveRuleSet | None:
    """The published rules pricing ``retailer``'s offers at ``depot``: the depot's own, else the
    retailer-wide ones; ``None`` if neither is published. One query (with the rule set's depot
    unless ``with_depot`` is false; with ``fitted_choice_model`` if ``with_choice_fit``)."""
    # At most one published version per scope (a constraint), so no ordering is needed.
    candidates = IncentiveRuleSet.objects.filter(
        Q(depot=depot) | Q(depot__isnull=True), retailer=retailer, status=RuleSetStatus.PUBLISHED
    ).order_by()
    if with_depot:
        candidates = candidates.select_related("depot")
    if with_choice_fit:
        latest_fit = _usable_fits(OuterRef("retailer_id")).values("model")[:1]
        candidates = candidates.annotate(fitted_choice_model=Subquery(latest_fit, output_field=JSONField()))
    by_scope = {rule_set.depot_id: rule_set for rule_set in candidates}
    return by_scope.get(getattr(depot, "pk", depot)) or by_scope.get(None)


def rule_set_for_offer(*, retailer, depot) -> IncentiveRuleSet:
    """``rule_set_for_depot``, or 409 ``pricing_not_configured`` when nothing is published.

    Without the rule set's depot: an offer needs only the terms and the row to refer to. In the
    same query, ``fitted_choice_model`` (the stored model of the retailer's latest fit with enough
    data, ``None`` without one): ``choice_model_of_rule_set`` reads it.
    """
    rule_set = rule_set_for_depot(retailer=retailer, depot=depot, with_depot=False, with_choice_fit=True)
    if rule_set is None:
        raise Conflict(
            "pricing_not_configured",
            "This retailer has no published incentive rules; an admin must publish some.",
        )
    return rule_set


def rule_set_published_in_scope(*, rule_set: IncentiveRuleSet) -> IncentiveRuleSet | None:
    """The published version that publishing ``rule_set`` would retire (same retailer and depot)."""
    return (
        IncentiveRuleSet.objects.filter(
            retailer_id=rule_set.retailer_id, depot_id=rule_set.depot_id, status=RuleSetStatus.PUBLISHED
        )
        .exclude(pk=rule_set.pk)
        .first()
    )


def rule_set_history(*, rule_set: IncentiveRuleSet) -> QuerySet[RuleSetChange]:
    return rule_set.changes.select_related("actor").order_by("-at", "-id")


@dataclass(frozen=True)
class ChoiceModelInUse:
    """The shopper model the replay and the logit markup use, and where it comes from: the
    retailer's latest fit with enough data (``fit``), else the documented prior (``fit`` None;
    ``latest`` is then the latest fit, if any, that was not good enough)."""

    model: ChoiceModel
    fit: ChoiceModelFit | None
    latest: ChoiceModelFit | None = None

    @property
    def source(self) -> str:
        return "fitted" if self.fit is not None else "prior"

    @property
    def description(self) -> str:
        if self.fit is not None:
            return (
                f"fitted on {self.fit.fitted_at:%Y-%m-%d %H:%M} from {self.fit.offers} offers and"
                f" {self.fit.bookings} bookings"
            )
        text = "the documented prior (pricing.choice.DEFAULT_CHOICE_MODEL)"
        if self.latest is not None:
            text += f"; the latest fit ({self.latest.fitted_at:%Y-%m-%d}) is not used: " + "; ".join(
                self.latest.reasons
            )
        else:
            text += "; no fit yet (python manage.py fit_choice)"
        return text


def _usable_fits(retailer_id) -> QuerySet[ChoiceModelFit]:
    """``retailer_id``'s fits with enough data, latest first."""
    return ChoiceModelFit.objects.filter(retailer_id=retailer_id, enough_data=True).order_by(
        "-fitted_at", "-id"
    )


def _stored_model(stored: dict) -> ChoiceModel:
    """The ``ChoiceModel`` a fit stored (its ``model`` field) over the prior."""
    values = {name: float(value) for name, value in stored.items() if name in COEFFICIENTS}
    return dataclasses.replace(DEFAULT_CHOICE_MODEL, **values)


def choice_model_for_retailer(*, retailer_id: int) -> ChoiceModelInUse:
    """The choice model for ``retailer_id``'s replay and markups (at most two queries)."""
    fit = _usable_fits(retailer_id).first()
    if fit is None:
        latest = ChoiceModelFit.objects.filter(retailer_id=retailer_id).order_by("-fitted_at", "-id").first()
        return ChoiceModelInUse(model=DEFAULT_CHOICE_MODEL, fit=None, latest=latest)
    return ChoiceModelInUse(model=_stored_model(fit.model), fit=fit)


def choice_model_of_rule_set(rule_set: IncentiveRuleSet) -> ChoiceModel:
    """The choice model an offer priced by ``rule_set`` assumes: the fit ``rule_set_for_offer``
    read with it (the retailer's latest with enough data), else the documented prior."""
    stored = getattr(rule_set, "fitted_choice_model", None)
    return _stored_model(stored) if stored else DEFAULT_CHOICE_MODEL
