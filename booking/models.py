import uuid

from django.db import models

from booking.references import reference_new
from fleet.models import latitude_validators, longitude_validators
from greenslot.text import no_bidi_controls


class PresetAddress(models.Model):
    """A named address the retailer's shopper page lists, so a shopper can search by choosing it
    instead of typing a point (the demo city lists Utrecht's neighbourhoods). Degrees."""

    retailer = models.ForeignKey(
        "tenants.Retailer", on_delete=models.CASCADE, related_name="preset_addresses"
    )
    slug = models.SlugField(max_length=64, help_text="Its name in the shopper page's URL: /?address=slug.")
    label = models.CharField(max_length=120, validators=[no_bidi_controls])
    street = models.CharField(max_length=120, blank=True, validators=[no_bidi_controls])
    lat = models.FloatField(validators=latitude_validators)
    lon = models.FloatField(validators=longitude_validators)
    position = models.PositiveSmallIntegerField(default=0, help_text="Listed by position, then by age.")

    class Meta:
        ordering = ["retailer", "position", "id"]
        verbose_name_plural = "preset addresses"
        constraints = [
            models.UniqueConstraint(fields=["retailer", "slug"], name="preset_address_unique_slug")
        ]

    def __str__(self) -> str:
        return f"{self.label} — {self.street}" if self.street else self.label


class WindowTemplate(models.Model):
    """A delivery window a depot offers every (selected) weekday, in the depot's local time."""

    depot = models.ForeignKey("fleet.Depot", on_delete=models.CASCADE, related_name="window_templates")
    start_time = models.TimeField()
    end_time = models.TimeField()
    cutoff_minutes = models.PositiveIntegerField(
        default=120, help_text="Orders close this many minutes before the window starts."
    )
    weekdays = models.JSONField(
        default=list, blank=True, help_text="ISO weekdays 1–7; empty means every day."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["depot", "start_time", "end_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["depot", "start_time", "end_time"], name="window_template_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="window_template_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.depot.code} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def runs_on(self, isoweekday: int) -> bool:
        return not self.weekdays or isoweekday in self.weekdays


class Offer(models.Model):
    """The windows shown to one shopper for one address, as priced at that moment.

    The windows are kept (as served) so demand can be replayed under other rules later.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    retailer = models.ForeignKey("tenants.Retailer", on_delete=models.CASCADE, related_name="offers")
    depot = models.ForeignKey("fleet.Depot", on_delete=models.CASCADE, related_name="offers")
    rule_set = models.ForeignKey("pricing.IncentiveRuleSet", on_delete=models.PROTECT, related_name="offers")
    lat = models.FloatField()
    lon = models.FloatField()
    address = models.JSONField(default=dict, blank=True)
    size_units = models.PositiveIntegerField()
    service_seconds = models.PositiveIntegerField()
    windows = models.JSONField(default=list)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["retailer", "-created_at"])]

    def __str__(self) -> str:
        return f"offer {self.id}"


class BookingStatus(models.TextChoices):
    HELD = "held", "Held"
    CONFIRMED = "confirmed", "Confirmed"
    RELEASED = "released", "Released"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


class Booking(models.Model):
    """A hold, and once confirmed, a booking. Never deleted: released, expired or cancelled.

    While held, ``hold_expires_at`` bounds its life; a held booking past that instant counts as
    expired everywhere, even before the purge job marks it so.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # What the shopper reads and says (booking.references); the UUID stays the id.
    reference = models.CharField(max_length=8, unique=True, default=reference_new, editable=False)
    retailer = models.ForeignKey("tenants.Retailer", on_delete=models.CASCADE, related_name="bookings")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="bookings")
    depot_day = models.ForeignKey("fleet.DepotDay", on_delete=models.PROTECT, related_name="bookings")
    stop = models.OneToOneField(
        "fleet.Stop", on_delete=models.SET_NULL, null=True, blank=True, related_name="booking"
    )
    status = models.CharField(max_length=16, choices=BookingStatus.choices, default=BookingStatus.HELD)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    lat = models.FloatField()
    lon = models.FloatField()
    address = models.JSONField(default=dict, blank=True)
    size_units = models.PositiveIntegerField()
    service_seconds = models.PositiveIntegerField()
    price_amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    price_breakdown = models.JSONField(default=list)
    co2e_grams = models.PositiveIntegerField()
    # The window's myopic marginal cost when it was sold (``fleet.window_costs.myopic_marginal_cost``,
    # from the offer's record): what ``costs_learn`` compares with the order's realised cost to learn
    # the insertion weight. Empty for windows not priced by three costs.
    sale_myopic_cost = models.DecimalField(
        max_digits=10, decimal_places=4, null=True, blank=True, editable=False
    )
    labels = models.JSONField(default=list, blank=True)
    rule_version = models.PositiveIntegerField()
    hold_expires_at = models.DateTimeField()
    external_ref = models.CharField(max_length=120, blank=True)
    idempotency_key = models.CharField(max_length=120, blank=True)
    # A keyed hash of the browser's address that made the hold (never the address), for the cap
    # on one client's live holds; "" for a retailer's server.
    client_key = models.CharField(max_length=16, blank=True, default="", db_index=True, editable=False)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["retailer", "status"]),
            models.Index(fields=["depot_day", "status"]),
        ]
        constraints = [
            # An Idempotency-Key confirms one hold of its retailer, for good.
            models.UniqueConstraint(
                fields=["retailer", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="booking_idempotency_key_unique",
            ),
            # A retailer's order id confirms one live booking; once cancelled, it may book again.
            models.UniqueConstraint(
                fields=["retailer", "external_ref"],
                condition=models.Q(status="confirmed") & ~models.Q(external_ref=""),
                name="booking_order_confirmed_once",
            ),
        ]

    def __str__(self) -> str:
        start = self.window_start.astimezone(self.depot_day.depot.tz)  # as the depot's wall clock shows it
        return f"{self.get_status_display()} {start:%Y-%m-%d %H:%M} ({self.id})"


class QuoteUsePurpose(models.TextChoices):
    HOLD = "hold", "Hold"
    RESCHEDULE = "reschedule", "Reschedule"


class QuoteUse(models.Model):
    """A quote's one use, ever: the hold it made or the reschedule that moved a booking to its
    window. Every use of a quote writes this row (``booking.services.placement.quote_use_record``),
    and its key is unique, so a used quote can neither hold nor reschedule again."""

    # ``booking.quotes.QuoteRef.key``: the offer and the window's position in it.
    key = models.CharField(max_length=48, primary_key=True, editable=False)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="quote_uses")
    purpose = models.CharField(max_length=16, choices=QuoteUsePurpose.choices)
    used_at = models.DateTimeField()

    class Meta:
        ordering = ["booking", "used_at"]

    def __str__(self) -> str:
        return f"{self.key}: {self.purpose} of {self.booking_id}"


