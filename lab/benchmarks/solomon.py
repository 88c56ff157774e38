"""Solomon VRPTW customers booked one by one through the engine, against PyVRP offline.

DESIGN.md §8. For each instance (Solomon's text format; Gehring–Homberger's larger ones too) the
customers arrive in a seeded random order; each asks for exactly its own time window (service
start within [ready, due]) and is accepted at its cheapest feasible insertion into the current
plan (``routing.insertion``, no Django) or rejected. Two online variants run on the same order:
without re-optimisation, and with ``routing.reoptimise`` every ``--reopt-every`` arrivals and at the
end. PyVRP then solves the accepted set offline from scratch with the same budget.

Travel model: Euclidean, DIMACS convention. Coordinates, times and distances are scaled by 10 and
distances truncated (``EuclideanMetric(scale=10, rounding="floor")``), travel time = distance
(speed 3.6 km/h is 1 m/s: seconds equal metres). Reported distances are divided by 10 again, so
they compare directly with ``bks_dimacs.csv`` (distance first, not vehicles first).

Budget: ``--reopt-seconds S`` is the PyVRP wall-clock time per instance for re-optimisation in
total; half goes to the final run, the other half is split evenly over the runs during arrivals.
PyVRP offline gets ``--offline-seconds`` (default: the same S). With ``--reopt-iterations N`` the
budget is iterations instead (deterministic).

Time: per instance about the re-optimisation budget plus the offline budget (plus one more offline
run when a customer was rejected, to learn whether PyVRP fits everyone); all 56 Solomon instances
with the defaults (1 s + 1 s) take about 2 minutes.

    python manage.py bench solomon ../shared/data/solomon --reopt-seconds 1 --offline-seconds 1
"""

from __future__ import annotations

import csv
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

SCALE = 10  # DIMACS: distances truncated to one decimal, kept as integer tenths
FINAL_SHARE = 0.5  # of the re-optimisation budget, spent after the last arrival
DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "solomon"


@dataclass(frozen=True)
class SolomonInstance:
    """One instance; index 0 of every array is the depot. Units are the file's own."""

    name: str
    vehicles: int
    capacity: int
    x: np.ndarray
    y: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray

    @property
    def num_customers(self) -> int:
        return int(self.x.shape[0]) - 1


def read_solomon(path: str | Path) -> SolomonInstance:
    """Parse Solomon's format: name, ``VEHICLE`` / ``NUMBER CAPACITY`` / two numbers, then
    ``CUSTOMER``, a header and one row per node (number, x, y, demand, ready, due, service)."""
    path = Path(path)
    lines = [line.split() for line in path.read_text().splitlines()]
    lines = [words for words in lines if words]
    name = lines[0][0]
    numeric = [words for words in lines if all(_is_number(w) for w in words)]
    if not numeric or len(numeric[0]) != 2:
        raise ValueError(f"{path}: expected the vehicle number and capacity after VEHICLE.")
    vehicles, capacity = (int(float(w)) for w in numeric[0])
    rows = np.array([[float(w) for w in words] for words in numeric[1:]], dtype=np.float64)
    if rows.ndim != 2 or rows.shape[1] != 7 or rows.shape[0] < 2:
        raise ValueError(f"{path}: expected rows of 7 numbers for the depot and the customers.")
    if not np.array_equal(rows[:, 0], np.arange(rows.shape[0])):
        raise ValueError(f"{path}: expected nodes numbered 0, 1, 2, ... with the depot first.")
    x, y, demand, ready, due, service = rows[:, 1:].T
    return SolomonInstance(
        name=name,
        vehicles=vehicles,
        capacity=capacity,
        x=x,
        y=y,
        demand=demand.astype(np.int64),
        ready=ready,
        due=due,
        service=service,
    )


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def read_bks(path: str | Path) -> dict[str, tuple[int, float]]:
    """``bks_dimacs.csv``: instance -> (routes, distance)."""
    with open(path, newline="") as handle:
        return {
            row["instance"]: (int(row["routes"]), float(row["distance_dimacs"]))
            for row in csv.DictReader(handle)
        }


def solution_routes(path: str | Path) -> int | None:
    """Routes of a CVRPLIB ``.sol`` file (lines ``Route #k: ...``), None without the file."""
    path = Path(path)
    if not path.exists():
        return None
    return sum(1 for line in path.read_text().splitlines() if line.strip().lower().startswith("route"))


