"""Check every depot-day plan from the database rows, independently of the insertion code.

Routes are rebuilt from Shift and Stop rows and walked by ``routing.checker`` (plain Python,
no slack arrays); bookings are cross-checked against the stops they should (not) occupy.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from booking.models import Booking, BookingStatus
from fleet.adapter import shift_speed_kmh
from fleet.models import DepotDay, Shift, Stop
from routing.checker import CheckedRoute, CheckedStop, check_routes
from routing.travel import TravelModel


def plan_violations(*, now: dt.datetime) -> list[str]:
    problems: list[str] = []
    model = TravelModel()
    for depot_day in DepotDay.objects.select_related("depot").order_by("id"):
        depot = depot_day.depot
        epoch = dt.datetime.combine(depot_day.date, dt.time(0), tzinfo=depot.tz)

        def seconds(moment: dt.datetime, epoch=epoch) -> int:
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
                Stop.objects.filter(shift=shift)
                .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
                .order_by("sequence", "id")
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

        # Every live booking has its own stop in its own window; nothing else occupies a route.
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
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .values_list("id", flat=True)
        )
        if counted != live_stop_ids:
            problems.append(
                f"{depot_day}: stops counted {sorted(counted - live_stop_ids)} without a live booking, "
                f"live bookings missing stops {sorted(live_stop_ids - counted)}"
            )
    return problems
