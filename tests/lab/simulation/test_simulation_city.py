"""The simulated city is the demo city (``lab.demo.places``), and its quotas share the fleet."""

import importlib
from decimal import Decimal

from lab.demo import places
from lab.simulation import city as sim_city
from lab.simulation.policies import window_quotas


def test_the_demos_emission_factor_table_is_the_default_factors():
    factors = {
        f["code"]: Decimal(f["grams_per_km"])
        for f in importlib.import_module("emissions.migrations.0002_default_emission_factors").DEFAULT_FACTORS
    }
    assert {code: factors[code] for code in places.FACTOR_GRAMS_PER_KM} == places.FACTOR_GRAMS_PER_KM


def test_the_simulated_city_is_built_from_the_demo_city():
    city = sim_city.utrecht()

    assert [v.name for v in city.depots[0].fleet] == [v.name for v in places.FLEET]
    assert city.depots[0].fleet[0].shift_start == 7 * 3600  # Van D1, 07:00-15:00
    assert city.depots[0].fleet[0].kind.grams_per_km == Decimal("316.89")
    assert len(city.neighbourhoods) == len([a for a in places.DEMO_ADDRESSES if a.inside_zone]) == 12
    assert (city.windows[0].start, city.windows[0].end, city.windows[0].cutoff) == (8 * 3600, 9 * 3600, 7200)
    assert city.windows[-1].cutoff == 12 * 3600  # all day, ordered the evening before


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
