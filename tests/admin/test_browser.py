"""The roster form, the zone editor's map, and a DST day's times in a real Chromium whose own clock
is in New York: what the operator types is read on the depot's wall clock, labelled with its zone,
with no clock warning; a zone drawn and edited on the map is saved as drawn.

Playwright drives Debian's Chromium; skipped where it is not installed.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from fleet.models import DepotDay, ServiceZone, Shift, ShiftPattern
from tests.admin.admin_world import make_admin_world
from tests.factories import emission_factor

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # ORM calls between the browser's steps

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SPRING_FORWARD = dt.date(2027, 3, 28)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def operator(live_server, transactional_db, django_user_model):
    sync_api = pytest.importorskip("playwright.sync_api")
    django_user_model.objects.create_superuser("manager", "manager@example.com", "manager-pw")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        # The operator's laptop is six hours behind the depot: nothing they type may depend on it.
        context = chromium.new_context(
            timezone_id="America/New_York", viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "manager")
        page.fill("#id_password", "manager-pw")
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + "/admin/")
        yield page
        chromium.close()


def admin_world():
    emission_factor("diesel-van")  # a transactional test flushed the migrated factors
    return make_admin_world()


def test_the_roster_form_makes_a_saturday_pattern_and_its_shifts(live_server, operator):
    world = admin_world()
    page = operator

    page.goto(f"{live_server.url}/admin/fleet/shiftpattern/add/?vehicle={world.vehicles[0].pk}")
    assert page.locator("text=Times in Europe/Amsterdam (ams)").is_visible()
    for day in ("1", "2", "3", "4", "5"):  # Monday to Friday come ticked
        page.uncheck(f"input[name=weekdays][value='{day}']")
    page.check("input[name=weekdays][value='6']")
    page.fill("#id_start_time", "10:00")
    page.fill("#id_end_time", "18:00")
    page.fill("#id_valid_from", "2026-12-01")
    assert page.locator(".timezone-label", has_text="(Europe/Amsterdam)").count() == 2
    assert not page.locator(".timezonewarning").first.is_visible()
    page.click("input[name=_save]")

    page.wait_for_url(f"{live_server.url}/admin/fleet/shiftpattern/")
    # V1's two Saturdays, and the eight weekdays of V2's pattern that no one had filled yet.
    assert "The roster added 10 shift(s)" in page.locator("ul.messagelist").inner_text()
    assert page.locator("td.field-hours", has_text="10:00–18:00").is_visible()
    pattern = ShiftPattern.objects.get(vehicle=world.vehicles[0])
    assert pattern.weekdays == [6]
    saturday = Shift.objects.get(vehicle=world.vehicles[0], depot_day__date=dt.date(2026, 12, 5))
    assert saturday.start == dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)  # 10:00 in Amsterdam


def test_a_shift_typed_on_the_spring_forward_day_is_read_in_summer_time(live_server, operator):
    world = admin_world()
    day = DepotDay.objects.create(depot=world.depot, date=SPRING_FORWARD)
    page = operator

    page.goto(f"{live_server.url}/admin/fleet/shift/add/?depot_day={day.pk}&vehicle={world.vehicles[1].pk}")
    assert page.locator("text=Time (Europe/Amsterdam):").count() == 2
    page.fill("#id_start_0", SPRING_FORWARD.isoformat())
    page.fill("#id_start_1", "08:30")
    page.fill("#id_end_0", SPRING_FORWARD.isoformat())
    page.fill("#id_end_1", "16:30")
    assert not page.locator(".timezonewarning").first.is_visible()
    page.set_viewport_size({"width": 390, "height": 900})  # the phone layout has its own rule for it
    assert not page.locator(".timezonewarning").first.is_visible()
    page.click("input[name=_continue]")

    page.wait_for_selector("ul.messagelist")
    shift = Shift.objects.get(depot_day=day)
    # Summer time from 02:00 that morning: 08:30-16:30 in Amsterdam is 06:30-14:30 UTC.
    assert (shift.start, shift.end) == (
        dt.datetime(2027, 3, 28, 6, 30, tzinfo=dt.UTC),
        dt.datetime(2027, 3, 28, 14, 30, tzinfo=dt.UTC),
    )
    assert page.input_value("#id_start_1") == "08:30:00"
    page.goto(f"{live_server.url}/admin/fleet/shift/?depot_day__depot__id__exact={world.depot.pk}")
    assert page.locator("td.field-local_hours", has_text="08:30–16:30").count() == 1


def test_a_zone_drawn_on_the_map_around_the_depot_is_saved_then_edited(live_server, operator):
    world = admin_world()
    page = operator

    page.goto(f"{live_server.url}/admin/fleet/servicezone/add/?depot={world.depot.pk}")
    page.wait_for_selector("[data-zone-editor][data-ready=true]")
    page.fill("#id_name", "Drawn")
    page.click("a.leaflet-draw-draw-polygon")
    box = page.locator(".zone-editor-map").bounding_box()
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [(-120, -90), (120, -90), (140, 80), (-100, 100)]  # pixels around the depot marker
    for dx, dy in [*corners, corners[0]]:  # back on the first corner closes the shape
        page.mouse.move(centre_x + dx, centre_y + dy, steps=4)
        page.mouse.down()
        page.mouse.up()
        page.wait_for_timeout(150)  # a person's pace: leaflet-draw ignores a click just after one
    assert "Zone drawn" in page.inner_text(".zone-editor-status")
    page.click("input[name=_continue]")

    page.wait_for_selector("ul.messagelist")
    zone = ServiceZone.objects.get(name="Drawn")
    drawn = shape(zone.polygon)
    assert drawn.geom_type == "Polygon" and drawn.is_valid
    assert len(zone.polygon["coordinates"][0]) == 5  # four corners, closed
    assert drawn.contains(Point(world.depot.lon, world.depot.lat))

    # Move one corner with the edit tool, then save the form.
    page.wait_for_selector("[data-zone-editor][data-ready=true]")
    page.click("a.leaflet-draw-edit-edit")
    handle = page.locator(".leaflet-editing-icon").first
    handle_box = handle.bounding_box()
    page.mouse.move(handle_box["x"] + 5, handle_box["y"] + 5)
    page.mouse.down()
    page.mouse.move(handle_box["x"] - 60, handle_box["y"] - 60, steps=5)
    page.mouse.up()
    page.click(".leaflet-draw-actions a[title='Save changes']")
    assert "Zone edited" in page.inner_text(".zone-editor-status")
    page.click("input[name=_save]")

    page.wait_for_url(f"{live_server.url}/admin/fleet/servicezone/")
    zone.refresh_from_db()
    edited = shape(zone.polygon)
    assert edited.is_valid and edited.area > drawn.area  # the corner moved outwards


def test_pasted_geojson_is_previewed_on_the_map_and_a_bad_paste_says_why(live_server, operator):
    world = admin_world()
    page = operator

    page.goto(f"{live_server.url}/admin/fleet/servicezone/{world.zone.pk}/change/")
    page.wait_for_selector("[data-zone-editor][data-ready=true]")
    assert page.locator(".zone-editor-map path.zone-editor-zone").count() == 1  # the saved square
    page.click(".zone-editor-geojson summary")
    page.fill(
        "#id_polygon",
        '{"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": '
        "[[[[5.0, 52.0], [5.05, 52.0], [5.0, 52.05], [5.0, 52.0]]], "
        "[[[5.1, 52.1], [5.15, 52.1], [5.1, 52.15], [5.1, 52.1]]]]}}",
    )
    assert page.inner_text(".zone-editor-status") == "Preview of 2 polygon(s): save to keep it."
    assert page.locator(".zone-editor-map path.zone-editor-zone").count() == 2

    page.fill("#id_polygon", '{"type": "Point", "coordinates": [5.1, 52.1]}')
    assert page.inner_text(".zone-editor-status") == "No Polygon or MultiPolygon in this GeoJSON."
    assert page.locator(".zone-editor-status.is-error").is_visible()
