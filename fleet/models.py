"""Depots, service zones, vehicles, shifts and the depot-day route plan."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from greenslot.text import no_bidi_controls


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown time zone {value!r}.") from exc


latitude_validators = [MinValueValidator(-90), MaxValueValidator(90)]
longitude_validators = [MinValueValidator(-180), MaxValueValidator(180)]


class Depot(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120, validators=[no_bidi_controls])
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    lat = models.FloatField(validators=latitude_validators)
    lon = models.FloatField(validators=longitude_validators)
    circuity = models.FloatField(
        default=1.3, validators=[MinValueValidator(1.0)], help_text="Road km per great-circle km."
    )
    # Learned with the marginal cost averages (``booking.services.cost_learning``, ``costs_learn``):
    # how much of an order's insertion cost at sale survives into the day's final routes
    # (``fleet.window_costs``). Empty until learned: offers use ``INSERTION_WEIGHT_PRIOR``.
    insertion_weight = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Learned weight of the insertion cost in the expected route cost (0..1); empty: the prior.",
    )
    insertion_weight_orders = models.PositiveIntegerField(
        default=0, editable=False, help_text="Sold orders the learned insertion weight is fitted over."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class ServiceZone(models.Model):
    """An area a depot delivers to, as a GeoJSON polygon (lon, lat order, as GeoJSON has it)."""

    depot = models.ForeignKey(Depot, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(max_length=120, validators=[no_bidi_controls])
    polygon = models.JSONField(help_text="GeoJSON Polygon or MultiPolygon geometry.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["depot", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.depot.code})"

    def clean(self) -> None:
        from shapely.geometry import shape

        try:
            geometry = shape(self.polygon)
        except Exception as exc:  # shapely raises several types for bad GeoJSON
            raise ValidationError({"polygon": f"Not a GeoJSON geometry: {exc}"}) from exc
        if geometry.geom_type not in {"Polygon", "MultiPolygon"} or not geometry.is_valid:
            raise ValidationError({"polygon": "Expected a valid Polygon or MultiPolygon."})


class VehicleType(models.Model):
    name = models.CharField(max_length=120, unique=True, validators=[no_bidi_controls])
    capacity_units = models.PositiveIntegerField(help_text="Size units one vehicle carries.")
    max_speed_kmh = models.FloatField(validators=[MinValueValidator(1.0)])
    cost_per_km = models.DecimalField(max_digits=8, decimal_places=4)
    cost_per_hour = models.DecimalField(max_digits=8, decimal_places=4)
    cost_per_route = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    emission_factor = models.ForeignKey("emissions.EmissionFactor", on_delete=models.PROTECT)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    depot = models.ForeignKey(Depot, on_delete=models.CASCADE, related_name="vehicles")
    vehicle_type = models.ForeignKey(VehicleType, on_delete=models.PROTECT, related_name="vehicles")
    name = models.CharField(max_length=60, validators=[no_bidi_controls])
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["depot", "name"]
        constraints = [
            models.UniqueConstraint(fields=["depot", "name"], name="vehicle_unique_name_per_depot")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.vehicle_type})"


class DepotDay(models.Model):
    """The route plan of one depot on one local date: the unit of consistency.

    Every write that changes capacity locks this row, re-reads the plan inside the
    transaction and bumps ``version``.
    """

    depot = models.ForeignKey(Depot, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    version = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["depot", "date"]
        constraints = [models.UniqueConstraint(fields=["depot", "date"], name="depot_day_unique")]

    def __str__(self) -> str:
        return f"{self.depot.code} {self.date.isoformat()}"


class Shift(models.Model):
    """A vehicle's working time on a depot-day: it leaves the depot at ``start`` and is back by ``end``."""

    depot_day = models.ForeignKey(DepotDay, on_delete=models.CASCADE, related_name="shifts")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="shifts")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        ordering = ["depot_day", "start", "vehicle__name"]
        constraints = [
            models.UniqueConstraint(fields=["depot_day", "vehicle"], name="shift_one_per_vehicle_day"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="shift_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        tz = self.depot_day.depot.tz  # as the depot's wall clock shows it
        return (
            f"{self.vehicle.name} {self.start.astimezone(tz):%Y-%m-%d %H:%M}–{self.end.astimezone(tz):%H:%M}"
        )


class Stop(models.Model):
    """A planned visit on a shift's route: a held or confirmed delivery.

    ``expires_at`` is set while the stop belongs to a hold: once past, the stop no longer counts
    (it is ignored on read and purged later), so capacity frees the moment a hold expires.
    """

    depot_day = models.ForeignKey(DepotDay, on_delete=models.CASCADE, related_name="stops")
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="stops")
    sequence = models.PositiveIntegerField()
    lat = models.FloatField(validators=latitude_validators)
    lon = models.FloatField(validators=longitude_validators)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    service_seconds = models.PositiveIntegerField()
    size_units = models.PositiveIntegerField()
    planned_start = models.DateTimeField(help_text="Earliest planned start of service.")
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["shift", "sequence"]
        indexes = [models.Index(fields=["depot_day", "shift", "sequence"])]

    def __str__(self) -> str:
        return f"stop {self.pk} on {self.shift_id}#{self.sequence}"


def validate_weekdays(value) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError("Choose at least one weekday (ISO weekdays 1 = Monday to 7 = Sunday).")


class ShiftPattern(models.Model):
    """A vehicle's weekly hours: on these weekdays it works from ``start_time`` to ``end_time``,
    wall-clock times in its depot's zone, from ``valid_from`` to ``valid_until`` (inclusive)."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="shift_patterns")
    weekdays = models.JSONField(
        default=list, validators=[validate_weekdays], help_text="ISO weekdays, 1 = Monday."
    )
    start_time = models.TimeField(help_text="Leaves the depot, local time.")
    end_time = models.TimeField(help_text="Back at the depot, local time, the same day.")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True, help_text="Last date; empty for open-ended.")

    class Meta:
        ordering = ["vehicle__depot", "vehicle__name", "valid_from", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="shift_pattern_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="shift_pattern_valid_range",
            ),
        ]

    def __str__(self) -> str:
        from .roster import weekdays_label

        return f"{self.vehicle.name} {weekdays_label(self.weekdays or [])} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self) -> None:
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": "A shift ends after it starts, on the same day."})
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": "The last date comes on or after the first."})
        if self.vehicle_id and self.valid_from and isinstance(self.weekdays, list):
            others = ShiftPattern.objects.filter(vehicle_id=self.vehicle_id).exclude(pk=self.pk)
            for other in others:
                shared = set(other.weekdays) & set(self.weekdays)
                overlaps = (self.valid_until is None or other.valid_from <= self.valid_until) and (
                    other.valid_until is None or self.valid_from <= other.valid_until
                )
                if shared and overlaps:
                    raise ValidationError(
                        f"This vehicle already has a pattern on these days ({other}); a vehicle "
                        "works one shift a day. End that pattern first, or pick other days."
                    )


class RosterExceptionKind(models.TextChoices):
    CLOSED = "closed", "Depot closed"
    VEHICLE_OFF = "vehicle_off", "Vehicle off"
    EXTRA_SHIFT = "extra_shift", "Extra or other shift"


class RosterException(models.Model):
    """One date that differs from the weekly roster: the depot closed, a vehicle off, or a vehicle
    working these (local) hours that date in place of its pattern's."""

    depot = models.ForeignKey(Depot, on_delete=models.CASCADE, related_name="roster_exceptions")
    date = models.DateField()
    kind = models.CharField(max_length=16, choices=RosterExceptionKind.choices)
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.CASCADE, null=True, blank=True, related_name="roster_exceptions"
    )
    start_time = models.TimeField(null=True, blank=True, help_text="Extra shift only, local time.")
    end_time = models.TimeField(null=True, blank=True, help_text="Extra shift only, local time.")
    note = models.CharField(max_length=200, blank=True, validators=[no_bidi_controls])

    class Meta:
        ordering = ["depot", "date", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["depot", "date"],
                condition=models.Q(kind="closed"),
                name="roster_exception_one_closure_per_day",
            ),
            models.UniqueConstraint(
                fields=["date", "vehicle"],
                condition=models.Q(vehicle__isnull=False),
                name="roster_exception_one_per_vehicle_day",
            ),
        ]

    def __str__(self) -> str:
        who = f" {self.vehicle.name}" if self.vehicle_id else ""
        return f"{self.depot.code} {self.date.isoformat()} {self.get_kind_display()}{who}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == RosterExceptionKind.CLOSED:
            if self.vehicle_id:
                errors["vehicle"] = "A closed depot concerns every vehicle: leave the vehicle empty."
        elif not self.vehicle_id:
            errors["vehicle"] = "Choose the vehicle."
        elif self.depot_id and self.vehicle.depot_id != self.depot_id:
            errors["vehicle"] = "This vehicle belongs to another depot."
        if self.kind == RosterExceptionKind.EXTRA_SHIFT:
            if self.start_time is None:
                errors["start_time"] = "An extra shift needs a start."
            if self.end_time is None:
                errors["end_time"] = "An extra shift needs an end."
            elif self.start_time is not None and self.end_time <= self.start_time:
                errors["end_time"] = "A shift ends after it starts, on the same day."
        elif self.start_time is not None or self.end_time is not None:
            errors["start_time"] = "Only an extra shift has hours."
        if errors:
            raise ValidationError(errors)


