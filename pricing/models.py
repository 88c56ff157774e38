from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


def money_field(default: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal(default), validators=[MinValueValidator(0)], **kwargs
    )


class IncentiveRuleSet(models.Model):
    """The terms that turn a window's marginal route cost into a price and labels.

    Versioned per retailer: a published version is never edited; a change is a new draft that is
    published in its place. Every offer records the version that priced it.
    """

    retailer = models.ForeignKey("booking.Retailer", on_delete=models.CASCADE, related_name="rule_sets")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT)
    name = models.CharField(max_length=120, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    base_fee = money_field("3.00", help_text="Fee every window starts from.")
    cost_passthrough = models.DecimalField(
        max_digits=5,
        decimal_places=3,
        default=Decimal("1.000"),
        validators=[MinValueValidator(0)],
        help_text="Share of the marginal route cost added to the price (1 = all of it).",
    )
    width_discount_per_hour = money_field("0.50", help_text="Discount per hour of window beyond one hour.")
    width_discount_max = money_field("3.00", help_text="Largest width discount.")
    consolidation_max_km = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(0)],
        help_text="A window whose delivery adds at most this many km consolidates with nearby stops.",
    )
    consolidation_discount = money_field("1.00", help_text="Discount for a consolidating window.")
    green_max_grams = models.PositiveIntegerField(
        default=150, help_text="A window adding at most this many grams CO2e is labelled green…"
    )
    green_relative = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.25"),
        validators=[MinValueValidator(0)],
        help_text="…and so is one within this fraction above the lowest grams offered to the same shopper.",
    )
    floor = money_field("0.00", help_text="Lowest price.")
    cap = money_field("9.99", help_text="Highest price.")
    rounding_step = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.10"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Prices are rounded half-up to a multiple of this.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["retailer", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["retailer", "version"], name="rule_set_unique_version"),
            models.UniqueConstraint(
                fields=["retailer"],
                condition=models.Q(status="published"),
                name="rule_set_one_published_per_retailer",
            ),
            models.CheckConstraint(condition=models.Q(cap__gte=models.F("floor")), name="rule_set_cap_above_floor"),
        ]

    def __str__(self) -> str:
        return f"{self.retailer} rules v{self.version} ({self.get_status_display()})"
