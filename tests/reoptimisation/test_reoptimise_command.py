"""`manage.py reoptimise`: in-process re-optimisation of chosen depot-days, with before/after figures."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from booking.audit import plan_violations
from fleet.models import DepotDay
from fleet.reoptimisation import depot_days_to_reoptimise
from tests.reoptimisation.support import bad_plan_world, book, day_cost

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("reoptimise", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_reoptimises_a_date_and_prints_cost_and_km_before_and_after(now, tomorrow):
    world = bad_plan_world(date=tomorrow, now=now)
    before = day_cost(world, date=tomorrow, now=now)

    output = run("--depot", "dep", "--date", tomorrow.isoformat(), "--iterations", "300")

    line = output.splitlines()[0]
    assert line.startswith(f"dep {tomorrow.isoformat()}: improved ")
    assert f"cost {before:.2f} -> {day_cost(world, date=tomorrow, now=now):.2f}" in line
    assert " km " in line
    assert output.splitlines()[-1].startswith("1 of 1 depot-days improved")
    assert plan_violations(now=now) == []


def test_by_default_it_takes_every_depot_day_with_stops_from_today_on():
    # The command reads the real clock to find "today", so this world is built around it too.
    now = timezone.now()
    tomorrow = timezone.localtime(now, dt.UTC).date() + dt.timedelta(days=1)
    world = bad_plan_world(date=tomorrow, now=now)
    later = tomorrow + dt.timedelta(days=3)
    world.add_shifts(later)
    book(world, now=now, date=later, point=(52.1, 5.1), ref="later")
    world.add_shifts(tomorrow + dt.timedelta(days=4))  # shifts but no stops: nothing to do

    days = depot_days_to_reoptimise(now=now)
    assert [d.date for d in days] == [tomorrow, later]
    # Seen from the day after tomorrow, tomorrow is history.
    assert [d.date for d in depot_days_to_reoptimise(now=now + dt.timedelta(days=2))] == [later]

    output = run("--iterations", "100")
    assert output.splitlines()[-1].startswith("1 of 2 depot-days improved")  # one stop cannot improve
    assert DepotDay.objects.count() == 3


def test_it_refuses_an_unknown_depot_and_a_non_positive_budget(now, tomorrow):
    bad_plan_world(date=tomorrow, now=now)
    with pytest.raises(CommandError, match="No depot with code 'nowhere'"):
        run("--depot", "nowhere")
    with pytest.raises(CommandError, match="positive"):
        run("--seconds", "0")


def test_it_says_so_when_there_is_nothing_to_do(db):
    assert run("--iterations", "10").strip() == "No depot-day with stops to re-optimise."
