"""Who may open the widget's frame, and the token its forms carry instead of a CSRF cookie.

The frame is opened with ``?key=pk_...&origin=<the host page's origin>``. It is served only for an
active publishable key whose retailer lists that origin in ``allowed_origins`` (the same exact-match
rule as the API's ``Origin`` check), and the response tells the browser, with CSP
``frame-ancestors``, to show it only inside a page of that origin: a page that lies about its
origin gets a frame the browser refuses to render.

Cookies: in production the frame is cross-site (the retailer's page on one site, Greenslot on
another), and browsers do not send SameSite=Lax cookies (Django's session and CSRF cookies) to a
cross-site iframe, nor store them from its responses. So the frame keeps no session and does not
use Django's CSRF cookie; its POSTs carry a signed, expiring *frame token* instead (see
``frame_token_issue``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from types import SimpleNamespace

from django.core import signing
from django.http import HttpRequest

from tenants.keys import api_key_find, key_kind
from tenants.models import ApiKey, ApiKeyKind, Retailer
from tenants.origins import origin_allowed

from ..api.authentication import ApiCaller
from ..api.throttling import KeyRateThrottle, PublishableIpRateThrottle

logger = logging.getLogger(__name__)

TOKEN_SALT = "greenslot.widget.frame"
# Longer than a quote lives (GREENSLOT_OFFER_MINUTES) plus a hold (GREENSLOT_HOLD_MINUTES), so a
# shopper who lingers is refused by the quote's own expiry, with its own message, first.
TOKEN_MAX_AGE = dt.timedelta(hours=1)

# An origin as browsers serialise it (``location.origin``, the ``Origin`` header): scheme, lower-case
# host or bracketed IPv6 literal, optional port; no path, no user, no trailing slash.
ORIGIN_SHAPE = re.compile(r"https?://(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?")

REFUSALS = {
    "missing_key": 'This widget has no key: add data-key="pk_live_…" (your publishable key) to its script tag.',
    "secret_key": (
        "This is a secret key. It must never appear in a web page: revoke it now "
        "(python manage.py rotate_keys SLUG --revoke-old) and give the widget your publishable key."
    ),
    "unknown_key": "This widget key is not valid. Use the publishable key (pk_live_…) you were given.",
    "revoked": "This widget key has been revoked. Use your current publishable key.",
    "origin_not_allowed": (
        "This page's origin is not allowed to show this retailer's delivery widget. "
        "Ask the Greenslot operator to add it to the retailer's allowed origins."
    ),
}


@dataclass(frozen=True)
class FrameAccess:
    """A frame request that passed: the publishable key and the host origin it is served to."""

    key: ApiKey
    origin: str

    @property
    def retailer(self) -> Retailer:
        return self.key.retailer

    @property
    def actor(self) -> str:
        """How booking events name the widget: the key's recognisable prefix, never the key."""
        return f"widget:{self.key.prefix}"


class FrameRefused(Exception):
    """The frame cannot be served: ``code`` is one of ``REFUSALS``."""

    def __init__(self, code: str):
        super().__init__(REFUSALS[code])
        self.code = code
        self.message = REFUSALS[code]


def origin_shaped(value: object) -> str | None:
    """``value`` if it is written exactly as a browser writes an origin, else None."""
    if isinstance(value, str) and ORIGIN_SHAPE.fullmatch(value):
        return value
    return None


def frame_access(*, key: object, origin: object) -> FrameAccess:
    """Check the frame's ``key`` and ``origin`` query parameters; raise ``FrameRefused`` if not served."""
    if not key:
        raise FrameRefused("missing_key")
    if isinstance(key, str) and key_kind(key) == ApiKeyKind.SECRET:
        # Whether or not it is a live key, it is in a public page now; say so loudly.
        logger.warning("Widget opened with a secret key (%s…) from %r", key[:12], origin)
        raise FrameRefused("secret_key")
    found = api_key_find(plaintext=key)
    if found is None or found.kind != ApiKeyKind.PUBLISHABLE:
        raise FrameRefused("unknown_key")
    if not found.is_active:
        raise FrameRefused("revoked")
    if not origin_allowed(retailer=found.retailer, origin=origin):
        raise FrameRefused("origin_not_allowed")
    return FrameAccess(key=found, origin=origin)


def frame_token_issue(*, access: FrameAccess) -> str:
    """A token for the frame's forms: an HMAC (Django's ``SECRET_KEY``) over (key id, origin) and the time.

    Why this is as strong as Django's CSRF protection here: CSRF protection exists so that another
    site cannot make a visitor's browser act with the visitor's cookies. The frame has no cookies:
    nothing in its requests identifies a person, and its only authority is the publishable key,
    which is public by design and limited to offers and holds (throttled, capped per address).
    What is left to guarantee is what the CSRF token guarantees: a POST is accepted only from a
    document this server rendered for this (key, origin). The token cannot be forged without
    ``SECRET_KEY``, expires, and is readable only by the frame's own document: the same-origin
    policy keeps other sites from reading the frame's HTML, and ``frame-ancestors`` keeps other
    origins from embedding it. A script outside a browser can fetch a token, exactly as it can
    fetch a CSRF token and its cookie, and gains nothing it could not do with the public key
    through the API.
    """
    return signing.dumps([access.key.pk, access.origin], salt=TOKEN_SALT)


def frame_token_valid(*, access: FrameAccess, token: object, max_age: dt.timedelta = TOKEN_MAX_AGE) -> bool:
    """Whether ``token`` was issued for this key and origin within ``max_age``."""
    if not isinstance(token, str) or not token:
        return False
    try:
        value = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except signing.BadSignature:  # also SignatureExpired
        return False
    return value == [access.key.pk, access.origin]


class CallerRequest:
    """``request`` as the API's throttles see an API request: ``user`` is the key's ``ApiCaller``."""

    def __init__(self, request: HttpRequest, caller: ApiCaller):
        self._request = request
        self.user = caller

    def __getattr__(self, name: str):
        return getattr(self._request, name)


def frame_throttle_wait(*, request: HttpRequest, access: FrameAccess, scope: str) -> float | None:
    """Seconds to wait if this key or client IP has used up ``scope`` ("offers", "holds"), else None.

    The API's own throttles and counters: a publishable key has one budget, whether the widget's
    frame or a script calling the API spends it.
    """
    as_api_request = CallerRequest(request, ApiCaller(retailer=access.retailer, key=access.key))
    view = SimpleNamespace(throttle_scope=scope)
    for throttle in (KeyRateThrottle(), PublishableIpRateThrottle()):
        if not throttle.allow_request(as_api_request, view):
            return throttle.wait() or 1.0
    return None
