"""The widget in a real Chromium, embedded in host pages served from other origins on loopback.

Greenslot runs on pytest-django's live server (``http://localhost:PORT``); the retailer's checkout
is a static page on ``http://127.0.0.1:PORT2``: another origin and another site, so the frame is
cross-site as in production and gets no SameSite=Lax cookies. A stranger's site is a third origin.
Playwright drives Debian's Chromium with the shopper tests' launch setup (DESIGN.md §9).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pytest

from booking.models import Booking, BookingStatus
from booking.references import reference_display
from tests.factories import INSIDE
from tests.shopper.test_browser import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]

WAIT_MS = 15_000


@dataclass
class Site:
    """A static site on its own loopback origin: ``pages`` maps paths to HTML."""

    origin: str = ""
    pages: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.origin + path


def serve(site: Site) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            body = site.pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.origin = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def sites() -> Iterator[tuple[Site, Site]]:
    """The retailer's checkout site and a stranger's site, on two loopback origins."""
    shop, stranger = Site(), Site()
    servers = [serve(shop), serve(stranger)]
    yield shop, stranger
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def live_world(transactional_db, widget_world, sites):  # the live server needs committed rows
    shop, _ = sites
    widget_world.retailer.allowed_origins = [shop.origin]
    widget_world.retailer.save(update_fields=["allowed_origins"])
    return widget_world


def checkout_page(*, greenslot: str, key: str) -> str:
    """A retailer's checkout: the widget's tag, a <pre> the hold is written into, a callback."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkout</title></head>
<body>
  <h1>Checkout</h1>
  <div id="delivery"></div>
  <pre id="received"></pre>
  <script>
    window.holdEvents = [];
    window.callbackHolds = [];
    window.greenslotOnHold = function (detail) {{ window.callbackHolds.push(detail); }};
    window.addEventListener("message", function (event) {{
      if (event.data && event.data.hold_id === "forged") {{ window.forgedSeen = true; }}
    }});
    document.getElementById("delivery").addEventListener("greenslot:hold", function (event) {{
      window.holdEvents.push(event.detail);
      document.getElementById("received").textContent = JSON.stringify(event.detail);
    }});
  </script>
  <script src="{greenslot}/widget.js" data-key="{key}" data-target="#delivery"
          data-lat="{INSIDE[0]}" data-lon="{INSIDE[1]}"></script>
</body></html>"""


# A page on the stranger's site that pretends to be the widget's frame.
FORGER = """<!doctype html><script>
  parent.postMessage({type: "greenslot:hold", hold_id: "forged", window: {}, price: {}}, "*");
  parent.postMessage({type: "greenslot:resize", height: 5}, "*");
