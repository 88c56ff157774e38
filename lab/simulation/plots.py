"""The report's plots (PNG and SVG), drawn from an ``ExperimentResult``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .comparison import POLICY_ORDER
from .experiment import ExperimentResult
from .policies import FLAT, INCENTIVE, QUOTA

SHORT = {QUOTA: "(a) quotas", FLAT: "(b) feasibility, flat", INCENTIVE: "(c) feasibility, incentives"}
COLOURS = {QUOTA: "#9e9e9e", FLAT: "#4c78a8", INCENTIVE: "#59a14f"}
KPI_LABELS = {
    "orders_served": "orders served",
    "failed_deliveries": "failed deliveries",
    "km": "km driven",
    "km_per_order": "km per order",
    "cost_per_order": "cost per order (EUR)",
    "co2e_g_per_order": "CO2e per order (g)",
    "revenue": "revenue (EUR)",
    "profit": "profit (EUR)",
    "vehicles_used": "vehicle shifts used",
}


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


def plot_policies(result: ExperimentResult, directory: Path) -> list[str]:
    plt = _pyplot()
    keys = ("orders_served", "km_per_order", "co2e_g_per_order", "profit")
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.6))
    for ax, key in zip(axes, keys, strict=True):
        for x, kind in enumerate(POLICY_ORDER):
            rows = [r[key] for r in result.test_results if r["policy"] == kind]
            ax.bar(
                x,
                np.mean(rows),
                color=COLOURS[kind],
                yerr=np.std(rows, ddof=1) if len(rows) > 1 else 0,
                capsize=4,
            )
            ax.scatter(
                np.full(len(rows), x) + np.linspace(-0.15, 0.15, len(rows)),
                rows,
                s=8,
                color="black",
                zorder=3,
            )
        ax.set_xticks(range(3), ["(a)", "(b)", "(c)"])
        ax.set_title(KPI_LABELS[key])
    fig.suptitle(
        "Test seasons: mean, ±1 sd and every seed (dots). (a) quotas, (b) feasibility flat, (c) incentives"
    )
    fig.tight_layout()
    names = _save(fig, directory, "policies")
    plt.close(fig)
    return names


def plot_window_mix(result: ExperimentResult, directory: Path) -> list[str]:
    plt = _pyplot()
    shares = ("share_1h", "share_2h", "share_4h", "share_all_day")
    labels = ("1 h", "2 h", "4 h", "all day")
    colours = ("#e15759", "#f28e2b", "#76b7b2", "#4e79a7")
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for x, kind in enumerate(POLICY_ORDER):
        bottom = 0.0
        for share, label, colour in zip(shares, labels, colours, strict=True):
            value = result.summary[kind][share]
            ax.bar(x, value, bottom=bottom, color=colour, label=label if x == 0 else None)
            bottom += value
        green = result.summary[kind]["share_green"]
        ax.text(x, 1.02, f"green {100 * green:.0f} %", ha="center", fontsize=8)
    ax.set_xticks(range(3), [SHORT[k] for k in POLICY_ORDER])
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share of orders")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), title="window")
    ax.set_title("Which windows the shoppers booked (test seasons)")
    fig.tight_layout()
    names = _save(fig, directory, "window_mix")
    plt.close(fig)
    return names


def plot_sensitivity(result: ExperimentResult, directory: Path) -> list[str]:
    rows = [r for r in result.sensitivity if r["coefficient"] != "default"]
    if not rows:
        return []
    plt = _pyplot()
    default = next(r for r in result.sensitivity if r["coefficient"] == "default")
    names = list(dict.fromkeys(r["coefficient"] for r in rows))
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.45 * len(names) + 1.8), sharey=True)
    panels = (
        ("c_vs_b_km_per_order", "(c) vs (b): km per order", -0.12),
        ("c_vs_b_profit", "(c) vs (b): profit", 0.04),
    )
    for ax, (key, title, target) in zip(axes, panels, strict=True):
        for y, name in enumerate(names):
            for r in rows:
                if r["coefficient"] != name:
                    continue
                value = r["paired"][key]["mean"]
                colour = "#e15759" if r["factor"] < 1 else "#4e79a7"
                ax.scatter(100 * value, y, color=colour, marker="o", zorder=3)
        ax.axvline(100 * default["paired"][key]["mean"], color="black", lw=1, label="default coefficients")
        ax.axvline(100 * target, color="grey", lw=1, ls="--", label="target")
        ax.set_title(title + " (%)")
        ax.set_yticks(range(len(names)), names)
    axes[0].scatter([], [], color="#e15759", label="coefficient x0.5")
    axes[0].scatter([], [], color="#4e79a7", label="coefficient x1.5")
    axes[0].legend(fontsize=8, loc="best")
    fig.suptitle("Sensitivity: each choice coefficient at -50 % and +50 %, tuned policies unchanged")
    fig.tight_layout()
    out = _save(fig, directory, "sensitivity")
    plt.close(fig)
    return out


def plot_paired(result: ExperimentResult, directory: Path) -> list[str]:
    plt = _pyplot()
    by = {(r["policy"], r["seed"]): r for r in result.test_results}
    seeds = sorted({r["seed"] for r in result.test_results})
    km = [by[(INCENTIVE, s)]["km_per_order"] / by[(FLAT, s)]["km_per_order"] - 1 for s in seeds]
    profit = [by[(INCENTIVE, s)]["profit"] / by[(FLAT, s)]["profit"] - 1 for s in seeds]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.scatter([100 * k for k in km], [100 * p for p in profit], color=COLOURS[INCENTIVE])
    for s, k, p in zip(seeds, km, profit, strict=True):
        ax.annotate(str(s), (100 * k, 100 * p), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.axvline(-12, color="grey", ls="--", lw=1)
    ax.axhline(4, color="grey", ls="--", lw=1)
    ax.axhline(0, color="black", lw=0.5)
    ax.axvline(0, color="black", lw=0.5)
    ax.set_xlabel("km per order, (c) vs (b) (%)")
    ax.set_ylabel("profit, (c) vs (b) (%)")
    ax.set_title("Each test season (seed): (c) against (b)\ndashed: the targets (-12 % km, +4 % profit)")
    fig.tight_layout()
    names = _save(fig, directory, "paired")
    plt.close(fig)
    return names
