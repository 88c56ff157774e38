"""The labels of an offer's windows: green, wide, consolidated, best value.

Labels are relative to the other windows of the same offer (green against the lowest grams, best
value against the day's cheapest), so they are computed over the whole offer at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .calculation import (
    BEST_VALUE,
    CONSOLIDATED,
    GREEN,
    LABEL_ORDER,
    WIDE,
    WIDE_WINDOW_HOURS,
    RuleTerms,
    _require_decimal,
)

# Each label as staff read it (the admin preview, the dashboards).
STAFF_NAMES = {GREEN: "Green", WIDE: "Wide", CONSOLIDATED: "Near other deliveries", BEST_VALUE: "Best value"}


def label_name(code: str) -> str:
    """A window label as staff read it."""
    return STAFF_NAMES.get(code, code.replace("_", " ").capitalize())


@dataclass(frozen=True)
class LabelInput:
    """What labelling needs to know about one window of an offer.

    ``grams`` is the marginal CO2e of the delivery in grams; ``day_key`` groups the windows of one
    delivery day (any hashable, typically the local date).
    """

    available: bool
    price: Decimal
    grams: int
    window_hours: Decimal
    consolidates: bool
    day_key: Hashable


def offer_labels(*, terms: RuleTerms, windows: Sequence[LabelInput]) -> list[tuple[str, ...]]:
    """Labels of each window of one offer, in the input order; unavailable windows get none.

    A window is ``green`` when its grams are at most ``green_max_grams`` or at most
    ``green_relative`` above the lowest grams among the available windows; ``wide`` when it is at
    least four hours wide; ``consolidated`` when it joins nearby stops; ``best_value`` when it is
    (one of) the cheapest available windows of its day. Labels come in ``LABEL_ORDER``.
    """
    return window_labels(
        terms=terms,
        available=[window.available for window in windows],
        prices=[window.price for window in windows],
        grams=[window.grams for window in windows],
        hours=[window.window_hours for window in windows],
        consolidates=[window.consolidates for window in windows],
        day_keys=[window.day_key for window in windows],
    )


def window_labels(
    *,
    terms: RuleTerms,
    available: Sequence[bool],
    prices: Sequence[Decimal],
    grams: Sequence[int],
    hours: Sequence[Decimal],
    consolidates: Sequence[bool],
    day_keys: Sequence[Hashable],
) -> list[tuple[str, ...]]:
    """``offer_labels`` of windows given as one sequence per ``LabelInput`` field (all of one
    length, window k at index k), which ``pricing.windows.price_windows`` has at hand."""
    count = len(available)
    on_sale = [k for k in range(count) if available[k]]
    if not on_sale:
        return [() for _ in range(count)]
    for k in on_sale:
        _require_decimal("price", prices[k])
        _require_decimal("window_hours", hours[k])
    lowest_grams = min(grams[k] for k in on_sale)
    relative_limit = Decimal(lowest_grams) * (1 + terms.green_relative)
    greenest = (
        greenest_windows(available=available, grams=grams, day_keys=day_keys, share_max=terms.green_share_max)
        if terms.green_share_max is not None
        else None
    )
    cheapest_by_day: dict[Hashable, Decimal] = {}
    for k in on_sale:
        cheapest = cheapest_by_day.get(day_keys[k])
        if cheapest is None or prices[k] < cheapest:
            cheapest_by_day[day_keys[k]] = prices[k]

    labels: list[tuple[str, ...]] = []
    for k in range(count):
        if not available[k]:
            labels.append(())
            continue
        green = (
            greenest[k]
            if greenest is not None
            else grams[k] <= terms.green_max_grams or grams[k] <= relative_limit  # int vs Decimal: exact
        )
        earned = (
            green,
            hours[k] >= WIDE_WINDOW_HOURS,
            bool(consolidates[k]),
            prices[k] == cheapest_by_day[day_keys[k]],
        )
        labels.append(_LABELS_EARNED[earned])
    return labels


def greenest_windows(
    *,
    available: Sequence[bool],
    grams: Sequence[int],
    day_keys: Sequence[Hashable],
    share_max: Decimal,
) -> list[bool]:
    """Which windows earn the green label when it must stay meaningful.

    Per delivery day, the windows on sale ranked by marginal grams: the greenest ones, at most
    ``share_max`` of the day's windows on sale (rounded down), and only those strictly below the
    day's median grams, i.e. clearly greener than the shopper's typical alternative that day. Ties at
    the limit are all left out, so equal windows are treated alike and the share is never exceeded.
    The label's basis is each window's own grams (shown beside it).
    """
    _require_decimal("share_max", share_max)
    by_day: dict[Hashable, list[int]] = {}
    for k, on in enumerate(available):
        if on:
            by_day.setdefault(day_keys[k], []).append(k)
    green = [False] * len(available)
    for members in by_day.values():
        ranked = sorted(members, key=lambda k: grams[k])
        limit = int(share_max * len(ranked))
        if limit == 0:
            continue
        values = sorted(grams[k] for k in ranked)
        middle = len(values) // 2
        median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
        beyond = grams[ranked[limit]] if limit < len(ranked) else None
        for k in ranked[:limit]:
            if grams[k] < median and (beyond is None or grams[k] < beyond):
                green[k] = True
    return green


# The labels (in ``LABEL_ORDER``) for each combination of (green, wide, consolidated, best value)
# earned: offers label 160+ windows, and a lookup is cheaper than building each tuple.
_LABELS_EARNED = {
    earned: tuple(label for label, on in zip(LABEL_ORDER, earned, strict=True) if on)
    for earned in itertools.product((False, True), repeat=len(LABEL_ORDER))
}
