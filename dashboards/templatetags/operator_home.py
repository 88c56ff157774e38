"""What the admin home lists besides links: the depots, for their checklist, day view and manifest."""

from django import template
from django.utils import timezone

from fleet.models import Depot
from greenslot import clock

register = template.Library()


@register.simple_tag
def operator_depots() -> list[tuple[Depot, str]]:
    """Each depot with its local date today (ISO), for links to its day view and manifest. One query."""
    now = clock.now()
    return [
        (depot, timezone.localtime(now, depot.tz).date().isoformat())
        for depot in Depot.objects.order_by("code")
    ]
