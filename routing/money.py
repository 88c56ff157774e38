"""The one money formula: what driving and working cost.

Every cost in Greenslot is this sum: the engine's float route costs and insertion deltas (numpy
arrays, term for term), and the ``Decimal`` marginal cost a shopper's price starts from
(``fleet.adapter.marginal_cost``). It is written once so that they can never drift apart.
"""

from __future__ import annotations

from typing import TypeVar

Number = TypeVar("Number")


def work_cost(
    *, cost_per_km: Number, cost_per_hour: Number, metres, work_seconds, fixed: Number | int = 0
) -> Number:
    """Money for driving ``metres`` and working ``work_seconds`` (driving + service), plus ``fixed``.

    Parameters
    ----------
    cost_per_km, cost_per_hour
        Currency units per vehicle-km and per hour of the driver's work.
    metres, work_seconds
        Integers (or integer arrays): metres driven, seconds worked. Waiting is not charged.
    fixed
        A route's fixed cost when this work opens it, else 0.

    Floats, numpy arrays and ``Decimal`` all work; the operations run in this order for each, so
    a scalar and an array evaluation of the same numbers agree to the bit.
    """
    return cost_per_km * metres / 1000 + cost_per_hour * work_seconds / 3600 + fixed
