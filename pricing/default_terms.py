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

# The retailer's objective of a new rule set (docs/incentives.md): price by three costs, the mean offered
# price held at a reference flat fee. Kept apart from ``DEFAULT_TERMS``, which are also the
# first rules the season simulator tunes as policy (c); a rule set made before these fields
# existed keeps the base fee + route cost price (``pricing_mode = "passthrough"``).
DEFAULT_OBJECTIVE: dict[str, Decimal | str | None] = {
    "pricing_mode": "three_costs",
    # Revenue-neutral, not the logit markup: the logit markup 1 / (|beta| x P0) rests on the choice
    # model's no-purchase share, which is not calibrated and shrinks as a shopper sees more windows
    # (160+ in a week's offer), so it would put most windows at the cap. Holding the mean price
    # shoppers are expected to pay at the flat fee they paid before keeps revenue per order where
    # it was; only the gaps between windows follow the costs.
    "markup_mode": "revenue_neutral",
    "markup": Decimal("0.00"),
    "reference_price": Decimal("7.00"),
    # What the retailer earns on a grocery basket before delivery (about 8 % of an 75 EUR basket
    # after picking costs): it values the capacity a later order would need (displacement), and in
    # the fixed and logit modes it lowers every price by the same amount.
    "basket_margin": Decimal("6.00"),
    # 0.20 EUR per kg CO2e (200 EUR a tonne): above the EU ETS allowance price (70-90 EUR/t in
    # 2025), in the range of the German Environment Agency's damage cost for 2020s emissions.
    "carbon_price_per_kg": Decimal("0.200"),
    # No promise on the cheapest window by default: a floor is a discount on top of the
    # revenue-neutral average (the simulator's (d) with a 4.00 floor lost 7.7 % of its contribution
    # per shopper on the training seeds); a retailer who wants the promise sets it.
    "service_floor_price": None,
    # Environmental labels on at most 30 % of a day's windows on sale (the greenest ones).
    "green_share_max": Decimal("0.30"),
    # Steering as the simulator's tuned policy (d) (docs/evidence.md, "What steering costs
    # shoppers"): the expected route cost passed through at 1.5 (the realised cost of one order
    # understates what steering many orders saves), and no width or consolidation discount on
    # top: the expected cost already differs by width and insertion, and the first rules' 0.50
    # an hour and 1.00 steered past what keeps orders and shoppers' welfare.
    "cost_passthrough": Decimal("1.500"),
    "width_discount_per_hour": Decimal("0.00"),
    "consolidation_discount": Decimal("0.00"),
}

# The objective that leaves the first rules' price (base fee + route cost) as it was:
# what ``RuleTerms`` assumes when not told, and what rule sets made before the objective existed
# were migrated to (``pricing/migrations/0004``).
FIRST_RULES_OBJECTIVE: dict[str, Decimal | str | None] = {
    "pricing_mode": "passthrough",
    "markup_mode": "fixed",
    "markup": Decimal("0.00"),
    "reference_price": None,
    "basket_margin": Decimal("0.00"),
    "carbon_price_per_kg": Decimal("0.000"),
    "service_floor_price": None,
    "green_share_max": None,
    "cost_passthrough": DEFAULT_TERMS["cost_passthrough"],
    "width_discount_per_hour": DEFAULT_TERMS["width_discount_per_hour"],
    "consolidation_discount": DEFAULT_TERMS["consolidation_discount"],
}
