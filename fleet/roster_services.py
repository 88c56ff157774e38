"""Weekly rosters in the database: depot-days and shifts made from them, and roster edits that keep
every planned route feasible.

``roster_apply`` fills a horizon: it creates the depot-days and shifts the roster gives and keeps
what exists (a shift edited by hand on one day stays as it is). ``roster_change_apply`` writes an
edit of a pattern or an exception and brings the days already made in line with it, through
``fleet_change_check``: the days are locked in the global order, the plans re-checked and bumped,
and an edit that would break a planned stop is rolled back with the stops it would break.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from .models import Depot, DepotDay, RosterException, Shift, ShiftPattern, Stop, Vehicle
from .roster import (
    DateException,
    ExceptionKind,
    Refusal,
    RosterExpansion,
    WeeklyPattern,
    date_range,
    roster_expand,
)
from .services import PlanProblem, depot_day_bump, depot_day_lock, fleet_change_check


def roster_days_default() -> int:
    """How many days ``roster_apply`` fills by default: the longest horizon a client may ask for."""
    return int(settings.GREENSLOT["MAX_HORIZON_DAYS"])


def roster_dates(*, depot: Depot, now: dt.datetime, days: int) -> list[dt.date]:
    """``days`` dates from the depot's local today on."""
    return date_range(now.astimezone(depot.tz).date(), days)


def roster_read(*, depot: Depot, dates: Iterable[dt.date]) -> RosterExpansion:
    """Fetch the depot's patterns, exceptions and active vehicles, then expand them over ``dates``."""
    dates = sorted(set(dates))
    if not dates:
        return RosterExpansion(days=())
    patterns = [
        weekly_pattern(p)
        for p in ShiftPattern.objects.filter(vehicle__depot=depot, valid_from__lte=dates[-1]).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=dates[0])
        )
    ]
    exceptions = [
        DateException(
            date=e.date,
            kind=ExceptionKind(e.kind),
            vehicle_id=e.vehicle_id,
            start=e.start_time,
            end=e.end_time,
        )
        for e in RosterException.objects.filter(depot=depot, date__gte=dates[0], date__lte=dates[-1])
    ]
    active = Vehicle.objects.filter(depot=depot, is_active=True).values_list("id", flat=True)
    return roster_expand(
        patterns=patterns, exceptions=exceptions, dates=dates, tz=depot.tz, vehicle_ids=list(active)
    )


@dataclasses.dataclass
class RosterApplied:
    """What ``roster_apply`` did: counts of depot-days and shifts created and kept, and refusals."""

    created_days: int = 0
    created_shifts: int = 0
    kept_days: int = 0
    kept_shifts: int = 0
    refused: list[dict] = dataclasses.field(default_factory=list)

    def add(self, other: RosterApplied) -> None:
        self.created_days += other.created_days
        self.created_shifts += other.created_shifts
        self.kept_days += other.kept_days
        self.kept_shifts += other.kept_shifts
        self.refused.extend(other.refused)

    def as_dict(self) -> dict:
        return {
            "created": {"depot_days": self.created_days, "shifts": self.created_shifts},
            "kept": {"depot_days": self.kept_days, "shifts": self.kept_shifts},
            "refused": self.refused,
        }


def refusal_as_dict(*, depot: Depot, refusal: Refusal, vehicle_names: dict[int, str]) -> dict:
    return {
        "depot": depot.code,
        "date": refusal.date.isoformat(),
        "vehicle": vehicle_names.get(refusal.vehicle_id) if refusal.vehicle_id else None,
        "reason": refusal.reason,
    }


