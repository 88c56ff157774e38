"""The OpenAPI schema at /api/schema/ and the Swagger UI at /api/docs/ (served without a CDN)."""

from __future__ import annotations

import io

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

# DESIGN.md §6, path by path.
DESIGN_OPERATIONS = {
    ("/api/v1/offers", "post"),
    ("/api/v1/holds", "post"),
    ("/api/v1/holds/{hold_id}", "delete"),
    ("/api/v1/holds/{hold_id}/confirm", "post"),
    ("/api/v1/bookings/{booking_id}", "get"),
    ("/api/v1/bookings/{booking_id}/cancel", "post"),
    ("/api/v1/bookings/{booking_id}/reschedule", "post"),
    ("/api/v1/plans/{depot_code}/{date}", "get"),
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_the_schema_generates_without_a_single_warning():
    # --fail-on-warn: every view, serializer and parameter is typed for the generator.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())


def test_it_describes_every_operation_of_the_design_and_nothing_else(schema):
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert operations == DESIGN_OPERATIONS


def test_every_operation_needs_a_bearer_key_and_documents_its_errors(schema):
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    error_ref = "#/components/schemas/Error"
    for path, method in DESIGN_OPERATIONS:
        operation = schema["paths"][path][method]
        assert operation["security"] == [{"apiKey": []}], (path, method)
        for status in ("401", "429"):
            content = operation["responses"][status]["content"]["application/json"]["schema"]
            assert content == {"$ref": error_ref}, (path, method, status)
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"code", "message", "details"}


def test_confirm_documents_the_required_idempotency_key(schema):
    parameters = schema["paths"]["/api/v1/holds/{hold_id}/confirm"]["post"]["parameters"]
    header = next(p for p in parameters if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and header["required"] is True
    assert set(schema["paths"]["/api/v1/holds/{hold_id}/confirm"]["post"]["responses"]) >= {
        "200",
        "201",
        "400",
        "409",
    }


def test_unavailable_windows_are_documented_as_nullable(schema):
    window = schema["components"]["schemas"]["OfferWindow"]["properties"]
    for name in ("price", "co2e_grams", "quote", "reason"):
        assert window[name].get("nullable") or any(
            option.get("nullable") for option in window[name].get("allOf", []) + window[name].get("oneOf", [])
        ), name


def test_the_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    served = yaml.safe_load(response.content)
    assert served["info"]["title"] == "Greenslot API"
    assert "/api/v1/offers" in served["paths"]


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs"):
        assert cdn not in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{asset}"), asset


def resolved(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def objects_in(schema: dict, node: dict, seen: set | None = None):
    """Every object schema reachable from ``node`` (through $ref, allOf and properties)."""
    seen = set() if seen is None else seen
    node = resolved(schema, node)
    if id(node) in seen:
        return
    seen.add(id(node))
    if node.get("type") == "object" or "properties" in node:
        yield node
    for child in [*node.get("properties", {}).values(), *node.get("allOf", []), *node.get("oneOf", [])]:
        yield from objects_in(schema, child, seen)


def test_every_request_body_says_unknown_fields_are_refused(schema):
    # The server refuses unknown fields at every level (StrictSerializer); the schema says so.
    bodies = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            for node in objects_in(schema, body["schema"]):
                bodies += 1
                assert node.get("additionalProperties") is False, (path, method, node)
    assert bodies >= 6


def test_the_schema_allows_only_idempotency_keys_the_server_takes(schema, api, api_world):
    parameters = schema["paths"]["/api/v1/holds/{hold_id}/confirm"]["post"]["parameters"]
    header = next(p for p in parameters if p["name"] == "Idempotency-Key")["schema"]
    assert (header["minLength"], header["maxLength"]) == (1, 120)
    hold = api_world.hold(api_world.retailer)
    for refused in ("", " ", "k" * 121):
        response = api.post(
            f"/api/v1/holds/{hold.id}/confirm",
            {},
            key=api_world.keys["own_sk"],
            headers={"Idempotency-Key": refused},
        )
        assert response.status_code == 400
        assert not (
            len(refused) >= header["minLength"] and len(refused) <= header["maxLength"] and refused.strip()
        )
    response = api.post(
        f"/api/v1/holds/{hold.id}/confirm",
        {},
        key=api_world.keys["own_sk"],
        headers={"Idempotency-Key": "k" * 120},
    )
    assert response.status_code == 201
