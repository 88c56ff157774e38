"""Background re-optimisation at scale: a 1,000-stop depot-day booked one by one, against PyVRP offline.

A seeded generator (``depot_day_generate``) makes one depot-day in the Utrecht demo city: the demo
depot, a fleet of identical vans on 07:00–21:00 shifts, and shoppers clustered around the city's
neighbourhoods (some scattered over the whole zone), each with a window of 1 h, 2 h, 4 h or all
day. Everything is the engine's own data (``routing.problem``): no database, no Django.

The stops are booked in their arrival order with the product's insertion (``routing.insertion.
insert_cheapest``, the cheapest feasible place in the shopper's window, as a hold places a stop).
Background re-optimisation runs as ``fleet.reoptimisation.depot_day_reoptimise`` runs it: the
engine's ``routing.reoptimise`` (PyVRP warm-started from the current routes, applied only if
feasible, complete and cheaper) with the configured budget per run (``GREENSLOT_REOPT_SECONDS``
unless ``--reopt-seconds``). The product schedules one run per debounce period that saw a booking
(``GREENSLOT_REOPT_DEBOUNCE_SECONDS``); the benchmark stands that in by a run after every
``--reopt-every`` bookings and one after the last, each on the plan as it stands (no booking races
a run here, so none is retried). The Django path (read, lock, write rows) is skipped: it changes
which plan is applied, not which plan is found.

PyVRP then solves all booked stops offline, from scratch, with the same shifts and the *total*
re-optimisation budget (runs x seconds). Every plan is walked by the engine's checker.

    python manage.py bench reopt-scale --stops 1000 --seed 1
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from lab.demo.places import DEMO_ADDRESSES, DEPOT_CIRCUITY, DEPOT_LAT, DEPOT_LON, FACTOR_GRAMS_PER_KM
from routing.checker import check_plan
from routing.insertion import insert_cheapest
from routing.plan import build_plan, plan_cost
from routing.problem import PlanData, RouteSpec, StopSpec
from routing.travel import HaversineMetric, TravelModel

HOUR = 3600
SHIFT = (7 * HOUR, 21 * HOUR)  # seconds from the depot-day's local midnight
FIRST_DELIVERY, LAST_DELIVERY = 8 * HOUR, 20 * HOUR  # windows lie within these
# Window widths (hours; 12 is all day) and how often shoppers pick each.
WIDTH_SHARES = {1: 0.35, 2: 0.25, 4: 0.20, 12: 0.20}
STOPS_PER_VAN = 25  # fleet sizing: enough vans that one-by-one insertion places everyone
VAN_CAPACITY = 160  # parcels of 1-6 units: 25 stops need ~90
COST_PER_KM, COST_PER_HOUR, COST_PER_ROUTE = 0.35, 28.0, 15.0  # the demo's diesel van
SCATTERED_SHARE = 0.2  # shoppers anywhere in the zone's box rather than near a neighbourhood
SPREAD_M = 900.0  # standard deviation around a neighbourhood centre
ZONE_BOX = ((52.058, 52.125), (5.035, 5.185))  # (lat, lon) ranges of the demo's service zone
METRES_PER_DEGREE_LAT = 111_320.0


@dataclass(frozen=True)
class GeneratedDay:
    """One depot-day: ``plan`` has the depot and the vans' empty routes, ``stops`` arrive in order.

    A stop's ``key`` is its arrival number (1-based); times are seconds from local midnight.
    """

    plan: PlanData
    stops: tuple[StopSpec, ...]


def vans_for(stops: int) -> int:
    return max(1, math.ceil(stops / STOPS_PER_VAN))


def depot_day_generate(*, stops: int, seed: int, vans: int | None = None) -> GeneratedDay:
    """A seeded depot-day of ``stops`` shoppers in the demo city (pure: same seed, same day)."""
    if stops < 1:
        raise ValueError("Expected stops >= 1.")
    vans = vans_for(stops) if vans is None else vans
    if vans < 1:
        raise ValueError("Expected vans >= 1.")
    rng = np.random.default_rng([seed, stops])
    speed = TravelModel(circuity=DEPOT_CIRCUITY).route_speed_kmh(SHIFT[0] // HOUR, SHIFT[1] // HOUR, 80)
    routes = [
        RouteSpec(
            key=van + 1,
            capacity=VAN_CAPACITY,
            start=SHIFT[0],
            end=SHIFT[1],
            speed_kmh=speed,
            cost_per_km=COST_PER_KM,
            cost_per_hour=COST_PER_HOUR,
            fixed_cost=COST_PER_ROUTE,
            emission_g_per_km=float(FACTOR_GRAMS_PER_KM["diesel-van"]),
        )
        for van in range(vans)
    ]
    lat, lon = _addresses(rng, stops)
    early, late = _windows(rng, stops)
    service = 60 * rng.integers(2, 6, size=stops)
    demand = rng.integers(1, 7, size=stops)
    specs = tuple(
        StopSpec(
            lat=float(lat[i]),
            lon=float(lon[i]),
            early=int(early[i]),
            late=int(late[i]),
            service=int(service[i]),
            demand=int(demand[i]),
            key=i + 1,
        )
        for i in range(stops)
    )
    plan = build_plan(
        depot_lat=DEPOT_LAT,
        depot_lon=DEPOT_LON,
        stops=[],
        routes=routes,
        metric=HaversineMetric(DEPOT_CIRCUITY),
    )
    return GeneratedDay(plan=plan, stops=specs)


def _addresses(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    centres = [a for a in DEMO_ADDRESSES if a.inside_zone]
    (lat_lo, lat_hi), (lon_lo, lon_hi) = ZONE_BOX
    centre = rng.integers(0, len(centres), size=n)
    scattered = rng.random(n) < SCATTERED_SHARE
    metres_per_degree_lon = METRES_PER_DEGREE_LAT * math.cos(math.radians(DEPOT_LAT))
    lat = np.array([centres[c].lat for c in centre]) + rng.normal(0, SPREAD_M, n) / METRES_PER_DEGREE_LAT
    lon = np.array([centres[c].lon for c in centre]) + rng.normal(0, SPREAD_M, n) / metres_per_degree_lon
    lat = np.where(scattered, rng.uniform(lat_lo, lat_hi, n), np.clip(lat, lat_lo, lat_hi))
    lon = np.where(scattered, rng.uniform(lon_lo, lon_hi, n), np.clip(lon, lon_lo, lon_hi))
    return lat, lon


def _windows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    widths = np.array(list(WIDTH_SHARES), dtype=np.int64)
    width = rng.choice(widths, size=n, p=list(WIDTH_SHARES.values()))
    # Starts on the hour, aligned to the width as delivery windows are (8-12, 12-16, 16-20).
    slots = (LAST_DELIVERY - FIRST_DELIVERY) // HOUR // width
    start = FIRST_DELIVERY + (rng.integers(0, 1 << 30, size=n) % slots) * width * HOUR
    return start, start + width * HOUR


# -- booking and re-optimisation ---------------------------------------------------------------------


@dataclass(frozen=True)
class OnlineRun:
    plan: PlanData
    accepted: int
    rejected: int
    runs: int
    improved: int
    reopt_seconds: float  # wall-clock seconds inside routing.reoptimise
    violations: int  # checker findings over every plan checked


def book(
    day: GeneratedDay,
    *,
    reopt_seconds: float | None,
    reopt_every: int,
    seed: int = 0,
    reopt_iterations: int | None = None,
    check_every: int = 0,
    progress: bool = False,
    label: str = "",
) -> OnlineRun:
    """Book ``day.stops`` in order at their cheapest feasible insertions, re-optimising after every
    ``reopt_every`` bookings and after the last one (no re-optimisation without a budget).

    The checker walks the plan after every re-optimisation, every ``check_every`` bookings (0:
    never in between) and at the end.
    """
    from routing.reoptimise import reoptimise

    budget = (
        {"max_iterations": reopt_iterations}
        if reopt_iterations
        else ({"max_runtime": reopt_seconds} if reopt_seconds else None)
    )
    plan = day.plan
    accepted = rejected = runs = improved = violations = 0
    spent = 0.0
    pending = 0  # bookings since the last run

    def improve(plan: PlanData) -> PlanData:
        nonlocal runs, improved, spent, violations
        began = time.perf_counter()
        result = reoptimise(plan, seed=seed + runs, **budget)
        spent += time.perf_counter() - began
        runs += 1
        improved += int(result.improved)
        plan = result.plan if result.improved else plan
        violations += len(check_plan(plan))
        return plan

    bar = tqdm(day.stops, desc=label, unit="stop", file=sys.stderr, disable=not progress, leave=False)
    for arrival, stop in enumerate(bar, start=1):
        grown = insert_cheapest(plan, stop)
        if grown is None:
            rejected += 1
        else:
            plan, accepted, pending = grown, accepted + 1, pending + 1
        if budget and pending and arrival % reopt_every == 0:
            plan, pending = improve(plan), 0
        if check_every and arrival % check_every == 0:
            violations += len(check_plan(plan))
    if budget and pending:
        plan = improve(plan)
    violations += len(check_plan(plan))
    return OnlineRun(plan, accepted, rejected, runs, improved, spent, violations)


def solve_offline(plan: PlanData, *, seconds: float | None, iterations: int | None, seed: int):
    """PyVRP from scratch on the plan's stops and shifts (its routes are ignored), checked."""
    from pyvrp.stop import MaxIterations, MaxRuntime

    from routing.reoptimise import solve_plan

    stop = MaxIterations(iterations) if iterations else MaxRuntime(seconds)
    solved, reason = solve_plan(plan, stop=stop, seed=seed, warm_start=False)
    return solved, reason


