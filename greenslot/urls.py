"""Greenslot's URLs: admin, health, the REST API (to come) and the shopper pages."""

from django.contrib import admin
from django.urls import include, path

from emissions.views import method_page

from .health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # How CO2e is counted: every environmental claim shown to a shopper links here.
    path("method/", method_page, name="method"),
    path("staff/plans/", include("fleet.urls")),
    path("staff/dashboards/", include("dashboards.urls")),
    # --- REST API -------------------------------------------------------------------------
    # Reserved for the API (docs/integration.md): /api/v1/..., /api/schema/, /api/docs/.
    # The schema (/api/schema/) and Swagger UI (/api/docs/) routes live in booking/api/urls.py.
    path("api/", include("booking.api.urls")),
    # ---------------------------------------------------------------------------------------
    # The widget: /widget.js, /widget/frame..., /widget/demo/ (booking/widget/urls.py).
    path("", include("booking.widget.urls")),
    path("", include("booking.urls")),
]
