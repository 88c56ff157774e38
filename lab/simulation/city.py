"""The simulated city: the demo's Utrecht (depot, zone, neighbourhoods, fleet, shifts, windows).

Built from ``lab.demo.places``, the demo city's data, which the demo loader uses too; the
simulator stays Django-free because that module is plain data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np

from lab.demo import places
from routing.problem import RouteSpec
from routing.travel import TravelModel, haversine_m

DAY_SECONDS = 86_400
HOUR = 3_600
SEASON_DAYS = places.HORIZON_DAYS  # the booking horizon of the demo: today and the next six days
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
    # Delivery days [first, last) whose orders, routes and shoppers the KPIs count. A rolling season
    # has a warm-up week before and a tail week after, so no measured shopper's horizon is cut short
    # and the measured days get the early bookers a real week would have; None = every day.
    measured_days: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if not self.depots:
            raise ValueError("Expected at least one depot.")
        if self.spread_m < 0:
            raise ValueError("Expected spread_m >= 0.")
        if self.season_days < 1:
            raise ValueError("Expected season_days >= 1.")

    def measured(self, day: int) -> bool:
        """Whether ``day``'s orders and routes count in the KPIs."""
        if self.measured_days is None:
            return True
        return self.measured_days[0] <= day < self.measured_days[1]

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
# The demo's Utrecht (lab.demo.places, the one home of the demo city)
# ---------------------------------------------------------------------------------------------


def _seconds(clock: dt.time) -> int:
    return clock.hour * HOUR + clock.minute * 60


def _kind(spec: places.DemoVehicleType) -> VehicleKind:
    return VehicleKind(
        spec.name,
        spec.capacity_units,
        spec.max_speed_kmh,
        spec.cost_per_km,
        spec.cost_per_hour,
        spec.cost_per_route,
        places.FACTOR_GRAMS_PER_KM[spec.emission_factor],
    )


DIESEL_VAN, ELECTRIC_VAN, CARGO_BIKE = (
    _kind(t) for t in (places.DIESEL_VAN, places.ELECTRIC_VAN, places.CARGO_BIKE)
)
DEMO_FLEET = tuple(
    Vehicle(v.name, _kind(v.vehicle_type), _seconds(v.shift[0]), _seconds(v.shift[1])) for v in places.FLEET
)
DEPOT_LAT, DEPOT_LON = places.DEPOT_LAT, places.DEPOT_LON
CIRCUITY = places.DEPOT_CIRCUITY
NEIGHBOURHOODS = tuple(Neighbourhood(a.slug, a.lat, a.lon) for a in places.DEMO_ADDRESSES if a.inside_zone)
SPREAD_M = places.DEMAND_SPREAD_M
SERVICE_ZONE = tuple((lon, lat) for lon, lat in places.SERVICE_ZONE["coordinates"][0])
DEMO_WINDOWS = tuple(
    WindowTemplate(_seconds(w.start), _seconds(w.end), w.cutoff_minutes * 60) for w in places.WINDOWS
)


def utrecht(*, second_depot: bool = False, measured_weeks: int = 0) -> City:
    """The demo city; with ``second_depot`` the fleet is split with a depot at Rijnsweerd (east).

    ``measured_weeks`` > 0 makes a rolling season: a warm-up week, that many measured weeks and a
    tail week (``City.measured_days``); 0 is the single week of issue 7.
    """
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
        no_shift_weekdays=places.NO_SHIFT_WEEKDAYS,
        day_appeal=dict(places.DAY_APPEAL),
        season_days=7 * (measured_weeks + 2) if measured_weeks else SEASON_DAYS,
        measured_days=(7, 7 * (measured_weeks + 1)) if measured_weeks else None,
    )
