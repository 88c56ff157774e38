"""The weekly roster in the admin: shift patterns per vehicle and exceptions per date.

Every save or delete goes through ``roster_change_apply``: the depot's days from today on are
locked, re-made from the roster and re-checked; an edit that would break a booked route is refused
with the bookings it would break, before anything is written. After a save the horizon's missing
days are made at once (``roster_apply``), so a new roster shows on the plan straight away.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from booking.models import Booking
from fleet.models import Depot, RosterException, ShiftPattern, Vehicle
from fleet.roster import ISO_WEEKDAYS, WEEKDAY_NAMES, weekdays_label
from fleet.roster_services import (
    RosterChange,
    RosterScope,
    roster_apply,
    roster_change_apply,
    roster_dates,
    roster_days_default,
    roster_scope,
)
from fleet.services import PlanProblem
from greenslot import clock

from .local_time import DepotLocalTimeMixin, hours_label, posted_or_given, span_local

SHOWN_PROBLEMS = 5
# What a broken plan means for a booking, in an operator's words (codes of ``routing.checker``).
PLAIN_REASONS = {
    "late": "its van would arrive after its window",
    "shift_end": "its van could not be back before the shift ends",
    "capacity": "its van would carry more than it holds",
}


def broken_bookings_message(problems: list[PlanProblem]) -> str:
    """The bookings (and holds) a refused edit would break, by reference, with why."""
    stop_ids = {p.stop_id for p in problems if p.stop_id is not None}
    bookings = {
        b.stop_id: b for b in Booking.objects.filter(stop_id__in=stop_ids).select_related("depot_day__depot")
    }
    lines: dict[str, str] = {}  # one line per booking (or per problem without one), first reason
    for problem in problems:
        booking = bookings.get(problem.stop_id)
        if booking is None:
            lines.setdefault(str(problem), str(problem))
            continue
        window = span_local(booking.window_start, booking.window_end, booking.depot_day.depot.tz)
        reason = PLAIN_REASONS.get(problem.code, problem.message)
        lines.setdefault(
            booking.reference,
            f"booking {booking.reference} ({booking.get_status_display().lower()}, {window}): {reason}",
        )
    shown = list(lines.values())
    more = f" (and {len(shown) - SHOWN_PROBLEMS} more)" if len(shown) > SHOWN_PROBLEMS else ""
    return f"This change would break {len(bookings)} booking(s): " + "; ".join(shown[:SHOWN_PROBLEMS]) + more


def model_copy(instance):
    """A copy of a form's instance to write in a transaction that is rolled back (the instance
    itself must not take the primary key of a row that never was)."""
    copy = type(instance)(**{f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields})
    copy._state.adding = instance._state.adding
    return copy


class RosterGuardedForm(forms.ModelForm):
    """Validates a roster edit against the booked routes it could break (a rolled-back trial)."""

    def extra_rows(self) -> list:
        """Rows saved along with the instance (the same pattern for more vehicles)."""
        return []

    def roster_scope(self) -> RosterScope:
        """What saving this form can change: read before the save (an edit may move a pattern's
        days or an exception's vehicle, and both the old and the new ones are re-made)."""
        before = type(self.instance).objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        return roster_scope(before, self.instance, *self.extra_rows())

    def extra_rows_validate(self) -> None:
        """Add the errors of ``extra_rows`` (validated like the instance)."""

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            self.extra_rows_validate()
        if self.errors or (self.instance.pk and not self.has_changed()):
            return
        trials = [model_copy(row) for row in (self.instance, *self.extra_rows())]
        outcome = roster_change_apply(
            change=lambda: [trial.save() for trial in trials],
            scope=self.roster_scope(),
            now=clock.now(),
            dry_run=True,
        )
        if not outcome.applied:
            self.add_error(None, broken_bookings_message(outcome.problems))


class ShiftPatternForm(RosterGuardedForm):
    weekdays = forms.TypedMultipleChoiceField(
        choices=[(day, WEEKDAY_NAMES[day]) for day in ISO_WEEKDAYS],
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "weekday-choice"}),
        help_text="The days of the week this vehicle works these hours.",
    )

    class Meta:
        model = ShiftPattern
        fields = ("vehicle", "weekdays", "start_time", "end_time", "valid_from", "valid_until")

    more_vehicles = forms.ModelMultipleChoiceField(
        queryset=Vehicle.objects.select_related("depot"),
        required=False,
        label="Also for",
        help_text="The same days and hours for these vehicles too (each gets its own pattern).",
    )

    def clean_weekdays(self):
        return sorted(set(self.cleaned_data["weekdays"]))

    def clean(self):
        cleaned = super().clean()
        vehicle, more = cleaned.get("vehicle"), cleaned.get("more_vehicles") or []
        strangers = [v.name for v in more if vehicle is not None and v.depot_id != vehicle.depot_id]
        if strangers:
            self.add_error("more_vehicles", f"Of another depot: {', '.join(strangers)}.")
        return cleaned

    def extra_rows(self) -> list[ShiftPattern]:
        more = getattr(self, "cleaned_data", {}).get("more_vehicles") or []
        return [
            ShiftPattern(
                vehicle=vehicle,
                weekdays=self.instance.weekdays,
                start_time=self.instance.start_time,
                end_time=self.instance.end_time,
                valid_from=self.instance.valid_from,
                valid_until=self.instance.valid_until,
            )
            for vehicle in more
            if vehicle.pk != self.instance.vehicle_id
        ]

    def extra_rows_validate(self) -> None:
        for copy in self.extra_rows():
            try:
                copy.full_clean()
            except ValidationError as error:
                self.add_error("more_vehicles", f"{copy.vehicle.name}: {' '.join(error.messages)}")


