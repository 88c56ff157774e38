"""The dashboards' content: selectors' numbers turned into charts and tables (no queries here
beyond the selectors')."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fleet.models import Depot
from pricing.labels import label_name
from pricing.replay import NO_PURCHASE, TAKE_UP_LABELS, ReplayReport
from pricing.widths import WIDTH_CLASSES

from .charts import (
    BLUE,
    ORANGE,
    PURPLE,
    BarChart,
    HeatInput,
    HeatMap,
    LineChart,
    Series,
    heat_map,
    line_chart,
    paired_bars,
)
from .charts import GREEN as GREEN_INK
from .selectors import (
    DayFootprint,
    DemandSummary,
    HeatCell,
    Publication,
    day_footprints,
    demand_summary,
    publications,
)


@dataclass(frozen=True)
class DepotDashboard:
    depot: Depot
    first: dt.date
    last: dt.date
    summary: DemandSummary
    footprints: tuple[DayFootprint, ...]
    publications: tuple[Publication, ...]
    heat: HeatMap
    heat_rows: tuple[tuple[str, tuple[HeatCell, ...]], ...]
    km_chart: LineChart
    cost_chart: LineChart
    grams_chart: LineChart
    take_up_chart: BarChart

    @property
    def orders(self) -> int:
        return sum(f.orders for f in self.footprints)

    @property
    def km(self) -> float:
        return sum(f.metres for f in self.footprints) / 1000

    @property
    def kg(self) -> float:
        return sum(f.grams for f in self.footprints) / 1000


def utilisation_heat_map(summary: DemandSummary, depot: Depot) -> HeatMap:
    grid = summary.grid
    rows, values = [], []
    for window in grid.windows:
        rows.append(window.text)
        row = []
        for date in grid.dates:
            cell = grid.cell(date, window)
            share = cell.share_full
            if share is None:
                row.append(
                    HeatInput(
                        None,
                        f"{cell.booked} · –" if cell.booked else "–",
                        f"{date:%a %d %b} {window.text}: not asked for; {cell.booked} booked",
                    )
                )
                continue
            last = " Full when last offered." if cell.full_last else ""
            row.append(
                HeatInput(
                    share,
                    f"{cell.booked} · {100 * share:.0f}%",
                    f"{date:%a %d %b} {window.text}: full in {cell.full} of {cell.on_sale + cell.full} offers "
                    f"({100 * share:.0f} %); {cell.booked} booked.{last}",
                )
            )
        values.append(row)
    return heat_map(
        rows=rows,
        columns=[f"{d:%a}" for d in grid.dates],
        column_notes=[f"{d.day} {d:%b}" for d in grid.dates],
        values=values,
        title=f"Utilisation of each delivery window by day, {depot.name}",
        desc=(
            "Each cell gives the window's confirmed bookings and the share of shoppers' offers for that day in "
            "which the window was full; darker is fuller; grey hatched cells were not asked for."
        ),
    )


def depot_dashboard(*, depot: Depot, first: dt.date, last: dt.date, now: dt.datetime) -> DepotDashboard:
    summary = demand_summary(depot=depot, first=first, last=last)
    footprints = {f.date: f for f in day_footprints(depot=depot, first=first, last=last, now=now)}
    published = tuple(publications(depot=depot, first=first, last=last))
    dates = summary.grid.dates
    by_date: dict[dt.date, list[str]] = {}
    for publication in published:
        by_date.setdefault(publication.date, []).append(f"v{publication.version}")
    markers = [(date, ", ".join(versions)) for date, versions in by_date.items()]

    def series(attr):
        values = []
        for date in dates:
            footprint = footprints.get(date)
            value = getattr(footprint, attr) if footprint else None
            values.append(float(value) if value is not None else None)
        return values

    take_up = summary.take_up
    return DepotDashboard(
        depot=depot,
        first=first,
        last=last,
        summary=summary,
        footprints=tuple(footprints[d] for d in dates if d in footprints),
        publications=published,
        heat=utilisation_heat_map(summary, depot),
        heat_rows=tuple(
            (window.text, tuple(summary.grid.cell(date, window) for date in dates))
            for window in summary.grid.windows
        ),
        km_chart=line_chart(
            dates=dates,
            values=series("km_per_order"),
            title="Vehicle-km per order",
            desc="Planned vehicle-km of the day divided by its planned stops.",
            unit="km",
            decimals=2,
            colour=BLUE,
            markers=markers,
        ),
        cost_chart=line_chart(
            dates=dates,
            values=series("cost_per_order"),
            title="Route cost per order",
            desc="Cost of the day's used routes (vehicle rates per km, per working hour and per route, in "
            "their currency) divided by its stops.",
            unit="",
            decimals=2,
            colour=ORANGE,
            markers=markers,
        ),
        grams_chart=line_chart(
            dates=dates,
            values=series("grams_per_order"),
            title="CO₂e per order (g, well-to-wheel)",
            desc="The day's route emissions divided by its stops (the average of the per-order allocation).",
            unit="g",
            decimals=0,
            colour=GREEN_INK,
            markers=markers,
        ),
        take_up_chart=paired_bars(
            categories=[label_name(t.label) for t in take_up],
            series=[
                Series("Share of windows on sale", [t.offered_share for t in take_up], "#9ecae1", hatch=True),
                Series("Share of bookings", [t.booked_share for t in take_up], PURPLE),
            ],
            title="Take-up of “Low CO₂e”, “Wide window” and “Van nearby” windows",
            desc="For each label, the share of windows on sale that carried it and the share of bookings that chose one.",
            maximum=1.0,
        ),
    )


def replay_charts(report: ReplayReport) -> tuple[BarChart, BarChart]:
    categories = [*WIDTH_CLASSES, NO_PURCHASE]
    arms = [
        Series(
            f"Published v{', v'.join(map(str, report.published_versions)) or '–'} (model)",
            [report.published.share_of_offers(c) for c in categories],
            "#9ecae1",
            hatch=True,
        ),
        Series(
            f"Draft v{report.rule_set.version} (model)",
            [report.draft.share_of_offers(c) for c in categories],
            BLUE,
        ),
    ]
    choices = paired_bars(
        categories=[c if c == NO_PURCHASE else f"{c} window" for c in categories],
        series=arms,
        title="Predicted choices of the replayed shoppers",
        desc="Share of the replayed offers ending in a booking of each window width, or in no purchase, under each rule set.",
    )
    labels = paired_bars(
        categories=[label_name(label) for label in TAKE_UP_LABELS],
        series=[
            Series(
                arms[0].name,
                [report.published.share_of_orders(label) for label in TAKE_UP_LABELS],
                "#9ecae1",
                hatch=True,
            ),
            Series(arms[1].name, [report.draft.share_of_orders(label) for label in TAKE_UP_LABELS], BLUE),
        ],
        title="Predicted take-up of labelled windows",
        desc="Share of the predicted orders whose window carries each label, under each rule set.",
        maximum=1.0,
    )
    return choices, labels
