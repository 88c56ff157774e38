"""Retailer API keys: made here, shown once, stored as SHA-256 only.

A key is ``sk_live_`` (secret: the retailer's backend, every operation) or ``pk_live_``
(publishable: the widget, offers and holds only, from the retailer's allowed origins) followed by
32 URL-safe characters from ``secrets.token_urlsafe(24)`` (192 bits). With that much randomness an
unsalted SHA-256 makes a leaked table useless and keeps the lookup one indexed equality.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from greenslot import clock

from .models import ApiKey, ApiKeyKind, Retailer

KEY_PREFIXES = {ApiKeyKind.SECRET: "sk_live_", ApiKeyKind.PUBLISHABLE: "pk_live_"}
TOKEN_BYTES = 24
# Characters of the plaintext kept to recognise a key in the admin and in logs ("sk_live_AbCd").
SHOWN_CHARACTERS = 12
# Longer than any key this module makes; anything longer is refused before it is hashed.
MAX_KEY_LENGTH = 128


def key_hash(plaintext: str) -> str:
    """The hex SHA-256 of a key: what the database stores and looks keys up by."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def key_kind(plaintext: str) -> str | None:
    """The kind a key's prefix claims, or None if it is not shaped like a Greenslot key."""
    for kind, prefix in KEY_PREFIXES.items():
        if plaintext.startswith(prefix) and len(plaintext) > len(prefix):
            return kind
    return None


def api_key_create(*, retailer: Retailer, kind: str, label: str = "") -> tuple[ApiKey, str]:
    """Make a key for ``retailer``; returns the row and the plaintext, which is never stored."""
    if kind not in KEY_PREFIXES:
        raise ValueError(f"Expected kind in {sorted(KEY_PREFIXES)}, got {kind!r}.")
    plaintext = KEY_PREFIXES[kind] + secrets.token_urlsafe(TOKEN_BYTES)
    key = ApiKey.objects.create(
        retailer=retailer,
        kind=kind,
        prefix=plaintext[:SHOWN_CHARACTERS],
        hashed=key_hash(plaintext),
        label=label[:120],
    )
    return key, plaintext


def api_key_revoke(*, key: ApiKey, now: dt.datetime | None = None) -> ApiKey:
    """Revoke ``key`` at once (idempotent: a revoked key keeps its first revocation time)."""
    now = now or clock.now()
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now)
    key.refresh_from_db(fields=["revoked_at"])
    return key


def api_key_find(*, plaintext: object) -> ApiKey | None:
    """The key (active or revoked) whose plaintext this is, with its retailer; None if unknown."""
    if not isinstance(plaintext, str) or len(plaintext) > MAX_KEY_LENGTH or key_kind(plaintext) is None:
        return None
    # Every API request runs this: no ORDER BY (the hash is unique; the model's ordering would
    # join and sort for nothing), one indexed row with its retailer.
    rows = list(ApiKey.objects.select_related("retailer").filter(hashed=key_hash(plaintext)).order_by()[:1])
    key = rows[0] if rows else None
    if key is None or key_kind(plaintext) != key.kind:
        return None
    return key
