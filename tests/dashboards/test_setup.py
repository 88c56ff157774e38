"""The admin home by task, and a depot's setup checklist ending in a test offer that records nothing."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from booking.models import Booking, Offer
from dashboards.setup import depot_setup_checklist, depot_test_offer
from fleet.models import Depot, DepotDay, ShiftPattern
from tenants.keys import api_key_create
from tenants.models import ApiKeyKind
from tests.factories import retailer_with_rules

pytestmark = pytest.mark.django_db


def steps(checklist):
    return {step.key: step.done for step in checklist.steps}


def test_a_new_depot_lacks_everything(now):
    depot = Depot.objects.create(code="new", name="New", time_zone="Europe/Berlin", lat=52.5, lon=13.4)

    checklist = depot_setup_checklist(depot=depot, now=now)

    assert steps(checklist) == dict.fromkeys(
        ("zone", "vehicles", "roster", "days", "windows", "rules", "key"), False
    )
    assert not checklist.ready
    assert checklist.steps[0].action == reverse("admin:fleet_servicezone_add") + f"?depot={depot.pk}"


def test_the_booked_depot_lacks_a_roster_and_a_key_until_it_has_them(two_depots, now):
    world = two_depots.world

    assert steps(depot_setup_checklist(depot=world.depot, now=now)) == {
        "zone": True,
        "vehicles": True,
        "roster": False,
        "days": True,
        "windows": True,
        "rules": True,
        "key": False,
    }

    ShiftPattern.objects.create(
        vehicle=world.vehicles[0],
        weekdays=[1, 2, 3, 4, 5],
        start_time=dt.time(8),
        end_time=dt.time(16),
        valid_from=now.date(),
    )
    api_key_create(retailer=world.retailer, kind=ApiKeyKind.SECRET)
    checklist = depot_setup_checklist(depot=world.depot, now=now)
    assert checklist.ready and checklist.retailers == (world.retailer,)


def test_the_key_step_waits_for_every_retailer_selling_here_and_opens_the_one_without(two_depots, now):
    world = two_depots.world
    other, _ = retailer_with_rules("greengrocer")  # retailer-wide published rules: sells here too
    api_key_create(retailer=world.retailer, kind=ApiKeyKind.SECRET)

    key_step = next(s for s in depot_setup_checklist(depot=world.depot, now=now).steps if s.key == "key")

    assert not key_step.done, "one of two retailers selling here has no key"
    assert key_step.action == reverse("admin:tenants_retailer_change", args=[other.pk])
    assert key_step.detail.startswith("1 of 2")

    api_key_create(retailer=other, kind=ApiKeyKind.SECRET)
    assert steps(depot_setup_checklist(depot=world.depot, now=now))["key"]


def test_a_revoked_key_does_not_count(two_depots, now):
    key, _ = api_key_create(retailer=two_depots.world.retailer, kind=ApiKeyKind.SECRET)
    key.revoked_at = now
    key.save(update_fields=["revoked_at"])

    assert not steps(depot_setup_checklist(depot=two_depots.world.depot, now=now))["key"]


def test_the_test_offer_prices_the_horizon_and_records_nothing(two_depots, now):
    offers, bookings = Offer.objects.count(), Booking.objects.count()

    offer = depot_test_offer(depot=two_depots.world.depot, retailer=two_depots.world.retailer, now=now)

    assert len(offer.days) == 7 and offer.days[2].date == two_depots.date
    assert [day.on_sale for day in offer.days] == [0, 0, 5, 0, 0, 0, 0]
    on_sale = [w for w in offer.days[2].offer.windows if w.available]
    assert len(on_sale) == 5 and all(w.price is not None and not w.quote for w in on_sale)
    assert offer.windows_on_sale == 5  # only the booked day has vans
    assert (Offer.objects.count(), Booking.objects.count()) == (offers, bookings)


def setup_url(code="dep"):
    return reverse("dashboards:setup", args=[code])


def test_the_checklist_page_ends_in_a_test_offer_that_shows_its_windows(admin_client, two_depots):
    page = admin_client.get(setup_url()).content.decode()
    assert "Weekly roster" in page and "Create a key" in page and "Make a test offer" in page

    response = admin_client.post(reverse("dashboards:setup-test-offer", args=["dep"]), {"retailer": "shop"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "5 windows on sale" in body and "09:00–10:00" in body
    # Local times, as the column heading says (the all-day window is 08:00-20:00 in Amsterdam).
    assert "08:00–20:00" in body and "07:00–19:00" not in body
    assert "5 of 5 windows on sale" in body and "no: no van working" in body
    assert Offer.objects.filter(depot__code="dep").count() == 3  # the three bookings' offers only


def test_a_test_offer_for_an_unknown_retailer_is_refused(admin_client, two_depots):
    response = admin_client.post(reverse("dashboards:setup-test-offer", args=["dep"]), {"retailer": "ghost"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_filling_the_coming_days_runs_the_roster(admin_client, two_depots, now):
    world = two_depots.world
    ShiftPattern.objects.create(
        vehicle=world.vehicles[0],
        weekdays=[1, 2, 3, 4, 5, 6, 7],
        start_time=dt.time(8),
        end_time=dt.time(16),
        valid_from=now.date(),
    )
    before = DepotDay.objects.filter(depot=world.depot).count()

    response = admin_client.post(reverse("dashboards:setup-fill-days", args=["dep"]), follow=True)

    assert DepotDay.objects.filter(depot=world.depot).count() > before
    assert "Created" in response.content.decode()
    assert admin_client.get(reverse("dashboards:setup-fill-days", args=["dep"])).status_code == 405


def test_setup_pages_are_for_staff_and_filling_needs_the_right_to_add_shifts(
    client, two_depots, staff_without_rights
):
    assert reverse("admin:login") in client.get(setup_url())["Location"]
    assert (
        reverse("admin:login")
        in client.post(reverse("dashboards:setup-test-offer", args=["dep"]))["Location"]
    )

    client.force_login(staff_without_rights)
    assert client.get(setup_url()).status_code == 200
    assert client.post(reverse("dashboards:setup-fill-days", args=["dep"])).status_code == 403
    staff_without_rights.user_permissions.add(Permission.objects.get(codename="add_shift"))
    assert client.post(reverse("dashboards:setup-fill-days", args=["dep"])).status_code == 302


def test_the_admin_home_is_organised_by_task_and_links_every_depots_pages(admin_client, two_depots):
    body = admin_client.get(reverse("admin:index")).content.decode()

    for section in ("Fleet", "Windows", "Incentives", "Bookings", "Retailers", "All records"):
        assert f"<h2>{section}</h2>" in body, section
    for url in (
        reverse("fleet:plan-index"),
        reverse("dashboards:index"),
        reverse("dashboards:exports"),
        reverse("admin:fleet_shiftpattern_changelist"),
        reverse("admin:tenants_retailer_changelist"),
        setup_url("dep"),
        setup_url("oth"),
        reverse("dashboards:day-board", args=["dep", "2026-12-01"]),
        reverse("dashboards:manifest", args=["oth", "2026-12-01"]),
    ):
        assert f'href="{url}"' in body, url


def test_the_admin_home_shows_only_the_links_a_user_may_follow(client, two_depots, staff_without_rights):
    client.force_login(staff_without_rights)

    body = client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:fleet_depot_changelist") not in body
    assert reverse("dashboards:exports") not in body
    assert reverse("fleet:plan-index") in body
