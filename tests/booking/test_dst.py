"""Windows are local times; on the days the clocks change, the plan's seconds are real seconds."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from booking.api.plans import plan_for_retailer
from booking.api.serializers import booking_representation
from booking.audit import plan_violations
from booking.models import WindowTemplate
from booking.services.holds import booking_get, hold_confirm, hold_create
from booking.services.offers import offer_create
from booking.services.rule_preview import PreviewRow
from fleet.selectors import depot_day_plan
from fleet.services import depot_day_get_or_create, shift_create
from pricing.calculation import WIDE_WINDOW_HOURS, WIDTH_DISCOUNT, RuleTerms, width_discount
from tests.factories import INSIDE, make_world

pytestmark = pytest.mark.django_db


def offer_for_one_day(world, date: dt.date, now: dt.datetime):
    return offer_create(
        retailer=world.retailer,
        lat=INSIDE[0],
        lon=INSIDE[1],
        size_units=1,
        service_minutes=3,
        from_date=date,
        days=1,
        now=now,
    )


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
    offer = offer_for_one_day(world, date, now)
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


# Both DST Sundays of 2027 in two time zones, with night windows across each change.
CLOCK_CHANGES = [
    ("Europe/Amsterdam", SPRING_FORWARD),  # 02:00 -> 03:00: 02:00-03:00 does not exist
    ("Europe/Amsterdam", FALL_BACK),  # 03:00 -> 02:00: 02:00-03:00 happens twice
    ("America/New_York", dt.date(2027, 3, 14)),  # 02:00 -> 03:00
    ("America/New_York", dt.date(2027, 11, 7)),  # 02:00 -> 01:00: 01:00-02:00 happens twice
]
NIGHT_WINDOWS = [(0, 4), (1, 2), (1, 3), (2, 3), (2, 4), (3, 4), (0, 6)]


def night_world(time_zone: str, date: dt.date):
    world = make_world(dates=[], windows=NIGHT_WINDOWS, cutoff_minutes=0, vehicles=1, capacity=20)
    world.depot.time_zone = time_zone
    world.depot.save(update_fields=["time_zone"])
    tz = ZoneInfo(time_zone)
    depot_day = depot_day_get_or_create(depot=world.depot, date=date)
    shift_create(
        depot_day=depot_day,
        vehicle=world.vehicles[0],
        start=dt.datetime.combine(date, dt.time(0), tzinfo=tz),
        end=dt.datetime.combine(date, dt.time(8), tzinfo=tz),
    )
    return world, tz


def exists_as_printed(text: str, tz: ZoneInfo) -> bool:
    """Whether ``text`` is how the depot's clock shows that instant (no non-existent local time)."""
    moment = dt.datetime.fromisoformat(text)
    return moment.astimezone(tz).isoformat() == text


@pytest.mark.parametrize(("time_zone", "date"), CLOCK_CHANGES)
def test_a_clock_change_day_sells_only_real_windows_priced_by_their_real_length(time_zone, date):
    world, tz = night_world(time_zone, date)
    now = dt.datetime.combine(date - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    result = offer_for_one_day(world, date, now)
    terms = RuleTerms.from_rule_set(world.rules)
    windows = result.days[0].windows
    assert windows, "the night windows that exist are offered"
    for window in windows:
        start, end = window.start.isoformat(), window.end.isoformat()
        real_hours = Decimal(round(window.end.timestamp() - window.start.timestamp())) / 3600
        # Never a 0-minute window, and only local times the depot's clock really shows.
        assert real_hours > 0, (start, end)
        assert exists_as_printed(start, tz) and exists_as_printed(end, tz), (start, end)
        assert window.available, (start, end, window.reason)
        # The width discount and the wide label count the hours the shopper really waits.
        lines = {line.code: line.amount for line in window.price.lines}
        assert lines.get(WIDTH_DISCOUNT, Decimal("0.00")) == -width_discount(
            terms=terms, window_hours=real_hours
        )
        assert ("wide" in window.labels) == (real_hours >= WIDE_WINDOW_HOURS)
    record_texts = [(r["start"], r["end"]) for r in result.offer.windows]
    assert record_texts == [(w.start.isoformat(), w.end.isoformat()) for w in windows]
    # Held and confirmed, the booking and the plan print the same instants the same way.
    for window in windows[:3]:
        hold = hold_create(retailer=world.retailer, quote=window.quote, now=now)
        booking, _ = hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)
        shown = booking_representation(booking_get(retailer=world.retailer, booking_id=booking.id), now=now)
        assert (shown["window"]["start"].isoformat(), shown["window"]["end"].isoformat()) == (
            window.start.isoformat(),
            window.end.isoformat(),
        )
    plan = plan_for_retailer(retailer=world.retailer, depot_code=world.depot.code, date=date, now=now)
    offered = {(w.start.isoformat(), w.end.isoformat()) for w in windows}
    planned = {
        (stop["window"]["start"].isoformat(), stop["window"]["end"].isoformat())
        for route in plan["routes"]
        for stop in route["stops"]
    }
    assert planned and planned <= offered
    assert plan_violations(now=now) == []


