"""Comparing policies on the same seasons: per-policy summaries, per-seed paired differences,
issue 7's targets."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .policies import FLAT, INCENTIVE, QUOTA, Economics

POLICY_ORDER = (QUOTA, FLAT, INCENTIVE)
KPI_KEYS = (
    "orders_served",
    "failed_deliveries",
    "km",
    "km_per_order",
    "cost_per_order",
    "co2e_g_per_order",
    "revenue",
    "profit",
    "vehicles_used",
)


def summarise(results: Sequence[dict]) -> dict:
    """Per policy: the mean of every KPI, and sd / min / max across seeds of the key ones."""
    out = {}
    for kind in POLICY_ORDER:
        rows = [r for r in results if r["policy"] == kind]
        if not rows:
            continue
        numeric = [k for k, v in rows[0].items() if isinstance(v, int | float) and k != "seed"]
        mean = {k: float(np.mean([r[k] for r in rows])) for k in numeric}
        spread = {
            k: {
                "sd": float(np.std([r[k] for r in rows], ddof=1)) if len(rows) > 1 else 0.0,
                "min": float(min(r[k] for r in rows)),
                "max": float(max(r[k] for r in rows)),
            }
            for k in KPI_KEYS
        }
        out[kind] = {**mean, "seeds": len(rows), "spread": spread}
    return out


def paired(results: Sequence[dict]) -> dict:
    """Per-seed comparisons on the same shoppers: (c) vs (b) and (b) vs (a)."""
    by = {(r["policy"], r["seed"]): r for r in results}
    seeds = sorted({r["seed"] for r in results})

    def rel(kind_a: str, kind_b: str, key: str) -> list[float]:
        values = []
        for s in seeds:
            a, b = by.get((kind_a, s)), by.get((kind_b, s))
            if a is not None and b is not None and b[key]:
                values.append(a[key] / b[key] - 1)
        return values

    def diff(kind_a: str, kind_b: str, key: str) -> list[float]:
        return [
            by[(kind_a, s)][key] - by[(kind_b, s)][key]
            for s in seeds
            if (kind_a, s) in by and (kind_b, s) in by
        ]

    def stats(values: list[float]) -> dict:
        if not values:
            return {"mean": None, "min": None, "max": None, "n": 0}
        return {
            "mean": float(np.mean(values)),
            "min": float(min(values)),
            "max": float(max(values)),
            "n": len(values),
        }

    return {
        "c_vs_b_km_per_order": stats(rel(INCENTIVE, FLAT, "km_per_order")),
        "c_vs_b_profit": stats(rel(INCENTIVE, FLAT, "profit")),
        "c_vs_b_co2e_per_order": stats(rel(INCENTIVE, FLAT, "co2e_g_per_order")),
        "c_vs_b_orders_served": stats(rel(INCENTIVE, FLAT, "orders_served")),
        "b_vs_a_orders_served": stats(diff(FLAT, QUOTA, "orders_served")),
        "b_vs_a_profit": stats(rel(FLAT, QUOTA, "profit")),
        "a_failed_deliveries": stats(
            [float(by[(QUOTA, s)]["failed_deliveries"]) for s in seeds if (QUOTA, s) in by]
        ),
        "b_failed_deliveries": stats(
            [float(by[(FLAT, s)]["failed_deliveries"]) for s in seeds if (FLAT, s) in by]
        ),
        "c_failed_deliveries": stats(
            [float(by[(INCENTIVE, s)]["failed_deliveries"]) for s in seeds if (INCENTIVE, s) in by]
        ),
    }


def targets(pairs: dict) -> dict:
    """Issue 7's targets, judged on the mean of the per-seed paired comparisons."""
    km = pairs["c_vs_b_km_per_order"]["mean"]
    profit = pairs["c_vs_b_profit"]["mean"]
    orders = pairs["b_vs_a_orders_served"]
    failed_b = pairs["b_failed_deliveries"]["max"]
    return {
        "c_vs_b_fewer_km_per_order_at_least_12pct": {"value": km, "met": km is not None and km <= -0.12},
        "c_vs_b_more_profit_at_least_4pct": {"value": profit, "met": profit is not None and profit >= 0.04},
        "b_vs_a_more_orders_served": {
            "value": orders["mean"],
            "min": orders["min"],
            "met": orders["mean"] is not None and orders["mean"] > 0,
        },
        "b_zero_failed_deliveries": {"value": failed_b, "met": failed_b == 0},
    }


def with_margin(results: Sequence[dict], economics: Economics, factor: float) -> list[dict]:
    """The same seasons judged with the order margin times ``factor`` (no new simulation needed)."""
    out = []
    for r in results:
        extra = economics.order_margin * (factor - 1) * r["orders_served"]
        out.append({**r, "revenue": r["revenue"] + extra, "profit": r["profit"] + extra})
    return out
