"""Re-optimise a depot-day plan in the background, without holding its lock while solving.

Optimistic concurrency: read the plan (no lock, no transaction), solve with PyVRP (seconds,
lock-free, so shoppers keep booking), then lock the depot-day for a few milliseconds and write
the new routes only if the plan version is still the one that was solved. A booking in between
bumps the version, and the whole read-solve-apply round starts again, at most ``attempts`` times.

Stops keep their rows, windows and ids: only their shift, sequence and planned start change.
``routing.reoptimise`` has already required every stop in its booked window and checked the
result; the apply step re-checks completeness and each route's schedule before writing.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from greenslot import clock
from routing.plan import route_schedule
from routing.problem import PlanData
from routing.reoptimise import reoptimise

from .adapter import CompiledPlan, compile_plan
from .models import DepotDay, Stop
from .services import depot_day_bump, depot_day_lock

IMPROVED = "improved"  # a cheaper plan was written and the version bumped
UNCHANGED = "unchanged"  # nothing cheaper was found (or the plan has no stops): the plan stays
RETRIED_OUT = "retried_out"  # every attempt lost the race with a booking: the plan stays
NO_PLAN = "no_plan"  # there is no such depot-day, or it has no shifts

# Rows per UPDATE: keeps SQLite's CASE ... WHEN statement and PostgreSQL's parameters small.
_BATCH = 500


@dataclass(frozen=True)
class ReoptOutcome:
    """What one re-optimisation of a depot-day did.

    Attributes
    ----------
    status
        ``IMPROVED``, ``UNCHANGED``, ``RETRIED_OUT`` or ``NO_PLAN``.
    cost_before, cost_after
        ``routing.plan.plan_cost`` of the plan that was solved and of the plan that stands after
        the run (equal unless improved), money in the vehicle types' units.
    version_before, version_after
        The depot-day's plan version when last read and after the run (``version_before + 1``
        when improved; ``None`` without a plan).
    seconds
        Wall-clock seconds for the whole run, retries included.
    metres_before, metres_after
        Total metres driven by the plan solved and by the plan standing after the run.
    stops
        Stops in the plan solved.
    attempts
        Read-solve-apply rounds run.
    reason
        ``routing.reoptimise``'s reason of the last round (``improved``, ``not_cheaper``, ...),
        ``version_changed`` when retried out, ``""`` without a plan.
    """

    status: str
    cost_before: float
    cost_after: float
    version_before: int | None
    version_after: int | None
    seconds: float
    metres_before: int = 0
    metres_after: int = 0
    stops: int = 0
    attempts: int = 0
    reason: str = ""

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def plan_metres(plan: PlanData) -> int:
    """Metres driven by every route of the plan."""
    return sum(route_schedule(plan, index).metres for index in range(len(plan.routes)))


def depot_day_reoptimise(
    *,
    depot_day_id: int,
    max_iterations: int | None = None,
    max_runtime: float | None = None,
    seed: int = 0,
    now: dt.datetime | None = None,
    attempts: int = 3,
) -> ReoptOutcome:
    """Re-solve one depot-day's routes and write them if they are cheaper and nobody booked meanwhile.

    Parameters
    ----------
    depot_day_id
        The plan to improve.
    max_iterations, max_runtime
        PyVRP's budget per attempt (iterations; wall-clock seconds). Use iterations with a fixed
        ``seed`` where the result must be reproducible.
    seed
        PyVRP's random seed.
    now
        Which holds count (those not expired at ``now``); default: the time of each attempt.
    attempts
        Read-solve-apply rounds before giving up on a plan that keeps changing (>= 1).

    Returns
    -------
    ReoptOutcome
    """
    if attempts < 1:
        raise ValueError("Expected attempts >= 1.")
    started = time.perf_counter()
    for attempt in range(1, attempts + 1):
        depot_day = DepotDay.objects.select_related("depot").filter(pk=depot_day_id).first()
        if depot_day is None:
            return ReoptOutcome(
                NO_PLAN, 0.0, 0.0, None, None, time.perf_counter() - started, attempts=attempt
            )
        compiled = compile_plan(
            depot=depot_day.depot, depot_day=depot_day, date=depot_day.date, now=now or clock.now()
        )
        if not compiled.plan.routes:
            version = compiled.version
            return ReoptOutcome(
                NO_PLAN, 0.0, 0.0, version, version, time.perf_counter() - started, attempts=attempt
            )
        result = reoptimise(compiled.plan, max_iterations=max_iterations, max_runtime=max_runtime, seed=seed)
        version_after = None
        if result.improved:
            rows = stop_rows(compiled=compiled, new_plan=result.plan)
            version_after = plan_apply(depot_day=depot_day, compiled=compiled, rows=rows)
        if version_after is not None or not result.improved or attempt == attempts:
            break
    metres = plan_metres(compiled.plan)
    if version_after is not None:
        status, cost_after, metres_after = IMPROVED, result.cost_after, plan_metres(result.plan)
    else:
        # Cheaper but not written means a booking changed the plan before every write.
        status = RETRIED_OUT if result.improved else UNCHANGED
        cost_after, metres_after = result.cost_before, metres
    reason = "version_changed" if status == RETRIED_OUT else result.reason
    return ReoptOutcome(
        status,
        result.cost_before,
        cost_after,
        compiled.version,
        compiled.version if version_after is None else version_after,
        time.perf_counter() - started,
        metres_before=metres,
        metres_after=metres_after,
        stops=len(compiled.stop_ids),
        attempts=attempt,
        reason=reason,
    )


def stop_rows(*, compiled: CompiledPlan, new_plan: PlanData) -> list[Stop]:
    """The Stop rows (id, shift, sequence, planned start) of ``new_plan``, a plan over the same stops.

    Raises if a stop was lost or duplicated or a route would break a window, a capacity or its
    shift: ``routing.reoptimise`` promises none of that happens, so it would be a bug, and the
    plan must then stay as it is.
    """
    planned = [v for route in new_plan.routes for v in route.visits]
    if sorted(planned) != list(range(1, len(compiled.stop_ids) + 1)):
        raise RuntimeError("Re-optimisation lost or duplicated stops; the plan was not changed.")
    if [r.key for r in new_plan.routes] != [r.key for r in compiled.plan.routes]:
        raise RuntimeError("Re-optimisation changed the plan's shifts; the plan was not changed.")
    rows = []
    for index, route in enumerate(new_plan.routes):
        schedule = route_schedule(new_plan, index)
        if not schedule.feasible:
            raise RuntimeError(
                f"Re-optimised route of shift {route.key} is infeasible; the plan was not changed."
            )
        for sequence, (location, start) in enumerate(zip(route.visits, schedule.starts, strict=True)):
            rows.append(
                Stop(
                    id=compiled.stop_ids[location - 1],
                    shift_id=route.key,
                    sequence=sequence,
                    planned_start=compiled.moment(int(start)),
                )
            )
    return rows


def plan_apply(*, depot_day: DepotDay, compiled: CompiledPlan, rows: list[Stop]) -> int | None:
    """Write the re-optimised stop rows if ``depot_day``'s plan is still at ``compiled.version``.

    Returns the new version, or None when a booking changed the plan since it was read (nothing
    is written then).
    """
    with transaction.atomic():
        locked = depot_day_lock(depot=depot_day.depot, date=depot_day.date)
        if locked is None or locked.version != compiled.version:
            return None
        Stop.objects.bulk_update(rows, ["shift", "sequence", "planned_start"], batch_size=_BATCH)
        depot_day_bump(depot_day=locked)
        return locked.version


def depot_days_to_reoptimise(
    *, now: dt.datetime, depot_code: str | None = None, date: dt.date | None = None
) -> list[DepotDay]:
    """Depot-days with stops, in (depot, date) order: on ``date`` if given, else from each depot's
    local today on (past days are history, not plans)."""
    days = DepotDay.objects.select_related("depot").filter(stops__isnull=False).distinct()
    if depot_code is not None:
        days = days.filter(depot__code=depot_code)
    if date is not None:
        return list(days.filter(date=date).order_by("depot__code", "date"))
    # No time zone is more than a day off UTC: narrow in SQL, then compare with each depot's today.
    recent = days.filter(date__gte=now.date() - dt.timedelta(days=1)).order_by("depot__code", "date")
    return [day for day in recent if day.date >= timezone.localtime(now, day.depot.tz).date()]
