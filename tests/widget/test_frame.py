"""The widget's frame: served only for a live publishable key to its retailer's allowed origins,
embeddable only by that origin, and its POSTs guarded by a frame token instead of cookies."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal

import pytest
from django.core import signing
from django.test import Client

from booking.models import Booking, BookingEvent, BookingStatus, PresetAddress
from booking.references import reference_display
from booking.widget.access import TOKEN_SALT, FrameAccess, frame_token_issue, frame_token_valid
from tenants.keys import api_key_create, api_key_revoke
from tenants.models import ApiKeyKind
from tests.factories import retailer_with_rules
from tests.shopper.page import alert_text, parse, quote_of, windows

from .conftest import ORIGIN, STRANGER


@pytest.fixture
def client() -> Client:
    """A browser in a cross-site frame: it sends no cookies, and Django's CSRF check stays on."""
    return Client(enforce_csrf_checks=True)


def csp(response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


def message_in(document) -> dict | None:
    holder = document.find("script", lambda e: e.attrs.get("id") == "greenslot-message")
    return json.loads("".join(holder.children)) if holder else None


def bookable(document) -> list:
    return [card for card in windows(document) if card.find("form")]


def form_fields(form) -> dict[str, str]:
    return {i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input") if i.attrs.get("name")}


def hold_form(document, index: int = 0) -> tuple[str, dict[str, str]]:
    """The action and the fields of the ``index``-th bookable window's form."""
    card = bookable(document)[index]
    form = card.find("form")
    assert form_fields(form)["quote"] == quote_of(card)
    return form.attrs["action"], form_fields(form)


def test_it_serves_the_picker_to_an_allowed_origin_and_only_that_origin_may_frame_it(client, widget_world):
    response = client.get(widget_world.frame_url())

    assert response.status_code == 200
    assert csp(response)["frame-ancestors"] == ORIGIN
    assert csp(response)["script-src"] == "'self'"
    assert "X-Frame-Options" not in response
    assert "no-store" in response["Cache-Control"]
    document = parse(response.content)
    assert document.find("html").attrs["data-parent-origin"] == ORIGIN
    assert document.find("input", lambda e: e.attrs.get("name") == "lat"), "no point given: ask for one"


def test_it_asks_for_an_address_and_finds_a_preset_by_its_slug(client, widget_world):
    PresetAddress.objects.create(
        retailer=widget_world.retailer, slug="home", label="Home", street="Dorpsstraat", lat=52.11, lon=5.11
    )

    document = parse(client.get(widget_world.frame_url()).content)
    field = document.find("input", lambda e: e.attrs.get("name") == "address")
    searched = parse(client.get(widget_world.frame_url(address="home")).content)

    assert field.attrs["type"] == "search" and field.attrs["hx-get"] == "/widget/frame/addresses"
    assert bookable(searched), "the preset's windows are offered"


def test_the_host_pages_address_text_is_found_and_shown_in_words(client, widget_world):
    document = parse(client.get(widget_world.frame_url(address="kanaalstraat 3")).content)

    assert bookable(document)
    assert "Delivering to Kanaalstraat 3, 3531 CJ Utrecht" in document.find("main").text
    field = document.find("input", lambda e: e.attrs.get("name") == "address")
    assert field.attrs["value"] == "Kanaalstraat 3, 3531 CJ Utrecht", "the shopper may change it"


def test_address_suggestions_keep_the_frames_key_origin_and_basket(client, widget_world):
    url = widget_world.frame_url(address="kanaal", size_units=4).replace(
        "/widget/frame?", "/widget/frame/addresses?"
    )
    response = client.get(url, HTTP_HX_REQUEST="true")

    link = parse(response.content).find("a")
    assert link.text == "Kanaalstraat, 3531 CJ Utrecht"
    assert link.attrs["href"].startswith("/widget/frame?key=pk_") and "size_units=4" in link.attrs["href"]
    assert link.attrs["href"].endswith("&address=Kanaalstraat%2C%203531%20CJ%20Utrecht")
    assert ORIGIN in response["Content-Security-Policy"]


def test_with_the_host_pages_point_it_shows_the_windows_without_an_address_form(client, widget_world):
    response = client.get(widget_world.grid_url())

    document = parse(response.content)
    assert bookable(document), "tomorrow's windows are offered"
    assert document.find("input", lambda e: e.attrs.get("name") == "address") is None
    action, fields = hold_form(document)
    assert action.startswith("/widget/frame/holds?")
    assert frame_token_valid(
        access=FrameAccess(key=widget_world.key, origin=ORIGIN), token=fields["csrfmiddlewaretoken"]
    ), "the form carries the frame token where {% csrf_token %} goes"


def test_the_frame_sets_no_cookies(client, widget_world):
    """A cross-site frame would not get them back: it must work without any."""
    page = client.get(widget_world.grid_url())
    action, fields = hold_form(parse(page.content))
    held = client.post(action, fields)

    assert held.status_code == 200
    assert page.cookies == {} and held.cookies == {}


@pytest.mark.parametrize("origin", [STRANGER, "https://shop.example.evil", "http://shop.example"])
def test_it_refuses_an_origin_the_retailer_has_not_allowed(client, widget_world, origin):
    response = client.get(widget_world.grid_url(origin=origin))

    assert response.status_code == 403
    document = parse(response.content)
    assert document.find("section", lambda e: e.attrs.get("id") == "slot-grid") is None
    assert "origin is not allowed" in alert_text(document)
    # The refusal, and nothing else, may be shown on the page that asked, so its developer sees why.
    assert csp(response)["frame-ancestors"] == origin
    assert message_in(document)["code"] == "origin_not_allowed"


@pytest.mark.parametrize(
    "origin", ["https://shop.example/", "javascript:alert(1)", "https://shop.example; script-src *", ""]
)
def test_a_refusal_for_something_not_shaped_like_an_origin_may_be_framed_by_nobody(
    client, widget_world, origin
):
    response = client.get(widget_world.frame_url(origin=origin))

    assert response.status_code == 403
    assert csp(response)["frame-ancestors"] == "'none'"
    assert "data-parent-origin" not in response.content.decode()


def test_it_refuses_keys_that_are_not_a_live_publishable_key_of_a_retailer_allowing_the_origin(
    client, widget_world
):
    other, _ = retailer_with_rules("other-shop")
    other.allowed_origins = [STRANGER]
    other.save(update_fields=["allowed_origins"])
    _, other_pk = api_key_create(retailer=other, kind=ApiKeyKind.PUBLISHABLE)
    revoked, revoked_pk = api_key_create(retailer=widget_world.retailer, kind=ApiKeyKind.PUBLISHABLE)
    api_key_revoke(key=revoked)
    cases = {
        "": "missing_key",
        "pk_live_" + "x" * 32: "unknown_key",
        revoked_pk: "revoked",
        other_pk: "origin_not_allowed",
        widget_world.secret_key: "secret_key",
    }
    for key, code in cases.items():
        response = client.get(widget_world.grid_url(key=key))

        assert response.status_code == 403, key
        document = parse(response.content)
        assert message_in(document)["code"] == code
        assert not bookable(document)


def test_a_secret_key_in_a_page_is_refused_with_advice_to_revoke_it(client, widget_world):
    response = client.get(widget_world.grid_url(key=widget_world.secret_key))

    assert response.status_code == 403
    assert "revoke it now" in alert_text(parse(response.content))


def test_choosing_a_window_holds_it_for_the_keys_retailer_and_hands_it_to_the_host_origin(
    client, widget_world
):
    action, fields = hold_form(parse(client.get(widget_world.grid_url()).content))

    response = client.post(action, fields)

    assert response.status_code == 200
    hold = Booking.objects.get()
    assert hold.retailer == widget_world.retailer
    assert hold.status == BookingStatus.HELD
    event = BookingEvent.objects.get(booking=hold)
    assert event.actor == f"widget:{widget_world.key.prefix}"
    document = parse(response.content)
    assert document.find("html").attrs["data-parent-origin"] == ORIGIN
    assert csp(response)["frame-ancestors"] == ORIGIN
    tz = widget_world.world.tz
    assert message_in(document) == {
        "type": "greenslot:hold",
        "hold_id": str(hold.id),
        "reference": reference_display(hold.reference),
        "window": {
            "start": hold.window_start.astimezone(tz).isoformat(),
            "end": hold.window_end.astimezone(tz).isoformat(),
        },
        "price": {"amount": f"{hold.price_amount:.2f}", "currency": "EUR"},
        "co2e_grams": hold.co2e_grams,
        "expires_at": hold.hold_expires_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    }
    assert Decimal(message_in(document)["price"]["amount"]) == hold.price_amount
    assert "Your delivery window is held" in response.content.decode()


def test_with_htmx_the_held_window_replaces_the_whole_frame_body(client, widget_world):
    action, fields = hold_form(parse(client.get(widget_world.grid_url()).content))

    response = client.post(action, fields, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#frame-body"
    assert response["HX-Reswap"] == "outerHTML"
    body = response.content.decode().strip()
    assert body.startswith('<div id="frame-body"') and "<html" not in body
    assert message_in(parse(body))["type"] == "greenslot:hold"


def expired_token(access: FrameAccess) -> str:
    real_time = time.time
    try:
        time.time = lambda: real_time() - 2 * 3600
        return frame_token_issue(access=access)
    finally:
        time.time = real_time


def test_a_hold_needs_a_fresh_token_issued_for_this_key_and_origin(client, widget_world):
    other_key, _ = api_key_create(retailer=widget_world.retailer, kind=ApiKeyKind.PUBLISHABLE)
    action, fields = hold_form(parse(client.get(widget_world.grid_url()).content))
    good = fields["csrfmiddlewaretoken"]
    access = FrameAccess(key=widget_world.key, origin=ORIGIN)
    bad_tokens = {
        "missing": "",
        "tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "for another origin": frame_token_issue(access=FrameAccess(key=widget_world.key, origin=STRANGER)),
        "for another key": frame_token_issue(access=FrameAccess(key=other_key, origin=ORIGIN)),
        "expired": expired_token(access),
        "another signer's": signing.dumps([widget_world.key.pk, ORIGIN], salt=TOKEN_SALT + ".other"),
    }
    for case, token in bad_tokens.items():
        response = client.post(action, {**fields, "csrfmiddlewaretoken": token})

        assert response.status_code == 403, case
        assert "open too long" in alert_text(parse(response.content)), case
    assert not Booking.objects.exists()
    assert client.post(action, fields).status_code == 200, "the real token works"


def test_a_window_that_filled_up_is_refused_with_409_and_the_grid_again(client, widget_world):
    # A parcel of 10 units fills the only van: the second hold of the same window cannot fit.
    document = parse(client.get(widget_world.grid_url(size_units=10)).content)
    action, fields = hold_form(document)
    # A second shopper's offer of the same window, taken before the first hold (the same form
    # again would be a retry of that hold, and give it back).
    late_action, late_fields = hold_form(parse(client.get(widget_world.grid_url(size_units=10)).content))
    assert client.post(action, fields).status_code == 200

    response = client.post(late_action, late_fields)

    assert response.status_code == 409
    again = parse(response.content)
    assert "filled up" in alert_text(again) or "full" in alert_text(again).lower()
    assert again.find("section", lambda e: e.attrs.get("id") == "slot-grid")
    assert message_in(again) is None, "nothing is handed to the host page"
    assert Booking.objects.count() == 1


def test_with_htmx_a_refusal_travels_in_the_grid_partial_with_a_200(client, widget_world):
    document = parse(client.get(widget_world.grid_url(size_units=10)).content)
    action, fields = hold_form(document)
    late_action, late_fields = hold_form(parse(client.get(widget_world.grid_url(size_units=10)).content))
    client.post(action, fields)

    response = client.post(late_action, late_fields, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.content.decode().strip().startswith('<section id="slot-grid"')
    assert alert_text(parse(response.content))


def test_choose_another_window_releases_the_hold_and_tells_the_host_page(client, widget_world):
    action, fields = hold_form(parse(client.get(widget_world.grid_url()).content))
    held = parse(client.post(action, fields).content)
    release = held.find("form")
    hold = Booking.objects.get()

    response = client.post(release.attrs["action"], form_fields(release), headers={"HX-Request": "true"})

    assert response.status_code == 200
    hold.refresh_from_db()
    assert hold.status == BookingStatus.RELEASED
    assert hold.events.last().actor == f"widget:{widget_world.key.prefix}"
    document = parse(response.content)
    assert message_in(document) == {"type": "greenslot:released", "hold_id": str(hold.id)}
    assert bookable(document), "the windows are offered again"


def test_a_hold_of_another_retailer_cannot_be_released_through_the_frame(client, widget_world):
    other, _ = retailer_with_rules("other-shop")
    other.allowed_origins = [ORIGIN]
    other.save(update_fields=["allowed_origins"])
    _, other_pk = api_key_create(retailer=other, kind=ApiKeyKind.PUBLISHABLE)
    action, fields = hold_form(parse(client.get(widget_world.grid_url()).content))
    held = parse(client.post(action, fields).content)
    own_release = held.find("form").attrs["action"]
    other_action, other_fields = hold_form(parse(client.get(widget_world.grid_url(key=other_pk)).content))
    as_other = own_release.split("?")[0] + "?" + other_action.split("?")[1]

    response = client.post(as_other, {"csrfmiddlewaretoken": other_fields["csrfmiddlewaretoken"]})

    assert response.status_code == 404
    assert Booking.objects.get().status == BookingStatus.HELD


def test_holds_share_the_apis_rate_limit_per_key(client, widget_world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "holds": "1/min"},
    }
    document = parse(client.get(widget_world.grid_url()).content)
    first, second = hold_form(document, 0), hold_form(document, 1)
    assert client.post(*first).status_code == 200

    response = client.post(*second)

    assert response.status_code == 429
    assert "Too many requests" in alert_text(parse(response.content))
    assert Booking.objects.count() == 1


def test_only_get_and_post_where_meant(client, widget_world):
    assert Client().post(widget_world.grid_url()).status_code == 405
    assert client.get("/widget/frame/holds?" + widget_world.grid_url().split("?")[1]).status_code == 405


def test_the_host_pages_parcel_size_fills_in_the_address_form(client, widget_world):
    document = parse(client.get(widget_world.frame_url(size_units=7)).content)

    size = document.find("input", lambda e: e.attrs.get("name") == "size_units")
    assert size.attrs["value"] == "7"


def test_the_host_pages_language_is_the_frames(client, widget_world):
    document = parse(client.get(widget_world.grid_url(lang="de")).content)

    assert document.find("html").attrs["lang"] == "de"
    assert document.find("h1").text == "Lieferzeit wählen"
    price = document.find("span", lambda e: "window__price" in e.classes).text
    assert price.endswith("€") and "," in price, "German writes 10,00 €"
    # The frame's links and forms keep the language.
    assert "lang=de" in hold_form(document)[0]


def test_the_frame_caps_one_browsers_live_holds_across_addresses(client, widget_world, settings):
    settings.GREENSLOT = {**settings.GREENSLOT, "MAX_HOLDS_PER_CLIENT": 1}
    first = hold_form(parse(client.get(widget_world.frame_url(lat=52.11, lon=5.11)).content))
    second = hold_form(parse(client.get(widget_world.frame_url(lat=52.12, lon=5.12)).content))
    assert client.post(*first).status_code == 200

    refused = client.post(*second)

    assert refused.status_code == 429
    assert "on hold" in alert_text(parse(refused.content))
    assert Booking.objects.count() == 1
