"""Travel models: haversine x circuity rounded up (the default), Euclidean, the backend setting."""

import math

import numpy as np
import pytest

from routing.backend import metric_from_config
from routing.travel import (
    DEFAULT_SPEED_KMH_BY_HOUR,
    EARTH_RADIUS_M,
    EuclideanMetric,
    HaversineMetric,
    TravelModel,
    distance_matrix,
    duration_matrix,
    haversine_m,
    road_metres,
    travel_seconds,
)


def test_one_degree_of_latitude_is_a_ninetieth_of_a_quarter_meridian():
    # On a sphere, 1 degree of arc is R * pi / 180 = 6_371_008.8 * 0.0174533 = 111_195.08 m.
    assert haversine_m(10.0, 20.0, 11.0, 20.0) == pytest.approx(EARTH_RADIUS_M * math.pi / 180, rel=1e-12)


def test_haversine_broadcasts_rows_against_columns():
    lat = np.array([52.0, 52.01, 52.02])
    lon = np.array([4.0, 4.0, 4.0])
    metres = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert metres.shape == (3, 3)
    assert metres[0, 2] == pytest.approx(2 * metres[0, 1], rel=1e-12)


def test_road_metres_rounds_up_the_circuitous_distance():
    # 0.01 degree of latitude is 1111.95 m; at circuity 1.3 that is 1445.54 m, charged as 1446.
    assert road_metres(52.0, 4.0, 52.01, 4.0, 1.0) == 1112
    assert road_metres(52.0, 4.0, 52.01, 4.0, 1.3) == 1446
    assert road_metres(52.0, 4.0, 52.0, 4.0, 1.3) == 0


def test_travel_seconds_has_no_floating_noise_on_round_numbers():
    # 1000 m at 36 km/h (10 m/s) is exactly 100 s; 1001 m is 100.1 s, charged as 101.
    assert travel_seconds(1000, 36.0) == 100
    assert travel_seconds(1001, 36.0) == 101
    assert travel_seconds(0, 36.0) == 0
    # 3.6 km/h is 1 m/s: seconds equal metres (the hand-checked instances rely on it).
    assert travel_seconds(1112, 3.6) == 1112


def test_travel_seconds_gives_the_same_answer_for_a_leg_and_for_an_array():
    metres = np.arange(0, 20_000, 7, dtype=np.int64)
    for speed in (3.6, 12.5, 18.0, 24.0, 36.0, 50.0, 13.7):
        as_array = travel_seconds(metres, speed)
        assert as_array.dtype == np.int64
        assert [int(travel_seconds(int(m), speed)) for m in metres] == as_array.tolist()


def test_a_leg_computed_alone_equals_its_matrix_entry():
    # The independent checker computes legs one by one; they must be bit-identical to the matrix.
    rng = np.random.default_rng(7)
    lat = 51.5 + rng.uniform(-0.2, 0.2, 60)
    lon = -0.1 + rng.uniform(-0.3, 0.3, 60)
    matrix = distance_matrix(lat, lon, 1.3)
    alone = [
        [int(road_metres(float(a), float(b), float(c), float(d), 1.3)) for c, d in zip(lat, lon, strict=True)]
        for a, b in zip(lat, lon, strict=True)
    ]
    assert matrix.tolist() == alone


def test_distance_matrix_is_symmetric_with_zero_diagonal_and_keeps_the_triangle_inequality():
    rng = np.random.default_rng(3)
    lat = 48.85 + rng.uniform(-0.1, 0.1, 40)
    lon = 2.35 + rng.uniform(-0.1, 0.1, 40)
    metres = distance_matrix(lat, lon, 1.3)
    assert metres.dtype == np.int64
    assert (metres == metres.T).all()
    assert (np.diag(metres) == 0).all()
    # d[i, k] <= d[i, j] + d[j, k] for every triple: rounding up cannot break it.
    assert (metres[:, None, :] <= metres[:, :, None] + metres[None, :, :]).all()
    seconds = duration_matrix(metres, 18.0)
    assert (seconds[:, None, :] <= seconds[:, :, None] + seconds[None, :, :]).all()