</script>"""


def widget_frame(page):
    return next(frame for frame in page.frames if "/widget/frame" in frame.url)


IFRAME_HEIGHT = "document.querySelector('#delivery iframe').getBoundingClientRect().height"


def iframe_height(page) -> float:
    return page.evaluate(IFRAME_HEIGHT)


def api_post(url: str, *, key: str, idempotency_key: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.load(response)


def test_a_checkout_on_an_allowed_origin_gets_the_hold_and_its_backend_confirms_it(
    live_server, live_world, sites, browser
):
    shop, stranger = sites
    stranger.pages["/forger.html"] = FORGER
    shop.pages["/checkout.html"] = checkout_page(greenslot=live_server.url, key=live_world.publishable_key)
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    page.set_default_timeout(WAIT_MS)
    page.goto(shop.url("/checkout.html"))
    frame = page.frame_locator("#delivery iframe")
    frame.locator(".window__choose").first.wait_for()

    # Once the widget listens, another window posts look-alike messages: they are ignored.
    page.evaluate(
        "src => document.body.appendChild(Object.assign(document.createElement('iframe'), {src}))",
        stranger.url("/forger.html"),
    )
    page.wait_for_function("window.forgedSeen === true")
    frame.locator(".window__choose").first.click()
    page.wait_for_function("document.getElementById('received').textContent !== ''")

    detail = json.loads(page.inner_text("#received"))
    assert page.evaluate("window.holdEvents") == [detail], "one hold, not the forged one"
    assert page.evaluate("window.callbackHolds") == [detail]
    hold = Booking.objects.get(id=detail["hold_id"])
    assert hold.status == BookingStatus.HELD and hold.retailer == live_world.retailer
    assert detail["price"] == {"amount": f"{hold.price_amount:.2f}", "currency": "EUR"}
    assert set(detail) == {"hold_id", "reference", "window", "price", "co2e_grams", "expires_at"}
    assert detail["reference"] == reference_display(hold.reference)
    frame.get_by_text("Your delivery window is held").wait_for()

    # The host's backend confirms the hold with its secret key.
    status, booking = api_post(
        f"{live_server.url}/api/v1/holds/{detail['hold_id']}/confirm",
        key=live_world.secret_key,
        idempotency_key="order-1001",
        body={"external_ref": "order-1001"},
    )

    assert status == 201 and booking["status"] == "confirmed" and booking["id"] == detail["hold_id"]
    assert booking["reference"] == detail["reference"]
    hold.refresh_from_db()
    assert hold.status == BookingStatus.CONFIRMED and hold.external_ref == "order-1001"


def test_the_iframe_takes_the_height_of_its_content(live_server, live_world, sites, browser):
    shop, _ = sites
    shop.pages["/checkout.html"] = checkout_page(greenslot=live_server.url, key=live_world.publishable_key)
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    page.set_default_timeout(WAIT_MS)
    page.goto(shop.url("/checkout.html"))
    page.frame_locator("#delivery iframe").locator(".window__choose").first.wait_for()

    page.wait_for_function(f"{IFRAME_HEIGHT} > 300")
    content_height = widget_frame(page).evaluate(
        "document.querySelector('[data-frame]').getBoundingClientRect().height"
    )
    page.wait_for_function(f"height => Math.abs({IFRAME_HEIGHT} - height) <= 1", arg=content_height)
    grid_height = iframe_height(page)
    assert widget_frame(page).evaluate("document.documentElement.scrollHeight") <= grid_height + 1, (
        "no scrolling inside the frame"
    )

    # Holding replaces the grid with the held window and its countdown: the frame follows.
    page.frame_locator("#delivery iframe").locator(".window__choose").first.click()
    page.frame_locator("#delivery iframe").locator("[role=timer]").wait_for()
    held_height = widget_frame(page).evaluate(
        "document.querySelector('[data-frame]').getBoundingClientRect().height"
    )
    assert held_height != grid_height
    page.wait_for_function(f"height => Math.abs({IFRAME_HEIGHT} - height) <= 1", arg=held_height)
    assert iframe_height(page) > 200


def test_a_page_on_an_origin_the_retailer_has_not_allowed_gets_no_slot_grid(
    live_server, live_world, sites, browser
):
    _, stranger = sites
    stranger.pages["/checkout.html"] = checkout_page(
        greenslot=live_server.url, key=live_world.publishable_key
    )
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)

    with page.expect_console_message(lambda message: "Greenslot widget:" in message.text) as logged:
        page.goto(stranger.url("/checkout.html"))

    assert "origin is not allowed" in logged.value.text
    frame = page.frame_locator("#delivery iframe")
    frame.locator("[role=alert]").wait_for()
    assert frame.locator("#slot-grid").count() == 0
    assert frame.locator(".window__choose").count() == 0
    # What the widget asked for, asked directly: refused.
    query = urlencode({"key": live_world.publishable_key, "origin": stranger.origin})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{live_server.url}/widget/frame?{query}", timeout=10)
    assert refused.value.code == 403


def test_a_page_claiming_an_allowed_origin_is_refused_by_the_browser(live_server, live_world, sites, browser):
    """A stranger's page frames the widget as if it were the shop: CSP frame-ancestors stops it."""
    shop, stranger = sites
    query = urlencode(
        {"key": live_world.publishable_key, "origin": shop.origin, "lat": INSIDE[0], "lon": INSIDE[1]}
    )
    stranger.pages["/lying.html"] = (
        f'<!doctype html><iframe id="stolen" src="{live_server.url}/widget/frame?{query}"></iframe>'
    )
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)
    refusals = []
    page.on(
        "console",
        lambda message: refusals.append(message.text) if "frame-ancestors" in message.text else None,
    )

    with page.expect_event("console", lambda message: "frame-ancestors" in message.text):
        page.goto(stranger.url("/lying.html"))

    assert shop.origin in refusals[0]
    frame = next(frame for frame in page.frames if frame != page.main_frame)
    assert frame.locator("#slot-grid").count() == 0
    assert frame.locator(".window__choose").count() == 0
    assert not Booking.objects.exists()


