"""A booking: read it, cancel it, move it to another quoted window."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework.response import Response

from ...services.holds import booking_cancel, booking_get, booking_reschedule
from ..serializers import BookingSerializer, StrictCharField, StrictSerializer, booking_representation
from .base import ApiView, error_responses
from .holds import QuoteInputSerializer

BOOKING_ID = OpenApiParameter(
    "booking_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The booking's (or hold's) id."
)


class BookingDetailApi(ApiView):
    OutputSerializer = BookingSerializer

    @extend_schema(
        operation_id="booking_get",
        summary="A booking or hold, with its effective status",
        parameters=[BOOKING_ID],
        responses={200: OutputSerializer, **error_responses(403, 404)},
    )
    def get(self, request, booking_id):
        booking = booking_get(retailer=self.caller.retailer, booking_id=booking_id)
        return Response(self.OutputSerializer(booking_representation(booking, request=request)).data)


class BookingCancelApi(ApiView):
    @extend_schema_serializer(component_name="CancelRequest")
    class InputSerializer(StrictSerializer):
        reason = StrictCharField(
            max_length=300,
            required=False,
            allow_blank=True,
            default="",
            help_text="Kept in the booking's history.",
        )

    OutputSerializer = BookingSerializer

    @extend_schema(
        operation_id="booking_cancel",
        summary="Cancel a confirmed booking",
        parameters=[BOOKING_ID],
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 403, 404, 409, 413, 415)},
    )
    def post(self, request, booking_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = booking_cancel(
            retailer=self.caller.retailer,
            booking_id=booking_id,
            reason=data.validated_data["reason"],
            actor=self.caller.actor,
        )
        return Response(self.OutputSerializer(booking_representation(booking, request=request)).data)


class BookingRescheduleApi(ApiView):
    InputSerializer = QuoteInputSerializer
    OutputSerializer = BookingSerializer

    @extend_schema(
        operation_id="booking_reschedule",
        summary="Move a confirmed booking to another quoted window",
        description="Atomic: the booking either moves to the quoted window or stays where it was "
        "(409 window_unavailable). The quote must be for the same address and parcel. A quote is "
        "used once: the same quote again on the booking it moved returns the booking unchanged (a "
        "retry); on another booking, or to hold, it is refused (409 quote_used).",
        parameters=[BOOKING_ID],
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 403, 404, 409, 410, 413, 415)},
    )
    def post(self, request, booking_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = booking_reschedule(
            retailer=self.caller.retailer,
            booking_id=booking_id,
            quote=data.validated_data["quote"],
            actor=self.caller.actor,
        )
        return Response(self.OutputSerializer(booking_representation(booking, request=request)).data)
