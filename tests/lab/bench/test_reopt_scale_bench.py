"""`bench reopt-scale`: the seeded depot-day generator, and a tiny run of the benchmark end to end."""

import io
import json

import numpy as np
from django.core.management import call_command

from lab.benchmarks.reopt_scale import (
    FIRST_DELIVERY,
    LAST_DELIVERY,
    SHIFT,
    ZONE_BOX,
    book,
    depot_day_generate,
    vans_for,
)
from routing.checker import check_plan


def test_the_generator_is_deterministic_for_a_seed():
    first = depot_day_generate(stops=300, seed=7)
    again = depot_day_generate(stops=300, seed=7)
    other = depot_day_generate(stops=300, seed=8)

    assert first.stops == again.stops
    assert first.plan.routes == again.plan.routes
    assert first.stops != other.stops


def test_the_generated_day_is_a_realistic_depot_day():
    day = depot_day_generate(stops=1000, seed=1)

    assert len(day.stops) == 1000 and [s.key for s in day.stops] == list(range(1, 1001))
    assert len(day.plan.routes) == vans_for(1000) == 40
    assert all(not r.visits and (r.start, r.end) == SHIFT for r in day.plan.routes)
    widths = np.array([(s.late - s.early) // 3600 for s in day.stops])
    shares = {w: float(np.mean(widths == w)) for w in (1, 2, 4, 12)}
    assert set(widths) == {1, 2, 4, 12} and min(shares.values()) > 0.1  # every width, mixed
    assert all(FIRST_DELIVERY <= s.early < s.late <= LAST_DELIVERY for s in day.stops)
    (lat_lo, lat_hi), (lon_lo, lon_hi) = ZONE_BOX
    lat = np.array([s.lat for s in day.stops])
    lon = np.array([s.lon for s in day.stops])
    assert lat.min() >= lat_lo and lat.max() <= lat_hi and lon.min() >= lon_lo and lon.max() <= lon_hi
    assert lat.std() > 0.01 and lon.std() > 0.02  # spread over the city, not one street


def test_the_fleet_serves_every_stop_booked_one_by_one_and_every_plan_checks():
    day = depot_day_generate(stops=400, seed=3)

    run = book(day, reopt_seconds=None, reopt_every=50, check_every=50)

    assert (run.accepted, run.rejected, run.violations) == (400, 0, 0)
    assert check_plan(run.plan) == []
    assert sorted(day.plan.keys.tolist()) == [0]  # the generated plan is left as it was


def test_the_benchmark_prints_costs_gap_and_budget_as_json():
    out = io.StringIO()
    call_command(
        "bench",
        "reopt-scale",
        "--stops=60",
        "--seed=2",
        "--reopt-every=20",
        "--reopt-iterations=30",
        stdout=out,
        stderr=io.StringIO(),
    )
    result = json.loads(out.getvalue().strip().splitlines()[-1])

    assert result["benchmark"] == "reopt-scale"
    assert (result["stops"], result["accepted"], result["rejected"]) == (60, 60, 0)
    assert result["reopt_runs"] == 3 and result["total_budget_iterations"] == 90
    assert result["checker_violations"] == 0 and result["offline_status"] == "improved"
    assert result["cost_reoptimised"] <= result["cost_insertion_only"]
    gap = 100 * (result["cost_reoptimised"] / result["cost_offline"] - 1)
    assert abs(result["gap_pct"] - gap) < 0.01  # costs are rounded to cents in the JSON
    for key in ("vans_used", "vans_used_offline", "wall_seconds", "cpu_seconds", "reopt_seconds_per_run"):
        assert key in result
