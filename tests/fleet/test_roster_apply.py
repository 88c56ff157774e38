"""Rosters in the database: roster_apply fills the horizon idempotently, and roster edits re-check
booked routes the way fleet edits do."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from booking.models import Booking
from booking.services.holds import hold_confirm, hold_create
from fleet.models import DepotDay, RosterException, Shift, ShiftPattern
from fleet.roster_services import roster_apply, roster_change_apply, roster_dates, roster_scope
from tests.booking.test_holds import window_quote
from tests.factories import make_world

pytestmark = pytest.mark.django_db

WEEKDAYS = [1, 2, 3, 4, 5]


@pytest.fixture
def world():
    return make_world(dates=[], vehicles=2)


def weekly(world, vehicle, start=8, end=20, weekdays=WEEKDAYS, valid_from=dt.date(2026, 11, 1)):
    return ShiftPattern.objects.create(
        vehicle=vehicle,
        weekdays=weekdays,
        start_time=dt.time(start),
        end_time=dt.time(end),
        valid_from=valid_from,
    )


def test_it_creates_the_horizons_days_and_shifts_once(world, now):
    for vehicle in world.vehicles:
        weekly(world, vehicle)
    dates = roster_dates(depot=world.depot, now=now, days=7)  # Tue 1 Dec to Mon 7 Dec

    first = roster_apply(depot=world.depot, dates=dates)
    second = roster_apply(depot=world.depot, dates=dates)

    assert first.as_dict()["created"] == {"depot_days": 5, "shifts": 10}
    assert second.as_dict()["created"] == {"depot_days": 0, "shifts": 0}
    assert second.as_dict()["kept"] == {"depot_days": 5, "shifts": 10}
    assert sorted(DepotDay.objects.values_list("date", flat=True)) == [
        dt.date(2026, 12, d) for d in (1, 2, 3, 4, 7)
    ]
    shift = Shift.objects.filter(depot_day__date=dt.date(2026, 12, 2)).first()
    assert shift.start == world.local(dt.date(2026, 12, 2), 8)
    assert DepotDay.objects.get(date=dt.date(2026, 12, 2)).version == 1


def test_it_keeps_a_shift_edited_by_hand(world, now):
    weekly(world, world.vehicles[0])
    dates = [dt.date(2026, 12, 2)]
    roster_apply(depot=world.depot, dates=dates)
    Shift.objects.update(end=world.local(dates[0], 12))

    roster_apply(depot=world.depot, dates=dates)

    assert Shift.objects.get().end == world.local(dates[0], 12)


def test_the_command_prints_json_and_refuses_a_start_the_clocks_skip(world):
    # A Sunday-night pattern across the spring-forward night of 28 March 2027.
    ShiftPattern.objects.create(
        vehicle=world.vehicles[0],
        weekdays=[7],
        start_time=dt.time(2, 30),
        end_time=dt.time(10),
        valid_from=dt.date(2026, 11, 1),
    )
    out = io.StringIO()

    call_command("roster_apply", "--days", "150", "--depot", world.depot.code, stdout=out)

    printed = json.loads(out.getvalue())
    # 21 Sundays from 6 Dec 2026 to 25 Apr 2027, less the one whose 02:30 does not exist.
    assert printed["created"] == {"depot_days": 20, "shifts": 20}
    assert printed["refused"] == [
        {
            "depot": "dep",
            "date": "2027-03-28",
            "vehicle": "V1",
            "reason": "02:30 does not exist on 2027-03-28 in Europe/Amsterdam (the clocks skip that hour).",
        }
    ]


def test_the_command_refuses_an_unknown_depot_and_a_bad_horizon(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No depot"):
        call_command("roster_apply", "--depot", "nowhere", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--days"):
        call_command("roster_apply", "--days", "0", stdout=io.StringIO())


def test_the_beat_task_is_registered_and_applies_rosters(world):
    from fleet.tasks import apply_rosters
    from greenslot.celery import app

    weekly(world, world.vehicles[0])

    result = apply_rosters()

    assert {"task": "fleet.tasks.apply_rosters", "schedule": 24 * 3600.0} in app.conf.beat_schedule.values()
    assert result["created"]["shifts"] == 10  # two weeks of weekdays from Tue 1 Dec


@pytest.fixture
def booked(world, now, tomorrow):
    """Both vans on a 08:00-20:00 weekday roster, and one booking on tomorrow's plan."""
    patterns = [weekly(world, vehicle) for vehicle in world.vehicles]
    roster_apply(depot=world.depot, dates=roster_dates(depot=world.depot, now=now, days=7))
    window = window_quote(world, now, tomorrow, 9, 10)
    hold = hold_create(retailer=world.retailer, quote=window.quote, now=now)
    hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)
    booking = Booking.objects.select_related("stop__shift").get(pk=hold.id)
    pattern = next(p for p in patterns if p.vehicle_id == booking.stop.shift.vehicle_id)
    return world, booking, pattern


