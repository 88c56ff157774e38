"""``/widget/demo/`` and ``manage.py widget_demo_key``: the demo checkout embeds a live publishable key."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from booking.keys import api_key_find, api_key_revoke
from booking.models import ApiKey, ApiKeyKind
from booking.widget.demo_key import DEMO_KEY_LABEL
from tests.shopper.page import alert_text, parse


@pytest.fixture(autouse=True)
def key_file(settings, tmp_path):
    """Each test has its own key file, never the project's instance directory."""
    path = tmp_path / "instance" / "widget-demo-key"
    settings.GREENSLOT = {**settings.GREENSLOT, "WIDGET_DEMO_KEY_FILE": str(path)}
    return path


@pytest.fixture
def demo_retailer(widget_world, settings):
    """The test world's retailer as the demo (shopper page) retailer, embeddable from the test server."""
    retailer = widget_world.retailer
    retailer.slug = settings.GREENSLOT["SHOPPER_RETAILER"]
    retailer.allowed_origins = ["http://testserver"]
    retailer.save(update_fields=["slug", "allowed_origins"])
    return retailer


def widget_demo_key(*args: str) -> dict:
    out = io.StringIO()
    call_command("widget_demo_key", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_makes_a_labelled_publishable_key_and_writes_it_for_the_page(demo_retailer, key_file):
    printed = widget_demo_key()

    key = api_key_find(plaintext=printed["publishable_key"])
    assert key.kind == ApiKeyKind.PUBLISHABLE and key.retailer == demo_retailer and key.is_active
    assert key.label == DEMO_KEY_LABEL
    assert printed["created"] is True
    assert key_file.read_text().strip() == printed["publishable_key"]
    assert (key_file.parent / ".gitignore").read_text() == "*\n", "the instance directory is never committed"


def test_running_it_again_keeps_the_live_key(demo_retailer):
    first = widget_demo_key()

    again = widget_demo_key()

    assert again["publishable_key"] == first["publishable_key"] and again["created"] is False
    assert ApiKey.objects.filter(label=DEMO_KEY_LABEL).count() == 1


def test_a_revoked_demo_key_is_replaced(demo_retailer):
    first = widget_demo_key()
    api_key_revoke(key=api_key_find(plaintext=first["publishable_key"]))

    again = widget_demo_key()

    assert again["created"] is True and again["publishable_key"] != first["publishable_key"]


def test_rotate_makes_a_new_key_and_revokes_the_old(demo_retailer):
    first = widget_demo_key()

    rotated = widget_demo_key("--rotate")

    assert rotated["publishable_key"] != first["publishable_key"]
    assert not api_key_find(plaintext=first["publishable_key"]).is_active
    assert api_key_find(plaintext=rotated["publishable_key"]).is_active


def test_it_needs_the_demo_retailer(db):
    with pytest.raises(CommandError, match="load_demo_city"):
        widget_demo_key()


def test_without_a_key_the_page_says_how_to_make_one(client, demo_retailer):
    response = client.get("/widget/demo/")

    assert response.status_code == 503
    assert "manage.py widget_demo_key" in response.content.decode()


def test_the_page_embeds_the_widget_with_the_demo_key_and_shows_the_snippet(client, demo_retailer):
    key = widget_demo_key()["publishable_key"]

    response = client.get("/widget/demo/")

    assert response.status_code == 200
    document = parse(response.content)
    widget = document.find("script", lambda e: e.attrs.get("data-key") == key)
    assert widget.attrs["src"] == "http://testserver/widget.js"
    assert document.find("div", lambda e: e.attrs.get("id") == "greenslot-widget")
    snippet = document.find("pre", lambda e: "demo__code" in e.classes).text
    assert f'data-key="{key}"' in snippet and 'src="http://testserver/widget.js"' in snippet
    assert document.find("pre", lambda e: e.attrs.get("id") == "demo-hold"), "the panel for the received hold"
    assert alert_text(document) == ""


def test_the_page_warns_when_opened_at_an_origin_the_retailer_does_not_allow(client, demo_retailer):
    demo_retailer.allowed_origins = ["http://127.0.0.1:8000"]
    demo_retailer.save(update_fields=["allowed_origins"])
    widget_demo_key()

    response = client.get("/widget/demo/")

    assert "http://testserver" in alert_text(parse(response.content))
    assert "http://127.0.0.1:8000" in alert_text(parse(response.content))
