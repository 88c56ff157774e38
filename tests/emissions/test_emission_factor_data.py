"""The default emission factors ship as data, each with its source, edition and what was verified."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from emissions.models import EmissionFactor, EnergyType
from emissions.selectors import emission_factor_list

pytestmark = pytest.mark.django_db

factors_migration = importlib.import_module("emissions.migrations.0002_default_emission_factors")


@pytest.mark.parametrize(
    ("code", "energy_type", "grams_per_km"),
    [
        ("diesel-van", EnergyType.DIESEL, Decimal("316.89")),
        ("bev-van", EnergyType.BATTERY_ELECTRIC, Decimal("87.36")),
        ("e-cargo-bike", EnergyType.HUMAN_ELECTRIC, Decimal("5.00")),
    ],
)
def test_it_ships_each_default_factor_with_its_source_and_edition(code, energy_type, grams_per_km):
    factor = EmissionFactor.objects.get(code=code)

    assert factor.energy_type == energy_type
    assert factor.grams_per_km == grams_per_km
    assert factor.source.strip()
    assert factor.edition.strip()
    assert "erified" in factor.notes  # every row says what was and was not verified


def test_it_cites_the_uk_2025_factors_for_the_vans():
    for code in ("diesel-van", "bev-van"):
        factor = EmissionFactor.objects.get(code=code)
        assert "Conversion Factors for Company Reporting 2025" in factor.source
        assert factor.edition == "2025"


def test_it_marks_the_cargo_bike_figure_as_an_unverified_placeholder():
    factor = EmissionFactor.objects.get(code="e-cargo-bike")

    assert "placeholder" in factor.edition
    assert "NOT VERIFIED" in factor.notes


def test_it_makes_the_van_factors_well_to_wheel_sums_of_their_parts():
    # Tank-to-wheel (or grid) plus well-to-tank (and T&D) parts quoted in the notes, in kg/km.
    assert (
        EmissionFactor.objects.get(code="diesel-van").grams_per_km
        == (Decimal("0.25561") + Decimal("0.06128")) * 1000
    )
    assert (
        EmissionFactor.objects.get(code="bev-van").grams_per_km
        == (Decimal("0.06315") + Decimal("0.00662") + Decimal("0.01759")) * 1000
    )


def test_it_leaves_a_deployments_override_alone_when_run_again():
    EmissionFactor.objects.filter(code="diesel-van").update(
        grams_per_km=Decimal("300.00"), source="our fleet data"
    )

    factors_migration.create_default_factors(apps, schema_editor=None)

    factor = EmissionFactor.objects.get(code="diesel-van")
    assert factor.grams_per_km == Decimal("300.00")
    assert factor.source == "our fleet data"
    assert EmissionFactor.objects.filter(code__in=["diesel-van", "bev-van", "e-cargo-bike"]).count() == 3


def test_it_lists_factors_by_code():
    EmissionFactor.objects.create(
        code="a-first",
        name="A",
        energy_type=EnergyType.PETROL,
        grams_per_km=Decimal("1"),
        source="s",
        edition="e",
    )

    codes = [factor.code for factor in emission_factor_list()]

    assert codes == sorted(codes)
    assert codes[0] == "a-first"
