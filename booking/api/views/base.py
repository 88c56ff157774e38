"""What every API view shares: key authentication, JSON in and out, throttles, schema helpers."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from ..authentication import ApiCaller, ApiKeyAuthentication, SecretKeyRequired
from ..errors import ErrorSerializer
from ..parsers import ApiJSONParser
from ..schema import StrictSerializerExtension  # noqa: F401 - registers the extension
from ..throttling import KeyRateThrottle, PublishableIpRateThrottle


class ApiView(APIView):
    """Secret keys only unless a view says otherwise (``PublishableKeyAllowed``)."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [SecretKeyRequired]
    parser_classes = [ApiJSONParser]
    renderer_classes = [JSONRenderer]
    throttle_classes = [KeyRateThrottle, PublishableIpRateThrottle]
    throttle_scope = "api"

    @property
    def caller(self) -> ApiCaller:
        return self.request.user


ERROR_DESCRIPTIONS = {
    400: "Invalid request: `invalid_request` (details per field), `malformed_json`, or a domain code.",
    401: "`unauthenticated`: no key, an unknown key or a revoked key.",
    403: "`forbidden_for_publishable_key` or `origin_not_allowed`.",
    404: "`not_found`: no such object for this retailer (another retailer's objects do not exist here).",
    409: "A conflict with the current state, e.g. `window_unavailable` (details.reason), `hold_expired`, "
    "`quote_used`, `idempotency_mismatch` or `order_already_confirmed`.",
    410: "`quote_expired`: ask for a new offer.",
    413: "`payload_too_large`: bodies are limited to 64 KiB.",
    415: "`unsupported_media_type`: send Content-Type: application/json.",
    422: "The request is well-formed but cannot be served, e.g. `outside_service_area`.",
    429: "`throttled` (see Retry-After), `hold_limit_reached` or `client_hold_limit_reached`.",
}


def error_responses(*statuses: int, descriptions: dict[int, str] | None = None) -> dict[int, OpenApiResponse]:
    """Schema entries for the error answers an operation can give, all in the one error shape
    (``descriptions`` replaces the common text of some statuses)."""
    common = (401, 429)
    described = ERROR_DESCRIPTIONS | (descriptions or {})
    return {
        status: OpenApiResponse(ErrorSerializer, description=described[status])
        for status in sorted(set(statuses) | set(common))
    }
