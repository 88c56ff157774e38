"""The embedded geocoder: the demo city's streets, found from part of what a shopper types."""

from __future__ import annotations

import pytest

from booking.geocoding.gazetteer import GazetteerGeocoder, streets
from lab.demo.city import SERVICE_ZONE  # tests may read the lab; the product may not

GAZETTEER = GazetteerGeocoder()


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("kanaal 12", "Kanaalstraat 12, 3531 CJ Utrecht"),
        ("Kanaalstraat 12a, 3531CJ Utrecht", "Kanaalstraat 12A, 3531 CJ Utrecht"),
        ("thomas a kempis", "Thomas à Kempisweg, 3533 AA Utrecht"),
        ("Thomas à Kempisweg 4", "Thomas à Kempisweg 4, 3533 AA Utrecht"),
        ("DOMPL", "Domplein, 3512 JC Utrecht"),
    ],
)
def test_part_of_a_street_finds_it(typed, label):
    assert GAZETTEER.search(typed, limit=1)[0].label == label


def test_a_found_label_finds_itself_again():
    for street in streets():
        label = GAZETTEER.search(f"{street.name} 7", limit=1)[0].label
        assert GAZETTEER.search(label, limit=1)[0].label == label


def test_neighbours_are_different_addresses_on_the_same_street():
    one, two = (GAZETTEER.search(f"Kanaalstraat {n}", limit=1)[0] for n in (1, 2))
    assert (one.lat, one.lon) != (two.lat, two.lon)
    assert abs(one.lat - two.lat) < 0.0001


@pytest.mark.parametrize("typed", ["", "   ", "12", "atlantis", "x" * 500])
def test_nothing_found_is_an_empty_list(typed):
    assert GAZETTEER.search(typed) == []


def test_a_district_lists_its_streets_up_to_the_limit():
    found = GAZETTEER.search("lombok", limit=2)
    assert len(found) == 2 and all("3531" in p.label or "3532" in p.label for p in found)


def test_every_street_is_inside_the_demo_service_zone():
    from shapely.geometry import Point, shape

    zone = shape(SERVICE_ZONE)
    outside = [s.name for s in streets() if not zone.contains(Point(s.lon, s.lat))]
    assert outside == []
