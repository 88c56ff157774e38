"""Times in the admin are the depot's wall clock, read and shown, and say which zone they are in;
the DST days included."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import WindowTemplate
from fleet.models import Depot, DepotDay, Shift
from tests.admin.admin_world import form_data, make_admin_world

pytestmark = pytest.mark.django_db

SPRING_FORWARD = dt.date(2027, 3, 28)
FALL_BACK = dt.date(2027, 10, 31)


@pytest.fixture
def world():
    return make_admin_world()


def add_depot_day(admin_client, world, date: dt.date, start: str, end: str):
    page = admin_client.get(reverse("admin:fleet_depotday_add"), {"depot": world.depot.pk})
    data = form_data(page.content.decode())
    data.update(
        {
            "depot": [str(world.depot.pk)],
            "date": [date.isoformat()],
            "shifts-TOTAL_FORMS": ["1"],
            "shifts-0-vehicle": [str(world.vehicles[1].pk)],
            "shifts-0-start_0": [date.isoformat()],
            "shifts-0-start_1": [start],
            "shifts-0-end_0": [date.isoformat()],
            "shifts-0-end_1": [end],
        }
    )
    return page, admin_client.post(reverse("admin:fleet_depotday_add"), data)


@pytest.mark.parametrize(
    ("date", "utc_start", "utc_end"),
    [
        (dt.date(2026, 12, 3), dt.time(8), dt.time(16)),  # winter: UTC+1
        (SPRING_FORWARD, dt.time(7), dt.time(15)),  # summer time from 02:00 that morning: UTC+2
        (FALL_BACK, dt.time(8), dt.time(16)),  # winter time from 03:00 that morning: UTC+1
    ],
    ids=["winter", "spring-forward", "fall-back"],
)
def test_add_depot_day_reads_typed_hours_in_the_depots_zone(admin_client, world, date, utc_start, utc_end):
    page, response = add_depot_day(admin_client, world, date, "09:00", "17:00")

    assert response.status_code == 302, response.context and response.context["errors"]
    shift = Shift.objects.get(depot_day__date=date)
    assert shift.start == dt.datetime.combine(date, utc_start, tzinfo=dt.UTC)
    assert shift.end == dt.datetime.combine(date, utc_end, tzinfo=dt.UTC)
    assert "Times in Europe/Amsterdam" in page.content.decode()


def test_add_depot_day_refuses_an_hour_the_clocks_skip(admin_client, world):
    _, response = add_depot_day(admin_client, world, SPRING_FORWARD, "02:30", "10:00")

    assert response.status_code == 200
    assert "Europe/Amsterdam" in str(response.context["inline_admin_formsets"][0].formset.errors)
    assert not DepotDay.objects.filter(date=SPRING_FORWARD).exists()


def test_a_days_time_fields_say_their_zone_and_warn_of_nothing(admin_client, world):
    html = admin_client.get(
        reverse("admin:fleet_depotday_change", args=[world.depot_day.pk])
    ).content.decode()

    assert "Time (Europe/Amsterdam):" in html
    assert ".timezonewarning { display: none !important; }" in html


def test_a_shift_on_a_dst_day_shows_its_local_hours(admin_client, world):
    day = DepotDay.objects.create(depot=world.depot, date=FALL_BACK)
    shift = Shift.objects.create(
        depot_day=day,
        vehicle=world.vehicles[0],
        start=dt.datetime(2027, 10, 31, 8, tzinfo=dt.UTC),
        end=dt.datetime(2027, 10, 31, 16, tzinfo=dt.UTC),
    )

    change = admin_client.get(reverse("admin:fleet_shift_change", args=[shift.pk])).content.decode()
    listed = admin_client.get(reverse("admin:fleet_shift_changelist")).content.decode()

    assert 'value="09:00:00"' in change and 'value="08:00:00"' not in change
    assert "Times in Europe/Amsterdam" in listed and ">09:00–17:00<" in listed


def test_lists_show_bookings_and_stops_in_local_time_only(admin_client, world):
    # The booking's window is 10:00-11:00 in Amsterdam, 09:00-10:00 UTC.
    bookings = admin_client.get(reverse("admin:booking_booking_changelist")).content.decode()
    stops = admin_client.get(reverse("admin:fleet_stop_changelist")).content.decode()

    assert "Times in Europe/Amsterdam" in bookings and "Times in Europe/Amsterdam" in stops
    assert ">Wed 2 Dec 2026 10:00–11:00<" in bookings
    assert "9 a.m." not in bookings and "09:00" not in bookings
    assert ">Wed 2 Dec 2026 10:00–11:00<" in stops


def test_a_list_of_depots_in_several_zones_labels_every_row(admin_client, world):
    Depot.objects.create(code="lon", name="London", time_zone="Europe/London", lat=51.5, lon=-0.1)

    bookings = admin_client.get(reverse("admin:booking_booking_changelist")).content.decode()

    assert "Times in Europe/Amsterdam" not in bookings
    assert ">Wed 2 Dec 2026 10:00–11:00 (Europe/Amsterdam)<" in bookings


def test_a_booking_reads_in_its_depots_zone(admin_client, world):
    html = admin_client.get(reverse("admin:booking_booking_change", args=[world.booking.pk])).content.decode()

    assert "Times in Europe/Amsterdam (ams)" in html
    assert "10 a.m." in html or "10:00" in html


def test_a_window_template_takes_weekdays_as_checkboxes_and_labels_its_hours(admin_client, world):
    url = reverse("admin:booking_windowtemplate_change", args=[world.template.pk])
    page = admin_client.get(url)
    data = form_data(page.content.decode())
    data["weekdays"] = ["6", "1"]

    response = admin_client.post(url, data)

    html = page.content.decode()
    assert 'type="checkbox" name="weekdays"' in html
    assert "(Europe/Amsterdam)" in html
    assert response.status_code == 302
    world.template.refresh_from_db()
    assert world.template.weekdays == [1, 6]
    listed = admin_client.get(reverse("admin:booking_windowtemplate_changelist")).content.decode()
    assert ">10:00–11:00<" in listed and "Mon, Sat" in listed


def test_a_window_template_typed_in_local_hours_keeps_them(admin_client, world):
    page = admin_client.get(reverse("admin:booking_windowtemplate_add"))
    data = form_data(page.content.decode())
    data.update({"depot": [str(world.depot.pk)], "start_time": ["18:00"], "end_time": ["20:00"]})
    data["cutoff_minutes"] = ["120"]

    response = admin_client.post(reverse("admin:booking_windowtemplate_add"), data)

    assert response.status_code == 302
    assert WindowTemplate.objects.filter(start_time=dt.time(18), end_time=dt.time(20), weekdays=[]).exists()


def test_an_add_page_that_does_not_know_its_depot_yet_says_so(admin_client, world):
    Depot.objects.create(code="lon", name="London", time_zone="Europe/London", lat=51.5, lon=-0.1)

    unknown = admin_client.get(reverse("admin:fleet_depotday_add")).content.decode()
    known = admin_client.get(reverse("admin:fleet_depotday_add"), {"depot": world.depot.pk}).content.decode()

    assert "Times in the chosen depot&#x27;s time zone" in unknown
    assert "Time (the depot&#x27;s time zone):" in unknown  # the empty shift row "Add another" copies
    assert "Times in Europe/Amsterdam (ams)" in known
