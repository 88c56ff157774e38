"""A depot's day at a glance, for the operator watching a busy morning: per window, what is booked,
held and still for sale and how many shoppers found it full; per vehicle, its load and hours.

**Still for sale** is the engine's own answer (``booking.services.offers.evaluate_day``, the code
every offer runs) for a *probe order*: one size unit, ``PROBE_SERVICE_MINUTES`` of service, at a
point inside the depot's first active zone. The plan cannot say how many more orders a window takes
without knowing where they are, so the board gives that yes/no and, beside it, the **spare units**
of the vehicles working during the window (capacity less load): an upper bound, not a promise.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from shapely.geometry import shape

from booking.models import Booking, BookingStatus, Offer
from booking.services.day_windows import window_templates
from booking.services.offers import REASON_FULL, ParcelInput, evaluate_day
from fleet.adapter import local_midnight, plan_cache, travel_backend_guard
from fleet.models import Depot, DepotDay, ServiceZone
from fleet.selectors import PlannedRoute, plan_view

from .selectors import WindowKey

PROBE_SIZE_UNITS = 1
PROBE_SERVICE_MINUTES = 5

# What a window that is not on sale says to the operator.
REASON_TEXT = {
    REASON_FULL: "full",
    "cutoff_passed": "closed (cut-off passed)",
    "no_shift": "no van working",
}


@dataclass(frozen=True)
class BoardWindow:
    key: WindowKey
    booked: int
    held: int
    on_sale: bool
    reason: str
    spare_units: int
    shoppers_turned_away: int

    @property
    def status_text(self) -> str:
        return "on sale" if self.on_sale else REASON_TEXT.get(self.reason, self.reason or "not on sale")


@dataclass(frozen=True)
class BoardVehicle:
    route: PlannedRoute

    @property
    def shift_hours(self) -> float:
        return (self.route.shift_end - self.route.shift_start).total_seconds() / 3600

    @property
    def planned_hours(self) -> float:
        """From leaving the depot to being back, hours; 0 for a van without stops."""
        if not self.route.stops:
            return 0.0
        return (self.route.return_time - self.route.shift_start).total_seconds() / 3600


@dataclass(frozen=True)
class DayBoard:
    depot: Depot
    date: dt.date
    at: dt.datetime
    version: int | None
    windows: tuple[BoardWindow, ...]
    vehicles: tuple[BoardVehicle, ...]
    probe_point: tuple[float, float]
    offers: int

    @property
    def booked(self) -> int:
        return sum(w.booked for w in self.windows)

    @property
    def held(self) -> int:
        return sum(w.held for w in self.windows)


def probe_point(depot: Depot) -> tuple[float, float]:
    """(lat, lon) of a point inside the depot's first active zone; the depot itself without one."""
    zone = ServiceZone.objects.filter(depot=depot, is_active=True).order_by("id").first()
    if zone is None:
        return depot.lat, depot.lon
    point = shape(zone.polygon).representative_point()
    return point.y, point.x


def shoppers_turned_away(*, depot: Depot, date: dt.date) -> tuple[Counter, int]:
    """Per window of ``date`` (by local start and end), the offers in which it was full; and how
    many offers showed ``date`` at all.

    The offers are read from those made up to the longest horizon before the day. Decoding every
    offer's windows (160+ records each) costs about 2 ms an offer, too slow for a board refreshed
    every 30 s, so where the database can (PostgreSQL's JSON containment) it finds the offers of
    the day and the few with a full window of the day itself, and only those are decoded.
    """
    day = date.isoformat()
    offers = Offer.objects.filter(
        depot=depot,
        created_at__gte=local_midnight(depot, date)
        - dt.timedelta(days=settings.GREENSLOT["MAX_HORIZON_DAYS"] + 1),
        created_at__lt=local_midnight(depot, date + dt.timedelta(days=1)),
    ).order_by()
    turned_away: Counter = Counter()
    if connection.features.supports_json_field_contains:
        shown = offers.filter(windows__contains=[{"date": day}]).count()
        candidates = offers.filter(windows__contains=[{"date": day, "reason": REASON_FULL}])
    else:
        shown, candidates = None, offers
    showing = 0
    for records in candidates.values_list("windows", flat=True):
        ours = [record for record in records if record["date"] == day]
        showing += bool(ours)
        for record in ours:
            if not record["available"] and record["reason"] == REASON_FULL:
                turned_away[WindowKey(record["start"][11:16], record["end"][11:16])] += 1
    return turned_away, showing if shown is None else shown


def depot_day_board(*, depot: Depot, date: dt.date, now: dt.datetime) -> DayBoard:
    """The board of ``depot`` on the local ``date`` as it stands at ``now``."""
    tz = depot.tz
    depot_day = DepotDay.objects.filter(depot=depot, date=date).first()
    lat, lon = probe_point(depot)
    templates = window_templates(depot=depot)
    compiled = plan_cache.get(depot=depot, depot_day=depot_day, date=date, now=now)
    with travel_backend_guard():
        evaluated, _ = evaluate_day(
            compiled=compiled,
            depot=depot,
            date=date,
            templates=templates,
            lat=lat,
            lon=lon,
            parcel=ParcelInput(size_units=PROBE_SIZE_UNITS, service_minutes=PROBE_SERVICE_MINUTES),
            now=now,
        )
    booked: Counter = Counter()
    held: Counter = Counter()
    if depot_day is not None:
        rows = Booking.objects.filter(
            depot_day=depot_day, status__in=(BookingStatus.CONFIRMED, BookingStatus.HELD)
        ).values_list("status", "window_start", "window_end", "hold_expires_at")
        for status, start, end, expires in rows:
            key = WindowKey(f"{start.astimezone(tz):%H:%M}", f"{end.astimezone(tz):%H:%M}")
            if status == BookingStatus.CONFIRMED:
                booked[key] += 1
            elif expires > now:
                held[key] += 1
    turned_away, offers_for_day = shoppers_turned_away(depot=depot, date=date)
    plan = plan_view(depot=depot, date=date, now=now) if depot_day is not None else None
    routes = plan.routes if plan is not None else ()
    windows = []
    for window in evaluated.windows:
        key = WindowKey(f"{window.start:%H:%M}", f"{window.end:%H:%M}")
        spare = sum(
            max(route.capacity - route.load, 0)
            for route in routes
            if route.shift_start < window.end and route.shift_end > window.start
        )
        windows.append(
            BoardWindow(
                key=key,
                booked=booked[key],
                held=held[key],
                on_sale=window.available,
                reason=window.reason,
                spare_units=spare,
                shoppers_turned_away=turned_away[key],
            )
        )
    return DayBoard(
        depot=depot,
        date=date,
        at=now,
        version=depot_day.version if depot_day is not None else None,
        windows=tuple(windows),
        vehicles=tuple(BoardVehicle(route) for route in routes),
        probe_point=(lat, lon),
        offers=offers_for_day,
    )
