"""GET /api/v1/plans/{depot_code}/{date}: the depot-day's routes, other retailers' stops redacted."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from ..plans import plan_for_retailer
from ..serializers import IsoDateField, OffsetDateTimeField, WindowSerializer
from .base import ApiView, error_responses


@extend_schema_serializer(component_name="PlanStop")
class PlanStopSerializer(serializers.Serializer):
    booking_id = serializers.UUIDField(required=False, help_text="Only on your own bookings' stops.")
    booking_reference = serializers.CharField(
        required=False, help_text='The booking\'s short reference, e.g. "K7PM-4XRA"; only on your own stops.'
    )
    lat = serializers.FloatField(required=False, help_text="Only on your own bookings' stops.")
    lon = serializers.FloatField(required=False, help_text="Only on your own bookings' stops.")
    window = WindowSerializer()
    planned_arrival = OffsetDateTimeField(
        help_text="When service is planned to start (a van early for a window waits). Another retailer's "
        "stop shows it truncated to the quarter hour, and so does every stop after one on the route."
    )


@extend_schema_serializer(component_name="PlanLeg")
class PlanLegSerializer(serializers.Serializer):
    metres = serializers.IntegerField(
        allow_null=True, help_text="Null when the leg touches another retailer's stop."
    )
    seconds = serializers.IntegerField(
        allow_null=True, help_text="Null when the leg touches another retailer's stop."
    )


@extend_schema_serializer(component_name="PlanShift")
class PlanShiftSerializer(serializers.Serializer):
    start = OffsetDateTimeField()
    end = OffsetDateTimeField()


@extend_schema_serializer(component_name="PlanRoute")
class PlanRouteSerializer(serializers.Serializer):
    vehicle = serializers.CharField()
    vehicle_type = serializers.CharField()
    shift = PlanShiftSerializer()
    stops = PlanStopSerializer(many=True, help_text="In visiting order.")
    legs = PlanLegSerializer(
        many=True, help_text="len(stops) + 1 legs: depot → first stop, …, last stop → depot."
    )
    total_metres = serializers.IntegerField(
        allow_null=True,
        help_text="The route's metres, depot to depot; null when any leg is withheld (it would give "
        "the withheld legs away).",
    )


@extend_schema_serializer(component_name="Plan")
class PlanSerializer(serializers.Serializer):
    depot = serializers.CharField()
    date = serializers.DateField()
    version = serializers.IntegerField(help_text="Bumped by every change to the plan; 0 when no plan exists.")
    routes = PlanRouteSerializer(many=True)


class PlanDetailApi(ApiView):
    class PathSerializer(serializers.Serializer):
        date = IsoDateField()

    OutputSerializer = PlanSerializer

    @extend_schema(
        operation_id="plan_get",
        summary="The route plan of one depot on one date",
        parameters=[
            OpenApiParameter(
                "depot_code", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. utrecht"
            ),
            OpenApiParameter(
                "date", OpenApiTypes.DATE, OpenApiParameter.PATH, description="YYYY-MM-DD (local)."
            ),
        ],
        responses={200: OutputSerializer, **error_responses(400, 403, 404)},
    )
    def get(self, request, depot_code, date):
        path = self.PathSerializer(data={"date": date})
        path.is_valid(raise_exception=True)
        plan = plan_for_retailer(
            retailer=self.caller.retailer, depot_code=depot_code, date=path.validated_data["date"]
        )
        return Response(self.OutputSerializer(plan).data)
