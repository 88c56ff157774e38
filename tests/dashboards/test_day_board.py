"""The day view: per window booked, held, whether the plan takes another order and how many
shoppers found it full; per vehicle load and hours; refreshed by htmx, staff only."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import Offer
from dashboards.day_board import depot_day_board
from tests.dashboards.operations_world import SHOPPERS, book
from tests.dashboards.test_exports import hold_one_more
from tests.factories import make_world

pytestmark = pytest.mark.django_db


def window(board, text):
    return next(w for w in board.windows if w.key.text == text)


def test_it_counts_booked_and_held_orders_per_window(two_depots, now):
    held = hold_one_more(two_depots, now)

    board = depot_day_board(depot=two_depots.world.depot, date=two_depots.date, now=now)

    assert [w.key.text for w in board.windows] == [
        "08:00–20:00",
        "09:00–10:00",
        "09:00–13:00",
        "10:00–11:00",
        "12:00–13:00",
    ]
    assert (window(board, "09:00–10:00").booked, window(board, "09:00–13:00").booked) == (1, 1)
    assert window(board, "12:00–13:00").booked == 1
    assert board.booked == 3 and board.held == 1
    held_text = f"{held.window_start.astimezone(board.depot.tz):%H:%M}–{held.window_end.astimezone(board.depot.tz):%H:%M}"
    assert window(board, held_text).held == 1
    # A hold that has lapsed is not held any more.
    later = depot_day_board(depot=two_depots.world.depot, date=two_depots.date, now=held.hold_expires_at)
    assert later.held == 0


def test_every_window_takes_another_order_while_the_vans_have_room(two_depots, now):
    board = depot_day_board(depot=two_depots.world.depot, date=two_depots.date, now=now)

    assert all(w.on_sale for w in board.windows)
    # Two vans of 10 units working 08:00-20:00 carry three 2-unit orders.
    assert sum(w.spare_units for w in board.windows[:1]) == 20 - 6


def test_a_full_plan_takes_no_more_and_says_why(db, now):
    date = now.date() + dt.timedelta(days=1)
    world = make_world(dates=[date], vehicles=1, capacity=2)
    book(world, date, SHOPPERS[0], (9, 10), now, "Oudegracht 1")  # 2 units: the only van is full

    board = depot_day_board(depot=world.depot, date=date, now=now)

    assert [w.status_text for w in board.windows] == ["full"] * 5
    assert {w.spare_units for w in board.windows} == {0}
    assert [(v.route.load, v.route.capacity) for v in board.vehicles] == [(2, 2)]


def test_a_day_without_vans_says_so(two_depots, now):
    board = depot_day_board(depot=two_depots.other, date=two_depots.date + dt.timedelta(days=1), now=now)

    assert [w.status_text for w in board.windows] == ["no van working"]
    assert board.vehicles == () and board.version is None


def test_after_the_cutoff_a_window_is_closed(two_depots, now):
    late = dt.datetime.combine(two_depots.date, dt.time(9, 30), tzinfo=two_depots.world.tz)

    board = depot_day_board(depot=two_depots.world.depot, date=two_depots.date, now=late)

    assert not window(board, "09:00–10:00").on_sale
    assert window(board, "09:00–10:00").status_text == "closed (cut-off passed)"
    assert window(board, "12:00–13:00").on_sale


def test_it_counts_the_shoppers_who_found_a_window_full_from_the_offer_records(two_depots, now):
    offer = Offer.objects.filter(depot=two_depots.world.depot).first()
    for record in offer.windows:
        if record["start"][11:16] == "10:00":
            record.update(available=False, reason="full")
    Offer.objects.filter(pk=offer.pk).update(windows=offer.windows)

    board = depot_day_board(depot=two_depots.world.depot, date=two_depots.date, now=now)

    assert window(board, "10:00–11:00").shoppers_turned_away == 1
    assert board.offers == 3  # the three bookings' offers showed this day
    assert window(board, "09:00–10:00").shoppers_turned_away == 0


def test_it_lists_each_vehicles_load_and_planned_hours(two_depots, now):
    board = depot_day_board(depot=two_depots.world.depot, date=two_depots.date, now=now)

    assert [v.route.vehicle_name for v in board.vehicles] == ["V1", "V2"]
    assert sum(v.route.load for v in board.vehicles) == 6
    for vehicle in board.vehicles:
        assert vehicle.shift_hours == 12
        assert 0 <= vehicle.planned_hours <= 12
        assert (vehicle.planned_hours > 0) == bool(vehicle.route.stops)


def test_the_other_depot_is_not_on_the_board(two_depots, now):
    board = depot_day_board(depot=two_depots.other, date=two_depots.date, now=now)

    assert [w.key.text for w in board.windows] == ["09:00–10:00"]
    assert board.booked == 1
    assert [v.route.vehicle_name for v in board.vehicles] == ["N1"]


def board_url(two_depots, depot="dep"):
    return reverse("dashboards:day-board", args=[depot, two_depots.date.isoformat()])


def test_the_page_polls_once_per_interval_and_only_while_visible(admin_client, two_depots):
    body = admin_client.get(board_url(two_depots)).content.decode()

    assert body.count("hx-trigger=") == 1
    assert "every 30s [document.visibilityState === 'visible']" in body
    assert 'hx-swap="outerHTML"' in body and 'hx-sync="this:drop"' in body
    assert "<html" in body and "V1" in body and "09:00–10:00" in body


def test_an_htmx_refresh_gets_the_board_alone(admin_client, two_depots):
    response = admin_client.get(board_url(two_depots), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and body.lstrip().startswith('<div id="day-board"')
    assert body.count("hx-trigger=") == 1


def test_the_day_view_is_for_staff_only(client, two_depots, shopper_user):
    today = reverse("dashboards:day-board-today", args=["dep"])
    for url in (board_url(two_depots), today):
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    client.force_login(shopper_user)
    assert reverse("admin:login") in client.get(board_url(two_depots))["Location"]


def test_today_leads_to_the_depots_local_date(admin_client, two_depots):
    response = admin_client.get(reverse("dashboards:day-board-today", args=["dep"]))

    assert response["Location"].endswith("/dep/2026-12-01/day/")
    assert admin_client.get(reverse("dashboards:day-board", args=["dep", "nope"])).status_code == 404
