"""A service zone's outline as a manager gives it: drawn on the map, pasted or uploaded as GeoJSON.

Whatever form the GeoJSON takes (a geometry, a Feature, a FeatureCollection of polygons), the zone
stores one GeoJSON Polygon or MultiPolygon geometry, longitude before latitude as GeoJSON has it.
"""

from __future__ import annotations

import json
import re

from shapely.geometry import mapping, shape
from shapely.ops import unary_union
from shapely.validation import explain_validity

from routing.travel import haversine_m

# A zone farther than this from its depot is almost always latitude and longitude swapped.
MAX_KM_FROM_DEPOT = 150.0


def zone_geometry_parsed(text: str, *, depot_lat_lon: tuple[float, float] | None = None) -> dict:
    """The GeoJSON Polygon or MultiPolygon in ``text``; raises ``ValueError`` saying what is wrong.

    ``depot_lat_lon`` (degrees), when given, refuses a zone more than ``MAX_KM_FROM_DEPOT`` km away.
    """
    try:
        data = json.loads(text)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"Not JSON: {exc}.") from exc
    geometries = _geometries(data)
    shapes = []
    for geometry in geometries:
        try:
            shapes.append(shape(geometry))
        except Exception as exc:  # shapely raises several types for malformed coordinates
            raise ValueError(f"Not a GeoJSON geometry: {exc}.") from exc
    for zone in shapes:
        if zone.geom_type not in {"Polygon", "MultiPolygon"}:
            raise ValueError(f"Expected a Polygon or MultiPolygon, got a {zone.geom_type}.")
        if zone.is_empty:
            raise ValueError("The polygon is empty.")
        if not zone.is_valid:
            raise ValueError(f"Not a valid polygon: {_validity_said(explain_validity(zone))}.")
    zone = shapes[0] if len(shapes) == 1 else unary_union(shapes)
    min_lon, min_lat, max_lon, max_lat = zone.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValueError("Coordinates outside longitude -180..180, latitude -90..90.")
    if depot_lat_lon is not None:
        point = zone.representative_point()
        km = float(haversine_m(*depot_lat_lon, point.y, point.x)) / 1000
        if km > MAX_KM_FROM_DEPOT:
            raise ValueError(
                f"The zone lies {km:.0f} km from its depot. GeoJSON gives longitude before "
                "latitude: were they swapped?"
            )
    geometry = mapping(zone)
    return json.loads(json.dumps(geometry))  # tuples to lists, as JSON reads back


def _geometries(data: object) -> list[dict]:
    if not isinstance(data, dict) or "type" not in data:
        raise ValueError("Expected a GeoJSON object with a 'type' (Polygon, Feature or FeatureCollection).")
    if data["type"] == "FeatureCollection":
        features = data.get("features") or []
        if not features:
            raise ValueError("The FeatureCollection has no features.")
        return [_feature_geometry(feature) for feature in features]
    if data["type"] == "Feature":
        return [_feature_geometry(data)]
    return [data]


def _feature_geometry(feature: object) -> dict:
    if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
        raise ValueError("A feature has no geometry.")
    return feature["geometry"]


def _validity_said(reason: str) -> str:
    """Shapely's ``Self-intersection[5.1 52.1]`` as ``Self-intersection at longitude 5.1, latitude 52.1``."""
    match = re.fullmatch(r"(.+)\[(\S+) (\S+)\]", reason)
    return f"{match[1]} at longitude {match[2]}, latitude {match[3]}" if match else reason
