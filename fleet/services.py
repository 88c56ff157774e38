"""Writes to the route plan. Callers hold the depot-day lock (``depot_day_lock``) for all of them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import numpy as np
from django.db import transaction

from greenslot import clock
from routing.plan import insert_visit, route_schedule
from routing.problem import StopSpec

from .adapter import CompiledPlan, compile_plan, plan_cache
from .models import Depot, DepotDay, MarginalCostAverage, Shift, Stop


def depot_day_lock(*, depot: Depot, date: dt.date) -> DepotDay | None:
    """Lock one depot-day's plan row for the rest of the transaction (None if it has no plan).

    Two depot-days are always locked in (depot id, date) order by ``depot_days_lock``.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("depot_day_lock must run inside transaction.atomic().")
    # The depot-day row only, never the shared depot row: a FOR UPDATE over a join with fleet_depot
    # (the model's ordering joins it) would make every write of the depot queue on that row, and a
    # statement holding its depot-day but waiting for the depot row deadlocks with a two-day
    # reschedule holding the depot row. So: of=("self",), and no ORDER BY ((depot, date) is unique).
    rows = list(
        DepotDay.objects.select_for_update(of=("self",)).filter(depot=depot, date=date).order_by()[:1]
    )
    if rows:
        rows[0].depot = depot  # the caller's depot: reading the plan needs it, without another query
    return rows[0] if rows else None


def depot_days_lock(*, keys: list[tuple[Depot, dt.date]]) -> list[DepotDay | None]:
    """Lock several depot-days in a fixed global order so two writers never deadlock."""
    ordered = sorted(set(keys), key=lambda k: (k[0].id, k[1]))
    locked = {(depot.id, date): depot_day_lock(depot=depot, date=date) for depot, date in ordered}
    return [locked[(depot.id, date)] for depot, date in keys]


def depot_day_bump(*, depot_day: DepotDay) -> None:
    """Bump the plan's version (every cached compile of it is then stale), in one round trip."""
    connection = transaction.get_connection()
    now = clock.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DepotDay._meta.db_table} SET version = version + 1, updated_at = %s "
            "WHERE id = %s RETURNING version",
            [connection.ops.adapt_datetimefield_value(now), depot_day.pk],
        )
        (depot_day.version,) = cursor.fetchone()
    depot_day.updated_at = now


def stop_insert(
    *,
    compiled: CompiledPlan,
    depot_day: DepotDay,
    route_index: int,
    position: int,
    stop: StopSpec,
    expires_at: dt.datetime | None,
) -> Stop:
    """Insert a stop into a shift's route before ``position`` and re-time that route.

    The caller has checked the insertion with the engine on ``compiled``, read inside the lock.
    """
    shift_id = compiled.plan.routes[route_index].key
    new_plan = insert_visit(compiled.plan, stop=stop, route_index=route_index, position=position)
    schedule = route_schedule(new_plan, route_index)
    if not schedule.feasible:
        raise AssertionError("Engine accepted an insertion that leaves its route infeasible.")
    created = Stop.objects.create(
        depot_day=depot_day,
        shift_id=shift_id,
        sequence=position,
        lat=stop.lat,
        lon=stop.lon,
        window_start=compiled.moment(stop.early),
        window_end=compiled.moment(stop.late),
        service_seconds=stop.service,
        size_units=stop.demand,
        planned_start=compiled.moment(schedule.starts[position]),
        expires_at=expires_at,
    )
    new_location_ids = (*compiled.stop_ids, created.id)
    route_stop_ids = [new_location_ids[v - 1] for v in new_plan.routes[route_index].visits]
    _resequence(
        changes=[
            (stop_id, sequence, compiled.moment(start))
            for sequence, (stop_id, start) in enumerate(zip(route_stop_ids, schedule.starts, strict=True))
            if stop_id != created.id
        ]
    )
    depot_day_bump(depot_day=depot_day)
    _keep_written_plan(
        depot_day=depot_day,
        compiled=dataclasses.replace(
            compiled,
            version=depot_day.version,
            plan=dataclasses.replace(
                new_plan,
                keys=np.append(compiled.plan.keys, np.int64(created.id)),
                derived={},
            ),
            stop_ids=(*compiled.stop_ids, created.id),
            valid_until=min((t for t in (compiled.valid_until, expires_at) if t is not None), default=None),
        ),
    )
    return created