def roster_apply(
    *,
    depot: Depot,
    dates: Iterable[dt.date],
    on_date: Callable[[dt.date], None] | None = None,
) -> RosterApplied:
    """Create the depot-days and shifts the roster gives on ``dates`` and keep those that exist.

    Idempotent: a second run creates nothing. A vehicle that already has a shift that day keeps it
    as it is (an hour changed by hand on one day is not undone); a closed day gets no depot-day.
    Each day is its own transaction under the day's lock, and its version is bumped once when a
    shift is added. ``on_date`` is called after each date (a progress bar).
    """
    expansion = roster_read(depot=depot, dates=dates)
    names = dict(Vehicle.objects.filter(depot=depot).values_list("id", "name"))
    applied = RosterApplied(
        refused=[refusal_as_dict(depot=depot, refusal=r, vehicle_names=names) for r in expansion.refused]
    )
    for day in expansion.days:
        if day.shifts:
            with transaction.atomic():
                depot_day, created = DepotDay.objects.get_or_create(depot=depot, date=day.date)
                depot_day = depot_day_lock(depot=depot, date=day.date)
                having = set(depot_day.shifts.values_list("vehicle_id", flat=True))
                new = [
                    Shift(depot_day=depot_day, vehicle_id=s.vehicle_id, start=s.start, end=s.end)
                    for s in day.shifts
                    if s.vehicle_id not in having
                ]
                if new:
                    Shift.objects.bulk_create(new)
                    depot_day_bump(depot_day=depot_day)
            applied.created_days += created
            applied.kept_days += not created
            applied.created_shifts += len(new)
            applied.kept_shifts += len(day.shifts) - len(new)
        if on_date is not None:
            on_date(day.date)
    return applied


def roster_apply_all(
    *,
    now: dt.datetime,
    days: int | None = None,
    depots: Iterable[Depot] | None = None,
    on_date: Callable[[dt.date], None] | None = None,
) -> RosterApplied:
    """``roster_apply`` over the next ``days`` days (default ``roster_days_default``) of every depot."""
    days = roster_days_default() if days is None else days
    total = RosterApplied()
    for depot in Depot.objects.all() if depots is None else depots:
        total.add(
            roster_apply(depot=depot, dates=roster_dates(depot=depot, now=now, days=days), on_date=on_date)
        )
    return total


def _active_stops(shift: Shift, now: dt.datetime):
    return Stop.objects.filter(shift=shift).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


@dataclasses.dataclass
class RosterResync:
    """What re-making days from the roster did: shifts added, re-timed and removed, and the stops
    it could not take a shift away from."""

    added: int = 0
    retimed: int = 0
    removed: int = 0
    problems: list[PlanProblem] = dataclasses.field(default_factory=list)


def roster_resync(
    *, depot_days: list[DepotDay], vehicle_ids: set[int] | None, now: dt.datetime
) -> RosterResync:
    """Bring the shifts of ``vehicle_ids`` (None: every vehicle) on these locked depot-days in line
    with the roster as it now reads: create, re-time or remove them.

    A shift to remove that still carries live stops stays, and each of its stops is returned as a
    problem (the caller rolls back); stops of lapsed holds go with it. Re-timed shifts are left for
    the checker to judge against their stops.
    """
    if not depot_days:
        return RosterResync()
    depot = depot_days[0].depot
    expansion = roster_read(depot=depot, dates=[d.date for d in depot_days])
    by_date = {day.date: day for day in expansion.days}
    names = dict(Vehicle.objects.filter(depot=depot).values_list("id", "name"))
    done = RosterResync()
    problems = done.problems
    for depot_day in depot_days:
        wanted = by_date[depot_day.date]
        existing = {s.vehicle_id: s for s in depot_day.shifts.all()}
        vehicles = set(existing) | {s.vehicle_id for s in wanted.shifts}
        if vehicle_ids is not None:
            vehicles &= vehicle_ids
        changed = False
        for vehicle_id in sorted(vehicles):
            shift, planned = existing.get(vehicle_id), wanted.shift_of(vehicle_id)
            if shift is None and planned is not None:
                Shift.objects.create(
                    depot_day=depot_day, vehicle_id=vehicle_id, start=planned.start, end=planned.end
                )
                done.added += 1
                changed = True
            elif shift is not None and planned is None:
                live = list(_active_stops(shift, now).values_list("id", flat=True))
                why = "the depot is closed" if wanted.closed else "the roster gives it no shift"
                problems.extend(
                    PlanProblem(
                        depot_day,
                        stop_id,
                        f"{names.get(vehicle_id)} carries this stop but {why} that day.",
                        "closed" if wanted.closed else "no_shift",
                    )
                    for stop_id in live
                )
                if not live:
                    Stop.objects.filter(shift=shift).delete()  # lapsed holds only
                    shift.delete()
                    done.removed += 1
                    changed = True
            elif shift is not None and (shift.start, shift.end) != (planned.start, planned.end):
                shift.start, shift.end = planned.start, planned.end
                shift.save(update_fields=["start", "end"])
                done.retimed += 1
                changed = True
        if changed:
            depot_day_bump(depot_day=depot_day)
    return done


