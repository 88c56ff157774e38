"""A deliberately bad but feasible plan, made through the real services, for re-optimisation tests.

Twelve shoppers book the all-day window (08:00-20:00) at points spread over the test zone; then
the plan is rearranged by hand: stops dealt round-robin to the three vans, each van zig-zagging
between the north and the south of the zone. Every window still holds (the day is long), but the
vans drive three times the distance they need, so any decent solver finds a cheaper plan.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from booking.services.holds import hold_confirm, hold_create
from booking.services.offers import offer_create
from fleet.adapter import compile_plan
from fleet.models import DepotDay, Stop
from fleet.services import depot_day_bump, depot_day_lock, routes_retime
from routing.plan import plan_cost
from tests.factories import World, make_world

# A 4 x 3 grid inside the 0.1° test square (depot at 52.10, 5.10).
POINTS = [(52.06 + 0.025 * row, 5.07 + 0.03 * col) for row in range(4) for col in range(3)]


def bad_plan_world(*, date: dt.date, now: dt.datetime) -> World:
    world = make_world(dates=[date], vehicles=3, capacity=20, windows=[(8, 20)])
    for number, point in enumerate(POINTS):
        book(world, now=now, date=date, point=point, ref=f"order-{number}")
    scramble(world, date=date, now=now)
    return world


def book(world: World, *, now: dt.datetime, date: dt.date, point: tuple[float, float], ref: str) -> None:
    offer = offer_create(
        retailer=world.retailer,
        lat=point[0],
        lon=point[1],
        size_units=1,
        service_minutes=3,
        from_date=date,
        days=1,
        now=now,
    )
    window = next(w for w in offer.days[0].windows if w.available)
    hold = hold_create(retailer=world.retailer, quote=window.quote, now=now)
    hold_confirm(retailer=world.retailer, booking_id=hold.id, external_ref=ref, now=now)


def scramble(world: World, *, date: dt.date, now: dt.datetime) -> None:
    """Deal the day's stops round-robin to the vans, alternating far north and far south."""
    with transaction.atomic():
        depot_day = depot_day_lock(depot=world.depot, date=date)
        stops = sorted(Stop.objects.filter(depot_day=depot_day), key=lambda s: (s.lat, s.lon, s.id))
        zigzag = [stop for pair in zip(stops, reversed(stops), strict=True) for stop in pair][: len(stops)]
        shifts = list(depot_day.shifts.order_by("id"))
        for number, stop in enumerate(zigzag):
            stop.shift = shifts[number % len(shifts)]
            stop.sequence = number // len(shifts)
        Stop.objects.bulk_update(zigzag, ["shift", "sequence"])
        routes_retime(depot_day=depot_day, shift_ids={s.id for s in shifts}, now=now)
        depot_day_bump(depot_day=depot_day)


def day_cost(world: World, *, date: dt.date, now: dt.datetime) -> float:
    """``plan_cost`` of the plan as the database has it now."""
    depot_day = DepotDay.objects.get(depot=world.depot, date=date)
    return plan_cost(compile_plan(depot=world.depot, depot_day=depot_day, date=date, now=now).plan)


def stop_windows() -> dict[int, tuple[dt.datetime, dt.datetime]]:
    return {s.id: (s.window_start, s.window_end) for s in Stop.objects.all()}