def test_default_profile_is_slower_in_the_peaks():
    assert len(DEFAULT_SPEED_KMH_BY_HOUR) == 24
    assert DEFAULT_SPEED_KMH_BY_HOUR[8] < DEFAULT_SPEED_KMH_BY_HOUR[12]
    assert DEFAULT_SPEED_KMH_BY_HOUR[17] < DEFAULT_SPEED_KMH_BY_HOUR[20]


def test_route_speed_is_the_slowest_hour_of_the_shift_capped_by_the_vehicle():
    model = TravelModel()
    assert model.route_speed_kmh(10, 16, 90.0) == 24.0  # hours 10..15, off-peak
    assert model.route_speed_kmh(6, 10, 90.0) == 18.0  # spans the morning peak
    assert model.route_speed_kmh(10, 17, 90.0) == 18.0  # hour 16 is peak
    assert model.route_speed_kmh(10, 16, 15.0) == 15.0  # a cargo bike's top speed
    assert model.route_speed_kmh(12, 12, 90.0) == 24.0  # an empty span counts its start hour


def test_route_speed_wraps_past_midnight():
    profile = tuple(10.0 if h == 1 else 30.0 for h in range(24))
    model = TravelModel(speed_kmh_by_hour=profile)
    assert model.route_speed_kmh(22, 26, 90.0) == 10.0  # 22:00-02:00 covers 01:00
    assert model.shift_speed_kmh(22 * 3600, 24 * 3600 + 3601, 90.0) == 10.0
    assert model.shift_speed_kmh(22 * 3600, 24 * 3600 + 3600, 90.0) == 30.0  # ends at 01:00 sharp


def test_travel_model_validates_itself():
    with pytest.raises(ValueError, match="circuity"):
        TravelModel(circuity=0.9)
    with pytest.raises(ValueError, match="24 speeds"):
        TravelModel(speed_kmh_by_hour=(20.0,) * 23)
    with pytest.raises(ValueError, match="> 0"):
        TravelModel(speed_kmh_by_hour=(20.0,) * 23 + (0.0,))
    with pytest.raises(ValueError, match="vehicle_max_kmh"):
        TravelModel().route_speed_kmh(8, 9, 0.0)
    with pytest.raises(ValueError, match="speed_kmh"):
        travel_seconds(100, 0.0)


# -- travel metrics --------------------------------------------------------------------------------


def test_the_haversine_metric_is_the_travel_model_of_before():
    rng = np.random.default_rng(4)
    lat = 52.0 + rng.uniform(-0.1, 0.1, 25)
    lon = 4.0 + rng.uniform(-0.1, 0.1, 25)
    metric = HaversineMetric(1.3)
    metres, seconds = metric.matrices(lat, lon, (18.0, 24.0))
    assert metres.tolist() == distance_matrix(lat, lon, 1.3).tolist()
    assert seconds[0].tolist() == duration_matrix(metres, 18.0).tolist()
    assert seconds[1].tolist() == duration_matrix(metres, 24.0).tolist()
    # One leg alone, as the checker asks for it, equals its entry in the bulk computation.
    leg_m, leg_s = metric.legs(float(lat[3]), float(lon[3]), float(lat[7]), float(lon[7]), [24.0])
    assert (int(leg_m), int(leg_s[0])) == (metres[3, 7], seconds[1, 3, 7])
    assert metric.metres(52.0, 4.0, 52.01, 4.0) == road_metres(52.0, 4.0, 52.01, 4.0, 1.3) == 1446


def test_the_euclidean_metric_by_hand():
    # lon is x and lat is y: (0, 0) -> (3, 4) is 5 units.
    assert EuclideanMetric().metres(0.0, 0.0, 4.0, 3.0) == 5
    # C101's depot (40, 50) to customer 1 (45, 68): sqrt(25 + 324) = 18.6815... -> 186.8 tenths.
    dimacs = EuclideanMetric(scale=10, rounding="floor")
    assert dimacs.metres(50.0, 40.0, 68.0, 45.0) == 186
    assert EuclideanMetric(scale=10).metres(50.0, 40.0, 68.0, 45.0) == 187
    # Exact squares are exact, not one off: (0, 0) -> (6, 8) is 10 units = 100 tenths either way.
    assert dimacs.metres(0.0, 0.0, 8.0, 6.0) == EuclideanMetric(scale=10).metres(0.0, 0.0, 8.0, 6.0) == 100
    # At 3.6 km/h (1 m/s) seconds equal the metric's units: travel time = distance.
    metres, seconds = dimacs.legs(np.array([50.0, 0.0]), np.array([40.0, 0.0]), 68.0, 45.0, [3.6])
    assert metres.tolist() == seconds[0].tolist() == [186, 815]  # sqrt(45**2 + 68**2) = 81.54


