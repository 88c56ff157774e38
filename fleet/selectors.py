"""Reads of the fleet: which depot serves a point, and the depot-day plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shapely.geometry import Point, shape
from shapely.prepared import prep

from .adapter import CompiledPlan, compile_plan
from .models import Depot, DepotDay, ServiceZone


@dataclass(frozen=True)
class ZoneIndex:
    depot_ids: tuple[int, ...]
    geometries: tuple


def zone_index() -> ZoneIndex:
    zones = ServiceZone.objects.filter(is_active=True).order_by("depot_id", "id").values_list("depot_id", "polygon")
    depot_ids, geometries = [], []
    for depot_id, polygon in zones:
        depot_ids.append(depot_id)
        geometries.append(prep(shape(polygon)))
    return ZoneIndex(tuple(depot_ids), tuple(geometries))


def depot_for_point(*, lat: float, lon: float) -> Depot | None:
    """The depot whose service zone contains the point (the first by id when zones overlap)."""
    point = Point(lon, lat)  # GeoJSON order
    index = zone_index()
    for depot_id, geometry in zip(index.depot_ids, index.geometries, strict=True):
        if geometry.covers(point):
            return Depot.objects.get(pk=depot_id)
    return None


def depot_days_in_range(*, depot: Depot, first: dt.date, last: dt.date) -> dict[dt.date, DepotDay]:
    return {d.date: d for d in DepotDay.objects.filter(depot=depot, date__gte=first, date__lte=last)}


def depot_day_plan(*, depot: Depot, date: dt.date, now: dt.datetime, depot_day: DepotDay | None = None) -> CompiledPlan:
    if depot_day is None:
        depot_day = DepotDay.objects.filter(depot=depot, date=date).first()
    return compile_plan(depot=depot, depot_day=depot_day, date=date, now=now)