class RosterExceptionForm(RosterGuardedForm):
    class Meta:
        model = RosterException
        fields = ("depot", "date", "kind", "vehicle", "start_time", "end_time", "note")
        widgets = {"kind": forms.RadioSelect}


class RosterGuardedAdmin(DepotLocalTimeMixin, admin.ModelAdmin):
    """Saves and deletes through ``roster_change_apply``, then fills the horizon's missing days."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, each re-checked
        return actions

    def _roster_write(self, write, *, scope: RosterScope, dry_run: bool = False) -> RosterChange:
        return roster_change_apply(change=write, scope=scope, now=clock.now(), dry_run=dry_run)

    def _roster_fill(self, request, depot: Depot, outcome: RosterChange) -> None:
        """Make the horizon's missing days now, and tell what the roster could not place."""
        applied = roster_apply(
            depot=depot, dates=roster_dates(depot=depot, now=clock.now(), days=roster_days_default())
        )
        resync = outcome.resync
        if resync.added or resync.retimed or resync.removed:
            self.message_user(
                request,
                f"Shifts on {depot.code}'s days already planned: {resync.added} added, "
                f"{resync.retimed} re-timed, {resync.removed} removed.",
                messages.SUCCESS,
            )
        if applied.created_shifts:
            self.message_user(
                request,
                f"The roster added {applied.created_shifts} shift(s) to {depot.code}'s coming "
                f"{roster_days_default()} days ({applied.created_days} new depot-day(s)).",
                messages.SUCCESS,
            )
        names = dict(Vehicle.objects.filter(depot=depot).values_list("id", "name"))
        refused = {(r["date"], r["vehicle"], r["reason"]) for r in applied.refused}
        refused |= {(r.date.isoformat(), names.get(r.vehicle_id), r.reason) for r in outcome.refused}
        for date, vehicle, reason in sorted(refused, key=lambda r: (r[0], r[1] or "")):
            self.message_user(
                request, f"Not rostered: {vehicle or depot.code} on {date}: {reason}", messages.WARNING
            )

    def save_model(self, request, obj, form, change):
        # The scope is read before the write: an edit may move an exception off a vehicle.
        scope = form.roster_scope()
        extra = form.extra_rows()

        def write():
            super(RosterGuardedAdmin, self).save_model(request, obj, form, change)
            for row in extra:
                row.save()

        outcome = self._roster_write(write, scope=scope)
        if not outcome.applied:  # a booking got in between the form's check and this save
            raise ValidationError(broken_bookings_message(outcome.problems))
        for row in extra:
            self.log_addition(request, row, [{"added": {}}])
            self.message_user(request, f"Added the same pattern for {row}.", messages.SUCCESS)
        self._roster_fill(request, scope.depot, outcome)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id) if request.method == "POST" else None
        if obj is not None:
            trial = self._roster_write(model_copy(obj).delete, scope=roster_scope(obj), dry_run=True)
            if not trial.applied:
                self.message_user(request, broken_bookings_message(trial.problems), messages.ERROR)
                opts = self.model._meta
                return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        outcome = self._roster_write(
            lambda: super(RosterGuardedAdmin, self).delete_model(request, obj), scope=roster_scope(obj)
        )
        if not outcome.applied:
            raise ValidationError(broken_bookings_message(outcome.problems))


