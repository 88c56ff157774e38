"""The roster pages: weekly patterns typed as checkboxes and local hours fill the horizon at once;
an edit that would break a booking is refused with the booking's reference, and nothing changes."""

import datetime as dt

import pytest
from django.urls import reverse

from fleet.models import DepotDay, RosterException, Shift, ShiftPattern
from tests.admin.admin_world import DATE, form_data, local, make_admin_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_admin_world()


def pattern_form(admin_client, **fields):
    page = admin_client.get(reverse("admin:fleet_shiftpattern_add"))
    data = form_data(page.content.decode())
    data.update({name: value if isinstance(value, list) else [str(value)] for name, value in fields.items()})
    return page, data


def test_the_pattern_form_offers_weekday_checkboxes_and_local_hours(admin_client, world):
    page, data = pattern_form(admin_client)

    html = page.content.decode()
    assert html.count('type="checkbox" name="weekdays"') == 7
    assert data["weekdays"] == ["1", "2", "3", "4", "5"]  # Monday to Friday ticked to start with
    assert "(Europe/Amsterdam)" in html


def test_a_new_pattern_fills_the_horizon_at_once(admin_client, world):
    _, data = pattern_form(
        admin_client,
        vehicle=world.vehicles[0].pk,
        weekdays=["6"],
        start_time="09:00",
        end_time="17:00",
        valid_from="2026-12-01",
    )

    response = admin_client.post(reverse("admin:fleet_shiftpattern_add"), data, follow=True)

    assert response.redirect_chain, response.context["errors"]
    saturdays = [dt.date(2026, 12, 5), dt.date(2026, 12, 12)]
    shifts = Shift.objects.filter(vehicle=world.vehicles[0], depot_day__date__in=saturdays)
    assert sorted(s.start for s in shifts) == [
        dt.datetime.combine(d, dt.time(8), tzinfo=dt.UTC) for d in saturdays
    ]
    assert "The roster added" in response.content.decode()


def test_a_pattern_overlapping_another_of_the_same_vehicle_is_refused(admin_client, world):
    _, data = pattern_form(
        admin_client,
        vehicle=world.vehicles[1].pk,
        weekdays=["3"],
        start_time="10:00",
        end_time="12:00",
        valid_from="2026-12-01",
    )

    response = admin_client.post(reverse("admin:fleet_shiftpattern_add"), data)

    assert response.status_code == 200
    assert "already has a pattern on these days" in response.content.decode()


