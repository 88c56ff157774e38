"""/api/: the v1 REST API (docs/integration.md), its OpenAPI schema and its interactive docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .views.bookings import BookingCancelApi, BookingDetailApi, BookingRescheduleApi
from .views.holds import HoldConfirmApi, HoldCreateApi, HoldReleaseApi
from .views.offers import OfferCreateApi
from .views.plans import PlanDetailApi

app_name = "api"

urlpatterns = [
    path("v1/offers", OfferCreateApi.as_view(), name="offer_create"),
    path("v1/holds", HoldCreateApi.as_view(), name="hold_create"),
    path("v1/holds/<uuid:hold_id>", HoldReleaseApi.as_view(), name="hold_release"),
    path("v1/holds/<uuid:hold_id>/confirm", HoldConfirmApi.as_view(), name="hold_confirm"),
    path("v1/bookings/<uuid:booking_id>", BookingDetailApi.as_view(), name="booking"),
    path("v1/bookings/<uuid:booking_id>/cancel", BookingCancelApi.as_view(), name="booking_cancel"),
    path(
        "v1/bookings/<uuid:booking_id>/reschedule", BookingRescheduleApi.as_view(), name="booking_reschedule"
    ),
    path("v1/plans/<slug:depot_code>/<str:date>", PlanDetailApi.as_view(), name="plan"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
