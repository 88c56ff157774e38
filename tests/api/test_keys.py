"""API keys (tenants/keys.py) and the commands that hand them out: create_retailer, rotate_keys."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command

from pricing.models import IncentiveRuleSet, RuleSetStatus
from tenants.keys import api_key_create, api_key_find, api_key_revoke
from tenants.models import ApiKey, Retailer
from tests.api.support import Api, assert_error, offer_body
from tests.factories import make_world, retailer_with_rules

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_it_stores_only_the_hash_of_a_key():
    retailer, _ = retailer_with_rules()
    key, plaintext = api_key_create(retailer=retailer, kind="secret", label="backend")
    assert plaintext.startswith("sk_live_") and len(plaintext) == len("sk_live_") + 32
    assert key.hashed == hashlib.sha256(plaintext.encode()).hexdigest()
    assert key.prefix == plaintext[:12]
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert plaintext not in json.dumps(stored, default=str)
    assert api_key_find(plaintext=plaintext) == key


def test_keys_are_unique_and_their_kind_shows_in_the_prefix():
    retailer, _ = retailer_with_rules()
    plaintexts = {api_key_create(retailer=retailer, kind="publishable")[1] for _ in range(20)}
    assert len(plaintexts) == 20
    assert all(p.startswith("pk_live_") for p in plaintexts)
    with pytest.raises(ValueError):
        api_key_create(retailer=retailer, kind="admin")


def test_a_key_with_the_wrong_prefix_for_its_kind_is_not_found():
    retailer, _ = retailer_with_rules()
    _, plaintext = api_key_create(retailer=retailer, kind="secret")
    assert api_key_find(plaintext="pk_live_" + plaintext.removeprefix("sk_live_")) is None
    for junk in ("", "sk_live_", "nonsense", None, 42, "sk_live_" + "a" * 500):
        assert api_key_find(plaintext=junk) is None


def test_revoking_is_idempotent_and_keeps_the_first_time():
    retailer, _ = retailer_with_rules()
    key, _ = api_key_create(retailer=retailer, kind="secret")
    first = api_key_revoke(key=key).revoked_at
    assert first is not None
    assert api_key_revoke(key=key).revoked_at == first


def test_create_retailer_prints_working_keys_once(client):
    make_world(dates=[], retailer_slug="world-shop")
    printed = run(
        "create_retailer", "Acme Groceries", "--origin", "https://shop.acme.example", "--currency", "gbp"
    )
    assert set(printed) == {"retailer", "slug", "secret_key", "publishable_key"}
    assert printed["slug"] == "acme-groceries"
    retailer = Retailer.objects.get(slug="acme-groceries")
    assert retailer.allowed_origins == ["https://shop.acme.example"] and retailer.currency == "GBP"
    rules = IncentiveRuleSet.objects.get(retailer=retailer)
    assert (rules.version, rules.status, rules.currency) == (1, RuleSetStatus.PUBLISHED, "GBP")
    assert rules.published_at is not None
    assert api_key_find(plaintext=printed["secret_key"]).kind == "secret"
    assert api_key_find(plaintext=printed["publishable_key"]).kind == "publishable"
    api = Api(client)
    assert api.post("/api/v1/offers", offer_body(), key=printed["secret_key"]).status_code == 201
    widget = api.post(
        "/api/v1/offers", offer_body(), key=printed["publishable_key"], origin="https://shop.acme.example"
    )
    assert widget.status_code == 201


@pytest.mark.parametrize(
    "origin",
    [
        "shop.example",
        "ftp://shop.example",
        "https://shop.example/checkout",
        "https://u:p@shop.example",
        "https://",
    ],
)
def test_create_retailer_refuses_what_is_not_an_origin(origin):
    with pytest.raises(CommandError):
        call_command("create_retailer", "Acme", "--origin", origin, stdout=io.StringIO())
    assert not Retailer.objects.exists()


def test_create_retailer_normalises_origins_as_browsers_send_them():
    run("create_retailer", "Acme", "--origin", "https://Shop.Example/", "--origin", "http://localhost:8000")
    assert Retailer.objects.get().allowed_origins == ["https://shop.example", "http://localhost:8000"]


def test_create_retailer_refuses_a_taken_slug_and_changes_nothing():
    run("create_retailer", "Acme")
    with pytest.raises(CommandError, match="exists"):
        call_command("create_retailer", "ACME", stdout=io.StringIO())
    assert Retailer.objects.count() == 1 and ApiKey.objects.count() == 2


def test_rotate_keys_makes_new_keys_then_revokes_the_old_by_prefix(client):
    make_world(dates=[], retailer_slug="world-shop")
    first = run("create_retailer", "Acme")
    rotated = run("rotate_keys", "acme", "--kind", "secret")
    assert set(rotated) == {"retailer", "slug", "secret_key"}
    api = Api(client)
    # Both secret keys work until the old one is revoked.
    for key in (first["secret_key"], rotated["secret_key"]):
        assert api.post("/api/v1/offers", offer_body(), key=key).status_code == 201
    old_prefix = first["secret_key"][:12]
    assert run("rotate_keys", "acme", "--revoke", old_prefix)["revoked"] == [old_prefix]
    assert_error(api.post("/api/v1/offers", offer_body(), key=first["secret_key"]), 401, "unauthenticated")
    assert api.post("/api/v1/offers", offer_body(), key=rotated["secret_key"]).status_code == 201
    assert ApiKey.objects.count() == 3


def test_rotate_keys_after_a_leak_revokes_the_old_keys_at_once():
    first = run("create_retailer", "Acme")
    rotated = run("rotate_keys", "acme", "--revoke-old")
    assert sorted(rotated["revoked"]) == sorted([first["secret_key"][:12], first["publishable_key"][:12]])
    assert api_key_find(plaintext=first["secret_key"]).revoked_at is not None
    assert api_key_find(plaintext=rotated["publishable_key"]).is_active


def test_rotate_keys_refuses_an_unknown_retailer_or_prefix():
    run("create_retailer", "Acme")
    with pytest.raises(CommandError):
        call_command("rotate_keys", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("rotate_keys", "acme", "--revoke", "sk_live_zzzz", stdout=io.StringIO())
    assert ApiKey.objects.filter(revoked_at__isnull=False).count() == 0
