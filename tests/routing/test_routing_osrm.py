"""The OSRM table backend, against a tiny fake OSRM server on loopback (no other network).

The fake server charges 100 m per 0.001 degree of |dlat| + |dlon| (a grid city) and drives at
10 m/s, so the pair (52.000, 4.000) -> (52.001, 4.002) is 300 m and 30 s.
"""

import json
import math
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from routing.checker import check_plan
from routing.insertion import evaluate_insertion
from routing.osrm import OsrmTableMetric, TravelBackendError
from routing.plan import build_plan, insert_visit, plan_matrices, route_schedule
from routing.problem import RouteSpec, StopSpec
from routing.reference import evaluate_insertion_reference


def grid_metres(a, b):
    return 100_000 * (abs(a[0] - b[0]) + abs(a[1] - b[1]))


def table_metres(a, b):
    """What the metric makes of the server's answer: 0.1 m rounding there, whole metres up here."""
    return math.ceil(round(grid_metres(a, b), 1))


class FakeOsrm(BaseHTTPRequestHandler):
    """``/table/v1/{profile}/{lon,lat;...}`` answering like osrm-routed; see the module docstring."""

    mode = "ok"  # "ok", "invalid", "unreachable_pair", "slow", "garbage"

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.requests.append(self.path)
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/")
        assert parts[1:4] == ["table", "v1", "driving"], parts
        points = [tuple(float(v) for v in p.split(","))[::-1] for p in parts[4].split(";")]  # (lat, lon)
        query = urllib.parse.parse_qs(url.query)
        assert query["annotations"] == ["distance,duration"]
        sources = [int(i) for i in query["sources"][0].split(";")]
        destinations = [int(i) for i in query["destinations"][0].split(";")]
        if self.mode == "slow":
            time.sleep(0.6)
        if self.mode == "invalid":
            return self.answer(
                400, {"code": "InvalidQuery", "message": "Query string malformed close to position 7"}
            )
        if self.mode == "garbage":
            return self.answer(200, "<html>proxy error</html>")
        distances = [[round(grid_metres(points[i], points[j]), 1) for j in destinations] for i in sources]
        durations = [[None if d is None else round(d / 10, 1) for d in row] for row in distances]
        if self.mode == "unreachable_pair":
            distances[0][-1] = durations[0][-1] = None
        self.answer(200, {"code": "Ok", "distances": distances, "durations": durations})

    def answer(self, status, body):
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True  # a slow handler must not hold up the teardown

    def handle_error(self, request, client_address):
        pass  # the client that timed out has hung up; nothing to report


@pytest.fixture
def osrm():
    """A fake server on 127.0.0.1 with an ephemeral port; yields (base_url, server)."""
    handler = type("Handler", (FakeOsrm,), {"mode": "ok"})
    server = QuietServer(("127.0.0.1", 0), handler)
    server.requests = []
    server.handler = handler
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_metres_and_seconds_come_from_the_table(osrm):
    base_url, server = osrm
    metric = OsrmTableMetric(base_url)
    metres, seconds = metric.legs(52.0, 4.0, 52.001, 4.002, [72.0, 18.0])
    # 300 m; OSRM says 30 s. At 72 km/h (20 m/s) the route would take 15 s, so OSRM's 30 s stand;
    # at 18 km/h (5 m/s) the route speed is the floor: 60 s.
    assert int(metres) == 300
    assert seconds.tolist() == [30, 60]
    assert len(server.requests) == 1


def test_each_pair_is_asked_once(osrm):
    base_url, server = osrm
    metric = OsrmTableMetric(base_url)
    lat = np.array([52.0, 52.001, 52.002])
    lon = np.array([4.0, 4.001, 4.003])
    first = metric.metres(lat, lon, 52.01, 4.01)
    assert len(server.requests) == 1
    again = metric.metres(lat[1], lon[1], 52.01, 4.01)
    assert len(server.requests) == 1 and int(again) == first[1]
    # The same point twice is 0 without asking.
    assert int(metric.metres(52.0, 4.0, 52.0, 4.0)) == 0 and len(server.requests) == 1


def test_large_requests_are_split_to_the_table_size(osrm):
    base_url, server = osrm
    metric = OsrmTableMetric(base_url, max_table_size=10)
    lat = 52.0 + np.arange(40) / 1000
    metres = metric.metres(lat, np.full(40, 4.0), 52.1, 4.1)
    assert metres.tolist() == [table_metres((a, 4.0), (52.1, 4.1)) for a in lat]
    # 40 sources and one destination, 9 sources + the destination per request: 5 requests.
    assert len(server.requests) == 5
    assert all(len(path.split("?")[0].split("/")[4].split(";")) <= 10 for path in server.requests)


