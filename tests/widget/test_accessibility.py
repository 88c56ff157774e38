"""axe-core finds nothing serious or critical on the shopper's pages and the widget, at 390 and 1280 px.

The pages: the shopper page with its windows, the hold page, the booking page and its manage link,
the widget's frame (windows, a held window, a window refused at the tap, and the refusal of a page
whose origin is not allowed), the widget demo checkout and the method page. axe-core is vendored
(tests/vendor/README) and injected with Playwright; the context bypasses the pages' CSP only so that
the injected engine may run. Set GREENSLOT_TEST_ARTIFACTS=DIR to keep a screenshot of every page.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tenants.keys import api_key_create
from tenants.models import ApiKeyKind
from tests.shopper.test_browser import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core-4.14.1.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
ADDRESS = "Kanaalstraat 12"


def axe_violations(page_or_frame, *, iframes: bool = True) -> list[dict]:
    page_or_frame.evaluate(AXE.read_text())
    return page_or_frame.evaluate(
        """options => axe.run(document, options).then(result => result.violations.map(v => ({
             id: v.id, impact: v.impact, help: v.help,
             targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))})))""",
        {"runOnly": {"type": "tag", "values": WCAG_AA}, "iframes": iframes},
    )


@pytest.fixture
def embeddable(transactional_db, widget_world, live_server, demo_key_file):
    """The widget world's retailer as the shopper page's and the demo's, embeddable from the live server."""
    retailer = widget_world.retailer
    retailer.slug = settings.GREENSLOT["SHOPPER_RETAILER"]
    retailer.allowed_origins = [live_server.url]
    retailer.save(update_fields=["slug", "allowed_origins"])
    _, plaintext = api_key_create(retailer=retailer, kind=ApiKeyKind.PUBLISHABLE, label="demo")
    demo_key_file.parent.mkdir(parents=True, exist_ok=True)
    demo_key_file.write_text(plaintext + "\n")
    return widget_world


@pytest.mark.parametrize("width", [390, 1280])
def test_axe_finds_nothing_serious_on_the_shopper_pages_and_the_widget(
    live_server, embeddable, browser, width
):
    context = browser.new_context(
        viewport={"width": width, "height": 844 if width == 390 else 900}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    artefacts = os.environ.get("GREENSLOT_TEST_ARTIFACTS")
    found: dict[str, list[dict]] = {}

    def check(name: str, target=None, **options) -> None:
        found[name] = axe_violations(target or page, **options)
        if artefacts:
            Path(artefacts).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{artefacts}/axe-{name}-{width}.png", full_page=True)

    page.goto(f"{live_server.url}/?address={ADDRESS}")
    page.locator(".day--selected .window__choose").first.wait_for()
    check("shopper-page")
    page.locator(".day--selected .window__choose").first.click()
    page.wait_for_url(re.compile(r"/holds/"))
    check("hold-page")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/bookings/"))
    check("booking-page")
    page.goto(page.locator(".manage-link a").get_attribute("href"))
    check("manage-page")

    frame_query = f"key={embeddable.publishable_key}&origin={live_server.url}&address={ADDRESS}"
    page.goto(f"{live_server.url}/widget/frame?{frame_query}")
    page.locator(".day--selected .window__choose").nth(1).wait_for()
    check("widget-frame")
    page.locator(".day--selected .window__choose").nth(1).click()
    page.locator("[role=timer]").wait_for()
    check("widget-frame-held")

    # A window that filled meanwhile: a 10-unit parcel fills the only van, so a second page holds
    # the window first and this one is refused, the message at the window that was tapped.
    full_query = f"{frame_query}&size_units=10"
    page.goto(f"{live_server.url}/widget/frame?{full_query}")
    first = page.locator(".day--selected .window__choose").first
    first.wait_for()
    rival = context.new_page()
    rival.goto(f"{live_server.url}/widget/frame?{full_query}")
    rival.locator(".day--selected .window__choose").first.click()
    rival.locator("[role=timer]").wait_for()
    rival.close()
    first.click()
    page.locator("[data-refusal]").wait_for()
    check("widget-frame-window-refused")
    # A page whose origin the retailer has not allowed: the frame refuses to show the windows.
    page.goto(
        f"{live_server.url}/widget/frame?key={embeddable.publishable_key}&origin=https://stranger.example"
    )
    page.locator("[role=alert]").wait_for()
    check("widget-frame-refused")

    page.goto(f"{live_server.url}/widget/demo/")
    page.frame_locator("#greenslot-widget iframe").locator("input[name=address]").wait_for()
    check("widget-demo", iframes=False)
    page.goto(f"{live_server.url}/method/")
    check("method-page")
    context.close()

    if artefacts:
        Path(artefacts, f"axe-{width}.json").write_text(json.dumps(found, indent=1))
    blocking = {
        name: [v for v in violations if v["impact"] in BLOCKING] for name, violations in found.items()
    }
    assert blocking == {name: [] for name in found}
