"""The product's one wall clock.

Domain services take ``now`` as a keyword argument; when a caller has none (a view, a command, a
task), it reads this function, never ``timezone.now()`` or ``datetime.now()`` directly. A test in
``tests/test_clock.py`` keeps it that way, and the test suite freezes the wall clock underneath
(``time-machine``), so a fixed test date can never meet the real one.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return timezone.now()
