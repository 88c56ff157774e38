"""The depot-day plan as one retailer may see it.

A plan mixes every retailer's deliveries. The caller sees its own stops in full; another
retailer's stop shows only that the van is busy then: its window and a planned arrival truncated
to the quarter hour, with no id and no coordinates. The lengths of legs that touch such a stop
are withheld too: with the caller's own stops on both sides, two exact leg lengths would pin the
other retailer's customer to one of two points, and exact times would give the same away.

Anything that sums over a withheld leg is withheld with it, or the legs could be recovered by
subtraction: a route's ``total_metres`` is null once any of its legs is withheld, and the caller's
own stops after another retailer's stop show their planned arrival to the quarter hour as well
(an exact arrival minus the shift start and the shown legs would give the hidden legs' seconds).
"""

from __future__ import annotations

import datetime as dt

from fleet.models import Depot
from fleet.selectors import PlannedRoute, plan_view
from greenslot import clock
from greenslot.errors import NotFound
from tenants.models import Retailer

from ..models import Booking
from ..references import reference_display

FOREIGN_TIME_GRAIN = dt.timedelta(minutes=15)


def truncated(moment: dt.datetime, grain: dt.timedelta) -> dt.datetime:
    seconds = int(grain.total_seconds())
    return moment - dt.timedelta(seconds=int(moment.timestamp()) % seconds, microseconds=moment.microsecond)


def route_representation(route: PlannedRoute, *, own: dict[int, tuple[object, str]], tz) -> dict:
    stops, mine = [], []
    for stop in route.stops:
        window = {"start": stop.window_start.astimezone(tz), "end": stop.window_end.astimezone(tz)}
        booking = own.get(stop.stop_id)
        after_foreign = not all(mine)
        mine.append(booking is not None)
        if booking is not None:
            booking_id, reference = booking
            arrival = stop.planned_start
            if after_foreign:
                arrival = truncated(arrival, FOREIGN_TIME_GRAIN)
            stops.append(
                {
                    "booking_id": booking_id,
                    "booking_reference": reference_display(reference),
                    "lat": stop.lat,
                    "lon": stop.lon,
                    "window": window,
                    "planned_arrival": arrival.astimezone(tz),
                }
            )
        else:
            stops.append(
                {
                    "window": window,
                    "planned_arrival": truncated(stop.planned_start, FOREIGN_TIME_GRAIN).astimezone(tz),
                }
            )
    leg_metres = [s.leg_metres for s in route.stops] + [route.return_metres]
    leg_seconds = [s.leg_seconds for s in route.stops] + [route.return_seconds]
    legs, withheld = [], False
    for j, (metres, seconds) in enumerate(zip(leg_metres, leg_seconds, strict=True)):
        # Leg j runs from stop j - 1 (or the depot) to stop j (or the depot).
        touches_foreign = (j > 0 and not mine[j - 1]) or (j < len(mine) and not mine[j])
        withheld = withheld or touches_foreign
        legs.append(
            {"metres": None, "seconds": None} if touches_foreign else {"metres": metres, "seconds": seconds}
        )
    return {
        "vehicle": route.vehicle_name,
        "vehicle_type": route.vehicle_type,
        "shift": {"start": route.shift_start.astimezone(tz), "end": route.shift_end.astimezone(tz)},
        "stops": stops,
        "legs": legs,
        "total_metres": None if withheld else route.metres,
    }


def plan_for_retailer(
    *, retailer: Retailer, depot_code: str, date: dt.date, now: dt.datetime | None = None
) -> dict:
    """The depot-day's routes for ``retailer`` (see the module docstring); 404 for an unknown depot."""
    now = now or clock.now()
    depot = Depot.objects.filter(code=depot_code).first()
    if depot is None:
        raise NotFound("not_found", "No such depot.", details={"depot": depot_code})
    view = plan_view(depot=depot, date=date, now=now)
    if view is None:
        return {"depot": depot.code, "date": date, "version": 0, "routes": []}
    stop_ids = [stop.stop_id for route in view.routes for stop in route.stops]
    own = {
        stop_id: (booking_id, reference)
        for stop_id, booking_id, reference in Booking.objects.filter(
            retailer=retailer, stop_id__in=stop_ids
        ).values_list("stop_id", "id", "reference")
    }
    return {
        "depot": depot.code,
        "date": date,
        "version": view.version,
        "routes": [route_representation(route, own=own, tz=depot.tz) for route in view.routes],
    }
