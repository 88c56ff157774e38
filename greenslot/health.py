"""Liveness for load balancers and the demo: the process answers and the database does too.

The project's, not an app's: it asks nothing of the domain, only of the process and the database.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"}`` after a ``SELECT 1``; a database error propagates as a 500."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})
