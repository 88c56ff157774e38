"""Comparing policies on the same seasons: per-policy summaries and paired comparisons with 95 %
confidence intervals (issue 12: a target is met only when its whole interval clears it)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from .policies import COSTS, FLAT, INCENTIVE, QUOTA
from .season import COST_CONVENTIONS

POLICY_ORDER = (QUOTA, FLAT, INCENTIVE, COSTS)
KPI_KEYS = (
    "shoppers",
    "orders_served",
    "failed_deliveries",
    "km",
    "km_per_order",
    "cost_per_order",
    "co2e_g_per_order",
    "revenue",
    "profit",
    "contribution_per_shopper",
    *(f"contribution_per_shopper_{name}" for name in COST_CONVENTIONS),
    "logsum_eur_per_shopper",
    "mean_price",
    "share_green",
    "vehicles_used",
)
# Issue 12's targets for (d) against (b): (comparison key, bound, the interval end that must clear it).
TARGETS = {
    "contribution_per_shopper_pct": (0.04, "lower"),
    "km_per_order_pct": (-0.12, "upper"),
    "orders_pct": (-0.02, "lower"),
    "logsum_eur": (-0.05, "lower"),
}
SIGN_SHARE_TARGET = 0.8


def summarise(results: Sequence[dict]) -> dict:
    """Per policy: the mean of every numeric KPI and the sd / min / max across seeds of the key ones."""
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
            if k in rows[0]
        }
        out[kind] = {**mean, "seeds": len(rows), "spread": spread}
    return out


def mean_ci(values: Sequence[float]) -> dict:
    """Mean and two-sided 95 % Student-t interval of per-seed paired values (``n`` seeds)."""
    values = [float(v) for v in values]
    n = len(values)
    if n == 0:
        return {"mean": None, "ci95": [None, None], "n": 0}
    mean = float(np.mean(values))
    if n == 1:
        return {"mean": mean, "ci95": [None, None], "n": 1}
    half = float(stats.t.ppf(0.975, n - 1) * np.std(values, ddof=1) / np.sqrt(n))
    return {"mean": mean, "ci95": [mean - half, mean + half], "n": n}


def compare(results: Sequence[dict], kind: str, baseline: str) -> dict:
    """``kind`` against ``baseline`` on the same seeds: relative changes (fractions) of contribution
    per shopper (every cost convention), km per order, orders served and CO2e per order, and the
    shoppers' logsum difference in EUR per shopper, each a paired mean with its 95 % interval."""
    by = {(r["policy"], r["seed"]): r for r in results}
    seeds = sorted({r["seed"] for r in results if (kind, r["seed"]) in by and (baseline, r["seed"]) in by})
    if not seeds:
        return {}

    def rel(key: str) -> dict:
        pairs = [(by[(kind, s)][key], by[(baseline, s)][key]) for s in seeds]
        return mean_ci([a / b - 1 if b else 0.0 for a, b in pairs])

    def diff(key: str) -> dict:
        return mean_ci([by[(kind, s)][key] - by[(baseline, s)][key] for s in seeds])

    out = {
        "contribution_per_shopper_pct": rel("contribution_per_shopper"),
        "contribution_per_shopper_eur": diff("contribution_per_shopper"),
        "km_per_order_pct": rel("km_per_order"),
        "orders_pct": rel("orders_served"),
        "co2e_per_order_pct": rel("co2e_g_per_order"),
        "logsum_eur": diff("logsum_eur_per_shopper"),
        "mean_price_eur": diff("mean_price"),
    }
    for name in COST_CONVENTIONS:
        # A relative change means little when the base is near zero or negative (rostered shifts
        # paid in full can cost more than a quiet week earns): the EUR difference is the one to read.
        out[f"contribution_per_shopper_pct_{name}"] = rel(f"contribution_per_shopper_{name}")
        out[f"contribution_per_shopper_eur_{name}"] = diff(f"contribution_per_shopper_{name}")
    return out


def comparisons(results: Sequence[dict]) -> dict:
    """Every pairing present: d vs b (the headline), c vs b, b vs a."""
    kinds = {r["policy"] for r in results}
    out = {}
    for name, kind, baseline in (
        ("d_vs_b", COSTS, FLAT),
        ("c_vs_b", INCENTIVE, FLAT),
        ("b_vs_a", FLAT, QUOTA),
    ):
        if kind in kinds and baseline in kinds:
            out[name] = compare(results, kind, baseline)
    return out


def target_met(comparison: dict, key: str) -> bool:
    bound, end = TARGETS[key]
    low, high = comparison[key]["ci95"]
    if low is None:
        return False
    return low >= bound if end == "lower" else high <= bound


def targets(d_vs_b: dict, sensitivity: Sequence[dict]) -> dict:
    """Issue 12's targets: each met only when its whole 95 % interval clears the bound; and the same
    signs (more contribution, fewer km per order) in at least 80 % of the sensitivity rows."""
    out = {}
    for key, (bound, end) in TARGETS.items():
        if key in d_vs_b:
            out[key] = {
                "bound": bound,
                "interval_end": end,
                "mean": d_vs_b[key]["mean"],
                "ci95": d_vs_b[key]["ci95"],
                "met": target_met(d_vs_b, key),
            }
    rows = [row for row in sensitivity if row.get("d_vs_b")]
    same = [
        row["d_vs_b"]["contribution_per_shopper_pct"]["mean"] > 0
        and row["d_vs_b"]["km_per_order_pct"]["mean"] < 0
        for row in rows
    ]
    share = sum(same) / len(same) if same else None
    out["same_signs_in_sensitivity_rows"] = {
        "bound": SIGN_SHARE_TARGET,
        "share": share,
        "rows": len(same),
        "met": share is not None and share >= SIGN_SHARE_TARGET,
    }
    return out
