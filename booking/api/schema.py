"""What the OpenAPI schema must say that drf-spectacular cannot infer: the server's own strictness.

Imported by ``booking.api.views.base`` so the extension is registered before a schema is built.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension

# The Idempotency-Key header as the confirm view accepts it: some non-blank text, at most 120
# characters (``booking.api.views.holds.IDEMPOTENCY_KEY_MAX``, which the Booking keeps).
IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 120, "pattern": r"\S"}


class StrictSerializerExtension(OpenApiSerializerExtension):
    """A ``StrictSerializer`` refuses fields it does not know: the schema says so with
    ``additionalProperties: false``, at every level (nested serializers are strict too)."""

    target_class = "booking.api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        return schema
