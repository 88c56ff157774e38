"""What the OpenAPI schema must say that drf-spectacular cannot infer: the server's own strictness.

Imported by ``booking.api.views.base`` so the extension is registered before a schema is built.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from ..waiting_room import TICKET_HEADER

# The Idempotency-Key header as the confirm view accepts it: some non-blank text, at most 120
# characters (``booking.api.views.holds.IDEMPOTENCY_KEY_MAX``, which the Booking keeps).
IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 120, "pattern": r"\S"}


# A depot's waiting room (``booking.waiting_room``): the ticket a client presents, and the refusal.
WAITING_ROOM_TICKET = OpenApiParameter(
    TICKET_HEADER,
    {"type": "string", "maxLength": 400},
    OpenApiParameter.HEADER,
    required=False,
    description="The ticket of a 429 `waiting_room` answer (details.ticket), or of an earlier "
    "offer's response header of the same name. Sent again once Retry-After has passed, it admits: "
    "the place in the queue is kept, however early or late it is sent. An admitted ticket lets "
    "the shopper through for the rest of the visit (GREENSLOT_WAITING_ROOM_PASS_MINUTES); an "
    "unknown, foreign or tampered ticket counts as none. A 201 offer carries the visit's ticket "
    "in the response header `Waiting-Room-Ticket` whenever the depot has a waiting room.",
)

WAITING_ROOM_DESCRIPTION = (
    "`waiting_room`: the depot is releasing slots to more shoppers than it serves at once, so this "
    "one queues, first come first served. `details`: `ticket` (also in the `Waiting-Room-Ticket` "
    "header), `position` (1 = next), `estimated_wait_seconds`, and `retry_after_seconds` (= the "
    "`Retry-After` header: the turn plus a little jitter). Send the same request again with the "
    "ticket after that time; earlier retries keep the place but are refused again. "
    "Also `throttled` (per key or per client address, see Retry-After), `hold_limit_reached` or "
    "`client_hold_limit_reached`."
)

WAITING_ROOM_EXAMPLE = OpenApiExample(
    "In the waiting room",
    response_only=True,
    status_codes=["429"],
    value={
        "code": "waiting_room",
        "message": "Many shoppers are choosing delivery windows at this depot right now. You are "
        "number 412 in the queue, about 4 minutes. Send the request again with the "
        "Waiting-Room-Ticket header after Retry-After seconds.",
        "details": {
            "ticket": "eyJkIjoxLCJyIjoxLCJjIjoiIiwidCI6MTc5NjEw...:1w2x3y",
            "position": 412,
            "estimated_wait_seconds": 206,
            "retry_after_seconds": 213,
        },
    },
)


ORDER_ALREADY_CONFIRMED_EXAMPLE = OpenApiExample(
    "The order already has a booking",
    response_only=True,
    status_codes=["409"],
    value={
        "code": "order_already_confirmed",
        "message": "Order 'order-10042' is already confirmed as booking K7PM-4XRA; cancel that "
        "booking first to book the order again.",
        "details": {
            "external_ref": "order-10042",
            "booking_id": "3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b15",
            "reference": "K7PM-4XRA",
        },
    },
)


class StrictSerializerExtension(OpenApiSerializerExtension):
    """A ``StrictSerializer`` refuses fields it does not know: the schema says so with
    ``additionalProperties: false``, at every level (nested serializers are strict too)."""

    target_class = "booking.api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        return schema
