"""The Celery task and the debounced trigger. Without a broker (the test settings) tasks run eagerly."""

import pytest
from django.core.cache import cache

from booking.audit import plan_violations
from booking.services.holds import hold_confirm, hold_create
from booking.services.offers import offer_create
from fleet.models import DepotDay
from fleet.tasks import debounce_key, reoptimisation_request, reoptimise_depot_day
from tests.reoptimisation.support import bad_plan_world, day_cost

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(tomorrow, now):
    return bad_plan_world(date=tomorrow, now=now)


@pytest.fixture
def auto_on(settings):
    settings.GREENSLOT = {
        **settings.GREENSLOT,
        "REOPT_AUTO": True,
        "REOPT_DEBOUNCE_SECONDS": 30,
        "REOPT_SECONDS": 0.3,
    }


def depot_day(world, date) -> DepotDay:
    return DepotDay.objects.get(depot=world.depot, date=date)


def test_the_task_runs_in_process_without_a_broker(world, tomorrow, now):
    before = day_cost(world, date=tomorrow, now=now)

    outcome = reoptimise_depot_day.delay(depot_day(world, tomorrow).id, max_iterations=300).get()

    assert outcome["status"] == "improved"
    assert outcome["cost_after"] < before
    assert day_cost(world, date=tomorrow, now=now) == pytest.approx(outcome["cost_after"])
    assert plan_violations(now=now) == []


def test_the_task_spends_the_configured_seconds_by_default(settings, world, tomorrow):
    settings.GREENSLOT = {**settings.GREENSLOT, "REOPT_SECONDS": 0.3}
    outcome = reoptimise_depot_day.delay(depot_day(world, tomorrow).id).get()
    assert outcome["status"] == "improved"
    assert 0.3 <= outcome["seconds"] < 3


def test_requests_do_nothing_while_auto_reoptimisation_is_off(world, tomorrow):
    # The test settings have no broker, so REOPT_AUTO defaults to off.
    version = depot_day(world, tomorrow).version
    assert reoptimisation_request(depot_day_id=depot_day(world, tomorrow).id) is False
    assert cache.get(debounce_key(depot_day(world, tomorrow).id)) is None
    assert depot_day(world, tomorrow).version == version


def test_a_burst_of_requests_schedules_one_run(auto_on, world, tomorrow):
    day_id = depot_day(world, tomorrow).id
    version = depot_day(world, tomorrow).version

    scheduled = [reoptimisation_request(depot_day_id=day_id) for _ in range(5)]

    assert scheduled == [True, False, False, False, False]
    assert depot_day(world, tomorrow).version == version + 1  # one (eager) run, which improved the plan
    # Once the debounce period is over, the next booking schedules the next run.
    cache.delete(debounce_key(day_id))
    assert reoptimisation_request(depot_day_id=day_id) is True


def test_each_depot_day_has_its_own_debounce(auto_on, world, tomorrow):
    assert reoptimisation_request(depot_day_id=depot_day(world, tomorrow).id) is True
    assert reoptimisation_request(depot_day_id=10**9) is True  # unknown: the run finds no plan


def test_a_hold_and_a_confirm_ask_for_a_run_once_committed(
    auto_on, world, tomorrow, now, django_capture_on_commit_callbacks
):
    day_id = depot_day(world, tomorrow).id
    offer = offer_create(
        retailer=world.retailer, lat=52.1, lon=5.1, size_units=1, service_minutes=3,
        from_date=tomorrow, days=1, now=now,
    )  # fmt: skip
    with django_capture_on_commit_callbacks() as on_hold:
        hold = hold_create(retailer=world.retailer, quote=offer.days[0].windows[0].quote, now=now)
    with django_capture_on_commit_callbacks() as on_confirm:
        hold_confirm(retailer=world.retailer, booking_id=hold.id, now=now)
    # The hold also keeps the plan it wrote in this process's plan cache once committed.
    assert (len(on_hold), len(on_confirm)) == (2, 1)
    assert cache.get(debounce_key(day_id)) is None  # nothing happens before the commit

    for callback in on_hold:
        callback()

    assert cache.get(debounce_key(day_id)) == 1
    assert plan_violations(now=now) == []
