"""GET /method/ — how CO2e is counted: the page every environmental claim links to."""

from __future__ import annotations

from decimal import Decimal

from emissions.models import EmissionFactor, EnergyType

from .page import parse


def test_it_shows_the_method_and_the_factors_in_use_with_their_edition(client, db):
    EmissionFactor.objects.create(
        code="van-test",
        name="Electric van",
        energy_type=EnergyType.BATTERY_ELECTRIC,
        grams_per_km=Decimal("61.3"),
        source="UK government GHG conversion factors",
        edition="2026",
    )

    response = client.get("/method/")

    assert response.status_code == 200
    document = parse(response.content)
    assert document.find("h1").text == "How Greenslot estimates CO2e"
    main = document.find("main").text
    assert "Well-to-wheel factor." in main and "ISO 14083" in main
    factors = document.find("table", lambda e: "method__factors" in e.classes)
    rows = [row.text for row in factors.find("tbody").find_all("tr")]
    assert "Electric van 61.30 UK government GHG conversion factors 2026" in rows


def test_it_is_read_only(client, db):
    assert client.post("/method/").status_code == 405
