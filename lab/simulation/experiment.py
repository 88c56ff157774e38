"""The whole experiment (issue 12): calibrate, learn, tune on training seasons, report on held-out ones.

1. Calibrate the no-purchase constant so that a stated share of shoppers (``Settings.conversion``)
   would buy with every open window at the reference price and no capacity limit (training seeds).
2. Tune (b)'s flat price on the training seeds; the same training seasons under the tuned (b) are
   what a deployment would have recorded, and policy (d) learns from them: realised marginal costs
   per width x weekday (``fleet.window_costs``), the demand forecast and booking curve
   (``pricing.bid_prices``). Then tune (a) and (c) when the mode runs them, and (d)'s markup and
   capacity value, each maximising mean contribution per shopper over the training seeds.
3. Run every tuned policy on the held-out test seeds (common random numbers: the same shoppers);
   compare (d) with (b) by paired means with 95 % intervals, under three cost conventions.
4. A frontier over the carbon price kappa, and a sensitivity grid (choice coefficients x0.5 / x1.5,
   the policies as tuned), on the sensitivity seeds.

Seasons are rolling (``city.utrecht(measured_weeks=...)``): a warm-up week, measured weeks, a tail
week. Seasons run in worker processes (``runner.Runner``); each is a pure function of its inputs.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from fleet.window_costs import insertion_weight_learn, marginal_cost_prior, marginal_cost_table_learn
from pricing.bid_prices import BookingRecord, demand_forecast_learn, demand_forecast_prior
from pricing.calculation import MARKUP_REVENUE_NEUTRAL, PRICE_BY_THREE_COSTS
from pricing.choice import ChoiceModel

from .city import DAY_SECONDS, HOUR, SEASON_DAYS, City, utrecht
from .comparison import POLICY_ORDER, compare, comparisons, summarise, target_met, targets
from .demand import DemandParams, period_fit, season_generate
from .policies import (
    COSTS,
    FLAT,
    INCENTIVE,
    PRODUCT_DEFAULT_TERMS,
    QUOTA,
    CostInputs,
    CostPolicy,
    Economics,
    FlatPolicy,
    IncentivePolicy,
    Policy,
    QuotaPolicy,
    mean_size_units,
    rule_terms,
)
from .runner import Runner, SeasonTask
from .season import RoutingBudget
from .tuning import coordinate_search

CONTRIBUTION = "contribution_per_shopper"
TUNING_MEANS = (CONTRIBUTION, "orders_served", "logsum_eur_per_shopper", "km_per_order")
# Subtracted from the score of a point that breaks the tuning's guard rails.
INADMISSIBLE = 1_000.0
# (d)'s guard rails on the training seeds, against tuned (b): the issue's orders and logsum targets.
GUARD_RAILS = ("orders_pct", "logsum_eur")


@dataclass(frozen=True)
class Settings:
    """One run's size: seeds, weeks, grids and PyVRP budgets (see ``MODES``)."""

    mode: str
    train_seeds: tuple[int, ...]
    test_seeds: tuple[int, ...]
    sensitivity_seeds: tuple[int, ...]
    train_weeks: int
    test_weeks: int
    tuning_budget: RoutingBudget
    test_budget: RoutingBudget
    sensitivity_budget: RoutingBudget
    flat_prices: tuple[Decimal, ...]
    # (d): offsets of its reference price (the mean price paid) from (b)'s tuned price (EUR), the
    # pass-through of the expected cost, the capacity value per order (EUR) the bid prices use, and
    # the carbon price kappa (EUR per kg CO2e).
    level_offsets: tuple[Decimal, ...]
    passthroughs: tuple[Decimal, ...]
    capacity_values: tuple[Decimal, ...]
    carbon_prices: tuple[Decimal, ...] = (Decimal("0.00"),)
    # (d): the product's width discount per hour of window beyond the first (EUR), a steering lever.
    width_discounts: tuple[Decimal, ...] = (Decimal("0.00"),)
    policies: tuple[str, ...] = (FLAT, COSTS)
    quota_scales: tuple[float, ...] = ()
    rule_grid: dict = field(default_factory=dict)
    sweeps: int = 1
    sensitivity_coefficients: tuple[str, ...] = ()
    sensitivity_factors: tuple[float, ...] = (0.5, 1.5)
    kappas: tuple[Decimal, ...] = ()
    green_share_max: Decimal = Decimal("0.30")
    conversion: float = 0.75
    conversion_price: Decimal = Decimal("7.00")
    demand: DemandParams = DemandParams()
    economics: Economics = Economics()
    choice: ChoiceModel = ChoiceModel()


