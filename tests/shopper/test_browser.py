"""The shopper pages in a real Chromium: htmx swaps the grid, the hold page counts down and expires.

Playwright drives Debian's Chromium (DESIGN.md §9); skipped where it is not installed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from booking.models import Booking, WindowTemplate
from fleet.models import DepotDay, Shift, Vehicle

from .conftest import PRESET_INSIDE, local

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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made here between
    # browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            yield chromium
            chromium.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def world(transactional_db, world):  # the live server needs committed rows
    return world


def test_htmx_swaps_the_grid_and_a_click_holds_the_window(live_server, world, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    page.evaluate("window.sameDocument = true")

    page.fill("input[name=address]", PRESET_INSIDE)
    page.click("text=Show windows")
    page.wait_for_selector("#slot-grid .window__choose")

    assert page.evaluate("window.sameDocument") is True, "the grid was swapped in, not reloaded"
    assert f"address={PRESET_INSIDE}" in page.url
    assert page.locator("h1").count() == 1

    page.locator(".window__choose").first.click()
    page.wait_for_url(re.compile(r"/holds/[0-9a-f-]+/$"))
    assert page.locator("h1").inner_text() == "Your delivery window is held"
    page.wait_for_function("document.querySelector('[role=timer]').textContent.includes(':')")
    assert re.fullmatch(r"(09|10):\d\d", page.locator("[role=timer]").inner_text())


def test_the_countdown_announces_expiry_and_disables_confirm(live_server, world, browser):
    page = browser.new_page()
    page.goto(live_server.url + f"/?address={PRESET_INSIDE}")
    page.locator(".window__choose").first.click()
    page.wait_for_url(re.compile(r"/holds/[0-9a-f-]+/$"))
    Booking.objects.update(hold_expires_at=timezone.now() + dt.timedelta(seconds=2))

    page.reload()
    status = page.locator("[data-countdown-status]")
    page.wait_for_function(
        "document.querySelector('[data-countdown-status]').textContent.includes('expired')"
    )

    assert status.get_attribute("aria-live") == "polite"
    assert page.locator("[role=timer]").inner_text() == "00:00"
    assert page.get_by_role("button", name="Confirm booking").is_disabled()
    assert page.get_by_role("link", name="Choose a delivery window again").is_visible()


def test_on_a_phone_the_chosen_day_fits_one_screen_under_the_address(live_server, world, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(live_server.url + f"/?address={PRESET_INSIDE}")
    day = page.locator(".day--selected").bounding_box()
    strip = page.locator("[data-day-strip]").bounding_box()
    assert page.locator(".day").count() == 7 and page.locator(".day:visible").count() == 1
    assert day["y"] + day["height"] - strip["y"] <= 844, "the day strip and the whole day on one screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"


def test_the_keyboard_reaches_any_day_and_moves_through_windows_with_arrows(live_server, world, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(live_server.url + f"/?address={PRESET_INSIDE}")
    page.evaluate("window.sameDocument = true")
    # One Tab stop for the day strip, one for the windows.
    assert page.locator("[data-day-strip] a[tabindex='0']").count() == 1
    assert page.locator("[data-window][tabindex='0']").count() == 1

    page.locator("[data-day-strip] [aria-current]").focus()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    last = page.locator("[data-day-strip] a").last.get_attribute("href").rsplit("day=", 1)[1]
    page.wait_for_function(
        f"document.querySelector('.day--selected').getAttribute('aria-labelledby') === 'day-{last}'"
    )
    assert page.evaluate("window.sameDocument") is True, "htmx swapped the grid"
    # The focus returns to the chosen day once htmx has settled the swap, a moment after it.
    page.wait_for_function("document.activeElement.getAttribute('aria-current') === 'date'", timeout=2000)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    before_last = page.locator("[data-day-strip] a").nth(-2).get_attribute("href").rsplit("day=", 1)[1]
    page.wait_for_function(
        f"document.querySelector('.day--selected').getAttribute('aria-labelledby') === 'day-{before_last}'"
    )
    page.goto(live_server.url + f"/?address={PRESET_INSIDE}&day={world.tomorrow}")

    page.locator("[data-window][tabindex='0']").focus()
    first = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("ArrowDown")
    second = page.evaluate("document.activeElement.textContent")
    assert "09:00" in first and "10:00–12:00" in second
    assert page.evaluate("document.activeElement.tabIndex") == 0


def test_a_shopper_finds_an_address_by_typing_part_of_it(live_server, world, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    page.locator("input[name=address]").press_sequentially("kanaal 1", delay=30)
    suggestion = page.get_by_role("link", name="Kanaalstraat 1, 3531 CJ Utrecht")
    suggestion.wait_for()
    assert page.locator("[role=status]#address-suggestions-status").inner_text() == "1 address found."

    suggestion.click()

    page.wait_for_selector(".day--selected .window__choose")
    assert "Delivering to Kanaalstraat 1, 3531 CJ Utrecht" in page.inner_text("#slot-grid")
    assert page.input_value("input[name=address]") == "Kanaalstraat 1, 3531 CJ Utrecht"


def a_grocers_week(world) -> None:
    """The demo's windows on every day of the week: 13 one-hour, 6 two-hour, 3 four-hour, all day."""
    WindowTemplate.objects.all().delete()
    hours = [(h, h + 1) for h in range(8, 21)] + [(h, h + 2) for h in range(8, 20, 2)]
    for start, end in [*hours, (8, 12), (12, 16), (16, 20), (8, 21)]:
        WindowTemplate.objects.create(
            depot=world.depot, start_time=dt.time(start), end_time=dt.time(end), cutoff_minutes=120
        )
    van = Vehicle.objects.get(depot=world.depot)
    for offset in range(7):
        date = world.tomorrow + dt.timedelta(days=offset)
        depot_day, _ = DepotDay.objects.get_or_create(depot=world.depot, date=date)
        Shift.objects.filter(depot_day=depot_day).delete()
        Shift.objects.create(depot_day=depot_day, vehicle=van, start=local(date, 8), end=local(date, 21))


def test_on_a_desktop_the_whole_week_fits_about_one_screen(live_server, world, browser):
    a_grocers_week(world)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + f"/?address={PRESET_INSIDE}")
    week = page.locator("[data-window-grid]").bounding_box()
    days = [page.locator(".day").nth(k).bounding_box() for k in range(7)]

    assert not page.locator("[data-day-strip]").is_visible(), "the days are side by side, no strip"
    assert len({round(day["y"]) for day in days}) == 1, "seven columns, one row"
    assert sorted(day["x"] for day in days) == [day["x"] for day in days]
    assert page.locator("[data-window]:visible").count() >= 6 * 23
    assert week["height"] <= 900, "the week fits one desktop screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280, "no sideways scrolling"
    # The rows line up across the days: tomorrow's 10:00–12:00 sits beside its time in the time column.
    time = page.locator(".week__time", has_text="10:00–12:00").bounding_box()
    cell = page.locator(
        f".day:has(#day-{world.tomorrow}) [data-window]", has_text="10:00–12:00"
    ).bounding_box()
    assert abs(time["y"] - cell["y"]) <= 2

    # Arrow keys move down a day's column and across to the same time on the next day.
    page.locator(f".day:has(#day-{world.tomorrow}) [data-window]", has_text="09:00–10:00").focus()
    page.keyboard.press("ArrowDown")
    assert "10:00–11:00" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("ArrowRight")
    moved = page.evaluate("document.activeElement.textContent")
    next_day = world.tomorrow + dt.timedelta(days=1)
    assert "10:00–11:00" in moved and f"{next_day:%A} {next_day.day}" in moved
