"""A tiny world for the shopper pages, built straight from the models.

One depot in Amsterdam time with a square zone, one van (10 units) working 08:00-18:00 tomorrow,
five window templates (1 h, 2 h, 4 h, all day, and 19:00-20:00 after the shift ends) and the
shopper retailer with published rules. Dates are relative to the real clock because the pages
ask the services for "now" themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from shapely.geometry import Point, shape

from booking.models import Retailer, WindowTemplate
from emissions.models import EmissionFactor, EnergyType
from fleet.demo_city import DEMO_ADDRESSES
from fleet.models import Depot, DepotDay, ServiceZone, Shift, Vehicle, VehicleType
from pricing.models import IncentiveRuleSet, RuleSetStatus

TZ = ZoneInfo("Europe/Amsterdam")
# A 0.1° square around the depot, over central Utrecht so that demo addresses fall inside it.
ZONE = {
    "type": "Polygon",
    "coordinates": [[[5.05, 52.05], [5.15, 52.05], [5.15, 52.15], [5.05, 52.15], [5.05, 52.05]]],
}
INSIDE = ("52.11", "5.11")
# A demo address inside the zone, whichever the demo city lists first.
DEMO_INSIDE = next(a for a in DEMO_ADDRESSES if shape(ZONE).covers(Point(a.lon, a.lat)))
OUTSIDE = ("52.30", "5.40")
VAN_CAPACITY = 10
WINDOWS = [(9, 10), (10, 12), (12, 16), (8, 18), (19, 20)]


@dataclass
class ShopperWorld:
    depot: Depot
    retailer: Retailer
    tomorrow: dt.date


def local(date: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(hour), tzinfo=TZ)


@pytest.fixture
def world(db) -> ShopperWorld:
    tomorrow = timezone.localtime(timezone.now(), TZ).date() + dt.timedelta(days=1)
    depot = Depot.objects.create(
        code="ams", name="Amsterdam Test Depot", time_zone="Europe/Amsterdam", lat=52.10, lon=5.10
    )
    ServiceZone.objects.create(depot=depot, name="Square", polygon=ZONE)
    factor = EmissionFactor.objects.create(
        code="shopper-test-van",
        name="Test van",
        energy_type=EnergyType.DIESEL,
        grams_per_km=Decimal("240"),
        source="test fixture",
        edition="test",
    )
    van_type = VehicleType.objects.create(
        name="Shopper test van",
        capacity_units=VAN_CAPACITY,
        max_speed_kmh=50,
        cost_per_km=Decimal("0.30"),
        cost_per_hour=Decimal("30"),
        cost_per_route=Decimal("10"),
        emission_factor=factor,
    )
    van = Vehicle.objects.create(depot=depot, vehicle_type=van_type, name="V1")
    depot_day = DepotDay.objects.create(depot=depot, date=tomorrow)
    Shift.objects.create(depot_day=depot_day, vehicle=van, start=local(tomorrow, 8), end=local(tomorrow, 18))
    for start, end in WINDOWS:
        WindowTemplate.objects.create(
            depot=depot, start_time=dt.time(start), end_time=dt.time(end), cutoff_minutes=120
        )
    retailer = Retailer.objects.create(
        name="Test Grocer", slug=settings.GREENSLOT["SHOPPER_RETAILER"], currency="EUR"
    )
    IncentiveRuleSet.objects.create(
        retailer=retailer, version=1, status=RuleSetStatus.PUBLISHED, currency="EUR"
    )
    return ShopperWorld(depot=depot, retailer=retailer, tomorrow=tomorrow)
