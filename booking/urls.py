"""The hosted checkout (shopper pages). The REST API has its own URLconf under /api/."""

from django.urls import path

from .views import shopper

app_name = "booking"

urlpatterns = [
    path("", shopper.picker, name="picker"),
    path("addresses/", shopper.address_suggestions, name="address_suggestions"),
    path("holds/", shopper.hold_new, name="hold_create"),
    path("holds/<uuid:hold_id>/", shopper.hold_page, name="hold"),
    path("holds/<uuid:hold_id>/confirm", shopper.hold_confirm_post, name="hold_confirm"),
    path("holds/<uuid:hold_id>/release", shopper.hold_release_post, name="hold_release"),
    path("bookings/<uuid:booking_id>/", shopper.booking_page, name="booking"),
    path("bookings/manage/<str:token>/", shopper.manage_page, name="manage"),
    path("bookings/manage/<str:token>/cancel", shopper.manage_cancel, name="manage_cancel"),
    path("bookings/manage/<str:token>/reschedule", shopper.manage_reschedule, name="manage_reschedule"),
]
