"""The demo city: Utrecht, one depot, a mixed fleet and a week of bookings made through the real services.

The data is module-level constants; the steps are plain functions that ``load_demo_city`` and the
tests call. Every step creates what is missing and leaves existing rows alone, so loading twice
leaves the same state and an admin's edits survive ``make demo``. Demand is only pre-booked on
depot-days that have no bookings yet, which lets the demo roll forward one day at a time.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.prepared import prep
from tqdm import tqdm

from booking.models import Booking, PresetAddress, WindowTemplate
from booking.services.holds import hold_confirm, hold_create
from booking.services.offers import REASON_FULL, WindowOffer, offer_create
from emissions.models import EmissionFactor
from fleet.models import Depot, DepotDay, ServiceZone, ShiftPattern, Vehicle, VehicleType
from fleet.roster_services import roster_apply
from greenslot.errors import Conflict
from pricing.default_terms import DEFAULT_OBJECTIVE
from pricing.models import IncentiveRuleSet, RuleSetStatus
from tenants.models import Retailer

from .places import (  # noqa: F401 (the demo city's data, re-exported for its users)
    BIKE_HOURS,
    CARGO_BIKE,
    DAY_APPEAL,
    DEMAND_SPREAD_M,
    DEMO_ADDRESSES,
    DEPOT_CIRCUITY,
    DEPOT_CODE,
    DEPOT_LAT,
    DEPOT_LON,
    DEPOT_NAME,
    DEPOT_TIME_ZONE,
    DIESEL_VAN,
    EARLY,
    ELECTRIC_VAN,
    FLEET,
    HORIZON_DAYS,
    LATE,
    NO_SHIFT_WEEKDAYS,
    SAMPLE_ADDRESS,
    SERVICE_ZONE,
    VEHICLE_TYPES,
    WINDOWS,
    ZONE_NAME,
    DemoAddress,
    DemoVehicle,
    DemoVehicleType,
    DemoWindow,
)

ACTOR = "demo-loader"
ROSTER_FROM = dt.date(2026, 1, 1)  # the first date of the demo fleet's weekly patterns
SEED = 2026
BOOKINGS_PER_DAY = 70

# ---------------------------------------------------------------------------------------------
# The retailer and the admin
# ---------------------------------------------------------------------------------------------

RETAILER_SLUG = "demo-grocer"
RETAILER_NAME = "Demo Grocer"
RETAILER_CURRENCY = "EUR"
DEFAULT_PORTS = (8000, 8001)


def retailer_origins(port: str | None = None) -> tuple[str, ...]:
    """The origins the demo checkout is served on: the default ports and the one ``make demo`` uses
    (``PORT=9000 make demo``), on 127.0.0.1 and localhost."""
    ports = list(DEFAULT_PORTS)
    chosen = port if port is not None else os.environ.get("PORT", "")
    if chosen.isdigit() and 0 < int(chosen) < 65536 and int(chosen) not in ports:
        ports.append(int(chosen))
    return tuple(f"http://{host}:{p}" for p in ports for host in ("127.0.0.1", "localhost"))


RULES_NAME = "Launch rules"

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "greenslot-demo"  # a demo credential, printed by `make demo`
ADMIN_EMAIL = "admin@example.com"


# ---------------------------------------------------------------------------------------------
# Setup steps
# ---------------------------------------------------------------------------------------------


def demo_retailer_ensure(*, now: dt.datetime) -> Retailer:
    """The demo retailer with a published rule set (version 1 unless it already has rules)."""
    origins = list(retailer_origins())
    retailer, created = Retailer.objects.get_or_create(
        slug=RETAILER_SLUG,
        defaults={"name": RETAILER_NAME, "currency": RETAILER_CURRENCY, "allowed_origins": origins},
    )
    missing = [origin for origin in origins if origin not in (retailer.allowed_origins or [])]
    if not created and missing:
        # A demo loaded before on another port: this port's checkout must work too.
        retailer.allowed_origins = [*(retailer.allowed_origins or []), *missing]
        retailer.save(update_fields=["allowed_origins"])
    if not IncentiveRuleSet.objects.filter(retailer=retailer).exists():
        # A new rule set's terms: priced by three costs, revenue-neutral at 7.00, a 6.00 basket
        # margin, carbon at 0.20 a kg, the cheapest window of each day at most 4.00, and green
        # labels on at most 30 % of a day's windows (``pricing.default_terms``, docs/incentives.md).
        IncentiveRuleSet.objects.create(
            retailer=retailer,
            version=1,
            status=RuleSetStatus.PUBLISHED,
            name=RULES_NAME,
            currency=retailer.currency,
            published_at=now,
            **DEFAULT_OBJECTIVE,
        )
    return retailer


def demo_presets_ensure(*, retailer: Retailer) -> None:
    """The demo addresses as the retailer's preset addresses on the shopper page, in their order."""
    for position, address in enumerate(DEMO_ADDRESSES):
        PresetAddress.objects.get_or_create(
            retailer=retailer,
            slug=address.slug,
            defaults={
                "label": address.label,
                "street": address.street,
                "lat": address.lat,
                "lon": address.lon,
                "position": position,
            },
        )


