"""Holds: make one from a quote, release it, confirm it into a booking (idempotently)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from greenslot.errors import InvalidInput

from ...claims import booking_claim
from ...references import reference_display
from ...services.holds import hold_confirm, hold_get_or_create, hold_release
from ..authentication import PublishableKeyAllowed
from ..schema import IDEMPOTENCY_KEY_SCHEMA, ORDER_ALREADY_CONFIRMED_EXAMPLE
from ..serializers import (
    BookingSerializer,
    ClaimSerializer,
    PriceSerializer,
    StrictCharField,
    StrictSerializer,
    WindowSerializer,
    booking_representation,
    claim_representation,
    method_url,
    price_representation,
    window_representation,
)
from ..throttling import client_ip
from .base import ApiView, error_responses

# The longest Idempotency-Key kept; the booking stores at most this many characters.
IDEMPOTENCY_KEY_MAX = IDEMPOTENCY_KEY_SCHEMA["maxLength"]

HOLD_ID = OpenApiParameter("hold_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The hold's id.")


@extend_schema_serializer(component_name="QuoteRequest")
class QuoteInputSerializer(StrictSerializer):
    quote = StrictCharField(max_length=4000, help_text="A window's quote from POST /api/v1/offers.")


class HoldCreateApi(ApiView):
    permission_classes = [PublishableKeyAllowed]
    throttle_scope = "holds"

    InputSerializer = QuoteInputSerializer

    @extend_schema_serializer(component_name="Hold")
    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField(help_text="Confirm or release the hold with this id.")
        reference = serializers.CharField(
            help_text='The short reference the shopper reads and says, e.g. "K7PM-4XRA".'
        )
        status = serializers.CharField()
        expires_at = serializers.DateTimeField(help_text="The hold lapses then unless confirmed.")
        window = WindowSerializer()
        price = PriceSerializer()
        co2e_grams = serializers.IntegerField()
        claim = ClaimSerializer(
            allow_null=True,
            help_text="The environmental claim to show with its basis; null when there is none.",
        )

    @extend_schema(
        operation_id="hold_create",
        summary="Hold a quoted window for a few minutes (idempotent per quote)",
        description="A quote is used once, ever (by a hold or a reschedule). Sending the same quote again while its hold is "
        "live (a retry after a timeout) returns that hold with 200 and takes no more capacity; once "
        "the hold is released, lapsed or confirmed, the quote is refused (409 quote_used).",
        request=InputSerializer,
        responses={
            201: OpenApiResponse(OutputSerializer, description="Held now."),
            200: OpenApiResponse(OutputSerializer, description="A retry: the live hold this quote made."),
            **error_responses(400, 403, 409, 410, 413, 415),
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hold, created = hold_get_or_create(
            retailer=self.caller.retailer,
            quote=data.validated_data["quote"],
            actor=self.caller.actor,
            # A browser's hold counts against its client address; a retailer's server holds for all.
            client_ip=client_ip(request) if self.caller.is_publishable else "",
        )
        body = {
            "id": hold.id,
            "reference": reference_display(hold.reference),
            "status": hold.status,
            "expires_at": hold.hold_expires_at,
            "window": window_representation(
                start=hold.window_start, end=hold.window_end, tz=hold.depot_day.depot.tz
            ),
            "price": price_representation(hold),
            "co2e_grams": hold.co2e_grams,
            "claim": claim_representation(booking_claim(hold), method_url=method_url(request)),
        }
        return Response(
            self.OutputSerializer(body).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class HoldReleaseApi(ApiView):
    permission_classes = [PublishableKeyAllowed]
    throttle_scope = "holds"

    @extend_schema(
        operation_id="hold_release",
        summary="Release a hold before it lapses",
        parameters=[HOLD_ID],
        request=None,
        responses={
            204: OpenApiResponse(description="Released."),
            **error_responses(403, 404, 409),
        },
    )
    def delete(self, request, hold_id):
        hold_release(retailer=self.caller.retailer, booking_id=hold_id, actor=self.caller.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HoldConfirmApi(ApiView):
    throttle_scope = "holds"

    @extend_schema_serializer(component_name="ConfirmRequest")
    class InputSerializer(StrictSerializer):
        external_ref = StrictCharField(
            max_length=120, required=False, allow_blank=True, default="", help_text="Your order reference."
        )

    OutputSerializer = BookingSerializer

    @extend_schema(
        operation_id="hold_confirm",
        summary="Confirm a hold into a booking (idempotent)",
        description="Your order reference (`external_ref`) confirms one live booking: confirming "
        "another hold for the same order, with any key, is 409 order_already_confirmed (details name "
        "the booking: `booking_id`, `reference`) until that booking is cancelled.",
        parameters=[
            HOLD_ID,
            OpenApiParameter(
                "Idempotency-Key",
                IDEMPOTENCY_KEY_SCHEMA,
                OpenApiParameter.HEADER,
                required=True,
                description="Any unique string up to 120 characters (a UUID is ideal). A retry with the same key "
                "and body returns the same booking with 200; the same key with another body, or on "
                "another hold, is 409 idempotency_mismatch.",
            ),
        ],
        request=InputSerializer,
        responses={
            201: OpenApiResponse(BookingSerializer, description="Confirmed now."),
            200: OpenApiResponse(BookingSerializer, description="A replay: confirmed earlier with this key."),
            **error_responses(400, 403, 404, 409, 413, 415),
        },
        examples=[ORDER_ALREADY_CONFIRMED_EXAMPLE],
    )
    def post(self, request, hold_id):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise InvalidInput(
                "idempotency_key_required",
                "Send an Idempotency-Key header (e.g. a UUID) so retries are safe.",
            )
        if len(key) > IDEMPOTENCY_KEY_MAX:
            raise InvalidInput(
                "invalid_idempotency_key",
                f"The Idempotency-Key may be at most {IDEMPOTENCY_KEY_MAX} characters.",
                details={"max_length": IDEMPOTENCY_KEY_MAX},
            )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking, created = hold_confirm(
            retailer=self.caller.retailer,
            booking_id=hold_id,
            external_ref=data.validated_data["external_ref"],
            idempotency_key=key,
            actor=self.caller.actor,
        )
        return Response(
            self.OutputSerializer(booking_representation(booking, request=request)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
