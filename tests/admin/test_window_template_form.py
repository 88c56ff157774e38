"""A window template's cut-off typed as a manager says it: "N hours before the start" or "the day
before at HH:MM", stored as the minutes before the start the offer engine reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from booking.cutoffs import DAY_BEFORE, HOURS_BEFORE, CutoffSaid, cutoff_minutes_for, cutoff_said
from booking.models import WindowTemplate
from tests.admin.admin_world import form_data, make_admin_world

NINE = dt.time(9)


@pytest.fixture
def world(db):
    return make_admin_world()


def add_posted(admin_client, world, **fields):
    url = reverse("admin:booking_windowtemplate_add")
    data = form_data(admin_client.get(url, {"depot": world.depot.pk}).content.decode())
    data.update({"depot": [str(world.depot.pk)], "start_time": ["09:00"], "end_time": ["11:00"]})
    data.update({name: [value] for name, value in fields.items()})
    return admin_client.post(url, data)


def test_the_day_before_at_six_pm_is_fifteen_hours_before_a_nine_oclock_window():
    said = CutoffSaid(kind=DAY_BEFORE, at=dt.time(18))

    assert cutoff_minutes_for(said=said, start_time=NINE) == 15 * 60
    assert cutoff_said(cutoff_minutes=15 * 60, start_time=NINE) == said


@pytest.mark.parametrize(
    ("minutes", "said"),
    [
        (120, CutoffSaid(kind=HOURS_BEFORE, hours=Decimal(2))),
        (540, CutoffSaid(kind=HOURS_BEFORE, hours=Decimal(9))),  # midnight is still the same day
        (541, CutoffSaid(kind=DAY_BEFORE, at=dt.time(23, 59))),
        (1440, CutoffSaid(kind=DAY_BEFORE, at=dt.time(9))),
        (540 + 1440, CutoffSaid(kind=DAY_BEFORE, at=dt.time(0))),
        (540 + 1441, CutoffSaid(kind=HOURS_BEFORE, hours=Decimal("33.02"))),  # two days before
    ],
)
def test_a_stored_cutoff_reads_as_the_day_before_only_when_it_falls_on_it(minutes, said):
    assert cutoff_said(cutoff_minutes=minutes, start_time=NINE) == said


def test_hours_must_be_whole_minutes():
    with pytest.raises(ValueError, match="whole minutes"):
        cutoff_minutes_for(said=CutoffSaid(kind=HOURS_BEFORE, hours=Decimal("0.01")), start_time=NINE)


def test_a_template_closing_the_day_before_at_six_is_saved_and_listed_so(admin_client, world):
    response = add_posted(admin_client, world, cutoff_kind=DAY_BEFORE, cutoff_day_before_at="18:00")

    assert response.status_code == 302
    template = WindowTemplate.objects.get(depot=world.depot, start_time=NINE)
    assert template.cutoff_minutes == 15 * 60
    listed = admin_client.get(reverse("admin:booking_windowtemplate_changelist")).content.decode()
    assert "day before, 18:00" in listed
    page = admin_client.get(reverse("admin:booking_windowtemplate_change", args=[template.pk]))
    shown = form_data(page.content.decode())
    assert shown["cutoff_kind"] == [DAY_BEFORE]
    assert shown["cutoff_day_before_at"] == ["18:00:00"]


def test_a_template_closing_ninety_minutes_before_is_typed_as_one_and_a_half_hours(admin_client, world):
    response = add_posted(admin_client, world, cutoff_kind=HOURS_BEFORE, cutoff_hours="1.5")

    assert response.status_code == 302
    assert WindowTemplate.objects.get(depot=world.depot, start_time=NINE).cutoff_minutes == 90


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"cutoff_kind": DAY_BEFORE, "cutoff_day_before_at": ""}, "Give the time the day before"),
        ({"cutoff_kind": HOURS_BEFORE, "cutoff_hours": ""}, "Give how many hours before"),
        ({"cutoff_kind": HOURS_BEFORE, "cutoff_hours": "0.01"}, "Give the hours in whole minutes"),
        ({"cutoff_kind": HOURS_BEFORE, "cutoff_hours": "-1"}, "greater than or equal to 0"),
    ],
)
def test_a_cutoff_missing_its_value_is_refused_on_that_field(admin_client, world, fields, error):
    response = add_posted(admin_client, world, **fields)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not WindowTemplate.objects.filter(depot=world.depot, start_time=NINE).exists()


def test_an_edit_that_leaves_the_cutoff_alone_keeps_minutes_the_hours_round(admin_client, world):
    template = world.template
    WindowTemplate.objects.filter(pk=template.pk).update(cutoff_minutes=50)  # 0.83 h as shown
    url = reverse("admin:booking_windowtemplate_change", args=[template.pk])
    data = form_data(admin_client.get(url).content.decode())
    data["is_active"] = []

    response = admin_client.post(url, data)

    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.cutoff_minutes, template.is_active) == (50, False)
