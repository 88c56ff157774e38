"""What-if replay of a draft rule set over the recorded offers of a period.

Fetch, then compute: the recorded offers and the bookings made from them are read here (they are
booking's rows), the published rules of each depot from pricing, and ``pricing.replay`` does the
rest without a query.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pricing.calculation import RuleTerms
from pricing.choice import ChoiceModel
from pricing.models import IncentiveRuleSet
from pricing.replay import RecordedCheck, RecordedOffer, ReplayReport, replay_totals
from pricing.selectors import choice_model_for_retailer, rule_set_for_depot
from pricing.windows import WindowCost

from ..models import Booking, Offer
from ..selectors import booked_windows


def recorded_offers(
    *, retailer_id: int, depot_id: int | None, since: dt.datetime, until: dt.datetime, limit: int
):
    """The recorded offers of the period (newest first, at most ``limit``) with their bookings."""
    offers = Offer.objects.filter(retailer_id=retailer_id, created_at__gte=since, created_at__lt=until)
    if depot_id is not None:
        offers = offers.filter(depot_id=depot_id)
    rows = list(offers.order_by("-created_at").values_list("id", "depot_id", "windows")[: limit + 1])
    truncated = len(rows) > limit
    rows = rows[:limit]
    booked = booked_windows(bookings=Booking.objects.filter(offer_id__in=[row[0] for row in rows]))
    result = []
    for offer_id, depot_id_, records in rows:
        windows = tuple(WindowCost.from_record(record) for record in records)
        basket = next((r.get("basket_value") for r in records if r.get("basket_value")), None)
        chosen = paid = grams = None
        if offer_id in booked:
            window = booked[offer_id]
            paid, grams = window.paid, window.grams
            chosen = next(
                (
                    i
                    for i, w in enumerate(windows)
                    if w.start == window.start and w.end == window.end and w.available
                ),
                None,
            )
        result.append(
            RecordedOffer(
                depot_id=depot_id_,
                windows=windows,
                basket_value=Decimal(basket) if basket else None,
                chosen=chosen,
                paid=paid if chosen is not None else None,
                chosen_grams=grams if chosen is not None else None,
            )
        )
    return result, truncated


def rule_set_replay(
    *,
    rule_set: IncentiveRuleSet,
    now: dt.datetime,
    days: int = 28,
    limit: int = 5_000,
    coefficients: ChoiceModel | None = None,
) -> ReplayReport:
    """Replay the last ``days`` of the retailer's recorded offers (only its depot's, for a depot
    draft) under ``rule_set`` and under the rules published now, offer by offer at its depot.

    The shoppers choose by ``coefficients``, by default the retailer's choice model in use (the
    fitted one with enough data, else the documented prior: ``choice_model_for_retailer``).
    """
    if coefficients is None:
        in_use = choice_model_for_retailer(retailer_id=rule_set.retailer_id)
        coefficients, source, description = in_use.model, in_use.source, in_use.description
    else:
        source, description = "given", "given by the caller"
    since, until = now - dt.timedelta(days=days), now
    offers, truncated = recorded_offers(
        retailer_id=rule_set.retailer_id, depot_id=rule_set.depot_id, since=since, until=until, limit=limit
    )
    draft = RuleTerms.from_rule_set(rule_set)
    published_by_depot: dict[int, IncentiveRuleSet | None] = {}
    for depot_id in {offer.depot_id for offer in offers}:
        published_by_depot[depot_id] = rule_set_for_depot(retailer=rule_set.retailer, depot=depot_id)
    terms_by_pk = {
        published.pk: RuleTerms.from_rule_set(published)
        for published in published_by_depot.values()
        if published is not None
    }

    def published_terms(depot_id: int) -> RuleTerms | None:
        published = published_by_depot.get(depot_id)
        return terms_by_pk[published.pk] if published is not None else None

    def draft_terms(depot_id: int) -> RuleTerms | None:
        published = published_by_depot.get(depot_id)
        # A retailer-wide draft does not reach a depot with rules of its own.
        if rule_set.depot_id is None and published is not None and published.depot_id is not None:
            return terms_by_pk[published.pk]
        return draft

    check = RecordedCheck()
    recorded, published, drafted, skipped = replay_totals(
        offers=offers,
        published_terms=published_terms,
        draft_terms=draft_terms,
        coefficients=coefficients,
        check=check,
    )
    versions = sorted({p.version for p in published_by_depot.values() if p is not None})
    return ReplayReport(
        rule_set=rule_set,
        since=since,
        until=until,
        published_versions=tuple(versions),
        recorded=recorded,
        published=published,
        draft=drafted,
        skipped=skipped,
        truncated=truncated,
        coefficients=coefficients,
        choice_source=source,
        choice_description=description,
        basket_margin=float(draft.basket_margin),
        check=check,
    )
