"""GET /api/v1/plans/{depot_code}/{date}: routes in order; other retailers' stops redacted."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.support import Api, ApiWorld, assert_error

pytestmark = pytest.mark.django_db


def plan(api: Api, aw: ApiWorld, key: str = "own_sk", date: dt.date | None = None):
    return api.get(f"/api/v1/plans/dep/{(date or aw.day1).isoformat()}", key=aw.keys[key])


def stops(body: dict) -> list[dict]:
    return [stop for route in body["routes"] for stop in route["stops"]]


def test_it_shows_the_routes_with_legs_and_shifts(api: Api, api_world: ApiWorld):
    mine = [api_world.booking(api_world.retailer, spot=spot) for spot in range(3)]
    response = plan(api, api_world)
    assert response.status_code == 200
    body = response.json()
    assert body["depot"] == "dep" and body["date"] == api_world.day1.isoformat()
    assert body["version"] > 0
    assert [r["vehicle"] for r in body["routes"]] == ["V1", "V2"]
    for route in body["routes"]:
        assert set(route) == {"vehicle", "vehicle_type", "shift", "stops", "legs", "total_metres"}
        assert route["shift"]["start"] == api_world.world.local(api_world.day1, 8).isoformat()
        assert len(route["legs"]) == len(route["stops"]) + 1
        assert sum(leg["metres"] for leg in route["legs"]) == route["total_metres"]
        arrivals = [stop["planned_arrival"] for stop in route["stops"]]
        assert arrivals == sorted(arrivals)
    assert {stop["booking_id"] for stop in stops(body)} == {str(b.id) for b in mine}
    for stop in stops(body):
        assert set(stop) == {"booking_id", "booking_reference", "lat", "lon", "window", "planned_arrival"}
        window_start = dt.datetime.fromisoformat(stop["window"]["start"])
        assert (
            window_start
            <= dt.datetime.fromisoformat(stop["planned_arrival"])
            <= dt.datetime.fromisoformat(stop["window"]["end"])
        )


def test_another_retailers_stops_show_only_a_busy_window(api: Api, api_world: ApiWorld):
    api_world.booking(api_world.retailer, spot=0)
    api_world.booking(api_world.other, spot=4)
    own_view, other_view = plan(api, api_world).json(), plan(api, api_world, "other_sk").json()
    assert len(stops(own_view)) == len(stops(other_view)) == 2
    for view in (own_view, other_view):
        assert sum(1 for stop in stops(view) if "booking_id" in stop) == 1
        for stop in stops(view):
            if "booking_id" not in stop:
                assert set(stop) == {"window", "planned_arrival"}
                assert dt.datetime.fromisoformat(stop["planned_arrival"]).minute % 15 == 0
        for route in view["routes"]:
            for j, leg in enumerate(route["legs"]):
                neighbours = route["stops"][max(j - 1, 0) : j + 1]
                if any("booking_id" not in stop for stop in neighbours):
                    assert leg == {"metres": None, "seconds": None}
                else:
                    assert isinstance(leg["metres"], int)


def test_a_route_total_never_gives_away_another_retailers_legs(api: Api, api_world: ApiWorld):
    # Given one van: the other retailer's customer at spot 4, ours at spots 0 and 1.
    aw = api_world
    aw.world.vehicles[1].is_active = False
    aw.world.vehicles[1].save(update_fields=["is_active"])
    for spot in (0, 1):
        aw.booking(aw.retailer, spot=spot)
    aw.booking(aw.other, spot=4)
    # When we read the plan,
    route = next(r for r in plan(api, aw).json()["routes"] if r["stops"])
    assert any("booking_id" not in stop for stop in route["stops"])
    # then the total is withheld (the total minus the legs shown would be the hidden legs),
    assert route["total_metres"] is None
    # and after the other retailer's stop our arrivals are to the quarter hour, as theirs are.
    first_foreign = next(j for j, stop in enumerate(route["stops"]) if "booking_id" not in stop)
    for stop in route["stops"][first_foreign:]:
        assert dt.datetime.fromisoformat(stop["planned_arrival"]).minute % 15 == 0
        assert dt.datetime.fromisoformat(stop["planned_arrival"]).second == 0


def test_a_route_of_only_our_stops_shows_its_total(api: Api, api_world: ApiWorld):
    for spot in (0, 1):
        api_world.booking(api_world.retailer, spot=spot)
    for route in plan(api, api_world).json()["routes"]:
        assert route["total_metres"] == sum(leg["metres"] for leg in route["legs"])


def test_a_day_without_a_plan_is_empty(api: Api, api_world: ApiWorld):
    body = plan(api, api_world, date=api_world.day2 + dt.timedelta(days=5)).json()
    assert body["routes"] == [] and body["version"] == 0


def test_it_answers_404_for_an_unknown_depot(api: Api, api_world: ApiWorld):
    response = api.get(f"/api/v1/plans/nowhere/{api_world.day1.isoformat()}", key=api_world.keys["own_sk"])
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("date", ["tomorrow", "2026-13-01", "20261201", "2026-1-1"])
def test_it_refuses_a_malformed_date(api: Api, api_world: ApiWorld, date: str):
    body = assert_error(
        api.get(f"/api/v1/plans/dep/{date}", key=api_world.keys["own_sk"]), 400, "invalid_request"
    )
    assert "date" in body["details"]


def test_its_queries_do_not_grow_with_the_stops(api: Api, api_world: ApiWorld, django_assert_max_num_queries):
    api_world.booking(api_world.retailer, spot=0)
    with django_assert_max_num_queries(20) as few:
        plan(api, api_world)
    for spot in range(1, 7):
        api_world.booking(api_world.retailer if spot % 2 else api_world.other, spot=spot)
    with django_assert_max_num_queries(len(few.captured_queries)):
        plan(api, api_world)
