"""Learning what an order really adds to completed plans (docs/incentives.md), for the expected final marginal
cost of offers (``booking.services.offer_costs``).

Each past depot-day's plan, as it was finally driven, is read through the one adapter; every stop's
realised marginal cost (``fleet.window_costs.realised_marginal_costs``: its removal saving, the
route's fixed cost shared over its stops) is filed under its service zone, its window's width
class (``pricing.widths``) and its weekday, and the averages replace the depot's
``fleet.MarginalCostAverage`` rows. Booking's, not fleet's: the width classes are pricing's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from fleet.adapter import compile_plan
from fleet.models import Depot, DepotDay, ServiceZone
from fleet.selectors import zone_of_point
from fleet.services import marginal_cost_averages_replace
from fleet.window_costs import CostKey, marginal_cost_table_learn, realised_marginal_costs
from pricing.widths import width_class

# Past delivery days learned from.
LEARNING_DAYS = 56
MONEY_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class CostLearning:
    """What one depot's learning did: days and orders read, averages written."""

    depot: str
    days: int
    orders: int
    averages: int
    mean_cost: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def marginal_costs_learn(*, depot: Depot, now: dt.datetime, days: int = LEARNING_DAYS) -> CostLearning:
    """Learn ``depot``'s average realised marginal costs from its plans of the ``days`` delivery days
    before today (local) and replace its ``MarginalCostAverage`` rows. Idempotent: the same plans
    give the same rows."""
    today = timezone.localtime(now, depot.tz).date()
    zones = sorted(
        ServiceZone.objects.filter(depot=depot, is_active=True).order_by(), key=lambda zone: zone.pk
    )
    depot_days = DepotDay.objects.filter(
        depot=depot, date__gte=today - dt.timedelta(days=days), date__lt=today
    ).order_by("date")
    samples: list[tuple[CostKey, Decimal]] = []
    days_read = 0
    for depot_day in depot_days:
        # The day as it ended: confirmed stops (holds had lapsed by the next midnight).
        end_of_day = dt.datetime.combine(depot_day.date + dt.timedelta(days=1), dt.time(0), tzinfo=depot.tz)
        compiled = compile_plan(depot=depot, depot_day=depot_day, date=depot_day.date, now=end_of_day)
        plan = compiled.plan
        costs = realised_marginal_costs(plan)
        if not costs:
            continue
        days_read += 1
        weekday = depot_day.date.isoweekday()
        for location in range(1, len(plan.keys)):
            cost = costs.get(int(plan.keys[location]))
            if cost is None:
                continue
            zone = zone_of_point(zones, lat=float(plan.lat[location]), lon=float(plan.lon[location]))
            if zone is None:
                continue
            hours = Decimal(int(plan.late[location]) - int(plan.early[location])) / Decimal(3600)
            money = Decimal(str(cost)).quantize(MONEY_STEP, ROUND_HALF_UP)
            samples.append(((zone.pk, width_class(hours), weekday), money))
    table = marginal_cost_table_learn(samples, prior=Decimal(0))
    written = marginal_cost_averages_replace(depot=depot, averages=table.averages, now=now)
    mean = sum((cost for _, cost in samples), Decimal(0)) / len(samples) if samples else None
    return CostLearning(
        depot=depot.code,
        days=days_read,
        orders=len(samples),
        averages=written,
        mean_cost=str(mean.quantize(MONEY_STEP, ROUND_HALF_UP)) if mean is not None else None,
    )


def marginal_costs_learn_all(*, now: dt.datetime, days: int = LEARNING_DAYS) -> list[CostLearning]:
    """``marginal_costs_learn`` for every depot, by code."""
    return [marginal_costs_learn(depot=depot, now=now, days=days) for depot in Depot.objects.order_by("code")]
