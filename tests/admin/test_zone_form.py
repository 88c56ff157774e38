"""The service zone form: a zone drawn on the map, pasted or uploaded as GeoJSON is saved as one
valid Polygon or MultiPolygon near its depot; anything else is refused with the reason."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from fleet.models import ServiceZone
from fleet.zone_geometry import zone_geometry_parsed
from tests.admin.admin_world import SQUARE, form_data, make_admin_world

UTRECHT = (52.1, 5.1)
TRIANGLE = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.2, 52.0], [5.1, 52.2], [5.0, 52.0]]]}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[5.0, 52.0], [5.2, 52.2], [5.2, 52.0], [5.0, 52.2], [5.0, 52.0]]],
}


@pytest.fixture
def world(db):
    return make_admin_world()


def change_url(zone: ServiceZone) -> str:
    return reverse("admin:fleet_servicezone_change", args=[zone.pk])


def posted(admin_client, zone: ServiceZone, **fields):
    data = form_data(admin_client.get(change_url(zone)).content.decode())
    data.update(fields)
    return admin_client.post(change_url(zone), data)


# --- the GeoJSON a manager may give ---------------------------------------------------------------


def test_a_feature_collection_of_one_polygon_is_stored_as_its_geometry():
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": TRIANGLE}],
    }

    assert zone_geometry_parsed(json.dumps(collection), depot_lat_lon=UTRECHT) == TRIANGLE


def test_two_apart_polygons_become_one_multipolygon():
    east = {"type": "Polygon", "coordinates": [[[5.3, 52.0], [5.4, 52.0], [5.35, 52.1], [5.3, 52.0]]]}
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": g} for g in (TRIANGLE, east)],
    }

    parsed = zone_geometry_parsed(json.dumps(collection))

    assert parsed["type"] == "MultiPolygon"
    assert len(parsed["coordinates"]) == 2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "Not JSON"),
        ("[1, 2]", "Expected a GeoJSON object"),
        ('{"type": "LineString", "coordinates": [[5, 52], [5.1, 52.1]]}', "got a LineString"),
        (json.dumps(BOWTIE), "Not a valid polygon: Self-intersection"),
        ('{"type": "Polygon", "coordinates": [[[5, 52], [5.1, 52]]]}', "Not a GeoJSON geometry"),
        ('{"type": "FeatureCollection", "features": []}', "has no features"),
        (
            '{"type": "Polygon", "coordinates": [[[5, 200], [6, 200], [6, 201], [5, 200]]]}',
            "outside longitude",
        ),
    ],
)
def test_it_says_what_is_wrong_with_bad_geojson(text, reason):
    with pytest.raises(ValueError, match=reason):
        zone_geometry_parsed(text)


def test_it_refuses_a_zone_with_latitude_and_longitude_swapped():
    swapped = {"type": "Polygon", "coordinates": [[[lat, lon] for lon, lat in TRIANGLE["coordinates"][0]]]}

    with pytest.raises(ValueError, match="were they swapped"):
        zone_geometry_parsed(json.dumps(swapped), depot_lat_lon=UTRECHT)


# --- the admin form ------------------------------------------------------------------------------


def test_the_change_page_draws_the_zone_on_a_map_over_its_depot(admin_client, world):
    other = ServiceZone.objects.create(depot=world.depot, name="North", polygon=TRIANGLE)

    html = admin_client.get(change_url(world.zone)).content.decode()

    assert "vendor/leaflet-1.9.4/leaflet.js" in html
    assert "vendor/leaflet-draw-1.0.4/leaflet.draw.js" in html
    config = json.loads(html.split('id="zone-map-config" type="application/json">')[1].split("</script>")[0])
    depot = config["depots"][str(world.depot.pk)]
    assert (depot["lat"], depot["lon"]) == (world.depot.lat, world.depot.lon)
    assert depot["zones"] == [{"name": other.name, "polygon": TRIANGLE}]  # not the zone being edited
    assert config["tileUrl"] == ""
    assert json.loads(form_data(html)["polygon"][0]) == SQUARE


@override_settings(
    GREENSLOT={"MAP_TILE_URL": "https://tiles.example/{z}/{x}/{y}.png", "MAP_TILE_ATTRIBUTION": "x"}
)
def test_the_tile_url_is_a_setting(admin_client, world):
    html = admin_client.get(change_url(world.zone)).content.decode()

    assert '"tileUrl": "https://tiles.example/{z}/{x}/{y}.png"' in html


def test_a_pasted_feature_is_saved_as_a_polygon(admin_client, world):
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": TRIANGLE}

    response = posted(admin_client, world.zone, polygon=[json.dumps(feature)])

    assert response.status_code == 302
    world.zone.refresh_from_db()
    assert world.zone.polygon == TRIANGLE


def test_a_self_crossing_zone_is_refused_with_where_it_crosses(admin_client, world):
    response = posted(admin_client, world.zone, polygon=[json.dumps(BOWTIE)])

    assert response.status_code == 200
    assert (
        "Not a valid polygon: Self-intersection at longitude 5.1, latitude 52.1." in response.content.decode()
    )
    world.zone.refresh_from_db()
    assert world.zone.polygon == SQUARE


def test_an_empty_zone_asks_for_one(admin_client, world):
    response = posted(admin_client, world.zone, polygon=[""])

    assert "Draw the zone on the map, paste its GeoJSON or upload a file." in response.content.decode()


def test_an_uploaded_file_replaces_the_zone(admin_client, world):
    upload = SimpleUploadedFile("zone.geojson", json.dumps(TRIANGLE).encode(), "application/geo+json")

    response = posted(admin_client, world.zone, geojson_file=upload)

    assert response.status_code == 302
    world.zone.refresh_from_db()
    assert world.zone.polygon == TRIANGLE


def test_a_bad_file_is_refused_on_the_file_field(admin_client, world):
    upload = SimpleUploadedFile("zone.geojson", b"\xff\xfe not text", "application/geo+json")

    response = posted(admin_client, world.zone, geojson_file=upload)

    assert response.status_code == 200
    assert "The file is not UTF-8 text." in response.content.decode()
