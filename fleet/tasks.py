"""Background re-optimisation: a Celery task per depot-day, and a debounced trigger after bookings.

Correctness never depends on these: a plan that is never re-optimised is still feasible; it only
has less room for later shoppers.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from greenslot import clock

from .reoptimisation import depot_day_reoptimise
from .roster_services import roster_apply_all


def reoptimisation_seconds() -> float:
    """PyVRP's wall-clock budget per background run (``GREENSLOT["REOPT_SECONDS"]``)."""
    return float(settings.GREENSLOT["REOPT_SECONDS"])


def debounce_seconds() -> int:
    return int(settings.GREENSLOT["REOPT_DEBOUNCE_SECONDS"])


def auto_reoptimisation() -> bool:
    """Whether bookings trigger re-optimisation (``GREENSLOT["REOPT_AUTO"]``).

    Off by default without a broker: tasks would then run eagerly, inside the shopper's request,
    and make it seconds slower. The embedded demo runs ``manage.py reoptimise`` instead.
    """
    return bool(settings.GREENSLOT["REOPT_AUTO"])


def debounce_key(depot_day_id: int) -> str:
    return f"reopt:{depot_day_id}"


@shared_task
def reoptimise_depot_day(depot_day_id: int, max_iterations: int | None = None, seed: int = 0) -> dict:
    """Re-optimise one depot-day with the configured time budget (or ``max_iterations``, reproducible).

    Returns the ``ReoptOutcome`` as a dict.
    """
    budget = (
        {"max_iterations": max_iterations} if max_iterations else {"max_runtime": reoptimisation_seconds()}
    )
    return depot_day_reoptimise(depot_day_id=depot_day_id, seed=seed, **budget).as_dict()


def reoptimisation_request(*, depot_day_id: int) -> bool:
    """Ask for a re-optimisation of the depot-day soon; returns whether a run was scheduled.

    Bursts of bookings schedule one run: the first request of a debounce period schedules it to
    start when the period ends, the others find the period's key and do nothing. The run reads
    the plan when it starts, so it sees every booking of the burst. With several app servers the
    cache must be shared (Redis) for one run per period; a per-process cache gives one per process.
    """
    if not auto_reoptimisation():
        return False
    debounce = debounce_seconds()
    if not cache.add(debounce_key(depot_day_id), 1, timeout=debounce):
        return False
    reoptimise_depot_day.apply_async(args=[depot_day_id], countdown=debounce)
    return True


@shared_task
def apply_rosters() -> dict:
    """Create the coming days' depot-days and shifts from the weekly rosters (nightly; idempotent)."""
    return roster_apply_all(now=clock.now()).as_dict()
