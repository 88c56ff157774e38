"""The dashboards' numbers on a tiny booked world, and the chart geometry they are drawn with."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboards.charts import HEAT_FILLS, HeatInput, heat_class, heat_map, line_chart, nice_ceiling
from dashboards.selectors import WindowKey, day_footprint, demand_summary
from emissions.calculation import route_grams
from fleet.models import DepotDay
from tests.dashboards.staff_world import book

pytestmark = pytest.mark.django_db


def test_it_counts_bookings_and_full_offers_per_day_and_window(booked):
    world, date = booked.world, booked.date

    summary = demand_summary(depot=world.depot, first=date, last=date)

    nine = summary.grid.cell(date, WindowKey("09:00", "10:00"))
    assert (nine.booked, nine.full, nine.on_sale) == (1, 0, 3)
    assert nine.share_full == 0.0
    assert summary.bookings == 3 and summary.offers == 3
    assert [v.version for v in summary.versions] == [1]
    assert summary.versions[0].bookings == 3


def test_a_window_that_fills_up_shows_the_share_of_offers_it_turned_away(db):
    from tests.factories import make_world

    now = timezone.now()
    date = timezone.localtime(now, dt.UTC).date() + dt.timedelta(days=2)
    world = make_world(dates=[date], vehicles=1, capacity=1, windows=[(9, 10)])
    book(world, date, (52.11, 5.11), (9, 10), now)  # offer 1: on sale, then booked: the van is full
    from booking.services.offers import offer_create

    offer_create(  # offer 2, a minute later: full
        retailer=world.retailer,
        lat=52.12,
        lon=5.11,
        size_units=1,
        service_minutes=3,
        from_date=date,
        days=1,
        now=now + dt.timedelta(minutes=1),
    )

    cell = demand_summary(depot=world.depot, first=date, last=date).grid.cell(
        date, WindowKey("09:00", "10:00")
    )
    assert (cell.on_sale, cell.full, cell.booked) == (1, 1, 1)
    assert cell.share_full == 0.5
    assert cell.full_last is True


def test_a_day_footprint_allocates_each_route_total_by_depot_distance(booked):
    depot_day = DepotDay.objects.get(depot=booked.world.depot, date=booked.date)

    footprint = day_footprint(depot=booked.world.depot, depot_day=depot_day, now=timezone.now())

    used = [r for r in footprint.routes if r.orders]
    assert footprint.orders == 3
    for route in used:
        assert route.grams == route_grams(metres=route.metres, grams_per_km=route.grams_per_km)
        assert sum(order.grams for order in route.orders) == route.grams
        # Farther from the depot, a larger share (the three shoppers are north of it, in a row).
        by_distance = sorted(route.orders, key=lambda o: o.depot_metres)
        assert [o.grams for o in by_distance] == sorted(o.grams for o in by_distance)
    assert footprint.grams == sum(r.grams for r in footprint.routes)
    assert footprint.cost_per_order == (footprint.cost / 3).quantize(Decimal("0.01"))


def test_an_unused_route_costs_and_emits_nothing(booked):
    depot_day = DepotDay.objects.get(depot=booked.world.depot, date=booked.date)

    footprint = day_footprint(depot=booked.world.depot, depot_day=depot_day, now=timezone.now())

    for route in footprint.routes:
        if not route.orders:
            assert (route.metres, route.grams, route.cost) == (0, 0, Decimal(0))


# --- chart geometry -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "klass"), [(0.0, 0), (0.01, 1), (0.25, 1), (0.26, 2), (0.5, 2), (0.75, 3), (0.76, 4), (1.0, 4)]
)
def test_it_bins_utilisation_into_five_classes(value, klass):
    assert heat_class(value) == klass


@pytest.mark.parametrize(
    ("value", "ceiling", "step"), [(0.9, 1.0, 0.25), (3.7, 4.0, 1.0), (9.34, 10.0, 2.5), (672, 800, 200)]
)
def test_it_rounds_an_axis_up_to_a_readable_ceiling(value, ceiling, step):
    assert nice_ceiling(value) == (ceiling, step)


def test_the_heat_map_writes_every_value_and_hatches_cells_with_no_data():
    chart = heat_map(
        rows=["09:00–10:00"],
        columns=["Mon", "Tue"],
        values=[[HeatInput(0.5, "3 · 50%", "half"), HeatInput(None, "–", "none")]],
        title="t",
        desc="d",
    )

    (half_rect, half_text), (none_rect, none_text) = chart.cells
    assert (half_rect.fill, half_text.text, half_rect.hatch) == (HEAT_FILLS[2], "3 · 50%", False)
    assert none_rect.hatch and none_text.text == "–"


def test_the_line_chart_leaves_a_gap_for_a_day_without_data_and_marks_publications():
    dates = [dt.date(2026, 12, 1) + dt.timedelta(days=n) for n in range(4)]

    chart = line_chart(
        dates=dates, values=[1.0, 2.0, None, 4.0], title="t", desc="d", unit="km", markers=[(dates[1], "v2")]
    )

    assert len(chart.lines) == 1  # 1-2; the lone 4.0 after the gap is a point, not a line
    assert [p.label for p in chart.points] == ["1.00", "2.00", "4.00"]
    assert chart.markers == ((chart.points[1].x, "v2"),)
    assert chart.points[2].y < chart.points[0].y  # higher values are drawn higher
