"""Weekly rosters expanded into depot-days and shifts: a pure function, no Django.

A roster is a set of shift patterns (a vehicle works these weekdays from a local start to a local
end, from one date to another) and exceptions per date (the depot is closed, a vehicle is off, a
vehicle works extra or other hours). ``roster_expand`` turns them into the shifts of each date of
a range, as aware instants, and the reasons it refused what it could not place.

Hours are wall-clock hours in the depot's zone: 09:00–17:00 stays 09:00–17:00 local on both sides
of a DST change (so in UTC it moves by an hour). A local time that does not exist on a date (the
hour skipped when clocks go forward) is refused with its reason; a local time that happens twice
(the hour repeated when clocks go back) means its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

ISO_WEEKDAYS = range(1, 8)
WEEKDAY_NAMES = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}


class ExceptionKind(enum.StrEnum):
    CLOSED = "closed"  # the depot does not deliver that date: no shift at all
    VEHICLE_OFF = "vehicle_off"  # one vehicle does not work that date
    EXTRA_SHIFT = "extra_shift"  # one vehicle works these hours that date (in place of its pattern's)


@dataclass(frozen=True)
class WeeklyPattern:
    """A vehicle's weekly hours. ``weekdays`` are ISO weekdays (1 = Monday); ``valid_until`` is
    the last date it applies (inclusive), None for open-ended."""

    vehicle_id: int
    weekdays: frozenset[int]
    start: dt.time
    end: dt.time
    valid_from: dt.date
    valid_until: dt.date | None = None
    pattern_id: int | None = None

    def __post_init__(self) -> None:
        if not self.weekdays or not set(self.weekdays) <= set(ISO_WEEKDAYS):
            raise ValueError("Expected weekdays: a non-empty set of ISO weekdays 1-7.")
        if self.end <= self.start:
            raise ValueError("Expected end after start (a shift ends on the day it starts).")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("Expected valid_until on or after valid_from.")

    def applies_on(self, date: dt.date) -> bool:
        in_range = self.valid_from <= date and (self.valid_until is None or date <= self.valid_until)
        return in_range and date.isoweekday() in self.weekdays


@dataclass(frozen=True)
class DateException:
    """One date's exception. ``vehicle_id`` is None for CLOSED; ``start``/``end`` only for EXTRA_SHIFT."""

    date: dt.date
    kind: ExceptionKind
    vehicle_id: int | None = None
    start: dt.time | None = None
    end: dt.time | None = None

    def __post_init__(self) -> None:
        if self.kind is ExceptionKind.CLOSED and self.vehicle_id is not None:
            raise ValueError("A closed depot concerns every vehicle: expected no vehicle.")
        if self.kind is not ExceptionKind.CLOSED and self.vehicle_id is None:
            raise ValueError(f"Expected a vehicle for {self.kind.value}.")
        if self.kind is ExceptionKind.EXTRA_SHIFT:
            if self.start is None or self.end is None or self.end <= self.start:
                raise ValueError("Expected an extra shift's start and end, end after start.")


@dataclass(frozen=True)
class PlannedShift:
    vehicle_id: int
    start: dt.datetime  # aware, in UTC
    end: dt.datetime  # aware, in UTC


@dataclass(frozen=True)
class Refusal:
    date: dt.date
    vehicle_id: int | None
    reason: str


@dataclass(frozen=True)
class RosterDay:
    """What the roster says for one date: closed, or these shifts (possibly none)."""

    date: dt.date
    closed: bool
    shifts: tuple[PlannedShift, ...]

    def shift_of(self, vehicle_id: int) -> PlannedShift | None:
        return next((s for s in self.shifts if s.vehicle_id == vehicle_id), None)


@dataclass(frozen=True)
class RosterExpansion:
    days: tuple[RosterDay, ...]
    refused: tuple[Refusal, ...] = field(default=())


