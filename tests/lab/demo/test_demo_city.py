"""The demo city: its data, and what loading it leaves in the database (fixed clock, small demand)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import pytest
from shapely.geometry import Point, shape

from booking.audit import plan_violations
from booking.models import Booking, BookingEvent, BookingStatus, Offer
from booking.services.offers import REASON_FULL, REASON_NO_SHIFT, offer_create
from fleet.models import Depot, DepotDay, Shift, ShiftPattern
from fleet.roster_services import roster_apply, roster_dates
from fleet.selectors import depot_for_point
from greenslot.errors import Unprocessable
from lab.demo.city import (
    ACTOR,
    DEMO_ADDRESSES,
    FLEET,
    RETAILER_SLUG,
    SAMPLE_ADDRESS,
    SEED,
    SERVICE_ZONE,
    WINDOWS,
    demand_prebook,
    demo_city_load,
    window_reasons,
)
from tenants.models import Retailer
from tests.lab.demo.demo_week import NOW, SMALL_DEMAND, WEDNESDAY, at, fingerprint, local

SATURDAY = WEDNESDAY + dt.timedelta(days=3)
SUNDAY = WEDNESDAY + dt.timedelta(days=4)  # 29 March 2026: clocks go forward at 02:00
MONDAY = WEDNESDAY + dt.timedelta(days=5)


# The data -------------------------------------------------------------------------------------


def test_the_zone_is_a_city_shaped_polygon():
    polygon = shape(SERVICE_ZONE)
    ring = SERVICE_ZONE["coordinates"][0]
    assert polygon.geom_type == "Polygon" and polygon.is_valid
    assert ring[0] == ring[-1]
    assert 10 <= len(ring) - 1 <= 16
    assert polygon.area < polygon.envelope.area * 0.9  # not a rectangle


def test_the_zone_contains_every_inside_address_and_not_the_outside_one():
    polygon = shape(SERVICE_ZONE)
    inside = [a for a in DEMO_ADDRESSES if a.inside_zone]
    outside = [a for a in DEMO_ADDRESSES if not a.inside_zone]
    assert len(inside) >= 10 and len(outside) == 1
    for address in inside:
        assert polygon.contains(Point(address.lon, address.lat)), address.slug
    assert not polygon.contains(Point(outside[0].lon, outside[0].lat))


def test_demo_addresses_are_frozen_and_have_unique_slugs():
    assert len({a.slug for a in DEMO_ADDRESSES}) == len(DEMO_ADDRESSES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEMO_ADDRESSES[0].lat = 0.0


def test_the_window_templates_are_those_of_the_design():
    widths = Counter((w.end.hour - w.start.hour) for w in WINDOWS)
    assert widths == {1: 13, 2: 6, 4: 3, 13: 1}
    assert {w.cutoff_minutes for w in WINDOWS if w.end.hour - w.start.hour == 1} == {120}
    assert {w.cutoff_minutes for w in WINDOWS if w.end.hour - w.start.hour in (2, 4)} == {180}
    assert [w.cutoff_minutes for w in WINDOWS if w.end.hour - w.start.hour == 13] == [720]


# The load -------------------------------------------------------------------------------------


def test_the_depot_serves_the_inside_addresses_and_refuses_the_outside_one(loaded):
    depot = Depot.objects.get(code="utrecht")
    for address in DEMO_ADDRESSES:
        expected = depot if address.inside_zone else None
        assert depot_for_point(lat=address.lat, lon=address.lon) == expected, address.slug
    outside = next(a for a in DEMO_ADDRESSES if not a.inside_zone)
    retailer = Retailer.objects.get(slug=RETAILER_SLUG)
    with pytest.raises(Unprocessable) as refused:
        offer_create(
            retailer=retailer, lat=outside.lat, lon=outside.lon, size_units=1, service_minutes=2, now=NOW
        )
    assert refused.value.code == "outside_service_area"


def test_the_shopper_page_lists_the_demo_addresses_in_their_order(loaded):
    retailer = Retailer.objects.get(slug=RETAILER_SLUG)
    presets = list(retailer.preset_addresses.values_list("slug", "label", "street", "lat", "lon"))
    assert presets == [(a.slug, a.label, a.street, a.lat, a.lon) for a in DEMO_ADDRESSES]


def test_it_books_every_working_day_of_the_week_through_the_services(loaded):
    per_day = Counter(Booking.objects.values_list("depot_day__date", flat=True))
    working_days = [WEDNESDAY + dt.timedelta(days=i) for i in range(7) if i != 4]
    assert sorted(per_day) == working_days
    assert per_day[SATURDAY] > per_day[MONDAY]  # Saturday is the busy day
    assert loaded.prebook.bookings == sum(per_day.values())
    assert loaded.prebook.conflicts == 0
    # One offer per shopper, every booking confirmed by the loader after a hold.
    assert Offer.objects.count() == loaded.prebook.shoppers
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
    events = list(BookingEvent.objects.values_list("actor", "from_status", "to_status"))
    assert Counter(events) == {
        (ACTOR, "", BookingStatus.HELD): sum(per_day.values()),
        (ACTOR, BookingStatus.HELD, BookingStatus.CONFIRMED): sum(per_day.values()),
    }


def test_every_depot_day_plan_is_feasible(loaded):
    assert Booking.objects.exists()
    assert plan_violations(now=NOW) == []


def test_shifts_keep_their_wall_clock_times_across_the_dst_change(loaded):
    saturday = Shift.objects.get(depot_day__date=SATURDAY, vehicle__name="Van D1")
    monday = Shift.objects.get(depot_day__date=MONDAY, vehicle__name="Van D1")
    assert saturday.start == dt.datetime(2026, 3, 28, 6, 0, tzinfo=dt.UTC)  # 07:00 CET
    assert monday.start == dt.datetime(2026, 3, 30, 5, 0, tzinfo=dt.UTC)  # 07:00 CEST
    assert (monday.start, monday.end) == (local(MONDAY, 7), local(MONDAY, 15))
    for depot_day in DepotDay.objects.all():
        assert depot_day.shifts.count() == len(FLEET)
    assert not DepotDay.objects.filter(date=SUNDAY).exists()


def test_the_fleet_works_a_weekly_roster_that_roster_apply_keeps(loaded):
    patterns = ShiftPattern.objects.select_related("vehicle")
    assert sorted(p.vehicle.name for p in patterns) == sorted(spec.name for spec in FLEET)
    assert {tuple(p.weekdays) for p in patterns} == {(1, 2, 3, 4, 5, 6)}
    shifts = Shift.objects.count()

    depot = Depot.objects.get()
    again = roster_apply(depot=depot, dates=roster_dates(depot=depot, now=NOW, days=7))

    assert again.created_shifts == 0 and again.kept_shifts == shifts == 6 * len(FLEET)


def test_sunday_windows_show_no_shift(loaded):
    retailer = Retailer.objects.get(slug=RETAILER_SLUG)
    offer = offer_create(
        retailer=retailer,
        lat=SAMPLE_ADDRESS.lat,
        lon=SAMPLE_ADDRESS.lon,
        size_units=1,
        service_minutes=2,
        from_date=SUNDAY,
        days=1,
        now=NOW,
    )
    assert {w.reason for w in offer.days[0].windows} == {REASON_NO_SHIFT}


def test_a_second_load_changes_nothing(loaded):
    before = fingerprint()
    for moment in (NOW, local(WEDNESDAY, 12)):
        again = demo_city_load(bookings_per_day=SMALL_DEMAND, admin=False, clock=at(moment))
        assert again.prebook.shoppers == 0
        assert fingerprint() == before


def test_the_next_day_prebooks_only_the_day_new_to_the_horizon(loaded):
    before = Counter(Booking.objects.values_list("depot_day__date", flat=True))
    thursday = WEDNESDAY + dt.timedelta(days=1)
    report = demo_city_load(bookings_per_day=SMALL_DEMAND, admin=False, clock=at(local(thursday, 5, 30)))
    after = Counter(Booking.objects.values_list("depot_day__date", flat=True))
    new_day = WEDNESDAY + dt.timedelta(days=7)
    assert set(report.prebook.per_day) == {new_day}
    assert after - before == {new_day: report.prebook.bookings}
    assert plan_violations(now=local(thursday, 5, 30)) == []


def test_today_is_not_prebooked_once_its_last_cutoff_has_passed(db):
    evening = local(WEDNESDAY, 19)  # the 20-21 window closed at 18:00
    report = demo_city_load(bookings_per_day=SMALL_DEMAND, admin=False, clock=at(evening))
    assert DepotDay.objects.get(date=WEDNESDAY).shifts.exists()
    assert WEDNESDAY not in report.prebook.per_day
    assert len(report.prebook.per_day) == 5
    assert report.sample_reasons["cutoff_passed"] == len(WINDOWS)


def test_popular_windows_fill_up_on_a_busy_saturday(db):
    setup = demo_city_load(bookings_per_day=0, admin=False, clock=at(NOW))
    assert setup.prebook.shoppers == 0 and setup.full_windows == 0
    depot = Depot.objects.get(code="utrecht")
    retailer = Retailer.objects.get(slug=RETAILER_SLUG)
    result = demand_prebook(
        retailer=retailer, depot=depot, dates={SATURDAY: 1.0}, bookings_per_day=70, seed=SEED, clock=at(NOW)
    )
    assert result.conflicts == 0 and result.bookings >= 80
    reasons = window_reasons(retailer=retailer, address=SAMPLE_ADDRESS, now=NOW)
    assert reasons[REASON_FULL] >= 3
    assert plan_violations(now=NOW) == []
