"""The whole experiment: tune on training seasons, report on test seasons, vary the choice model.

1. Tune (b)'s flat price, then (a)'s quota scale and flat price, then (c)'s incentive rules, each
   maximising mean profit over the *training* seeds (``tuning.coordinate_search``).
2. Run the three tuned policies on the *test* seeds (other seeds) with the headline PyVRP budget.
3. Sensitivity: every choice coefficient at -50 % and +50 %, the tuned policies unchanged, on the
   sensitivity seeds (a subset of the test seeds) with its own budget and its own default row;
   plus demand at 0.6x and 1.4x, a two-depot city, and the order margin at -50 % / +50 %.

Seasons run in worker processes (``workers``, ``runner.Runner``); each is a pure function of its
inputs, so the result does not depend on scheduling.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from pricing.choice import COEFFICIENTS, ChoiceModel

from .city import utrecht
from .comparison import KPI_KEYS, POLICY_ORDER, paired, summarise, targets, with_margin
from .demand import DemandParams, season_generate
from .policies import (
    FLAT,
    INCENTIVE,
    PRODUCT_DEFAULT_TERMS,
    QUOTA,
    Economics,
    FlatPolicy,
    IncentivePolicy,
    Policy,
    QuotaPolicy,
    rule_terms,
)
from .runner import Runner, SeasonTask
from .season import RoutingBudget
from .tuning import coordinate_search


@dataclass(frozen=True)
class Settings:
    """One run's size: seeds, grids and PyVRP budgets (see ``MODES``)."""

    mode: str
    train_seeds: tuple[int, ...]
    test_seeds: tuple[int, ...]
    sensitivity_seeds: tuple[int, ...]
    tuning_budget: RoutingBudget
    test_budget: RoutingBudget
    sensitivity_budget: RoutingBudget
    flat_prices: tuple[Decimal, ...]
    quota_scales: tuple[float, ...]
    rule_grid: dict[str, tuple]
    sweeps: int
    sensitivity_coefficients: tuple[str, ...]
    sensitivity_factors: tuple[float, ...] = (0.5, 1.5)
    demand_factors: tuple[float, ...] = ()
    two_depots: bool = False
    demand: DemandParams = DemandParams()
    economics: Economics = Economics()
    choice: ChoiceModel = ChoiceModel()