@dataclasses.dataclass(frozen=True)
class RosterScope:
    """What a roster edit can change: a depot, its vehicles (None: all) and the dates a pattern
    (as it was or as it will be) applies on or an exception names. Other days, and shifts made by
    hand there, are left alone."""

    depot: Depot
    vehicle_ids: frozenset[int] | None
    patterns: tuple[WeeklyPattern, ...] = ()
    dates: frozenset[dt.date] = frozenset()

    def covers(self, date: dt.date) -> bool:
        return date in self.dates or any(p.applies_on(date) for p in self.patterns)


def weekly_pattern(row: ShiftPattern) -> WeeklyPattern:
    return WeeklyPattern(
        vehicle_id=row.vehicle_id,
        weekdays=frozenset(row.weekdays),
        start=row.start_time,
        end=row.end_time,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        pattern_id=row.pk,
    )


def roster_scope(*rows: ShiftPattern | RosterException | None) -> RosterScope:
    """The scope of an edit from its row as it was (None for a new one) and as it will be."""
    rows = [row for row in rows if row is not None]
    if all(isinstance(row, ShiftPattern) for row in rows):
        return RosterScope(
            depot=rows[0].vehicle.depot,
            vehicle_ids=frozenset(row.vehicle_id for row in rows),
            patterns=tuple(weekly_pattern(row) for row in rows),
        )
    closed = any(row.kind == ExceptionKind.CLOSED for row in rows)
    return RosterScope(
        depot=rows[0].depot,
        vehicle_ids=None if closed else frozenset(row.vehicle_id for row in rows),
        dates=frozenset(row.date for row in rows),
    )


@dataclasses.dataclass(frozen=True)
class RosterChange:
    """The outcome of a roster edit: applied when there are no problems."""

    problems: list[PlanProblem]
    refused: list[Refusal]
    resync: RosterResync = dataclasses.field(default_factory=RosterResync)

    @property
    def applied(self) -> bool:
        return not self.problems


def roster_change_apply(
    *,
    change: Callable[[], object],
    scope: RosterScope,
    now: dt.datetime,
    dry_run: bool = False,
) -> RosterChange:
    """Write a roster edit (``change`` saves or deletes a pattern or an exception) and re-make the
    shifts in its ``scope`` on the depot's days from its local today on.

    Through ``fleet_change_check``: those days are locked in the global order, re-checked and bumped;
    if a planned stop would lose its van or miss its window, nothing is written and the problems
    name the stops. The days the roster has not made yet are left to ``roster_apply``.
    """
    depot = scope.depot
    today = now.astimezone(depot.tz).date()
    days = [
        day
        for day in DepotDay.objects.filter(depot=depot, date__gte=today).select_related("depot")
        if scope.covers(day.date)
    ]
    vehicle_ids = None if scope.vehicle_ids is None else set(scope.vehicle_ids)
    refused: list[Refusal] = []
    resyncs: list[RosterResync] = []

    def write() -> list[PlanProblem]:
        change()
        locked = [depot_day_lock(depot=depot, date=d.date) for d in sorted(days, key=lambda d: d.date)]
        locked = [d for d in locked if d is not None]
        refused.extend(roster_read(depot=depot, dates=[d.date for d in locked]).refused)
        resyncs.append(roster_resync(depot_days=locked, vehicle_ids=vehicle_ids, now=now))
        return resyncs[-1].problems

    problems = fleet_change_check(change=write, depot_days=days, now=now, dry_run=dry_run)
    if vehicle_ids is not None:
        refused = [r for r in refused if r.vehicle_id in vehicle_ids]
    return RosterChange(problems=problems, refused=refused, resync=resyncs[-1] if resyncs else RosterResync())
