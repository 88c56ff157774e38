"""The shopper's address and parcel, as typed into the slot picker's GET form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django import forms
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from booking.geocoding import GeocoderUnavailable, Place, geocoder
from booking.models import PresetAddress
from booking.views.presentation import shopper_message
from greenslot.errors import GreenslotError

DEFAULT_SIZE_UNITS = 2
DEFAULT_SERVICE_MINUTES = 3
# The picker sells small-parcel deliveries; larger loads go through the retailer's API.
MAX_SIZE_UNITS = 60
MAX_ADDRESS_CHARS = 200
ADDRESS_NOT_FOUND = (
    "We could not find that address. Try the street and house number, such as “Kanaalstraat 12”."
)


class AddressForm(forms.Form):
    """The delivery address as the shopper types it (or a retailer's preset address by its slug, or
    the host page's point), and the basket size the retailer passes along (never asked).

    The address is found with the configured geocoder (``booking.geocoding``); the point it gives
    is for the offer service only and is never shown. Coordinates from a host page are passed on as
    given: the offer service validates them, so its messages are the only ones for a bad point.
    """

    address = forms.CharField(
        label=_("Delivery address"),
        required=False,
        max_length=MAX_ADDRESS_CHARS,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "street-address",
                "placeholder": "Street and house number",
            }
        ),
    )
    lat = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    lon = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    size_units = forms.IntegerField(
        min_value=1, max_value=MAX_SIZE_UNITS, initial=DEFAULT_SIZE_UNITS, widget=forms.HiddenInput
    )
    service_minutes = forms.IntegerField(
        min_value=1, max_value=240, initial=DEFAULT_SERVICE_MINUTES, widget=forms.HiddenInput
    )

    @classmethod
    def from_query(cls, query: QueryDict, *, presets: Sequence[PresetAddress] = ()) -> AddressForm:
        """Bound to the query, with the parcel defaults filled in: ``/?address=...`` is a whole search."""
        data = query.copy()
        for name, default in (
            ("size_units", DEFAULT_SIZE_UNITS),
            ("service_minutes", DEFAULT_SERVICE_MINUTES),
        ):
            if not data.get(name):
                data[name] = str(default)
        return cls(data, presets=presets)

    def __init__(self, *args, presets: Sequence[PresetAddress] = (), **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.presets = {preset.slug: preset for preset in presets}
        self.presets_by_label = {preset.label.casefold(): preset for preset in presets}

    def clean(self) -> dict:
        cleaned = super().clean()
        text = (cleaned.get("address") or "").strip()
        preset = self.presets.get(text) or self.presets_by_label.get(text.casefold())
        if preset is not None:
            cleaned["point"] = (preset.lat, preset.lon)
            cleaned["address_record"] = {"slug": preset.slug, "label": preset.label, "street": preset.street}
            cleaned["address_label"] = str(preset)
        elif text:
            found = address_search(text, limit=1)
            if not found:
                raise forms.ValidationError(ADDRESS_NOT_FOUND, code="address_not_found")
            place = found[0]
            cleaned["point"] = (place.lat, place.lon)
            cleaned["address_record"] = place.record(geocoder().name)
            cleaned["address_label"] = place.label
        elif cleaned.get("lat") and cleaned.get("lon"):
            cleaned["point"] = (cleaned["lat"], cleaned["lon"])
            cleaned["address_record"] = {}
            cleaned["address_label"] = ""
        elif "address" not in self.errors:
            raise forms.ValidationError(_("Enter your delivery address."), code="address_required")
        return cleaned

    def search_query(self) -> str:
        """The cleaned search as a query string, for the grid's links and forms: the address as found
        (so every later request finds the same one), or the host page's point."""
        query = QueryDict(mutable=True)
        record = self.cleaned_data.get("address_record") or {}
        if record.get("slug"):
            query["address"] = record["slug"]
        elif self.cleaned_data.get("address_label"):
            query["address"] = self.cleaned_data["address_label"]
        else:
            query["lat"], query["lon"] = str(self.cleaned_data["lat"]), str(self.cleaned_data["lon"])
        for name in ("size_units", "service_minutes"):
            query[name] = str(self.cleaned_data[name])
        return query.urlencode()


SUGGESTIONS = 5
MIN_SUGGEST_CHARS = 3


def suggestions_context(text: str, *, choose_url: str) -> dict:
    """What ``booking/address_suggestions.html`` shows for ``text``: the places found (None before
    there is enough to search), or the geocoder's apology."""
    context = {"query": text, "choose_url": choose_url, "suggestions": None, "errors": []}
    if len(text) >= MIN_SUGGEST_CHARS:
        try:
            context["suggestions"] = address_search(text, limit=SUGGESTIONS)
        except forms.ValidationError as unavailable:
            context["errors"] = unavailable.messages
    return context


def address_search(text: str, *, limit: int) -> list[Place]:
    """The geocoder's places for ``text``; a geocoder that cannot answer is the shopper's message."""
    try:
        return geocoder().search(text, limit=limit)
    except GeocoderUnavailable as unavailable:
        raise forms.ValidationError(unavailable.message, code=unavailable.code) from unavailable


def chosen_day(request: HttpRequest) -> dt.date | None:
    """The day the shopper chose (``?day=2026-12-09``, or the day of the window a hold was tried on)."""
    value = request.POST.get("day") or request.GET.get("day") or ""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def grid_choice(request: HttpRequest, failure: GreenslotError | None) -> dict:
    """What the shopper chose in the grid: the day, and after a refused hold, the window tapped
    (``window`` in the hold form) and why it was refused, for ``presentation.slot_grid``."""
    return {
        "day": chosen_day(request),
        "refused_key": request.POST.get("window", "") if failure else "",
        "refusal": shopper_message(failure) if failure else "",
    }
