"""The shopper's address and parcel, as typed into the slot picker's GET form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django import forms
from django.http import HttpRequest, QueryDict

from booking.models import PresetAddress
from greenslot.errors import GreenslotError

DEFAULT_SIZE_UNITS = 2
DEFAULT_SERVICE_MINUTES = 3
# The picker sells small-parcel deliveries; larger loads go through the retailer's API.
MAX_SIZE_UNITS = 60


class AddressForm(forms.Form):
    """One of the retailer's preset addresses or a point, and the parcel.

    Coordinates are passed on as typed: the offer service validates them, so its error
    messages are the only ones a shopper sees for a bad point.
    """

    address = forms.ChoiceField(label="Address", required=False)
    lat = forms.CharField(
        label="Latitude",
        required=False,
        max_length=32,
        widget=forms.NumberInput(attrs={"step": "any", "min": "-90", "max": "90", "inputmode": "decimal"}),
    )
    lon = forms.CharField(
        label="Longitude",
        required=False,
        max_length=32,
        widget=forms.NumberInput(attrs={"step": "any", "min": "-180", "max": "180", "inputmode": "decimal"}),
    )
    size_units = forms.IntegerField(
        label="Parcel size (units)",
        min_value=1,
        max_value=MAX_SIZE_UNITS,
        initial=DEFAULT_SIZE_UNITS,
        help_text=f"1 to {MAX_SIZE_UNITS}; a grocery crate is about 2.",
    )
    service_minutes = forms.IntegerField(
        min_value=1, max_value=240, initial=DEFAULT_SERVICE_MINUTES, widget=forms.HiddenInput
    )

    @classmethod
    def from_query(cls, query: QueryDict, *, presets: Sequence[PresetAddress] = ()) -> AddressForm:
        """Bound to the query, with the parcel defaults filled in: ``/?address=slug`` is a whole search."""
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
        self.fields["address"].choices = [("", "Choose an address…")] + [
            (preset.slug, str(preset)) for preset in presets
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        preset = self.presets.get(cleaned.get("address") or "")
        if preset is not None:
            cleaned["point"] = (preset.lat, preset.lon)
            cleaned["address_record"] = {"slug": preset.slug, "label": preset.label, "street": preset.street}
        elif cleaned.get("lat") and cleaned.get("lon"):
            cleaned["point"] = (cleaned["lat"], cleaned["lon"])
            cleaned["address_record"] = {}
        elif "address" not in self.errors:
            raise forms.ValidationError(
                "Choose an address, or enter both latitude and longitude.", code="address_required"
            )
        return cleaned

    def search_query(self) -> str:
        """The cleaned search as a query string, so a hold form can ask for a fresh offer on failure."""
        query = QueryDict(mutable=True)
        place = ("address",) if self.cleaned_data.get("address") else ("lat", "lon")
        for name in (*place, "size_units", "service_minutes"):
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                query[name] = str(value)
        return query.urlencode()


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
        "refusal": failure.message if failure else "",
    }
