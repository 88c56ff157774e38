"""Allowed origins are saved, and compared, as browsers send them in ``Origin``."""

from __future__ import annotations

import pytest

from tenants.admin import RetailerForm
from tenants.models import Retailer
from tenants.origins import origin_allowed, origin_normalised


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("https://shop.example/", "https://shop.example"),
        ("  HTTPS://Shop.Example  ", "https://shop.example"),
        ("https://shop.example:443", "https://shop.example"),
        ("http://127.0.0.1:80/", "http://127.0.0.1"),
        ("http://localhost:9000/", "http://localhost:9000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_an_origin_is_normalised(typed, saved):
    assert origin_normalised(typed) == saved


@pytest.mark.parametrize(
    "typed",
    ["shop.example", "ftp://shop.example", "https://shop.example/checkout", "https://u:p@shop.example", ""],
)
def test_what_is_not_an_origin_is_refused_with_the_reason(typed):
    with pytest.raises(ValueError, match="origin"):
        origin_normalised(typed)


def test_the_admin_form_saves_origins_normalised_and_once(db):
    form = RetailerForm(
        data={
            "name": "Acme",
            "slug": "acme",
            "currency": "EUR",
            "allowed_origins": "https://Shop.example/\n  https://shop.example\n\nhttp://localhost:9000/\n",
        }
    )

    assert form.is_valid(), form.errors
    retailer = form.save()

    assert retailer.allowed_origins == ["https://shop.example", "http://localhost:9000"]


def test_the_admin_form_names_every_bad_line_with_its_reason(db):
    form = RetailerForm(
        data={
            "name": "Acme",
            "slug": "acme",
            "currency": "EUR",
            "allowed_origins": "https://ok.example\nhttps://shop.example/pay\nshop.example\nhttps://x.example:99999",
        }
    )

    assert not form.is_valid()
    assert form.errors["allowed_origins"] == [
        "Line 2: 'https://shop.example/pay': an origin has no path, query or credentials.",
        "Line 3: 'shop.example' is not an origin such as https://shop.example.com.",
        "Line 4: 'https://x.example:99999' has an invalid port.",
    ]
    assert Retailer.objects.count() == 0


def test_the_admin_form_shows_saved_origins_one_per_line(db):
    retailer = Retailer.objects.create(
        name="Acme", slug="acme", allowed_origins=["https://a.example", "https://b.example"]
    )

    html = str(RetailerForm(instance=retailer)["allowed_origins"])

    assert "<textarea" in html
    assert "https://a.example\nhttps://b.example</textarea>" in html


def test_an_origin_saved_before_the_rule_with_a_trailing_slash_still_works(db):
    retailer = Retailer.objects.create(
        name="Old", slug="old", allowed_origins=["https://shop.example/", "nonsense"]
    )

    assert origin_allowed(retailer=retailer, origin="https://shop.example")
    assert not origin_allowed(retailer=retailer, origin="https://shop.example/")
    assert not origin_allowed(retailer=retailer, origin="https://other.example")
    assert not origin_allowed(retailer=retailer, origin=None)
