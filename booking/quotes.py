"""Quotes: the only way a window and its price travel through a client.

A quote is an opaque reference to one window of one recorded offer: the offer's id (a random
UUID the offer response shows anyway), the window's position in the offer, and an HMAC that binds
both to the retailer the offer was made for. Nothing else is in the token: no retailer id, no
price, no window. The price, the window and the expiry are read back from the ``Offer`` row the
offer path writes anyway (``booking.services.offer_records``), so a client can neither read nor
change them, and quoting costs one short HMAC per window.

The token is also the natural idempotency key of what uses it: ``quote_key`` names it, and every
use, a hold or a reschedule, records it (``booking.models.QuoteUse``), so a quote is used once.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from greenslot.errors import InvalidInput

SALT = "greenslot.quote.v2"
VERSION = b"\x02"
MAC_BYTES = 16
TOKEN_BYTES = len(VERSION) + 16 + 2 + MAC_BYTES
MAX_WINDOWS = 2**16


@dataclass(frozen=True)
class QuoteRef:
    """What a verified token names: one window (by position) of one offer."""

    offer_id: uuid.UUID
    window_index: int

    @property
    def key(self) -> str:
        """The quote's identity, as ``QuoteUse.key`` keeps it."""
        return quote_key(offer_id=self.offer_id, window_index=self.window_index)


@dataclass(frozen=True)
class Quote:
    """A quoted window as its offer recorded it (``booking.services.placement.quoted_offer``)."""

    offer_id: str
    retailer_id: int
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    cutoff: dt.datetime
    amount: Decimal
    currency: str
    co2e_grams: int
    rule_version: int
    expires_at: dt.datetime
    key: str = ""


def quote_key(*, offer_id: uuid.UUID, window_index: int) -> str:
    return f"{offer_id.hex}:{window_index}"


@functools.lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    # Derived once per secret: an offer signs one quote per window (160+).
    return hashlib.sha256(f"{SALT}:{secret}".encode()).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class QuoteSigner(Protocol):
    def __call__(self, window_index: int) -> str: ...


def _keyed(secret: str, *, offer_id: uuid.UUID, retailer_id: int) -> hmac.HMAC:
    mac = hmac.new(_key(secret), digestmod=hashlib.sha256)
    mac.update(VERSION + offer_id.bytes + str(retailer_id).encode() + b"|")
    return mac


def quote_signer(*, offer_id: uuid.UUID, retailer_id: int) -> QuoteSigner:
    """The signer of one offer's quotes, and the one place the token layout is written:
    base64url of ``version (1 byte) | offer UUID (16) | window index (2, big-endian) | MAC (16)``,
    the MAC being HMAC-SHA256 under the server's secret of version, offer, retailer and index.

    ``sign(k)`` gives the quote of the offer's window ``k`` (its position in ``Offer.windows``).
    The offer and retailer are keyed once; each quote copies that state.
    """
    keyed = _keyed(settings.SECRET_KEY, offer_id=offer_id, retailer_id=retailer_id)
    head = VERSION + offer_id.bytes

    def sign(window_index: int) -> str:
        index = window_index.to_bytes(2, "big")
        mac = keyed.copy()
        mac.update(index)
        return _b64(head + index + mac.digest()[:MAC_BYTES])

    return sign


def quote_verify(*, token: object, retailer_id: int) -> QuoteRef:
    """The window ``token`` names if it is intact and this retailer's; else 400 ``invalid_quote``.

    Tokens signed under a key in ``SECRET_KEY_FALLBACKS`` stay valid while keys are rotated.
    Whether the offer still exists, is unexpired and sells that window is the caller's to check.
    """
    if not isinstance(token, str) or not token or len(token) > 200:
        raise InvalidInput("invalid_quote", "The quote is missing or malformed.")
    # One answer for a forged, altered or foreign quote: a foreign quote must not reveal that it
    # exists elsewhere.
    forged = InvalidInput("invalid_quote", "The quote was not issued by this server or has been altered.")
    try:
        raw = _unb64(token)
    except (ValueError, binascii.Error) as exc:
        raise forged from exc
    if len(raw) != TOKEN_BYTES or raw[:1] != VERSION:
        raise forged
    offer_id = uuid.UUID(bytes=raw[1:17])
    index, mac = raw[17:19], raw[19:]
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    for secret in secrets:
        expected = _keyed(secret, offer_id=offer_id, retailer_id=retailer_id)
        expected.update(index)
        if hmac.compare_digest(mac, expected.digest()[:MAC_BYTES]):
            return QuoteRef(offer_id=offer_id, window_index=int.from_bytes(index, "big"))
    raise forged
