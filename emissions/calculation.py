"""CO2e of a delivery: pure functions over integer metres and grams.

Method (see docs/emissions.md): a window's CO2e is the vehicle-km its delivery adds to the route
plan times the vehicle type's well-to-wheel factor; a route's emissions are shared among its
orders in proportion to distance (ISO 14083 allows distance-based allocation for one vehicle trip).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

METRES_PER_KM = Decimal(1000)


def marginal_grams(*, metres: int, grams_per_km: Decimal) -> int:
    """Grams CO2e a delivery adds, from the metres it adds and a factor in g CO2e per vehicle-km.

    Rounded half up to whole grams. An insertion that shortens the route (possible with road
    network tables that break the triangle inequality) counts as zero, never as a saving.
    """
    if isinstance(metres, bool) or not isinstance(metres, int):
        raise TypeError("Expected metres to be an int.")
    if not isinstance(grams_per_km, Decimal) or not grams_per_km.is_finite():
        raise TypeError("Expected grams_per_km to be a finite Decimal.")
    if grams_per_km < 0:
        raise ValueError("Expected grams_per_km >= 0.")
    if metres <= 0:
        return 0
    grams = Decimal(metres) * grams_per_km / METRES_PER_KM
    return int(grams.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate_by_distance(*, total_grams: int, metres: Sequence[int]) -> list[int]:
    """Share ``total_grams`` among orders in proportion to their metres, summing exactly to the total.

    Largest-remainder (Hamilton) rounding: each order first gets the floor of its exact share,
    then the grams left over go one each to the largest fractional remainders, ties to the
    earlier order. When every distance is zero the total is split equally, leftover grams to the
    earliest orders.

    Parameters
    ----------
    total_grams
        Grams CO2e of the route (or trip) to allocate, >= 0.
    metres
        Distance attributed to each order, in metres, each >= 0.

    Returns
    -------
    list[int]
        Grams per order, in the order of ``metres``.
    """
    if isinstance(total_grams, bool) or not isinstance(total_grams, int):
        raise TypeError("Expected total_grams to be an int.")
    if total_grams < 0:
        raise ValueError("Expected total_grams >= 0.")
    if any(isinstance(m, bool) or not isinstance(m, int) for m in metres):
        raise TypeError("Expected metres to be ints.")
    if any(m < 0 for m in metres):
        raise ValueError("Expected every metres >= 0.")
    if not metres:
        if total_grams:
            raise ValueError("Cannot allocate grams to no orders.")
        return []

    weights = list(metres) if sum(metres) else [1] * len(metres)
    weight_total = sum(weights)
    # Integer arithmetic throughout: exact shares, no float drift in the remainders.
    shares = [total_grams * w // weight_total for w in weights]
    remainders = [total_grams * w % weight_total for w in weights]
    leftover = total_grams - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[:leftover]:
        shares[i] += 1
    return shares


def route_grams(*, metres: int, grams_per_km: Decimal) -> int:
    """Grams CO2e of driving a whole route of ``metres`` (same rounding as ``marginal_grams``)."""
    return marginal_grams(metres=metres, grams_per_km=grams_per_km)
