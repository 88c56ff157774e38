"""Schemathesis against /api/schema/, in-process (WSGI), with a secret key: generated requests, valid
and invalid, for every operation. No answer may be a 5xx, and every answer must match the schema
(status code, content type, body).

Bounded for CI: ``MAX_EXAMPLES`` fuzzed cases per operation, plus the explicit examples and
schemathesis's coverage cases (boundaries and type mutations) of each operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from greenslot.wsgi import application
from tenants.keys import api_key_create
from tenants.models import ApiKeyKind
from tests.api.support import ORIGIN, local_today
from tests.factories import make_world

MAX_EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Dedicated counters per run and rates out of the way: throttling is tested in tests/api.
UNTHROTTLED = {name: "100000/min" for name in ("offers", "offers_ip", "holds", "holds_ip", "api")}


@pytest.fixture(autouse=True)
def connection_kept_across_requests():
    """Schemathesis calls the WSGI app directly, whose request signals would close the test's
    database connection (and its transaction) after every call; Django's test client detaches
    the same handlers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def unthrottled(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": UNTHROTTLED}
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def secret_key(db) -> str:
    import datetime as dt

    day = local_today() + dt.timedelta(days=1)
    world = make_world(dates=[day, day + dt.timedelta(days=1)], vehicles=2, capacity=20)
    world.retailer.allowed_origins = [ORIGIN]
    world.retailer.save(update_fields=["allowed_origins"])
    _, key = api_key_create(retailer=world.retailer, kind=ApiKeyKind.SECRET, label="schemathesis")
    return key


# Loaded at collection: the schema view needs no database. (``schemathesis.pytest.from_fixture``
# reads a private pytest attribute that pytest 9 no longer has.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema_and_never_with_a_5xx(case, secret_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {secret_key}"}, checks=CHECKS)
