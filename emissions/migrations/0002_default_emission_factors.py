"""Default emission factors, each with its source and edition.

Existing rows with the same code are left untouched, so a deployment's overrides survive.
"""

from decimal import Decimal

from django.db import migrations

UK_2025 = "UK Government GHG Conversion Factors for Company Reporting 2025 (DESNZ), flat format"
COPY_NOTE = (
    "Read from a copy of the 2025 flat-format file (column 'GHG Conversion Factor 2025') held in the "
    "public GitHub repository Ariaryy/ibm-hackathon-aphelion (ghg-conversion-factors-2025-flat-format.csv), "
    "not from gov.uk directly; the release version (1.0, 1.1, ...) was not verified."
)

DEFAULT_FACTORS = [
    {
        "code": "diesel-van",
        "name": "Diesel van (average, up to 3.5 t)",
        "energy_type": "diesel",
        "grams_per_km": Decimal("316.89"),
        "source": (
            f"{UK_2025}: Delivery vehicles > Vans > Average (up to 3.5 tonnes) > Diesel, km "
            "(ID 5_303_3102_4_1) + WTT- delivery vehs & freight > WTT- vans, same row (ID 28_906_3102_4_1)"
        ),
        "edition": "2025",
        "notes": (
            "Well-to-wheel = tank-to-wheel 0.25561 kg CO2e/km (Scope 1) + well-to-tank 0.06128 kg CO2e/km "
            "= 316.89 g/km. Verified: both figures. " + COPY_NOTE + " DESIGN.md quoted 'about 0.24 kg/km'; "
            "the 2025 file gives 0.256 tank-to-wheel and 0.317 well-to-wheel, so the file's figures are used."
        ),
    },
    {
        "code": "bev-van",
        "name": "Battery-electric van (average, up to 3.5 t, UK grid)",
        "energy_type": "bev",
        "grams_per_km": Decimal("87.36"),
        "source": (
            f"{UK_2025}: Vans > Average (up to 3.5 tonnes) > Battery Electric Vehicle, km, in UK electricity "
            "for EVs (8_303_3108_4_1), UK electricity T&D for EVs (14_303_3108_4_1), WTT- vans (28_906_3108_4_1)"
        ),
        "edition": "2025",
        "notes": (
            "Well-to-wheel = grid-to-wheel 0.06315 kg CO2e/km (Scope 2 generation) + 0.00662 kg CO2e/km "
            "(T&D losses) + well-to-tank 0.01759 kg CO2e/km (WTT of generation and T&D) = 87.36 g/km on the "
            "UK grid average. Verified: all three figures. " + COPY_NOTE + " DESIGN.md quoted 'about "
            "0.08 kg/km'; grid-to-wheel alone is 0.070 and well-to-wheel 0.087."
        ),
    },
    {
        "code": "e-cargo-bike",
        "name": "Electric cargo bike (UK grid)",
        "energy_type": "e_cargo_bike",
        "grams_per_km": Decimal("5.00"),
        "source": (
            "Greenslot placeholder: DESIGN.md 'a few grams per km'; no published per-km factor for electric "
            "cargo bikes was found. Grid intensity from " + UK_2025 + " (7_400_4000_5_1, 15_917_4000_5_1, "
            "15_918_4000_5_1)"
        ),
        "edition": "placeholder (grid 2025)",
        "notes": (
            "NOT VERIFIED as a factor: no published electric cargo bike g CO2e/km figure was found, so this "
            "is an order-of-magnitude placeholder kept from DESIGN.md. It equals an ASSUMED (unverified) "
            "consumption of about 20 Wh/km times about 0.245 kg CO2e/kWh well-to-wheel UK electricity. Of "
            "that intensity, generation 0.17700 kg/kWh and well-to-tank 0.04590 (generation) + 0.00397 (T&D) "
            "kg/kWh were read from the 2025 file; the T&D loss factor (about 0.0186 kg/kWh) was not read but "
            "inferred from the van rows. " + COPY_NOTE + " Replace with a measured consumption for your fleet."
        ),
    },
]


def create_default_factors(apps, schema_editor):
    EmissionFactor = apps.get_model("emissions", "EmissionFactor")
    for factor in DEFAULT_FACTORS:
        defaults = {key: value for key, value in factor.items() if key != "code"}
        EmissionFactor.objects.get_or_create(code=factor["code"], defaults=defaults)


class Migration(migrations.Migration):
    dependencies = [
        ("emissions", "0001_initial"),
    ]

    operations = [
        # Reversing keeps the rows: vehicle types protect the factors they reference.
        migrations.RunPython(create_default_factors, migrations.RunPython.noop),
    ]
