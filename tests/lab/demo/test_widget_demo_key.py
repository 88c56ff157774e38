"""``manage.py widget_demo_key``: a live publishable key for the widget demo page, kept across runs."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from lab.demo.widget_key import DEMO_KEY_LABEL
from tenants.keys import api_key_find, api_key_revoke
from tenants.models import ApiKey, ApiKeyKind
from tests.factories import retailer_with_rules

# Each test has its own key file, never the project's instance directory.
pytestmark = pytest.mark.usefixtures("demo_key_file")


@pytest.fixture
def demo_retailer(db, settings):
    """A retailer as the demo (shopper page) retailer."""
    retailer, _ = retailer_with_rules(slug=settings.GREENSLOT["SHOPPER_RETAILER"])
    return retailer


def widget_demo_key(*args: str) -> dict:
    out = io.StringIO()
    call_command("widget_demo_key", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_makes_a_labelled_publishable_key_and_writes_it_for_the_page(
    demo_retailer, demo_key_file
):
    printed = widget_demo_key()

    key = api_key_find(plaintext=printed["publishable_key"])
    assert key.kind == ApiKeyKind.PUBLISHABLE and key.retailer == demo_retailer and key.is_active
    assert key.label == DEMO_KEY_LABEL
    assert printed["created"] is True
    assert demo_key_file.read_text().strip() == printed["publishable_key"]
    assert (demo_key_file.parent / ".gitignore").read_text() == "*\n", (
        "the instance directory is never committed"
    )


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
