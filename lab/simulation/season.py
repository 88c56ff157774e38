"""One booking season under one policy: shoppers arrive, see offers, choose; then the routes are driven.

The offer of a feasibility policy is what ``booking.services.offers`` computes, without the
database: one ``routing.insertion.evaluate_insertion`` call per depot-day over its open windows,
the marginal cost in ``Decimal`` from the chosen route's vehicle (``fleet.costs.marginal_cost``, as the offer path),
CO2e by ``emissions.calculation.marginal_grams``, the booked stops nearby by
``pricing.consolidation.nearby_metres_by_window``, and prices and labels of the whole offer by
``pricing.windows.price_windows``. A chosen window is booked by inserting the stop where the
engine said (``routing.plan.insert_visit``), as a hold does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from emissions.calculation import marginal_grams
from fleet.costs import marginal_cost
from fleet.window_costs import (
    EXPECTED_COST_STEP,
    expected_final_marginal_cost,
    myopic_marginal_cost,
    plan_fill,
)
from pricing.bid_prices import BidPrices, bid_prices_for_day
from pricing.calculation import GREEN
from pricing.choice import ChoiceModel, choose, logsum
from pricing.consolidation import nearby_metres_by_window
from pricing.widths import width_class, width_indices
from pricing.windows import WindowCost, price_windows
from routing.insertion import evaluate_insertion
from routing.plan import build_plan, insert_visit, plan_cost, route_schedule
from routing.problem import PlanData, StopSpec

from .city import DAY_SECONDS, SEASON_DAYS, City, VehicleKind
from .demand import DemandParams, Season, period_fit
from .final_routing import route_day
from .policies import (
    COSTS,
    FLAT,
    INCENTIVE,
    QUOTA,
    CostInputs,
    Economics,
    Policy,
    mean_size_units,
    window_quotas,
)

# Cost conventions (issue 12): what the driver's hours cost. Driving and serving only (the engine's
# ``plan_cost``, the default); a used shift paid in full; every rostered shift paid in full.
DRIVING_AND_SERVING = "driving_and_serving"
SHIFTS_WHEN_USED = "shifts_when_used"
ROSTERED = "rostered"
COST_CONVENTIONS = (DRIVING_AND_SERVING, SHIFTS_WHEN_USED, ROSTERED)

KM = Decimal(1000)
HOUR_S = Decimal(3600)
HOUR_F = 3600.0
HOUR_I = 3600
MILLI = Decimal("0.001")
TEN_THOUSANDTH = Decimal("0.0001")  # the offer records marginal costs to this precision
HORIZON_DAYS = SEASON_DAYS  # a shopper sees the windows of today and the next six days
ZONE = 0  # the demo city has one service zone


def _insertion_parts(
    kind: VehicleKind, *, insertion_cost: Decimal, opens_route: bool, service_s: int
) -> dict:
    """The insertion cost with its route-opening and depot-stem parts (EUR), as the product splits them."""
    opening = kind.cost_per_route if opens_route else Decimal(0)
    # Opening a route, all its driving is the depot stem; the service time is the order's own.
    service = kind.cost_per_hour * Decimal(service_s) / HOUR_S
    stem = max(Decimal(0), insertion_cost - opening - service) if opens_route else Decimal(0)
    return {"insertion_cost": insertion_cost, "route_opening_cost": opening, "depot_stem_cost": stem}


def myopic_cost(
    kind: VehicleKind, *, insertion_cost: Decimal, opens_route: bool, service_s: int, fill
) -> Decimal:
    """``fleet.window_costs.myopic_marginal_cost`` of an insertion, to 0.0001 EUR: what an order's
    sale-time cost is recorded as, to learn the insertion weight from."""
    return myopic_marginal_cost(
        **_insertion_parts(kind, insertion_cost=insertion_cost, opens_route=opens_route, service_s=service_s),
        fill=fill,
    ).quantize(EXPECTED_COST_STEP, rounding=ROUND_HALF_UP)


class WindowCostView:
    """Policy (d)'s view of a depot-day while shoppers book: its fill and bid prices (cached until
    the next booking into it), and each window's expected cost and displacement cost."""

    def __init__(self, city: City, inputs: CostInputs):
        self.city = city
        self.inputs = inputs
        bands = inputs.forecast.bands
        # Shift van-hours inside each hour band, per depot.
        self.band_van_hours = [
            tuple(
                sum(
                    max(0.0, min(v.shift_end / HOUR_F, end) - max(v.shift_start / HOUR_F, start))
                    for v in depot.fleet
                )
                for start, end in bands
            )
            for depot in city.depots
        ]
        self._fill: dict[tuple[int, int], Decimal] = {}
        self._bids: dict[tuple, BidPrices] = {}

    def forget(self, depot: int, day: int) -> None:
        self._fill.pop((depot, day), None)

    def fill(self, depot: int, day: int, plan: PlanData) -> Decimal:
        key = (depot, day)
        if key not in self._fill:
            self._fill[key] = plan_fill(plan)
        return self._fill[key]

    def bids(self, *, depot: int, day: int, plan: PlanData, arrival: int) -> BidPrices:
        fill = self.fill(depot, day, plan)
        # Lead time to the middle of the delivery day, in quarter days (the cache's grain).
        lead = round(4 * (day * DAY_SECONDS + 14 * HOUR_I - arrival) / DAY_SECONDS) / 4
        key = (depot, day, lead, fill)
        bids = self._bids.get(key)
        if bids is None:
            left = 1.0 - float(fill)
            bids = self._bids[key] = bid_prices_for_day(
                forecast=self.inputs.forecast,
                weekday=self.city.iso_weekday(day),
                lead_days=max(0.0, lead),
                remaining_van_hours_by_band=[hours * left for hours in self.band_van_hours[depot]],
                orders_per_van_hour=self.inputs.orders_per_van_hour,
                value_per_van_hour=self.inputs.value_per_order
                * Decimal(str(round(self.inputs.orders_per_van_hour, 4))),
            )
        return bids

    def window_costs(
        self,
        *,
        depot: int,
        day: int,
        plan: PlanData,
        arrival: int,
        window: int,
        kind: VehicleKind,
        insertion_cost: Decimal,
        opens_route: bool,
        size_units: int,
        service_s: int,
    ) -> tuple[Decimal, Decimal]:
        """(expected final marginal cost, displacement cost) of one feasible window, EUR."""
        template = self.city.windows[window]
        table = self.inputs.marginal_costs
        expected = expected_final_marginal_cost(
            **_insertion_parts(
                kind, insertion_cost=insertion_cost, opens_route=opens_route, service_s=service_s
            ),
            fill=self.fill(depot, day, plan),
            learned_average=table.expected((ZONE, width_class(template.hours), self.city.iso_weekday(day))),
            insertion_weight=table.insertion_weight,
        )
        van_hours = size_units / (self.inputs.mean_size * self.inputs.orders_per_van_hour)
        displacement = self.bids(depot=depot, day=day, plan=plan, arrival=arrival).displacement_cost(
            start_hour=template.start / HOUR_F, end_hour=template.end / HOUR_F, van_hours=van_hours
        )
        return expected, displacement


