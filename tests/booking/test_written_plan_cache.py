"""Writers re-check against the plan of the version they locked: from this process's plan cache
when it holds exactly that version, compiled from the rows otherwise. After a hold commits, the
plan it wrote is cached under the new version and equals a fresh compile of the rows."""

import numpy as np
import pytest

from booking.audit import plan_violations
from booking.services.holds import hold_confirm, hold_create, hold_release
from booking.services.offers import offer_create
from fleet.adapter import compile_plan, plan_cache
from fleet.models import DepotDay
from greenslot.errors import Conflict
from routing.insertion import evaluate_insertion
from tests.factories import make_world
from tests.plan_compare import by_stop_id

pytestmark = pytest.mark.django_db

POINTS = [(52.07 + 0.006 * i, 5.07 + 0.005 * (i % 5)) for i in range(8)]


def first_window_offer(world, now, date, point, size_units=1):
    offer = offer_create(
        retailer=world.retailer, lat=point[0], lon=point[1], size_units=size_units,
        service_minutes=3, from_date=date, days=1, now=now,
    )  # fmt: skip
    return offer.days[0].windows[0]


def test_a_committed_hold_caches_the_plan_it_wrote_equal_to_a_fresh_compile(
    now, tomorrow, django_capture_on_commit_callbacks
):
    world = make_world(dates=[tomorrow], vehicles=2, capacity=20)
    for point in POINTS[:5]:
        window = first_window_offer(world, now, tomorrow, point)
        with django_capture_on_commit_callbacks(execute=True):
            hold_create(retailer=world.retailer, quote=window.quote, now=now)

    depot_day = DepotDay.objects.get(depot=world.depot, date=tomorrow)
    misses = plan_cache.misses
    cached = plan_cache.get(depot=world.depot, depot_day=depot_day, date=tomorrow, now=now)
    assert plan_cache.misses == misses, "the writer's plan should be served for the version it wrote"
    fresh = compile_plan(depot=world.depot, depot_day=depot_day, date=tomorrow, now=now)

    assert cached.version == fresh.version == depot_day.version
    assert by_stop_id(cached) == by_stop_id(fresh)
    assert cached.valid_until == fresh.valid_until is not None  # the earliest hold's expiry
    assert sorted(cached.stop_ids) == sorted(fresh.stop_ids)
    # And the engine sees the same plan: every insertion of a new stop costs the same.
    early = np.array([9 * 3600, 12 * 3600, 8 * 3600], dtype=np.int64) + 3600  # UTC+1 local hours
    late = early + np.array([3600, 3600, 12 * 3600])
    for lat, lon in POINTS[5:]:
        a = evaluate_insertion(cached.plan, lat=lat, lon=lon, service=180, demand=1,
                               window_early=early, window_late=late)  # fmt: skip
        b = evaluate_insertion(fresh.plan, lat=lat, lon=lon, service=180, demand=1,
                               window_early=early, window_late=late)  # fmt: skip
        assert a.feasible.tolist() == b.feasible.tolist()
        assert a.delta_m.tolist() == b.delta_m.tolist() and a.delta_s.tolist() == b.delta_s.tolist()
        assert a.route.tolist() == b.route.tolist() and a.position.tolist() == b.position.tolist()


def test_a_hold_never_reuses_a_cached_plan_of_an_older_version(now, tomorrow):
    # One van with room for one parcel of 8 units: the second hold must find it full.
    world = make_world(dates=[tomorrow], vehicles=1, capacity=10)
    first = first_window_offer(world, now, tomorrow, POINTS[0], size_units=8)
    second = first_window_offer(world, now, tomorrow, POINTS[1], size_units=8)
    assert first.available and second.available
    cached_before = plan_cache.misses
    # The first hold commits nothing to the cache here (the test's transaction never commits), as
    # when another process wrote it: this process still holds the plan of the older version.
    hold_create(retailer=world.retailer, quote=first.quote, now=now)

    with pytest.raises(Conflict) as refused:
        hold_create(retailer=world.retailer, quote=second.quote, now=now)

    assert refused.value.code == "window_unavailable"
    assert plan_cache.misses > cached_before, "the second hold must have compiled the new version"
    assert plan_violations(now=now) == []


def test_a_confirm_or_a_release_leaves_the_next_reader_a_cached_plan_equal_to_a_fresh_compile(
    now, tomorrow, django_capture_on_commit_callbacks
):
    world = make_world(dates=[tomorrow], vehicles=2, capacity=20)
    holds = []
    for point in POINTS[:4]:
        window = first_window_offer(world, now, tomorrow, point)
        with django_capture_on_commit_callbacks(execute=True):
            holds.append(hold_create(retailer=world.retailer, quote=window.quote, now=now))

    for write in (
        lambda: hold_confirm(retailer=world.retailer, booking_id=holds[0].id, now=now),
        lambda: hold_release(retailer=world.retailer, booking_id=holds[1].id, now=now),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            write()
        depot_day = DepotDay.objects.get(depot=world.depot, date=tomorrow)
        misses = plan_cache.misses
        cached = plan_cache.get(depot=world.depot, depot_day=depot_day, date=tomorrow, now=now)
        assert plan_cache.misses == misses, "the writer should have left the new version's plan"
        fresh = compile_plan(depot=world.depot, depot_day=depot_day, date=tomorrow, now=now)
        assert by_stop_id(cached) == by_stop_id(fresh)
        assert cached.version == fresh.version
        # A confirmed hold no longer lapses: the cached plan may expire earlier, never later.
        assert fresh.valid_until is not None and cached.valid_until <= fresh.valid_until
