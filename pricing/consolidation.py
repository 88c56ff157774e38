"""Booked stops near an address, per window: the input of the "nearby stops" consolidation rule.

Pure numpy over the compiled plan's arrays; no database.
"""

from __future__ import annotations

import numpy as np

from routing.travel import haversine_m

from .calculation import NEARBY_MAX_METRES, NEARBY_MAX_STOPS


def nearby_metres_by_window(
    *,
    lat: float,
    lon: float,
    stop_lat: np.ndarray,
    stop_lon: np.ndarray,
    stop_early: np.ndarray,
    stop_late: np.ndarray,
    window_early: np.ndarray,
    window_late: np.ndarray,
    max_metres: int = NEARBY_MAX_METRES,
    max_stops: int = NEARBY_MAX_STOPS,
) -> list[tuple[int, ...]]:
    """For each window, the straight-line distances to the booked stops near the address whose
    booked windows overlap it.

    Parameters
    ----------
    lat, lon
        The shopper's address, degrees.
    stop_lat, stop_lon
        Degrees, one entry per booked stop (the depot excluded).
    stop_early, stop_late
        Each stop's booked window, seconds from the plan epoch.
    window_early, window_late
        The windows on offer, seconds from the same epoch.
    max_metres, max_stops
        Only stops within ``max_metres`` count, and at most the ``max_stops`` nearest are kept.

    Returns
    -------
    list[tuple[int, ...]]
        Per window, whole metres (rounded down), ascending. Overlap is strict: a stop booked
        10:00-11:00 does not overlap a window 11:00-12:00.
    """
    window_early = np.asarray(window_early, dtype=np.int64)
    window_late = np.asarray(window_late, dtype=np.int64)
    if len(stop_lat) == 0:
        return [() for _ in range(len(window_early))]
    metres = np.floor(haversine_m(lat, lon, np.asarray(stop_lat), np.asarray(stop_lon))).astype(np.int64)
    close = metres <= max_metres
    if not close.any():
        return [() for _ in range(len(window_early))]
    # The close stops, nearest first: each window's stops are then a prefix-preserving subset,
    # so no per-window sort is needed.
    order = np.flatnonzero(close)
    order = order[np.argsort(metres[order], kind="stable")]
    metres = metres[order]
    early = np.asarray(stop_early, dtype=np.int64)[order]
    late = np.asarray(stop_late, dtype=np.int64)[order]
    # overlaps[w, s]: stop s's window shares some time with window w.
    overlaps = (early[None, :] < window_late[:, None]) & (late[None, :] > window_early[:, None])
    return [tuple(metres[row][:max_stops].tolist()) for row in overlaps]
