"""The report's plots (PNG and SVG), drawn from an ``ExperimentResult``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .comparison import TARGETS
from .experiment import ExperimentResult
from .policies import COSTS, FLAT, INCENTIVE, QUOTA

SHORT = {
    QUOTA: "(a) quotas",
    FLAT: "(b) feasibility, flat",
    INCENTIVE: "(c) issue 7 incentives",
    COSTS: "(d) three-cost prices",
}
COLOURS = {QUOTA: "#9e9e9e", FLAT: "#4c78a8", INCENTIVE: "#59a14f", COSTS: "#e15759"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "greenslot-evidence"  # stable ids: the SVGs diff cleanly
    return plt


def _save(fig, directory: Path, name: str) -> list[str]:
    fig.savefig(directory / f"{name}.png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(directory / f"{name}.svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    return [f"{name}.png", f"{name}.svg"]


def plot_paired(result: ExperimentResult, directory: Path) -> list[str]:
    """(d) vs (b) on the test seeds: each comparison's paired mean and 95 % interval, with its target."""
    plt = _pyplot()
    d_vs_b = result.comparisons.get("d_vs_b", {})
    keys = [
        ("contribution_per_shopper_pct", "contribution / shopper"),
        ("km_per_order_pct", "km / order"),
        ("orders_pct", "orders served"),
        ("co2e_per_order_pct", "CO2e / order"),
    ]
    keys = [(k, label) for k, label in keys if k in d_vs_b and d_vs_b[k]["mean"] is not None]
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.65 * len(keys)))
    for y, (key, _) in enumerate(keys):
        mean = 100 * d_vs_b[key]["mean"]
        low, high = (100 * v if v is not None else mean for v in d_vs_b[key]["ci95"])
        ax.errorbar(mean, y, xerr=[[mean - low], [high - mean]], fmt="o", color=COLOURS[COSTS], capsize=4)
        # Above the marker (the y axis is inverted), clear of the target's dashed line.
        ax.text(
            mean, y - 0.22, f"{mean:+.1f} % [{low:+.1f}, {high:+.1f}]", ha="center", va="bottom", fontsize=8
        )
        if key in TARGETS:
            ax.plot([100 * TARGETS[key][0]] * 2, [y - 0.18, y + 0.18], color="black", linestyle="--")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(range(len(keys)), [label for _, label in keys])
    ax.set_ylim(len(keys) - 0.5, -0.8)  # inverted, with room for the first row's label
    ax.set_xlabel("(d) vs (b), % change: paired mean and 95 % interval over the test seeds (dashed: target)")
    return _save(fig, directory, "paired")


