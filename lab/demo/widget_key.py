"""The widget demo page's key: a publishable key of the demo retailer, labelled ``DEMO_KEY_LABEL``,
written where the page reads it (``booking.widget.demo_key.demo_key_path``)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from booking.widget.demo_key import demo_key_path, demo_key_read
from tenants.keys import api_key_create, api_key_revoke
from tenants.models import ApiKey, ApiKeyKind, Retailer

DEMO_KEY_LABEL = "widget demo page"


def demo_key_write(plaintext: str) -> Path:
    path = demo_key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.parent.name == "instance" and not (path.parent / ".gitignore").exists():
        # Local state, never committed (the directory ignores itself, as .pytest_cache does).
        (path.parent / ".gitignore").write_text("*\n")
    partial = path.with_name(path.name + ".new")
    partial.write_text(plaintext + "\n")
    partial.replace(path)  # atomic: the demo page never reads half a key
    return path


def demo_key_ensure(*, retailer: Retailer, rotate: bool = False) -> tuple[ApiKey, str, bool]:
    """The retailer's demo key, made (and written) if the file has none for it; returns (key, plaintext, created).

    ``rotate`` makes a new key even if the current one is fine, and revokes the current one.
    """
    current = demo_key_read()
    if current is not None and current[0].retailer_id == retailer.id and not rotate:
        return current[0], current[1], False
    with transaction.atomic():
        key, plaintext = api_key_create(retailer=retailer, kind=ApiKeyKind.PUBLISHABLE, label=DEMO_KEY_LABEL)
        if current is not None and rotate:
            api_key_revoke(key=current[0])
        demo_key_write(plaintext)
    return key, plaintext, True