def demo_admin_ensure() -> bool:
    """Create the demo superuser unless a user of that name exists. Returns whether it was created."""
    user_model = get_user_model()
    if user_model.objects.filter(username=ADMIN_USERNAME).exists():
        return False
    user_model.objects.create_superuser(ADMIN_USERNAME, ADMIN_EMAIL, ADMIN_PASSWORD)
    return True


def demo_depot_ensure() -> Depot:
    depot, _ = Depot.objects.get_or_create(
        code=DEPOT_CODE,
        defaults={
            "name": DEPOT_NAME,
            "time_zone": DEPOT_TIME_ZONE,
            "lat": DEPOT_LAT,
            "lon": DEPOT_LON,
            "circuity": DEPOT_CIRCUITY,
        },
    )
    if not ServiceZone.objects.filter(depot=depot, name=ZONE_NAME).exists():
        zone = ServiceZone(depot=depot, name=ZONE_NAME, polygon=SERVICE_ZONE)
        zone.full_clean()
        zone.save()
    return depot


def demo_fleet_ensure(*, depot: Depot) -> dict[str, Vehicle]:
    """Vehicle types and vehicles by name. Raises if the emission factors were not migrated."""
    codes = {spec.emission_factor for spec in VEHICLE_TYPES}
    factors = {f.code: f for f in EmissionFactor.objects.filter(code__in=codes)}
    missing = sorted(codes - set(factors))
    if missing:
        raise LookupError(f"Emission factors {missing} are missing; run `python manage.py migrate` first.")
    types = {}
    for spec in VEHICLE_TYPES:
        types[spec.name], _ = VehicleType.objects.get_or_create(
            name=spec.name,
            defaults={
                "capacity_units": spec.capacity_units,
                "max_speed_kmh": spec.max_speed_kmh,
                "cost_per_km": spec.cost_per_km,
                "cost_per_hour": spec.cost_per_hour,
                "cost_per_route": spec.cost_per_route,
                "emission_factor": factors[spec.emission_factor],
            },
        )
    vehicles = {}
    for spec in FLEET:
        vehicles[spec.name], _ = Vehicle.objects.get_or_create(
            depot=depot, name=spec.name, defaults={"vehicle_type": types[spec.vehicle_type.name]}
        )
    return vehicles


def demo_windows_ensure(*, depot: Depot) -> None:
    for window in WINDOWS:
        WindowTemplate.objects.get_or_create(
            depot=depot,
            start_time=window.start,
            end_time=window.end,
            defaults={"cutoff_minutes": window.cutoff_minutes},
        )


def horizon_dates(*, depot: Depot, now: dt.datetime, days: int = HORIZON_DAYS) -> list[dt.date]:
    today = timezone.localtime(now, depot.tz).date()
    return [today + dt.timedelta(days=offset) for offset in range(days)]