# -- the benchmark -----------------------------------------------------------------------------------


def add_arguments(parser):
    parser.add_argument(
        "--stops", type=int, default=1000, help="Stops booked on the depot-day (default 1000)."
    )
    parser.add_argument("--seed", type=int, default=1, help="Generator and PyVRP seed (default 1).")
    parser.add_argument("--vans", type=int, help=f"Vans (default one per {STOPS_PER_VAN} stops).")
    parser.add_argument(
        "--reopt-every", type=int, default=20, help="Re-optimise after every K bookings (default 20)."
    )
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument(
        "--reopt-seconds", type=float, help="PyVRP seconds per run (default GREENSLOT_REOPT_SECONDS)."
    )
    budget.add_argument(
        "--reopt-iterations", type=int, help="PyVRP iterations per run instead (deterministic)."
    )


def _gap(value: float, reference: float | None) -> float | None:
    return None if not reference else round(100.0 * (value - reference) / reference, 3)


def run(command, **options) -> dict:
    from django.conf import settings

    stops, seed, every = int(options["stops"]), int(options["seed"]), int(options["reopt_every"])
    if stops < 1 or every < 1:
        raise ValueError("Expected --stops >= 1 and --reopt-every >= 1.")
    iterations = options.get("reopt_iterations")
    seconds = (
        None if iterations else float(options.get("reopt_seconds") or settings.GREENSLOT["REOPT_SECONDS"])
    )
    if (iterations is not None and iterations < 1) or (seconds is not None and not seconds > 0):
        raise ValueError("Expected a positive re-optimisation budget.")
    # The bar writes to stderr: only when that is a terminal (not into log files or CI output).
    progress = command is not None and options.get("verbosity", 1) > 0 and sys.stderr.isatty()
    wall, cpu = time.perf_counter(), time.process_time()

    began = time.perf_counter()
    day = depot_day_generate(stops=stops, seed=seed, vans=options.get("vans"))
    generate_seconds = time.perf_counter() - began
    began = time.perf_counter()
    greedy = book(day, reopt_seconds=None, reopt_every=every, progress=progress, label="insertion only")
    greedy_seconds = time.perf_counter() - began
    online = book(
        day,
        reopt_seconds=seconds,
        reopt_iterations=iterations,
        reopt_every=every,
        seed=seed,
        progress=progress,
        label="with re-optimisation",
    )
    total_iterations = iterations * online.runs if iterations else None
    total_seconds = seconds * online.runs if seconds else None
    began = time.perf_counter()
    offline, reason = solve_offline(
        online.plan, seconds=total_seconds, iterations=total_iterations, seed=seed
    )
    offline_seconds = time.perf_counter() - began
    offline_cost = plan_cost(offline) if offline is not None else None
    violations = greedy.violations + online.violations + (len(check_plan(offline)) if offline else 0)

    cost, greedy_cost = plan_cost(online.plan), plan_cost(greedy.plan)
    return {
        "benchmark": "reopt-scale",
        "stops": stops,
        "seed": seed,
        "vans": len(day.plan.routes),
        "accepted": online.accepted,
        "rejected": online.rejected,
        "accepted_insertion_only": greedy.accepted,
        "vans_used": sum(1 for r in online.plan.routes if r.visits),
        "vans_used_insertion_only": sum(1 for r in greedy.plan.routes if r.visits),
        "vans_used_offline": sum(1 for r in offline.routes if r.visits) if offline else None,
        "cost_insertion_only": round(greedy_cost, 2),
        "cost_reoptimised": round(cost, 2),
        "cost_offline": None if offline_cost is None else round(offline_cost, 2),
        "offline_status": reason,
        "gap_pct": _gap(cost, offline_cost),
        "gap_insertion_only_pct": _gap(greedy_cost, offline_cost)
        if greedy.accepted == online.accepted
        else None,
        "reopt_every": every,
        "reopt_runs": online.runs,
        "reopt_improved": online.improved,
        "reopt_seconds_per_run": seconds,
        "reopt_iterations_per_run": iterations,
        "total_budget_seconds": total_seconds,
        "total_budget_iterations": total_iterations,
        "reopt_wall_seconds": round(online.reopt_seconds, 2),
        "offline_wall_seconds": round(offline_seconds, 2),
        "generate_seconds": round(generate_seconds, 3),
        "insertion_only_seconds": round(greedy_seconds, 2),
        "checker_violations": violations,
        "wall_seconds": round(time.perf_counter() - wall, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
    }
