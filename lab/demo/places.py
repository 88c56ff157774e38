"""The demo city's places and things, as plain data: Utrecht's depot, service zone and neighbourhoods,
the fleet and its shifts, the delivery windows.

One home for the demo city: ``lab.demo.city`` loads it into the database through the services, and
the Django-free season simulator (``lab.simulation.city``) builds its city from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

HORIZON_DAYS = 7  # today and the next six days

# Well-to-wheel g CO2e per vehicle-km of the emission factors the demo's vehicle types use: the
# defaults of migration emissions/0002, which ``tests/lab/simulation`` pins this table to. The
# simulator reads them here because it runs without a database.
FACTOR_GRAMS_PER_KM = {
    "diesel-van": Decimal("316.89"),
    "bev-van": Decimal("87.36"),
    "e-cargo-bike": Decimal("5.00"),
}

# ---------------------------------------------------------------------------------------------
# The depot and its service zone
# ---------------------------------------------------------------------------------------------

DEPOT_CODE = "utrecht"
DEPOT_NAME = "Utrecht Lage Weide"
DEPOT_TIME_ZONE = "Europe/Amsterdam"
DEPOT_LAT, DEPOT_LON = 52.1045, 5.0660  # Lage Weide industrial estate, by the Amsterdam-Rijnkanaal
DEPOT_CIRCUITY = 1.3
ZONE_NAME = "Utrecht"

# Roughly the city inside its ring roads plus Leidsche Rijn, clockwise from the north-west
# (GeoJSON: lon, lat). North edge: Zuilen and Overvecht below Maarssen; east: Utrecht Science
# Park; south: Lunetten, Hoograven and Kanaleneiland; west: Leidsche Rijn up to Terwijde.
SERVICE_ZONE = {
    "type": "Polygon",
    "coordinates": [
        [
            [5.030, 52.108],  # Terwijde north
            [5.062, 52.118],  # Lage Weide north
            [5.095, 52.125],  # Zuilen north
            [5.125, 52.128],  # Overvecht north
            [5.150, 52.118],  # Overvecht north-east
            [5.168, 52.100],  # Voordorp
            [5.190, 52.090],  # Science Park north-east
            [5.185, 52.074],  # Science Park south-east
            [5.150, 52.058],  # Lunetten south-east
            [5.120, 52.055],  # Hoograven south
            [5.085, 52.060],  # Papendorp
            [5.060, 52.072],  # Leidsche Rijn south-east
            [5.030, 52.082],  # Leidsche Rijn south-west
            [5.030, 52.108],
        ]
    ],
}


@dataclass(frozen=True)
class DemoAddress:
    """A named address: a real neighbourhood centre (degrees). The shopper page lists them (as the
    demo retailer's preset addresses) and the simulated shoppers live around those inside the zone."""

    slug: str
    label: str
    street: str
    lat: float
    lon: float
    inside_zone: bool = True


DEMO_ADDRESSES: tuple[DemoAddress, ...] = (
    DemoAddress("binnenstad", "Binnenstad", "Domplein", 52.0907, 5.1214),
    DemoAddress("wittevrouwen", "Wittevrouwen", "Biltstraat", 52.0962, 5.1325),
    DemoAddress("oost", "Oost", "Maliebaan", 52.0890, 5.1330),
    DemoAddress("lombok", "Lombok", "Kanaalstraat", 52.0925, 5.1005),
    DemoAddress("oog-in-al", "Oog in Al", "Vleutenseweg", 52.0895, 5.0890),
    DemoAddress("kanaleneiland", "Kanaleneiland", "Churchilllaan", 52.0745, 5.0975),
    DemoAddress("lunetten", "Lunetten", "Hondsrug", 52.0655, 5.1380),
    DemoAddress("tuindorp", "Tuindorp", "Kastanjelaan", 52.1070, 5.1250),
    DemoAddress("zuilen", "Zuilen", "Amsterdamsestraatweg", 52.1095, 5.0960),
    DemoAddress("overvecht", "Overvecht", "Zamenhofdreef", 52.1165, 5.1120),
    DemoAddress("leidsche-rijn", "Leidsche Rijn Centrum", "Berlijnplein", 52.0875, 5.0725),
    DemoAddress("science-park", "Rijnsweerd / Science Park", "Heidelberglaan", 52.0855, 5.1755),
    DemoAddress("amersfoort", "Amersfoort (outside the zone)", "Hof", 52.1560, 5.3880, inside_zone=False),
)

# Where the pre-booked shoppers live: scattered around the neighbourhood centres.
DEMAND_SPREAD_M = 600.0
# Shoppers per day relative to ``bookings_per_day``, by ISO weekday (Saturday is the busy day).
DAY_APPEAL = {6: 1.4}
SAMPLE_ADDRESS = DEMO_ADDRESSES[0]

# ---------------------------------------------------------------------------------------------
# Vehicles, fleet and shifts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoVehicleType:
    name: str
    capacity_units: int
    max_speed_kmh: float
    cost_per_km: Decimal
    cost_per_hour: Decimal
    cost_per_route: Decimal
    emission_factor: str


DIESEL_VAN = DemoVehicleType(
    "Diesel van", 60, 80, Decimal("0.35"), Decimal("28"), Decimal("15"), "diesel-van"
)
ELECTRIC_VAN = DemoVehicleType(
    "Electric van", 50, 80, Decimal("0.20"), Decimal("28"), Decimal("15"), "bev-van"
)
CARGO_BIKE = DemoVehicleType(
    "Electric cargo bike", 12, 20, Decimal("0.05"), Decimal("22"), Decimal("5"), "e-cargo-bike"
)
VEHICLE_TYPES = (DIESEL_VAN, ELECTRIC_VAN, CARGO_BIKE)

# Local shift times (start, end).
EARLY = (dt.time(7), dt.time(15))
LATE = (dt.time(13), dt.time(21))
BIKE_HOURS = (dt.time(8), dt.time(16))
NO_SHIFT_WEEKDAYS = frozenset({7})  # ISO weekday: Sunday


@dataclass(frozen=True)
class DemoVehicle:
    name: str
    vehicle_type: DemoVehicleType
    shift: tuple[dt.time, dt.time]


FLEET = (
    DemoVehicle("Van D1", DIESEL_VAN, EARLY),
    DemoVehicle("Van D2", DIESEL_VAN, EARLY),
    DemoVehicle("Van D3", DIESEL_VAN, LATE),
    DemoVehicle("Van D4", DIESEL_VAN, LATE),
    DemoVehicle("E-van E1", ELECTRIC_VAN, EARLY),
    DemoVehicle("E-van E2", ELECTRIC_VAN, LATE),
    DemoVehicle("E-van E3", ELECTRIC_VAN, LATE),
    DemoVehicle("Bike B1", CARGO_BIKE, BIKE_HOURS),
    DemoVehicle("Bike B2", CARGO_BIKE, BIKE_HOURS),
)

# ---------------------------------------------------------------------------------------------
# Delivery windows (DESIGN §8): 13 x 1 h, 6 x 2 h, 3 x 4 h and one all-day window
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoWindow:
    start: dt.time
    end: dt.time
    cutoff_minutes: int


def _windows() -> tuple[DemoWindow, ...]:
    one_hour = [DemoWindow(dt.time(h), dt.time(h + 1), 120) for h in range(8, 21)]
    two_hours = [DemoWindow(dt.time(h), dt.time(h + 2), 180) for h in range(8, 20, 2)]
    four_hours = [DemoWindow(dt.time(h), dt.time(h + 4), 180) for h in (8, 12, 16)]
    # Ordered the evening before: 12 h ahead of 08:00 is 20:00 the previous day.
    all_day = [DemoWindow(dt.time(8), dt.time(21), 12 * 60)]
    return tuple(one_hour + two_hours + four_hours + all_day)


WINDOWS = _windows()
