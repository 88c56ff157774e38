"""The production settings plus the test-only fault hook (``tests/faults/hooks.py``), for gunicorn in
the fault tests."""

from greenslot.settings import *  # noqa: F403
from greenslot.settings import MIDDLEWARE

MIDDLEWARE = [*MIDDLEWARE, "tests.faults.hooks.PauseInTransactionMiddleware"]
