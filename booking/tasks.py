from celery import shared_task

from .services.holds import holds_expire


@shared_task
def purge_lapsed_holds() -> int:
    """Mark lapsed holds expired and tidy their stops. Capacity was already free: this is housekeeping."""
    return holds_expire()