@dataclass(frozen=True)
class RoutingBudget:
    """The PyVRP budget every policy's depot-days get after the cut-off (iterations, seed)."""

    max_iterations: int = 1_000
    seed: int = 1

    def __post_init__(self) -> None:
        if self.max_iterations < 0:
            raise ValueError("Expected max_iterations >= 0.")


@dataclass
class SeasonResult:
    """What happened in one season under one policy; ``kpis()`` turns it into numbers.

    Order arrays (one entry per accepted order, in arrival order): ``shopper``, ``depot``,
    ``day``, ``window``, ``price`` (EUR), ``green`` (labelled green when chosen), ``failed``.
    """

    policy: str
    seed: int
    shoppers: int
    shopper: list[int] = field(default_factory=list)
    depot: list[int] = field(default_factory=list)
    day: list[int] = field(default_factory=list)
    window: list[int] = field(default_factory=list)
    price: list[float] = field(default_factory=list)
    green: list[bool] = field(default_factory=list)
    failed: set[int] = field(default_factory=set)
    surplus: float = 0.0  # sum over shoppers of expected consumer surplus, EUR (logsum / |price coef|)
    plans: dict[tuple[int, int], PlanData] = field(default_factory=dict)  # driven depot-day plans
    offered_windows: int = 0
    pyvrp_improved: int = 0
    lead_days: list[int] = field(default_factory=list)  # days between booking and delivery
    shoppers_measured: int = 0  # shoppers whose preferred day is measured (``City.measured``)
    sale_cost: list[float] = field(default_factory=list)  # each order's myopic cost when sold, EUR

    def keep_measured(self, city: City) -> None:
        """Drop the orders of days outside the measured range; count the measured shoppers."""
        keep = [n for n, day in enumerate(self.day) if city.measured(day)]
        for name in ("shopper", "depot", "day", "window", "price", "green", "lead_days", "sale_cost"):
            values = getattr(self, name)
            setattr(self, name, [values[n] for n in keep])
        self.shoppers = self.shoppers_measured

    def kpis(self, *, economics: Economics, window_hours: np.ndarray) -> dict:
        accepted = len(self.shopper)
        failed = len(self.failed)
        served = accepted - failed
        metres = 0
        grams = 0.0
        cost = 0.0
        vehicles = 0
        convention_cost = dict.fromkeys(COST_CONVENTIONS, 0.0)
        for plan in self.plans.values():
            cost += plan_cost(plan)
            for index, route in enumerate(plan.routes):
                shift_cost = route.cost_per_hour * (route.end - route.start) / 3600 + route.fixed_cost
                if not route.visits:
                    convention_cost[ROSTERED] += shift_cost
                    continue
                vehicles += 1
                m = route_schedule(plan, index).metres
                metres += m
                grams += m / 1000 * route.emission_g_per_km
                convention_cost[SHIFTS_WHEN_USED] += route.cost_per_km * m / 1000 + shift_cost
                convention_cost[ROSTERED] += route.cost_per_km * m / 1000 + shift_cost
        convention_cost[DRIVING_AND_SERVING] = cost
        served_mask = np.array([s not in self.failed for s in self.shopper], dtype=bool)
        prices = np.asarray(self.price, dtype=np.float64)
        fees = float(prices[served_mask].sum()) if accepted else 0.0
        revenue = fees + economics.order_margin * served
        profit = revenue - cost - economics.failure_penalty * failed
        hours = window_hours[np.asarray(self.window, dtype=np.int64)] if accepted else np.zeros(0)
        per = (lambda x: x / served) if served else (lambda x: 0.0)
        per_shopper = (lambda x: x / self.shoppers) if self.shoppers else (lambda x: 0.0)
        contribution = {
            f"contribution_per_shopper_{name}": per_shopper(
                revenue - value - economics.failure_penalty * failed
            )
            for name, value in convention_cost.items()
        }
        return {
            **contribution,
            "contribution_per_shopper": contribution[f"contribution_per_shopper_{DRIVING_AND_SERVING}"],
            "logsum_eur_per_shopper": per_shopper(self.surplus),
            "shoppers": self.shoppers,
            "orders_accepted": accepted,
            "orders_served": served,
            "failed_deliveries": failed,
            "km": metres / 1000,
            "km_per_order": per(metres / 1000),
            "cost": cost,
            "cost_per_order": per(cost),
            "co2e_kg": grams / 1000,
            "co2e_g_per_order": per(grams),
            "fee_revenue": fees,
            "revenue": revenue,
            "profit": profit,
            "vehicles_used": vehicles,
            "mean_price": float(prices.mean()) if accepted else 0.0,
            **{
                f"share_{name.replace(' ', '_')}": float(np.mean(width_indices(hours) == index))
                if accepted
                else 0.0
                for index, name in enumerate(("1h", "2h", "4h", "all day"))
            },
            "share_green": float(np.mean(self.green)) if accepted else 0.0,
            "consumer_surplus_per_shopper": self.surplus / self.shoppers if self.shoppers else 0.0,
            "pyvrp_improved_days": self.pyvrp_improved,
        }


