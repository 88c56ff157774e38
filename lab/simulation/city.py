"""The simulated city: the demo's Utrecht (depot, zone, neighbourhoods, fleet, shifts, windows).

The figures mirror ``lab.demo.city`` (and the default emission factors of migration
``emissions/0002``) so the simulator runs the demo's city without importing Django;
``tests/lab/simulation/test_simulation_city.py`` pins them to the originals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np

from routing.problem import RouteSpec
from routing.travel import TravelModel, haversine_m

DAY_SECONDS = 86_400
HOUR = 3_600
SEASON_DAYS = 7  # the booking horizon of the demo: today and the next six days
# The calendar of season day 0: a Monday (day 6 is a Sunday, when the demo fleet has no shifts) in
# a week without a clock change. Dates only matter to the rules' peak periods, which are wall-clock.
FIRST_DATE = dt.date(2026, 6, 1)
TIME_ZONE = "Europe/Amsterdam"


@dataclass(frozen=True)
class VehicleKind:
    """A vehicle type: size units, km/h, money (EUR) per km / hour / used route, g CO2e per km (WTW)."""

    name: str
    capacity_units: int
    max_speed_kmh: float
    cost_per_km: Decimal
    cost_per_hour: Decimal
    cost_per_route: Decimal
    grams_per_km: Decimal


@dataclass(frozen=True)
class Vehicle:
    """One vehicle and its daily shift, seconds from local midnight."""

    name: str
    kind: VehicleKind
    shift_start: int
    shift_end: int


@dataclass(frozen=True)
class WindowTemplate:
    """A delivery window of every working day: service-start interval and cut-off, seconds."""

    start: int
    end: int
    cutoff: int  # sold until ``start - cutoff`` on the day itself

    @property
    def hours(self) -> float:
        return (self.end - self.start) / HOUR


@dataclass(frozen=True)
class Neighbourhood:
    slug: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Depot:
    code: str
    lat: float
    lon: float
    fleet: tuple[Vehicle, ...]


@dataclass(frozen=True)
class City:
    """Everything about the place that does not change during a season.

    Attributes
    ----------
    depots
        Each with its own fleet; a shopper is served by the nearest depot (great-circle).
    neighbourhoods
        Demand centres; shoppers live around them with a Gaussian spread of ``spread_m`` metres.
    zone
        The service area, (lon, lat) vertices of a closed polygon; shoppers outside are not drawn.
    windows
        The window templates of every working day.
    no_shift_weekdays
        ISO weekdays without shifts (no window is sold).
    day_appeal
        Shoppers per day relative to a plain weekday, by ISO weekday (missing: 1.0).
    """

    depots: tuple[Depot, ...]
    neighbourhoods: tuple[Neighbourhood, ...]
    spread_m: float
    zone: tuple[tuple[float, float], ...]
    windows: tuple[WindowTemplate, ...]
    circuity: float
    no_shift_weekdays: frozenset[int]
    day_appeal: dict[int, float]
    travel_model: TravelModel = TravelModel()
    season_days: int = SEASON_DAYS
    first_date: dt.date = FIRST_DATE
    time_zone: str = TIME_ZONE

    def __post_init__(self) -> None:
        if not self.depots:
            raise ValueError("Expected at least one depot.")
        if self.spread_m < 0:
            raise ValueError("Expected spread_m >= 0.")
        if self.season_days < 1:
            raise ValueError("Expected season_days >= 1.")

    def date(self, day: int) -> dt.date:
        return self.first_date + dt.timedelta(days=day)

    def iso_weekday(self, day: int) -> int:
        return self.date(day).isoweekday()

    def window_moments(self, day: int, window: int) -> tuple[dt.datetime, dt.datetime]:
        """Start and end of a window on ``day`` as aware local datetimes (what pricing reads)."""
        tz = ZoneInfo(self.time_zone)
        midnight = dt.datetime.combine(self.date(day), dt.time(0), tzinfo=tz)
        w = self.windows[window]
        return midnight + dt.timedelta(seconds=w.start), midnight + dt.timedelta(seconds=w.end)

    def works(self, day: int) -> bool:
        return self.iso_weekday(day) not in self.no_shift_weekdays

    def appeal(self, day: int) -> float:
        return 0.0 if not self.works(day) else self.day_appeal.get(self.iso_weekday(day), 1.0)

    @property
    def window_hours(self) -> np.ndarray:
        return np.array([w.hours for w in self.windows], dtype=np.float64)

    @property
    def window_start(self) -> np.ndarray:
        return np.array([w.start for w in self.windows], dtype=np.int64)

    @property
    def window_end(self) -> np.ndarray:
        return np.array([w.end for w in self.windows], dtype=np.int64)

    def cutoffs(self, day: int) -> np.ndarray:
        """int64 [K]: the moment each window of ``day`` stops being sold, seconds from the season epoch."""
        return np.array([day * DAY_SECONDS + w.start - w.cutoff for w in self.windows], dtype=np.int64)

    def nearest_depot(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        distances = np.stack([haversine_m(lat, lon, d.lat, d.lon) for d in self.depots])
        return np.atleast_1d(np.argmin(distances, axis=0)).astype(np.int64)

    def routes(self, depot: int) -> tuple[RouteSpec, ...]:
        """The empty routes of one working day of ``depot``: one per vehicle shift, keyed by fleet index.

        The speed is the adapter's rule (``fleet.adapter.compile_rows``): the slowest hour the shift
        spans, capped by the vehicle's top speed.
        """
        return tuple(
            RouteSpec(
                key=index,
                capacity=v.kind.capacity_units,
                start=v.shift_start,
                end=v.shift_end,
                speed_kmh=self.travel_model.shift_speed_kmh(v.shift_start, v.shift_end, v.kind.max_speed_kmh),
                cost_per_km=float(v.kind.cost_per_km),
                cost_per_hour=float(v.kind.cost_per_hour),
                fixed_cost=float(v.kind.cost_per_route),
                emission_g_per_km=float(v.kind.grams_per_km),
            )
            for index, v in enumerate(self.depots[depot].fleet)
        )


# ---------------------------------------------------------------------------------------------
# The demo's Utrecht (lab.demo.city)
# ---------------------------------------------------------------------------------------------

# Well-to-wheel g CO2e per vehicle-km, the defaults of migration emissions/0002 (UK 2025 factors;
# the cargo-bike figure is the placeholder documented there).
DIESEL_VAN = VehicleKind(
    "Diesel van", 60, 80, Decimal("0.35"), Decimal("28"), Decimal("15"), Decimal("316.89")
)
ELECTRIC_VAN = VehicleKind(
    "Electric van", 50, 80, Decimal("0.20"), Decimal("28"), Decimal("15"), Decimal("87.36")
)
CARGO_BIKE = VehicleKind(
    "Electric cargo bike", 12, 20, Decimal("0.05"), Decimal("22"), Decimal("5"), Decimal("5.00")
)

EARLY = (7 * HOUR, 15 * HOUR)
LATE = (13 * HOUR, 21 * HOUR)
BIKE_HOURS = (8 * HOUR, 16 * HOUR)


def _vehicle(name: str, kind: VehicleKind, shift: tuple[int, int]) -> Vehicle:
    return Vehicle(name, kind, shift[0], shift[1])


DEMO_FLEET = (
    _vehicle("Van D1", DIESEL_VAN, EARLY),
    _vehicle("Van D2", DIESEL_VAN, EARLY),
    _vehicle("Van D3", DIESEL_VAN, LATE),
    _vehicle("Van D4", DIESEL_VAN, LATE),
    _vehicle("E-van E1", ELECTRIC_VAN, EARLY),
    _vehicle("E-van E2", ELECTRIC_VAN, LATE),
    _vehicle("E-van E3", ELECTRIC_VAN, LATE),
    _vehicle("Bike B1", CARGO_BIKE, BIKE_HOURS),
    _vehicle("Bike B2", CARGO_BIKE, BIKE_HOURS),
)

DEPOT_LAT, DEPOT_LON = 52.1045, 5.0660  # Utrecht Lage Weide
CIRCUITY = 1.3

NEIGHBOURHOODS = (
    Neighbourhood("binnenstad", 52.0907, 5.1214),
    Neighbourhood("wittevrouwen", 52.0962, 5.1325),
    Neighbourhood("oost", 52.0890, 5.1330),
    Neighbourhood("lombok", 52.0925, 5.1005),
    Neighbourhood("oog-in-al", 52.0895, 5.0890),
    Neighbourhood("kanaleneiland", 52.0745, 5.0975),
    Neighbourhood("lunetten", 52.0655, 5.1380),
    Neighbourhood("tuindorp", 52.1070, 5.1250),
    Neighbourhood("zuilen", 52.1095, 5.0960),
    Neighbourhood("overvecht", 52.1165, 5.1120),
    Neighbourhood("leidsche-rijn", 52.0875, 5.0725),
    Neighbourhood("science-park", 52.0855, 5.1755),
)
SPREAD_M = 600.0

SERVICE_ZONE = (
    (5.030, 52.108),
    (5.062, 52.118),
    (5.095, 52.125),
    (5.125, 52.128),
    (5.150, 52.118),
    (5.168, 52.100),
    (5.190, 52.090),
    (5.185, 52.074),
    (5.150, 52.058),
    (5.120, 52.055),
    (5.085, 52.060),
    (5.060, 52.072),
    (5.030, 52.082),
    (5.030, 52.108),
)


def _windows() -> tuple[WindowTemplate, ...]:
    one_hour = [WindowTemplate(h * HOUR, (h + 1) * HOUR, 120 * 60) for h in range(8, 21)]
    two_hours = [WindowTemplate(h * HOUR, (h + 2) * HOUR, 180 * 60) for h in range(8, 20, 2)]
    four_hours = [WindowTemplate(h * HOUR, (h + 4) * HOUR, 180 * 60) for h in (8, 12, 16)]
    all_day = [WindowTemplate(8 * HOUR, 21 * HOUR, 12 * HOUR)]
    return tuple(one_hour + two_hours + four_hours + all_day)


DEMO_WINDOWS = _windows()


def utrecht(*, second_depot: bool = False) -> City:
    """The demo city; with ``second_depot`` the fleet is split with a depot at Rijnsweerd (east)."""
    if second_depot:
        west = tuple(v for i, v in enumerate(DEMO_FLEET) if i % 2 == 0)
        east = tuple(v for i, v in enumerate(DEMO_FLEET) if i % 2 == 1)
        depots = (
            Depot("utrecht", DEPOT_LAT, DEPOT_LON, west),
            Depot("utrecht-oost", 52.0830, 5.1600, east),
        )
    else:
        depots = (Depot("utrecht", DEPOT_LAT, DEPOT_LON, DEMO_FLEET),)
    return City(
        depots=depots,
        neighbourhoods=NEIGHBOURHOODS,
        spread_m=SPREAD_M,
        zone=SERVICE_ZONE,
        windows=DEMO_WINDOWS,
        circuity=CIRCUITY,
        no_shift_weekdays=frozenset({7}),
        day_appeal={6: 1.4},
    )