def _money(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


FULL_RULE_GRID = {
    "base_fee": _money("1.00", "2.00", "3.00", "4.00", "5.00", "6.00", "7.00"),
    "cost_passthrough": _money("0.50", "0.75", "1.00"),
    "width_discount_per_hour": _money("0.00", "0.25", "0.50", "1.00"),
    "consolidation_discount": _money("0.00", "0.50", "1.00", "2.00"),
    "green_max_grams": (0, 50, 150, 400),
}

MODES = {
    "tiny": Settings(
        mode="tiny",
        train_seeds=(11,),
        test_seeds=(21,),
        sensitivity_seeds=(21,),
        tuning_budget=RoutingBudget(20),
        test_budget=RoutingBudget(20),
        sensitivity_budget=RoutingBudget(20),
        flat_prices=_money("4.50"),
        quota_scales=(1.0, 2.0),
        rule_grid={"base_fee": _money("2.00", "3.00")},
        sweeps=1,
        sensitivity_coefficients=("price_per_eur",),
        demand=DemandParams(shoppers_per_day=12.0),
    ),
    "quick": Settings(
        mode="quick",
        train_seeds=(101,),
        test_seeds=(201, 202),
        sensitivity_seeds=(201,),
        tuning_budget=RoutingBudget(150),
        test_budget=RoutingBudget(200),
        sensitivity_budget=RoutingBudget(100),
        flat_prices=_money("5.00", "7.00"),
        quota_scales=(1.4, 2.0),
        rule_grid={
            "base_fee": _money("3.00", "5.00"),
            "green_max_grams": (0, 150),
        },
        sweeps=1,
        sensitivity_coefficients=("price_per_eur",),
    ),
    "full": Settings(
        mode="full",
        train_seeds=(101, 102, 103),
        test_seeds=(201, 202, 203, 204, 205, 206, 207, 208),
        sensitivity_seeds=(201, 202, 203),
        tuning_budget=RoutingBudget(150),
        test_budget=RoutingBudget(1000),
        sensitivity_budget=RoutingBudget(150),
        flat_prices=_money("4.00", "4.50", "5.00", "5.50", "6.00", "6.50", "7.00", "7.50", "8.00", "9.00"),
        quota_scales=(0.8, 1.0, 1.2, 1.4, 1.7, 2.0, 2.5, 3.0),
        rule_grid=FULL_RULE_GRID,
        sweeps=2,
        sensitivity_coefficients=COEFFICIENTS,
        demand_factors=(0.6, 1.4),
        two_depots=True,
    ),
}


# ---------------------------------------------------------------------------------------------
# Policies from tuned parameters
# ---------------------------------------------------------------------------------------------


def quota_policy(point: dict) -> QuotaPolicy:
    return QuotaPolicy(flat_price=Decimal(point["flat_price"]), quota_scale=float(point["quota_scale"]))


def flat_policy(point: dict) -> FlatPolicy:
    return FlatPolicy(flat_price=Decimal(point["flat_price"]))


def incentive_policy(point: dict) -> IncentivePolicy:
    return IncentivePolicy(terms=rule_terms(**point))


def _tasks(settings: Settings, policies: Sequence[Policy], seeds, budget, **overrides) -> list[SeasonTask]:
    base = dict(
        choice=settings.choice,
        demand=settings.demand,
        budget=budget,
        economics=settings.economics,
        two_depots=False,
    )
    base.update(overrides)
    return [SeasonTask(policy=p, seed=s, **base) for p in policies for s in seeds]


def _tune(
    runner: Runner,
    settings: Settings,
    *,
    label: str,
    make: Callable[[dict], Policy],
    start: dict,
    grid: dict,
) -> tuple[dict, float, list[dict]]:
    def score(points: list[dict]) -> list[float]:
        policies = [make(p) for p in points]
        tasks = _tasks(settings, policies, settings.train_seeds, settings.tuning_budget)
        results = runner.run(tasks, desc=f"tuning {label} ({len(points)} points)")
        per_point = len(settings.train_seeds)
        return [
            float(np.mean([r["profit"] for r in results[i * per_point : (i + 1) * per_point]]))
            for i in range(len(points))
        ]

    best, best_score, trace = coordinate_search(start=start, grid=grid, score=score, sweeps=settings.sweeps)
    evaluated = [
        {"point": _jsonable(p), "mean_profit": s} for p, s in zip(trace.points, trace.scores, strict=True)
    ]
    return best, best_score, evaluated


def _jsonable(point: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in point.items()}


# ---------------------------------------------------------------------------------------------
# The experiment
# ---------------------------------------------------------------------------------------------


@dataclass
class ExperimentResult:
    """Everything the report needs; ``as_record`` / ``from_record`` round-trip it through JSON."""

    settings: Settings
    tuned: dict
    tuning_trace: dict
    test_results: list[dict]
    summary: dict
    pairs: dict
    targets: dict
    sensitivity: list[dict] = field(default_factory=list)
    scenarios: list[dict] = field(default_factory=list)
    crn_identical: bool = True
    intent: dict = field(default_factory=dict)
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
            "pyvrp_iterations": {
                "tuning": s.tuning_budget.max_iterations,
                "test": s.test_budget.max_iterations,
                "sensitivity": s.sensitivity_budget.max_iterations,
            },
            "tuned": self.tuned,
            "policies": {
                kind: {k: v for k, v in values.items() if k in KPI_KEYS or k in ("spread", "seeds")}
                for kind, values in self.summary.items()
            },
            "paired": self.pairs,
            "targets": self.targets,
            "same_shoppers_across_policies": self.crn_identical,
            "demand_vs_capacity": self.intent,
            "sensitivity": self.sensitivity,
            "scenarios": self.scenarios,
            "seasons_simulated": self.seasons,
            "seconds": self.seconds,
        }

    def as_record(self) -> dict:
        """``as_json`` plus the per-seed results and tuning traces (docs/evidence/results.json)."""
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
            tuned=record["tuned"],
            tuning_trace=record["tuning_trace"],
            test_results=record["test_results"],
            summary=record["summary"],
            pairs=record["paired"],
            targets=record["targets"],
            sensitivity=record["sensitivity"],
            scenarios=record["scenarios"],
            crn_identical=record["same_shoppers_across_policies"],
            intent=record["demand_vs_capacity"],
            seconds=record["seconds"],
            seasons=record["seasons_simulated"],
            seed_offset=record.get("seed_offset", 0),
        )