def test_a_pattern_change_that_strands_a_booking_is_refused_with_its_reference(admin_client, world):
    # The busy van carries the booking (10:00-11:00 on 2 Dec): give it a pattern, then shorten it.
    pattern = ShiftPattern.objects.create(
        vehicle=world.vehicles[0],
        weekdays=[3],
        start_time=dt.time(8),
        end_time=dt.time(20),
        valid_from=DATE,
    )
    version = DepotDay.objects.get(pk=world.depot_day.pk).version
    url = reverse("admin:fleet_shiftpattern_change", args=[pattern.pk])
    data = form_data(admin_client.get(url).content.decode())
    data["start_time"] = ["12:00"]

    response = admin_client.post(url, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "This change would break 1 booking(s)" in html
    assert world.booking.reference in html
    assert ShiftPattern.objects.get(pk=pattern.pk).start_time == dt.time(8)
    assert Shift.objects.get(pk=world.busy_shift.pk).start == local(8)
    assert DepotDay.objects.get(pk=world.depot_day.pk).version == version


def test_closing_a_booked_day_is_refused_and_an_idle_vans_day_off_applies(admin_client, world):
    page = admin_client.get(reverse("admin:fleet_rosterexception_add"))
    data = form_data(page.content.decode())
    data.update({"depot": [str(world.depot.pk)], "date": [DATE.isoformat()], "kind": ["closed"]})

    refused = admin_client.post(reverse("admin:fleet_rosterexception_add"), data)
    data.update({"kind": ["vehicle_off"], "vehicle": [str(world.vehicles[1].pk)]})
    applied = admin_client.post(reverse("admin:fleet_rosterexception_add"), data)

    assert refused.status_code == 200
    assert world.booking.reference in refused.content.decode()
    assert applied.status_code == 302
    assert list(Shift.objects.filter(depot_day=world.depot_day).values_list("pk", flat=True)) == [
        world.busy_shift.pk
    ]
    assert RosterException.objects.filter(date=DATE, kind="vehicle_off").exists()


def test_deleting_a_pattern_under_a_booking_is_refused(admin_client, world):
    pattern = ShiftPattern.objects.create(
        vehicle=world.vehicles[0], weekdays=[3], start_time=dt.time(8), end_time=dt.time(20), valid_from=DATE
    )

    response = admin_client.post(
        reverse("admin:fleet_shiftpattern_delete", args=[pattern.pk]), {"post": "yes"}, follow=True
    )

    assert world.booking.reference in response.content.decode()
    assert ShiftPattern.objects.filter(pk=pattern.pk).exists()
    assert Shift.objects.filter(pk=world.busy_shift.pk).exists()


def test_an_extra_shift_in_an_hour_the_clocks_skip_is_not_rostered(admin_client, world):
    page = admin_client.get(reverse("admin:fleet_rosterexception_add"))
    data = form_data(page.content.decode())
    data.update(
        {
            "depot": [str(world.depot.pk)],
            "date": ["2027-03-28"],
            "kind": ["extra_shift"],
            "vehicle": [str(world.vehicles[0].pk)],
            "start_time": ["02:30"],
            "end_time": ["10:00"],
        }
    )

    saved = admin_client.post(reverse("admin:fleet_rosterexception_add"), data)
    assert saved.status_code == 302, saved.context["errors"]
    listed = admin_client.get(reverse("admin:fleet_rosterexception_changelist")).content.decode()
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("roster_apply", "--days", "120", stdout=out)

    assert ">02:30–10:00<" in listed
    reasons = [r["reason"] for r in json.loads(out.getvalue())["refused"]]
    assert any("02:30 does not exist on 2027-03-28" in reason for reason in reasons)


def test_the_depot_list_fills_the_coming_days_from_the_roster(admin_client, world):
    response = admin_client.post(
        reverse("admin:fleet_depot_changelist"),
        {"action": "fill_from_roster", "_selected_action": [str(world.depot.pk)]},
        follow=True,
    )

    # V2 works Mon-Fri 09:00-17:00 from 2 Dec: 2-4, 7-11 and 14 Dec in the coming 14 days,
    # and already has its 2 Dec shift.
    assert "Created 8 shift(s) on 8 new depot-day(s); kept 1 shift(s)" in response.content.decode()
    assert Shift.objects.filter(vehicle=world.vehicles[1]).count() == 9


def test_one_form_gives_several_vehicles_the_same_pattern(admin_client, world):
    _, data = pattern_form(
        admin_client,
        vehicle=world.vehicles[0].pk,
        more_vehicles=[str(world.vehicles[1].pk)],
        weekdays=["6"],
        start_time="09:00",
        end_time="13:00",
        valid_from="2026-12-01",
    )

    response = admin_client.post(reverse("admin:fleet_shiftpattern_add"), data, follow=True)

    assert response.redirect_chain, response.context["errors"]
    saturday = dt.date(2026, 12, 5)
    assert sorted(ShiftPattern.objects.filter(weekdays=[6]).values_list("vehicle__name", flat=True)) == [
        "V1",
        "V2",
    ]
    assert Shift.objects.filter(depot_day__date=saturday).count() == 2
    assert "Added the same pattern for V2 Sat 09:00–13:00" in response.content.decode()


def test_the_same_pattern_is_refused_for_a_vehicle_that_already_works_those_days(admin_client, world):
    _, data = pattern_form(
        admin_client,
        vehicle=world.vehicles[0].pk,
        more_vehicles=[str(world.vehicles[1].pk)],  # V2 works Mon-Fri already
        weekdays=["3"],
        start_time="09:00",
        end_time="13:00",
        valid_from="2026-12-01",
    )

    response = admin_client.post(reverse("admin:fleet_shiftpattern_add"), data)

    assert response.status_code == 200
    assert "V2: This vehicle already has a pattern on these days" in response.content.decode()
    assert not ShiftPattern.objects.filter(vehicle=world.vehicles[0]).exists()
