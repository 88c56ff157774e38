"""The windows of an offer as its ``Offer`` row keeps them (``Offer.windows``).

One JSON record per window, read back by the hold path (a quote names a window by its position
here: the window, cutoff, price, grams, breakdown and labels it is held at), the what-if replay (``pricing.windows.WindowCost.from_record``) and the dashboards.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pricing.calculation import CARBON, DISPLACEMENT

from .offer_windows import DayOffer, EvaluatedDay, WindowOffer


def window_record(w: WindowOffer, basket_value: Decimal | None = None) -> dict:
    """The window as kept on the offer, for replay and analytics (``pricing.windows.WindowCost``)."""
    return _record(
        w,
        date=w.date.isoformat(),
        start=w.start.isoformat(),
        end=w.end.isoformat(),
        cutoff=w.cutoff.isoformat(),
        breakdown=w.price.breakdown() if w.price else [],
        basket=str(basket_value) if basket_value is not None else None,
    )


def offer_window_records(
    *, days: Sequence[DayOffer], evaluated: Sequence[EvaluatedDay], basket_value: Decimal | None
) -> list[dict]:
    """``window_record`` of every window of an offer (``days``, as ``evaluated``), built with less work.

    The texts of each window's start and end come from its ``DayWindow``, and the windows of the
    offer with the same price share one breakdown list (the lines are the same): an offer has
    160+ windows and a few dozen distinct prices.
    """
    basket = str(basket_value) if basket_value is not None else None
    breakdowns: dict[int, list[dict[str, str]]] = {}  # id of a WindowPrice of this offer -> lines
    records = []
    for day, evaluated_day in zip(days, evaluated, strict=True):
        date = day.date.isoformat()
        for w, slot in zip(day.windows, evaluated_day.day_windows.windows, strict=True):
            breakdown: list[dict[str, str]] = []
            if w.price is not None:
                shared = breakdowns.get(id(w.price))
                if shared is None:
                    shared = breakdowns[id(w.price)] = w.price.breakdown()
                breakdown = shared
            records.append(
                _record(
                    w,
                    date=date,
                    start=slot.start_text,
                    end=slot.end_text,
                    cutoff=slot.cutoff_text,
                    breakdown=breakdown,
                    basket=basket,
                )
            )
    return records


def _record(
    w: WindowOffer,
    *,
    date: str,
    start: str,
    end: str,
    cutoff: str,
    breakdown: list[dict[str, str]],
    basket: str | None,
) -> dict:
    record = {
        "date": date,
        "start": start,
        "end": end,
        "cutoff": cutoff,
        "available": w.available,
        "reason": w.reason,
        "price": str(w.price.amount) if w.price else None,
        "breakdown": breakdown,
        "co2e_grams": w.co2e_grams,
        "marginal_km": str(w.marginal_km) if w.marginal_km is not None else None,
        "marginal_cost": str(w.marginal_cost) if w.marginal_cost is not None else None,
        "labels": list(w.labels),
        "nearby_m": list(w.nearby_metres),
        "basket_value": basket,
    }
    if w.expected_cost is not None:
        record["costs"] = window_costs_record(w)
    return record


def window_costs_record(w: WindowOffer) -> dict[str, str]:
    """The three costs of a window priced by three costs, as strings: ``expected`` (the expected
    final marginal cost), ``displacement`` and ``carbon`` (money, as charged in the breakdown) and
    ``displaced_orders`` (terms-free, so a replay can value it under other rules), and ``myopic``
    (the insertion's myopic marginal cost, which a hold carries to its booking)."""
    lines = {line.code: line.amount for line in w.price.lines} if w.price else {}
    record = {
        "expected": str(w.expected_cost),
        "displacement": str(lines.get(DISPLACEMENT, "0.00")),
        "carbon": str(lines.get(CARBON, "0.00")),
        "displaced_orders": str(w.displaced_orders),
    }
    if w.myopic_cost is not None:
        record["myopic"] = str(w.myopic_cost)
    return record