def experiment_run(
    settings: Settings,
    *,
    workers: int = 1,
    progress: bool = True,
    log: Callable[[str], None] = lambda _: None,
    seed_offset: int = 0,
) -> ExperimentResult:
    """Tune, test and vary (see the module docstring)."""
    runner = Runner(workers=workers, progress=progress)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    try:
        clock = time.perf_counter()
        flat_best, flat_score, flat_trace = _tune(
            runner,
            settings,
            label="(b) flat price",
            make=flat_policy,
            start={"flat_price": settings.flat_prices[0]},
            grid={"flat_price": settings.flat_prices},
        )
        log(f"(b) tuned: flat price {flat_best['flat_price']} (training profit {flat_score:.0f})")
        quota_best, quota_score, quota_trace = _tune(
            runner,
            settings,
            label="(a) quotas",
            make=quota_policy,
            start={
                "quota_scale": 1.0 if 1.0 in settings.quota_scales else settings.quota_scales[0],
                "flat_price": flat_best["flat_price"],
            },
            grid={"quota_scale": settings.quota_scales, "flat_price": settings.flat_prices},
        )
        log(f"(a) tuned: quota scale {quota_best['quota_scale']}, flat price {quota_best['flat_price']}")
        rule_start = {name: PRODUCT_DEFAULT_TERMS[name] for name in settings.rule_grid}
        rules_best, rules_score, rules_trace = _tune(
            runner,
            settings,
            label="(c) rules",
            make=incentive_policy,
            start=rule_start,
            grid=settings.rule_grid,
        )
        log(f"(c) tuned: {_jsonable(rules_best)} (training profit {rules_score:.0f})")
        seconds["tuning"] = time.perf_counter() - clock
        policies = {
            QUOTA: quota_policy(quota_best),
            FLAT: flat_policy(flat_best),
            INCENTIVE: incentive_policy(rules_best),
        }
        tuned = {
            QUOTA: _jsonable(quota_best),
            FLAT: _jsonable(flat_best),
            INCENTIVE: {
                **_jsonable({k: v for k, v in PRODUCT_DEFAULT_TERMS.items()}),
                **_jsonable(rules_best),
            },
            "training_mean_profit": {QUOTA: quota_score, FLAT: flat_score, INCENTIVE: rules_score},
        }

        clock = time.perf_counter()
        ordered = [policies[k] for k in POLICY_ORDER]
        test_results = runner.run(
            _tasks(settings, ordered, settings.test_seeds, settings.test_budget), desc="test seasons"
        )
        seconds["test"] = time.perf_counter() - clock
        digests = {}
        for r in test_results:
            digests.setdefault(r["seed"], set()).add(r["shoppers_digest"])
        crn_identical = all(len(d) == 1 for d in digests.values())
        summary = summarise(test_results)
        pairs = paired(test_results)

        clock = time.perf_counter()
        sensitivity = []
        settings_rows: list[tuple[str, float, dict]] = [("default", 1.0, {})]
        for name in settings.sensitivity_coefficients:
            for factor in settings.sensitivity_factors:
                settings_rows.append((name, factor, {"choice": settings.choice.scaled(name, factor)}))
        tasks = []
        for _, _, overrides in settings_rows:
            tasks += _tasks(
                settings, ordered, settings.sensitivity_seeds, settings.sensitivity_budget, **overrides
            )
        results = runner.run(tasks, desc="sensitivity grid")
        per_row = len(ordered) * len(settings.sensitivity_seeds)
        for index, (name, factor, overrides) in enumerate(settings_rows):
            rows = results[index * per_row : (index + 1) * per_row]
            model = overrides.get("choice", settings.choice)
            sensitivity.append(
                {
                    "coefficient": name,
                    "factor": factor,
                    "value": getattr(model, name) if name != "default" else None,
                    "summary": {k: {m: v[m] for m in KPI_KEYS} for k, v in summarise(rows).items()},
                    "paired": paired(rows),
                }
            )
        seconds["sensitivity"] = time.perf_counter() - clock

        clock = time.perf_counter()
        scenarios = []
        for factor in settings.sensitivity_factors:
            rows = with_margin(test_results, settings.economics, factor)
            scenarios.append(
                {
                    "scenario": f"order margin x{factor:g} (EUR {settings.economics.order_margin * factor:g})",
                    "seeds": "test",
                    "summary": {k: {m: v[m] for m in KPI_KEYS} for k, v in summarise(rows).items()},
                    "paired": paired(rows),
                }
            )
        extra: list[tuple[str, dict]] = []
        for factor in settings.demand_factors:
            demand = dataclasses.replace(
                settings.demand, shoppers_per_day=settings.demand.shoppers_per_day * factor
            )
            extra.append(
                (f"demand x{factor:g} ({demand.shoppers_per_day:g} shoppers a weekday)", {"demand": demand})
            )
        if settings.two_depots:
            extra.append(("two depots (fleet split, Lage Weide and Rijnsweerd)", {"two_depots": True}))
        if extra:
            tasks = []
            for _, overrides in extra:
                tasks += _tasks(
                    settings, ordered, settings.sensitivity_seeds, settings.sensitivity_budget, **overrides
                )
            results = runner.run(tasks, desc="scenarios")
            for index, (label, _) in enumerate(extra):
                rows = results[index * per_row : (index + 1) * per_row]
                scenarios.append(
                    {
                        "scenario": label,
                        "seeds": "sensitivity",
                        "summary": {k: {m: v[m] for m in KPI_KEYS} for k, v in summarise(rows).items()},
                        "paired": paired(rows),
                    }
                )
        seconds["scenarios"] = time.perf_counter() - clock
    finally:
        runner.close()
    intent = purchase_intent(settings)
    seconds["total"] = time.perf_counter() - started
    return ExperimentResult(
        settings=settings,
        tuned=tuned,
        tuning_trace={QUOTA: quota_trace, FLAT: flat_trace, INCENTIVE: rules_trace},
        test_results=test_results,
        summary=summary,
        pairs=pairs,
        targets=targets(pairs),
        sensitivity=sensitivity,
        scenarios=scenarios,
        crn_identical=crn_identical,
        intent={k: (float(v) if isinstance(v, np.floating) else v) for k, v in intent.items()},
        seconds=seconds,
        seasons=runner.seasons,
        seed_offset=seed_offset,
    )


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


