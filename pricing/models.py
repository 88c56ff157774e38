from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .calculation import (
    CONSOLIDATE_BY_KM,
    CONSOLIDATE_BY_NEARBY,
    MARKUP_FIXED,
    MARKUP_LOGIT,
    MARKUP_REVENUE_NEUTRAL,
    NEARBY_MAX_METRES,
    NEARBY_MAX_STOPS,
    PRICE_BY_PASSTHROUGH,
    PRICE_BY_THREE_COSTS,
    PeakPeriod,
)
from .default_terms import DEFAULT_OBJECTIVE, DEFAULT_TERMS


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


def money_field(default: Decimal, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        max_digits=8, decimal_places=2, default=default, validators=[MinValueValidator(0)], **kwargs
    )


class ConsolidationBy(models.TextChoices):
    MARGINAL_KM = CONSOLIDATE_BY_KM, "Marginal km (the detour is short)"
    NEARBY_STOPS = CONSOLIDATE_BY_NEARBY, "Nearby booked stops (neighbours booked an overlapping window)"


class PricingMode(models.TextChoices):
    THREE_COSTS = PRICE_BY_THREE_COSTS, "Three costs and your objective"
    PASSTHROUGH = PRICE_BY_PASSTHROUGH, "Base fee + route cost (the first rules)"


class MarkupMode(models.TextChoices):
    REVENUE_NEUTRAL = MARKUP_REVENUE_NEUTRAL, "Revenue-neutral: average price paid = the reference price"
    LOGIT = MARKUP_LOGIT, "Profit-maximising for the shopper choice model"
    FIXED = MARKUP_FIXED, "Fixed markup"


def optional_money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)], **kwargs
    )


def validate_peak_surcharges(value) -> None:
    if not isinstance(value, list):
        raise ValidationError("Expected a list of peak periods.")
    for record in value:
        if not isinstance(record, dict):
            raise ValidationError("Expected each peak period to be an object.")
        try:
            PeakPeriod.from_record(record)
        except (TypeError, ValueError) as exc:
            raise ValidationError(str(exc)) from exc