class MarginalCostAverage(models.Model):
    """What an order really added to completed plans, on average, per zone x window width x weekday.

    Learned from past depot-days' plans (``booking.services.cost_learning``, the ``costs_learn``
    command and task), and read by offers for the expected final marginal cost
    (``fleet.window_costs.MarginalCostTable``). A depot's rows are replaced as a whole each time.
    """

    depot = models.ForeignKey(Depot, on_delete=models.CASCADE, related_name="marginal_cost_averages")
    zone = models.ForeignKey(ServiceZone, on_delete=models.CASCADE, related_name="marginal_cost_averages")
    width_class = models.CharField(max_length=8, help_text="The window's width class (pricing.widths).")
    weekday = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(7)], help_text="ISO weekday, 1 = Monday."
    )
    mean_cost = models.DecimalField(
        max_digits=10,
        decimal_places=4,
        help_text="Average realised marginal cost of an order, currency units.",
    )
    orders = models.PositiveIntegerField(help_text="Orders the average is over.")
    learned_at = models.DateTimeField()

    class Meta:
        ordering = ["depot", "zone", "weekday", "width_class"]
        constraints = [
            models.UniqueConstraint(
                fields=["depot", "zone", "width_class", "weekday"], name="marginal_cost_average_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.zone} {self.width_class} day {self.weekday}: {self.mean_cost} over {self.orders}"
