"""HTTP edges of /api/: bodies without a Content-Length, and requests the server cannot parse, are
read or refused in the one JSON error shape, through the WSGI layer and behind gunicorn."""

from __future__ import annotations

import io
import json
import socket
from urllib.parse import urlsplit

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from booking.models import Offer
from greenslot.gunicorn_errors import json_error_response
from tests.api.support import ApiWorld, offer_body
from tests.faults.support import fault_world, gunicorn_start, gunicorn_stop, require_postgres

pytestmark = pytest.mark.django_db


def wsgi_post(path: str, body: bytes, *, key: str, headers: dict[str, str]) -> tuple[int, dict, dict]:
    """POST through Django's WSGI application with the environ a server builds (no test client)."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "HTTP_AUTHORIZATION": f"Bearer {key}",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **headers,
    }
    started: dict = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = dict(response_headers)

    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(WSGIHandler()(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started["status"], started["headers"], json.loads(content)


def body_bytes() -> bytes:
    return json.dumps(offer_body()).encode()


def test_a_chunked_body_is_read_when_the_server_marks_its_end(api_world: ApiWorld):
    # gunicorn de-chunks the body, gives no Content-Length and sets wsgi.input_terminated.
    status, _, body = wsgi_post(
        "/api/v1/offers",
        body_bytes(),
        key=api_world.keys["own_sk"],
        headers={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True},
    )
    assert status == 201, body
    assert Offer.objects.filter(id=body["offer_id"]).exists()


def test_a_chunked_body_the_server_cannot_delimit_is_411_in_the_error_shape(api_world: ApiWorld):
    status, headers, body = wsgi_post(
        "/api/v1/offers",
        body_bytes(),
        key=api_world.keys["own_sk"],
        headers={"HTTP_TRANSFER_ENCODING": "chunked"},
    )
    assert status == 411 and headers["Content-Type"] == "application/json"
    assert body["code"] == "length_required" and set(body) == {"code", "message", "details"}
    assert Offer.objects.count() == 0


def test_a_chunked_body_over_the_limit_is_413(api_world: ApiWorld, settings):
    settings.API_MAX_BODY_BYTES = 100
    status, _, body = wsgi_post(
        "/api/v1/offers",
        b" " * 101 + body_bytes(),
        key=api_world.keys["own_sk"],
        headers={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True},
    )
    assert (status, body["code"], body["details"]["limit_bytes"]) == (413, "payload_too_large", 100)


def test_a_non_numeric_content_length_is_400_in_the_error_shape(api_world: ApiWorld):
    status, headers, body = wsgi_post(
        "/api/v1/offers", body_bytes(), key=api_world.keys["own_sk"], headers={"CONTENT_LENGTH": "abc"}
    )
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert body["code"] == "bad_request"


def test_gunicorns_own_refusal_is_the_json_error_shape():
    raw = json_error_response(400, "Bad Request", "Invalid header value 'abc' for CONTENT-LENGTH")
    head, _, content = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request") and b"Content-Type: application/json" in head
    assert f"Content-Length: {len(content)}".encode() in head
    body = json.loads(content)
    assert body["code"] == "bad_request" and set(body) == {"code", "message", "details"}


def raw_request(base_url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    head, _, content = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, content


@pytest.mark.real_clock
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_behind_gunicorn_a_chunked_body_is_read_and_a_broken_length_is_json():
    require_postgres()
    fw = fault_world()
    server = gunicorn_start(workers=1, settings_module="greenslot.settings")
    try:
        payload = json.dumps(
            {"address": {"lat": 52.11, "lon": 5.11}, "parcel": {"size_units": 1, "service_minutes": 3}}
        )
        chunked = f"{len(payload):x}\r\n{payload}\r\n0\r\n\r\n".encode()
        status, _, content = raw_request(
            server.base_url,
            b"POST /api/v1/offers HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            + f"Authorization: Bearer {fw.key}\r\n\r\n".encode()
            + chunked,
        )
        assert status == 201, content[:500]
        status, headers, content = raw_request(
            server.base_url,
            b"POST /api/v1/offers HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}",
        )
        assert status == 400 and headers["Content-Type"] == "application/json", (
            headers,
            content,
            server.log(),
        )
        assert json.loads(content)["code"] == "bad_request"
    finally:
        gunicorn_stop(server)