class IncentiveRuleSet(models.Model):
    """The terms that turn a window's marginal route cost into a price and labels.

    Versioned per retailer, optionally for one depot: a published version is never edited; a
    change is a new draft that is published in its place (retiring the version it replaces in the
    same scope). An offer is priced by the retailer's published version for its depot, else by the
    retailer-wide one, and records the version that priced it. Version numbers count per retailer
    across scopes, so a version number alone names the terms.
    """

    retailer = models.ForeignKey("tenants.Retailer", on_delete=models.CASCADE, related_name="rule_sets")
    depot = models.ForeignKey(
        "fleet.Depot",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rule_sets",
        help_text="Only for this depot; empty for every depot of the retailer without rules of its own.",
    )
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT)
    name = models.CharField(max_length=120, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    base_fee = money_field(DEFAULT_TERMS["base_fee"], help_text="Fee every window starts from.")
    cost_passthrough = models.DecimalField(
        max_digits=5,
        decimal_places=3,
        default=DEFAULT_OBJECTIVE["cost_passthrough"],
        validators=[MinValueValidator(0)],
        help_text=(
            "Share of the marginal route cost added to the price (1 = all of it); with three costs, of"
            " the expected route cost (above 1 steers harder than one order's own cost)."
        ),
    )
    width_discount_per_hour = money_field(
        DEFAULT_OBJECTIVE["width_discount_per_hour"], help_text="Discount per hour of window beyond one hour."
    )
    width_discount_max = money_field(DEFAULT_TERMS["width_discount_max"], help_text="Largest width discount.")
    consolidation_max_km = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=DEFAULT_TERMS["consolidation_max_km"],
        validators=[MinValueValidator(0)],
        help_text="A window whose delivery adds at most this many km consolidates with nearby stops.",
    )
    consolidation_by = models.CharField(
        max_length=16,
        choices=ConsolidationBy.choices,
        default=ConsolidationBy.MARGINAL_KM,
        help_text="What makes a window consolidating.",
    )
    consolidation_radius_m = models.PositiveIntegerField(
        default=300,
        validators=[MinValueValidator(1), MaxValueValidator(NEARBY_MAX_METRES)],
        help_text="By nearby stops: booked stops within this many metres (straight line) count…",
    )
    consolidation_min_stops = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(NEARBY_MAX_STOPS)],
        help_text="…and a window consolidates when at least this many of them overlap it.",
    )
    consolidation_discount = money_field(
        DEFAULT_OBJECTIVE["consolidation_discount"], help_text="Discount for a consolidating window."
    )
    peak_surcharges = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_peak_surcharges],
        help_text="Surcharges for windows overlapping peak times, in proportion to the overlap.",
    )
    free_delivery_threshold = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Baskets worth at least this much get free delivery (price 0.00, below the floor). "
        "Empty: never.",
    )
    green_max_grams = models.PositiveIntegerField(
        default=DEFAULT_TERMS["green_max_grams"],
        help_text="A window adding at most this many grams CO2e is labelled green…",
    )
    green_relative = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=DEFAULT_TERMS["green_relative"],
        validators=[MinValueValidator(0)],
        help_text="…and so is one within this fraction above the lowest grams offered to the same shopper.",
    )
    floor = money_field(DEFAULT_TERMS["floor"], help_text="Lowest price.")
    cap = money_field(DEFAULT_TERMS["cap"], help_text="Highest price (a multiple of the rounding step).")
    rounding_step = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=DEFAULT_TERMS["rounding_step"],
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Prices are rounded half-up to a multiple of this.",
    )
    # The retailer's objective (``pricing.cost_prices``, docs/incentives.md). A new rule set prices by three
    # costs; rule sets made before these fields existed were migrated to the base fee + route cost.
    pricing_mode = models.CharField(
        max_length=16,
        choices=PricingMode.choices,
        default=DEFAULT_OBJECTIVE["pricing_mode"],
        help_text="By three costs: every window costs the same markup plus what it really costs you "
        "(expected route cost, the capacity it takes from later shoppers, its carbon), minus the "
        "basket margin. The base fee and route cost share apply only to the old mode.",
    )
    markup_mode = models.CharField(
        max_length=16,
        choices=MarkupMode.choices,
        default=DEFAULT_OBJECTIVE["markup_mode"],
        help_text="How the one markup every window of an offer carries is set. Revenue-neutral keeps "
        "the average offered price at the reference price, so shoppers pay what they paid before on "
        "average and only the gaps between windows follow your costs.",
    )
    markup = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=DEFAULT_OBJECTIVE["markup"],
        help_text="Fixed markup only: the amount added to every window's costs (may be negative).",
    )
    reference_price = optional_money_field(
        default=DEFAULT_OBJECTIVE["reference_price"],
        help_text="Revenue-neutral only: the average price shoppers are expected to pay (each window "
        "weighted by how likely a shopper is to choose it), typically the flat delivery fee you "
        "charged before.",
    )
    basket_margin = money_field(
        DEFAULT_OBJECTIVE["basket_margin"],
        help_text="What you earn on an order's basket before delivery. It is taken off every window "
        "(an order brings it) and values the capacity a later order would need.",
    )
    carbon_price_per_kg = models.DecimalField(
        "carbon price per kg CO2e (κ)",
        max_digits=6,
        decimal_places=3,
        default=DEFAULT_OBJECTIVE["carbon_price_per_kg"],
        validators=[MinValueValidator(0)],
        help_text="What a kg of CO2e the delivery adds costs you, in your currency: added to each "
        "window as its carbon cost (0.20 = 200 per tonne; 0 leaves carbon out).",
    )
    service_floor_price = optional_money_field(
        default=DEFAULT_OBJECTIVE["service_floor_price"],
        help_text="The cheapest window of every open day costs at most this much. Empty: no promise. "
        "A discount on top of the revenue-neutral average: it lowers what shoppers pay on average.",
    )
    green_share_max = models.DecimalField(
        "greenest share for environmental labels",
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        default=DEFAULT_OBJECTIVE["green_share_max"],
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Label only the greenest windows of each day, at most this share of them (0.30 = 30 %), "
        "each below the day's median grams; the green label's grams limits then do not apply. Empty: "
        "label by those limits.",
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
            # One published version per scope: retailer-wide, and per depot. Two constraints because
            # NULLs are distinct in a unique index.
            models.UniqueConstraint(
                fields=["retailer"],
                condition=models.Q(status="published", depot__isnull=True),
                name="rule_set_one_published_per_retailer",
            ),
            models.UniqueConstraint(
                fields=["retailer", "depot"],
                condition=models.Q(status="published", depot__isnull=False),
                name="rule_set_one_published_per_retailer_depot",
            ),
            models.CheckConstraint(
                condition=models.Q(cap__gte=models.F("floor")), name="rule_set_cap_above_floor"
            ),
        ]

    def __str__(self) -> str:
        scope = f" {self.depot.code}" if self.depot_id else ""
        return f"{self.retailer}{scope} rules v{self.version} ({self.get_status_display()})"

    @property
    def scope_label(self) -> str:
        return self.depot.name if self.depot_id else "All depots"

    def clean(self) -> None:
        super().clean()
        if self.markup_mode == MARKUP_REVENUE_NEUTRAL and self.reference_price is None:
            raise ValidationError(
                {"reference_price": "The revenue-neutral markup needs the reference price it keeps to."}
            )


