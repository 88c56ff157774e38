"""The default incentive terms, once: the field defaults of a new rule set, and what the season
simulator starts its search from. Pure data (no Django)."""

from __future__ import annotations

from decimal import Decimal

DEFAULT_TERMS: dict[str, Decimal | int] = {
    "base_fee": Decimal("3.00"),
    "cost_passthrough": Decimal("1.000"),
    "width_discount_per_hour": Decimal("0.50"),
    "width_discount_max": Decimal("3.00"),
    "consolidation_max_km": Decimal("1.00"),
    "consolidation_discount": Decimal("1.00"),
    "green_max_grams": 150,
    "green_relative": Decimal("0.25"),
    "floor": Decimal("0.00"),
    # 10.00, not 9.99: the cap must be a multiple of the rounding step or capped prices round down
    # to 9.90 (publishing refuses such a pair).
    "cap": Decimal("10.00"),
    "rounding_step": Decimal("0.10"),
}