def _money(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


FULL_RULE_GRID = {
    "base_fee": _money("2.00", "4.00", "6.00"),
    "cost_passthrough": _money("0.50", "1.00"),
    "green_max_grams": (0, 150),
}

MODES = {
    "tiny": Settings(
        mode="tiny",
        train_seeds=(11,),
        test_seeds=(21, 22),
        sensitivity_seeds=(21,),
        train_weeks=1,
        test_weeks=1,
        tuning_budget=RoutingBudget(10),
        test_budget=RoutingBudget(10),
        sensitivity_budget=RoutingBudget(10),
        flat_prices=_money("5.00", "7.00"),
        level_offsets=_money("0.00"),
        passthroughs=_money("0.50", "1.00"),
        capacity_values=_money("0", "10"),
        policies=(QUOTA, FLAT, INCENTIVE, COSTS),
        quota_scales=(1.0, 2.0),
        rule_grid={"base_fee": _money("2.00", "3.00")},
        sensitivity_coefficients=("price_per_eur",),
        kappas=_money("0.00", "0.50"),
        demand=DemandParams(shoppers_per_day=12.0),
    ),
    "quick": Settings(
        mode="quick",
        train_seeds=(101, 102, 103, 104, 105),
        test_seeds=(201, 202, 203, 204, 205, 206),
        sensitivity_seeds=(201, 202),
        train_weeks=1,
        test_weeks=1,
        tuning_budget=RoutingBudget(20),
        test_budget=RoutingBudget(100),
        sensitivity_budget=RoutingBudget(20),
        flat_prices=_money("6.00", "7.00", "8.00"),
        level_offsets=_money("0.00"),
        passthroughs=_money("1.00"),
        capacity_values=_money("0", "10"),
    ),
    "full": Settings(
        mode="full",
        train_seeds=(101, 102, 103, 104, 105),
        test_seeds=tuple(range(201, 221)),
        sensitivity_seeds=(201, 202),
        train_weeks=1,
        test_weeks=1,
        tuning_budget=RoutingBudget(20),
        test_budget=RoutingBudget(200),
        sensitivity_budget=RoutingBudget(20),
        flat_prices=_money("6.00", "6.50", "6.80", "7.00", "7.20", "7.50", "8.00"),
        level_offsets=_money("0.00", "-0.20", "0.20"),
        passthroughs=_money("1.00", "0.50", "1.50", "2.00"),
        capacity_values=_money("0", "5", "10", "15"),
        carbon_prices=_money("0.00", "0.20"),
        width_discounts=_money("0.00", "0.15", "0.30"),
        sensitivity_coefficients=("price_per_eur", "per_day_later", "green_eco", "nest_scale", "label_fade"),
        kappas=_money("0.10", "0.50", "1.00"),
    ),
}


# ---------------------------------------------------------------------------------------------
# Calibration and learning
# ---------------------------------------------------------------------------------------------


def calibrate_no_purchase(
    *, choice: ChoiceModel, demand: DemandParams, seeds: Sequence[int], conversion: float, price: Decimal
) -> float:
    """The no-purchase constant at which ``conversion`` of the shoppers of ``seeds`` buy, in
    expectation, when every open window of their horizon is offered at ``price`` with no capacity
    limit and no label (the nested logit of ``choice``)."""
    if not 0 < conversion < 1:
        raise ValueError("Expected 0 < conversion < 1.")
    city = utrecht(measured_weeks=1)
    fit = period_fit(city, demand)
    cutoffs = np.stack([city.cutoffs(d) for d in range(city.season_days)])
    works = np.array([city.works(d) for d in range(city.season_days)])
    strengths = []  # per shopper: sum over days of exp(lambda x inclusive value), noise-scaled
    for seed in seeds:
        season = season_generate(city=city, demand=demand, seed=seed)
        for i in range(season.size):
            if not city.measured(int(season.preferred_day[i])):
                continue
            first = int(season.preferred_day[i])
            last = min(city.season_days - 1, int(season.arrival[i]) // DAY_SECONDS + SEASON_DAYS - 1)
            visible = np.arange(first, last + 1)
            available = (cutoffs[visible] > season.arrival[i]) & works[visible][:, None]
            utility = choice.utility(
                price=np.full(available.shape, float(price)),
                hours=city.window_hours[None, :],
                days_late=(visible - first)[:, None],
                fit=fit[int(season.period[i])][None, :],
                green=np.zeros(available.shape, dtype=bool),
                eco=bool(season.eco[i]),
            )
            z = np.where(available, utility, -np.inf) / choice.noise_scale / choice.nest_scale
            total = 0.0
            for row in z:
                if np.isfinite(row).any():
                    top = row[np.isfinite(row)].max()
                    total += np.exp(choice.nest_scale * (top + np.log(np.exp(row - top).sum())))
            strengths.append(total)
    s = np.asarray(strengths)
    low, high = -30.0, 30.0
    for _ in range(80):  # buying falls as the constant rises
        middle = (low + high) / 2
        buys = float(np.mean(s / (s + np.exp(middle / choice.noise_scale))))
        low, high = (middle, high) if buys > conversion else (low, middle)
    return round((low + high) / 2, 4)


def cost_inputs_learn(
    learning: Sequence[dict], *, city: City, demand: DemandParams, value_per_order: Decimal
) -> CostInputs:
    """Policy (d)'s inputs from what the training seasons recorded (``runner.season_learning``)."""
    diesel = city.depots[0].fleet[0].kind
    mean_service = 60 * sum(demand.service_minutes) / 2
    prior = marginal_cost_prior(
        cost_per_km=diesel.cost_per_km, cost_per_hour=diesel.cost_per_hour, service_seconds=int(mean_service)
    )
    realised = [
        ((0, width, weekday), Decimal(str(round(cost, 4))))
        for record in learning
        for width, weekday, cost in record["realised"]
    ]
    table = marginal_cost_table_learn(realised, prior=prior)
    weight = insertion_weight_learn(
        (Decimal(str(round(myopic, 4))), table.expected((0, width, weekday)), Decimal(str(round(cost, 4))))
        for record in learning
        for width, weekday, myopic, cost in record.get("sold", ())
    )
    table = dataclasses.replace(table, insertion_weight=weight)
    fleet = city.depots[0].fleet
    mean_size = mean_size_units(demand.size_units)
    van_hours = sum((v.shift_end - v.shift_start) / HOUR for v in fleet)
    orders_per_van_hour = sum(v.kind.capacity_units for v in fleet) / mean_size / van_hours
    bands = ((8, 12), (12, 17), (17, 21))
    by_band = [
        sum(max(0.0, min(v.shift_end / HOUR, end) - max(v.shift_start / HOUR, start)) for v in fleet)
        for start, end in bands
    ]
    forecast_prior = demand_forecast_prior(
        van_hours_by_band=by_band, orders_per_van_hour=orders_per_van_hour, weekday_appeal=city.day_appeal
    )
    days: dict[int, int] = {}
    bookings = []
    for record in learning:
        for weekday, count in record["days_by_weekday"].items():
            days[int(weekday)] = days.get(int(weekday), 0) + count
        bookings += [BookingRecord(weekday=w, band=b, lead_days=lead) for w, b, lead in record["bookings"]]
    forecast = demand_forecast_learn(bookings, days_observed=days, prior=forecast_prior)
    return CostInputs(
        marginal_costs=table,
        forecast=forecast,
        orders_per_van_hour=orders_per_van_hour,
        mean_size=mean_size,
        value_per_order=value_per_order,
    )


# ---------------------------------------------------------------------------------------------
# Policies from tuned parameters
# ---------------------------------------------------------------------------------------------


def quota_policy(point: dict) -> QuotaPolicy:
    return QuotaPolicy(flat_price=Decimal(point["flat_price"]), quota_scale=float(point["quota_scale"]))


def flat_policy(point: dict) -> FlatPolicy:
    return FlatPolicy(flat_price=Decimal(point["flat_price"]))


def incentive_policy(point: dict) -> IncentivePolicy:
    return IncentivePolicy(terms=rule_terms(**point))


def cost_policy(point: dict, *, inputs: CostInputs, settings: Settings) -> CostPolicy:
    """Policy (d), as the product's default rule set prices: one markup per offer over the three
    costs, set so that the mean price shoppers are expected to pay equals the reference ``level``
    (revenue-neutral under the product's prior choice model, nested by day), the expected cost
    passed through at ``cost_passthrough``, the retailer's basket margin, carbon price
    ``carbon_price_per_kg`` and capacity ``value_per_order``; green labels on at most
    ``green_share_max`` of each day's windows. No consolidation discount (the expected cost already
    differs by insertion); the width discount ``width_discount_per_hour`` (0 unless tuned).
    """
    margin = Decimal(str(settings.economics.order_margin)).quantize(Decimal("0.01"))
    terms = rule_terms(
        pricing_mode=PRICE_BY_THREE_COSTS,
        markup_mode=MARKUP_REVENUE_NEUTRAL,
        markup=Decimal("0.00"),
        reference_price=Decimal(point["level"]),
        cost_passthrough=Decimal(point["cost_passthrough"]),
        basket_margin=margin,
        carbon_price_per_kg=Decimal(point.get("carbon_price_per_kg", "0")),
        green_share_max=settings.green_share_max,
        width_discount_per_hour=Decimal(point.get("width_discount_per_hour", "0.00")),
        consolidation_discount=Decimal("0.00"),
    )
    return CostPolicy(
        terms=terms, inputs=dataclasses.replace(inputs, value_per_order=Decimal(point["value_per_order"]))
    )


def _jsonable(point: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in point.items()}


# ---------------------------------------------------------------------------------------------
# The experiment
# ---------------------------------------------------------------------------------------------


@dataclass
class ExperimentResult:
    """Everything the report needs; ``as_record`` / ``from_record`` round-trip it through JSON."""

    settings: Settings
    no_purchase: float
    tuned: dict
    tuning_trace: dict
    test_results: list[dict]
    summary: dict
    comparisons: dict
    targets: dict
    frontier: list[dict] = field(default_factory=list)
    sensitivity: list[dict] = field(default_factory=list)
    crn_identical: bool = True
    seconds: dict = field(default_factory=dict)
    seasons: int = 0
    seed_offset: int = 0

    def as_json(self) -> dict:
        s = self.settings
        return {
            "mode": s.mode,
            "seeds": {
                "train": list(s.train_seeds),
                "test": list(s.test_seeds),
                "sensitivity": list(s.sensitivity_seeds),
            },
            "measured_weeks": {"train": s.train_weeks, "test": s.test_weeks},
            "pyvrp_iterations": {
                "tuning": s.tuning_budget.max_iterations,
                "test": s.test_budget.max_iterations,
                "sensitivity": s.sensitivity_budget.max_iterations,
            },
            "stated_conversion": s.conversion,
            "no_purchase_calibrated": self.no_purchase,
            "tuned": self.tuned,
            "policies": {
                kind: {k: v for k, v in values.items() if k != "spread"}
                for kind, values in self.summary.items()
            },
            "comparisons": self.comparisons,
            "targets": self.targets,
            "kappa_frontier": self.frontier,
            "sensitivity": self.sensitivity,
            "same_shoppers_across_policies": self.crn_identical,
            "seasons_simulated": self.seasons,
            "seconds": self.seconds,
        }

    def as_record(self) -> dict:
        """``as_json`` plus the per-seed results, tuning traces and spreads (docs/evidence/results.json)."""
        return {
            **self.as_json(),
            "seed_offset": self.seed_offset,
            "summary": self.summary,
            "test_results": self.test_results,
            "tuning_trace": self.tuning_trace,
        }

    @classmethod
    def from_record(cls, record: dict) -> ExperimentResult:
        return cls(
            settings=settings_for(record["mode"], seed=record.get("seed_offset", 0)),
            no_purchase=record["no_purchase_calibrated"],
            tuned=record["tuned"],
            tuning_trace=record["tuning_trace"],
            test_results=record["test_results"],
            summary=record["summary"],
            comparisons=record["comparisons"],
            targets=record["targets"],
            frontier=record["kappa_frontier"],
            sensitivity=record["sensitivity"],
            crn_identical=record["same_shoppers_across_policies"],
            seconds=record["seconds"],
            seasons=record["seasons_simulated"],
            seed_offset=record.get("seed_offset", 0),
        )


class _Experiment:
    """The steps of ``experiment_run``, sharing the runner and the calibrated shoppers."""

    def __init__(self, settings: Settings, runner: Runner, log: Callable[[str], None]):
        self.settings = settings
        self.runner = runner
        self.log = log
        self.choice = settings.choice
        self.traces: dict[str, list] = {}
        self.rows: dict[str, list[dict]] = {}

    def tasks(
        self, policies: Sequence[Policy], seeds, budget, *, weeks: int, learn: bool = False, **overrides
    ):
        base = dict(
            choice=self.choice,
            demand=self.settings.demand,
            budget=budget,
            economics=self.settings.economics,
            measured_weeks=weeks,
            learn=learn,
        )
        base.update(overrides)
        return [SeasonTask(policy=p, seed=s, **base) for p in policies for s in seeds]

    def tune(
        self,
        *,
        label: str,
        make: Callable[[dict], Policy],
        start: dict,
        grid: dict,
        learn: bool = False,
        admissible: Callable[[list[dict]], bool] | None = None,
    ):
        """Coordinate search maximising mean training contribution per shopper; a point whose
        per-seed training results fail ``admissible`` (e.g. too many orders lost) scores below every
        admissible one. Returns the best point, its contribution, what it learned and its means;
        ``self.rows`` keeps every point's per-seed results (without what they learned)."""
        s = self.settings
        learned: dict[str, list] = {}
        means: dict[str, dict] = {}

        def score(points: list[dict]) -> list[float]:
            tasks = self.tasks(
                [make(p) for p in points], s.train_seeds, s.tuning_budget, weeks=s.train_weeks, learn=learn
            )
            results = self.runner.run(tasks, desc=f"tuning {label} ({len(points)} points)")
            per = len(s.train_seeds)
            scores = []
            for n, point in enumerate(points):
                rows = results[n * per : (n + 1) * per]
                key = repr(sorted(_jsonable(point).items()))
                means[key] = {k: float(np.mean([r[k] for r in rows])) for k in TUNING_MEANS}
                value = means[key][CONTRIBUTION]
                if learn:
                    learned[key] = [r.pop("learning") for r in rows]
                self.rows[key] = rows
                scores.append(value if admissible is None or admissible(rows) else value - INADMISSIBLE)
            return scores

        best, best_score, trace = coordinate_search(start=start, grid=grid, score=score, sweeps=s.sweeps)
        self.traces[label] = [
            {
                "point": _jsonable(p),
                "mean_contribution_per_shopper": means[key][CONTRIBUTION],
                "training_means": means[key],
                "admissible": admissible is None or admissible(self.rows[key]),
            }
            for p in trace.points
            for key in [repr(sorted(_jsonable(p).items()))]
        ]
        key = repr(sorted(_jsonable(best).items()))
        self.log(f"{label} tuned: {_jsonable(best)} (training means {means[key]})")
        return best, means[key][CONTRIBUTION], learned.get(key, []), means[key]


def experiment_run(
    settings: Settings,
    *,
    workers: int = 1,
    progress: bool = True,
    log: Callable[[str], None] = lambda _: None,
    seed_offset: int = 0,
) -> ExperimentResult:
    """Calibrate, learn, tune, test and vary (see the module docstring)."""
    s = settings
    runner = Runner(workers=workers, progress=progress)
    run = _Experiment(s, runner, log)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    try:
        clock = time.perf_counter()
        no_purchase = calibrate_no_purchase(
            choice=s.choice,
            demand=s.demand,
            seeds=s.train_seeds,
            conversion=s.conversion,
            price=s.conversion_price,
        )
        run.choice = dataclasses.replace(s.choice, no_purchase=no_purchase)
        log(
            f"no-purchase constant {no_purchase} for {s.conversion:.0%} conversion at EUR {s.conversion_price}"
        )

        flat_best, flat_score, learning, flat_means = run.tune(
            label="(b) flat price",
            make=flat_policy,
            start={"flat_price": s.flat_prices[0]},
            grid={"flat_price": s.flat_prices},
            learn=True,
        )
        inputs = cost_inputs_learn(learning, city=utrecht(), demand=s.demand, value_per_order=Decimal(0))
        tuned: dict = {FLAT: _jsonable(flat_best), "training_contribution_per_shopper": {FLAT: flat_score}}
        policies: dict[str, Policy] = {FLAT: flat_policy(flat_best)}
        if QUOTA in s.policies:
            quota_best, quota_score, _, _ = run.tune(
                label="(a) quotas",
                make=quota_policy,
                start={"quota_scale": s.quota_scales[0], "flat_price": flat_best["flat_price"]},
                grid={"quota_scale": s.quota_scales, "flat_price": s.flat_prices},
            )
            policies[QUOTA] = quota_policy(quota_best)
            tuned[QUOTA] = _jsonable(quota_best)
            tuned["training_contribution_per_shopper"][QUOTA] = quota_score
        if INCENTIVE in s.policies:
            rules_best, rules_score, _, _ = run.tune(
                label="(c) rules",
                make=incentive_policy,
                start={name: PRODUCT_DEFAULT_TERMS[name] for name in s.rule_grid},
                grid=s.rule_grid,
            )
            policies[INCENTIVE] = incentive_policy(rules_best)
            tuned[INCENTIVE] = {**_jsonable(PRODUCT_DEFAULT_TERMS), **_jsonable(rules_best)}
            tuned["training_contribution_per_shopper"][INCENTIVE] = rules_score
        flat_price = Decimal(flat_best["flat_price"])
        levels = tuple(flat_price + offset for offset in s.level_offsets)

        def make_cost(point: dict) -> CostPolicy:
            return cost_policy(point, inputs=inputs, settings=s)

        flat_rows = run.rows[repr(sorted(_jsonable(flat_best).items()))]

        def within_guard_rails(rows: list[dict]) -> bool:
            """The issue's orders and logsum targets met on the training seeds as the test seeds must
            meet them: paired with tuned (b), the whole 95 % interval clears each (a point whose mean
            only just clears a rail would break it on other seeds about half the time)."""
            return guard_rails_met(flat_rows, rows)

        cost_best, cost_score, _, cost_means = run.tune(
            label="(d) three-cost prices",
            make=make_cost,
            admissible=within_guard_rails,
            start={
                "level": flat_price,
                "cost_passthrough": s.passthroughs[0],
                "value_per_order": s.capacity_values[0],
                "carbon_price_per_kg": s.carbon_prices[0],
                "width_discount_per_hour": s.width_discounts[0],
            },
            grid={
                "level": levels,
                "cost_passthrough": s.passthroughs,
                "value_per_order": s.capacity_values,
                "carbon_price_per_kg": s.carbon_prices,
                "width_discount_per_hour": s.width_discounts,
            },
        )
        policies[COSTS] = make_cost(cost_best)
        tuned[COSTS] = {
            **_jsonable(cost_best),
            "markup_mode": MARKUP_REVENUE_NEUTRAL,
            "basket_margin": s.economics.order_margin,
            "green_share_max": str(s.green_share_max),
            "learned": {
                "orders_per_van_hour": inputs.orders_per_van_hour,
                "marginal_cost_prior": str(inputs.marginal_costs.prior),
                "insertion_weight": str(inputs.marginal_costs.insertion_weight),
                "marginal_cost_cells": {
                    f"{w} {wd}": str(inputs.marginal_costs.expected((0, w, wd)))
                    for (_, w, wd) in sorted(inputs.marginal_costs.averages, key=str)
                },
                "forecast_orders": {
                    f"{wd} {b}": round(v, 1) for (wd, b), v in inputs.forecast.orders.items()
                },
            },
        }
        tuned["training_contribution_per_shopper"][COSTS] = cost_score
        tuned["training_means"] = {FLAT: flat_means, COSTS: cost_means}
        seconds["tuning"] = time.perf_counter() - clock

        clock = time.perf_counter()
        ordered = [policies[k] for k in POLICY_ORDER if k in policies]
        test_results = runner.run(
            run.tasks(ordered, s.test_seeds, s.test_budget, weeks=s.test_weeks), desc="test seasons"
        )
        seconds["test"] = time.perf_counter() - clock
        digests: dict[int, set] = {}
        for r in test_results:
            digests.setdefault(r["seed"], set()).add(r["shoppers_digest"])
        crn_identical = all(len(d) == 1 for d in digests.values())
        compared = comparisons(test_results)

        clock = time.perf_counter()
        frontier = []
        if s.kappas:
            kappa_policies = [make_cost({**cost_best, "carbon_price_per_kg": kappa}) for kappa in s.kappas]
            rows = runner.run(
                run.tasks([policies[FLAT], policies[COSTS], *kappa_policies], s.sensitivity_seeds,
                          s.sensitivity_budget, weeks=s.train_weeks),
                desc="kappa frontier",
            )  # fmt: skip
            per = len(s.sensitivity_seeds)
            groups = [("b", rows[:per]), ("0", rows[per : 2 * per])]
            groups += [(str(k), rows[(2 + n) * per : (3 + n) * per]) for n, k in enumerate(s.kappas)]
            for label, group in groups:
                frontier.append(
                    {
                        "kappa_eur_per_kg": None if label == "b" else label,
                        "policy": FLAT if label == "b" else COSTS,
                        "contribution_per_shopper": float(np.mean([r[CONTRIBUTION] for r in group])),
                        "km_per_order": float(np.mean([r["km_per_order"] for r in group])),
                        "co2e_g_per_order": float(np.mean([r["co2e_g_per_order"] for r in group])),
                        "orders_served": float(np.mean([r["orders_served"] for r in group])),
                    }
                )
        seconds["frontier"] = time.perf_counter() - clock

        clock = time.perf_counter()
        sensitivity = []
        rows_spec: list[tuple[str, float, ChoiceModel]] = []
        for name in s.sensitivity_coefficients:
            for factor in s.sensitivity_factors:
                rows_spec.append((name, factor, run.choice.scaled(name, factor)))
        if rows_spec:
            pair = [policies[FLAT], policies[COSTS]]
            tasks = []
            for _, _, model in rows_spec:
                tasks += run.tasks(
                    pair, s.sensitivity_seeds, s.sensitivity_budget, weeks=s.train_weeks, choice=model
                )
            results = runner.run(tasks, desc="sensitivity grid")
            per = len(pair) * len(s.sensitivity_seeds)
            for n, (name, factor, model) in enumerate(rows_spec):
                group = results[n * per : (n + 1) * per]
                sensitivity.append(
                    {
                        "coefficient": name,
                        "factor": factor,
                        "value": getattr(model, name),
                        "d_vs_b": comparisons(group).get("d_vs_b", {}),
                    }
                )
        seconds["sensitivity"] = time.perf_counter() - clock
    finally:
        runner.close()
    seconds["total"] = time.perf_counter() - started
    summary = summarise(test_results)
    return ExperimentResult(
        settings=s,
        no_purchase=no_purchase,
        tuned=tuned,
        tuning_trace=run.traces,
        test_results=test_results,
        summary=summary,
        comparisons=compared,
        targets=targets(compared.get("d_vs_b", {}), sensitivity),
        frontier=frontier,
        sensitivity=sensitivity,
        crn_identical=crn_identical,
        seconds=seconds,
        seasons=runner.seasons,
        seed_offset=seed_offset,
    )


def guard_rails_met(flat_rows: Sequence[dict], rows: Sequence[dict]) -> bool:
    """Whether ``rows`` (a (d) point's per-seed training results) meet the orders and logsum targets
    against ``flat_rows`` (tuned (b) on the same seeds) by their whole paired 95 % interval."""
    paired = [{**r, "policy": FLAT} for r in flat_rows] + [{**r, "policy": COSTS} for r in rows]
    compared = compare(paired, COSTS, FLAT)
    return all(target_met(compared, key) for key in GUARD_RAILS)


def settings_for(mode: str, *, seed: int = 0) -> Settings:
    """The settings of ``mode`` (``tiny``, ``quick`` or ``full``); a non-zero ``seed`` moves every
    train, test and sensitivity seed by ``1000 * seed`` (training and test seeds stay disjoint)."""
    if mode not in MODES:
        raise ValueError(f"Unknown mode {mode!r}; expected one of {', '.join(MODES)}.")
    settings = MODES[mode]
    if not seed:
        return settings

    def shift(seeds: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(s + 1000 * int(seed) for s in seeds)

    return dataclasses.replace(
        settings,
        train_seeds=shift(settings.train_seeds),
        test_seeds=shift(settings.test_seeds),
        sensitivity_seeds=shift(settings.sensitivity_seeds),
    )