class BookingEvent(models.Model):
    """Every state change of a booking: who, when, from what, to what."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.CharField(max_length=120)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["booking", "at", "id"]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status or '∅'} → {self.to_status}"


class BandAvailability(models.Model):
    """How often shoppers found an hour band of one past delivery date open, at a depot.

    Tallied from the offer records by ``costs_learn`` (``booking.services.demand_learning``) once
    the date is over, and final from then on: each offer that showed the (date, band) with windows
    before their cut-off counts in ``offers``, and in ``open_offers`` when one of them was on sale
    (a date nobody asked about gets rows of zeros, so it is not read again). Offers read a weekday's
    sum over the learning period to correct the demand forecast for the demand sold-out bands lost
    (``pricing.bid_prices.lost_demand_factors``).
    """

    depot = models.ForeignKey("fleet.Depot", on_delete=models.CASCADE, related_name="band_availability")
    date = models.DateField(help_text="The delivery date, local.")
    band = models.PositiveSmallIntegerField(
        help_text="Index of the hour band (pricing.bid_prices.DEFAULT_BANDS)."
    )
    offers = models.PositiveIntegerField(
        help_text="Offers that showed the band with windows before their cut-off."
    )
    open_offers = models.PositiveIntegerField(help_text="Of those, offers with a window of the band on sale.")
    learned_at = models.DateTimeField()

    class Meta:
        ordering = ["depot", "date", "band"]
        verbose_name_plural = "band availability"
        constraints = [
            models.UniqueConstraint(fields=["depot", "date", "band"], name="band_availability_unique")
        ]

    def __str__(self) -> str:
        return f"{self.depot_id} {self.date} band {self.band}: open in {self.open_offers} of {self.offers}"
