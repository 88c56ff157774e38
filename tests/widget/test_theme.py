"""The retailer's theme: /widget/theme.css from the host page's data-color, data-font, data-radius."""

from __future__ import annotations

import pytest

from booking.widget.theme import WHITE, contrast, parse_colour, theme_from

from .conftest import ORIGIN


def test_a_dark_brand_colour_is_kept_and_a_light_one_darkened_to_aa():
    assert theme_from({"color": "#17603a"}).brand == "#17603a"
    light = theme_from({"color": "#ffd400"})
    assert light.brand != "#ffd400"
    assert contrast(parse_colour(light.brand), WHITE) >= 4.5


@pytest.mark.parametrize(
    ("params", "css_absent"),
    [
        ({"color": "red; background: url(x)"}, "--brand-bg"),
        ({"font": "x; } body { display: none"}, "font-family"),
        ({"radius": "40px"}, "--radius"),
        ({"radius": "calc(1px)"}, "--radius"),
    ],
)
def test_anything_that_is_not_plainly_a_colour_font_or_length_is_dropped(params, css_absent):
    theme = theme_from(params)
    assert not theme
    assert css_absent not in theme.css()


def test_the_stylesheet_sets_the_custom_properties(client, db):
    response = client.get(
        "/widget/theme.css", {"color": "#7a1f5c", "font": "Georgia, serif", "radius": "4px"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert "--brand-bg: #7a1f5c;" in css and "--radius: 4px;" in css
    assert "font-family: Georgia, serif, system-ui, sans-serif;" in css


def test_the_frame_links_the_theme_it_was_opened_with(client, widget_world):
    response = client.get(widget_world.grid_url(color="#7a1f5c", radius="4px"))
    body = response.content.decode()
    assert 'href="/widget/theme.css?color=%237a1f5c&amp;radius=4px"' in body
    # The frame's forms keep the theme for the next page.
    assert "color=%237a1f5c" in body.split('action="/widget/frame/holds?', 1)[1].split('"', 1)[0]
    assert ORIGIN in response["Content-Security-Policy"]


def test_without_a_theme_the_frame_links_none(client, widget_world):
    assert "theme.css" not in client.get(widget_world.grid_url()).content.decode()