def test_it_refuses_a_pattern_change_that_would_strand_a_booking(booked, now, tomorrow):
    world, booking, pattern = booked
    version = DepotDay.objects.get(date=tomorrow).version
    before = ShiftPattern.objects.get(pk=pattern.pk)
    pattern.start_time = dt.time(11)  # the booking's window is 09:00-10:00

    outcome = roster_change_apply(change=pattern.save, scope=roster_scope(before, pattern), now=now)

    assert not outcome.applied
    assert {p.stop_id for p in outcome.problems} == {booking.stop_id}
    assert ShiftPattern.objects.get(pk=pattern.pk).start_time == dt.time(8)
    assert booking.stop.shift.start == Shift.objects.get(pk=booking.stop.shift_id).start
    assert DepotDay.objects.get(date=tomorrow).version == version


def test_it_applies_a_safe_pattern_change_to_the_days_already_made(booked, now, tomorrow):
    world, booking, pattern = booked
    version = DepotDay.objects.get(date=tomorrow).version
    before = ShiftPattern.objects.get(pk=pattern.pk)
    pattern.end_time = dt.time(18)

    outcome = roster_change_apply(change=pattern.save, scope=roster_scope(before, pattern), now=now)

    assert outcome.applied
    assert (outcome.resync.added, outcome.resync.retimed, outcome.resync.removed) == (0, 5, 0)
    ends = set(Shift.objects.filter(vehicle_id=pattern.vehicle_id).values_list("end", flat=True))
    assert world.local(tomorrow, 18) in ends and world.local(tomorrow, 20) not in ends
    assert DepotDay.objects.get(date=tomorrow).version > version


def test_it_refuses_to_close_a_day_with_a_booking_and_closes_an_empty_one(booked, now, tomorrow):
    world, booking, _ = booked
    closure = RosterException(depot=world.depot, date=tomorrow, kind="closed")

    refused = roster_change_apply(change=closure.save, scope=roster_scope(closure), now=now)
    empty_day = tomorrow + dt.timedelta(days=1)
    other = RosterException(depot=world.depot, date=empty_day, kind="closed")
    closed = roster_change_apply(change=other.save, scope=roster_scope(other), now=now)

    assert [p.stop_id for p in refused.problems] == [booking.stop_id]
    assert "the depot is closed" in refused.problems[0].message
    assert Shift.objects.filter(depot_day__date=tomorrow).count() == 2
    assert closed.applied
    assert not Shift.objects.filter(depot_day__date=empty_day).exists()
    assert list(RosterException.objects.values_list("date", flat=True)) == [empty_day]


def test_it_takes_the_idle_vehicle_off_but_not_the_booked_one(booked, now, tomorrow):
    world, booking, _ = booked
    busy = booking.stop.shift.vehicle
    idle = next(v for v in world.vehicles if v != busy)

    off_busy = RosterException(depot=world.depot, date=tomorrow, kind="vehicle_off", vehicle=busy)
    refused = roster_change_apply(change=off_busy.save, scope=roster_scope(off_busy), now=now)
    off_idle = RosterException(depot=world.depot, date=tomorrow, kind="vehicle_off", vehicle=idle)
    applied = roster_change_apply(change=off_idle.save, scope=roster_scope(off_idle), now=now)

    assert not refused.applied and applied.applied
    assert list(Shift.objects.filter(depot_day__date=tomorrow).values_list("vehicle", flat=True)) == [busy.id]


def test_a_pattern_leaves_other_days_and_their_hand_made_shifts_alone(world, now, tomorrow):
    # V1 works Wednesday 2 Dec by hand; a new Saturday pattern must not take that shift away.
    world.add_shifts(tomorrow)
    saturdays = ShiftPattern(
        vehicle=world.vehicles[0],
        weekdays=[6],
        start_time=dt.time(9),
        end_time=dt.time(17),
        valid_from=dt.date(2026, 11, 1),
    )

    outcome = roster_change_apply(change=saturdays.save, scope=roster_scope(saturdays), now=now)

    assert outcome.applied
    assert Shift.objects.filter(depot_day__date=tomorrow).count() == 2


def test_a_shift_cut_short_names_the_bookings_on_that_van(booked, now):
    world, booking, pattern = booked
    before = ShiftPattern.objects.get(pk=pattern.pk)
    pattern.end_time = dt.time(9)  # the booked stop is served from 09:00: the van cannot be back by then

    outcome = roster_change_apply(change=pattern.save, scope=roster_scope(before, pattern), now=now)

    assert {(p.code, p.stop_id) for p in outcome.problems} == {("shift_end", booking.stop_id)}
