from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard_index, name="index"),
    path("rules/<int:rule_set_id>/replay/", views.rule_set_replay_page, name="rule-set-replay"),
    path("<slug:depot_code>/", views.depot_detail, name="depot"),
    path("<slug:depot_code>/<str:date>/emissions/", views.depot_day_emissions, name="depot-day-emissions"),
]