def test_a_window_inside_the_spring_forward_gap_is_not_sold():
    world, tz = night_world("Europe/Amsterdam", SPRING_FORWARD)
    now = dt.datetime.combine(SPRING_FORWARD - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    result = offer_for_one_day(world, SPRING_FORWARD, now)
    shown = [(w.start.strftime("%H:%M"), w.end.strftime("%H:%M")) for w in result.days[0].windows]
    # 02:00-03:00 does not exist that night: it is not offered at all. A window reaching into the
    # gap starts or ends where the clocks jump (02:00 reads as 03:00, as RFC 5545 has it).
    assert ("02:00", "03:00") not in shown and ("03:00", "03:00") not in shown
    assert ("00:00", "04:00") in shown and ("03:00", "04:00") in shown
    zero_to_four = next(w for w in result.days[0].windows if w.start.hour == 0 and w.end.hour == 4)
    assert zero_to_four.end - zero_to_four.start == dt.timedelta(hours=3) or (
        zero_to_four.end.timestamp() - zero_to_four.start.timestamp() == 3 * 3600
    )


def test_the_rules_preview_counts_a_windows_real_hours():
    tz = ZoneInfo("Europe/Amsterdam")
    # 02:00 CEST to 03:00 CET on the fall-back night: two real hours, one on the wall clock.
    start = dt.datetime.combine(FALL_BACK, dt.time(2), tzinfo=tz)
    end = dt.datetime.combine(FALL_BACK, dt.time(3), tzinfo=tz)
    row = PreviewRow(
        date=FALL_BACK,
        start=start,
        end=end,
        available=False,
        reason="full",
        grams=None,
        marginal_km=None,
        nearby_stops=(),
        published=None,
        draft=None,
    )
    assert row.hours == Decimal(2)


@pytest.mark.parametrize(("time_zone", "date"), CLOCK_CHANGES)
def test_a_cutoff_is_real_minutes_before_the_start_and_an_existing_local_time(time_zone, date):
    world, tz = night_world(time_zone, date)
    WindowTemplate.objects.filter(depot=world.depot).update(cutoff_minutes=150)
    now = dt.datetime.combine(date - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    result = offer_for_one_day(world, date, now)
    for window, record in zip(result.days[0].windows, result.offer.windows, strict=True):
        assert window.start.timestamp() - window.cutoff.timestamp() == 150 * 60
        assert exists_as_printed(record["cutoff"], tz), record["cutoff"]


# Hour bands (08-12, 12-17, 17-21 local) on the days the clocks change: the plan counts real
# seconds from the local midnight, so its bands must be converted, not read as wall-clock hours.
BAND_DAYS = [
    (SPRING_FORWARD, ((7.0, 11.0), (11.0, 16.0), (16.0, 20.0))),
    (FALL_BACK, ((9.0, 13.0), (13.0, 18.0), (18.0, 22.0))),
    (dt.date(2027, 3, 27), ((8.0, 12.0), (12.0, 17.0), (17.0, 21.0))),
]


def three_cost_day(date: dt.date):
    from pricing.default_terms import DEFAULT_OBJECTIVE
    from pricing.models import IncentiveRuleSet

    world = make_world(dates=[date], start_hour=8, end_hour=20, windows=[(9, 10), (12, 13), (18, 19)])
    IncentiveRuleSet.objects.filter(pk=world.rules.pk).update(**DEFAULT_OBJECTIVE)
    return world


def day_before(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)


@pytest.mark.parametrize(("date", "plan_hours"), BAND_DAYS)
def test_on_a_clock_change_day_the_plans_bands_are_its_local_hours(date, plan_hours):
    from booking.services.offer_costs import plan_load

    world = three_cost_day(date)
    now = day_before(date)
    one_hour = next(w for w in offer_for_one_day(world, date, now).days[0].windows if w.start.hour == 12)
    hold = hold_create(retailer=world.retailer, quote=one_hour.quote, now=now)
    hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)

    load = plan_load(depot_day_plan(depot=world.depot, date=date, now=now))

    # Two shifts 08:00-20:00 local: 4 h, 5 h and 3 h of each in the bands, whatever the clocks do.
    assert load.shift_hours_by_band == (8.0, 10.0, 6.0)
    # The stop booked 12:00-13:00 local works in the afternoon band.
    assert load.stops_by_band == (0, 1, 0)
    from booking.services.offer_costs import plan_bands

    assert plan_bands(date=date, tz=ZoneInfo("Europe/Amsterdam")) == plan_hours
    assert load.bands == plan_hours


@pytest.mark.parametrize(("date", "plan_hours"), BAND_DAYS)
def test_on_a_clock_change_day_a_window_pays_the_bid_price_of_its_local_band(date, plan_hours):
    import dataclasses

    from booking.services.offer_costs import day_costs, learned_inputs_cache

    world = three_cost_day(date)
    now = day_before(date)
    compiled = depot_day_plan(depot=world.depot, date=date, now=now)
    costs = day_costs(
        compiled=compiled,
        learned=learned_inputs_cache.get(depot=world.depot, now=now),
        zone_id=None,
        service_s=180,
        size_units=1,
        now=now,
    )
    bids = dataclasses.replace(costs.bids, by_band=(Decimal("1"), Decimal("2"), Decimal("3")))
    tz = world.depot.tz

    def bid(start: int, end: int) -> Decimal:
        start_s = compiled.seconds(dt.datetime.combine(date, dt.time(start), tzinfo=tz))
        end_s = compiled.seconds(dt.datetime.combine(date, dt.time(end), tzinfo=tz))
        return bids.window_bid_price(start_hour=start_s / 3600, end_hour=end_s / 3600)

    assert (bid(9, 10), bid(12, 13), bid(18, 19)) == (Decimal("1"), Decimal("2"), Decimal("3"))
    assert bid(11, 13) == Decimal("1.5000")  # an hour in each


@pytest.mark.parametrize("date", [SPRING_FORWARD, FALL_BACK])
def test_on_a_clock_change_day_bookings_and_offer_records_fall_in_their_local_band(date):
    from booking.services.offer_costs import window_band

    tz = ZoneInfo("Europe/Amsterdam")

    def band(start: int, end: int) -> int | None:
        return window_band(
            date=date,
            start=dt.datetime.combine(date, dt.time(start), tzinfo=tz),
            end=dt.datetime.combine(date, dt.time(end), tzinfo=tz),
            tz=tz,
        )

    assert [band(8, 9), band(11, 12), band(12, 13), band(16, 17), band(17, 18), band(20, 21)] == [
        0,
        0,
        1,
        1,
        2,
        2,
    ]
    assert band(9, 13) == 0 and band(10, 14) == 1  # midpoints 11:00 and 12:00
