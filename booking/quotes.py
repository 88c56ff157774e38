"""Server-signed quotes: the only way a window and its price travel through a client.

A quote names the offer, the retailer, the window and the price; the signature makes any
change detectable, and the expiry bounds how long a price is honoured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core import signing

from greenslot.errors import Conflict, InvalidInput

SALT = "greenslot.quote.v1"


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


def quote_sign(quote: Quote) -> str:
    payload = {
        "o": quote.offer_id,
        "r": quote.retailer_id,
        "d": quote.date.isoformat(),
        "s": quote.start.isoformat(),
        "e": quote.end.isoformat(),
        "c": quote.cutoff.isoformat(),
        "a": str(quote.amount),
        "u": quote.currency,
        "g": quote.co2e_grams,
        "v": quote.rule_version,
        "x": quote.expires_at.isoformat(),
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def quote_verify(*, token: object, retailer_id: int, now: dt.datetime) -> Quote:
    """The quote inside ``token`` if it is intact, this retailer's and unexpired; else a clear error."""
    if not isinstance(token, str) or not token or len(token) > 4000:
        raise InvalidInput("invalid_quote", "The quote is missing or malformed.")
    try:
        payload = signing.loads(token, salt=SALT)
        quote = Quote(
            offer_id=str(payload["o"]),
            retailer_id=int(payload["r"]),
            date=dt.date.fromisoformat(payload["d"]),
            start=dt.datetime.fromisoformat(payload["s"]),
            end=dt.datetime.fromisoformat(payload["e"]),
            cutoff=dt.datetime.fromisoformat(payload["c"]),
            amount=Decimal(payload["a"]),
            currency=str(payload["u"]),
            co2e_grams=int(payload["g"]),
            rule_version=int(payload["v"]),
            expires_at=dt.datetime.fromisoformat(payload["x"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise InvalidInput("invalid_quote", "The quote was not issued by this server or has been altered.") from exc
    if quote.retailer_id != retailer_id:
        # Same words as a forged quote: a foreign quote must not reveal that it exists elsewhere.
        raise InvalidInput("invalid_quote", "The quote was not issued by this server or has been altered.")
    if now >= quote.expires_at:
        raise Conflict("quote_expired", "The quote has expired; ask for a new offer.", status=410)
    return quote
