"""The delivery windows of a depot-day, from the depot's window templates.

Every offer needs, for each day of its horizon, each window's local start, end and cutoff and its
bounds in plan seconds. Those depend only on the depot's time zone, the date and the templates, so
they are computed once per distinct (time zone, date, plan epoch, templates) and kept in this
process. The templates are read on every offer (one small query), and the cache is keyed on what
that query returned: an edited template is a different key, never a stale entry.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from fleet.adapter import elapsed_seconds, local_moment
from fleet.models import Depot
from pricing.widths import window_hours

from ..models import WindowTemplate

DAY_WINDOWS_CACHE_ENTRIES = 512


class TemplateRow(NamedTuple):
    """What an offer needs of one active ``WindowTemplate`` (local wall-clock times).

    A named tuple, not a dataclass: a tuple of them keys ``day_windows_cache``, and tuples hash
    and compare in C.
    """

    start_time: dt.time
    end_time: dt.time
    cutoff_minutes: int
    weekdays: tuple[int, ...] = ()

    def runs_on(self, isoweekday: int) -> bool:
        return not self.weekdays or isoweekday in self.weekdays


def window_templates(*, depot: Depot) -> tuple[TemplateRow, ...]:
    """The depot's active window templates, by start then end time. One query."""
    rows = (
        WindowTemplate.objects.filter(depot=depot, is_active=True)
        .order_by()  # sorted below: an ORDER BY costs more to compile than ~20 rows to sort
        .values_list("start_time", "end_time", "cutoff_minutes", "weekdays")
    )
    templates = [
        TemplateRow(start_time=start, end_time=end, cutoff_minutes=cutoff, weekdays=tuple(weekdays or ()))
        for start, end, cutoff, weekdays in rows
    ]
    return tuple(sorted(templates, key=lambda t: (t.start_time, t.end_time)))


@dataclass(frozen=True)
class DayWindow:
    """One window of a depot-day: aware datetimes in the depot's time zone, with what every offer
    of the window repeats: its length in real hours (``pricing.widths.window_hours``) and its
    ISO 8601 start, end and cutoff (as the offer records them)."""

    start: dt.datetime
    end: dt.datetime
    cutoff: dt.datetime
    # The cutoff in UTC, as offers compare it with ``now`` (an aware UTC instant): datetimes that
    # share a tzinfo compare field by field, without a time-zone lookup each.
    cutoff_utc: dt.datetime
    hours: Decimal
    start_text: str
    end_text: str
    cutoff_text: str


@dataclass(frozen=True, eq=False)
class DayWindows:
    """The windows of one depot-day, in template order, with their bounds for the engine.

    ``early[k]`` and ``late[k]`` are window k's start and end in seconds from ``epoch`` (the plan
    epoch, the depot-day's local midnight); real seconds, so a DST day is right. Read-only arrays:
    an entry is shared by every offer of that day.
    """

    date: dt.date
    epoch: dt.datetime
    windows: tuple[DayWindow, ...]
    early: np.ndarray
    late: np.ndarray


class DayWindowsCache:
    """``DayWindows`` per (time zone, date, epoch, templates), least recently used dropped first."""

    def __init__(self, max_entries: int = DAY_WINDOWS_CACHE_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, DayWindows] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, *, depot: Depot, date: dt.date, epoch: dt.datetime, templates: tuple[TemplateRow, ...]
    ) -> DayWindows:
        """The windows of ``templates`` that run on ``date``, at ``depot``."""
        key = (depot.time_zone, date, epoch, templates)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        found = day_windows_build(depot=depot, date=date, epoch=epoch, templates=templates)
        with self._lock:
            self._entries[key] = found
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def existing_local_moment(depot: Depot, date: dt.date, clock: dt.time) -> dt.datetime:
    """The instant a template's wall-clock time means on ``date``, as the depot's clock shows it.

    A time the clocks skip (02:30 on a spring-forward night) means the instant RFC 5545 gives it,
    read with the offset before the gap (02:30 CET, which the clock shows as 03:30 CEST); and it is
    shown as that existing local time, never as the non-existent ``02:30+01:00``, so offers print
    an instant exactly as bookings and plans do. A time that happens twice (fall-back) is its
    first occurrence.
    """
    return local_moment(depot, date, clock).astimezone(dt.UTC).astimezone(depot.tz)


def day_windows_build(
    *, depot: Depot, date: dt.date, epoch: dt.datetime, templates: tuple[TemplateRow, ...]
) -> DayWindows:
    """``DayWindows`` computed afresh (``day_windows_cache`` keeps them)."""
    windows = []
    for template in templates:
        if not template.runs_on(date.isoweekday()):
            continue
        start = existing_local_moment(depot, date, template.start_time)
        end = existing_local_moment(depot, date, template.end_time)
        if end <= start:
            # All of it inside the spring-forward gap (02:00-03:00 that night): no such window.
            continue
        # Real minutes before the start (aware arithmetic in one zone is wall-clock arithmetic), shown
        # as the depot's clock shows that instant.
        cutoff = (start.astimezone(dt.UTC) - dt.timedelta(minutes=template.cutoff_minutes)).astimezone(
            depot.tz
        )
        windows.append(
            DayWindow(
                start=start,
                end=end,
                cutoff=cutoff,
                cutoff_utc=cutoff.astimezone(dt.UTC),
                hours=window_hours(start=start, end=end),
                start_text=start.isoformat(),
                end_text=end.isoformat(),
                cutoff_text=cutoff.isoformat(),
            )
        )
    early = np.array([elapsed_seconds(epoch, w.start) for w in windows], dtype=np.int64)
    late = np.array([elapsed_seconds(epoch, w.end) for w in windows], dtype=np.int64)
    early.flags.writeable = False
    late.flags.writeable = False
    return DayWindows(date=date, epoch=epoch, windows=tuple(windows), early=early, late=late)


day_windows_cache = DayWindowsCache()
