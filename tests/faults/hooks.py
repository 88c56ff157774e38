"""Test-only fault injection, loaded only by ``tests/faults/fault_settings.py`` (never by production
settings): a request carrying ``X-Fault-Pause-After: <SQL prefix>`` pauses, inside its transaction,
right after the first statement that starts with that prefix, so a test can kill the worker there.

The worker writes its pid to the file named by ``X-Fault-Marker`` when it pauses, and pauses
``X-Fault-Pause-Seconds`` (default 60: long enough to be killed) before going on.
"""

from __future__ import annotations

import os
import time

from django.db import connection

PAUSE_SECONDS = 60


class PauseInTransactionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        prefix = request.headers.get("X-Fault-Pause-After")
        marker = request.headers.get("X-Fault-Marker")
        seconds = float(request.headers.get("X-Fault-Pause-Seconds") or PAUSE_SECONDS)
        if not prefix or not marker:
            return self.get_response(request)

        def pause_after(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if sql.startswith(prefix):
                with open(marker, "w") as out:
                    out.write(str(os.getpid()))
                time.sleep(seconds)  # the test kills this process, or stops the database, meanwhile
            return result

        with connection.execute_wrapper(pause_after):
            return self.get_response(request)
