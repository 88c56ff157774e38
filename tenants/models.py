"""Retailers (the tenants) and their API keys.

Every booking, offer, rule set and key belongs to one retailer. The tables keep the names the
booking app gave them, so moving the models here changed no database.
"""

from django.db import models

from greenslot.text import no_bidi_controls


class Retailer(models.Model):
    """A tenant: its keys, bookings, settings and rules are its own."""

    name = models.CharField(max_length=120, validators=[no_bidi_controls])
    slug = models.SlugField(max_length=64, unique=True)
    currency = models.CharField(max_length=3, default="EUR")
    allowed_origins = models.JSONField(
        default=list, blank=True, help_text="Origins allowed to embed the widget."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "booking_retailer"  # made by the booking app, which kept retailers until 2026-12
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKeyKind(models.TextChoices):
    SECRET = "secret", "Secret (server to server)"
    PUBLISHABLE = "publishable", "Publishable (widget)"


class ApiKey(models.Model):
    """A retailer's API key. Only its SHA-256 is stored; the key itself is shown once.

    Keys carry 190 bits of randomness, so an unsalted SHA-256 is enough to make a leaked table
    useless while keeping the lookup a single indexed equality.
    """

    retailer = models.ForeignKey(Retailer, on_delete=models.CASCADE, related_name="api_keys")
    kind = models.CharField(max_length=12, choices=ApiKeyKind.choices)
    prefix = models.CharField(max_length=16, help_text="The key's first characters, to recognise it.")
    hashed = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=120, blank=True, validators=[no_bidi_controls])
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "booking_apikey"
        ordering = ["retailer", "-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.get_kind_display()}, {self.retailer})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