def demo_roster_ensure(*, vehicles: dict[str, Vehicle]) -> int:
    """Give every vehicle of the fleet its weekly pattern (every day but ``NO_SHIFT_WEEKDAYS``, its
    spec's local hours), unless it has a pattern already; returns the patterns created."""
    weekdays = [day for day in range(1, 8) if day not in NO_SHIFT_WEEKDAYS]
    created = 0
    for spec in FLEET:
        vehicle = vehicles[spec.name]
        if vehicle.shift_patterns.exists():
            continue
        start, end = spec.shift
        pattern = ShiftPattern(
            vehicle=vehicle, weekdays=weekdays, start_time=start, end_time=end, valid_from=ROSTER_FROM
        )
        pattern.full_clean()
        pattern.save()
        created += 1
    return created


def demo_shifts_ensure(*, depot: Depot, vehicles: dict[str, Vehicle], dates: list[dt.date]) -> int:
    """Make ``dates``' depot-days and shifts from the weekly roster, as ``roster_apply`` does.

    Returns the number of shifts created; a vehicle that has its shift on a day keeps it. The roster
    reads hours on the depot's wall clock, so a 07:00 shift is 07:00 on both sides of a DST change.
    """
    demo_roster_ensure(vehicles=vehicles)
    return roster_apply(depot=depot, dates=dates).created_shifts


# ---------------------------------------------------------------------------------------------
# Demand: simulated shoppers booking through offer -> hold -> confirm
# ---------------------------------------------------------------------------------------------


def open_share(*, depot: Depot, date: dt.date, templates: list[WindowTemplate], now: dt.datetime) -> float:
    """The share of ``date``'s windows whose cut-off is still ahead of ``now`` (0 to 1)."""
    running = [t for t in templates if t.runs_on(date.isoweekday())]
    if not running:
        return 0.0
    tz = depot.tz
    still_open = sum(
        now < dt.datetime.combine(date, t.start_time, tzinfo=tz) - dt.timedelta(minutes=t.cutoff_minutes)
        for t in running
    )
    return still_open / len(running)


def prebook_dates(*, depot: Depot, dates: list[dt.date], now: dt.datetime) -> dict[dt.date, float]:
    """The dates to pre-book, each with the share of its windows still open at ``now``.

    A date qualifies when it has shifts, no booking of any status yet, and a window still open.
    """
    with_shifts = set(
        DepotDay.objects.filter(depot=depot, date__in=dates, shifts__isnull=False).values_list(
            "date", flat=True
        )
    )
    booked = set(
        Booking.objects.filter(depot_day__depot=depot, depot_day__date__in=dates).values_list(
            "depot_day__date", flat=True
        )
    )
    templates = list(WindowTemplate.objects.filter(depot=depot, is_active=True))
    shares = {}
    for date in sorted(with_shifts - booked):
        share = open_share(depot=depot, date=date, templates=templates, now=now)
        if share > 0:
            shares[date] = share
    return shares


def shoppers_for(*, date: dt.date, open_fraction: float, bookings_per_day: int) -> int:
    """How many shoppers want ``date``: more on Saturdays, fewer when part of the day has closed.

    Demand for a day arrives over the days before it; what would have come before its cut-offs
    passed is not simulated. A day with a window open gets at least one shopper, so every
    pre-booked day ends up with a booking and a second run leaves it alone.
    """
    if bookings_per_day <= 0 or open_fraction <= 0:
        return 0
    wanted = bookings_per_day * DAY_APPEAL.get(date.isoweekday(), 1.0) * open_fraction
    return max(1, round(wanted))


def demand_point(
    rng: random.Random, *, zone, centres: tuple[DemoAddress, ...]
) -> tuple[DemoAddress, float, float]:
    """A random delivery address: Gaussian around a random neighbourhood centre, inside the zone."""
    while True:
        centre = rng.choice(centres)
        lat = centre.lat + rng.gauss(0.0, DEMAND_SPREAD_M) / 111_320.0
        lon = centre.lon + rng.gauss(0.0, DEMAND_SPREAD_M) / (111_320.0 * math.cos(math.radians(centre.lat)))
        if zone.covers(Point(lon, lat)):
            return centre, round(lat, 6), round(lon, 6)


