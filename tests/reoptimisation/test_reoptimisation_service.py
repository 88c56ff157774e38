"""depot_day_reoptimise: solve without the lock, write only a cheaper plan over an unchanged version."""

import datetime as dt

import pytest

import fleet.reoptimisation
from booking.audit import plan_violations
from booking.models import Booking
from booking.services.holds import hold_create
from booking.services.offers import offer_create
from fleet.adapter import compile_plan
from fleet.models import DepotDay, Stop
from fleet.reoptimisation import (
    IMPROVED,
    NO_PLAN,
    RETRIED_OUT,
    UNCHANGED,
    depot_day_reoptimise,
    plan_apply,
    stop_rows,
)
from fleet.services import depot_day_get_or_create
from routing.reoptimise import reoptimise
from tests.factories import make_world
from tests.reoptimisation.support import POINTS, bad_plan_world, book, day_cost, stop_windows

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tomorrow, now):
    return bad_plan_world(date=tomorrow, now=now)


def depot_day(world, date) -> DepotDay:
    return DepotDay.objects.get(depot=world.depot, date=date)


def stop_placement() -> list[tuple]:
    return list(Stop.objects.order_by("id").values_list("id", "shift_id", "sequence", "planned_start"))


def test_a_bad_plan_is_replaced_by_a_cheaper_feasible_one(world, now, tomorrow):
    # Given a feasible plan whose vans zig-zag across the zone
    assert plan_violations(now=now) == []
    before = day_cost(world, date=tomorrow, now=now)
    version = depot_day(world, tomorrow).version
    windows = stop_windows()

    # When it is re-optimised
    outcome = depot_day_reoptimise(depot_day_id=depot_day(world, tomorrow).id, max_iterations=300, now=now)

    # Then the cheaper plan is in the database, every stop kept in its window, the version bumped
    assert outcome.status == IMPROVED
    assert outcome.cost_before == pytest.approx(before)
    assert outcome.cost_after < 0.8 * before
    assert outcome.metres_after < outcome.metres_before
    assert day_cost(world, date=tomorrow, now=now) == pytest.approx(outcome.cost_after)
    assert (outcome.version_before, outcome.version_after) == (version, version + 1)
    assert depot_day(world, tomorrow).version == version + 1
    assert stop_windows() == windows
    assert outcome.stops == len(POINTS) == Stop.objects.count()
    assert plan_violations(now=now) == []


def test_planned_starts_and_sequences_follow_the_new_routes(world, now, tomorrow):
    depot_day_reoptimise(depot_day_id=depot_day(world, tomorrow).id, max_iterations=300, now=now)
    for shift_id in Stop.objects.values_list("shift_id", flat=True).distinct():
        stops = list(Stop.objects.filter(shift_id=shift_id).order_by("sequence"))
        assert [s.sequence for s in stops] == list(range(len(stops)))
        starts = [s.planned_start for s in stops]
        assert starts == sorted(starts)


def test_a_plan_it_cannot_improve_is_left_alone(world, now, tomorrow):
    day = depot_day(world, tomorrow)
    depot_day_reoptimise(depot_day_id=day.id, max_iterations=300, now=now)
    rows = stop_placement()
    version = depot_day(world, tomorrow).version

    outcome = depot_day_reoptimise(depot_day_id=day.id, max_iterations=300, now=now)

    assert outcome.status == UNCHANGED
    assert outcome.cost_after == outcome.cost_before
    assert outcome.version_after == version == depot_day(world, tomorrow).version
    assert stop_placement() == rows


def test_a_depot_day_without_stops_or_without_shifts_is_reported_as_such(now, tomorrow):
    world = make_world(dates=[tomorrow], vehicles=2)
    empty = depot_day_reoptimise(depot_day_id=depot_day(world, tomorrow).id, max_iterations=10, now=now)
    assert (empty.status, empty.reason, empty.cost_before) == (UNCHANGED, "no_stops", 0.0)

    no_shifts = depot_day_get_or_create(depot=world.depot, date=tomorrow.replace(year=tomorrow.year + 1))
    assert depot_day_reoptimise(depot_day_id=no_shifts.id, max_iterations=10).status == NO_PLAN
    assert depot_day_reoptimise(depot_day_id=10**9, max_iterations=10).status == NO_PLAN


