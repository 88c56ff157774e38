"""gunicorn's own refusals in the API's JSON error shape.

gunicorn answers a request it cannot parse (a non-numeric Content-Length, a broken chunk, an
over-long request line) itself, before Django sees it, with a small HTML page. ``install`` swaps
its writer for one that gives ``{"code", "message", "details"}`` with the same status, so a client
of the API meets one error shape whatever refused it. ``gunicorn.conf.py`` (read by gunicorn from
the working directory) installs it in the master, before it forks its workers.
"""

from __future__ import annotations

import json

from gunicorn import util

# The codes of gunicorn's refusals, by status (the API's STATUS_CODES for the same statuses).
CODES = {
    400: "bad_request",
    403: "forbidden",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "server_error",
    501: "not_implemented",
}


def json_error_response(status_int: int, reason: str, mesg: str) -> bytes:
    """The whole HTTP response gunicorn sends for a refusal, as bytes (latin-1 head, UTF-8 JSON)."""
    body = json.dumps(
        {
            "code": CODES.get(status_int, "bad_request" if status_int < 500 else "server_error"),
            "message": f"The request could not be read: {reason}.",
            "details": {"error": mesg} if mesg else {},
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


def json_write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    util.write_nonblock(sock, json_error_response(status_int, reason, mesg))


def install() -> None:
    util.write_error = json_write_error
