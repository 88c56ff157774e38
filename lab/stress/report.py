"""The figures of a stress run: throughput, latency per operation, statuses, overbookings."""

from __future__ import annotations

from collections import Counter


def status_class(status: int) -> str:
    if status in (200, 201, 204):
        return str(status)
    if status == 409:
        return "409"
    if 500 <= status < 600:
        return "5xx"
    return "other"


def percentile_ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    import numpy as np

    return round(float(np.percentile(np.asarray(values), q)) * 1000, 1)


def run_summary(*, reports: list[dict], elapsed: float, workers: int, clients: int, check: dict) -> dict:
    """The JSON figures of one run: throughput, latency per operation, statuses, overbookings."""
    by_operation: dict[str, list[float]] = {}
    statuses: Counter = Counter()
    by_operation_status: dict[str, Counter] = {}
    outcome: Counter = Counter()
    for report in reports:
        outcome.update(report["outcome"])
        for operation, status, seconds in report["calls"]:
            by_operation.setdefault(operation, []).append(seconds)
            statuses[status_class(status)] += 1
            by_operation_status.setdefault(operation, Counter())[str(status)] += 1
    holds_ok = by_operation_status.get("hold", Counter())["201"]
    expected_live = outcome["held"] - outcome["released"] - outcome["cancelled"]
    by_status = check.get("bookings_by_status", {})
    live = by_status.get("held", 0) + by_status.get("confirmed", 0)
    return {
        "workers": workers,
        "clients": clients,
        "elapsed_seconds": round(elapsed, 2),
        "holds": holds_ok,
        "holds_per_second": round(holds_ok / elapsed, 1) if elapsed > 0 else 0.0,
        "requests": sum(len(v) for v in by_operation.values()),
        "requests_per_second": round(sum(len(v) for v in by_operation.values()) / elapsed, 1)
        if elapsed
        else 0,
        "latency_ms": {
            op: {"p50": percentile_ms(v, 50), "p95": percentile_ms(v, 95), "n": len(v)}
            for op, v in sorted(by_operation.items())
        },
        "status_counts": {k: statuses.get(k, 0) for k in ("200", "201", "204", "409", "5xx", "other")},
        "status_by_operation": {op: dict(c) for op, c in sorted(by_operation_status.items())},
        "http_5xx": statuses.get("5xx", 0),
        "overbookings": check.get("overbookings"),
        "violations": check.get("violations", []),
        "bookings_by_status": by_status,
        "live_bookings": live,
        "live_bookings_expected": expected_live,
        "lost_or_phantom_bookings": live - expected_live,
        "stops_per_day": check.get("stops_per_day", {}),
        "client_outcomes": dict(outcome),
    }


def scaling_summary(runs: list[dict]) -> dict:
    """Several runs (one per worker count): each run's figures, and throughput relative to the first."""
    base = runs[0]["holds_per_second"] or 1.0
    return {
        "runs": runs,
        "scaling": [
            {
                "workers": run["workers"],
                "holds_per_second": run["holds_per_second"],
                "speedup": round(run["holds_per_second"] / base, 2),
                "hold_p95_ms": run["latency_ms"].get("hold", {}).get("p95"),
                "http_5xx": run["http_5xx"],
                "overbookings": run["overbookings"],
            }
            for run in runs
        ],
        "overbookings": sum(run["overbookings"] or 0 for run in runs),
        "http_5xx": sum(run["http_5xx"] for run in runs),
    }