def local_instant(date: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime | None:
    """``date`` at wall-clock ``time`` in ``tz`` as an aware UTC instant; None if that local time does
    not exist that day (skipped when clocks go forward). A repeated time gives its first occurrence."""
    local = dt.datetime.combine(date, time.replace(tzinfo=None, fold=0), tzinfo=tz)
    instant = local.astimezone(dt.UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def date_range(first: dt.date, days: int) -> list[dt.date]:
    return [first + dt.timedelta(days=offset) for offset in range(days)]


def roster_expand(
    *,
    patterns: Iterable[WeeklyPattern],
    exceptions: Iterable[DateException],
    dates: Iterable[dt.date],
    tz: ZoneInfo,
    vehicle_ids: Iterable[int] | None = None,
) -> RosterExpansion:
    """The shifts the roster gives each of ``dates`` in the zone ``tz``.

    ``vehicle_ids``, if given, are the vehicles that may work (active ones): patterns and extra
    shifts of others are left out silently. Two patterns of one vehicle on one date, or a local
    start or end that does not exist that date, are refused with a reason (the vehicle then has
    no shift that date).
    """
    allowed = None if vehicle_ids is None else frozenset(vehicle_ids)
    patterns = [p for p in patterns if allowed is None or p.vehicle_id in allowed]
    by_date: dict[dt.date, list[DateException]] = {}
    for exception in exceptions:
        by_date.setdefault(exception.date, []).append(exception)
    days: list[RosterDay] = []
    refused: list[Refusal] = []
    for date in sorted(set(dates)):
        today = by_date.get(date, [])
        if any(e.kind is ExceptionKind.CLOSED for e in today):
            days.append(RosterDay(date=date, closed=True, shifts=()))
            continue
        hours: dict[int, tuple[dt.time, dt.time]] = {}
        for vehicle_id in sorted({p.vehicle_id for p in patterns}):
            applying = [p for p in patterns if p.vehicle_id == vehicle_id and p.applies_on(date)]
            if len(applying) > 1:
                refused.append(
                    Refusal(
                        date, vehicle_id, f"{len(applying)} patterns give this vehicle a shift on {date}."
                    )
                )
            elif applying:
                hours[vehicle_id] = (applying[0].start, applying[0].end)
        for exception in today:
            if exception.kind is ExceptionKind.VEHICLE_OFF:
                hours.pop(exception.vehicle_id, None)
        for exception in today:
            if exception.kind is ExceptionKind.EXTRA_SHIFT and (
                allowed is None or exception.vehicle_id in allowed
            ):
                hours[exception.vehicle_id] = (exception.start, exception.end)
        shifts = []
        for vehicle_id, (start, end) in sorted(hours.items()):
            start_at, end_at = local_instant(date, start, tz), local_instant(date, end, tz)
            missing = [f"{t:%H:%M}" for t, at in ((start, start_at), (end, end_at)) if at is None]
            if missing:
                refused.append(
                    Refusal(
                        date,
                        vehicle_id,
                        f"{' and '.join(missing)} does not exist on {date} in {tz.key} "
                        "(the clocks skip that hour).",
                    )
                )
                continue
            shifts.append(PlannedShift(vehicle_id=vehicle_id, start=start_at, end=end_at))
        days.append(RosterDay(date=date, closed=False, shifts=tuple(shifts)))
    return RosterExpansion(days=tuple(days), refused=tuple(refused))


def weekdays_label(weekdays: Iterable[int]) -> str:
    """ISO weekdays as an operator reads them: ``Mon–Fri``, ``Mon, Wed, Sat``, ``every day``."""
    chosen = sorted(set(weekdays))
    if chosen == list(ISO_WEEKDAYS):
        return "every day"
    runs: list[list[int]] = []
    for day in chosen:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [
        f"{WEEKDAY_NAMES[run[0]]}–{WEEKDAY_NAMES[run[-1]]}"
        if len(run) > 2
        else ", ".join(WEEKDAY_NAMES[d] for d in run)
        for run in runs
    ]
    return ", ".join(parts)
