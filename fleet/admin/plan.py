from django import forms
from django.contrib import admin, messages
from django.db import models, transaction

from fleet.models import Depot, DepotDay, MarginalCostAverage, Shift, Stop, Vehicle, VehicleType
from fleet.roster_services import roster_apply_all
from fleet.services import depot_day_bump, depot_day_lock, depot_days_using, fleet_change_apply
from fleet.window_costs import INSERTION_WEIGHT_PRIOR
from greenslot import clock

from .local_time import LOCAL_TIME_WIDGETS, DepotLocalTimeMixin, at_local, posted_or_given, span_local
from .read_only import ReadOnlyAdminMixin

# Fields of a shift that its planned stops depend on: they cannot change under a route.
ROUTE_FIELDS = ("vehicle", "start", "end")


def depot_day_changed(depot_day: DepotDay) -> None:
    """Bump a depot-day's version (under its lock), so cached compiled plans are not reused.

    Runs inside the admin's transaction: edits to shifts change the plan like any hold does.
    """
    locked = depot_day_lock(depot=depot_day.depot, date=depot_day.date)
    if locked is not None:
        depot_day_bump(depot_day=locked)


class ShiftForm(forms.ModelForm):
    """A shift edited by a manager: its vehicle belongs to the depot, and a shift that already
    carries stops keeps its vehicle and hours (moving them could break a booked window)."""

    class Meta:
        model = Shift
        fields = ("depot_day", "vehicle", "start", "end")

    def clean(self):
        cleaned = super().clean()
        depot_day = cleaned.get("depot_day") or getattr(self.instance, "depot_day", None)
        vehicle = cleaned.get("vehicle")
        if depot_day is not None and vehicle is not None and vehicle.depot_id != depot_day.depot_id:
            self.add_error("vehicle", "This vehicle belongs to another depot.")
        if self.instance.pk and self.instance.stops.exists():
            moved = [name for name in ROUTE_FIELDS if name in self.changed_data]
            if moved:
                raise forms.ValidationError(
                    "This shift has planned stops, so its vehicle and hours cannot change here "
                    f"(changed: {', '.join(moved)}). Add another shift instead."
                )
        return cleaned


class MarginalCostAverageInline(ReadOnlyAdminMixin, admin.TabularInline):
    """What orders really added to past plans, as ``costs_learn`` learned it. Read-only."""

    model = MarginalCostAverage
    verbose_name = "learned route cost of an order"
    verbose_name_plural = (
        "Learned route cost of an order (per zone, width and weekday; written by costs_learn)"
    )
    fields = ("zone", "width_class", "weekday", "mean_cost", "orders", "learned_at")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("zone__depot")


@admin.register(Depot)
class DepotAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "time_zone", "lat", "lon", "circuity", "insertion_weight_shown")
    search_fields = ("code", "name")
    list_filter = ("time_zone",)
    actions = ("fill_from_roster",)
    readonly_fields = ("insertion_weight_shown",)
    inlines = (MarginalCostAverageInline,)

    @admin.display(description="Insertion weight")
    def insertion_weight_shown(self, depot):
        """The weight offers give today's insertion cost in the expected route cost, and where it comes from."""
        if depot.insertion_weight is None:
            return f"{INSERTION_WEIGHT_PRIOR} (the prior: not learned yet)"
        return f"{depot.insertion_weight} (learned over {depot.insertion_weight_orders} orders)"

    @admin.action(description="Create the coming days' depot-days and shifts from the roster")
    def fill_from_roster(self, request, queryset):
        applied = roster_apply_all(now=clock.now(), depots=list(queryset))
        self.message_user(
            request,
            f"Created {applied.created_shifts} shift(s) on {applied.created_days} new depot-day(s); "
            f"kept {applied.kept_shifts} shift(s) already there.",
            messages.SUCCESS,
        )
        for refusal in applied.refused:
            self.message_user(
                request,
                f"Not rostered: {refusal['vehicle'] or refusal['depot']} on {refusal['date']}: {refusal['reason']}",
                messages.WARNING,
            )


class PlanGuardedForm(forms.ModelForm):
    """Refuses an edit that would make a planned route infeasible (e.g. less capacity than a van
    already carries, or a slower speed that misses a booked window)."""

    plan_fields: tuple[str, ...] = ()

    def affected_depot_days(self):
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        changed = [f for f in self.plan_fields if f in self.changed_data and f in cleaned]
        if self.instance.pk and changed and not self.errors:
            trial = type(self.instance).objects.get(pk=self.instance.pk)
            for field in changed:
                setattr(trial, field, cleaned[field])
            problems = fleet_change_apply(
                change=trial.save, depot_days=self.affected_depot_days(), dry_run=True
            )
            if problems:
                shown = "; ".join(problems[:5]) + (
                    f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
                )
                raise forms.ValidationError(f"This change would break planned routes: {shown}")
        return cleaned