def season_run(
    *,
    city: City,
    demand: DemandParams,
    season: Season,
    policy: Policy,
    choice: ChoiceModel,
    budget: RoutingBudget,
    progress: Callable[[int], None] | None = None,
) -> SeasonResult:
    """Run one season: every shopper in arrival order, then the routing of every depot-day.

    ``progress(n)`` is called after every n shoppers processed (for a progress bar).
    """
    days = city.season_days
    num_windows = len(city.windows)
    w_start, w_end = city.window_start, city.window_end
    hours = city.window_hours
    moments = {(d, k): city.window_moments(d, k) for d in range(days) for k in range(num_windows)}
    dates = [city.date(d) for d in range(days)]
    cutoffs = np.stack([city.cutoffs(d) for d in range(days)])
    fit = period_fit(city, demand)
    fleets = [d.fleet for d in city.depots]
    result = SeasonResult(policy=policy.kind, seed=season.seed, shoppers=season.size)

    empty_plans = {
        (depot, day): build_plan(
            depot_lat=d.lat, depot_lon=d.lon, stops=[], routes=city.routes(depot), circuity=city.circuity
        )
        for depot, d in enumerate(city.depots)
        for day in range(days)
        if city.works(day)
    }
    plans = dict(empty_plans)  # the booking-time plans of the feasibility policies
    if policy.kind == QUOTA:
        mean_size = mean_size_units(demand.size_units)
        quotas = [
            window_quotas(city, depot, scale=policy.quota_scale, mean_size=mean_size)
            for depot in range(len(city.depots))
        ]
        sold = np.zeros((len(city.depots), days, num_windows), dtype=np.int64)
    flat = float(policy.flat_price) if policy.kind in (QUOTA, FLAT) else 0.0
    terms = policy.terms if policy.kind in (INCENTIVE, COSTS) else None
    three_costs = WindowCostView(city, policy.inputs) if policy.kind == COSTS else None
    step = 50

    for i in range(season.size):
        arrival = int(season.arrival[i])
        first = int(season.preferred_day[i])
        last = min(days - 1, arrival // DAY_SECONDS + HORIZON_DAYS - 1)
        visible = list(range(first, last + 1))
        depot = int(season.depot[i])
        n_days = len(visible)
        available = np.zeros((n_days, num_windows), dtype=bool)
        price = np.full((n_days, num_windows), flat)
        green = np.zeros((n_days, num_windows), dtype=bool)
        place: dict[tuple[int, int], tuple[int, int]] = {}
        sale: dict[tuple[int, int], tuple[int, int, int]] = {}
        prices: dict[tuple[int, int], Decimal] = {}
        costed: list[tuple[int, int, WindowCost]] = []
        for row, day in enumerate(visible):
            if not city.works(day):
                continue
            open_k = np.flatnonzero(cutoffs[day] > arrival)
            if open_k.size == 0:
                continue
            if policy.kind == QUOTA:
                fits = open_k[sold[depot, day, open_k] < quotas[depot][open_k]]
                available[row, fits] = True
                continue
            plan = plans[(depot, day)]
            service = int(season.service_s[i])
            insertion = evaluate_insertion(
                plan,
                lat=float(season.lat[i]),
                lon=float(season.lon[i]),
                service=service,
                demand=int(season.size_units[i]),
                window_early=w_start[open_k],
                window_late=w_end[open_k],
            )
            nearby = (
                nearby_metres_by_window(
                    lat=float(season.lat[i]),
                    lon=float(season.lon[i]),
                    stop_lat=plan.lat[1:],
                    stop_lon=plan.lon[1:],
                    stop_early=plan.early[1:],
                    stop_late=plan.late[1:],
                    window_early=w_start[open_k],
                    window_late=w_end[open_k],
                )
                if terms is not None
                else None
            )
            for j in np.flatnonzero(insertion.feasible):
                k = int(open_k[j])
                route_index = int(insertion.route[j])
                available[row, k] = True
                place[(row, k)] = (route_index, int(insertion.position[j]))
                sale[(row, k)] = (int(insertion.delta_m[j]), int(insertion.delta_s[j]), service)
                if terms is None:
                    continue
                kind = fleets[depot][route_index].kind
                delta_m = int(insertion.delta_m[j])
                cost = marginal_cost(
                    kind,
                    delta_m=delta_m,
                    delta_s=int(insertion.delta_s[j]),
                    service_s=service,
                    opens_route=not plan.routes[route_index].visits,
                )
                start, end = moments[(day, k)]
                expected = displacement = None
                if three_costs is not None:
                    expected, displacement = three_costs.window_costs(
                        depot=depot,
                        day=day,
                        plan=plan,
                        arrival=arrival,
                        window=k,
                        kind=kind,
                        insertion_cost=cost,
                        opens_route=not plan.routes[route_index].visits,
                        size_units=int(season.size_units[i]),
                        service_s=service,
                    )
                window = WindowCost(
                    day=dates[day],
                    start=start,
                    end=end,
                    available=True,
                    marginal_cost=cost.quantize(TEN_THOUSANDTH),
                    marginal_km=(Decimal(delta_m) / KM).quantize(MILLI),
                    grams=marginal_grams(metres=delta_m, grams_per_km=kind.grams_per_km),
                    nearby_metres=nearby[j],
                    expected_cost=expected,
                    displacement_cost=displacement,
                )
                costed.append((row, k, window))
        if costed:
            priced = price_windows(terms=terms, windows=[window for _, _, window in costed])
            for (row, k, _), quoted in zip(costed, priced, strict=True):
                prices[(row, k)] = quoted.price.amount
                price[row, k] = float(quoted.price.amount)
                green[row, k] = GREEN in quoted.labels
        result.offered_windows += int(available.sum())

        days_late = (np.asarray(visible, dtype=np.float64) - first)[:, None]
        on_sale = int(available.sum())
        utility = choice.utility(
            price=price,
            hours=hours[None, :],
            days_late=days_late,
            fit=fit[int(season.period[i])][None, :],
            green=green,
            eco=bool(season.eco[i]),
            labelled_share=float(green.sum()) / on_sale if on_sale else 0.0,
        )
        if city.measured(first):
            result.shoppers_measured += 1
            result.surplus += logsum(choice, utility, available) / abs(choice.price_per_eur or 1.0)
        pick = choose(
            choice,
            utility,
            available,
            window_draws=season.gumbel[i, first : last + 1],
            day_draws=season.gumbel_day[i, first : last + 1],
            none_draw=float(season.gumbel_none[i]),
        )
        if pick >= 0:
            row, k = divmod(pick, num_windows)
            day = visible[row]
            result.shopper.append(i)
            result.depot.append(depot)
            result.day.append(day)
            result.window.append(k)
            result.price.append(float(prices[(row, k)]) if terms is not None else flat)
            result.green.append(bool(green[row, k]))
            result.lead_days.append(day - arrival // DAY_SECONDS)
            if policy.kind == QUOTA:
                sold[depot, day, k] += 1
                result.sale_cost.append(float("nan"))  # quotas never look at the plan
            else:
                route_index, position = place[(row, k)]
                plan = plans[(depot, day)]
                kind = fleets[depot][route_index].kind
                delta_m, delta_s, service = sale[(row, k)]
                opens = not plan.routes[route_index].visits
                insertion_cost = marginal_cost(
                    kind, delta_m=delta_m, delta_s=delta_s, service_s=service, opens_route=opens
                )
                result.sale_cost.append(
                    float(
                        myopic_cost(
                            kind,
                            insertion_cost=insertion_cost,
                            opens_route=opens,
                            service_s=service,
                            fill=three_costs.fill(depot, day, plan) if three_costs else plan_fill(plan),
                        )
                    )
                )
                if three_costs is not None:
                    three_costs.forget(depot, day)
                plans[(depot, day)] = insert_visit(
                    plans[(depot, day)],
                    stop=_stop(season, i, int(w_start[k]), int(w_end[k])),
                    route_index=route_index,
                    position=position,
                )
        if progress is not None and (i + 1) % step == 0:
            progress(step)
    if progress is not None and season.size % step:
        progress(season.size % step)

    if policy.kind == QUOTA:
        plans, unplanned = _greedy_plans(empty_plans, season, result, w_start, w_end)
    else:
        unplanned = {key: [] for key in plans}
    result.keep_measured(city)
    for key, plan in plans.items():
        if not city.measured(key[1]):
            continue
        if plan.num_locations == 1 and not unplanned[key]:
            result.plans[key] = plan
            continue
        routed = route_day(
            plan, unplanned=unplanned[key], max_iterations=budget.max_iterations, seed=budget.seed
        )
        result.plans[key] = routed.plan
        result.failed.update(int(k) - 1 for k in routed.failed_keys)
        result.pyvrp_improved += int(routed.improved)
    return result


def _stop(season: Season, shopper: int, early: int, late: int) -> StopSpec:
    return StopSpec(
        lat=float(season.lat[shopper]),
        lon=float(season.lon[shopper]),
        early=early,
        late=late,
        service=int(season.service_s[shopper]),
        demand=int(season.size_units[shopper]),
        key=shopper + 1,  # 0 is the depot's key
    )


def _greedy_plans(empty_plans, season: Season, result: SeasonResult, w_start, w_end):
    """The quota policy's orders by cheapest feasible insertion in arrival order; the rest wait."""
    plans = dict(empty_plans)
    unplanned: dict[tuple[int, int], list[StopSpec]] = {key: [] for key in plans}
    for shopper, depot, day, k in zip(result.shopper, result.depot, result.day, result.window, strict=True):
        key = (depot, day)
        stop = _stop(season, shopper, int(w_start[k]), int(w_end[k]))
        insertion = evaluate_insertion(
            plans[key],
            lat=stop.lat,
            lon=stop.lon,
            service=stop.service,
            demand=stop.demand,
            window_early=[stop.early],
            window_late=[stop.late],
        )
        if insertion.feasible[0]:
            plans[key] = insert_visit(
                plans[key],
                stop=stop,
                route_index=int(insertion.route[0]),
                position=int(insertion.position[0]),
            )
        else:
            unplanned[key].append(stop)
    return plans, unplanned