def test_the_held_window_counts_down_and_the_host_page_hears_when_it_lapses(
    live_server, live_world, sites, browser
):
    shop, _ = sites
    page_html = checkout_page(greenslot=live_server.url, key=live_world.publishable_key)
    shop.pages["/checkout.html"] = page_html.replace(
        "window.holdEvents = [];",
        "window.holdEvents = []; window.expired = [];"
        " document.addEventListener('greenslot:expired', function (e) { window.expired.push(e.detail); });",
    )
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(WAIT_MS)
    page.clock.install()
    page.goto(shop.url("/checkout.html"))
    frame = page.frame_locator("#delivery iframe")
    frame.locator(".window__choose").first.click()
    page.wait_for_function("document.getElementById('received').textContent !== ''")
    hold_id = json.loads(page.inner_text("#received"))["hold_id"]
    timer = frame.locator("[role=timer]")
    timer.wait_for()

    page.clock.run_for("10:01")

    frame.get_by_text("Your hold has expired and the window was given back.").wait_for()
    assert frame.locator("h1").inner_text() == "Your hold has expired"
    assert timer.inner_text() == "00:00"
    assert frame.get_by_role("button", name="Choose another window").is_disabled()
    assert frame.get_by_role("link", name="Choose a delivery window again").is_visible()
    page.wait_for_function("window.expired.length === 1")
    assert page.evaluate("window.expired") == [{"hold_id": hold_id}]


def test_in_a_waiting_room_the_frame_shows_the_place_and_lets_the_shopper_in_at_the_turn(
    live_server, live_world, sites, browser, waiting_room, tmp_path
):
    """At phone width: "You are number N in the queue, about M minutes" in a live region, then the
    windows by themselves at the turn (the frame retries once, at Retry-After)."""
    from booking.waiting_room import WaitingRoom, admit
    from greenslot import clock

    waiting_room(rate=0.5)
    for _ in range(3):  # three shoppers came first: one admitted, two waiting
        try:
            admit(depot_id=live_world.world.depot.id, retailer_id=0, client="", ticket="", now=clock.now())
        except WaitingRoom:
            pass
    shop, _ = sites
    shop.pages["/checkout.html"] = checkout_page(greenslot=live_server.url, key=live_world.publishable_key)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(WAIT_MS)
    requests = []
    page.on("request", lambda request: "/widget/frame?" in request.url and requests.append(request.url))
    page.goto(shop.url("/checkout.html"))
    frame = page.frame_locator("#delivery iframe")
    place = frame.locator("[data-waiting-room] [role=status]")
    place.wait_for()

    assert place.get_attribute("aria-live") == "polite"
    text = place.inner_text()
    assert re.fullmatch(r"You are number [1-3] in the queue, about 1 minute\.", text), text
    page.wait_for_function(f"{IFRAME_HEIGHT} > 150")
    page.screenshot(path=str(tmp_path / "waiting-room-390.png"), full_page=True)

    frame.locator(".window__choose").first.wait_for(timeout=20_000)
    assert frame.locator("[data-waiting-room]").count() == 0
    assert len(requests) == 2, "\n".join(requests)
