from django.apps import AppConfig


class BookingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "booking"

    def ready(self) -> None:
        from .api import checks  # noqa: F401 - registers the API's system checks
