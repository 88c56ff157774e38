"""Serializers shared by several API views: strict input, prices, windows and the booking."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from django.urls import reverse
from rest_framework import serializers

from greenslot.text import BIDI_REFUSED, bidi_controls_in
from pricing.labels import LABEL_NAMES, ClaimBasis, label_name

from ..claims import booking_claim
from ..models import Booking, BookingStatus
from ..references import reference_display
from ..services.holds import booking_effective_status

ADDRESS_TEXT_FIELDS = ("line1", "postcode", "city", "country")


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (at every level), so a typo such as ``"day"`` for ``"days"``
    is a 400 instead of a silently ignored value."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(name) for name in set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class StrictFloatField(serializers.FloatField):
    """A JSON number, nothing else: DRF's ``FloatField`` would read ``true`` as 1.0 and ``"52.1"``
    as 52.1, which the schema (``type: number``) does not allow."""

    default_error_messages = {"invalid": "A number is required (not a string or a boolean)."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON whole number (``3`` or ``3.0``), nothing else: DRF's ``IntegerField`` would read
    ``"3"`` as 3."""

    default_error_messages = {"invalid": "A whole number is required (not a string or a boolean)."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        if isinstance(data, float) and not data.is_integer():
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string, nothing else: DRF's ``CharField`` would read ``42`` as ``"42"``. Refuses
    bidirectional controls too (``greenslot.text``): the text ends up on operators' screens."""

    default_error_messages = {
        "invalid": "A string is required.",
        "bidi": BIDI_REFUSED,
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        controls = bidi_controls_in(data)
        if controls:
            self.fail("bidi", controls=", ".join(controls))
        return super().to_internal_value(data)


class IsoDateField(serializers.DateField):
    """Exactly ``YYYY-MM-DD``: ``strptime`` would also take "2026-1-1", ``fromisoformat`` "20261201"."""

    shape = re.compile(r"\d{4}-\d{2}-\d{2}")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not self.shape.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class OffsetDateTimeField(serializers.DateTimeField):
    """ISO 8601 with the offset the value carries (a window in its depot's local time), not UTC."""

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat()


class PriceLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    amount = serializers.CharField(help_text='Decimal as a string, e.g. "-0.50".')


class PriceSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text='Decimal as a string in the currency\'s units, e.g. "4.90".')
    currency = serializers.CharField(help_text="ISO 4217 code.")
    breakdown = PriceLineSerializer(many=True, help_text="Lines that sum exactly to amount.")


class WindowSerializer(serializers.Serializer):
    start = OffsetDateTimeField(help_text="ISO 8601 in the depot's local time, with offset.")
    end = OffsetDateTimeField(help_text="ISO 8601 in the depot's local time, with offset.")


class AddressOutputSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    line1 = serializers.CharField(required=False)
    postcode = serializers.CharField(required=False)
    city = serializers.CharField(required=False)
    country = serializers.CharField(required=False)


class ParcelSerializer(StrictSerializer):
    size_units = StrictIntegerField(min_value=1, max_value=100_000, help_text="Size units of the parcel.")
    service_minutes = StrictIntegerField(
        min_value=1, max_value=240, help_text="Minutes the driver spends at the door."
    )


LABELS_HELP = (
    "Codes, each with one name: " + ", ".join(f"{code} ({name})" for code, name in LABEL_NAMES.items()) + "."
)
CLAIM_STATEMENTS = {
    "consolidated": "Van already nearby: {grams} CO2e, {percent} % below this day's average window.",
    "green": "Low CO2e: {grams} CO2e, {percent} % below this day's average window.",
}


class ClaimSerializer(serializers.Serializer):
    """An environmental claim with its basis: the window's grams against the day's average window."""

    code = serializers.ChoiceField(choices=sorted(CLAIM_STATEMENTS), help_text="consolidated or green.")
    name = serializers.CharField(help_text='What to show: "Van nearby" or "Low CO₂e".')
    grams = serializers.IntegerField(help_text="Grams CO2e the delivery adds to its route.")
    comparison = serializers.CharField(help_text='What it is compared with: always "day_average" for now.')
    day_average_grams = serializers.IntegerField(
        help_text="Mean grams CO2e of the same day's windows on sale in the same offer."
    )
    percent_below_day_average = serializers.IntegerField(
        help_text="How far grams lies below that mean, whole percent rounded down (at least 1)."
    )
    statement = serializers.CharField(
        help_text='The claim in one English sentence, e.g. "Van already nearby: +40 g CO2e, 85 % below this '
        "day's average window.\""
    )
    method_url = serializers.URLField(help_text="The public page that explains how CO2e is counted.")


def claim_representation(basis: ClaimBasis | None, *, method_url: str) -> dict | None:
    """``ClaimSerializer``'s layout of a claim's basis, or ``None`` for a window without a claim."""
    if basis is None:
        return None
    return {
        "code": basis.code,
        "name": label_name(basis.code),
        "grams": basis.grams,
        "comparison": "day_average",
        "day_average_grams": basis.day_average_grams,
        "percent_below_day_average": basis.percent_below,
        "statement": CLAIM_STATEMENTS[basis.code].format(
            grams=f"+{basis.grams:,} g", percent=basis.percent_below
        ),
        "method_url": method_url,
    }


def method_url(request=None) -> str:
    """The method page, absolute when the request is known."""
    path = reverse("method")
    return request.build_absolute_uri(path) if request is not None else path


class BookingSerializer(serializers.Serializer):
    """A hold or booking, as ``booking_representation`` lays it out."""

    id = serializers.UUIDField()
    reference = serializers.CharField(
        help_text='The short reference the shopper reads and says, e.g. "K7PM-4XRA" (the id stays the key).'
    )
    status = serializers.ChoiceField(
        choices=BookingStatus.choices, help_text="Effective status: a hold past its expiry reads as expired."
    )
    window = WindowSerializer()
    address = AddressOutputSerializer()
    parcel = ParcelSerializer()
    price = PriceSerializer()
    co2e_grams = serializers.IntegerField(help_text="Grams CO2e this delivery adds to its route.")
    labels = serializers.ListField(child=serializers.CharField(), help_text=LABELS_HELP)
    claim = ClaimSerializer(
        allow_null=True, help_text="The environmental claim to show with its basis; null when there is none."
    )
    external_ref = serializers.CharField(help_text="Your order reference, as sent on confirm.")
    hold_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="While a hold: when it lapses. Null once confirmed."
    )
    confirmed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


