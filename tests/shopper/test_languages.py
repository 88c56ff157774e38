"""The shopper page and the widget in Dutch, German and French: words, dates and prices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from booking.views.presentation import money

from .page import parse


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en-gb", "€1,234.50"),
        ("nl", "€\u00a01.234,50"),
        ("de", "1.234,50\u00a0€"),
        ("fr", "1\u202f234,50\u00a0€"),
    ],
)
def test_prices_are_written_the_local_way(language, text):
    with translation.override(language):
        assert money(Decimal("1234.5"), "EUR") == text


def test_the_browsers_language_is_the_pages(client, world):
    response = client.get("/", {"address": "kanaal 12"}, HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9")

    document = parse(response.content)
    assert document.find("html").attrs["lang"] == "nl"
    assert document.find("h1").text == "Kies een bezorgmoment"
    strip = document.find("nav", lambda e: e.attrs.get("aria-label") == "Bezorgdagen")
    assert strip is not None
    text = document.find("main").text
    assert "Bezorgen op Kanaalstraat 12, 3531 CJ Utrecht" in text and "Tijdvakken van 1 uur" in text
    assert "Accept-Language" in response["Vary"]


def test_an_unknown_language_falls_back_to_english(client, world):
    document = parse(client.get("/", HTTP_ACCEPT_LANGUAGE="xx").content)
    assert document.find("h1").text == "Choose a delivery window"
