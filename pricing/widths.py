"""How wide a delivery window is, once: its length in hours from real instants, and the width class
(1 h, 2 h, 4 h, all day) that the choice model, the replay, the dashboards and the pages group by.

Pure (no Django). Lengths come from the instants, not the wall clock, so a window across a DST
change is as long as the time the shopper really waits (02:00-03:00 on the spring-forward Sunday
does not exist: 0 hours).
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import numpy as np

WIDTH_CLASSES = ("1 h", "2 h", "4 h", "all day")
# The upper bound, in hours (inclusive), of each class but the last.
WIDTH_BOUNDS = (1, 2, 4)


def window_hours(*, start: dt.datetime, end: dt.datetime) -> Decimal:
    """Hours from ``start`` to ``end`` (aware datetimes), real elapsed time."""
    return _hours(round(end.timestamp() - start.timestamp()))


@functools.lru_cache(maxsize=256)
def _hours(seconds: int) -> Decimal:
    # An offer asks this of 160+ windows of a handful of widths.
    return Decimal(seconds) / Decimal(3600)


def width_index(hours: Decimal | float) -> int:
    """The position in ``WIDTH_CLASSES`` of a window of ``hours``: up to 1 h, 2 h, 4 h, else all day."""
    hours = float(hours)
    for index, bound in enumerate(WIDTH_BOUNDS):
        if hours <= bound:
            return index
    return len(WIDTH_BOUNDS)


def width_indices(hours: np.ndarray) -> np.ndarray:
    """``width_index`` of every element of a float array of hours (int64)."""
    return np.searchsorted(np.asarray(WIDTH_BOUNDS, dtype=np.float64), np.asarray(hours, dtype=np.float64))


def width_class(hours: Decimal | float) -> str:
    """The class a window of ``hours`` falls in: ``1 h``, ``2 h``, ``4 h`` or ``all day``."""
    return WIDTH_CLASSES[width_index(hours)]


def width_name(hours: Decimal | float) -> str:
    """What a shopper reads: ``1 h``, ``3 h`` (the exact length) or ``all day``."""
    if width_class(hours) == WIDTH_CLASSES[-1]:
        return "all day"
    return f"{float(hours):g} h"