# -- the instance as engine data ---------------------------------------------------------------------


def _metric():
    from routing.travel import EuclideanMetric

    return EuclideanMetric(scale=SCALE, rounding="floor")


def _ticks(values) -> np.ndarray:
    return np.round(np.asarray(values, dtype=np.float64) * SCALE).astype(np.int64)


def empty_plan(instance: SolomonInstance):
    """The instance's fleet as routes with no visits: cost = distance (1 per 1000 tenths)."""
    from routing.plan import build_plan
    from routing.problem import RouteSpec

    start, end = int(_ticks(instance.ready[0])), int(_ticks(instance.due[0]))
    routes = [
        RouteSpec(
            key=r + 1,
            capacity=instance.capacity,
            start=start,
            end=end,
            speed_kmh=3.6,
            cost_per_km=1.0,
            cost_per_hour=0.0,
        )
        for r in range(instance.vehicles)
    ]
    return build_plan(
        depot_lat=float(instance.y[0]),
        depot_lon=float(instance.x[0]),
        stops=[],
        routes=routes,
        metric=_metric(),
    )


def customer_stop(instance: SolomonInstance, customer: int):
    from routing.problem import StopSpec

    return StopSpec(
        lat=float(instance.y[customer]),
        lon=float(instance.x[customer]),
        early=int(_ticks(instance.ready[customer])),
        late=int(_ticks(instance.due[customer])),
        service=int(_ticks(instance.service[customer])),
        demand=int(instance.demand[customer]),
        key=customer,
    )


def plan_distance(plan) -> float:
    """Total distance of the plan's routes in the instance's units (DIMACS: one decimal)."""
    from routing.plan import route_schedule

    tenths = sum(route_schedule(plan, r).metres for r in range(len(plan.routes)))
    return tenths / SCALE


def routes_used(plan) -> int:
    return sum(1 for r in plan.routes if r.visits)


# -- online booking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """PyVRP budget: ``seconds`` or ``iterations`` (exactly one)."""

    seconds: float | None = None
    iterations: int | None = None

    def share(self, fraction: float) -> dict:
        if self.iterations is not None:
            return {"max_iterations": max(1, int(self.iterations * fraction))}
        return {"max_runtime": self.seconds * fraction}

    def stop(self):
        from pyvrp.stop import MaxIterations, MaxRuntime

        return MaxIterations(self.iterations) if self.iterations is not None else MaxRuntime(self.seconds)


@dataclass(frozen=True)
class OnlineRun:
    plan: object  # routing.problem.PlanData
    accepted: tuple[int, ...]
    rejected: tuple[int, ...]
    reopt_runs: int
    reopt_improved: int
    reopt_seconds: float


