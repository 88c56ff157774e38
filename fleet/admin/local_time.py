"""Depot-local time in the admin: every time an operator reads or types is in the depot's own zone,
and says so ("09:00 (Europe/Amsterdam)").

A change page activates its depot's zone while it reads the form and renders it, so a typed 09:00
means 09:00 there (08:00 UTC in winter, 07:00 in summer). An add page that does not know its depot
yet uses the one zone all depots share; the posted depot decides once it is chosen. Lists show each
row's times in its own depot's zone, labelled, so no list mixes UTC and local times.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import zoneinfo

from django.contrib.admin import widgets
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from fleet.models import Depot

UNKNOWN_ZONE = "the depot's time zone"

# The zone the page being rendered labels its time fields with (set by ``depot_time``).
_zone_label: contextvars.ContextVar[str | None] = contextvars.ContextVar("admin_zone_label", default=None)


def zone_label() -> str:
    return _zone_label.get() or timezone.get_current_timezone_name()


def common_zone() -> zoneinfo.ZoneInfo | None:
    """The one time zone every depot is in, or None when they differ (or there is no depot)."""
    zones = set(Depot.objects.values_list("time_zone", flat=True).distinct()[:2])
    return zoneinfo.ZoneInfo(zones.pop()) if len(zones) == 1 else None


@contextlib.contextmanager
def depot_time(tz: zoneinfo.ZoneInfo | None):
    """Read and show times in ``tz`` (None: the zone is not known yet, the fields say so)."""
    token = _zone_label.set(tz.key if tz else UNKNOWN_ZONE)
    try:
        with timezone.override(tz) if tz else contextlib.nullcontext():
            yield
    finally:
        _zone_label.reset(token)


class LocalSplitDateTime(widgets.AdminSplitDateTime):
    """A date and a time, the time labelled with the zone it is read in."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["time_label"] = f"Time ({zone_label()}):"
        return context


class LocalTimeWidget(widgets.AdminTimeWidget):
    """A wall-clock time of the depot, labelled with its zone."""

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        return format_html('{} <span class="timezone-label">({})</span>', field, zone_label())


LOCAL_TIME_WIDGETS = {
    models.DateTimeField: {"widget": LocalSplitDateTime},
    models.TimeField: {"widget": LocalTimeWidget},
}


def zone_suffix(zone: str) -> str:
    """`` (Europe/Amsterdam)``, or nothing on a page whose heading already names that zone (a list
    of depots that share it says so once, not on every row)."""
    return "" if _zone_label.get() == zone else f" ({zone})"


def at_local(value: dt.datetime | None, tz: zoneinfo.ZoneInfo, *, date: bool = True) -> str:
    """An instant as the depot's wall clock shows it: ``Wed 2 Dec 2026 09:00 (Europe/Amsterdam)``."""
    if value is None:
        return "-"
    local = value.astimezone(tz)
    shown = f"{local:%a} {local.day} {local:%b %Y %H:%M}" if date else f"{local:%H:%M}"
    return f"{shown}{zone_suffix(tz.key)}"


def span_local(start: dt.datetime, end: dt.datetime, tz: zoneinfo.ZoneInfo, *, date: bool = True) -> str:
    """Two instants of one day: ``Wed 2 Dec 2026 09:00–17:00 (Europe/Amsterdam)``."""
    first, last = start.astimezone(tz), end.astimezone(tz)
    day = f"{first:%a} {first.day} {first:%b %Y} " if date else ""
    return f"{day}{first:%H:%M}–{last:%H:%M}{zone_suffix(tz.key)}"


def hours_label(start: dt.time, end: dt.time, zone: str) -> str:
    """Wall-clock hours of a depot: ``09:00–17:00 (Europe/Amsterdam)``."""
    return f"{start:%H:%M}–{end:%H:%M}{zone_suffix(zone)}"


class DepotLocalTimeMixin:
    """Show and read a depot's times in its own time zone, as its managers think of them.

    ``depot_of`` names the depot of the page (from the object, or the add form's posted or
    pre-filled choice); without one, the zone all depots share.
    """

    formfield_overrides = LOCAL_TIME_WIDGETS

    def depot_of(self, request, object_id) -> Depot | None:
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        depot = self.depot_of(request, object_id)
        tz = depot.tz if depot is not None else common_zone()
        if tz is None:
            subtitle = "Times in the chosen depot's time zone"
        else:
            subtitle = f"Times in {tz.key}" + (f" ({depot.code})" if depot is not None else "")
        extra_context = {**(extra_context or {}), "subtitle": subtitle}
        with depot_time(tz):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # A TemplateResponse renders lazily; render it while the depot's zone is active.
            if getattr(response, "is_rendered", True) is False:
                response.render()
        return response

    def changelist_view(self, request, extra_context=None):
        # Rows carry their own depot's zone (see ``at_local``); with one zone for all depots the
        # date filters and drill-down follow it too.
        tz = common_zone()
        if tz is not None:
            extra_context = {**(extra_context or {}), "subtitle": f"Times in {tz.key}"}
        with depot_time(tz):
            response = super().changelist_view(request, extra_context)
            if getattr(response, "is_rendered", True) is False:
                response.render()
        return response


def posted_or_given(request, name: str) -> str | None:
    """An add form's choice of ``name``: as posted, or pre-filled from the query string."""
    value = request.POST.get(name) if request.method == "POST" else request.GET.get(name)
    return value if value and str(value).isdigit() else None
