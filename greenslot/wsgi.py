"""
WSGI config for greenslot project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import gc
import logging
import os

from django.core.checks import Tags, run_checks
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenslot.settings")

application = get_wsgi_application()


def _warn_at_startup() -> None:
    """Log the deployment warnings that matter at run time (gunicorn runs no system checks), e.g.
    rate limits kept per worker without a shared cache."""
    logger = logging.getLogger("greenslot")
    for message in run_checks(tags=[Tags.caches]):
        logger.warning("%s: %s %s", message.id, message.msg, message.hint or "")


_warn_at_startup()

# Everything loaded so far (Django, the apps, numpy, shapely, PyVRP) lives as long as the process.
# Freezing it takes it out of the collector's way, so a full collection walks only what requests
# allocate: unfrozen, a full collection of the ~100k long-lived objects paused an unlucky offer
# for 75-110 ms (about 1 in 100 requests). See gc.freeze in the Python documentation.
gc.freeze()
