"""The edge of /api/: refuse oversized bodies before anything reads them, and answer every error
Django itself produces there (unknown path, crash) in the API's JSON error shape."""

from __future__ import annotations

import io
import json
import logging

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import error_body

logger = logging.getLogger("django.request")

API_PREFIX = "/api/"
DEFAULT_MAX_BODY_BYTES = 64 * 1024

# Codes for error answers Django produces without the API's help (e.g. the URL resolver's 404).
STATUS_CODES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("forbidden", "Forbidden."),
    404: ("not_found", "No such resource."),
    405: ("method_not_allowed", "This method is not allowed here."),
    411: ("length_required", "Send the body with a Content-Length header."),
    413: ("payload_too_large", "The request body is too large."),
    414: ("uri_too_long", "The request line is too long."),
    431: ("headers_too_large", "The request's headers are too large."),
    501: ("not_implemented", "The server does not support this request."),
    500: ("server_error", "Something went wrong on our side; it has been logged."),
}


def max_body_bytes() -> int:
    limit = getattr(settings, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
    if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None:
        limit = min(limit, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return limit


class ApiBoundaryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def applies(request: HttpRequest) -> bool:
        return request.path_info.startswith(API_PREFIX)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.applies(request):
            return self.get_response(request)
        refusal = self.refuse_body(request)
        if refusal is not None:
            return refusal
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            code, message = STATUS_CODES.get(response.status_code, ("error", "The request failed."))
            shaped = JsonResponse(error_body(code, message), status=response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    shaped[header] = response[header]
            return shaped
        return response

    def refuse_body(self, request: HttpRequest) -> HttpResponse | None:
        if (
            "CONTENT_LENGTH" not in request.META
            and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        ):
            return self.read_chunked_body(request)
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            return JsonResponse(
                error_body(
                    "bad_request", "The Content-Length header is not a number.", {"content_length": raw}
                ),
                status=400,
            )
        limit = max_body_bytes()
        if length > limit:
            return JsonResponse(
                error_body(
                    "payload_too_large",
                    f"The request body is {length} bytes; the API accepts at most {limit}.",
                    {"limit_bytes": limit, "content_length": length},
                ),
                status=413,
            )
        return None

    def read_chunked_body(self, request: HttpRequest) -> HttpResponse | None:
        """A chunked body has no Content-Length, and Django reads a body of unknown length as empty
        (so a valid request would be refused for missing fields). Read it here, up to the limit,
        when the server has de-chunked it and marks its end (``wsgi.input_terminated``, as
        gunicorn does); without that mark its end cannot be known: 411."""
        limit = max_body_bytes()
        if not request.META.get("wsgi.input_terminated"):
            return JsonResponse(
                error_body(
                    "length_required",
                    "Send the body with a Content-Length header (this server cannot read chunked bodies).",
                ),
                status=411,
            )
        body = request.META["wsgi.input"].read(limit + 1)
        if len(body) > limit:
            return JsonResponse(
                error_body(
                    "payload_too_large",
                    f"The request body is more than {limit} bytes; the API accepts at most {limit}.",
                    {"limit_bytes": limit},
                ),
                status=413,
            )
        request.META["CONTENT_LENGTH"] = str(len(body))
        request._stream = LimitedStream(io.BytesIO(body), len(body))
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A crash under /api/: log it as Django would, tell listeners (the test client re-raises),
        and answer 500 in the error shape rather than an HTML page."""
        if not self.applies(request):
            return None
        logger.error(
            "Internal Server Error: %s", request.path, exc_info=exception, extra={"request": request}
        )
        got_request_exception.send(sender=self.__class__, request=request)
        code, message = STATUS_CODES[500]
        return HttpResponse(
            json.dumps(error_body(code, message)), status=500, content_type="application/json"
        )
