from django.urls import path

from . import views

app_name = "fleet"

urlpatterns = [
    path("", views.plan_index, name="plan-index"),
    path("<slug:depot_code>/<str:date>/", views.plan_detail, name="plan-detail"),
]
