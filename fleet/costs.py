"""What a delivery costs the operator, in money: pure (no Django), so the offer path, the
dashboards and the season simulator price with the same function."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from routing.money import work_cost


class VehicleCosts(Protocol):
    """A vehicle's money terms (``fleet.adapter.RouteVehicle`` and the simulator's kinds have them)."""

    @property
    def cost_per_km(self) -> Decimal: ...
    @property
    def cost_per_hour(self) -> Decimal: ...
    @property
    def cost_per_route(self) -> Decimal: ...


def marginal_cost(
    vehicle: VehicleCosts, *, delta_m: int, delta_s: int, service_s: int, opens_route: bool
) -> Decimal:
    """Money a delivery adds to a route (``routing.money.work_cost`` in ``Decimal``): driving
    ``delta_m`` metres, the driver's extra ``delta_s`` seconds plus ``service_s`` at the door, and
    the route's fixed cost when the delivery opens it. In the vehicle's currency units."""
    return work_cost(
        cost_per_km=vehicle.cost_per_km,
        cost_per_hour=vehicle.cost_per_hour,
        metres=Decimal(int(delta_m)),
        work_seconds=Decimal(int(delta_s) + int(service_s)),
        fixed=vehicle.cost_per_route if opens_route else Decimal(0),
    )
