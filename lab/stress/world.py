"""The stress run's world: prepared, and checked afterwards, in a child process whose
``DATABASE_URL`` is the stress database. Django is imported inside the steps, so the client
processes can import the world's figures without it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

# One depot in Utrecht and a square service zone around it (about 9 km x 13 km).
DEPOT_CODE = "stress"
DEPOT_LAT, DEPOT_LON = 52.09, 5.12
HALF_LAT, HALF_LON = 0.04, 0.06
TIME_ZONE = "Europe/Amsterdam"
# DESIGN.md §8's day: 13 one-hour windows from 08:00, 6 two-hour, 3 four-hour and an all-day window.
WINDOWS = (
    [(h, h + 1) for h in range(8, 21)]
    + [(h, h + 2) for h in range(8, 20, 2)]
    + [(8, 12), (12, 16), (16, 20)]
    + [(8, 21)]
)
SHIFT_HOURS = (7, 21)
RETAILER_NAME = "Stress Shop"


@dataclass(frozen=True)
class StressWorld:
    """What the clients need to know about the prepared database (JSON between processes)."""

    secret_key: str
    dates: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"secret_key": self.secret_key, "dates": list(self.dates)}


def world_prepare(
    *, depot_days: int, vans: int, capacity: int, now: dt.datetime | None = None
) -> StressWorld:
    """A depot with ``vans`` vans of ``capacity`` units working ``depot_days`` days from tomorrow,
    DESIGN §8's windows, and a retailer with published rules and a secret key."""
    import io
    from zoneinfo import ZoneInfo

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from booking.models import WindowTemplate
    from emissions.models import EmissionFactor
    from fleet.models import Depot, ServiceZone, Vehicle, VehicleType
    from fleet.services import depot_day_get_or_create, shift_create

    now = now or timezone.now()
    tz = ZoneInfo(TIME_ZONE)
    tomorrow = timezone.localtime(now, tz).date() + dt.timedelta(days=1)
    dates = [tomorrow + dt.timedelta(days=offset) for offset in range(depot_days)]
    with transaction.atomic():
        depot = Depot.objects.create(
            code=DEPOT_CODE, name="Stress depot", time_zone=TIME_ZONE, lat=DEPOT_LAT, lon=DEPOT_LON
        )
        south, north = DEPOT_LAT - HALF_LAT, DEPOT_LAT + HALF_LAT
        west, east = DEPOT_LON - HALF_LON, DEPOT_LON + HALF_LON
        ServiceZone.objects.create(
            depot=depot,
            name="Stress square",
            polygon={
                "type": "Polygon",
                "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
            },
        )
        factor = EmissionFactor.objects.order_by("id").first()
        if factor is None:
            raise LookupError("No emission factor: the stress database was not migrated.")
        van = VehicleType.objects.create(
            name="Stress van",
            capacity_units=capacity,
            max_speed_kmh=50,
            cost_per_km=Decimal("0.30"),
            cost_per_hour=Decimal("30"),
            cost_per_route=Decimal("10"),
            emission_factor=factor,
        )
        fleet = [
            Vehicle.objects.create(depot=depot, vehicle_type=van, name=f"van-{i + 1:02d}")
            for i in range(vans)
        ]
        for start, end in WINDOWS:
            WindowTemplate.objects.create(
                depot=depot, start_time=dt.time(start), end_time=dt.time(end), cutoff_minutes=60
            )
        for date in dates:
            depot_day = depot_day_get_or_create(depot=depot, date=date)
            for vehicle in fleet:
                shift_create(
                    depot_day=depot_day,
                    vehicle=vehicle,
                    start=dt.datetime.combine(date, dt.time(SHIFT_HOURS[0]), tzinfo=tz),
                    end=dt.datetime.combine(date, dt.time(SHIFT_HOURS[1]), tzinfo=tz),
                )
    out = io.StringIO()
    call_command("create_retailer", RETAILER_NAME, stdout=out)
    keys = json.loads(out.getvalue().strip().splitlines()[-1])
    return StressWorld(secret_key=keys["secret_key"], dates=tuple(d.isoformat() for d in dates))


def world_check(*, now: dt.datetime | None = None) -> dict:
    """After a run: overbookings by the independent plan checker over every depot-day, and the
    bookings by status (to compare with what the clients were told)."""
    from django.db.models import Count
    from django.utils import timezone

    # The same independent audit the tests use: routes rebuilt from Shift/Stop rows and walked
    # by routing.checker, plus every live booking cross-checked against its stop.
    from booking.audit import plan_violations
    from booking.models import Booking
    from fleet.models import DepotDay, Stop

    now = now or timezone.now()
    violations = plan_violations(now=now)
    statuses = dict(Booking.objects.values_list("status").annotate(n=Count("id")))
    stops_per_day = dict(
        DepotDay.objects.annotate(n=Count("stops")).values_list("date", "n").order_by("date")
    )
    return {
        "overbookings": len(violations),
        "violations": violations[:20],
        "bookings_by_status": statuses,
        "stops_per_day": {str(d): n for d, n in stops_per_day.items()},
        "stops_without_booking": Stop.objects.filter(booking__isnull=True, expires_at__isnull=True).count(),
    }
