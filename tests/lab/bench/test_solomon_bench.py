"""`bench solomon`: Solomon's format, the DIMACS convention, and a tiny run end to end.

The instances are the shared data set (``../shared/data/solomon``); the tests skip without it.
"""

import dataclasses
import io
import json

import pytest
from django.core.management import call_command

from lab.benchmarks.solomon import (
    DEFAULT_DATA,
    Budget,
    arrival_order,
    bench_instance,
    book_online,
    empty_plan,
    instance_paths,
    plan_distance,
    read_bks,
    read_solomon,
    solution_routes,
)
from routing.checker import check_plan
from routing.plan import build_plan

C101 = DEFAULT_DATA / "C101.txt"
pytestmark = pytest.mark.skipif(not C101.exists(), reason=f"Solomon data not found at {DEFAULT_DATA}")


def test_it_reads_c101():
    instance = read_solomon(C101)
    assert (instance.name, instance.num_customers, instance.vehicles, instance.capacity) == (
        "C101",
        100,
        25,
        200,
    )
    # Depot: (40, 50), open 0..1236. Customer 1: (45, 68), demand 10, window [912, 967], service 90.
    assert (instance.x[0], instance.y[0], instance.ready[0], instance.due[0]) == (40, 50, 0, 1236)
    assert (instance.x[1], instance.y[1], instance.demand[1]) == (45, 68, 10)
    assert (instance.ready[1], instance.due[1], instance.service[1]) == (912, 967, 90)
    assert solution_routes(DEFAULT_DATA / "C101.sol") == 10
    assert read_bks(DEFAULT_DATA / "bks_dimacs.csv")["C101"] == (10, 827.3)


def test_it_reads_any_file_in_solomons_format(tmp_path):
    # Gehring–Homberger files are the same format with more customers; spacing may differ.
    path = tmp_path / "C1_2_1.txt"
    path.write_text(
        "C1_2_1\n\nVEHICLE\nNUMBER     CAPACITY\n  50          200\n\nCUSTOMER\n"
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n"
        "    0      70         70          0          0       1351          0\n"
        "    1      33         78         20        750        809         90\n"
        "    2      59         52         20        261        330         90\n"
    )
    instance = read_solomon(path)
    assert (instance.name, instance.num_customers, instance.vehicles, instance.capacity) == (
        "C1_2_1",
        2,
        50,
        200,
    )
    assert instance.due[0] == 1351 and instance.demand.tolist() == [0, 20, 20]
    path.write_text("X\n\nVEHICLE\nNUMBER CAPACITY\n 5 10\n\nCUSTOMER\n 0 1 2 3\n")
    with pytest.raises(ValueError, match="rows of 7 numbers"):
        read_solomon(path)


def test_every_best_known_solution_has_its_dimacs_distance_and_passes_the_checker():
    # The convention (tenths, truncated; travel time = distance) reproduces bks_dimacs.csv exactly,
    # and the best-known routes are feasible under it: the engine plays by the benchmark's rules.
    bks = read_bks(DEFAULT_DATA / "bks_dimacs.csv")
    paths = instance_paths([str(DEFAULT_DATA)])
    assert len(paths) == 56
    for path in paths:
        instance = read_solomon(path)
        routes = [
            tuple(int(c) for c in line.split(":")[1].split())
            for line in path.with_suffix(".sol").read_text().splitlines()
            if line.startswith("Route")
        ]
        base = empty_plan(instance)
        plan = build_plan(
            depot_lat=float(instance.y[0]),
            depot_lon=float(instance.x[0]),
            stops=[_stop(instance, c) for c in range(1, instance.num_customers + 1)],
            routes=[
                dataclasses.replace(r, visits=v)
                for r, v in zip(base.routes, routes + [()] * 25, strict=False)
            ],
            metric=base.metric,
        )
        assert check_plan(plan) == [], path.stem
        assert plan_distance(plan) == pytest.approx(bks[instance.name][1], abs=1e-9), path.stem


def _stop(instance, customer):
    from lab.benchmarks.solomon import customer_stop

    return customer_stop(instance, customer)


def test_every_accepted_plan_passes_the_independent_checker():
    instance = read_solomon(DEFAULT_DATA / "R101.txt")
    order = arrival_order(instance, seed=3, limit=30)
    for budget in (None, Budget(iterations=60)):
        run = book_online(instance, order, reopt_budget=budget, reopt_every=7, check_every_step=True)
        assert sorted(run.accepted + run.rejected) == sorted(order)
        assert check_plan(run.plan) == []
        planned = sorted(int(run.plan.keys[v]) for r in run.plan.routes for v in r.visits)
        assert planned == sorted(run.accepted)
    assert run.reopt_runs == 5  # after 7, 14, 21 and 28 arrivals, and at the end


def test_a_tiny_run_reports_every_figure():
    row = bench_instance(
        C101,
        seed=0,
        reopt_budget=Budget(iterations=40),
        offline_budget=Budget(iterations=40),
        reopt_every=5,
        limit=12,
        check_every_step=True,
    )
    assert row["arrivals"] == 12 and row["accepted"] == 12 and row["checker_violations"] == 0
    assert row["offline_fits_all"] and row["offline_distance"] > 0
    assert row["gap_to_offline_pct"] == pytest.approx(
        100 * (row["distance"] / row["offline_distance"] - 1), abs=1e-3
    )
    assert row["gap_to_bks_pct"] is None  # 12 of 100 customers: no comparison with the BKS


def test_the_command_prints_one_json_object_last():
    out = io.StringIO()
    call_command(
        "bench",
        "solomon",
        str(C101),
        "--json",
        "--seed",
        "1",
        "--reopt-iterations",
        "30",
        "--max-customers",
        "8",
        "--reopt-every",
        "4",
        stdout=out,
        stderr=io.StringIO(),
    )
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1  # --json: no table
    result = json.loads(lines[-1])
    assert set(result) >= {"benchmark", "seed", "reopt_budget", "offline_budget", "instances", "means"}
    (row,) = result["instances"]
    assert set(row) >= {
        "instance", "accepted", "arrivals", "routes", "distance", "distance_without_reopt", "offline_distance",
        "gap_to_offline_pct", "gap_to_offline_without_reopt_pct", "gap_to_bks_pct", "bks_distance", "bks_routes",
        "offline_fits_all", "checker_violations",
    }  # fmt: skip
    assert (row["instance"], row["arrivals"], row["bks_distance"], row["bks_routes"]) == (
        "C101",
        8,
        827.3,
        10,
    )
    assert result["offline_budget"] == {"seconds": None, "iterations": 30}
    assert set(result["means"]) >= {
        "mean_gap_to_offline_pct", "mean_gap_to_offline_without_reopt_pct", "mean_gap_to_bks_pct",
        "all_accepted", "offline_fits_all", "all_accepted_where_offline_fits",
    }  # fmt: skip
