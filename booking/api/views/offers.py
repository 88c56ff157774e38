"""POST /api/v1/offers: every window of the horizon for one address, priced, or with its reason."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from ...claims import offer_day_claims
from ...services.offer_windows import WindowOffer
from ...services.offers import OfferResult, offer_create
from ...services.placement import client_key
from ...waiting_room import TICKET_HEADER, Gate
from ..authentication import PublishableKeyAllowed
from ..schema import WAITING_ROOM_DESCRIPTION, WAITING_ROOM_EXAMPLE, WAITING_ROOM_TICKET
from ..serializers import (
    ADDRESS_TEXT_FIELDS,
    LABELS_HELP,
    ClaimSerializer,
    IsoDateField,
    OffsetDateTimeField,
    ParcelSerializer,
    PriceSerializer,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
    StrictSerializer,
    claim_representation,
    method_url,
)
from ..throttling import client_ip
from .base import ApiView, error_responses


@extend_schema_serializer(component_name="AddressInput")
class AddressInputSerializer(StrictSerializer):
    lat = StrictFloatField(min_value=-90, max_value=90, help_text="Degrees (WGS 84).")
    lon = StrictFloatField(min_value=-180, max_value=180, help_text="Degrees (WGS 84).")
    line1 = StrictCharField(max_length=200, required=False, allow_blank=True)
    postcode = StrictCharField(max_length=20, required=False, allow_blank=True)
    city = StrictCharField(max_length=100, required=False, allow_blank=True)
    country = StrictCharField(max_length=60, required=False, allow_blank=True)


@extend_schema_serializer(component_name="OfferWindow")
class OfferWindowSerializer(serializers.Serializer):
    start = OffsetDateTimeField(help_text="ISO 8601 in the depot's local time, with offset.")
    end = OffsetDateTimeField(help_text="ISO 8601 in the depot's local time, with offset.")
    available = serializers.BooleanField()
    reason = serializers.CharField(
        allow_null=True,
        help_text="Why the window is not sold (full, cutoff_passed, no_shift, ...); null when available.",
    )
    price = PriceSerializer(allow_null=True, help_text="Null when unavailable.")
    co2e_grams = serializers.IntegerField(
        allow_null=True, help_text="Grams CO2e the delivery adds to its route; null when unavailable."
    )
    labels = serializers.ListField(child=serializers.CharField(), help_text=LABELS_HELP)
    claim = ClaimSerializer(
        allow_null=True, help_text="The environmental claim to show with its basis; null when there is none."
    )
    quote = serializers.CharField(
        allow_null=True,
        help_text="Opaque token to hold this window (POST /api/v1/holds); one hold per quote. Null when "
        "unavailable.",
    )


@extend_schema_serializer(component_name="OfferDay")
class OfferDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    windows = OfferWindowSerializer(many=True)


@extend_schema_serializer(component_name="Offer")
class OfferSerializer(serializers.Serializer):
    offer_id = serializers.UUIDField()
    expires_at = serializers.DateTimeField(help_text="The quotes of this offer are honoured until then.")
    currency = serializers.CharField()
    days = OfferDaySerializer(many=True)


# Renders ``expires_at`` exactly as the ``OfferSerializer`` field does (current time zone, "Z").
_EXPIRES_AT_FIELD = serializers.DateTimeField()


def window_offer_representation(
    window: WindowOffer, *, breakdown: list[dict] | None = None, claim: dict | None = None
) -> dict:
    """One window as ``OfferWindowSerializer`` lays it out, as JSON-ready values.

    ``breakdown`` is ``window.price.breakdown()`` if the caller has it already; ``claim`` the
    window's ``claim_representation``.
    """
    price = None
    if window.available and window.price is not None:
        price = {
            "amount": f"{window.price.amount:.2f}",
            "currency": window.price.currency,
            "breakdown": window.price.breakdown() if breakdown is None else breakdown,
        }
    return {
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "available": window.available,
        "reason": None if window.available else window.reason,
        "price": price,
        "co2e_grams": window.co2e_grams if window.available else None,
        "labels": list(window.labels),
        "claim": claim,
        "quote": window.quote or None,
    }


def offer_representation(result: OfferResult, *, request=None) -> dict:
    """The response body: what ``OfferSerializer`` would output, built directly.

    An offer has 160+ windows, and DRF's nested serializers cost more per window than pricing
    it. ``OfferSerializer`` stays the documented schema; ``tests/api/test_offers.py`` checks that
    this gives exactly its output. Windows with the same price share one breakdown list (the
    body is rendered once, right away).
    """
    breakdowns: dict[int, list[dict]] = {}  # id of a WindowPrice of this offer -> its lines

    method = method_url(request)

    def window(w: WindowOffer, claim) -> dict:
        breakdown = None
        if w.price is not None:
            breakdown = breakdowns.get(id(w.price))
            if breakdown is None:
                breakdown = breakdowns[id(w.price)] = w.price.breakdown()
        return window_offer_representation(
            w, breakdown=breakdown, claim=claim_representation(claim, method_url=method)
        )

    return {
        "offer_id": str(result.offer.id),
        "expires_at": _EXPIRES_AT_FIELD.to_representation(result.offer.expires_at),
        "currency": result.offer.rule_set.currency,
        "days": [
            {
                "date": day.date.isoformat(),
                "windows": [
                    window(w, claim) for w, claim in zip(day.windows, offer_day_claims(day), strict=True)
                ],
            }
            for day in result.days
        ],
    }


class OfferCreateApi(ApiView):
    permission_classes = [PublishableKeyAllowed]
    throttle_scope = "offers"

    @extend_schema_serializer(component_name="OfferRequest")
    class InputSerializer(StrictSerializer):
        address = AddressInputSerializer()
        parcel = ParcelSerializer()
        from_date = IsoDateField(
            required=False, help_text="First day (YYYY-MM-DD, the depot's local date); default today."
        )
        days = StrictIntegerField(required=False, min_value=1, help_text="Days from from_date; default 7.")

        def validate_days(self, value: int) -> int:
            limit = settings.GREENSLOT["MAX_HORIZON_DAYS"]
            if value > limit:
                raise serializers.ValidationError(f"Ensure this value is less than or equal to {limit}.")
            return value

    OutputSerializer = OfferSerializer

    @extend_schema(
        operation_id="offer_create",
        summary="Offer delivery windows for an address",
        request=InputSerializer,
        parameters=[WAITING_ROOM_TICKET],
        responses={
            201: OutputSerializer,
            **error_responses(400, 403, 409, 413, 415, 422, descriptions={429: WAITING_ROOM_DESCRIPTION}),
        },
        examples=[
            WAITING_ROOM_EXAMPLE,
            OpenApiExample(
                "Utrecht, one parcel",
                request_only=True,
                value={
                    "address": {"lat": 52.0907, "lon": 5.1214, "line1": "Domplein 1", "city": "Utrecht"},
                    "parcel": {"size_units": 1, "service_minutes": 3},
                    "days": 3,
                },
            ),
        ],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = data.validated_data["address"]
        parcel = data.validated_data["parcel"]
        gate = Gate(
            retailer_id=self.caller.retailer.id,
            # A browser's ticket is its own; a retailer's server passes its shoppers' tickets on.
            client=client_key(client_ip(request)) if self.caller.is_publishable else "",
            ticket=request.headers.get(TICKET_HEADER, ""),
        )
        result = offer_create(
            retailer=self.caller.retailer,
            lat=address["lat"],
            lon=address["lon"],
            size_units=parcel["size_units"],
            service_minutes=parcel["service_minutes"],
            address={name: address[name] for name in ADDRESS_TEXT_FIELDS if address.get(name)},
            from_date=data.validated_data.get("from_date"),
            days=data.validated_data.get("days"),
            admit=gate.admit,
        )
        # Plain JSON-ready data, not ``self.OutputSerializer(...).data``: see ``offer_representation``.
        response = Response(offer_representation(result, request=request), status=status.HTTP_201_CREATED)
        if gate.ticket:
            # The visit's pass through the depot's waiting room: send it with the next offers.
            response[TICKET_HEADER] = gate.ticket
        return response
