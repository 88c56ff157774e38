"""Server-rendered SVG route maps: no tile server, no JavaScript, readable in any browser."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .selectors import PlanView

# Colour-blind-safe palette (Okabe & Ito 2008), cycled over routes.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B")


@dataclass(frozen=True)
class MapRoute:
    label: str
    colour: str
    points: str
    stops: tuple[tuple[float, float, str], ...]


@dataclass(frozen=True)
class RouteMap:
    width: int
    height: int
    depot: tuple[float, float]
    zone: str
    routes: tuple[MapRoute, ...]


def route_map(
    plan: PlanView, *, zone_rings: list[list[list[float]]] | None = None, width: int = 720
) -> RouteMap:
    """Project the depot, stops and zone onto an SVG canvas (equirectangular, scaled by cos(lat))."""
    coords = [(plan.depot.lon, plan.depot.lat)]
    for route in plan.routes:
        coords.extend((s.lon, s.lat) for s in route.stops)
    for ring in zone_rings or []:
        coords.extend((lon, lat) for lon, lat in ring)
    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    kx = math.cos(math.radians(sum(lats) / len(lats)))
    min_x, max_x = min(lons) * kx, max(lons) * kx
    min_y, max_y = min(lats), max(lats)
    span = max(max_x - min_x, max_y - min_y, 1e-6)
    pad = 16
    scale = (width - 2 * pad) / span
    height = int((max_y - min_y) * scale + 2 * pad)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return round(pad + (lon * kx - min_x) * scale, 1), round(pad + (max_y - lat) * scale, 1)

    depot = xy(plan.depot.lon, plan.depot.lat)
    routes = []
    for index, route in enumerate(r for r in plan.routes if r.stops):
        path = [depot] + [xy(s.lon, s.lat) for s in route.stops] + [depot]
        routes.append(
            MapRoute(
                label=route.vehicle_name,
                colour=PALETTE[index % len(PALETTE)],
                points=" ".join(f"{x},{y}" for x, y in path),
                stops=tuple(
                    (
                        *xy(s.lon, s.lat),
                        f"{route.vehicle_name} #{n + 1}, {s.planned_start.astimezone(plan.depot.tz):%H:%M}",
                    )
                    for n, s in enumerate(route.stops)
                ),
            )
        )
    zone = " ".join(
        "M" + " L".join(f"{x},{y}" for x, y in (xy(lon, lat) for lon, lat in ring)) + " Z"
        for ring in zone_rings or []
    )
    return RouteMap(width=width, height=height, depot=depot, zone=zone, routes=tuple(routes))