def book_online(
    instance: SolomonInstance,
    order: list[int],
    *,
    reopt_budget: Budget | None,
    reopt_every: int = 10,
    seed: int = 0,
    check_every_step: bool = False,
) -> OnlineRun:
    """Customers in ``order`` each take their cheapest feasible insertion or are rejected.

    With a budget, ``routing.reoptimise`` runs after every ``reopt_every`` arrivals and after the
    last one (``FINAL_SHARE`` of the budget at the end, the rest split evenly). With
    ``check_every_step`` the independent checker runs on every plan (for tests).
    """
    from routing.checker import check_plan
    from routing.insertion import insert_cheapest
    from routing.reoptimise import reoptimise

    plan = empty_plan(instance)
    accepted: list[int] = []
    rejected: list[int] = []
    during = max(0, (len(order) - 1) // reopt_every) if reopt_budget else 0
    runs = improved = 0
    spent = 0.0

    def improve(plan, fraction: float):
        nonlocal runs, improved, spent
        began = time.perf_counter()
        result = reoptimise(plan, seed=seed + runs, **reopt_budget.share(fraction))
        spent += time.perf_counter() - began
        runs += 1
        improved += int(result.improved)
        return result.plan if result.improved else plan

    for arrival, customer in enumerate(order, start=1):
        stop = customer_stop(instance, customer)
        grown = insert_cheapest(plan, stop)
        if grown is not None:
            plan = grown
            accepted.append(customer)
        else:
            rejected.append(customer)
        if reopt_budget and arrival % reopt_every == 0 and arrival < len(order) and accepted:
            plan = improve(plan, (1 - FINAL_SHARE) / max(1, during))
        if check_every_step and check_plan(plan):
            raise AssertionError(f"Plan fails the checker after customer {customer}: {check_plan(plan)}")
    if reopt_budget and accepted:
        plan = improve(plan, FINAL_SHARE if during else 1.0)
        if check_every_step and check_plan(plan):
            raise AssertionError(f"Plan fails the checker after re-optimisation: {check_plan(plan)}")
    return OnlineRun(plan, tuple(accepted), tuple(rejected), runs, improved, spent)


# -- PyVRP offline -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfflineRun:
    feasible: bool
    distance: float | None
    routes: int | None
    plan: object | None


def solve_offline(instance: SolomonInstance, customers, budget: Budget, *, seed: int = 0) -> OfflineRun:
    """PyVRP from scratch on ``customers`` with the instance's fleet, the same DIMACS numbers,
    default solver parameters; the routes are re-walked by our checker before they count."""
    import dataclasses

    from pyvrp import Client, Depot, Location, ProblemData, VehicleType, solve

    from routing.checker import check_plan
    from routing.plan import build_plan

    customers = [int(c) for c in customers]
    stops = [customer_stop(instance, c) for c in customers]
    base = empty_plan(instance)
    if not customers:
        return OfflineRun(True, 0.0, 0, base)
    depot = base.routes[0]
    metric = base.metric
    lat = np.array([instance.y[0], *(s.lat for s in stops)])
    lon = np.array([instance.x[0], *(s.lon for s in stops)])
    distance, _ = metric.matrices(lat, lon, ())
    data = ProblemData(
        [Location(float(a), float(b)) for a, b in zip(lon, lat, strict=True)],
        [
            Client(
                location=i + 1,
                delivery=[s.demand],
                service_duration=s.service,
                tw_early=s.early,
                tw_late=s.late,
            )
            for i, s in enumerate(stops)
        ],
        [Depot(location=0, tw_early=depot.start, tw_late=depot.end)],
        [
            VehicleType(
                num_available=instance.vehicles,
                capacity=[instance.capacity],
                tw_early=depot.start,
                tw_late=depot.end,
            )
        ],
        [distance],
        [distance],
    )
    result = solve(data, stop=budget.stop(), seed=seed, collect_stats=False, display=False)
    if not result.is_feasible():
        return OfflineRun(False, None, None, None)
    visits = [tuple(int(a.idx) + 1 for a in route if a.is_client()) for route in result.best.routes()]
    visits += [()] * (instance.vehicles - len(visits))
    plan = build_plan(
        depot_lat=float(lat[0]),
        depot_lon=float(lon[0]),
        stops=stops,
        routes=[dataclasses.replace(r, visits=v) for r, v in zip(base.routes, visits, strict=True)],
        metric=metric,
    )
    if check_plan(plan):
        raise AssertionError(f"{instance.name}: PyVRP's feasible solution fails our checker.")
    return OfflineRun(True, plan_distance(plan), routes_used(plan), plan)


# -- the benchmark -----------------------------------------------------------------------------------


def _gap(value: float | None, reference: float | None) -> float | None:
    if value is None or not reference:
        return None
    return round(100.0 * (value - reference) / reference, 3)


def arrival_order(instance: SolomonInstance, seed: int, limit: int | None = None) -> list[int]:
    rng = np.random.default_rng([seed, zlib.crc32(instance.name.encode())])
    order = (rng.permutation(instance.num_customers) + 1).tolist()
    return order[:limit] if limit else order


def bench_instance(
    path: Path,
    *,
    seed: int,
    reopt_budget: Budget,
    offline_budget: Budget,
    reopt_every: int,
    limit: int | None = None,
    bks: dict[str, tuple[int, float]] | None = None,
    check_every_step: bool = False,
) -> dict:
    from routing.checker import check_plan

    instance = read_solomon(path)
    order = arrival_order(instance, seed, limit)
    began = time.perf_counter()
    greedy = book_online(instance, order, reopt_budget=None, check_every_step=check_every_step)
    online = book_online(
        instance,
        order,
        reopt_budget=reopt_budget,
        reopt_every=reopt_every,
        seed=seed,
        check_every_step=check_every_step,
    )
    violations = len(check_plan(greedy.plan)) + len(check_plan(online.plan))
    offline = solve_offline(instance, sorted(online.accepted), offline_budget, seed=seed)
    everyone = len(order) == instance.num_customers
    if len(online.accepted) == len(order):
        offline_all = offline
    else:
        offline_all = solve_offline(instance, order, offline_budget, seed=seed)

    distance = plan_distance(online.plan)
    greedy_distance = plan_distance(greedy.plan)
    best_routes, best_distance = (bks or {}).get(instance.name, (None, None))
    all_accepted = everyone and len(online.accepted) == instance.num_customers
    return {
        "instance": instance.name,
        "customers": instance.num_customers,
        "arrivals": len(order),
        "vehicles": instance.vehicles,
        "capacity": instance.capacity,
        "accepted": len(online.accepted),
        "accepted_without_reopt": len(greedy.accepted),
        "routes": routes_used(online.plan),
        "routes_without_reopt": routes_used(greedy.plan),
        "distance": distance,
        "distance_without_reopt": greedy_distance,
        "offline_distance": offline.distance,
        "offline_routes": offline.routes,
        "gap_to_offline_pct": _gap(distance, offline.distance),
        "gap_to_offline_without_reopt_pct": _gap(greedy_distance, offline.distance)
        if len(greedy.accepted) == len(online.accepted)
        else None,
        "offline_fits_all": offline_all.feasible,
        "bks_distance": best_distance,
        "bks_routes": solution_routes(path.with_suffix(".sol")) or best_routes,
        "gap_to_bks_pct": _gap(distance, best_distance) if all_accepted else None,
        "gap_to_bks_without_reopt_pct": _gap(greedy_distance, best_distance)
        if everyone and len(greedy.accepted) == instance.num_customers
        else None,
        "offline_gap_to_bks_pct": _gap(offline.distance, best_distance) if all_accepted else None,
        "reopt_runs": online.reopt_runs,
        "reopt_improved": online.reopt_improved,
        "reopt_seconds": round(online.reopt_seconds, 3),
        "checker_violations": violations,
        "seconds": round(time.perf_counter() - began, 3),
    }


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(float(np.mean(values)), 3) if values else None


def summarise(rows: list[dict]) -> dict:
    fits = [r for r in rows if r["offline_fits_all"] and r["arrivals"] == r["customers"]]
    return {
        "instances": len(rows),
        "mean_gap_to_offline_pct": _mean(r["gap_to_offline_pct"] for r in rows),
        "mean_gap_to_offline_without_reopt_pct": _mean(r["gap_to_offline_without_reopt_pct"] for r in rows),
        "max_gap_to_offline_pct": max(
            (r["gap_to_offline_pct"] for r in rows if r["gap_to_offline_pct"] is not None), default=None
        ),
        "mean_gap_to_bks_pct": _mean(r["gap_to_bks_pct"] for r in rows),
        "mean_gap_to_bks_without_reopt_pct": _mean(r["gap_to_bks_without_reopt_pct"] for r in rows),
        "mean_offline_gap_to_bks_pct": _mean(r["offline_gap_to_bks_pct"] for r in rows),
        "accepted": sum(r["accepted"] for r in rows),
        "arrivals": sum(r["arrivals"] for r in rows),
        "all_accepted": sum(1 for r in rows if r["accepted"] == r["customers"]),
        "all_accepted_without_reopt": sum(1 for r in rows if r["accepted_without_reopt"] == r["customers"]),
        "offline_fits_all": len(fits),
        "all_accepted_where_offline_fits": sum(1 for r in fits if r["accepted"] == r["customers"]),
        "checker_violations": sum(r["checker_violations"] for r in rows),
        "seconds": round(sum(r["seconds"] for r in rows), 1),
    }


def instance_paths(files: list[str]) -> list[Path]:
    """Files as given; a directory stands for its ``*.txt`` instances, sorted by name."""
    paths: list[Path] = []
    for name in files or [str(DEFAULT_DATA)]:
        path = Path(name)
        if path.is_dir():
            paths.extend(sorted(path.glob("*.txt")))
        elif path.exists():
            paths.append(path)
        else:
            raise FileNotFoundError(f"No such instance file or directory: {path}")
    if not paths:
        raise FileNotFoundError("No instance files found.")
    return paths


def add_arguments(parser):
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help=f"Instances or directories (default {DEFAULT_DATA})."
    )
    parser.add_argument("--json", action="store_true", help="Print only the JSON object (no table).")
    parser.add_argument("--seed", type=int, default=0, help="Arrival order and PyVRP seed (default 0).")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument(
        "--reopt-seconds", type=float, help="PyVRP seconds per instance for re-optimisation (default 1)."
    )
    budget.add_argument(
        "--reopt-iterations", type=int, help="PyVRP iterations per instance instead (deterministic)."
    )
    parser.add_argument(
        "--reopt-every", type=int, default=10, help="Re-optimise after every K arrivals (default 10)."
    )
    parser.add_argument(
        "--offline-seconds", type=float, help="PyVRP offline seconds (default: the re-optimisation budget)."
    )
    parser.add_argument("--max-customers", type=int, help="Only the first N arrivals of each instance.")
    parser.add_argument("--bks", help="Best-known distances (default bks_dimacs.csv next to the first file).")


