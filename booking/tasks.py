from celery import shared_task

from greenslot import clock

from .services.cost_learning import marginal_costs_learn_all
from .services.holds import holds_expire


@shared_task
def purge_lapsed_holds() -> int:
    """Mark lapsed holds expired and tidy their stops. Capacity was already free: this is housekeeping."""
    return holds_expire()


@shared_task
def learn_marginal_costs() -> list[dict]:
    """Relearn every depot's average realised marginal costs and insertion weight from its past plans,
    and how often its offers found hour bands sold out (nightly)."""
    return [learning.as_dict() for learning in marginal_costs_learn_all(now=clock.now())]
