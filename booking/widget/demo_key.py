"""The publishable key the widget demo page (``/widget/demo/``) embeds.

Keys are stored hashed and shown once, so the demo page cannot recover a key from the database.
``python manage.py widget_demo_key`` (run by ``make demo``) makes a publishable key for the demo
retailer, labelled ``DEMO_KEY_LABEL``, and writes its plaintext to a file in the instance
directory; the demo page reads it from there. Keeping a *publishable* key in a file is no leak: it
is meant to sit in every page of the retailer's site, exactly as the demo page shows it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from ..keys import api_key_create, api_key_find, api_key_revoke
from ..models import ApiKey, ApiKeyKind, Retailer

DEMO_KEY_LABEL = "widget demo page"


def demo_key_path() -> Path:
    """``GREENSLOT["WIDGET_DEMO_KEY_FILE"]``, by default ``instance/widget-demo-key`` in the project."""
    configured = settings.GREENSLOT.get("WIDGET_DEMO_KEY_FILE")
    return Path(configured) if configured else Path(settings.BASE_DIR) / "instance" / "widget-demo-key"


def demo_key_read() -> tuple[ApiKey, str] | None:
    """The demo key and its plaintext, if the file names an active publishable key; else None."""
    try:
        plaintext = demo_key_path().read_text().strip()
    except FileNotFoundError:
        return None
    key = api_key_find(plaintext=plaintext)
    if key is None or not key.is_active or key.kind != ApiKeyKind.PUBLISHABLE:
        return None
    return key, plaintext


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
