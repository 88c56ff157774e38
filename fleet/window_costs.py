"""What a window's delivery will really cost the fleet: the expected final marginal cost.

The myopic insertion cost (``routing.insertion``) is what the order adds to today's plan. It is a
poor guide to what the order adds to the day's *final* routes: the first bookers of an empty day
pay for opening a route and its depot stem, which later orders share, and a detour to a stop far
from today's few others shrinks as later orders fill the streets in between. Measured on completed
plans (the simulated city, ``docs/evidence.md``), an order's realised marginal cost rises by only
about 0.1 EUR per EUR of insertion cost at sale, at every fill of the day. So a window is costed as
the learned average of what an order really added to completed plans (per zone x window width x
weekday), moved towards today's insertion by a learned weight::

    far      = 1 - fill
    myopic   = insertion - far * (route opening + depot stem)
    expected = learned average + w * (myopic - learned average),   at least 0

``w`` (``MarginalCostTable.insertion_weight``) is the least-squares slope of realised marginal cost
on the insertion cost at sale, both taken from the learned average (``insertion_weight_learn``),
shrunk towards the prior ``INSERTION_WEIGHT_PRIOR``. ``w = 1`` with a full day is the exact
insertion; ``w = 0`` prices every order at the average.

Pure: no Django. Money is ``Decimal`` in the fleet's currency, to ``EXPECTED_COST_STEP``; fill is a
fraction (0..1); times in seconds, distances in metres unless a name says otherwise.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from routing.plan import route_schedule
from routing.problem import PlanData

EXPECTED_COST_STEP = Decimal("0.0001")  # as offers record marginal costs
FILL_STEP = Decimal("0.001")
WEIGHT_STEP = Decimal("0.001")
# How much of the insertion cost's deviation from the average survives into the final routes, for
# a deployment that has not learned its own: the slope measured on the simulated city's completed
# plans (0.04-0.14 in every fill band; docs/evidence.md).
INSERTION_WEIGHT_PRIOR = Decimal("0.10")

# The learned average's key: (zone, window width class, ISO weekday). Zones and width classes are
# whatever the caller uses (a zone id and ``pricing.widths.width_class``, say), as long as learning
# and lookup agree.
CostKey = tuple[Hashable, str, int]


def _fraction(value: float | Decimal, name: str) -> Decimal:
    fraction = Decimal(str(value)).quantize(FILL_STEP, rounding=ROUND_HALF_UP)
    if not Decimal(0) <= fraction <= Decimal(1):
        raise ValueError(f"Expected 0 <= {name} <= 1.")
    return fraction


def day_fill(*, booked_units: int, capacity_units: int, work_seconds: int, shift_seconds: int) -> Decimal:
    """How full a depot-day is: the larger of its load share and its working-time share (0..1).

    ``booked_units`` / ``capacity_units``: size units booked and the day's fleet capacity;
    ``work_seconds`` / ``shift_seconds``: driving and service time of the planned routes and the
    total length of the day's shifts. Either resource can be what runs out first.
    """
    if capacity_units <= 0 or shift_seconds <= 0:
        return Decimal(1)
    share = max(booked_units / capacity_units, work_seconds / shift_seconds)
    return _fraction(min(1.0, max(0.0, share)), "fill")


def plan_fill(plan: PlanData) -> Decimal:
    """``day_fill`` of a route plan (every route of the plan is one shift of the day)."""
    capacity = sum(int(route.capacity) for route in plan.routes)
    shifts = sum(int(route.end) - int(route.start) for route in plan.routes)
    booked = int(plan.demand[1:].sum())
    work = 0
    for index, route in enumerate(plan.routes):
        if route.visits:
            schedule = route_schedule(plan, index)
            work += schedule.travel_seconds + schedule.service_seconds
    return day_fill(booked_units=booked, capacity_units=capacity, work_seconds=work, shift_seconds=shifts)


def expected_final_marginal_cost(
    *,
    insertion_cost: Decimal,
    route_opening_cost: Decimal,
    depot_stem_cost: Decimal,
    fill: Decimal | float,
    learned_average: Decimal,
    insertion_weight: Decimal = INSERTION_WEIGHT_PRIOR,
) -> Decimal:
    """What an order will add to the day's final routes, in currency units (see the module docstring).

    Parameters
    ----------
    insertion_cost
        The cheapest feasible insertion into today's plan (``fleet.adapter.marginal_cost``), route
        opening included when the insertion opens a route.
    route_opening_cost
        The part of ``insertion_cost`` that is the route's fixed cost (0 unless it opens the route).
    depot_stem_cost
        The part of ``insertion_cost`` that is driving from and back to the depot for this order alone
        (the whole driving cost when it opens a route, else 0).
    fill
        How full the day is, 0..1 (``day_fill``).
    learned_average
        The learned (or prior) average realised marginal cost for this zone, width and weekday
        (``MarginalCostTable.expected``).
    insertion_weight
        How much of the myopic cost's deviation from the average to keep, 0..1
        (``MarginalCostTable.insertion_weight``).
    """
    for name, value in (
        ("insertion_cost", insertion_cost),
        ("route_opening_cost", route_opening_cost),
        ("depot_stem_cost", depot_stem_cost),
        ("learned_average", learned_average),
    ):
        if not isinstance(value, Decimal):
            raise TypeError(f"Expected {name} to be a Decimal.")
    myopic = myopic_marginal_cost(
        insertion_cost=insertion_cost,
        route_opening_cost=route_opening_cost,
        depot_stem_cost=depot_stem_cost,
        fill=fill,
    )
    return blended_marginal_cost(
        myopic=myopic, learned_average=learned_average, insertion_weight=insertion_weight
    )


def myopic_marginal_cost(
    *, insertion_cost: Decimal, route_opening_cost: Decimal, depot_stem_cost: Decimal, fill: Decimal | float
) -> Decimal:
    """The insertion cost less the share of its route opening and depot stem that later orders of a
    day ``fill`` full will bear (currency units; the first step of ``expected_final_marginal_cost``)."""
    far = 1 - _fraction(fill, "fill")
    return max(Decimal(0), insertion_cost - far * (route_opening_cost + depot_stem_cost))


def blended_marginal_cost(
    *, myopic: Decimal, learned_average: Decimal, insertion_weight: Decimal = INSERTION_WEIGHT_PRIOR
) -> Decimal:
    """``myopic_marginal_cost`` moved to the learned average by ``insertion_weight``, at least 0
    (currency units; the second step of ``expected_final_marginal_cost``)."""
    weight = _fraction(insertion_weight, "insertion_weight")
    expected = max(Decimal(0), learned_average + weight * (myopic - learned_average))
    return expected.quantize(EXPECTED_COST_STEP, rounding=ROUND_HALF_UP)


def insertion_weight_learn(
    samples: Iterable[tuple[Decimal, Decimal, Decimal]],
    *,
    prior: Decimal = INSERTION_WEIGHT_PRIOR,
    prior_orders: int = 200,
) -> Decimal:
    """The weight ``w`` of ``expected_final_marginal_cost`` from sold orders.

    ``samples`` are (myopic cost at sale, learned average of its cell, realised marginal cost in
    the completed plan), currency units. ``w`` is the least-squares slope through the origin of
    (realised - average) on (myopic - average), shrunk towards ``prior`` with the weight of
    ``prior_orders`` orders of average spread, and kept within 0..1.
    """
    sxy = sxx = 0.0
    n = 0
    for myopic, average, realised in samples:
        x = float(myopic) - float(average)
        sxy += x * (float(realised) - float(average))
        sxx += x * x
        n += 1
    if n == 0 or sxx == 0:
        return _fraction(prior, "prior")
    pseudo = prior_orders * sxx / n
    slope = (sxy + float(prior) * pseudo) / (sxx + pseudo)
    return Decimal(str(min(1.0, max(0.0, slope)))).quantize(WEIGHT_STEP, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MarginalCostTable:
    """Average realised marginal cost of an order per (zone, width class, ISO weekday), with a prior.

    ``averages`` maps a key to (mean in currency units, number of orders observed). ``expected``
    shrinks a cell's mean towards ``prior`` with the weight of ``prior_orders`` observations, so a
    cell seen a few times is not trusted more than the prior.

    The prior, for a new deployment: what an order adds to a full day's routes, about one stop's
    share of driving inside a neighbourhood plus its service time. ``marginal_cost_prior`` gives it
    from the fleet's rates.
    """

    prior: Decimal
    averages: Mapping[CostKey, tuple[Decimal, int]] = field(default_factory=dict)
    prior_orders: int = 20
    insertion_weight: Decimal = INSERTION_WEIGHT_PRIOR

    def __post_init__(self) -> None:
        if not isinstance(self.prior, Decimal) or self.prior < 0:
            raise ValueError("Expected prior to be a Decimal >= 0.")
        if self.prior_orders < 0:
            raise ValueError("Expected prior_orders >= 0.")
        _fraction(self.insertion_weight, "insertion_weight")

    def expected(self, key: CostKey) -> Decimal:
        """The shrunk average for ``key`` (the prior when nothing was learned), currency units."""
        mean, count = self.averages.get(key, (Decimal(0), 0))
        if count + self.prior_orders == 0:
            return self.prior
        value = (mean * count + self.prior * self.prior_orders) / (count + self.prior_orders)
        return value.quantize(EXPECTED_COST_STEP, rounding=ROUND_HALF_UP)


def marginal_cost_prior(
    *,
    cost_per_km: Decimal,
    cost_per_hour: Decimal,
    service_seconds: int,
    detour_km: Decimal = Decimal("1.0"),
    speed_kmh: Decimal = Decimal(18),
) -> Decimal:
    """The documented prior of a new deployment: ``detour_km`` of driving (at ``speed_kmh``) plus the
    service time, at the vehicle's rates per km and per hour, in currency units.

    One km of detour per order is what a dense urban grocery round adds per stop (the demo city's
    final plans realise 0.8-1.3 km per order); replace it by the learned table as soon as plans exist.
    """
    hours = detour_km / speed_kmh + Decimal(service_seconds) / Decimal(3600)
    return (cost_per_km * detour_km + cost_per_hour * hours).quantize(
        EXPECTED_COST_STEP, rounding=ROUND_HALF_UP
    )


def marginal_cost_table_learn(
    samples: Iterable[tuple[CostKey, Decimal]], *, prior: Decimal, prior_orders: int = 20
) -> MarginalCostTable:
    """Average ``(key, realised marginal cost)`` samples (from ``realised_marginal_costs`` of
    completed plans) into a table."""
    sums: dict[CostKey, Decimal] = {}
    counts: dict[CostKey, int] = {}
    for key, cost in samples:
        sums[key] = sums.get(key, Decimal(0)) + cost
        counts[key] = counts.get(key, 0) + 1
    averages = {key: (sums[key] / counts[key], counts[key]) for key in sums}
    return MarginalCostTable(prior=prior, averages=averages, prior_orders=prior_orders)


def realised_marginal_costs(plan: PlanData) -> dict[int, float]:
    """What each stop of a completed plan really added: the plan's cost minus its cost without the
    stop (same routes, same order of the others), by stop key, in currency units
    (``routing.plan.route_cost`` rates; waiting is not charged).

    A marginal cost, not an average one: a stop's own service time and the detour its neighbours
    make to reach it; the route's fixed cost only for the single stop of a route (removing it would
    leave the route unused). The learned table averages these.
    """
    costs: dict[int, float] = {}
    for index, route in enumerate(plan.routes):
        visits = list(route.visits)
        if not visits:
            continue
        schedule = route_schedule(plan, index)
        path = np.array((0, *visits, 0), dtype=np.int64)
        legs_m = schedule.leg_metres
        legs_s = schedule.leg_seconds
        matrix_m, matrix_s = _pair_travel(plan, route, path)
        fixed = route.fixed_cost if len(visits) == 1 else 0.0
        for j, location in enumerate(visits):
            pair = (int(path[j]), int(path[j + 2]))
            saved_m = int(legs_m[j]) + int(legs_m[j + 1]) - matrix_m[pair]
            saved_s = int(legs_s[j]) + int(legs_s[j + 1]) - matrix_s[pair]
            saved = route.cost_per_km * saved_m / 1000
            saved += route.cost_per_hour * (saved_s + int(plan.service[location])) / 3600
            costs[int(plan.keys[location])] = saved + fixed
    return costs


def _pair_travel(plan: PlanData, route, path: np.ndarray) -> tuple[dict, dict]:
    """Metres and seconds between each stop's neighbours on the route (the legs a removal drives)."""
    pairs = {(int(path[j]), int(path[j + 2])) for j in range(len(path) - 2)}
    points = sorted({p for pair in pairs for p in pair})
    lat = np.asarray(plan.lat)[points]
    lon = np.asarray(plan.lon)[points]
    distance, seconds = plan.metric.matrices(lat, lon, [float(route.speed_kmh)])
    index = {p: k for k, p in enumerate(points)}
    metres = {pair: int(distance[index[pair[0]], index[pair[1]]]) for pair in pairs}
    durations = {pair: int(seconds[0][index[pair[0]], index[pair[1]]]) for pair in pairs}
    return metres, durations
