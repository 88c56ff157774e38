"""The plan audit over every depot-day: its routes (``fleet.audit``) and its bookings against the
stops they occupy. Independent of the insertion code, so tests and the stress run can count
overbookings with it.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from fleet.audit import route_violations, stop_takes_capacity
from fleet.models import DepotDay, Stop
from routing.travel import TravelModel

from .models import Booking, BookingStatus


def plan_violations(*, now: dt.datetime) -> list[str]:
    """Every problem found at ``now``, as messages; an empty list means every plan is sound."""
    problems: list[str] = []
    model = TravelModel()
    for depot_day in DepotDay.objects.select_related("depot").order_by("id"):
        problems += route_violations(depot_day=depot_day, now=now, model=model)
        problems += booking_violations(depot_day=depot_day, now=now)
    return problems


def booking_violations(*, depot_day: DepotDay, now: dt.datetime) -> list[str]:
    """Every live booking has its own stop in its own window; nothing else occupies a route."""
    problems: list[str] = []
    live = Booking.objects.filter(depot_day=depot_day).filter(
        Q(status=BookingStatus.CONFIRMED) | Q(status=BookingStatus.HELD, hold_expires_at__gt=now)
    )
    live_stop_ids = set()
    for booking in live.select_related("stop"):
        stop = booking.stop
        if stop is None:
            problems.append(f"live booking {booking.id} ({booking.status}) has no stop")
            continue
        live_stop_ids.add(stop.id)
        if (stop.window_start, stop.window_end) != (booking.window_start, booking.window_end):
            problems.append(f"booking {booking.id}: stop window differs from booked window")
        if booking.status == BookingStatus.CONFIRMED and stop.expires_at is not None:
            problems.append(f"confirmed booking {booking.id}: its stop still expires")
    counted = set(
        Stop.objects.filter(depot_day=depot_day)
        .filter(stop_takes_capacity(now=now))
        .values_list("id", flat=True)
    )
    if counted != live_stop_ids:
        problems.append(
            f"{depot_day}: stops counted {sorted(counted - live_stop_ids)} without a live booking, "
            f"live bookings missing stops {sorted(live_stop_ids - counted)}"
        )
    return problems