@admin.register(ShiftPattern)
class ShiftPatternAdmin(RosterGuardedAdmin):
    form = ShiftPatternForm
    list_display = ("vehicle", "depot", "days", "hours", "valid_from", "valid_until")
    list_filter = ("vehicle__depot",)
    search_fields = ("vehicle__name", "vehicle__depot__code")
    list_select_related = ("vehicle__depot",)
    autocomplete_fields = ("vehicle",)

    def get_readonly_fields(self, request, obj=None):
        # A pattern belongs to its vehicle (and so its depot's zone): end it and add another instead.
        return ("vehicle",) if obj is not None else ()

    def get_fields(self, request, obj=None):
        fields = [name for name in super().get_fields(request, obj) if name != "more_vehicles"]
        if obj is None:  # on the add page, right after the vehicle
            fields.insert(fields.index("vehicle") + 1, "more_vehicles")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "more_vehicles" in form.base_fields:
            # Picked like the vehicle: by typing, from the vehicles the vehicle field offers.
            form.base_fields["more_vehicles"].widget = AutocompleteSelectMultiple(
                ShiftPattern._meta.get_field("vehicle"), self.admin_site
            )
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("weekdays", [1, 2, 3, 4, 5])
        initial.setdefault("valid_from", clock.now().date())
        return initial

    def depot_of(self, request, object_id):
        if object_id:
            pattern = ShiftPattern.objects.select_related("vehicle__depot").filter(pk=object_id).first()
            return pattern.vehicle.depot if pattern else None
        vehicle_id = posted_or_given(request, "vehicle")
        vehicle = (
            Vehicle.objects.select_related("depot").filter(pk=vehicle_id).first() if vehicle_id else None
        )
        return vehicle.depot if vehicle else None

    @admin.display(description="depot", ordering="vehicle__depot__code")
    def depot(self, pattern):
        return pattern.vehicle.depot.code

    @admin.display(description="days")
    def days(self, pattern):
        return weekdays_label(pattern.weekdays)

    @admin.display(description="hours", ordering="start_time")
    def hours(self, pattern):
        return hours_label(pattern.start_time, pattern.end_time, pattern.vehicle.depot.time_zone)


@admin.register(RosterException)
class RosterExceptionAdmin(RosterGuardedAdmin):
    form = RosterExceptionForm
    list_display = ("date", "depot", "kind", "vehicle", "hours", "note")
    list_filter = ("kind", "depot")
    search_fields = ("depot__code", "vehicle__name", "note")
    date_hierarchy = "date"
    list_select_related = ("depot", "vehicle")
    autocomplete_fields = ("depot", "vehicle")
    radio_fields = {"kind": admin.HORIZONTAL}

    def get_readonly_fields(self, request, obj=None):
        return ("depot",) if obj is not None else ()

    def depot_of(self, request, object_id):
        if object_id:
            exception = RosterException.objects.select_related("depot").filter(pk=object_id).first()
            return exception.depot if exception else None
        depot_id = posted_or_given(request, "depot")
        return Depot.objects.filter(pk=depot_id).first() if depot_id else None

    @admin.display(description="hours")
    def hours(self, exception):
        if exception.start_time is None or exception.end_time is None:
            return "-"
        return hours_label(exception.start_time, exception.end_time, exception.depot.time_zone)