def window_appeal(window: WindowOffer) -> float:
    """How much a simulated shopper likes a window of the day they want (relative weight).

    Evening one-hour windows (after work) are popular, so they fill first; wide windows are the
    fallback.
    """
    hours = (window.end - window.start).total_seconds() / 3600
    start_hour = window.start.hour  # local: offers build windows in the depot's zone
    if hours <= 1:
        return 4.0 if start_hour >= 17 else 1.0
    if hours <= 2:
        return 1.5 if start_hour >= 16 else 0.6
    if hours <= 4:
        return 0.5
    return 0.8


# What became of one simulated shopper.
BOOKED = "booked"
NO_WINDOW = "no_window"
CONFLICT = "conflict"


@dataclass
class PrebookResult:
    shoppers: int = 0
    per_day: Counter = field(default_factory=Counter)
    no_window: int = 0  # shoppers who found every window of their day full or closed, and left
    conflicts: int = 0  # holds refused after the offer said yes: stays 0 in one process

    @property
    def bookings(self) -> int:
        return sum(self.per_day.values())


def demand_prebook(
    *,
    retailer: Retailer,
    depot: Depot,
    dates: dict[dt.date, float],
    bookings_per_day: int,
    seed: int,
    clock: Callable[[], dt.datetime],
    progress: bool = False,
) -> PrebookResult:
    """Simulate the shoppers of each date (``shoppers_for``), each booking one window of that date.

    Every shopper asks for an offer for their day, draws one of its available windows by
    ``window_appeal``, holds it and confirms it, at ``clock()``: the real now in the demo, so the
    cut-offs are those a shopper would meet. Each date has its own random stream (from ``seed``
    and the date), so a day's demand is the same whichever other days are loaded with it.
    """
    result = PrebookResult()
    plan = {
        date: shoppers_for(date=date, open_fraction=share, bookings_per_day=bookings_per_day)
        for date, share in dates.items()
    }
    if not any(plan.values()):
        return result
    zone = prep(shape(ServiceZone.objects.get(depot=depot, name=ZONE_NAME).polygon))
    centres = tuple(a for a in DEMO_ADDRESSES if a.inside_zone)
    with tqdm(
        total=sum(plan.values()), desc="Pre-booking", unit="shopper", file=sys.stderr, disable=not progress
    ) as bar:
        for date, shoppers in plan.items():
            rng = random.Random(f"{seed}-{date.isoformat()}")
            for number in range(shoppers):
                outcome = shopper_book(
                    retailer=retailer,
                    date=date,
                    number=number,
                    rng=rng,
                    zone=zone,
                    centres=centres,
                    clock=clock,
                )
                result.shoppers += 1
                if outcome == BOOKED:
                    result.per_day[date] += 1
                elif outcome == NO_WINDOW:
                    result.no_window += 1
                else:
                    result.conflicts += 1
                bar.update(1)
                bar.set_postfix(booked=result.bookings, refresh=False)
    return result


def shopper_book(
    *,
    retailer: Retailer,
    date: dt.date,
    number: int,
    rng: random.Random,
    zone,
    centres: tuple[DemoAddress, ...],
    clock: Callable[[], dt.datetime],
) -> str:
    """One shopper: offer, choice, hold, confirm. Returns ``BOOKED``, ``NO_WINDOW`` (every window of
    the day full or closed) or ``CONFLICT`` (the hold was refused although the offer had the window)."""
    centre, lat, lon = demand_point(rng, zone=zone, centres=centres)
    size_units, service_minutes = rng.randint(1, 6), rng.randint(2, 5)
    offer = offer_create(
        retailer=retailer,
        lat=lat,
        lon=lon,
        size_units=size_units,
        service_minutes=service_minutes,
        address={"label": f"Demo shopper near {centre.label}", "neighbourhood": centre.slug},
        from_date=date,
        days=1,
        now=clock(),
    )
    windows = [w for day in offer.days for w in day.windows if w.available]
    if not windows:
        return NO_WINDOW
    chosen = rng.choices(windows, weights=[window_appeal(w) for w in windows])[0]
    try:
        hold = hold_create(retailer=retailer, quote=chosen.quote, now=clock(), actor=ACTOR)
    except Conflict:
        return CONFLICT
    hold_confirm(
        retailer=retailer,
        booking_id=hold.id,
        external_ref=f"demo-{date:%Y%m%d}-{number:03d}-{hold.reference}",  # one order each, load after load
        idempotency_key=f"demo-loader-{hold.id}",
        now=clock(),
        actor=ACTOR,
    )
    return BOOKED


