"""Shoppers who choose by a known logit, as pure choice sets or as Offer and Booking rows."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import numpy as np

from booking.models import Booking, BookingStatus, Offer
from fleet.services import depot_day_get_or_create
from pricing.calculation import GREEN, RuleTerms
from pricing.choice import ChoiceModel
from pricing.choice_fit import ChoiceSet, ShownWindow
from pricing.windows import WindowCost, price_windows

TRUE = ChoiceModel(
    price_per_eur=-0.45,
    width_2h=-0.25,
    width_4h=-0.7,
    width_all_day=-1.2,
    per_day_later=-0.3,
    green=0.5,
    no_purchase=-2.0,
)
DAY = dt.date(2026, 3, 2)
HOURS = (1, 2, 4, 10)


def draw_choice(rng: np.random.Generator, utility: list[float], no_purchase: float) -> int | None:
    """The index picked by a flat logit over ``utility`` and buying nothing (None)."""
    values = np.array([*utility, no_purchase])
    p = np.exp(values - values.max())
    pick = int(rng.choice(len(values), p=p / p.sum()))
    return None if pick == len(utility) else pick


def simulated_sets(model: ChoiceModel, *, offers: int, seed: int) -> list[ChoiceSet]:
    """Offers of 1-3 days x 3-7 random windows, each choice drawn from ``model``'s flat logit."""
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(offers):
        windows = []
        for day in range(int(rng.integers(1, 4))):
            for _ in range(int(rng.integers(3, 8))):
                windows.append(
                    ShownWindow(
                        day=DAY + dt.timedelta(days=day),
                        price=Decimal(str(round(float(rng.uniform(1, 10)), 1))),
                        hours=Decimal(int(rng.choice(HOURS))),
                        green=bool(rng.random() < 0.3),
                    )
                )
        utility = [
            model.window_utility(price=w.price, hours=w.hours, green=w.green)
            + model.per_day_later * (w.day - DAY).days
            for w in windows
        ]
        sets.append(ChoiceSet(windows=tuple(windows), chosen=draw_choice(rng, utility, model.no_purchase)))
    return sets


def record_simulated_offers(
    world, *, model: ChoiceModel, offers: int, seed: int, now: dt.datetime, date: dt.date
) -> int:
    """Write ``offers`` Offer rows for ``world`` on ``date``, priced by its published rules from random
    costs, and a confirmed Booking for each shopper who buys by ``model``. Returns the bookings."""
    rng = np.random.default_rng(seed)
    terms = RuleTerms.from_rule_set(world.rules)
    depot_day = depot_day_get_or_create(depot=world.depot, date=date)
    offer_rows, booking_rows = [], []
    for number in range(offers):
        costs = []
        for k in range(int(rng.integers(3, 8))):
            start = world.local(date, 7) + dt.timedelta(minutes=k)  # distinct starts within an offer
            km = Decimal(str(round(float(rng.uniform(0, 6)), 3)))
            costs.append(
                WindowCost(
                    day=date,
                    start=start,
                    end=start + dt.timedelta(hours=int(rng.choice(HOURS))),
                    available=True,
                    marginal_cost=(km * Decimal("1.5")).quantize(Decimal("0.01")),
                    marginal_km=km,
                    grams=int(km * 240),
                )
            )
        priced = price_windows(terms=terms, windows=costs, basket_value=None)
        utility = [
            model.window_utility(price=p.price.amount, hours=w.hours, green=GREEN in p.labels)
            for w, p in zip(costs, priced, strict=True)
        ]
        chosen = draw_choice(rng, utility, model.no_purchase)
        created = now - dt.timedelta(minutes=offers - number)
        offer = Offer(
            id=uuid.uuid4(),
            retailer=world.retailer,
            depot=world.depot,
            rule_set=world.rules,
            lat=52.11,
            lon=5.11,
            size_units=1,
            service_seconds=120,
            windows=[
                {
                    "date": date.isoformat(),
                    "start": w.start.isoformat(),
                    "end": w.end.isoformat(),
                    "available": True,
                    "reason": "",
                    "price": str(p.price.amount),
                    "co2e_grams": w.grams,
                    "marginal_km": str(w.marginal_km),
                    "marginal_cost": str(w.marginal_cost),
                    "labels": list(p.labels),
                    "nearby_m": [],
                    "basket_value": None,
                }
                for w, p in zip(costs, priced, strict=True)
            ],
            created_at=created,
            expires_at=created + dt.timedelta(minutes=10),
        )
        offer_rows.append(offer)
        if chosen is not None:
            window, price = costs[chosen], priced[chosen]
            booking_rows.append(
                Booking(
                    retailer=world.retailer,
                    offer=offer,
                    depot_day=depot_day,
                    status=BookingStatus.CONFIRMED,
                    window_start=window.start,
                    window_end=window.end,
                    lat=52.11,
                    lon=5.11,
                    size_units=1,
                    service_seconds=120,
                    price_amount=price.price.amount,
                    currency="EUR",
                    co2e_grams=window.grams,
                    labels=list(price.labels),
                    rule_version=world.rules.version,
                    hold_expires_at=created + dt.timedelta(minutes=10),
                    created_at=created,
                    confirmed_at=created,
                )
            )
    Offer.objects.bulk_create(offer_rows)
    Booking.objects.bulk_create(booking_rows)
    return len(booking_rows)