class RuleSetAction(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class RuleSetChange(models.Model):
    """Who changed which terms of a rule set, when: written by ``pricing.services`` only.

    ``changes`` maps a field name to ``[old, new]`` as strings; for ``published`` it compares the
    new version with the one it replaced, so the history reads as "what publishing changed".
    """

    rule_set = models.ForeignKey(IncentiveRuleSet, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="Kept if the user is deleted.")
    action = models.CharField(max_length=12, choices=RuleSetAction.choices)
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["rule_set", "at", "id"]

    def __str__(self) -> str:
        return f"{self.rule_set} {self.action} by {self.actor_name or 'system'} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def summary(self) -> str:
        return "; ".join(f"{name}: {old} → {new}" for name, (old, new) in self.changes.items())


class ChoiceModelFit(models.Model):
    """One run of ``fit_choice``: the conditional logit fitted from a retailer's offers and bookings.

    Kept as a record of every run; the replay and the logit markup use the retailer's latest fit
    with ``enough_data`` (``pricing.selectors.choice_model_for_retailer``), else the documented
    prior ``pricing.choice.DEFAULT_CHOICE_MODEL``. ``coefficients`` and ``standard_errors`` map the
    estimated ``ChoiceModel`` coefficients to floats (utility units, money per currency unit);
    ``model`` holds every coefficient of the model used when this fit is (fitted over the prior).
    """

    retailer = models.ForeignKey("tenants.Retailer", on_delete=models.CASCADE, related_name="choice_fits")
    fitted_at = models.DateTimeField()
    since = models.DateField(null=True, blank=True, help_text="Offers made on or after this day; empty: all.")
    offers = models.PositiveIntegerField()
    bookings = models.PositiveIntegerField()
    converged = models.BooleanField()
    log_likelihood = models.FloatField(null=True, blank=True)
    enough_data = models.BooleanField(help_text="Used by the replay and the logit markup.")
    reasons = models.JSONField(default=list, blank=True, help_text="Why the fit is not used, if it is not.")
    coefficients = models.JSONField(default=dict)
    standard_errors = models.JSONField(default=dict)
    model = models.JSONField(default=dict)

    class Meta:
        ordering = ["retailer", "-fitted_at", "-id"]
        get_latest_by = "fitted_at"

    def __str__(self) -> str:
        used = "used" if self.enough_data else "not used"
        return f"{self.retailer} choice fit {self.fitted_at:%Y-%m-%d %H:%M} ({self.offers} offers, {used})"
