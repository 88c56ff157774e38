"""Server-signed quotes: the only way a window and its price travel through a client.

A quote names the offer, the retailer, the window and the price; the signature makes any
change detectable, and the expiry bounds how long a price is honoured.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from greenslot.errors import Conflict, InvalidInput

SALT = "greenslot.quote.v1"
VERSION = "q1"


@dataclass(frozen=True)
class Quote:
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


@functools.lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    # Derived once per secret: an offer signs one quote per window (160+), so the per-call key
    # derivation of django.core.signing would cost more than the rest of the quote.
    return hashlib.sha256(f"{SALT}:{secret}".encode()).digest()


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.new(_key(secret), body, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _stamp(moment: dt.datetime) -> str:
    return str(int(moment.timestamp()))


def _moment(stamp: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC)


def quote_window_fields(*, date: dt.date, start: dt.datetime, end: dt.datetime, cutoff: dt.datetime) -> str:
    """The window's part of a quote's body: the same in every offer of that window, so a caller
    that signs many quotes may compute it once per window (``booking.services.day_windows``)."""
    return "|".join((date.isoformat(), _stamp(start), _stamp(end), _stamp(cutoff)))


def quote_sign(quote: Quote) -> str:
    """A compact token: the quote's fields and an HMAC-SHA256 of them under the server's secret.

    The layout is written once, in ``quote_signer``; this signs a single quote with it.
    """
    sign = quote_signer(
        offer_id=quote.offer_id,
        retailer_id=quote.retailer_id,
        rule_version=quote.rule_version,
        expires_at=quote.expires_at,
    )
    return sign(
        window_fields=quote_window_fields(
            date=quote.date, start=quote.start, end=quote.end, cutoff=quote.cutoff
        ),
        amount=quote.amount,
        currency=quote.currency,
        co2e_grams=quote.co2e_grams,
    )


class QuoteSigner(Protocol):
    def __call__(self, *, window_fields: str, amount: Decimal, currency: str, co2e_grams: int) -> str: ...


def quote_signer(
    *, offer_id: str, retailer_id: int, rule_version: int, expires_at: dt.datetime
) -> QuoteSigner:
    """The signer of one offer's quotes (one per available window, 160+ at a time), and the one
    place the token layout is written: ``VERSION|offer|retailer|date|start|end|cutoff|amount|
    currency|grams|rule version|expiry`` (instants as Unix seconds), base64url, ``.``, its HMAC.

    The fields every quote of the offer shares are encoded once and the key is taken once; the
    returned ``sign(window_fields=quote_window_fields(...), amount=..., currency=..., co2e_grams=...)``
    gives the token. ``quote_verify`` reads the same layout back.
    """
    head = f"{VERSION}|{offer_id}|{retailer_id}|"
    tail = f"|{rule_version}|{_stamp(expires_at)}"
    # Keyed once: each quote copies the keyed state instead of setting the key up again.
    keyed = hmac.new(_key(settings.SECRET_KEY), digestmod=hashlib.sha256)

    def sign(*, window_fields: str, amount: Decimal, currency: str, co2e_grams: int) -> str:
        body = f"{head}{window_fields}|{amount!s}|{currency}|{co2e_grams!s}{tail}".encode()
        mac = keyed.copy()
        mac.update(body)
        return f"{_b64(body)}.{_b64(mac.digest())}"

    return sign


def quote_verify(*, token: object, retailer_id: int, now: dt.datetime) -> Quote:
    """The quote inside ``token`` if it is intact, this retailer's and unexpired; else a clear error.

    Tokens signed under a key in ``SECRET_KEY_FALLBACKS`` stay valid while keys are rotated.
    """
    if not isinstance(token, str) or not token or len(token) > 4000:
        raise InvalidInput("invalid_quote", "The quote is missing or malformed.")
    forged = InvalidInput("invalid_quote", "The quote was not issued by this server or has been altered.")
    try:
        body_text, _, mac_text = token.partition(".")
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (ValueError, binascii.Error) as exc:
        raise forged from exc
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(hmac.compare_digest(mac, _mac(secret, body)) for secret in secrets):
        raise forged
    try:
        fields = body.decode().split("|")
        if len(fields) != 12 or fields[0] != VERSION:
            raise ValueError("unknown quote layout")
        quote = Quote(
            offer_id=fields[1],
            retailer_id=int(fields[2]),
            date=dt.date.fromisoformat(fields[3]),
            start=_moment(fields[4]),
            end=_moment(fields[5]),
            cutoff=_moment(fields[6]),
            amount=Decimal(fields[7]),
            currency=fields[8],
            co2e_grams=int(fields[9]),
            rule_version=int(fields[10]),
            expires_at=_moment(fields[11]),
        )
    except (UnicodeDecodeError, ValueError, ArithmeticError) as exc:
        raise forged from exc
    if quote.retailer_id != retailer_id:
        # Same words as a forged quote: a foreign quote must not reveal that it exists elsewhere.
        raise InvalidInput("invalid_quote", "The quote was not issued by this server or has been altered.")
    if now >= quote.expires_at:
        raise Conflict("quote_expired", "The quote has expired; ask for a new offer.", status=410)
    return quote
