"""``Authorization: Bearer <key>``: who is calling, for which retailer, and what they may do.

A secret key (``sk_``) may do everything for its retailer. A publishable key (``pk_``) lives in
shoppers' browsers, so it may only ask for offers and make or release holds, and only from one of
the retailer's ``allowed_origins`` (the browser sets ``Origin``; a request without one is refused).
"""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from greenslot.errors import GreenslotError
from tenants.keys import api_key_find
from tenants.models import ApiKey, ApiKeyKind, Retailer
from tenants.origins import origin_allowed

SCHEME = "Bearer"


@dataclass(frozen=True)
class ApiCaller:
    """``request.user`` of an API request: the retailer a valid key belongs to."""

    retailer: Retailer
    key: ApiKey

    is_authenticated = True
    is_anonymous = False

    @property
    def is_publishable(self) -> bool:
        return self.key.kind == ApiKeyKind.PUBLISHABLE

    @property
    def actor(self) -> str:
        """How booking events name this caller: the key's recognisable prefix, never the key."""
        return f"api:{self.key.prefix}"


class ApiKeyRefused(AuthenticationFailed):
    """A key was sent but is not one we accept; ``reason`` says why (malformed, unknown_key, revoked)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message, code=reason)
        self.reason = reason


MESSAGES = {
    "malformed": "Send the key as 'Authorization: Bearer <key>'.",
    "unknown_key": "This API key is not valid.",
    "revoked": "This API key has been revoked; use a current key.",
}


class ApiKeyAuthentication(BaseAuthentication):
    """No ``Authorization`` header: anonymous (refused 401 by the permissions). A header that does
    not name a live key: 401 at once."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != SCHEME.lower().encode() or len(header) != 2:
            raise ApiKeyRefused("malformed", MESSAGES["malformed"])
        try:
            plaintext = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise ApiKeyRefused("malformed", MESSAGES["malformed"]) from exc
        key = api_key_find(plaintext=plaintext)
        if key is None:
            raise ApiKeyRefused("unknown_key", MESSAGES["unknown_key"])
        if not key.is_active:
            raise ApiKeyRefused("revoked", MESSAGES["revoked"])
        return ApiCaller(retailer=key.retailer, key=key), key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a missing or bad key, with this challenge.
        return f'{SCHEME} realm="greenslot"'


def caller(request) -> ApiCaller | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, ApiCaller) else None


class SecretKeyRequired(BasePermission):
    """Secret keys only; a publishable key is refused 403 ``forbidden_for_publishable_key``."""

    def has_permission(self, request, view) -> bool:
        who = caller(request)
        if who is None:
            return False  # DRF turns this into 401 unauthenticated
        if who.is_publishable:
            raise GreenslotError(
                "forbidden_for_publishable_key",
                "A publishable key may only request offers and make or release holds; "
                "call this endpoint from your backend with a secret key.",
                status=403,
            )
        return True


class PublishableKeyAllowed(BasePermission):
    """Secret keys, and publishable keys sent from one of the retailer's allowed origins."""

    def has_permission(self, request, view) -> bool:
        who = caller(request)
        if who is None:
            return False
        if who.is_publishable:
            origin = request.headers.get("Origin")
            if not origin_allowed(retailer=who.retailer, origin=origin):
                raise GreenslotError(
                    "origin_not_allowed",
                    "This publishable key may only be used from the retailer's allowed origins.",
                    status=403,
                    details={"origin": origin},
                )
        return True


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "sk_live_… (secret) or pk_live_… (publishable)",
            "description": "A secret key from your backend, or a publishable key from an allowed Origin "
            "(offers and holds only).",
        }
