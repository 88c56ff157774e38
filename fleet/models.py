"""Depots, service zones, vehicles, shifts and the depot-day route plan."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown time zone {value!r}.") from exc


latitude_validators = [MinValueValidator(-90), MaxValueValidator(90)]
longitude_validators = [MinValueValidator(-180), MaxValueValidator(180)]


class Depot(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    lat = models.FloatField(validators=latitude_validators)
    lon = models.FloatField(validators=longitude_validators)
    circuity = models.FloatField(
        default=1.3, validators=[MinValueValidator(1.0)], help_text="Road km per great-circle km."
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
    name = models.CharField(max_length=120)
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
    name = models.CharField(max_length=120, unique=True)
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
    name = models.CharField(max_length=60)
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
        return f"{self.vehicle.name} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


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