def test_the_euclidean_metric_matches_integer_arithmetic_on_integer_grids():
    rng = np.random.default_rng(9)
    x, y = rng.integers(0, 1000, 200), rng.integers(0, 1000, 200)
    metres, _ = EuclideanMetric(scale=10, rounding="floor").matrices(y.astype(float), x.astype(float), ())
    dx, dy = x[:, None] - x[None, :], y[:, None] - y[None, :]
    exact = [
        [math.isqrt(int(100 * (a * a + b * b))) for a, b in zip(ra, rb, strict=True)]
        for ra, rb in zip(dx, dy, strict=True)
    ]
    assert metres.tolist() == exact


def test_rounding_up_keeps_the_triangle_inequality_and_truncating_may_not():
    # Three points on a line 0.55 apart: truncated, 0 + 0 < 1; rounded up, 1 + 1 >= 2.
    lat = np.zeros(3)
    lon = np.array([0.0, 0.55, 1.1])
    floor, _ = EuclideanMetric(rounding="floor").matrices(lat, lon, ())
    ceil, _ = EuclideanMetric(rounding="ceil").matrices(lat, lon, ())
    assert floor[0, 1] + floor[1, 2] < floor[0, 2]
    assert ceil[0, 1] + ceil[1, 2] >= ceil[0, 2]
    rng = np.random.default_rng(1)
    metres, _ = EuclideanMetric(scale=3.7).matrices(rng.uniform(0, 50, 40), rng.uniform(0, 50, 40), ())
    assert (metres[:, None, :] <= metres[:, :, None] + metres[None, :, :]).all()


def test_metrics_validate_themselves():
    with pytest.raises(ValueError, match="circuity > 0"):
        HaversineMetric(0.0)
    with pytest.raises(ValueError, match="scale > 0"):
        EuclideanMetric(scale=0)
    with pytest.raises(ValueError, match="rounding"):
        EuclideanMetric(rounding="round")


def test_metric_from_config_reads_the_travel_backend_setting():
    assert metric_from_config(None) == HaversineMetric(1.3)
    assert metric_from_config(None, circuity=1.2) == HaversineMetric(1.2)
    assert metric_from_config({"BACKEND": "haversine", "CIRCUITY": 1.4}) == HaversineMetric(1.4)
    assert metric_from_config({"backend": "haversine", "circuity": 1.4}, circuity=1.1) == HaversineMetric(1.1)
    assert metric_from_config("euclidean") == EuclideanMetric()
    assert metric_from_config({"BACKEND": "euclidean", "SCALE": 10, "ROUNDING": "floor"}) == EuclideanMetric(
        scale=10, rounding="floor"
    )
    osrm = metric_from_config({"BACKEND": "osrm", "BASE_URL": "http://127.0.0.1:5000", "TIMEOUT": 2})
    assert (osrm.base_url, osrm.profile, osrm.timeout, osrm.max_table_size) == (
        "http://127.0.0.1:5000",
        "driving",
        2.0,
        100,
    )
    # One metric, and so one cache of pairs, per configuration.
    assert (
        metric_from_config({"BACKEND": "osrm", "BASE_URL": "http://127.0.0.1:5000", "TIMEOUT": 2.0}) is osrm
    )
    with pytest.raises(ValueError, match="Unknown travel backend 'graphhopper'"):
        metric_from_config({"BACKEND": "graphhopper"})
    with pytest.raises(ValueError, match="SCALE"):
        metric_from_config({"BACKEND": "haversine", "SCALE": 10})
    with pytest.raises(ValueError, match="BASE_URL"):
        metric_from_config({"BACKEND": "osrm"})
