"""Staff dashboards: what the incentive rules do, per depot, and the what-if replay of a rule version."""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from booking.services.rule_replay import rule_set_replay
from fleet.models import Depot, DepotDay
from greenslot import clock
from pricing.models import IncentiveRuleSet, RuleSetStatus
from pricing.replay import BASELINE_TOLERANCE

from ..pages import depot_dashboard, replay_charts
from ..selectors import dashboard_range, day_footprint

MAX_DAYS = 62
REPLAY_DAYS = (7, 14, 28, 56)


def _date(value: str | None, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Http404("Not a date.") from exc


@staff_member_required
def dashboard_index(request):
    depots = Depot.objects.order_by("code")
    rule_sets = (
        IncentiveRuleSet.objects.exclude(status=RuleSetStatus.RETIRED)
        .select_related("retailer", "depot")
        .order_by("retailer__name", "-version")
    )
    return render(request, "dashboards/index.html", {"depots": depots, "rule_sets": rule_sets})


@staff_member_required
def depot_detail(request, depot_code: str):
    depot = get_object_or_404(Depot, code=depot_code)
    now = clock.now()
    default_first, default_last = dashboard_range(depot=depot, today=timezone.localtime(now, depot.tz).date())
    first = _date(request.GET.get("from"), default_first)
    last = _date(request.GET.get("to"), default_last)
    if last < first:
        first, last = last, first
    last = min(last, first + dt.timedelta(days=MAX_DAYS - 1))
    page = depot_dashboard(depot=depot, first=first, last=last, now=now)
    return render(
        request,
        "dashboards/depot.html",
        {"page": page, "depot": depot, "depots": Depot.objects.order_by("code")},
    )


@staff_member_required
def depot_day_emissions(request, depot_code: str, date: str):
    depot = get_object_or_404(Depot, code=depot_code)
    day = _date(date, None)
    depot_day = get_object_or_404(DepotDay, depot=depot, date=day)
    footprint = day_footprint(depot=depot, depot_day=depot_day, now=clock.now())
    return render(
        request, "dashboards/emissions.html", {"depot": depot, "footprint": footprint, "tz": depot.tz}
    )


@staff_member_required
def rule_set_replay_page(request, rule_set_id: int):
    if not (
        request.user.has_perm("pricing.view_incentiveruleset")
        or request.user.has_perm("pricing.change_incentiveruleset")
    ):
        raise PermissionDenied
    rule_set = get_object_or_404(IncentiveRuleSet.objects.select_related("retailer", "depot"), pk=rule_set_id)
    try:
        days = int(request.GET.get("days", 28))
    except ValueError:
        days = 28
    days = min(max(days, 1), 365)
    report = rule_set_replay(rule_set=rule_set, now=clock.now(), days=days)
    choices_chart, labels_chart = replay_charts(report)
    context = {
        "report": report,
        "rule_set": rule_set,
        "days": days,
        "day_choices": sorted({*REPLAY_DAYS, days}),
        "choices_chart": choices_chart,
        "labels_chart": labels_chart,
        "baseline_tolerance": round(100 * BASELINE_TOLERANCE),
    }
    return render(request, "dashboards/replay.html", context)