def depot_day_bump_same_plan(*, depot_day: DepotDay, now: dt.datetime) -> None:
    """Bump the version for a write that leaves the routes as they are (a hold confirmed).

    Every write bumps, so a reader never mistakes one state for another; but the stops and routes
    did not change, so a plan this process holds for the old version serves the new one too. Its
    ``valid_until`` (the earliest expiry of the holds it counted) may now be earlier than needed,
    which only brings its recompile forward.
    """
    before = plan_cache.stamp(depot_day)
    depot_day_bump(depot_day=depot_day)
    compiled = plan_cache.peek(stamp=before, depot_day_id=depot_day.id, now=now)
    if compiled is not None:
        _keep_written_plan(
            depot_day=depot_day, compiled=dataclasses.replace(compiled, version=depot_day.version)
        )


def _keep_written_plan(*, depot_day: DepotDay, compiled: CompiledPlan) -> None:
    """Once the transaction commits, cache the plan this writer just wrote under the version it
    bumped to, so this process's next offer or hold on the day compiles nothing.

    The stamp is taken now: if the transaction bumps the day again, or rolls back, the entry names
    a version the database never settles on, and no reader ever matches it.
    """
    stamp = plan_cache.stamp(depot_day)
    transaction.on_commit(lambda: plan_cache.put(stamp=stamp, compiled=compiled))


def stops_remove(*, depot_day: DepotDay, stop_ids: list[int], now: dt.datetime) -> int:
    """Take stops off their routes and re-time the routes they were on."""
    if not stop_ids:
        return 0
    shift_ids = set(
        Stop.objects.filter(depot_day=depot_day, id__in=stop_ids).values_list("shift_id", flat=True)
    )
    deleted, _ = Stop.objects.filter(depot_day=depot_day, id__in=stop_ids).delete()
    compiled = routes_retime(depot_day=depot_day, shift_ids=shift_ids, now=now) if shift_ids else None
    depot_day_bump(depot_day=depot_day)
    if compiled is not None:
        # The plan routes_retime read is the plan without the removed stops: the new version's.
        _keep_written_plan(
            depot_day=depot_day, compiled=dataclasses.replace(compiled, version=depot_day.version)
        )
    return deleted


def routes_retime(*, depot_day: DepotDay, shift_ids: set[int], now: dt.datetime) -> CompiledPlan:
    """Recompute sequences and earliest planned starts of some routes from their active stops.

    Returns the plan it read (sequences renumbered, visits in the same order).
    """
    compiled = compile_plan(depot=depot_day.depot, depot_day=depot_day, date=depot_day.date, now=now)
    for route_index, route in enumerate(compiled.plan.routes):
        if route.key not in shift_ids:
            continue
        schedule = route_schedule(compiled.plan, route_index)
        stop_ids = [compiled.stop_ids[v - 1] for v in route.visits]
        _resequence(
            changes=[
                (stop_id, sequence, compiled.moment(start))
                for sequence, (stop_id, start) in enumerate(zip(stop_ids, schedule.starts, strict=True))
            ]
        )
    return compiled


def _resequence(*, changes: list[tuple[int, int, dt.datetime]]) -> None:
    """Set (stop id, sequence, planned start) of some stops in one batch.

    ``executemany`` of one small UPDATE: psycopg 3 pipelines it into a single round trip, and it
    compiles no ORM query (``bulk_update``'s CASE over every row cost more than the rest of a hold).
    """
    if not changes:
        return
    connection = transaction.get_connection()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Stop._meta.db_table} SET sequence = %s, planned_start = %s WHERE id = %s",
            [(sequence, adapt(start), stop_id) for stop_id, sequence, start in changes],
        )


def shift_create(*, depot_day: DepotDay, vehicle, start: dt.datetime, end: dt.datetime) -> Shift:
    shift = Shift(depot_day=depot_day, vehicle=vehicle, start=start, end=end)
    shift.full_clean()
    shift.save()
    depot_day_bump(depot_day=depot_day)
    return shift


def depot_day_get_or_create(*, depot: Depot, date: dt.date) -> DepotDay:
    depot_day, _ = DepotDay.objects.get_or_create(depot=depot, date=date)
    return depot_day


@dataclasses.dataclass(frozen=True)
class PlanProblem:
    """Why a change would leave a planned route infeasible; ``stop_id`` names the stop (and so the
    booking or hold) it would break, when there is one."""

    depot_day: DepotDay
    stop_id: int | None
    message: str
    code: str = ""  # the checker's violation code (``routing.checker``), or the writer's own

    def __str__(self) -> str:
        return f"{self.depot_day}: {self.message}"