def window_representation(*, start: dt.datetime, end: dt.datetime, tz) -> dict:
    return {"start": start.astimezone(tz), "end": end.astimezone(tz)}


def price_representation(booking: Booking) -> dict:
    return {
        "amount": f"{booking.price_amount:.2f}",
        "currency": booking.currency,
        "breakdown": booking.price_breakdown,
    }


def booking_representation(booking: Booking, *, now: dt.datetime | None = None, request=None) -> dict:
    """The booking as the API shows it: windows in the depot's local time, the effective status,
    its claim's basis (``request`` makes the method page's URL absolute)."""
    tz = booking.depot_day.depot.tz
    return {
        "id": booking.id,
        "reference": reference_display(booking.reference),
        "status": booking_effective_status(booking=booking, now=now),
        "window": window_representation(start=booking.window_start, end=booking.window_end, tz=tz),
        "address": {
            "lat": booking.lat,
            "lon": booking.lon,
            **{name: booking.address[name] for name in ADDRESS_TEXT_FIELDS if name in booking.address},
        },
        "parcel": {"size_units": booking.size_units, "service_minutes": booking.service_seconds // 60},
        "price": price_representation(booking),
        "co2e_grams": booking.co2e_grams,
        "labels": booking.labels,
        "claim": claim_representation(booking_claim(booking), method_url=method_url(request)),
        "external_ref": booking.external_ref,
        "hold_expires_at": booking.hold_expires_at if booking.confirmed_at is None else None,
        "confirmed_at": booking.confirmed_at,
        "created_at": booking.created_at,
    }