def plot_frontier(result: ExperimentResult, directory: Path) -> list[str]:
    """Contribution per shopper against km per order for each carbon price kappa, (b) for reference."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    points = [p for p in result.frontier if p["policy"] == COSTS]
    if points:
        ax.plot(
            [p["km_per_order"] for p in points],
            [p["contribution_per_shopper"] for p in points],
            "o-",
            color=COLOURS[COSTS],
            label=SHORT[COSTS],
        )
        for p in points:
            ax.annotate(
                f"κ {p['kappa_eur_per_kg']}", (p["km_per_order"], p["contribution_per_shopper"]), fontsize=8
            )
    for p in result.frontier:
        if p["policy"] == FLAT:
            ax.plot(
                p["km_per_order"], p["contribution_per_shopper"], "s", color=COLOURS[FLAT], label=SHORT[FLAT]
            )
    ax.set_xlabel("km per order")
    ax.set_ylabel("contribution per shopper (EUR)")
    ax.set_title("Frontier over the carbon price κ (EUR per kg CO2e)")
    ax.legend(fontsize=8)
    return _save(fig, directory, "frontier")


COST_TUNING = "(d) three-cost prices"
LEVER_NAMES = {
    "level": "ref",
    "cost_passthrough": "pt",
    "value_per_order": "cap",
    "carbon_price_per_kg": "κ",
    "width_discount_per_hour": "wd",
}


def steering_points(result: ExperimentResult) -> list[dict]:
    """Every point (d)'s tuning evaluated, against tuned (b), on the training seeds: the point,
    contribution per shopper, km per order and orders served in % and the logsum in EUR, whether it
    kept the guard rails and whether it was chosen. Empty for a record without training means."""
    base = result.tuned.get("training_means", {}).get(FLAT)
    chosen = {k: result.tuned.get(COSTS, {}).get(k) for k in LEVER_NAMES}
    rows = []
    for entry in result.tuning_trace.get(COST_TUNING, []):
        means = entry.get("training_means")
        if not base or not means:
            continue
        rows.append(
            {
                "point": entry["point"],
                "contribution_pct": 100
                * (means["contribution_per_shopper"] / base["contribution_per_shopper"] - 1),
                "km_per_order_pct": 100 * (means["km_per_order"] / base["km_per_order"] - 1),
                "orders_pct": 100 * (means["orders_served"] / base["orders_served"] - 1),
                "logsum_eur": means["logsum_eur_per_shopper"] - base["logsum_eur_per_shopper"],
                "admissible": entry["admissible"],
                "chosen": all(
                    str(entry["point"].get(k)) == str(v) for k, v in chosen.items() if v is not None
                ),
            }
        )
    return rows


def plot_levers(result: ExperimentResult, directory: Path) -> list[str]:
    """Each point (d)'s tuning tried: km per order against the shoppers' logsum, vs tuned (b), on
    the training seeds, with the km target and the logsum guard rail."""
    rows = steering_points(result)
    if not rows:
        return []
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for admissible, colour, label in (
        (True, COLOURS[COSTS], "within the guard rails"),
        (False, "#bbbbbb", "outside"),
    ):
        picked = [r for r in rows if r["admissible"] is admissible]
        if picked:
            ax.scatter(
                [r["km_per_order_pct"] for r in picked],
                [r["logsum_eur"] for r in picked],
                color=colour,
                label=label,
            )
    for r in rows:
        if r["chosen"]:
            ax.scatter(r["km_per_order_pct"], r["logsum_eur"], s=160, facecolors="none", edgecolors="black",
                       label="tuned (d)")  # fmt: skip
        ax.annotate(
            f"{r['contribution_pct']:+.1f} %", (r["km_per_order_pct"], r["logsum_eur"]), fontsize=7,
            xytext=(4, 2), textcoords="offset points",
        )  # fmt: skip
    ax.axvline(100 * TARGETS["km_per_order_pct"][0], color="grey", linestyle="--", linewidth=0.8)
    ax.axhline(TARGETS["logsum_eur"][0], color="grey", linestyle=":", linewidth=0.8)
    ax.axvline(0, color="grey", linewidth=0.5)
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.set_xlabel("km per order vs (b), %  (dashed: the -12 % target)")
    ax.set_ylabel("shoppers' logsum vs (b), EUR  (dotted: guard rail)")
    ax.set_title(
        "What steering costs shoppers: every point (d)'s tuning tried\n(training seeds; labels: contribution vs (b))"
    )
    ax.legend(fontsize=8)
    return _save(fig, directory, "levers")


def plot_policies(result: ExperimentResult, directory: Path) -> list[str]:
    """Per policy, the per-seed values of the headline KPIs on the test seeds."""
    plt = _pyplot()
    keys = (
        ("contribution_per_shopper", "contribution / shopper (EUR)"),
        ("orders_served", "orders served"),
        ("km_per_order", "km per order"),
        ("logsum_eur_per_shopper", "logsum / shopper (EUR)"),
    )
    kinds = [k for k in (QUOTA, FLAT, INCENTIVE, COSTS) if k in result.summary]
    fig, axes = plt.subplots(1, len(keys), figsize=(14, 3.6))
    for ax, (key, label) in zip(axes, keys, strict=True):
        for x, kind in enumerate(kinds):
            rows = [r[key] for r in result.test_results if r["policy"] == kind]
            ax.bar(x, np.mean(rows), color=COLOURS[kind], alpha=0.8)
            ax.scatter(np.full(len(rows), x), rows, color="black", s=6, zorder=3)
        ax.set_xticks(range(len(kinds)), [SHORT[k].split(" ")[0] for k in kinds])
        ax.set_title(label, fontsize=10)
    return _save(fig, directory, "policies")