def osrm_plan(metric):
    def stop(k, key):
        return StopSpec(52.0 + 0.001 * k, 4.0 + 0.002 * (k % 3), 0, 50_000, 60, 1, key=key)

    def van(key, speed_kmh, visits):
        return RouteSpec(key, 5, 0, 20_000, speed_kmh, cost_per_km=1.0, cost_per_hour=20.0, visits=visits)

    routes = [van(1, 72.0, (1, 2)), van(2, 12.0, (3,))]
    return build_plan(
        depot_lat=52.0,
        depot_lon=4.0,
        stops=[stop(3, 11), stop(6, 12), stop(2, 13)],
        routes=routes,
        metric=metric,
    )


def test_a_plan_on_osrm_is_exact_and_checked_with_the_same_table(osrm):
    base_url, server = osrm
    metric = OsrmTableMetric(base_url)
    plan = osrm_plan(metric)
    # Route 1: depot -> (52.003, 4.0) -> (52.006, 4.0) -> depot: 300 + 300 + 600 m.
    assert plan.legs[0].metres.tolist() == [300, 300, 600]
    assert plan.legs[0].seconds.tolist() == [30, 30, 60]  # OSRM's 10 m/s is slower than 72 km/h
    # Route 2: depot -> (52.002, 4.004) and back, 600 m each; 12 km/h is slower than OSRM: 180 s.
    assert plan.legs[1].metres.tolist() == [600, 600]
    assert plan.legs[1].seconds.tolist() == [180, 180]
    assert check_plan(plan) == []
    kwargs = dict(
        lat=52.004,
        lon=4.003,
        service=60,
        demand=1,
        window_early=[0, 0, 19_900],
        window_late=[50_000, 50, 20_000],
    )
    fast = evaluate_insertion(plan, **kwargs)
    slow = evaluate_insertion_reference(plan, **kwargs)
    for name in ("feasible", "delta_m", "delta_s", "route", "position", "start", "reason"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
    # The stop is 700 m (70 s) from the depot: not reachable by 50, and after serving it at 19_900
    # no van is back by the shift end at 20_000.
    assert fast.reason.tolist() == ["", "no_shift", "no_shift"]
    grown = insert_visit(
        plan,
        stop=StopSpec(52.004, 4.003, 0, 50_000, 60, 1, key=14),
        route_index=int(fast.route[0]),
        position=int(fast.position[0]),
    )
    assert check_plan(grown) == []
    assert route_schedule(grown, int(fast.route[0])).starts[int(fast.position[0])] == fast.start[0]


def test_all_pairs_matrices_are_fetched_in_blocks(osrm):
    base_url, server = osrm
    plan = osrm_plan(OsrmTableMetric(base_url))
    fresh = OsrmTableMetric(base_url, max_table_size=4)
    server.requests.clear()
    metres, seconds = fresh.matrices(plan.lat, plan.lon, [72.0])
    # 4 locations in blocks of 2: 2 x 2 requests of 2 sources x 2 destinations.
    assert len(server.requests) == 4
    points = list(zip(plan.lat, plan.lon, strict=True))
    assert metres.tolist() == [[table_metres(a, b) for b in points] for a in points]
    matrices = plan_matrices(plan)
    assert matrices.distance.tolist() == metres.tolist()
    assert matrices.durations[72.0].tolist() == seconds[0].tolist()


def test_an_osrm_error_is_reported_with_its_code(osrm):
    base_url, server = osrm
    server.handler.mode = "invalid"
    with pytest.raises(TravelBackendError, match=r"HTTP 400 \(InvalidQuery: Query string malformed"):
        OsrmTableMetric(base_url).metres(52.0, 4.0, 52.1, 4.1)


def test_a_missing_route_and_a_non_json_answer_are_errors(osrm):
    base_url, server = osrm
    server.handler.mode = "unreachable_pair"
    with pytest.raises(TravelBackendError, match="found no route"):
        OsrmTableMetric(base_url).metres(52.0, 4.0, 52.1, 4.1)
    server.handler.mode = "garbage"
    with pytest.raises(TravelBackendError, match="not JSON"):
        OsrmTableMetric(base_url).metres(52.0, 4.0, 52.1, 4.1)


def test_a_slow_or_absent_server_is_an_error_not_a_hang(osrm):
    base_url, server = osrm
    server.handler.mode = "slow"
    with pytest.raises(TravelBackendError, match="could not be reached"):
        OsrmTableMetric(base_url, timeout=0.2).metres(52.0, 4.0, 52.1, 4.1)
    server.shutdown()
    server.server_close()
    with pytest.raises(TravelBackendError, match="could not be reached"):
        OsrmTableMetric(base_url, timeout=1).metres(52.0, 4.0, 52.1, 4.1)


def test_it_validates_its_settings():
    with pytest.raises(ValueError, match="http"):
        OsrmTableMetric("127.0.0.1:5000")
    with pytest.raises(ValueError, match="timeout"):
        OsrmTableMetric("http://127.0.0.1:5000", timeout=0)
    with pytest.raises(ValueError, match="max_table_size"):
        OsrmTableMetric("http://127.0.0.1:5000", max_table_size=1)