def budgets(options: dict) -> tuple[Budget, Budget]:
    if options.get("reopt_iterations") is not None:
        if options["reopt_iterations"] < 1:
            raise ValueError("Expected --reopt-iterations >= 1.")
        reopt = Budget(iterations=int(options["reopt_iterations"]))
    else:
        seconds = 1.0 if options.get("reopt_seconds") is None else float(options["reopt_seconds"])
        if not seconds > 0:
            raise ValueError("Expected --reopt-seconds > 0.")
        reopt = Budget(seconds=seconds)
    if options.get("offline_seconds") is not None:
        if not options["offline_seconds"] > 0:
            raise ValueError("Expected --offline-seconds > 0.")
        return reopt, Budget(seconds=float(options["offline_seconds"]))
    return reopt, reopt


def run(command, **options) -> dict:
    paths = instance_paths(options.get("files") or [])
    reopt_budget, offline_budget = budgets(options)
    every = int(options.get("reopt_every") or 10)
    if every < 1:
        raise ValueError("Expected --reopt-every >= 1.")
    bks_path = Path(options["bks"]) if options.get("bks") else paths[0].parent / "bks_dimacs.csv"
    bks = read_bks(bks_path) if bks_path.exists() else {}

    rows = []
    progress = tqdm(paths, desc="solomon", unit="instance", file=sys.stderr)
    for path in progress:
        progress.set_postfix_str(path.stem)
        rows.append(
            bench_instance(
                path,
                seed=int(options.get("seed") or 0),
                reopt_budget=reopt_budget,
                offline_budget=offline_budget,
                reopt_every=every,
                limit=options.get("max_customers"),
                bks=bks,
            )
        )
    summary = summarise(rows)
    if not options.get("json") and command is not None:
        command.stdout.write(format_table(rows, summary))
    return {
        "benchmark": "solomon",
        "seed": int(options.get("seed") or 0),
        "reopt_budget": vars(reopt_budget),
        "offline_budget": vars(offline_budget),
        "reopt_every": every,
        "distance_convention": "DIMACS: Euclidean truncated to one decimal; travel time = distance",
        "instances": rows,
        "means": summary,
    }


