"""The demo checkout works on the port `make demo` serves on (PORT), not only on 8000 and 8001."""

from __future__ import annotations

import pytest

from lab.demo.city import RETAILER_SLUG, demo_retailer_ensure, retailer_origins
from tenants.models import Retailer
from tests.lab.demo.demo_week import NOW


def test_the_demo_port_is_allowed_on_both_loopback_names():
    origins = retailer_origins("9000")
    assert {"http://127.0.0.1:9000", "http://localhost:9000", "http://127.0.0.1:8000"} <= set(origins)


@pytest.mark.parametrize("port", ["", "not-a-port", "70000", "8000"])
def test_without_a_new_valid_port_the_defaults_stand(port):
    assert retailer_origins(port) == retailer_origins("")


@pytest.mark.django_db
def test_a_demo_loaded_before_on_another_port_gains_this_ports_origins(monkeypatch):
    monkeypatch.setenv("PORT", "8000")
    demo_retailer_ensure(now=NOW)
    monkeypatch.setenv("PORT", "9000")

    demo_retailer_ensure(now=NOW)

    allowed = Retailer.objects.get(slug=RETAILER_SLUG).allowed_origins
    assert "http://127.0.0.1:9000" in allowed and len(allowed) == len(set(allowed))
