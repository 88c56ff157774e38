"""When the database is away, say so cleanly: 503 with a Retry-After, never a 500 or a hung request.

A PostgreSQL restart or failover drops every open connection; requests in flight then fail with
``OperationalError`` or ``InterfaceError``. Their open transactions are rolled back by the database,
so nothing half-written remains; the client is told to retry (``503``, ``Retry-After``) in the API's
one error shape. The broken connection is discarded at the end of the request and, with
``CONN_HEALTH_CHECKS``, a persistent connection is checked before it is reused, so the service
recovers by itself once the database is back: no restart of the app servers.

Registered below ``booking.api.middleware.ApiBoundaryMiddleware`` (the settings' production block),
so its ``process_exception`` runs first and the API's generic 500 never sees these errors.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("greenslot.database")

RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = {
    "code": "database_unavailable",
    "message": "The booking database is unavailable for a moment; retry shortly "
    "(a confirm is safe to retry with the same Idempotency-Key).",
}


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        # Logged with its traceback: a deadlock or lock timeout is an OperationalError too, and
        # must stay visible even though the client only sees "retry".
        logger.error("Database unavailable: %s %s", request.method, request.path, exc_info=exception)
        body = {**DATABASE_UNAVAILABLE, "details": {"retry_after_seconds": RETRY_AFTER_SECONDS}}
        response = JsonResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
