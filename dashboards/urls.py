from django.urls import path

from . import views
from .views import operations

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard_index, name="index"),
    path("rules/<int:rule_set_id>/replay/", views.rule_set_replay_page, name="rule-set-replay"),
    path("exports/", operations.exports_page, name="exports"),
    path("exports/bookings.csv", operations.bookings_csv, name="bookings-csv"),
    path("setup/<slug:depot_code>/", operations.setup_page, name="setup"),
    path("setup/<slug:depot_code>/fill-days/", operations.setup_fill_days, name="setup-fill-days"),
    path("setup/<slug:depot_code>/test-offer/", operations.setup_test_offer, name="setup-test-offer"),
    path("<slug:depot_code>/", views.depot_detail, name="depot"),
    path("<slug:depot_code>/day/", operations.day_board_today, name="day-board-today"),
    path("<slug:depot_code>/<str:date>/day/", operations.day_board_page, name="day-board"),
    path("<slug:depot_code>/<str:date>/routes.csv", operations.routes_csv, name="routes-csv"),
    path("<slug:depot_code>/<str:date>/manifest/", operations.manifest_page, name="manifest"),
    path("<slug:depot_code>/<str:date>/emissions/", views.depot_day_emissions, name="depot-day-emissions"),
]
