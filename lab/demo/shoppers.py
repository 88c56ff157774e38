"""Demo shoppers who choose by price, width and the green label (the replay's logit model), so the
dashboards can show what a newly published rule version does in the demo city.

The demo loader's shoppers pick windows by time-of-day appeal only; these ones answer to the rules.
Each shopper asks for one day's offer with a basket value, draws a window (or nothing) from the
logit probabilities, and holds and confirms it through the real services.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from shapely.geometry import shape
from shapely.prepared import prep

from booking.services.holds import hold_confirm, hold_create
from booking.services.offers import offer_create
from fleet.models import Depot, ServiceZone
from greenslot.errors import Conflict
from pricing.calculation import FREE_DELIVERY, GREEN
from pricing.choice import DEFAULT_CHOICE_MODEL, ChoiceModel, offer_choice_shares
from pricing.widths import width_class
from tenants.models import Retailer

from .city import DEMO_ADDRESSES, ZONE_NAME, demand_point

ACTOR = "demo-shoppers"
BASKET_MEDIAN = 55.0  # EUR; log-normal spread below
BASKET_SIGMA = 0.45


@dataclass
class ShopperRun:
    shoppers: int = 0
    orders: int = 0
    no_purchase: int = 0
    refused: int = 0
    revenue: Decimal = Decimal(0)
    km: Decimal = Decimal(0)
    grams: int = 0
    free: int = 0
    widths: Counter = field(default_factory=Counter)
    labels: Counter = field(default_factory=Counter)
    versions: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        orders = self.orders or 1
        return {
            "shoppers": self.shoppers,
            "orders": self.orders,
            "no_purchase": self.no_purchase,
            "refused": self.refused,
            "rule_versions": dict(self.versions),
            "revenue": str(self.revenue),
            "revenue_per_order": str((self.revenue / orders).quantize(Decimal("0.01"))),
            "marginal_km_per_order": round(float(self.km) / orders, 3),
            "marginal_co2e_g_per_order": round(self.grams / orders, 1),
            "free_delivery_orders": self.free,
            "width_share": {k: round(v / orders, 3) for k, v in sorted(self.widths.items())},
            "label_share": {k: round(v / orders, 3) for k, v in sorted(self.labels.items())},
        }


def demo_shoppers_run(
    *,
    retailer: Retailer,
    depot: Depot,
    dates: list[dt.date],
    shoppers: int,
    seed: int,
    now: dt.datetime,
    coefficients: ChoiceModel = DEFAULT_CHOICE_MODEL,
) -> ShopperRun:
    """``shoppers`` shoppers spread over ``dates`` (round robin), all at ``now``."""
    rng = random.Random(seed)
    zone = prep(shape(ServiceZone.objects.get(depot=depot, name=ZONE_NAME).polygon))
    centres = tuple(a for a in DEMO_ADDRESSES if a.inside_zone)
    run = ShopperRun()
    for number in range(shoppers):
        date = dates[number % len(dates)]
        centre, lat, lon = demand_point(rng, zone=zone, centres=centres)
        basket = Decimal(str(round(rng.lognormvariate(math.log(BASKET_MEDIAN), BASKET_SIGMA), 2)))
        size_units, service_minutes = rng.randint(1, 6), rng.randint(2, 5)
        draw = rng.random()
        result = offer_create(
            retailer=retailer,
            lat=lat,
            lon=lon,
            size_units=size_units,
            service_minutes=service_minutes,
            address={"label": f"Demo shopper near {centre.label}", "neighbourhood": centre.slug},
            from_date=date,
            days=1,
            now=now,
            basket_value=basket,
        )
        run.shoppers += 1
        run.versions[result.rule_version] += 1
        windows = [w for day in result.days for w in day.windows if w.available]
        utilities = [
            coefficients.window_utility(price=w.price.amount, hours=w.hours, green=GREEN in w.labels)
            for w in windows
        ]
        shares, _ = offer_choice_shares(utilities, no_purchase=coefficients.no_purchase)
        chosen, cumulative = None, 0.0
        for window, share in zip(windows, shares, strict=True):
            cumulative += share
            if draw < cumulative:
                chosen = window
                break
        if chosen is None:
            run.no_purchase += 1
            continue
        try:
            hold = hold_create(retailer=retailer, quote=chosen.quote, now=now, actor=ACTOR)
        except Conflict:
            run.refused += 1
            continue
        hold_confirm(
            retailer=retailer,
            booking_id=hold.id,
            external_ref=f"demo-shopper-{seed}-{number}-{hold.reference}",  # one order each, run after run
            idempotency_key=f"demo-shopper-{hold.id}",
            now=now,
            actor=ACTOR,
        )
        run.orders += 1
        run.revenue += chosen.price.amount
        run.km += chosen.marginal_km
        run.grams += chosen.co2e_grams
        run.free += any(line.code == FREE_DELIVERY for line in chosen.price.lines)
        run.widths[width_class(chosen.hours)] += 1
        run.labels.update(chosen.labels)
    return run
