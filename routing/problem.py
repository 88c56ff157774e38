"""Immutable problem data for one depot-day plan.

Location 0 is the depot; locations 1..n-1 are the stops currently planned (held or booked).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .travel import TravelMetric

# Sentinel for "no limit" in int64 time arrays: far from overflow when a few days are added.
TIME_MAX = np.int64(2**40)


@dataclass(frozen=True)
class RouteSpec:
    """One vehicle shift and the stops it visits, in order.

    Parameters
    ----------
    key
        The caller's identifier (the shift's primary key).
    capacity
        Load the vehicle carries, in size units. Expected capacity >= 0.
    start, end
        Earliest departure from and latest return to the depot, seconds from the epoch.
    speed_kmh
        Travel speed used for this route's legs, km/h (> 0).
    cost_per_km, cost_per_hour, fixed_cost
        Money per driven km, per hour of travel and service, and for using an empty route.
    emission_g_per_km
        Well-to-wheel grams CO2e per vehicle-km of this vehicle.
    visits
        Location indices (1..n-1) in visiting order.
    """

    key: int
    capacity: int
    start: int
    end: int
    speed_kmh: float
    cost_per_km: float
    cost_per_hour: float
    fixed_cost: float = 0.0
    emission_g_per_km: float = 0.0
    visits: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.capacity < 0:
            raise ValueError("Expected capacity >= 0.")
        if self.end < self.start:
            raise ValueError("Expected end >= start.")
        if self.speed_kmh <= 0:
            raise ValueError("Expected speed_kmh > 0.")
        if min(self.cost_per_km, self.cost_per_hour, self.fixed_cost) < 0:
            raise ValueError("Expected non-negative costs.")
        if any(v < 1 for v in self.visits):
            raise ValueError("Visits are stop locations (>= 1); 0 is the depot.")


@dataclass(frozen=True)
class StopSpec:
    """A stop to plan: where, its service-start window, service duration and size."""

    lat: float
    lon: float
    early: int
    late: int
    service: int
    demand: int
    key: int = 0

    def __post_init__(self) -> None:
        if self.late < self.early:
            raise ValueError("Expected late >= early.")
        if self.service < 0:
            raise ValueError("Expected service >= 0.")
        if self.demand < 0:
            raise ValueError("Expected demand >= 0.")


@dataclass(frozen=True)
class RouteLegs:
    """The legs one route drives: leg ``j`` ends at visit ``j``; the last one returns to the depot.

    Attributes
    ----------
    metres
        int64 [m + 1], metres.
    seconds
        int64 [m + 1], driving seconds at the route's speed.
    """

    metres: np.ndarray
    seconds: np.ndarray


@dataclass(frozen=True)
class PlanData:
    """Compiled arrays of a depot-day plan (see ``routing.plan.build_plan``).

    The plan holds O(n) numbers: per location, and per route the legs it drives. Travel between
    any other pair is asked of ``metric`` when needed (a new stop's legs are O(n); the full
    matrices of re-optimisation come from ``routing.plan.plan_matrices``).

    Attributes
    ----------
    lat, lon
        float64 [n], degrees (y and x for a Euclidean metric). Index 0 is the depot.
    early, late
        int64 [n], window for the start of service, seconds from the epoch.
    service, demand
        int64 [n], seconds and size units.
    keys
        int64 [n], the caller's stop identifiers (0 for the depot).
    routes
        The vehicle shifts with their visits.
    metric
        The travel metric every leg of the plan comes from.
    legs
        ``legs[r]`` are the legs of ``routes[r]`` at its speed.
    """

    lat: np.ndarray
    lon: np.ndarray
    early: np.ndarray
    late: np.ndarray
    service: np.ndarray
    demand: np.ndarray
    keys: np.ndarray
    routes: tuple[RouteSpec, ...]
    metric: TravelMetric
    legs: tuple[RouteLegs, ...]
    # Arrays derived from the plan on first use (e.g. the routes' time slack for insertion).
    # Caching them here is safe because the plan never changes; a new plan starts empty.
    derived: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.legs) != len(self.routes):
            raise ValueError("Expected one RouteLegs per route.")

    @property
    def num_locations(self) -> int:
        return int(self.lat.shape[0])

    @property
    def circuity(self) -> float | None:
        """The haversine metric's circuity (None for other metrics); kept for older callers."""
        return getattr(self.metric, "circuity", None)
