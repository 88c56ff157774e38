"""A tiny world for the shopper pages, built straight from the models.

One depot in Amsterdam time with a square zone, one van (10 units) working 08:00-18:00 tomorrow,
five window templates (1 h, 2 h, 4 h, all day, and 19:00-20:00 after the shift ends) and the
shopper retailer with published rules and two preset addresses, one inside the zone. Dates are relative to the real clock because the pages
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

from booking.models import PresetAddress, WindowTemplate
from emissions.models import EmissionFactor, EnergyType
from fleet.models import Depot, DepotDay, ServiceZone, Shift, Vehicle, VehicleType
from pricing.default_terms import FIRST_RULES_OBJECTIVE
from pricing.models import IncentiveRuleSet, RuleSetStatus
from tenants.models import Retailer

TZ = ZoneInfo("Europe/Amsterdam")
# A 0.1° square around the depot, over central Utrecht.
ZONE = {
    "type": "Polygon",
    "coordinates": [[[5.05, 52.05], [5.15, 52.05], [5.15, 52.15], [5.05, 52.15], [5.05, 52.05]]],
}
INSIDE = ("52.11", "5.11")
# The shopper retailer's preset addresses, listed in this order: (slug, label, street, lat, lon).
PRESETS = (
    ("domplein", "Binnenstad", "Domplein", 52.0907, 5.1214),
    ("amersfoort", "Amersfoort (outside the zone)", "Hof", 52.1560, 5.3880),
)
PRESET_INSIDE = PRESETS[0][0]
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
    # The first rules' price and green label, which these page tests were written against.
    IncentiveRuleSet.objects.create(
        retailer=retailer, version=1, status=RuleSetStatus.PUBLISHED, currency="EUR", **FIRST_RULES_OBJECTIVE
    )
    for position, (slug, label, street, lat, lon) in enumerate(PRESETS):
        PresetAddress.objects.create(
            retailer=retailer, slug=slug, label=label, street=street, lat=lat, lon=lon, position=position
        )
    return ShopperWorld(depot=depot, retailer=retailer, tomorrow=tomorrow)
