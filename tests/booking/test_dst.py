"""Windows are local times; on the days the clocks change, the plan's seconds are real seconds."""

import datetime as dt

import pytest

from booking.audit import plan_violations
from booking.services.holds import hold_confirm, hold_create
from booking.services.offers import offer_create
from fleet.selectors import depot_day_plan
from tests.factories import INSIDE, make_world

pytestmark = pytest.mark.django_db

SPRING_FORWARD = dt.date(2027, 3, 28)  # Europe/Amsterdam: 02:00 CET -> 03:00 CEST
FALL_BACK = dt.date(2027, 10, 31)  # Europe/Amsterdam: 03:00 CEST -> 02:00 CET


@pytest.mark.parametrize(
    ("date", "seconds_to_eight", "offset_hours"),
    [(SPRING_FORWARD, 7 * 3600, 2), (FALL_BACK, 9 * 3600, 1), (dt.date(2027, 3, 27), 8 * 3600, 1)],
)
def test_windows_on_a_clock_change_day_are_local_and_the_plan_counts_real_seconds(
    date, seconds_to_eight, offset_hours
):
    world = make_world(dates=[date], start_hour=7, end_hour=21, windows=[(8, 9), (8, 21)])
    now = dt.datetime.combine(date - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    offer = offer_create(
        retailer=world.retailer,
        lat=INSIDE[0],
        lon=INSIDE[1],
        size_units=1,
        service_minutes=3,
        from_date=date,
        days=1,
        now=now,
    )
    one_hour, all_day = offer.days[0].windows
    assert one_hour.start.isoformat() == f"{date.isoformat()}T08:00:00+0{offset_hours}:00"
    assert (one_hour.end - one_hour.start) == dt.timedelta(hours=1)
    assert (all_day.end - all_day.start) == dt.timedelta(hours=13)
    compiled = depot_day_plan(depot=world.depot, date=date, now=now)
    assert compiled.seconds(one_hour.start) == seconds_to_eight
    # Shifts 07:00-21:00 local: 14 h on every day, wherever the clocks jump.
    route = compiled.plan.routes[0]
    assert route.end - route.start == 14 * 3600
    hold = hold_create(retailer=world.retailer, quote=one_hour.quote, now=now)
    hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)
    hold.refresh_from_db()
    assert one_hour.start <= hold.stop.planned_start <= one_hour.end
    assert plan_violations(now=now) == []
