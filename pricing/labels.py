"""The labels of an offer's windows: green, wide, consolidated, best value.

Labels are relative to the other windows of the same offer (green against the lowest grams, best
value against the day's cheapest), so they are computed over the whole offer at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .calculation import LABEL_ORDER, WIDE_WINDOW_HOURS, RuleTerms, _require_decimal


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
        earned = (
            grams[k] <= terms.green_max_grams or grams[k] <= relative_limit,  # int vs Decimal: exact
            hours[k] >= WIDE_WINDOW_HOURS,
            bool(consolidates[k]),
            prices[k] == cheapest_by_day[day_keys[k]],
        )
        labels.append(_LABELS_EARNED[earned])
    return labels


# The labels (in ``LABEL_ORDER``) for each combination of (green, wide, consolidated, best value)
# earned: offers label 160+ windows, and a lookup is cheaper than building each tuple.
_LABELS_EARNED = {
    earned: tuple(label for label, on in zip(LABEL_ORDER, earned, strict=True) if on)
    for earned in itertools.product((False, True), repeat=len(LABEL_ORDER))
}
