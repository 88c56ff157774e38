"""The publishable key the widget demo page (``/widget/demo/``) embeds, read from a file.

Keys are stored hashed and shown once, so the demo page cannot recover a key from the database.
``python manage.py widget_demo_key`` (a lab tool, run by ``make demo``) makes a publishable key for
the demo retailer and writes its plaintext to ``demo_key_path()``; the page reads it from there.
Keeping a *publishable* key in a file is no leak: it is meant to sit in every page of the
retailer's site, exactly as the demo page shows it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from tenants.keys import api_key_find
from tenants.models import ApiKey, ApiKeyKind


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