def fleet_change_check(
    *, change, depot_days, now: dt.datetime | None = None, dry_run: bool = False
) -> list[PlanProblem]:
    """Apply an edit of fleet data that the plans depend on and keep every plan consistent.

    ``change`` is a callable that writes the edit; ``depot_days`` the (unlocked) depot-days it can
    affect. Inside one transaction the days are locked in the global order, the edit is written,
    each plan is re-read and checked by the independent checker, and every version is bumped so no
    cached plan outlives the edit. ``change`` may return problems of its own (a list of
    ``PlanProblem``, e.g. a shift it could not take away from under planned stops). If there is any
    problem the transaction is rolled back and the problems are returned (none: the edit was
    applied). With ``dry_run`` the edit is always rolled back: a form uses it to validate.
    """
    from routing.checker import check_plan

    now = now or clock.now()
    problems: list[PlanProblem] = []
    with transaction.atomic():
        ordered = sorted(depot_days, key=lambda d: (d.depot_id, d.date))
        locked = [depot_day_lock(depot=d.depot, date=d.date) for d in ordered]
        problems.extend(change() or [])
        for depot_day in filter(None, locked):
            compiled = compile_plan(depot=depot_day.depot, depot_day=depot_day, date=depot_day.date, now=now)
            routes = {route.key: route for route in compiled.plan.routes}
            for violation in check_plan(compiled.plan):
                # A route-wide violation (back too late, overloaded) breaks every stop on that route.
                stop_ids = (
                    [violation.stop_key]
                    if violation.stop_key is not None or violation.route_key not in routes
                    else [compiled.stop_ids[v - 1] for v in routes[violation.route_key].visits] or [None]
                )
                problems.extend(
                    PlanProblem(depot_day, stop_id, violation.message, violation.code) for stop_id in stop_ids
                )
            depot_day_bump(depot_day=depot_day)
        if problems or dry_run:
            transaction.set_rollback(True)
    return problems


def fleet_change_apply(
    *, change, depot_days, now: dt.datetime | None = None, dry_run: bool = False
) -> list[str]:
    """``fleet_change_check`` with its problems as sentences (an empty list: the edit was applied).

    For an edit of a vehicle type's capacity or speed, a vehicle's type, an emission factor.
    """
    problems = fleet_change_check(change=change, depot_days=depot_days, now=now, dry_run=dry_run)
    return list(dict.fromkeys(str(problem) for problem in problems))


def depot_days_using(*, vehicle_ids=None, vehicle_type_ids=None, from_date: dt.date | None = None):
    """Depot-days from ``from_date`` on (default: yesterday, for late shifts) whose shifts use these vehicles."""
    from_date = from_date or (clock.now().date() - dt.timedelta(days=1))
    days = DepotDay.objects.filter(date__gte=from_date).select_related("depot")
    if vehicle_ids is not None:
        days = days.filter(shifts__vehicle_id__in=list(vehicle_ids))
    if vehicle_type_ids is not None:
        days = days.filter(shifts__vehicle__vehicle_type_id__in=list(vehicle_type_ids))
    return list(days.distinct())


def marginal_cost_averages_replace(
    *, depot: Depot, averages: Mapping[tuple[int, str, int], tuple[Decimal, int]], now: dt.datetime
) -> int:
    """Replace ``depot``'s learned marginal cost averages by ``averages`` ((zone id, width class, ISO
    weekday) -> (mean in currency units, orders)); returns the rows written. Running it twice with
    the same averages leaves the same rows."""
    with transaction.atomic():
        MarginalCostAverage.objects.filter(depot=depot).delete()
        MarginalCostAverage.objects.bulk_create(
            MarginalCostAverage(
                depot=depot,
                zone_id=zone_id,
                width_class=width,
                weekday=weekday,
                mean_cost=Decimal(mean).quantize(Decimal("0.0001")),
                orders=orders,
                learned_at=now,
            )
            for (zone_id, width, weekday), (mean, orders) in sorted(averages.items())
        )
    return len(averages)


def insertion_weight_replace(*, depot: Depot, weight: Decimal | None, orders: int) -> None:
    """Keep ``depot``'s learned insertion weight (``fleet.window_costs.insertion_weight_learn``) and
    the sold orders it is over; ``None`` forgets it (offers then use the prior). Writes only these
    two columns, so an admin editing the depot at the same time loses nothing."""
    if weight is not None and not Decimal(0) <= weight <= Decimal(1):
        raise ValueError("Expected 0 <= weight <= 1.")
    if orders < 0:
        raise ValueError("Expected orders >= 0.")
    Depot.objects.filter(pk=depot.pk).update(insertion_weight=weight, insertion_weight_orders=orders)
    depot.insertion_weight, depot.insertion_weight_orders = weight, orders
