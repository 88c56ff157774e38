"""The "city-1500" world of DESIGN.md §8, built fast in a database of its own.

One depot in the Utrecht demo zone, a fleet of identical vans on 07:00–21:00 shifts, the 23
demo windows a day, and ``stops_per_day`` booked stops on each day. The stops are *planned* by
the engine in memory, as bookings would plan them (each at its cheapest feasible insertion in a
window the shopper picks among the feasible ones), and then written with ``bulk_create``: going
through ``hold_create`` ten thousand times would take minutes and measure something else.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import dj_database_url
import numpy as np
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from shapely.geometry import shape
from shapely.prepared import prep
from tqdm import tqdm

from booking.models import Booking, BookingStatus, Offer, WindowTemplate
from emissions.models import EmissionFactor
from fleet.adapter import compile_plan, local_moment, plan_cache
from fleet.models import Depot, DepotDay, ServiceZone, Shift, Stop, Vehicle, VehicleType
from lab.demo import city as demo_city
from pricing.models import IncentiveRuleSet, RuleSetStatus
from routing.checker import check_plan
from routing.insertion import evaluate_insertion
from routing.plan import insert_visit, route_schedule
from routing.problem import StopSpec
from tenants.models import Retailer

DEPOT_CODE = "city"
SHIFT_HOURS = (dt.time(7), dt.time(21))
VANS_PER_1500_STOPS = 40
# 1,500 stops on 40 vans is 37.5 stops a van; parcels of 1-6 units (3.5 on average) need ~131.
VAN_CAPACITY = 160
BOOKED_PRICE = Decimal("4.95")


def vans_for(stops_per_day: int) -> int:
    """The fleet that keeps city-1500's stops per van (40 vans for 1,500 stops a day)."""
    return max(1, round(VANS_PER_1500_STOPS * stops_per_day / 1500))


def window_appeal(hours: float) -> float:
    """How often a pre-booked shopper picks a window of this width, relative to the others."""
    if hours <= 1:
        return 1.0
    if hours <= 2:
        return 0.7
    if hours <= 4:
        return 0.5
    return 0.6