def purchase_intent(settings: Settings, *, flat_price: Decimal = Decimal("4.50")) -> dict:
    """Expected orders a working day if every open window were offered at ``flat_price`` (no capacity
    limit), against the fleet's load capacity in orders; on the first test seed's shoppers."""
    from pricing.choice import window_probabilities

    from .city import DAY_SECONDS
    from .demand import period_fit
    from .policies import mean_size_units

    city = utrecht()
    season = season_generate(city=city, demand=settings.demand, seed=settings.test_seeds[0])
    fit = period_fit(city, settings.demand)
    days = city.season_days
    cutoffs = np.stack([city.cutoffs(d) for d in range(days)])
    expected = 0.0
    for i in range(season.size):
        first = int(season.preferred_day[i])
        last = min(days - 1, int(season.arrival[i]) // DAY_SECONDS + days - 1)
        visible = np.arange(first, last + 1)
        works = np.array([city.works(int(d)) for d in visible])
        available = (cutoffs[visible] > season.arrival[i]) & works[:, None]
        utility = settings.choice.utility(
            price=np.full(available.shape, float(flat_price)),
            hours=city.window_hours[None, :],
            days_late=(visible - first)[:, None],
            fit=fit[int(season.period[i])][None, :],
            green=np.zeros(available.shape, dtype=bool),
            eco=bool(season.eco[i]),
        )
        expected += 1.0 - window_probabilities(settings.choice, utility, available)[-1]
    working_days = sum(city.works(d) for d in range(days))
    capacity = sum(v.kind.capacity_units for v in city.depots[0].fleet) / mean_size_units(
        settings.demand.size_units
    )
    return {
        "flat_price": str(flat_price),
        "shoppers": season.size,
        "expected_orders_per_working_day": expected / working_days,
        "load_capacity_orders_per_day": capacity,
    }
