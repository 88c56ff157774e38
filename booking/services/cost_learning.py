"""Learning what an order really adds to completed plans (docs/incentives.md), for the expected final marginal
cost of offers (``booking.services.offer_costs``).

Each past depot-day's plan, as it was finally driven, is read through the one adapter; every stop's
realised marginal cost (``fleet.window_costs.realised_marginal_costs``: its removal saving, the
route's fixed cost shared over its stops) is filed under its service zone, its window's width
class (``pricing.widths``) and its weekday, and the averages replace the depot's
``fleet.MarginalCostAverage`` rows. Booking's, not fleet's: the width classes are pricing's.

The same run learns the depot's *insertion weight* (``fleet.window_costs.insertion_weight_learn``):
for every confirmed booking of those days that kept its window's myopic cost at sale
(``Booking.sale_myopic_cost``), the triple (myopic cost at sale, the learned average of its cell as
offers read it, its realised marginal cost), fitted by least squares and shrunk towards the prior,
and kept on the depot (``fleet.services.insertion_weight_replace``) with the number of orders.

And, for the demand forecast, how often shoppers found each weekday's hour bands sold out
(``booking.services.demand_learning``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from fleet.adapter import compile_plan
from fleet.models import Depot, DepotDay, ServiceZone
from fleet.selectors import zone_of_point
from fleet.services import insertion_weight_replace, marginal_cost_averages_replace
from fleet.window_costs import (
    CostKey,
    MarginalCostTable,
    insertion_weight_learn,
    marginal_cost_prior,
    marginal_cost_table_learn,
    realised_marginal_costs,
)
from pricing.widths import width_class

from ..models import Booking, BookingStatus
from .demand_learning import band_availability_learn

# Past delivery days learned from.
LEARNING_DAYS = 56
MONEY_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class CostLearning:
    """What one depot's learning did: days and orders read, averages written, and the insertion
    weight learned (``None``: no sold order kept its myopic cost, offers keep the prior) over
    ``weight_orders`` orders; for lost demand, the offers' looks at a (date, hour band) of the period
    with windows before their cut-off and the share that found it sold out (``None``: no looks)."""

    depot: str
    days: int
    orders: int
    averages: int
    mean_cost: str | None
    insertion_weight: str | None = None
    weight_orders: int = 0
    band_looks: int = 0
    sold_out_share: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def marginal_costs_learn(*, depot: Depot, now: dt.datetime, days: int = LEARNING_DAYS) -> CostLearning:
    """Learn ``depot``'s average realised marginal costs from its plans of the ``days`` delivery days
    before today (local) and replace its ``MarginalCostAverage`` rows, its insertion weight from the
    confirmed bookings of those days and its ``BandAvailability`` from the offers that showed them.
    Idempotent: the same plans and offers give the same rows."""
    today = timezone.localtime(now, depot.tz).date()
    zones = sorted(
        ServiceZone.objects.filter(depot=depot, is_active=True).order_by(), key=lambda zone: zone.pk
    )
    depot_days = DepotDay.objects.filter(
        depot=depot, date__gte=today - dt.timedelta(days=days), date__lt=today
    ).order_by("date")
    # Stop id -> myopic cost at sale, of the confirmed bookings that kept one (one query).
    sold = dict(
        Booking.objects.filter(
            depot_day__in=depot_days,
            status=BookingStatus.CONFIRMED,
            stop__isnull=False,
            sale_myopic_cost__isnull=False,
        )
        .order_by()
        .values_list("stop_id", "sale_myopic_cost")
    )
    samples: list[tuple[CostKey, Decimal]] = []
    # (cell, the prior offers would shrink it to, myopic cost at sale, realised cost)
    sales: list[tuple[CostKey, Decimal, Decimal, Decimal]] = []
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
        rates = _mean_rates(compiled.vehicles)
        for location in range(1, len(plan.keys)):
            cost = costs.get(int(plan.keys[location]))
            if cost is None:
                continue
            zone = zone_of_point(zones, lat=float(plan.lat[location]), lon=float(plan.lon[location]))
            if zone is None:
                continue
            hours = Decimal(int(plan.late[location]) - int(plan.early[location])) / Decimal(3600)
            money = Decimal(str(cost)).quantize(MONEY_STEP, ROUND_HALF_UP)
            key = (zone.pk, width_class(hours), weekday)
            samples.append((key, money))
            myopic = sold.get(int(plan.keys[location]))
            if myopic is not None and rates is not None:
                # The prior ``offer_costs.day_costs`` shrinks the cell to: the day's mean vehicle
                # rates and this order's service time.
                prior = marginal_cost_prior(
                    cost_per_km=rates[0], cost_per_hour=rates[1], service_seconds=int(plan.service[location])
                )
                sales.append((key, prior, myopic, money))
    table = marginal_cost_table_learn(samples, prior=Decimal(0))
    weight = insertion_weight_fit(sales, averages=table.averages) if sales else None
    with transaction.atomic():
        written = marginal_cost_averages_replace(depot=depot, averages=table.averages, now=now)
        insertion_weight_replace(depot=depot, weight=weight, orders=len(sales))
    mean = sum((cost for _, cost in samples), Decimal(0)) / len(samples) if samples else None
    lost = band_availability_learn(depot=depot, now=now, days=days)
    return CostLearning(
        depot=depot.code,
        days=days_read,
        orders=len(samples),
        averages=written,
        mean_cost=str(mean.quantize(MONEY_STEP, ROUND_HALF_UP)) if mean is not None else None,
        insertion_weight=str(weight) if weight is not None else None,
        weight_orders=len(sales),
        band_looks=lost.looks,
        sold_out_share=str(round(lost.sold_out / lost.looks, 3)) if lost.looks else None,
    )


def insertion_weight_fit(
    sales: list[tuple[CostKey, Decimal, Decimal, Decimal]],
    *,
    averages: dict[CostKey, tuple[Decimal, int]],
) -> Decimal:
    """``fleet.window_costs.insertion_weight_learn`` of sold orders given as (cell, prior, myopic
    cost at sale, realised cost): each order's average is its cell's learned average shrunk
    towards ``prior`` as offers shrink it (``MarginalCostTable.expected``)."""
    tables: dict[Decimal, MarginalCostTable] = {}

    def average(key: CostKey, prior: Decimal) -> Decimal:
        table = tables.get(prior)
        if table is None:
            table = tables[prior] = MarginalCostTable(prior=prior, averages=averages)
        return table.expected(key)

    return insertion_weight_learn(
        (myopic, average(key, prior), realised) for key, prior, myopic, realised in sales
    )


def _mean_rates(vehicles) -> tuple[Decimal, Decimal] | None:
    """The mean cost per km and per hour of a day's vehicles (as ``offer_costs.plan_load`` takes
    them), or ``None`` without vehicles."""
    if not vehicles:
        return None
    count = Decimal(len(vehicles))
    return (
        sum((v.cost_per_km for v in vehicles), Decimal(0)) / count,
        sum((v.cost_per_hour for v in vehicles), Decimal(0)) / count,
    )


def marginal_costs_learn_all(*, now: dt.datetime, days: int = LEARNING_DAYS) -> list[CostLearning]:
    """``marginal_costs_learn`` for every depot, by code."""
    return [marginal_costs_learn(depot=depot, now=now, days=days) for depot in Depot.objects.order_by("code")]