class VehicleTypeForm(PlanGuardedForm):
    plan_fields = (
        "capacity_units",
        "max_speed_kmh",
        "cost_per_km",
        "cost_per_hour",
        "cost_per_route",
        "emission_factor",
    )

    class Meta:
        model = VehicleType
        fields = (
            "name",
            "capacity_units",
            "max_speed_kmh",
            "cost_per_km",
            "cost_per_hour",
            "cost_per_route",
            "emission_factor",
        )

    def affected_depot_days(self):
        return depot_days_using(vehicle_type_ids=[self.instance.pk])


class VehicleForm(PlanGuardedForm):
    plan_fields = ("vehicle_type", "is_active", "depot")

    class Meta:
        model = Vehicle
        fields = ("depot", "vehicle_type", "name", "is_active")

    def affected_depot_days(self):
        return depot_days_using(vehicle_ids=[self.instance.pk])


class PlanGuardedAdmin(admin.ModelAdmin):
    """Saves through ``fleet_change_apply`` so the affected plans are locked, re-checked and bumped."""

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        problems = fleet_change_apply(
            change=lambda: super(PlanGuardedAdmin, self).save_model(request, obj, form, change),
            depot_days=form.affected_depot_days(),
        )
        if problems:  # a concurrent booking got in between validation and saving
            raise forms.ValidationError(problems)


@admin.register(VehicleType)
class VehicleTypeAdmin(PlanGuardedAdmin):
    form = VehicleTypeForm
    list_display = (
        "name",
        "capacity_units",
        "max_speed_kmh",
        "cost_per_km",
        "cost_per_hour",
        "cost_per_route",
        "emission_factor",
    )
    list_filter = ("emission_factor__energy_type",)
    search_fields = ("name",)
    list_select_related = ("emission_factor",)
    autocomplete_fields = ("emission_factor",)


@admin.register(Vehicle)
class VehicleAdmin(PlanGuardedAdmin):
    form = VehicleForm
    list_display = ("name", "depot", "vehicle_type", "is_active")
    list_filter = ("is_active", "depot", "vehicle_type")
    search_fields = ("name", "depot__code")
    list_select_related = ("depot", "vehicle_type")
    autocomplete_fields = ("depot", "vehicle_type")


class ShiftInline(admin.TabularInline):
    model = Shift
    form = ShiftForm
    formfield_overrides = LOCAL_TIME_WIDGETS
    fields = ("vehicle", "start", "end", "stop_count")
    readonly_fields = ("stop_count",)
    autocomplete_fields = ("vehicle",)
    ordering = ("start", "vehicle__name")
    extra = 0

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("vehicle")
            .annotate(stops_planned=models.Count("stops"))
        )

    @admin.display(description="stops")
    def stop_count(self, shift):
        return getattr(shift, "stops_planned", None)


class StopInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The route plan as it stands, per shift in visiting order. Written only by the booking services."""

    model = Stop
    fields = (
        "shift",
        "sequence",
        "planned_start",
        "window_start",
        "window_end",
        "size_units",
        "service_seconds",
        "expires_at",
    )
    readonly_fields = fields
    ordering = ("shift__start", "shift_id", "sequence")
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("shift__vehicle")


@admin.register(DepotDay)
class DepotDayAdmin(DepotLocalTimeMixin, admin.ModelAdmin):
    list_display = ("depot", "date", "shift_count", "version", "updated")
    list_filter = ("depot",)
    search_fields = ("depot__code", "depot__name")
    date_hierarchy = "date"
    list_select_related = ("depot",)
    autocomplete_fields = ("depot",)
    readonly_fields = ("version", "updated_at")
    inlines = (ShiftInline, StopInline)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # Stops are planned in this depot's local time on this date.
            return (*self.readonly_fields, "depot", "date")
        return self.readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(shifts_planned=models.Count("shifts"))

    @admin.display(description="shifts", ordering="shifts_planned")
    def shift_count(self, depot_day):
        return depot_day.shifts_planned

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, depot_day):
        return at_local(depot_day.updated_at, depot_day.depot.tz)

    def depot_of(self, request, object_id):
        if object_id:
            depot_day = DepotDay.objects.select_related("depot").filter(pk=object_id).first()
            return depot_day.depot if depot_day else None
        # The add page: the depot posted, or pre-filled (?depot=<id>).
        depot_id = posted_or_given(request, "depot")
        return Depot.objects.filter(pk=depot_id).first() if depot_id else None

    def get_object(self, request, object_id, from_field=None):
        depot_day = super().get_object(request, object_id, from_field)
        if depot_day is not None and request.method == "POST":
            # Lock the plan before the shift forms are validated and saved, as every plan write does.
            depot_day = depot_day_lock(depot=depot_day.depot, date=depot_day.date)
        return depot_day

    def has_delete_permission(self, request, obj=None):
        # A plan with bookings is protected anyway; an empty plan may go.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.stops.exists())

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
        # On change every field of the day itself is read-only; saving the row would write back a
        # ``version`` read before the lock and undo a concurrent bump.

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and any(fs.new_objects or fs.changed_objects or fs.deleted_objects for fs in formsets):
            depot_day_changed(form.instance)


@admin.register(Shift)
class ShiftAdmin(DepotLocalTimeMixin, admin.ModelAdmin):
    form = ShiftForm
    list_display = ("vehicle", "local_hours", "depot_day")  # the hours before a phone scrolls
    list_filter = ("depot_day__depot",)
    search_fields = ("vehicle__name", "depot_day__depot__code")
    date_hierarchy = "depot_day__date"
    list_select_related = ("vehicle", "depot_day__depot")
    raw_id_fields = ("depot_day",)
    autocomplete_fields = ("vehicle",)

    def get_readonly_fields(self, request, obj=None):
        return ("depot_day",) if obj is not None else ()

    def depot_of(self, request, object_id):
        if object_id:
            shift = Shift.objects.select_related("depot_day__depot").filter(pk=object_id).first()
            return shift.depot_day.depot if shift else None
        # The add page, opened from a day (?depot_day=<id>), or posted with one chosen.
        depot_day_id = posted_or_given(request, "depot_day")
        if depot_day_id:
            depot_day = DepotDay.objects.select_related("depot").filter(pk=depot_day_id).first()
            return depot_day.depot if depot_day else None
        return None

    @admin.display(description="hours", ordering="start")
    def local_hours(self, shift):
        return span_local(shift.start, shift.end, shift.depot_day.depot.tz, date=False)

    def get_object(self, request, object_id, from_field=None):
        shift = super().get_object(request, object_id, from_field)
        if shift is not None and request.method == "POST":
            # Lock the plan first, then re-read the shift inside the lock.
            depot_day_lock(depot=shift.depot_day.depot, date=shift.depot_day.date)
            shift = self.get_queryset(request).get(pk=shift.pk)
        return shift

    def save_model(self, request, obj, form, change):
        if not change:
            depot_day_lock(depot=obj.depot_day.depot, date=obj.depot_day.date)
        super().save_model(request, obj, form, change)
        depot_day_changed(obj.depot_day)

    def delete_model(self, request, obj):
        depot_day = obj.depot_day
        super().delete_model(request, obj)
        depot_day_changed(depot_day)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            days = DepotDay.objects.filter(shifts__in=queryset).distinct().select_related("depot")
            locked = [
                depot_day_lock(depot=day.depot, date=day.date) for day in days.order_by("depot_id", "date")
            ]
            super().delete_queryset(request, queryset)
            for depot_day in locked:
                depot_day_changed(depot_day)


@admin.register(Stop)
class StopAdmin(DepotLocalTimeMixin, admin.ModelAdmin):
    """Read-only: stops belong to holds and bookings and change only through their services."""

    list_display = ("id", "depot_day", "shift", "sequence", "window", "planned", "expires")
    list_filter = ("depot_day__depot",)
    date_hierarchy = "depot_day__date"
    list_select_related = ("depot_day__depot", "shift__vehicle", "shift__depot_day__depot")
    raw_id_fields = ("depot_day", "shift")
    show_full_result_count = False

    def depot_of(self, request, object_id):
        stop = (
            Stop.objects.select_related("depot_day__depot").filter(pk=object_id).first()
            if object_id
            else None
        )
        return stop.depot_day.depot if stop else None

    @admin.display(description="window", ordering="window_start")
    def window(self, stop):
        return span_local(stop.window_start, stop.window_end, stop.depot_day.depot.tz)

    @admin.display(description="planned start", ordering="planned_start")
    def planned(self, stop):
        return at_local(stop.planned_start, stop.depot_day.depot.tz, date=False)

    @admin.display(description="hold expires", ordering="expires_at")
    def expires(self, stop):
        return at_local(stop.expires_at, stop.depot_day.depot.tz) if stop.expires_at else "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
