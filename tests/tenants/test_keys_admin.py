"""Retailer keys in the admin: created, rotated and revoked there, the secret shown once and kept
only as the command line keeps it (SHA-256); only a user who may change the retailer can."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tenants.keys import api_key_create, api_key_find, key_hash
from tenants.models import ApiKey, ApiKeyKind, Retailer

pytestmark = pytest.mark.django_db


@pytest.fixture
def retailer():
    return Retailer.objects.create(name="Green Grocer", slug="green-grocer")


def url(name, *args):
    return reverse(f"admin:tenants_retailer_{name}", args=args)


def shown_key(html: str) -> str:
    start = html.index('id="new-key-1"')
    return html[html.index(">", start) + 1 : html.index("</code>", start)]


def test_it_creates_a_key_shown_once_and_stored_hashed(admin_client, retailer):
    response = admin_client.post(
        url("key_create", retailer.pk), {"key_kind": "secret", "key_label": "production backend"}
    )

    html = response.content.decode()
    plaintext = shown_key(html)
    key = ApiKey.objects.get(retailer=retailer)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "shown only this once" in html
    assert plaintext.startswith("sk_live_") and len(plaintext) == 40
    assert key.hashed == key_hash(plaintext) and key.prefix == plaintext[:12]
    assert key.label == "production backend"
    assert api_key_find(plaintext=plaintext) == key
    change_page = admin_client.get(url("change", retailer.pk)).content.decode()
    assert key.prefix in change_page and plaintext not in change_page


def test_it_revokes_a_key_from_the_retailers_page(admin_client, retailer):
    key, plaintext = api_key_create(retailer=retailer, kind=ApiKeyKind.PUBLISHABLE)
    page = admin_client.get(url("change", retailer.pk)).content.decode()
    assert url("key_revoke", retailer.pk, key.pk) in page

    response = admin_client.post(url("key_revoke", retailer.pk, key.pk), follow=True)

    key.refresh_from_db()
    assert key.revoked_at is not None
    assert "stops working now" in response.content.decode()
    assert not api_key_find(plaintext=plaintext).is_active


def test_rotating_revokes_the_other_keys_of_that_kind_only(admin_client, retailer):
    old_secret, _ = api_key_create(retailer=retailer, kind=ApiKeyKind.SECRET)
    publishable, _ = api_key_create(retailer=retailer, kind=ApiKeyKind.PUBLISHABLE)

    response = admin_client.post(url("key_rotate", retailer.pk), {"key_kind": "secret"})

    new = api_key_find(plaintext=shown_key(response.content.decode()))
    old_secret.refresh_from_db()
    publishable.refresh_from_db()
    assert new.is_active and new.kind == ApiKeyKind.SECRET
    assert not old_secret.is_active
    assert publishable.is_active


def test_it_refuses_a_get_an_unknown_kind_and_another_retailers_key(admin_client, retailer):
    other = Retailer.objects.create(name="Other", slug="other")
    stranger, _ = api_key_create(retailer=other, kind=ApiKeyKind.SECRET)

    assert admin_client.get(url("key_create", retailer.pk)).status_code == 405
    assert admin_client.post(url("key_create", retailer.pk), {"key_kind": "root"}).status_code == 400
    assert admin_client.post(url("key_revoke", retailer.pk, stranger.pk)).status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active and not ApiKey.objects.filter(retailer=retailer).exists()


def test_staff_who_may_only_view_retailers_cannot_touch_keys(client, django_user_model, retailer):
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_retailer"))
    client.force_login(viewer)
    key, _ = api_key_create(retailer=retailer, kind=ApiKeyKind.SECRET)

    page = client.get(url("change", retailer.pk))
    created = client.post(url("key_create", retailer.pk), {"key_kind": "secret"})
    revoked = client.post(url("key_revoke", retailer.pk, key.pk))

    assert page.status_code == 200 and key.prefix in page.content.decode()
    assert "Create key" not in page.content.decode()
    assert (created.status_code, revoked.status_code) == (403, 403)
    key.refresh_from_db()
    assert key.is_active and ApiKey.objects.count() == 1


def test_a_key_label_with_a_bidi_control_makes_no_key_and_says_why(admin_client, retailer):
    response = admin_client.post(
        url("key_create", retailer.pk), {"key_kind": "secret", "key_label": "backend\u202edorp"}, follow=True
    )
    assert response.redirect_chain == [(url("change", retailer.pk), 302)]
    assert not ApiKey.objects.filter(retailer=retailer).exists()
    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["Key label: Bidirectional control characters are not allowed (U+202E). No key was made."]
