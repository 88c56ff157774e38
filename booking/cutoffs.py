"""A window template's cut-off as a manager says it, and as it is stored.

A template stores its cut-off as ``cutoff_minutes``: real minutes before the window starts. Managers
say it one of two ways: "N hours before the start", or "the day before at HH:MM". The second is kept
as the minutes from that time to the window's start, so on the one night a year the clocks go
forward (back) between the two it falls an hour later (earlier) on the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

HOURS_BEFORE = "hours"
DAY_BEFORE = "day_before"
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class CutoffSaid:
    """A cut-off in a manager's words: ``kind`` with ``hours`` (HOURS_BEFORE) or ``at`` (DAY_BEFORE)."""

    kind: str
    hours: Decimal | None = None
    at: dt.time | None = None


def _minutes_into_day(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def cutoff_minutes_for(*, said: CutoffSaid, start_time: dt.time) -> int:
    """Minutes before a window starting at ``start_time`` (local) that ``said`` closes orders.

    Raises ``ValueError`` for hours that are not whole minutes or negative.
    """
    if said.kind == DAY_BEFORE:
        return MINUTES_PER_DAY + _minutes_into_day(start_time) - _minutes_into_day(said.at)
    minutes = said.hours * 60
    if minutes < 0 or minutes != minutes.to_integral_value():
        raise ValueError("Give the hours in whole minutes, e.g. 2, 1.5 or 0.25.")
    return int(minutes)


def cutoff_said(*, cutoff_minutes: int, start_time: dt.time) -> CutoffSaid:
    """How a stored cut-off reads: "the day before at HH:MM" when it falls on the day before a
    window that starts at ``start_time``, else hours before the start."""
    start = _minutes_into_day(start_time)
    if start < cutoff_minutes <= start + MINUTES_PER_DAY:
        at = start + MINUTES_PER_DAY - cutoff_minutes
        return CutoffSaid(kind=DAY_BEFORE, at=dt.time(at // 60, at % 60))
    hours = (Decimal(cutoff_minutes) / 60).quantize(Decimal("0.01"))
    if hours == hours.to_integral_value():
        hours = hours.quantize(Decimal(1))
    return CutoffSaid(kind=HOURS_BEFORE, hours=hours)


def cutoff_label(*, cutoff_minutes: int, start_time: dt.time) -> str:
    """``2 h before`` or ``day before, 18:00``: the list's short form."""
    said = cutoff_said(cutoff_minutes=cutoff_minutes, start_time=start_time)
    if said.kind == DAY_BEFORE:
        return f"day before, {said.at:%H:%M}"
    return f"{said.hours} h before"
