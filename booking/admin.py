import calendar
import datetime as dt
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.http import QueryDict

from fleet.admin.local_time import (
    DepotLocalTimeMixin,
    LocalTimeWidget,
    at_local,
    hours_label,
    posted_or_given,
    span_local,
)
from fleet.admin.read_only import ReadOnlyAdminMixin
from fleet.models import Depot
from fleet.roster import ISO_WEEKDAYS, WEEKDAY_NAMES, weekdays_label
from greenslot.errors import GreenslotError
from greenslot.text import bidi_controls_shown
from tenants.models import Retailer

from .cutoffs import (
    DAY_BEFORE,
    HOURS_BEFORE,
    CutoffSaid,
    cutoff_label,
    cutoff_minutes_for,
    cutoff_said,
)
from .models import Booking, BookingEvent, BookingStatus, Offer, PresetAddress, WindowTemplate
from .services.holds import booking_cancel

MAX_CUTOFF_HOURS = 14 * 24  # the longest booking horizon


def address_shown(address: dict) -> str:
    """A recorded address as an operator reads it: its JSON, bidirectional controls made visible
    (``greenslot.text``), so an override cannot make it read as another street."""
    return bidi_controls_shown(json.dumps(address, ensure_ascii=False))


@admin.register(PresetAddress)
class PresetAddressAdmin(admin.ModelAdmin):
    """The addresses a retailer's shopper page lists by name."""

    list_display = ("label", "street", "slug", "retailer", "position", "lat", "lon")
    list_filter = ("retailer",)
    search_fields = ("label", "street", "slug")
    list_select_related = ("retailer",)
    prepopulated_fields = {"slug": ("label",)}


class WindowTemplateForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        choices=[(day, WEEKDAY_NAMES[day]) for day in ISO_WEEKDAYS],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every day.",
    )
    cutoff_kind = forms.ChoiceField(
        label="Orders close",
        choices=[(HOURS_BEFORE, "hours before the window starts"), (DAY_BEFORE, "the day before, at")],
        initial=HOURS_BEFORE,
        widget=widgets.AdminRadioSelect(attrs={"class": "radiolist inline"}),
    )
    cutoff_hours = forms.DecimalField(
        label="Hours before the start",
        required=False,
        min_value=0,
        max_value=MAX_CUTOFF_HOURS,
        decimal_places=2,
        initial=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "style": "width: 6em"}),
    )
    cutoff_day_before_at = forms.TimeField(
        label="The day before, at",
        required=False,
        widget=LocalTimeWidget,
        help_text=(
            "On the depot's clock. Kept as the hours between that time and the window's start, so on "
            "the night the clocks change it moves an hour with them."
        ),
    )

    class Meta:
        model = WindowTemplate
        fields = ("depot", "start_time", "end_time", "weekdays", "is_active")

    class Media:
        js = ("js/cutoff-choice.js",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            said = cutoff_said(
                cutoff_minutes=self.instance.cutoff_minutes, start_time=self.instance.start_time
            )
            self.initial.update(cutoff_kind=said.kind, cutoff_hours=said.hours, cutoff_day_before_at=said.at)

    def clean_weekdays(self):
        return sorted(set(self.cleaned_data["weekdays"]))

    def clean(self):
        cleaned = super().clean()
        kind, start_time = cleaned.get("cutoff_kind"), cleaned.get("start_time")
        changed = set(self.changed_data)
        if self.instance.pk and "cutoff_kind" not in changed:
            # Untouched: keep the stored minutes, even ones the hours shown round.
            if kind == HOURS_BEFORE and "cutoff_hours" not in changed:
                return cleaned
            if kind == DAY_BEFORE and not changed & {"cutoff_day_before_at", "start_time"}:
                return cleaned
        if kind == DAY_BEFORE and cleaned.get("cutoff_day_before_at") is None:
            self.add_error("cutoff_day_before_at", "Give the time the day before when orders close.")
        elif kind == HOURS_BEFORE and cleaned.get("cutoff_hours") is None:
            self.add_error("cutoff_hours", "Give how many hours before the start orders close.")
        elif kind and start_time is not None:
            said = CutoffSaid(
                kind=kind, hours=cleaned.get("cutoff_hours"), at=cleaned.get("cutoff_day_before_at")
            )
            try:
                self.instance.cutoff_minutes = cutoff_minutes_for(said=said, start_time=start_time)
            except ValueError as exc:
                self.add_error("cutoff_hours", str(exc))
        return cleaned


@admin.register(WindowTemplate)
class WindowTemplateAdmin(DepotLocalTimeMixin, admin.ModelAdmin):
    form = WindowTemplateForm
    list_display = ("depot", "window", "cutoff", "days", "is_active")
    fields = (
        "depot",
        ("start_time", "end_time"),
        "cutoff_kind",
        "cutoff_hours",
        "cutoff_day_before_at",
        "weekdays",
        "is_active",
    )
    list_filter = ("is_active", "depot")
    search_fields = ("depot__code", "depot__name")
    list_select_related = ("depot",)
    autocomplete_fields = ("depot",)

    def depot_of(self, request, object_id):
        if object_id:
            template = WindowTemplate.objects.select_related("depot").filter(pk=object_id).first()
            return template.depot if template else None
        depot_id = posted_or_given(request, "depot")
        return Depot.objects.filter(pk=depot_id).first() if depot_id else None

    @admin.display(description="window", ordering="start_time")
    def window(self, template):
        return hours_label(template.start_time, template.end_time, template.depot.time_zone)

    @admin.display(description="orders close", ordering="cutoff_minutes")
    def cutoff(self, template):
        return cutoff_label(cutoff_minutes=template.cutoff_minutes, start_time=template.start_time)

    @admin.display(description="days")
    def days(self, template):
        return weekdays_label(template.weekdays) if template.weekdays else "every day"


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdminMixin, DepotLocalTimeMixin, admin.ModelAdmin):
    """The windows shown to a shopper, as priced: kept for replay, so never edited."""

    list_display = ("id", "retailer", "depot", "rule_set", "size_units", "created", "expires")
    list_filter = ("retailer", "depot")
    search_fields = ("id",)
    date_hierarchy = "created_at"
    list_select_related = ("retailer", "depot", "rule_set__retailer")
    show_full_result_count = False
    # Client-written text is shown with bidirectional controls made visible.
    exclude = ("address",)
    readonly_fields = ("shown_address",)

    @admin.display(description="address")
    def shown_address(self, offer: Offer) -> str:
        return address_shown(offer.address)

    def depot_of(self, request, object_id):
        offer = Offer.objects.select_related("depot").filter(pk=object_id).first() if object_id else None
        return offer.depot if offer else None

    @admin.display(description="created", ordering="created_at")
    def created(self, offer):
        return at_local(offer.created_at, offer.depot.tz)

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, offer):
        return at_local(offer.expires_at, offer.depot.tz, date=False)


def export_query(params) -> str:
    """The booking list's filters (state, retailer, depot, the window's year, month or day) as the
    bookings export's query string, so "Export CSV" starts from the rows on screen."""
    query = QueryDict(mutable=True)
    if params.get("status__exact"):
        query["state"] = params["status__exact"]
    retailer_id = params.get("retailer__id__exact")
    if retailer_id and retailer_id.isdigit():
        slug = Retailer.objects.filter(pk=retailer_id).values_list("slug", flat=True).first()
        if slug:
            query["retailer"] = slug
    depot_id = params.get("depot_day__depot__id__exact")
    if depot_id and depot_id.isdigit():
        code = Depot.objects.filter(pk=depot_id).values_list("code", flat=True).first()
        if code:
            query["depot"] = code
    year, month, day = (params.get(f"window_start__{part}", "") for part in ("year", "month", "day"))
    if year.isdigit():
        try:
            if month.isdigit() and day.isdigit():
                first = last = dt.date(int(year), int(month), int(day))
            elif month.isdigit():
                first = dt.date(int(year), int(month), 1)
                last = dt.date(int(year), int(month), calendar.monthrange(int(year), int(month))[1])
            else:
                first, last = dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
        except ValueError:
            pass  # a date the list itself would refuse: export without it
        else:
            query["date_from"], query["date_to"] = first.isoformat(), last.isoformat()
    return query.urlencode()


class BookingEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BookingEvent
    fields = ("at", "actor", "from_status", "to_status", "shown_note")
    readonly_fields = fields
    ordering = ("at", "id")
    extra = 0

    @admin.display(description="note")
    def shown_note(self, event: BookingEvent) -> str:
        return bidi_controls_shown(event.note)


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, DepotLocalTimeMixin, admin.ModelAdmin):
    """Bookings are never deleted or edited here: a confirmed booking is cancelled (the action below),
    which takes its stop off the route through the same service the API uses."""

    # The reference and the local window first: what an operator is asked about, and what a
    # phone shows before the table scrolls.
    list_display = (
        "reference",
        "window",
        "status",
        "retailer",
        "price_amount",
        "currency",
        "co2e_grams",
        "rule_version",
        "created",
    )
    list_filter = ("status", "retailer", "depot_day__depot")
    search_fields = ("reference", "id", "external_ref", "idempotency_key")
    date_hierarchy = "window_start"
    list_select_related = ("retailer", "depot_day__depot")
    raw_id_fields = ("offer", "depot_day", "stop")
    inlines = (BookingEventInline,)
    actions = ("cancel_selected",)
    show_full_result_count = False
    # Client-written text is shown with bidirectional controls made visible.
    exclude = ("address", "external_ref", "idempotency_key")
    readonly_fields = ("shown_address", "shown_external_ref", "shown_idempotency_key")

    @admin.display(description="address")
    def shown_address(self, booking: Booking) -> str:
        return address_shown(booking.address)

    @admin.display(description="external ref")
    def shown_external_ref(self, booking: Booking) -> str:
        return bidi_controls_shown(booking.external_ref)

    @admin.display(description="idempotency key")
    def shown_idempotency_key(self, booking: Booking) -> str:
        return bidi_controls_shown(booking.idempotency_key)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def depot_of(self, request, object_id):
        booking = (
            Booking.objects.select_related("depot_day__depot").filter(pk=object_id).first()
            if object_id
            else None
        )
        return booking.depot_day.depot if booking else None

    @admin.display(description="window", ordering="window_start")
    def window(self, booking):
        return span_local(booking.window_start, booking.window_end, booking.depot_day.depot.tz)

    @admin.display(description="created", ordering="created_at")
    def created(self, booking):
        return at_local(booking.created_at, booking.depot_day.depot.tz)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "export_query": export_query(request.GET)}
        return super().changelist_view(request, extra_context)

    def has_cancel_permission(self, request):
        return request.user.has_perm("booking.change_booking")

    @admin.action(description="Cancel selected confirmed bookings", permissions=["cancel"])
    def cancel_selected(self, request, queryset):
        cancelled = 0
        confirmed = list(queryset.filter(status=BookingStatus.CONFIRMED).select_related("retailer"))
        for booking in confirmed:
            try:
                booking_cancel(
                    retailer=booking.retailer,
                    booking_id=booking.id,
                    actor=f"admin:{request.user.get_username()}",
                    reason="cancelled in the admin",
                )
            except GreenslotError as error:
                self.message_user(request, f"{booking.id}: {error.message}", messages.ERROR)
            else:
                cancelled += 1
        self.message_user(request, f"Cancelled {cancelled} booking(s).", messages.SUCCESS)
        skipped = queryset.count() - len(confirmed)
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} not confirmed: only a confirmed booking is cancelled.",
                messages.WARNING,
            )