def test_the_new_routes_are_not_written_over_a_plan_that_changed_since_it_was_read(world, now, tomorrow):
    # Given routes solved from the plan as read at some version
    day = depot_day(world, tomorrow)
    compiled = compile_plan(depot=world.depot, depot_day=day, date=tomorrow, now=now)
    result = reoptimise(compiled.plan, max_iterations=300)
    assert result.improved
    rows = stop_rows(compiled=compiled, new_plan=result.plan)
    # When a shopper books before they are written
    book(world, now=now, date=tomorrow, point=(52.09, 5.09), ref="late-comer")
    before = stop_placement()

    # Then the write is refused and nothing changes
    assert plan_apply(depot_day=day, compiled=compiled, rows=rows) is None
    assert stop_placement() == before
    assert plan_violations(now=now) == []


def booking_during_solve(monkeypatch, world, *, now, date, times):
    """Make ``times`` shoppers book while PyVRP is solving (one per solve), as they would concurrently."""
    points = iter([(52.09, 5.09), (52.12, 5.12), (52.07, 5.13), (52.13, 5.08)][:times])

    def solve_while_a_shopper_books(plan, **budget):
        result = reoptimise(plan, **budget)
        point = next(points, None)
        if point is not None:
            book(world, now=now, date=date, point=point, ref=f"concurrent-{point}")
        return result

    monkeypatch.setattr(fleet.reoptimisation, "reoptimise", solve_while_a_shopper_books)


def test_a_booking_during_the_solve_makes_it_start_again_from_the_new_plan(monkeypatch, world, now, tomorrow):
    booking_during_solve(monkeypatch, world, now=now, date=tomorrow, times=1)

    outcome = depot_day_reoptimise(depot_day_id=depot_day(world, tomorrow).id, max_iterations=300, now=now)

    assert outcome.status == IMPROVED
    assert outcome.attempts == 2
    assert outcome.stops == len(POINTS) + 1 == Stop.objects.count() == Booking.objects.count()
    assert day_cost(world, date=tomorrow, now=now) == pytest.approx(outcome.cost_after)
    assert plan_violations(now=now) == []


def test_it_gives_up_after_its_attempts_when_the_plan_keeps_changing(monkeypatch, world, now, tomorrow):
    booking_during_solve(monkeypatch, world, now=now, date=tomorrow, times=2)
    version = depot_day(world, tomorrow).version

    outcome = depot_day_reoptimise(
        depot_day_id=depot_day(world, tomorrow).id, max_iterations=100, now=now, attempts=2
    )

    assert (outcome.status, outcome.attempts, outcome.reason) == (RETRIED_OUT, 2, "version_changed")
    assert outcome.cost_after == outcome.cost_before
    # Only the two bookings changed the plan (each bumps the version at its hold and its confirm).
    assert depot_day(world, tomorrow).version == version + 4
    assert plan_violations(now=now) == []


def test_a_lapsed_hold_is_not_planned_and_does_not_block_the_write(world, now, tomorrow):
    offer = offer_create(
        retailer=world.retailer, lat=52.1, lon=5.1, size_units=1, service_minutes=3,
        from_date=tomorrow, days=1, now=now,
    )  # fmt: skip
    hold_create(retailer=world.retailer, quote=offer.days[0].windows[0].quote, now=now)
    later = now + dt.timedelta(minutes=30)  # the hold lapsed 20 minutes ago

    outcome = depot_day_reoptimise(depot_day_id=depot_day(world, tomorrow).id, max_iterations=300, now=later)

    assert outcome.status == IMPROVED
    assert outcome.stops == len(POINTS)
    assert plan_violations(now=later) == []
