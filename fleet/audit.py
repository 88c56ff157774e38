"""The plan audit: every depot-day's routes checked from the database rows, independently of the
insertion code.

Routes are rebuilt from Shift and Stop rows and walked by ``routing.checker`` (plain Python, no
slack arrays). ``booking.audit`` adds the bookings' side (each live booking has its own stop); the
tests and the stress run call ``booking.audit.plan_violations``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from routing.checker import CheckedRoute, CheckedStop, check_routes
from routing.travel import TravelModel

from .adapter import shift_speed_kmh
from .models import DepotDay, Shift, Stop


def stop_takes_capacity(*, now: dt.datetime) -> Q:
    """A stop takes capacity at ``now`` if it is booked, or held by a hold that has not lapsed."""
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


def route_violations(*, depot_day: DepotDay, now: dt.datetime, model: TravelModel) -> list[str]:
    """What is wrong with ``depot_day``'s routes at ``now``: capacity, time windows, shift ends and
    repeated sequence numbers, as messages (empty when every route is feasible)."""
    problems: list[str] = []
    depot = depot_day.depot
    epoch = dt.datetime.combine(depot_day.date, dt.time(0), tzinfo=depot.tz)

    def seconds(moment: dt.datetime) -> int:
        return round(moment.timestamp() - epoch.timestamp())

    routes = []
    for shift in Shift.objects.filter(depot_day=depot_day).select_related("vehicle__vehicle_type"):
        vtype = shift.vehicle.vehicle_type
        # The travel model is shared on purpose; the route walk below is the checker's own.
        speed = shift_speed_kmh(
            model=model,
            start=shift.start,
            end=shift.end,
            tz=depot.tz,
            vehicle_max_kmh=vtype.max_speed_kmh,
        )
        stops = (
            Stop.objects.filter(shift=shift).filter(stop_takes_capacity(now=now)).order_by("sequence", "id")
        )
        sequences = [s.sequence for s in stops]
        if len(set(sequences)) != len(sequences):
            problems.append(f"shift {shift.id}: repeated sequence numbers {sequences}")
        routes.append(
            CheckedRoute(
                key=shift.id,
                capacity=vtype.capacity_units,
                start=seconds(shift.start),
                end=seconds(shift.end),
                speed_kmh=speed,
                stops=tuple(
                    CheckedStop(
                        key=s.id,
                        lat=s.lat,
                        lon=s.lon,
                        early=seconds(s.window_start),
                        late=seconds(s.window_end),
                        service=s.service_seconds,
                        demand=s.size_units,
                    )
                    for s in stops
                ),
            )
        )
    for violation in check_routes(
        depot_lat=depot.lat, depot_lon=depot.lon, circuity=depot.circuity, routes=routes
    ):
        problems.append(f"{depot_day}: {violation}")
    return problems
