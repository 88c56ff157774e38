"""GET / — "Choose a delivery window": the address form, and the slot grid once an address is given."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from booking.models import Offer, PresetAddress
from booking.views.forms import ADDRESS_NOT_FOUND
from tenants.models import Retailer

from .conftest import INSIDE, OUTSIDE, PRESET_INSIDE
from .page import alert_text, parse, quote_of, window_titled, windows

HTMX = {"HTTP_HX_REQUEST": "true"}


def search(client, *, extra=None, **query):
    return client.get(reverse("booking:picker"), query, **(extra or {}))


def day_id(date) -> str:
    return f"day-{date.isoformat()}"


def test_it_renders_the_address_form_on_an_accessible_page(client, world):
    response = client.get("/")
    assert response.status_code == 200
    document = parse(response.content)
    html = document.find("html")
    assert html.attrs["lang"] == "en-gb"
    assert len(document.find_all("h1")) == 1
    assert document.find("h1").text == "Choose a delivery window"
    assert document.find("header") is not None and document.find("main") is not None
    # One field to type into, with its label: the address. No coordinates, no parcel question.
    typed = document.find_all("input", lambda e: e.attrs.get("type") not in ("hidden", None))
    assert [(e.attrs["name"], e.attrs["type"]) for e in typed] == [("address", "search")]
    label = document.find("label", lambda e: e.attrs.get("for") == typed[0].attrs["id"])
    assert label.text == "Delivery address"
    assert typed[0].attrs["hx-get"] == "/addresses/" and typed[0].attrs["autocomplete"] == "street-address"
    text = document.find("main").text
    assert "Latitude" not in text and "Parcel" not in text and "point on the map" not in text
    form = document.find("form", lambda e: e.attrs.get("method") == "get")
    assert form.attrs["action"] == "/"
    assert form.attrs["hx-target"] == "#slot-grid" and form.attrs["hx-push-url"] == "true"
    hidden = {
        e.attrs["name"]: e.attrs.get("value")
        for e in form.find_all("input", lambda e: e.attrs.get("type") == "hidden")
    }
    assert hidden == {"lat": None, "lon": None, "size_units": "2", "service_minutes": "3"}
    assert 'src="/static/vendor/htmx-2.0.11.min.js"' in response.content.decode()
    assert "X-CSRFToken" in document.find("body").attrs["hx-headers"]
    assert windows(document) == []


def test_an_address_is_found_by_typing_part_of_it_and_never_shown_as_coordinates(client, world):
    response = search(client, address="kanaal 12")

    document = parse(response.content)
    assert alert_text(document) == ""
    assert window_titled(document, day_id(world.tomorrow), "09:00–10:00").find("button") is not None
    assert Offer.objects.get().address == {
        "label": "Kanaalstraat 12, 3531 CJ Utrecht",
        "street": "Kanaalstraat",
        "source": "gazetteer",
    }
    assert "Delivering to Kanaalstraat 12, 3531 CJ Utrecht" in document.find("main").text
    assert not re.search(r"\b52\.\d{2,}", document.find("main").text), "no coordinates on the page"
    # The grid's links and forms ask for the address as found, so every later request finds it again.
    hold_action = document.find("form", lambda e: e.attrs.get("method") == "post").attrs["action"]
    assert "address=Kanaalstraat+12%2C+3531+CJ+Utrecht" in hold_action


def test_an_address_that_cannot_be_found_says_how_to_type_it(client, world):
    response = search(client, address="Nowhere Lane 7")
    assert alert_text(parse(response.content)) == ADDRESS_NOT_FOUND
    assert Offer.objects.count() == 0


def test_suggestions_list_the_addresses_found_as_links_to_their_windows(client, world):
    response = client.get("/addresses/", {"address": "kanaal 12", "size_units": "4"}, **HTMX)

    assert response.status_code == 200
    document = parse(response.content)
    links = document.find_all("a")
    assert [a.text for a in links] == ["Kanaalstraat 12, 3531 CJ Utrecht"]
    assert links[0].attrs["href"] == "/?size_units=4&address=Kanaalstraat%2012%2C%203531%20CJ%20Utrecht"
    assert document.find("p", lambda e: e.attrs.get("role") == "status").text == "1 address found."


def test_suggestions_wait_for_three_characters(client, world):
    document = parse(client.get("/addresses/", {"address": "ka"}, **HTMX).content)
    assert (
        document.find("a") is None
        and document.find("p", lambda e: e.attrs.get("role") == "status").text == ""
    )


def test_without_htmx_the_suggestions_url_is_the_search_itself(client, world):
    response = client.get("/addresses/", {"address": "kanaal 12"})
    assert response.status_code == 302 and response["Location"] == "/?address=kanaal+12"


def test_it_shows_windows_with_local_times_prices_and_co2e(client, world):
    response = search(client, lat=INSIDE[0], lon=INSIDE[1])
    assert response.status_code == 200
    document = parse(response.content)
    assert alert_text(document) == ""
    heading = document.find("h3", lambda e: e.attrs.get("id") == day_id(world.tomorrow))
    assert world.tomorrow.strftime("%A") in heading.text
    card = window_titled(document, day_id(world.tomorrow), "09:00–10:00")
    assert re.search(r"€\d+\.\d\d", card.text)
    assert re.search(r"\+[\d,]+ g CO₂e", card.text)
    assert card.find("button") is not None and quote_of(card)
    assert card.find("form").attrs["method"] == "post"
    assert card.find("form").attrs["action"].startswith("/holds/?")
    # The grid stays compact: the price breakdown is on the hold page, before the shopper confirms.
    assert card.find("details") is None
    assert Offer.objects.count() == 1


def test_it_groups_each_day_by_window_width(client, world):
    document = parse(search(client, lat=INSIDE[0], lon=INSIDE[1]).content)
    day = document.find("section", lambda e: e.attrs.get("aria-labelledby") == day_id(world.tomorrow))
    headings = [h.text for h in day.find_all("h4")]
    assert headings == ["1-hour windows", "2-hour windows", "4-hour windows", "All day"]


def test_it_labels_windows_in_the_shoppers_words_and_never_with_a_bare_green(client, world):
    document = parse(search(client, lat=INSIDE[0], lon=INSIDE[1]).content)
    all_day = window_titled(document, day_id(world.tomorrow), "08:00–18:00")
    badges = [b.text for b in all_day.find_all("span", lambda e: "badge" in e.classes)]
    assert "Wide window" not in badges, "the width group already says so"
    assert "Green" not in document.find("main").text
    # These older rules label the all-day window green by their absolute threshold, but its grams are
    # not below the day's average window: a claim without a basis is not shown.
    assert all_day.find("span", lambda e: "badge--green" in e.classes) is None
    assert re.search(r"\+[\d,]+ g CO₂e", all_day.find("button").text)


def test_a_day_strip_links_every_day_and_marks_the_chosen_one(client, world):
    document = parse(search(client, lat=INSIDE[0], lon=INSIDE[1]).content)
    strip = document.find("nav", lambda e: e.attrs.get("aria-label") == "Delivery days")
    links = strip.find_all("a")
    assert len(links) == 7
    chosen = [a for a in links if a.attrs.get("aria-current") == "date"]
    assert len(chosen) == 1 and chosen[0].attrs["href"].endswith(f"&day={world.tomorrow.isoformat()}")
    assert chosen[0].attrs["hx-get"] == chosen[0].attrs["href"]
    assert "€" in chosen[0].text, "a day with windows shows its lowest price"
    selected = document.find_all("section", lambda e: "day--selected" in e.classes)
    assert [s.attrs["aria-labelledby"] for s in selected] == [day_id(world.tomorrow)]


def test_choosing_a_day_by_link_selects_it_without_javascript(client, world):
    day_after = world.tomorrow + dt.timedelta(days=1)
    document = parse(search(client, lat=INSIDE[0], lon=INSIDE[1], day=day_after.isoformat()).content)
    selected = document.find("section", lambda e: "day--selected" in e.classes)
    assert selected.attrs["aria-labelledby"] == day_id(day_after)
    assert "No vans that day" in selected.text


def test_a_day_outside_the_offer_falls_back_to_the_first_day_with_windows(client, world):
    document = parse(search(client, lat=INSIDE[0], lon=INSIDE[1], day="1999-01-01").content)
    selected = document.find("section", lambda e: "day--selected" in e.classes)
    assert selected.attrs["aria-labelledby"] == day_id(world.tomorrow)


def test_the_days_cut_off_rule_is_said_once(client, world):
    document = parse(search(client, lat=INSIDE[0], lon=INSIDE[1]).content)
    day = document.find("section", lambda e: e.attrs.get("aria-labelledby") == day_id(world.tomorrow))
    assert "Orders close 2 hours before a window starts." in day.text


def test_an_unavailable_window_is_shown_with_its_reason_and_no_button(client, world):
    document = parse(search(client, lat=INSIDE[0], lon=INSIDE[1]).content)
    evening = window_titled(document, day_id(world.tomorrow), "19:00–20:00")
    assert "window--unavailable" in evening.classes
    assert "No van at this time" in evening.text
    assert evening.find("button") is None and evening.find("form") is None


def test_a_day_without_vans_says_so_once(client, world):
    document = parse(search(client, lat=INSIDE[0], lon=INSIDE[1]).content)
    day_after = world.tomorrow + dt.timedelta(days=1)
    day = document.find("section", lambda e: e.attrs.get("aria-labelledby") == day_id(day_after))
    assert "No vans that day" in day.text
    assert day.find("button") is None


def test_a_preset_address_is_searched_by_its_slug(client, world):
    response = search(client, address=PRESET_INSIDE)
    document = parse(response.content)
    assert alert_text(document) == ""
    assert window_titled(document, day_id(world.tomorrow), "09:00–10:00").find("button") is not None
    assert Offer.objects.get().address == {"slug": "domplein", "label": "Binnenstad", "street": "Domplein"}
    assert "Delivering to Binnenstad — Domplein" in document.find("main").text


def test_another_retailers_preset_address_is_not_offered_or_accepted(client, world):
    other = Retailer.objects.create(name="Other", slug="other")
    PresetAddress.objects.create(retailer=other, slug="elsewhere", label="Elsewhere", lat=52.11, lon=5.11)

    response = search(client, address="elsewhere")

    document = parse(response.content)
    assert alert_text(document) == ADDRESS_NOT_FOUND
    assert Offer.objects.count() == 0


def test_with_htmx_it_renders_only_the_slot_grid(client, world):
    response = search(client, lat=INSIDE[0], lon=INSIDE[1], extra=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and "<h1" not in body
    assert body.lstrip().startswith('<section id="slot-grid"')
    assert "09:00–10:00" in body
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(client, world):
    response = search(
        client, lat=INSIDE[0], lon=INSIDE[1], extra={**HTMX, "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}
    )
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("extra", [{}, HTMX], ids=["page", "htmx"])
def test_an_address_outside_the_service_area_gets_a_message_not_an_error(client, world, extra):
    response = search(client, lat=OUTSIDE[0], lon=OUTSIDE[1], extra=extra)
    assert response.status_code == 200
    document = parse(response.content)
    assert alert_text(document) == "We do not deliver to this address yet."
    assert windows(document) == []


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ("999", "5.11", "Latitude must be within [-90, 90] and longitude within [-180, 180]."),
        ("abc", "5.11", "Latitude and longitude must be numbers."),
        ("52.11", "nan", "Latitude and longitude must be finite numbers."),
    ],
)
def test_bad_coordinates_get_a_clear_message(client, world, lat, lon, message):
    response = search(client, lat=lat, lon=lon, extra=HTMX)
    assert response.status_code == 200
    assert alert_text(parse(response.content)) == message
    assert Offer.objects.count() == 0


def test_half_a_point_asks_for_the_other_half(client, world):
    response = search(client, lat=INSIDE[0])
    assert alert_text(parse(response.content)) == "Enter your delivery address."


def test_an_unknown_preset_address_is_refused(client, world):
    response = search(client, address="atlantis")
    assert alert_text(parse(response.content)) == ADDRESS_NOT_FOUND


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ("61", "Ensure this value is less than or equal to 60."),
        ("0", "Ensure this value is greater than or equal to 1."),
        ("big", "Enter a whole number."),
        ("20", "The parcel (20 units) is larger than any vehicle of this depot carries (10)."),
    ],
)
def test_a_parcel_outside_the_limits_gets_a_clear_message(client, world, size, message):
    response = search(client, lat=INSIDE[0], lon=INSIDE[1], size_units=size)
    assert response.status_code == 200
    assert alert_text(parse(response.content)) == message


def test_without_the_shopper_retailer_it_answers_503_with_a_friendly_page(client, world):
    Retailer.objects.all().delete()
    response = client.get("/")
    assert response.status_code == 503
    document = parse(response.content)
    assert document.find("h1").text == "Delivery booking is not available right now"