def format_table(rows: list[dict], summary: dict) -> str:
    def show(value, width, digits=1):
        text = "-" if value is None else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))
        return text.rjust(width)

    lines = [
        f"{'instance':<9}{'acc':>5}{'rt':>4}{'dist':>9}{'no-reopt':>10}{'offline':>9}{'gap%':>7}"
        f"{'gap0%':>7}{'bks':>9}{'bks%':>7}{'bks rt':>7}"
    ]
    for r in rows:
        lines.append(
            f"{r['instance']:<9}{show(r['accepted'], 5)}{show(r['routes'], 4)}{show(r['distance'], 9)}"
            f"{show(r['distance_without_reopt'], 10)}{show(r['offline_distance'], 9)}"
            f"{show(r['gap_to_offline_pct'], 7, 2)}{show(r['gap_to_offline_without_reopt_pct'], 7, 2)}"
            f"{show(r['bks_distance'], 9)}{show(r['gap_to_bks_pct'], 7, 2)}{show(r['bks_routes'], 7)}"
        )
    lines.append(
        f"mean gap to PyVRP offline: {show(summary['mean_gap_to_offline_pct'], 0, 2)} % with re-optimisation, "
        f"{show(summary['mean_gap_to_offline_without_reopt_pct'], 0, 2)} % without; "
        f"to BKS (all accepted): {show(summary['mean_gap_to_bks_pct'], 0, 2)} %"
    )
    lines.append(
        f"all customers accepted on {summary['all_accepted_where_offline_fits']} of the "
        f"{summary['offline_fits_all']} instances PyVRP fits offline; {summary['seconds']} s"
    )
    return "\n".join(lines) + "\n"
