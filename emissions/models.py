from django.db import models


class EnergyType(models.TextChoices):
    DIESEL = "diesel", "Diesel"
    PETROL = "petrol", "Petrol"
    BATTERY_ELECTRIC = "bev", "Battery electric"
    HUMAN_ELECTRIC = "e_cargo_bike", "Electric cargo bike"


class EmissionFactor(models.Model):
    """Well-to-wheel grams CO2e per vehicle-km for one kind of vehicle, with its source.

    Factors are data, not code: a deployment overrides them in the admin, and every figure
    shown to a shopper can be traced to a source and edition.
    """

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    energy_type = models.CharField(max_length=20, choices=EnergyType.choices)
    grams_per_km = models.DecimalField(
        max_digits=8, decimal_places=2, help_text="Well-to-wheel g CO2e per vehicle-km."
    )
    source = models.CharField(max_length=300)
    edition = models.CharField(max_length=60)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.grams_per_km} g/km, {self.edition})"
