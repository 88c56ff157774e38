"""Running seasons: one task is one season under one policy, run in worker processes if asked.

Each task is a pure function of its fields (the season is redrawn from its seed in the worker),
so results do not depend on scheduling, and every policy meets the same shoppers for a seed.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import multiprocessing
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from fleet.window_costs import realised_marginal_costs
from pricing.bid_prices import DEFAULT_BANDS
from pricing.choice import ChoiceModel
from pricing.widths import width_class

from .city import HOUR, City, utrecht
from .demand import DemandParams, Season, season_generate
from .policies import QUOTA, Economics, Policy
from .season import RoutingBudget, SeasonResult, season_run


@dataclass(frozen=True)
class SeasonTask:
    """Everything one season needs; a pure function of these fields."""

    policy: Policy
    seed: int
    choice: ChoiceModel
    demand: DemandParams
    budget: RoutingBudget
    economics: Economics
    two_depots: bool = False
    measured_weeks: int = 0  # 0: issue 7's single week; else a rolling season (``city.utrecht``)
    learn: bool = False  # also return what policy (d) learns from a season (``season_learning``)


def season_digest(season: Season) -> str:
    """A fingerprint of the shoppers (arrivals, homes, preferences, parcels and every draw)."""
    digest = hashlib.sha256()
    for values in (
        season.arrival,
        season.preferred_day,
        season.period,
        season.eco,
        season.lat,
        season.lon,
        season.size_units,
        season.service_s,
        season.gumbel,
        season.gumbel_day,
        season.gumbel_none,
    ):
        digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()[:16]


def run_task(task: SeasonTask) -> dict:
    """Run one season and return its KPIs, with the shoppers' digest and the policy's kind."""
    city = utrecht(second_depot=task.two_depots, measured_weeks=task.measured_weeks)
    season = season_generate(city=city, demand=task.demand, seed=task.seed)
    result = season_run(
        city=city,
        demand=task.demand,
        season=season,
        policy=task.policy,
        choice=task.choice,
        budget=task.budget,
    )
    if task.policy.kind != QUOTA and result.failed:
        raise AssertionError(
            f"Exact feasibility left {len(result.failed)} failed deliveries (seed {task.seed})."
        )
    kpis = result.kpis(economics=task.economics, window_hours=city.window_hours)
    kpis.update(policy=task.policy.kind, seed=task.seed, shoppers_digest=season_digest(season))
    if task.learn:
        kpis["learning"] = season_learning(city, result)
    return kpis


def season_learning(city: City, result: SeasonResult) -> dict:
    """What a deployment would have recorded: each order's realised marginal cost in the driven
    plans (``fleet.window_costs.realised_marginal_costs``) by width class and weekday, each booking's
    weekday, hour band (of the window's midpoint) and days ahead, and the measured days per weekday."""
    window_of = {shopper + 1: k for shopper, k in zip(result.shopper, result.window, strict=True)}
    sale_of = {shopper + 1: cost for shopper, cost in zip(result.shopper, result.sale_cost, strict=True)}
    realised = []
    sold = []  # (width, weekday, myopic cost at sale, realised cost)
    for (_, day), plan in result.plans.items():
        for key, cost in realised_marginal_costs(plan).items():
            k = window_of[key]
            realised.append((width_class(city.windows[k].hours), city.iso_weekday(day), cost))
            if np.isfinite(sale_of[key]):
                sold.append((width_class(city.windows[k].hours), city.iso_weekday(day), sale_of[key], cost))
    bookings = []
    for day, k, lead in zip(result.day, result.window, result.lead_days, strict=True):
        w = city.windows[k]
        middle = (w.start + w.end) / 2 / HOUR
        band = next((b for b, (start, end) in enumerate(DEFAULT_BANDS) if start <= middle < end), 0)
        bookings.append((city.iso_weekday(day), band, int(lead)))
    days = [d for d in range(city.season_days) if city.measured(d) and city.works(d)]
    by_weekday: dict[int, int] = {}
    for d in days:
        by_weekday[city.iso_weekday(d)] = by_weekday.get(city.iso_weekday(d), 0) + 1
    return {"realised": realised, "sold": sold, "bookings": bookings, "days_by_weekday": by_weekday}


class Runner:
    """Runs season tasks, in worker processes when ``workers > 1``, with a progress bar."""

    def __init__(self, *, workers: int, progress: bool):
        self.workers = max(1, int(workers))
        self.progress = progress
        self.seasons = 0
        self._pool = None
        if self.workers > 1:
            context = multiprocessing.get_context("fork") if sys.platform != "win32" else None
            self._pool = concurrent.futures.ProcessPoolExecutor(max_workers=self.workers, mp_context=context)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def run(self, tasks: Sequence[SeasonTask], desc: str) -> list[dict]:
        bar = tqdm(total=len(tasks), desc=desc, unit="season", file=sys.stderr, disable=not self.progress)
        try:
            if self._pool is None:
                results = []
                for task in tasks:
                    results.append(run_task(task))
                    bar.update(1)
            else:
                futures = [self._pool.submit(run_task, task) for task in tasks]
                for future in concurrent.futures.as_completed(futures):
                    future.result()  # re-raise a worker's error here
                    bar.update(1)
                results = [future.result() for future in futures]
        finally:
            bar.close()
        self.seasons += len(tasks)
        return results
