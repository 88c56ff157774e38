"""The staff pages in a real Chromium: the dashboard's SVG charts are drawn and visible, and the
preview re-prices a draft with htmx as its fields change.

Playwright drives Debian's Chromium (DESIGN.md §9); skipped where it is not installed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dashboards.staff_world import make_booked_world

# Playwright's sync API runs an event loop in this thread; the ORM calls between browser steps
# are still plain synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHARTS = ("heat", "km-chart", "cost-chart", "grams-chart", "takeup-chart")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def staff_page(live_server, transactional_db, django_user_model, browser):
    django_user_model.objects.create_superuser("manager", "manager@example.com", "manager-pw")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "manager-pw")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    return page


def test_the_dashboard_draws_its_svg_charts(live_server, staff_page, tmp_path):
    booked = make_booked_world()
    page = staff_page

    page.goto(f"{live_server.url}/staff/dashboards/{booked.world.depot.code}/")
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)

    assert shot.stat().st_size > 10_000
    for chart in CHARTS:
        box = page.locator(f"svg#{chart}").bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100, chart
        assert page.locator(f"svg#{chart}").is_visible(), chart
    cell = page.locator("svg#heat g rect").first.bounding_box()
    assert cell["width"] > 10 and cell["height"] > 10
    assert page.locator("svg#takeup-chart text", has_text="Low CO₂e").count() == 1


def test_the_preview_reprices_the_draft_as_a_field_changes_without_reloading(
    live_server, staff_page, tmp_path
):
    booked = make_booked_world()
    page = staff_page
    page.goto(f"{live_server.url}/admin/pricing/incentiveruleset/{booked.draft.pk}/preview/")
    page.evaluate("window.sameDocument = true")
    with page.expect_response(lambda r: "/preview/" in r.url and r.request.method == "POST"):
        page.fill("#id_date", booked.date.isoformat())  # the booked world's working day
    page.wait_for_function("document.querySelector('#preview-result').innerText.includes('Breakdown')")
    assert "▲" not in page.locator("#preview-result").inner_text()

    with page.expect_response(lambda r: "/preview/" in r.url and r.request.method == "POST"):
        page.fill("#id_base_fee", "4.00")
    page.wait_for_function("document.querySelector('#preview-result').innerText.includes('+1.00')")
    page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)

    assert page.evaluate("window.sameDocument") is True, "htmx swapped the comparison in place"
    booked.draft.refresh_from_db()
    assert str(booked.draft.base_fee) == "3.00", "previewing saves nothing"


def test_the_day_view_polls_once_per_interval_and_pauses_while_hidden(live_server, staff_page):
    booked = make_booked_world()
    page = staff_page
    page.clock.install()
    polls = []
    page.on(
        "request", lambda request: polls.append(request.url) if request.headers.get("hx-request") else None
    )
    page.goto(f"{live_server.url}/staff/dashboards/{booked.world.depot.code}/{booked.date.isoformat()}/day/")
    page.wait_for_selector("#day-board")

    for expected in (1, 2, 3):
        page.clock.run_for(30_000)
        page.wait_for_function(f"document.querySelectorAll('#day-board').length === 1 && {expected} > 0")
        page.wait_for_timeout(300)
        assert len(polls) == expected, polls  # one request per 30 s, never two

    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {get: () => 'hidden', configurable: true})"
    )
    page.clock.run_for(95_000)
    page.wait_for_timeout(300)
    assert len(polls) == 3, polls  # a hidden tab asks for nothing

    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {get: () => 'visible', configurable: true})"
    )
    page.clock.run_for(30_000)
    page.wait_for_timeout(500)
    assert len(polls) == 4, polls
    assert page.locator("#day-board").count() == 1
    assert "V1" in page.locator("#day-board").inner_text()
