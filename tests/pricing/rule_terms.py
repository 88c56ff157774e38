"""Plain rule terms for pure pricing tests: discounts off, cap 10.00, step 0.10, unless overridden."""

from decimal import Decimal

from pricing.calculation import RuleTerms

D = Decimal


def plain_terms(**overrides) -> RuleTerms:
    values = dict(
        version=1,
        currency="EUR",
        base_fee=D("3.00"),
        cost_passthrough=D("1.000"),
        width_discount_per_hour=D("0.00"),
        width_discount_max=D("0.00"),
        consolidation_max_km=D("1.00"),
        consolidation_discount=D("0.00"),
        green_max_grams=150,
        green_relative=D("0.25"),
        floor=D("0.00"),
        cap=D("10.00"),
        rounding_step=D("0.10"),
    )
    values.update(overrides)
    return RuleTerms(**values)
