"""The logit markup assumes the shopper model it is given: the retailer's fitted one, else the prior."""

import datetime as dt
from decimal import Decimal

from pricing.calculation import MARKUP_LOGIT, PRICE_BY_THREE_COSTS
from pricing.choice import ChoiceModel
from pricing.windows import WindowCost, price_windows
from tests.pricing.rule_terms import plain_terms

D = Decimal
TZ = dt.timezone(dt.timedelta(hours=1))
DAY = dt.date(2026, 12, 2)
WINDOW = WindowCost(
    day=DAY,
    start=dt.datetime.combine(DAY, dt.time(9), tzinfo=TZ),
    end=dt.datetime.combine(DAY, dt.time(10), tzinfo=TZ),
    available=True,
    marginal_cost=D("2.00"),
    marginal_km=D("1.000"),
    grams=0,
)


def test_price_windows_passes_the_shopper_model_to_the_logit_markup():
    rules = plain_terms(pricing_mode=PRICE_BY_THREE_COSTS, markup_mode=MARKUP_LOGIT, rounding_step=D("0.01"))

    [sensitive] = price_windows(
        terms=rules, windows=[WINDOW], choice=ChoiceModel(price_per_eur=-1.0, no_purchase=0.0)
    )
    [tolerant] = price_windows(
        terms=rules, windows=[WINDOW], choice=ChoiceModel(price_per_eur=-0.25, no_purchase=0.0)
    )

    # m = 1 / (|beta| P0(m)): 1.05 for beta = -1 (see test_cost_prices), more for a shopper who minds price less
    assert sensitive.price.amount == D("3.05")
    assert tolerant.price.amount > sensitive.price.amount
