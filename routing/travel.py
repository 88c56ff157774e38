"""Travel metrics (metres and seconds between points) and the speed profile by hour.

A ``TravelMetric`` turns pairs of points into integer metres and, at a route's speed, integer
seconds. The plan, insertion, schedules, re-optimisation and the independent checker all ask the
plan's metric, never a formula of their own:

- ``HaversineMetric(circuity)``: great-circle distance times a circuity factor (the default);
- ``EuclideanMetric(scale, rounding)``: plain x/y coordinates (Solomon instances);
- ``routing.osrm.OsrmTableMetric``: an OSRM-compatible ``/table`` service (road networks).

``routing.backend.metric_from_config`` builds one from the ``GREENSLOT["TRAVEL_BACKEND"]`` setting.

Haversine metres are rounded *up*. Rounding up keeps the triangle inequality of the real-valued
model in the integers, because ``ceil(a) + ceil(b) >= ceil(a + b)`` for any reals ``a, b >= 0``:
removing a stop then never makes a route longer or later, which cancellation and hold expiry rely
on (the insertion test itself is exact for any non-negative travel times).

The scalar and the array forms of each function run the very same numpy arithmetic, so a leg
computed on its own (as the independent plan checker does) equals the one computed in bulk.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres

# Urban default: the morning and evening peaks are slower. Hours 07-08 and 16-18 (local) at
# 18 km/h, every other hour at 24 km/h (average door-to-door van speeds, stops excluded).
_PEAK_HOURS = frozenset({7, 8, 16, 17, 18})
DEFAULT_SPEED_KMH_BY_HOUR: tuple[float, ...] = tuple(18.0 if h in _PEAK_HOURS else 24.0 for h in range(24))


def _scalar_or_array(values: np.ndarray):
    # A 0-d result becomes a numpy scalar so that ``int(x)`` and comparisons behave as for numbers.
    return values[()] if values.ndim == 0 else values


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance on a sphere of radius ``EARTH_RADIUS_M``.

    Parameters
    ----------
    lat1, lon1, lat2, lon2
        Degrees; scalars or arrays that broadcast together.

    Returns
    -------
    float64 scalar or array
        Metres.
    """
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2, dtype=np.float64)) - np.radians(np.asarray(lon1, dtype=np.float64))
    half_dphi = np.sin(dphi / 2.0)
    half_dlmb = np.sin(dlmb / 2.0)
    # Products, not ``** 2``: a numpy scalar squares with C pow(), which can differ from an
    # array's x * x in the last bit, and then a scalar leg could round up to another metre.
    a = half_dphi * half_dphi + np.cos(phi1) * np.cos(phi2) * (half_dlmb * half_dlmb)
    # Rounding can push ``a`` a hair above 1 for antipodal points; arcsin would return nan.
    return _scalar_or_array(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def road_metres(lat1, lon1, lat2, lon2, circuity: float):
    """Road distance estimate: ``ceil(haversine * circuity)``.

    Parameters
    ----------
    lat1, lon1, lat2, lon2
        Degrees; scalars or arrays that broadcast together.
    circuity
        Road distance / great-circle distance (about 1.3 in cities).

    Returns
    -------
    int64 scalar or array
        Metres, rounded up (which keeps the triangle inequality, see the module docstring).
    """
    metres = np.asarray(haversine_m(lat1, lon1, lat2, lon2)) * np.float64(circuity)
    return _scalar_or_array(np.ceil(metres).astype(np.int64))


def travel_seconds(metres, speed_kmh: float):
    """Driving time of a leg: ``ceil(metres / (speed_kmh / 3.6))``.

    Computed as ``ceil(metres * 3600 / (speed_kmh * 1000))`` in float64, which is exact for
    integer metres below 2**40 and whole km/h, so 1000 m at 36 km/h is 100 s, not 101. Rounding up
    keeps the triangle inequality in seconds as well.

    Parameters
    ----------
    metres
        Integer metres, scalar or array.
    speed_kmh
        Speed, km/h (> 0).

    Returns
    -------
    int64 scalar or array
        Seconds.
    """
    if not speed_kmh > 0:
        raise ValueError("Expected speed_kmh > 0.")
    scaled = np.asarray(metres, dtype=np.float64) * 3600.0 / (np.float64(speed_kmh) * 1000.0)
    return _scalar_or_array(np.ceil(scaled).astype(np.int64))


def distance_matrix(lat: np.ndarray, lon: np.ndarray, circuity: float) -> np.ndarray:
    """All-pairs road metres between the points, int64 [n, n]; entry ``[i, j]`` is i -> j."""
    return HaversineMetric(circuity).matrices(lat, lon, ())[0]


def duration_matrix(distance: np.ndarray, speed_kmh: float) -> np.ndarray:
    """Seconds for every entry of an int64 metres matrix at a constant speed (km/h)."""
    return np.asarray(travel_seconds(distance, speed_kmh))


class TravelMetric(ABC):
    """Integer metres and seconds from one point to another.

    Points are (``lat``, ``lon``) pairs: degrees for geographic metrics, plain y and x for
    ``EuclideanMetric``. Every method broadcasts its point arrays like numpy does, and a pair
    gives the same numbers whether it is asked alone or among many (the checker relies on it).
    """

    @abstractmethod
    def metres(self, lat1, lon1, lat2, lon2):
        """Distance of each pair, int64 (scalar or array of the broadcast shape)."""

    def legs(self, lat1, lon1, lat2, lon2, speeds_kmh: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """Metres and, for each speed, seconds of each pair.

        Returns
        -------
        metres
            int64 array of the broadcast shape S.
        seconds
            int64 array [len(speeds_kmh), *S]; row ``k`` is the driving time at ``speeds_kmh[k]``.
            Here ``travel_seconds(metres, speed)``; a backend with its own durations overrides it.
        """
        metres = np.asarray(self.metres(lat1, lon1, lat2, lon2), dtype=np.int64)
        return metres, self._seconds_at(metres, speeds_kmh)

    @staticmethod
    def _seconds_at(metres: np.ndarray, speeds_kmh: Sequence[float]) -> np.ndarray:
        seconds = np.empty((len(speeds_kmh), *metres.shape), dtype=np.int64)
        for k, speed in enumerate(speeds_kmh):
            seconds[k] = travel_seconds(metres, speed)
        return seconds

    def matrices(self, lat, lon, speeds_kmh: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """All pairs of the points: metres int64 [n, n] and seconds int64 [len(speeds), n, n].

        O(n^2) time and memory: for re-optimisation, never on a request path.
        """
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        metres, seconds = self.legs(lat[:, None], lon[:, None], lat[None, :], lon[None, :], speeds_kmh)
        n = lat.shape[0]
        return metres.reshape(n, n), seconds.reshape(len(speeds_kmh), n, n)


@dataclass(frozen=True)
class HaversineMetric(TravelMetric):
    """Great-circle distance times ``circuity``, rounded up to whole metres (``road_metres``).

    Parameters
    ----------
    circuity
        Road distance / great-circle distance (about 1.3 in cities). Expected circuity > 0.
    """

    circuity: float = 1.3

    def __post_init__(self) -> None:
        if not float(self.circuity) > 0:
            raise ValueError("Expected circuity > 0.")
        object.__setattr__(self, "circuity", float(self.circuity))

    def metres(self, lat1, lon1, lat2, lon2):
        return road_metres(lat1, lon1, lat2, lon2, self.circuity)


ROUNDINGS = ("ceil", "floor")


@dataclass(frozen=True)
class EuclideanMetric(TravelMetric):
    """Straight-line distance between plain x/y points (``lon`` is x, ``lat`` is y), times ``scale``.

    Parameters
    ----------
    scale
        Metres per coordinate unit (> 0).
    rounding
        ``"ceil"`` (default) keeps the triangle inequality, like the haversine metric.
        ``"floor"`` truncates, which with ``scale=10`` is the DIMACS convention for Solomon's
        instances (distances truncated to one decimal, in tenths): the best-known solutions in
        ``bks_dimacs.csv`` are feasible and priced under exactly these numbers. Truncation can
        break the triangle inequality by one unit, so a removal could make a route a unit later:
        use it to reproduce benchmarks, not to plan real deliveries.

    With integer coordinates and an integer scale, ``dx**2 + dy**2`` is an exact float and IEEE
    square roots are correctly rounded, so floor and ceil agree with integer arithmetic.
    """

    scale: float = 1.0
    rounding: str = "ceil"

    def __post_init__(self) -> None:
        if not float(self.scale) > 0:
            raise ValueError("Expected scale > 0.")
        if self.rounding not in ROUNDINGS:
            raise ValueError(f"Expected rounding in {ROUNDINGS}.")
        object.__setattr__(self, "scale", float(self.scale))

    def metres(self, lat1, lon1, lat2, lon2):
        dx = (np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64)) * self.scale
        dy = (np.asarray(lat2, dtype=np.float64) - np.asarray(lat1, dtype=np.float64)) * self.scale
        length = np.sqrt(dx * dx + dy * dy)
        rounded = np.ceil(length) if self.rounding == "ceil" else np.floor(length)
        return _scalar_or_array(rounded.astype(np.int64))


@dataclass(frozen=True)
class TravelModel:
    """Haversine distance times circuity, and a speed profile by local hour of the day.

    Parameters
    ----------
    circuity
        Road distance / great-circle distance. Expected circuity >= 1.
    speed_kmh_by_hour
        24 speeds in km/h (> 0), index = local hour 0..23.
    """

    circuity: float = 1.3
    speed_kmh_by_hour: tuple[float, ...] = DEFAULT_SPEED_KMH_BY_HOUR

    def __post_init__(self) -> None:
        if not self.circuity >= 1.0:
            raise ValueError("Expected circuity >= 1.")
        if len(self.speed_kmh_by_hour) != 24:
            raise ValueError("Expected 24 speeds in speed_kmh_by_hour.")
        if not all(s > 0 for s in self.speed_kmh_by_hour):
            raise ValueError("Expected every speed in speed_kmh_by_hour > 0.")

    def route_speed_kmh(self, start_hour: int, end_hour: int, vehicle_max_kmh: float) -> float:
        """The one speed used for every leg of a shift: the slowest hour it spans, capped.

        The insertion checks are exact in O(1) per position only on a static, FIFO matrix that
        respects the triangle inequality, so each route gets one constant speed rather than a
        time-dependent one. Taking the slowest hour of the shift makes every planned time
        conservative: a window that is sold is deliverable under the full speed profile.

        Parameters
        ----------
        start_hour
            Local hour the shift starts in (0..23).
        end_hour
            First local hour *after* the shift (exclusive); values above 24 wrap past midnight.
            ``end_hour <= start_hour`` is taken as the start hour alone.
        vehicle_max_kmh
            The vehicle's own top speed, km/h (> 0), e.g. a cargo bike's.

        Returns
        -------
        float
            km/h.
        """
        if not vehicle_max_kmh > 0:
            raise ValueError("Expected vehicle_max_kmh > 0.")
        hours = range(int(start_hour), max(int(end_hour), int(start_hour) + 1))
        slowest = min(self.speed_kmh_by_hour[h % 24] for h in hours)
        return float(min(slowest, vehicle_max_kmh))

    def shift_speed_kmh(self, start_s: int, end_s: int, vehicle_max_kmh: float) -> float:
        """``route_speed_kmh`` for a shift given in seconds from local midnight.

        Every hour the interval ``[start_s, end_s)`` touches counts, partial hours included.
        """
        start_hour = int(start_s) // 3600
        end_hour = -(-int(end_s) // 3600)
        return self.route_speed_kmh(start_hour, end_hour, vehicle_max_kmh)
