"""The widget's URLs, mounted at the site root: ``/widget.js`` must be short to type in a retailer's page."""

from django.urls import path

from . import views

app_name = "widget"

urlpatterns = [
    path("widget.js", views.widget_script, name="script"),
    path("widget/frame", views.frame, name="frame"),
    path("widget/theme.css", views.theme_stylesheet, name="theme"),
    path("widget/frame/addresses", views.address_suggestions, name="address_suggestions"),
    path("widget/frame/holds", views.hold_new, name="hold_create"),
    path("widget/frame/holds/<uuid:hold_id>/release", views.hold_release_post, name="hold_release"),
    path("widget/demo/", views.demo, name="demo"),
]
