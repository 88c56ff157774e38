"""The default travel model: great-circle distance times a circuity factor, and a speed profile.

Every matrix is integer metres and seconds, rounded *up*. Rounding up keeps the triangle
inequality of the real-valued model in the integer matrix, because
``ceil(a) + ceil(b) >= ceil(a + b)`` for any reals ``a, b >= 0``; the insertion code relies on
removing a stop never making a route longer or later.

The scalar and the array forms of each function run the very same numpy arithmetic, so a leg
computed on its own (as the independent plan checker does) equals the matrix entry.
"""

from __future__ import annotations

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
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    return np.atleast_2d(road_metres(lat[:, None], lon[:, None], lat[None, :], lon[None, :], circuity))


def duration_matrix(distance: np.ndarray, speed_kmh: float) -> np.ndarray:
    """Seconds for every entry of an int64 metres matrix at a constant speed (km/h)."""
    return np.asarray(travel_seconds(distance, speed_kmh))


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
