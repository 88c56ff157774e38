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


def width_class(hours: Decimal | float) -> str:
    """The class a window of ``hours`` falls in: up to 1 h, 2 h, 4 h, else all day."""
    hours = float(hours)
    for bound, name in zip(WIDTH_BOUNDS, WIDTH_CLASSES, strict=False):
        if hours <= bound:
            return name
    return WIDTH_CLASSES[-1]


def width_name(hours: Decimal | float) -> str:
    """What a shopper reads: ``1 h``, ``3 h`` (the exact length) or ``all day``."""
    if width_class(hours) == WIDTH_CLASSES[-1]:
        return "all day"
    return f"{float(hours):g} h"
