"""``/widget/demo/``: the demo checkout embeds the live publishable key named in the key file.

``python manage.py widget_demo_key`` (lab) writes that file; here the tests write it themselves.
"""

import pytest

from booking.widget.demo_key import demo_key_path
from tenants.keys import api_key_create, api_key_find, api_key_revoke
from tenants.models import ApiKeyKind
from tests.shopper.page import alert_text, parse

# Each test has its own key file, never the project's instance directory.
pytestmark = pytest.mark.usefixtures("demo_key_file")


@pytest.fixture
def demo_retailer(widget_world, settings):
    """The test world's retailer as the demo (shopper page) retailer, embeddable from the test server."""
    retailer = widget_world.retailer
    retailer.slug = settings.GREENSLOT["SHOPPER_RETAILER"]
    retailer.allowed_origins = ["http://testserver"]
    retailer.save(update_fields=["slug", "allowed_origins"])
    return retailer


def demo_key_written(retailer, kind=ApiKeyKind.PUBLISHABLE) -> str:
    """A new key of ``retailer`` in the key file, as ``widget_demo_key`` leaves it; returns its plaintext."""
    _, plaintext = api_key_create(retailer=retailer, kind=kind, label="demo page test")
    demo_key_path().parent.mkdir(parents=True, exist_ok=True)
    demo_key_path().write_text(plaintext + "\n")
    return plaintext


def test_without_a_key_the_page_says_how_to_make_one(client, demo_retailer):
    response = client.get("/widget/demo/")

    assert response.status_code == 503
    assert "manage.py widget_demo_key" in response.content.decode()


def test_the_page_embeds_the_widget_with_the_demo_key_and_shows_the_snippet(client, demo_retailer):
    key = demo_key_written(demo_retailer)

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
    demo_key_written(demo_retailer)

    response = client.get("/widget/demo/")

    assert "http://testserver" in alert_text(parse(response.content))
    assert "http://127.0.0.1:8000" in alert_text(parse(response.content))


def test_a_secret_key_in_the_file_is_never_shown(client, demo_retailer):
    plaintext = demo_key_written(demo_retailer, kind=ApiKeyKind.SECRET)

    response = client.get("/widget/demo/")

    assert response.status_code == 503
    assert plaintext not in response.content.decode()


def test_a_revoked_key_in_the_file_is_never_shown(client, demo_retailer):
    plaintext = demo_key_written(demo_retailer)
    api_key_revoke(key=api_key_find(plaintext=plaintext))

    response = client.get("/widget/demo/")

    assert response.status_code == 503
    assert plaintext not in response.content.decode()
