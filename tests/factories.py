"""A tiny, hand-checkable world for service and view tests.

One depot in a square zone, vehicles with shifts on chosen dates, window templates and a
published rule set. Distances are small so the numbers stay readable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from booking.models import WindowTemplate
from emissions.models import EmissionFactor, EnergyType
from fleet.models import Depot, ServiceZone, Vehicle, VehicleType
from fleet.services import depot_day_get_or_create, shift_create
from pricing.default_terms import FIRST_RULES_OBJECTIVE
from pricing.models import IncentiveRuleSet, RuleSetStatus
from tenants.models import Retailer

TZ = "Europe/Amsterdam"
DEPOT_LAT, DEPOT_LON = 52.10, 5.10
# A 0.1° square around the depot: about 11 km north-south and 7 km east-west.
ZONE = {
    "type": "Polygon",
    "coordinates": [[[5.05, 52.05], [5.15, 52.05], [5.15, 52.15], [5.05, 52.15], [5.05, 52.05]]],
}
INSIDE = (52.11, 5.11)
OUTSIDE = (52.30, 5.40)


@dataclass
class World:
    depot: Depot
    retailer: Retailer
    rules: IncentiveRuleSet
    vehicle_type: VehicleType
    vehicles: list[Vehicle]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(TZ)

    def local(self, date: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=self.tz)

    def add_shifts(self, date: dt.date, start_hour: int = 8, end_hour: int = 20) -> None:
        depot_day = depot_day_get_or_create(depot=self.depot, date=date)
        for vehicle in self.vehicles:
            shift_create(
                depot_day=depot_day,
                vehicle=vehicle,
                start=self.local(date, start_hour),
                end=self.local(date, end_hour),
            )


def emission_factor(code: str = "test-diesel-van", grams: str = "240") -> EmissionFactor:
    factor, _ = EmissionFactor.objects.get_or_create(
        code=code,
        defaults={
            "name": "Test diesel van",
            "energy_type": EnergyType.DIESEL,
            "grams_per_km": Decimal(grams),
            "source": "test fixture",
            "edition": "test",
        },
    )
    return factor


def retailer_with_rules(slug: str = "shop", **rule_fields) -> tuple[Retailer, IncentiveRuleSet]:
    """A retailer with published rules: the first rules' price (base fee + route cost) unless
    ``rule_fields`` say otherwise, as the tests written for it expect (a new rule set's model
    defaults price by three costs)."""
    retailer = Retailer.objects.create(name=slug.title(), slug=slug, currency="EUR")
    rules = IncentiveRuleSet.objects.create(
        retailer=retailer,
        version=1,
        status=RuleSetStatus.PUBLISHED,
        name="test rules",
        **{**FIRST_RULES_OBJECTIVE, **rule_fields},
    )
    return retailer, rules


def make_world(
    *,
    dates: list[dt.date],
    vehicles: int = 2,
    capacity: int = 10,
    start_hour: int = 8,
    end_hour: int = 20,
    windows: list[tuple[int, int]] | None = None,
    cutoff_minutes: int = 60,
    retailer_slug: str = "shop",
) -> World:
    depot = Depot.objects.create(code="dep", name="Test depot", time_zone=TZ, lat=DEPOT_LAT, lon=DEPOT_LON)
    ServiceZone.objects.create(depot=depot, name="Square", polygon=ZONE)
    vtype = VehicleType.objects.create(
        name="Van",
        capacity_units=capacity,
        max_speed_kmh=50,
        cost_per_km=Decimal("0.30"),
        cost_per_hour=Decimal("30"),
        cost_per_route=Decimal("10"),
        emission_factor=emission_factor(),
    )
    fleet = [
        Vehicle.objects.create(depot=depot, vehicle_type=vtype, name=f"V{i + 1}") for i in range(vehicles)
    ]
    for start, end in windows or [(9, 10), (10, 11), (12, 13), (9, 13), (8, 20)]:
        WindowTemplate.objects.create(
            depot=depot, start_time=dt.time(start), end_time=dt.time(end), cutoff_minutes=cutoff_minutes
        )
    retailer, rules = retailer_with_rules(retailer_slug)
    world = World(depot=depot, retailer=retailer, rules=rules, vehicle_type=vtype, vehicles=fleet)
    for date in dates:
        world.add_shifts(date, start_hour, end_hour)
    return world
