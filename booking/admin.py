import json

from django.contrib import admin, messages

from greenslot.errors import GreenslotError

from .models import Booking, BookingEvent, BookingStatus, Offer, PresetAddress, WindowTemplate
from .services.holds import booking_cancel
from .text import bidi_controls_shown


def address_shown(address: dict) -> str:
    """A recorded address as an operator reads it: its JSON, bidirectional controls made visible
    (``booking.text``), so an override cannot make it read as another street."""
    return bidi_controls_shown(json.dumps(address, ensure_ascii=False))


class ReadOnlyAdminMixin:
    """Records written only by services: shown, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PresetAddress)
class PresetAddressAdmin(admin.ModelAdmin):
    """The addresses a retailer's shopper page lists by name."""

    list_display = ("label", "street", "slug", "retailer", "position", "lat", "lon")
    list_filter = ("retailer",)
    search_fields = ("label", "street", "slug")
    list_select_related = ("retailer",)
    prepopulated_fields = {"slug": ("label",)}


@admin.register(WindowTemplate)
class WindowTemplateAdmin(admin.ModelAdmin):
    list_display = ("depot", "start_time", "end_time", "cutoff_minutes", "weekdays", "is_active")
    list_filter = ("is_active", "depot")
    search_fields = ("depot__code", "depot__name")
    list_select_related = ("depot",)
    autocomplete_fields = ("depot",)


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The windows shown to a shopper, as priced: kept for replay, so never edited."""

    list_display = ("id", "retailer", "depot", "rule_set", "size_units", "created_at", "expires_at")
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
class BookingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Bookings are never deleted or edited here: a confirmed booking is cancelled (the action below),
    which takes its stop off the route through the same service the API uses."""

    list_display = (
        "id",
        "retailer",
        "status",
        "window_start",
        "window_end",
        "price_amount",
        "currency",
        "co2e_grams",
        "rule_version",
        "created_at",
    )
    list_filter = ("status", "retailer", "depot_day__depot")
    search_fields = ("id", "external_ref", "idempotency_key")
    date_hierarchy = "window_start"
    list_select_related = ("retailer",)
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
