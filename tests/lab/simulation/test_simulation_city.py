"""The simulated city is the demo city, and the simulator prices with the product's own formulas.

``simulation`` is Django-free, so it carries copies of the demo's constants, the default emission
factors and the default incentive rules; these tests pin each copy to its original.
"""

import importlib
from decimal import Decimal

import pytest

from fleet.adapter import RouteVehicle, marginal_cost
from lab.demo import city as demo_city
from lab.simulation import city as sim_city
from lab.simulation.policies import PRODUCT_DEFAULT_TERMS, window_quotas
from lab.simulation.season import _marginal_cost
from pricing.models import IncentiveRuleSet


def seconds(clock) -> int:
    return clock.hour * 3600 + clock.minute * 60


def test_the_fleet_shifts_and_vehicle_types_are_the_demos():
    factors = {
        f["code"]: f["grams_per_km"]
        for f in importlib.import_module("emissions.migrations.0002_default_emission_factors").DEFAULT_FACTORS
    }
    simulated = sim_city.DEMO_FLEET

    assert [v.name for v in simulated] == [v.name for v in demo_city.FLEET]
    for sim, demo in zip(simulated, demo_city.FLEET, strict=True):
        kind, spec = sim.kind, demo.vehicle_type
        assert (sim.shift_start, sim.shift_end) == (seconds(demo.shift[0]), seconds(demo.shift[1]))
        assert (kind.name, kind.capacity_units, kind.max_speed_kmh) == (
            spec.name,
            spec.capacity_units,
            spec.max_speed_kmh,
        )
        assert (kind.cost_per_km, kind.cost_per_hour, kind.cost_per_route) == (
            spec.cost_per_km,
            spec.cost_per_hour,
            spec.cost_per_route,
        )
        assert kind.grams_per_km == factors[spec.emission_factor]


def test_the_depot_zone_neighbourhoods_and_windows_are_the_demos():
    city = sim_city.utrecht()
    depot = city.depots[0]
    inside = [a for a in demo_city.DEMO_ADDRESSES if a.inside_zone]

    assert (depot.lat, depot.lon, city.circuity) == (
        demo_city.DEPOT_LAT,
        demo_city.DEPOT_LON,
        demo_city.DEPOT_CIRCUITY,
    )
    assert [list(p) for p in city.zone] == demo_city.SERVICE_ZONE["coordinates"][0]
    assert [(n.slug, n.lat, n.lon) for n in city.neighbourhoods] == [(a.slug, a.lat, a.lon) for a in inside]
    assert city.spread_m == demo_city.DEMAND_SPREAD_M
    assert [(w.start, w.end, w.cutoff) for w in city.windows] == [
        (seconds(w.start), seconds(w.end), w.cutoff_minutes * 60) for w in demo_city.WINDOWS
    ]
    assert city.no_shift_weekdays == demo_city.NO_SHIFT_WEEKDAYS
    assert city.day_appeal == demo_city.DAY_APPEAL
    assert city.season_days == demo_city.HORIZON_DAYS


def test_the_default_rules_are_the_products():
    for name, value in PRODUCT_DEFAULT_TERMS.items():
        assert IncentiveRuleSet._meta.get_field(name).default == value, name


@pytest.mark.parametrize("opens_route", [False, True])
def test_the_marginal_cost_is_the_adapters(opens_route):
    kind = sim_city.DIESEL_VAN
    vehicle = RouteVehicle(
        shift_id=1,
        vehicle_name="Van D1",
        vehicle_type=kind.name,
        cost_per_km=kind.cost_per_km,
        cost_per_hour=kind.cost_per_hour,
        cost_per_route=kind.cost_per_route,
        grams_per_km=kind.grams_per_km,
        energy_type="diesel",
    )

    ours = _marginal_cost(kind, delta_m=1234, delta_s=321, service_s=180, opens_route=opens_route)

    assert ours == marginal_cost(vehicle, delta_m=1234, delta_s=321, service_s=180, opens_route=opens_route)
    assert isinstance(ours, Decimal)


def test_quotas_share_the_fleets_load_capacity_among_the_windows():
    city = sim_city.utrecht()
    quotas = window_quotas(city, 0, scale=1.0, mean_size=3.5)
    doubled = window_quotas(city, 0, scale=2.0, mean_size=3.5)

    assert quotas.shape == (len(city.windows),)
    # 414 units / 3.5 = 118 orders, less the 07:00 hour of the early shifts that no window covers
    # and the floors: every window gets its share, none gets more than the fleet.
    assert 95 <= quotas.sum() <= 118
    assert quotas.min() >= 1
    assert doubled.sum() >= 2 * quotas.sum()
    assert window_quotas(city, 0, scale=0.0, mean_size=3.5).sum() == 0