@contextmanager
def bench_database(url: str):
    """Point Django's default connection at ``url`` for the duration, then restore it.

    The plan cache is keyed by depot-day id, which the two databases share, so it is emptied on
    the way in and out.
    """
    config = dj_database_url.parse(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # As greenslot/settings.py configures SQLite (writers queue instead of failing).
        config.setdefault("OPTIONS", {}).update(
            {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
        )
    saved_settings = connections.settings[DEFAULT_DB_ALIAS]
    saved_connection = connections[DEFAULT_DB_ALIAS]
    connections.settings[DEFAULT_DB_ALIAS] = connections.configure_settings({DEFAULT_DB_ALIAS: config})[
        DEFAULT_DB_ALIAS
    ]
    connections[DEFAULT_DB_ALIAS] = connections.create_connection(DEFAULT_DB_ALIAS)
    plan_cache.clear()
    try:
        call_command("migrate", verbosity=0, interactive=False)
        if Depot.objects.exists():
            raise RuntimeError(f"The benchmark needs an empty database; {url} already has depots.")
        yield
    finally:
        connections[DEFAULT_DB_ALIAS].close()
        connections.settings[DEFAULT_DB_ALIAS] = saved_settings
        connections[DEFAULT_DB_ALIAS] = saved_connection
        plan_cache.clear()


@dataclass(frozen=True)
class City:
    depot: Depot
    retailer: Retailer
    dates: tuple[dt.date, ...]
    vans: int
    stops_per_day: int
    placed: int  # stops planned over all days
    unplaced: int  # shoppers for whom no window of their day was feasible
    windows_per_day: int


@cache
def _zone_and_centres():
    return prep(shape(demo_city.SERVICE_ZONE)), tuple(a for a in demo_city.DEMO_ADDRESSES if a.inside_zone)


def random_address(rng: random.Random) -> tuple[float, float]:
    """A shopper's address in the zone, scattered around the demo city's neighbourhoods (degrees)."""
    zone, centres = _zone_and_centres()
    _, lat, lon = demo_city.demand_point(rng, zone=zone, centres=centres)
    return lat, lon


def city_build(
    *, stops_per_day: int, days: int, vans: int, seed: int, now: dt.datetime, progress: bool
) -> City:
    """Create the fleet, windows and shifts of ``days`` days from tomorrow, and plan their stops."""
    with transaction.atomic():
        retailer = demo_city.demo_retailer_ensure(now=now)
        depot = Depot.objects.create(
            code=DEPOT_CODE,
            name="City-1500 depot",
            time_zone=demo_city.DEPOT_TIME_ZONE,
            lat=demo_city.DEPOT_LAT,
            lon=demo_city.DEPOT_LON,
            circuity=demo_city.DEPOT_CIRCUITY,
        )
        ServiceZone.objects.create(depot=depot, name="City", polygon=demo_city.SERVICE_ZONE)
        van = VehicleType.objects.create(
            name="City van",
            capacity_units=VAN_CAPACITY,
            max_speed_kmh=80,
            cost_per_km=Decimal("0.35"),
            cost_per_hour=Decimal("28"),
            cost_per_route=Decimal("15"),
            emission_factor=EmissionFactor.objects.get(code=demo_city.DIESEL_VAN.emission_factor),
        )
        vehicles = Vehicle.objects.bulk_create(
            Vehicle(depot=depot, vehicle_type=van, name=f"Van {number + 1:03d}") for number in range(vans)
        )
        WindowTemplate.objects.bulk_create(
            WindowTemplate(depot=depot, start_time=w.start, end_time=w.end, cutoff_minutes=w.cutoff_minutes)
            for w in demo_city.WINDOWS
        )
        first = timezone.localtime(now, depot.tz).date() + dt.timedelta(days=1)
        dates = tuple(first + dt.timedelta(days=offset) for offset in range(days))
        for date in dates:
            depot_day = DepotDay.objects.create(depot=depot, date=date, version=1)
            Shift.objects.bulk_create(
                Shift(
                    depot_day=depot_day,
                    vehicle=vehicle,
                    start=local_moment(depot, date, SHIFT_HOURS[0]),
                    end=local_moment(depot, date, SHIFT_HOURS[1]),
                )
                for vehicle in vehicles
            )
    templates = list(WindowTemplate.objects.filter(depot=depot).order_by("start_time", "end_time"))
    city = City(depot, retailer, dates, vans, stops_per_day, 0, 0, len(templates))
    placed = unplaced = 0
    with tqdm(
        total=stops_per_day * days, desc="Planning stops", unit="stop", file=sys.stderr, disable=not progress
    ) as bar:
        for date in dates:
            rng = random.Random(f"{seed}-{date.isoformat()}")
            day_placed = day_plan(city=city, date=date, templates=templates, rng=rng, now=now, bar=bar)
            placed += day_placed
            unplaced += stops_per_day - day_placed
    return City(depot, retailer, dates, vans, stops_per_day, placed, unplaced, len(templates))


def day_plan(*, city: City, date: dt.date, templates, rng: random.Random, now: dt.datetime, bar) -> int:
    """Plan one day's shoppers in memory, then write their stops and bookings. Returns stops placed."""
    depot = city.depot
    depot_day = DepotDay.objects.get(depot=depot, date=date)
    compiled = compile_plan(depot=depot, depot_day=depot_day, date=date, now=now)
    plan = compiled.plan
    early = np.array([compiled.seconds(local_moment(depot, date, t.start_time)) for t in templates])
    late = np.array([compiled.seconds(local_moment(depot, date, t.end_time)) for t in templates])
    appeal = [window_appeal((int(b) - int(a)) / 3600) for a, b in zip(early, late, strict=True)]
    specs: list[StopSpec] = []
    for _ in range(city.stops_per_day):
        lat, lon = random_address(rng)
        size, service = rng.randint(1, 6), 60 * rng.randint(2, 5)
        insertion = evaluate_insertion(
            plan, lat=lat, lon=lon, service=service, demand=size, window_early=early, window_late=late
        )
        bar.update(1)
        feasible = np.flatnonzero(insertion.feasible).tolist()
        if not feasible:
            continue
        k = rng.choices(feasible, weights=[appeal[i] for i in feasible])[0]
        stop = StopSpec(lat, lon, int(early[k]), int(late[k]), service, size, key=len(specs) + 1)
        plan = insert_visit(
            plan, stop=stop, route_index=int(insertion.route[k]), position=int(insertion.position[k])
        )
        specs.append(stop)
    violations = check_plan(plan)
    if violations:
        raise AssertionError(f"The planned city is infeasible: {violations[:3]}")
    stops_write(city=city, depot_day=depot_day, compiled=compiled, plan=plan, specs=specs, now=now)
    return len(specs)


def stops_write(*, city: City, depot_day: DepotDay, compiled, plan, specs, now: dt.datetime) -> None:
    """Stops in route order with their earliest planned starts, and a confirmed booking for each."""
    rows = []
    for index, route in enumerate(plan.routes):
        starts = route_schedule(plan, index).starts
        for sequence, (location, start) in enumerate(zip(route.visits, starts, strict=True)):
            spec = specs[location - 1]
            rows.append(
                Stop(
                    depot_day=depot_day,
                    shift_id=route.key,
                    sequence=sequence,
                    lat=spec.lat,
                    lon=spec.lon,
                    window_start=compiled.moment(spec.early),
                    window_end=compiled.moment(spec.late),
                    service_seconds=spec.service,
                    size_units=spec.demand,
                    planned_start=compiled.moment(int(start)),
                )
            )
    rules = IncentiveRuleSet.objects.filter(retailer=city.retailer, status=RuleSetStatus.PUBLISHED).first()
    with transaction.atomic():
        stops = Stop.objects.bulk_create(rows, batch_size=1000)
        # Bookings need an offer: one stands for the day's pre-booked demand.
        offer = Offer.objects.create(
            retailer=city.retailer,
            depot=city.depot,
            rule_set=rules,
            lat=city.depot.lat,
            lon=city.depot.lon,
            address={"label": "city-1500 pre-booked demand"},
            size_units=1,
            service_seconds=60,
            windows=[],
            created_at=now,
            expires_at=now,
        )
        Booking.objects.bulk_create(
            (
                Booking(
                    retailer=city.retailer,
                    offer=offer,
                    depot_day=depot_day,
                    stop=stop,
                    status=BookingStatus.CONFIRMED,
                    window_start=stop.window_start,
                    window_end=stop.window_end,
                    lat=stop.lat,
                    lon=stop.lon,
                    size_units=stop.size_units,
                    service_seconds=stop.service_seconds,
                    price_amount=BOOKED_PRICE,
                    currency=city.retailer.currency,
                    co2e_grams=0,
                    rule_version=rules.version,
                    hold_expires_at=now,
                    created_at=now,
                    confirmed_at=now,
                )
                for stop in stops
            ),
            batch_size=1000,
        )
        DepotDay.objects.filter(pk=depot_day.pk).update(version=2, updated_at=now)
