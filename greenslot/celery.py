"""Celery on Redis for background work. Nothing here is needed for correctness: with no broker
configured (the embedded default) tasks run in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenslot.settings")

app = Celery("greenslot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "purge-lapsed-holds": {"task": "booking.tasks.purge_lapsed_holds", "schedule": 60.0},
    # What orders really added to yesterday's routes, for offers' expected costs.
    "learn-marginal-costs": {"task": "booking.tasks.learn_marginal_costs", "schedule": 24 * 3600.0},
    # The coming days' depot-days and shifts from the weekly rosters (creates only what is missing).
    "apply-rosters": {"task": "fleet.tasks.apply_rosters", "schedule": 24 * 3600.0},
}