def window_reasons(
    *, retailer: Retailer, address: DemoAddress, now: dt.datetime, days: int = HORIZON_DAYS
) -> Counter:
    """Why the windows of the horizon are unavailable for ``address``, as the shopper page would see
    it (a 2-unit, 3-minute parcel). Counts reasons; nothing is recorded: the offer is rolled back."""
    with transaction.atomic():
        offer = offer_create(
            retailer=retailer,
            lat=address.lat,
            lon=address.lon,
            size_units=2,
            service_minutes=3,
            days=days,
            now=now,
        )
        transaction.set_rollback(True)
    return Counter(w.reason for day in offer.days for w in day.windows if not w.available)


# ---------------------------------------------------------------------------------------------
# The whole load
# ---------------------------------------------------------------------------------------------


@dataclass
class DemoLoadReport:
    dates: list[dt.date]
    shifts_created: int
    admin_created: bool
    prebook: PrebookResult
    sample_reasons: Counter
    seconds: float

    @property
    def full_windows(self) -> int:
        return self.sample_reasons.get(REASON_FULL, 0)

    def summary(self) -> str:
        per_day = ", ".join(
            f"{date:%a %d %b} {self.prebook.per_day[date]}" for date in sorted(self.prebook.per_day)
        )
        return (
            f"Demo city loaded: {self.prebook.bookings} bookings made"
            f" ({per_day or 'no depot-day needed pre-booking'})"
            f"{f', {self.prebook.no_window} shoppers found no window' if self.prebook.no_window else ''}"
            f"{f', {self.prebook.conflicts} holds refused' if self.prebook.conflicts else ''};"
            f" {self.full_windows} windows full for {SAMPLE_ADDRESS.label} over {len(self.dates)} days;"
            f" {self.seconds:.1f} s."
        )


def demo_city_load(
    *,
    bookings_per_day: int = BOOKINGS_PER_DAY,
    admin: bool = True,
    seed: int = SEED,
    clock: Callable[[], dt.datetime] = timezone.now,
    progress: bool = False,
) -> DemoLoadReport:
    """Set up the demo city and pre-book the depot-days of the coming week that have no bookings."""
    started = time.perf_counter()
    now = clock()
    with transaction.atomic():
        retailer = demo_retailer_ensure(now=now)
        demo_presets_ensure(retailer=retailer)
        admin_created = demo_admin_ensure() if admin else False
        depot = demo_depot_ensure()
        vehicles = demo_fleet_ensure(depot=depot)
        demo_windows_ensure(depot=depot)
    dates = horizon_dates(depot=depot, now=now)
    shifts_created = demo_shifts_ensure(depot=depot, vehicles=vehicles, dates=dates)
    prebook = demand_prebook(
        retailer=retailer,
        depot=depot,
        dates=prebook_dates(depot=depot, dates=dates, now=now),
        bookings_per_day=bookings_per_day,
        seed=seed,
        clock=clock,
        progress=progress,
    )
    reasons = window_reasons(retailer=retailer, address=SAMPLE_ADDRESS, now=clock())
    return DemoLoadReport(
        dates=dates,
        shifts_created=shifts_created,
        admin_created=admin_created,
        prebook=prebook,
        sample_reasons=reasons,
        seconds=time.perf_counter() - started,
    )
