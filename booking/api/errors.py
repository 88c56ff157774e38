"""One error shape for every refusal under /api/: ``{"code", "message", "details"}``.

Services raise ``GreenslotError`` (its own code and status); DRF's own exceptions are given stable
codes here; anything else is a bug and surfaces as a 500 in the same shape (see ``middleware``).
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from greenslot.errors import GreenslotError


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx and 5xx answer of the API."""

    code = serializers.CharField(help_text="Stable, machine-readable error code (see the errors table).")
    message = serializers.CharField(help_text="What went wrong, for a developer to read.")
    details = serializers.DictField(help_text="Structured context: field errors, reasons, limits.")


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or {}}


# DRF's exceptions, each with its stable code and the message the API gives.
DRF_ERRORS: tuple[tuple[type[exceptions.APIException], str, str], ...] = (
    (exceptions.ValidationError, "invalid_request", "The request is not valid; see details for each field."),
    (exceptions.ParseError, "malformed_json", "The request body is not valid JSON."),
    (
        exceptions.UnsupportedMediaType,
        "unsupported_media_type",
        "Send a JSON body with Content-Type: application/json.",
    ),
    (exceptions.NotAuthenticated, "unauthenticated", "Send your API key as 'Authorization: Bearer <key>'."),
    (exceptions.AuthenticationFailed, "unauthenticated", "This API key is not valid."),
    (exceptions.PermissionDenied, "forbidden", "This key may not do that."),
    (exceptions.NotFound, "not_found", "No such resource."),
    (exceptions.MethodNotAllowed, "method_not_allowed", "This method is not allowed here."),
    (exceptions.NotAcceptable, "not_acceptable", "The API answers in JSON only (Accept: application/json)."),
    (exceptions.Throttled, "throttled", "Too many requests; slow down and retry after the given seconds."),
)


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return detail
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every refusal in the one shape; None (a 500) for anything else."""
    if isinstance(exc, GreenslotError):
        set_rollback()
        # Some refusals say when to come back (the waiting room's Retry-After and ticket).
        return Response(exc.as_dict(), status=exc.status, headers=getattr(exc, "headers", None))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None

    code, message, details = exc.default_code, str(exc.detail), {}
    for exc_type, known_code, known_message in DRF_ERRORS:
        if isinstance(exc, exc_type):
            code, message = known_code, known_message
            break
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.ValidationError):
        details = _field_errors(exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        details = {"error": str(exc.detail)}
    elif isinstance(exc, exceptions.AuthenticationFailed):
        reason = getattr(exc, "reason", "invalid")
        message = str(exc.detail)
        details = {"reason": reason}
    elif isinstance(exc, exceptions.NotAuthenticated):
        details = {"reason": "missing"}
    elif isinstance(exc, exceptions.MethodNotAllowed):
        request = context.get("request")
        details = {"method": getattr(request, "method", "")}
    elif isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait) if exc.wait is not None else 60
        headers["Retry-After"] = str(wait)
        details = {"retry_after_seconds": wait}
    set_rollback()
    return Response(error_body(code, message, details), status=exc.status_code, headers=headers)
