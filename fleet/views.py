"""Staff pages for the route plan."""

import datetime as dt

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from greenslot import clock

from .maps import route_map
from .models import Depot, DepotDay
from .selectors import plan_view


def zone_rings(depot: Depot) -> list:
    rings = []
    for zone in depot.zones.filter(is_active=True):
        geometry = zone.polygon
        polygons = (
            geometry["coordinates"] if geometry.get("type") == "MultiPolygon" else [geometry["coordinates"]]
        )
        rings.extend(polygon[0] for polygon in polygons)
    return rings


@staff_member_required
def plan_detail(request, depot_code: str, date: str):
    depot = get_object_or_404(Depot, code=depot_code)
    try:
        day = dt.date.fromisoformat(date)
    except ValueError as exc:
        raise Http404("Not a date.") from exc
    now = clock.now()
    plan = plan_view(depot=depot, date=day, now=now)
    days = DepotDay.objects.filter(depot=depot).order_by("date").values_list("date", flat=True)
    context = {
        "depot": depot,
        "date": day,
        "plan": plan,
        "days": list(days),
        "map": route_map(plan, zone_rings=zone_rings(depot)) if plan else None,
        "tz": depot.tz,
    }
    return render(request, "fleet/plan.html", context)


@staff_member_required
def plan_index(request):
    depots = Depot.objects.prefetch_related("days").order_by("code")
    return render(
        request, "fleet/plan_index.html", {"depots": depots, "today": timezone.localdate(clock.now())}
    )
