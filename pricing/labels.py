"""The labels of an offer's windows: green, wide, consolidated, best value, and the basis of each
environmental claim.

Labels are relative to the other windows of the same offer (green against the day's cleanest, best
value against the day's cheapest), so they are computed over the whole offer at once.

``green`` and ``consolidated`` are environmental claims. Since the EU's Directive 2024/825 a claim
must be specific and substantiated, so both are decided here, together: only the windows that are
clearly the cleanest of the shopper's alternatives that day carry one, never more than one shared
share of the day's windows (the rules' ``green_share_max``), and each comes with its basis (``ClaimBasis``:
its grams against the day's average window). ``consolidated`` ("van nearby") is the claim of such a
window whose delivery joins a van already nearby; the others say ``green`` ("low CO2e").
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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

# One name per label for everyone (shopper page, widget, admin, dashboards, docs); the shopper pages
# translate these very words (``booking.views.presentation.LABEL_TEXT``, kept equal by a test).
LABEL_NAMES = {
    GREEN: "Low CO₂e",
    WIDE: "Wide window",
    CONSOLIDATED: "Van nearby",
    BEST_VALUE: "Lowest price today",
}
# Each label explained in one line (the admin, docs/integration.md).
LABEL_MEANINGS = {
    GREEN: "Among the day's cleanest windows: its delivery adds clearly fewer grams CO2e than the day's average.",
    WIDE: "The window is four hours or wider.",
    CONSOLIDATED: "Among the day's cleanest windows because a van already delivers nearby at that time.",
    BEST_VALUE: "The cheapest window of its day.",
}
ENVIRONMENTAL_LABELS = frozenset({GREEN, CONSOLIDATED})


def label_name(code: str) -> str:
    """A window label by its one name."""
    return LABEL_NAMES.get(code, code.replace("_", " ").capitalize())


@dataclass(frozen=True)
class ClaimBasis:
    """What substantiates a window's environmental claim.

    ``code`` is the claim (``consolidated`` or ``green``); ``grams`` the CO2e the delivery adds (g);
    ``day_average_grams`` the mean grams of the same day's windows on sale in the same offer (the
    shopper's alternatives, g, rounded half up); ``percent_below`` how far ``grams`` lies below that
    mean, in whole percent rounded down (never overstated).
    """

    code: str
    grams: int
    day_average_grams: int
    percent_below: int


def claim_basis(*, labels: Sequence[str], grams: int, day_grams: Sequence[int]) -> ClaimBasis | None:
    """The claim of a window with ``labels`` and ``grams`` among its day's windows on sale
    (``day_grams``, the window's own included), or ``None`` when it carries none or is not at
    least 1 % below the day's average window."""
    code = CONSOLIDATED if CONSOLIDATED in labels else GREEN if GREEN in labels else None
    if code is None or not day_grams:
        return None
    average = Decimal(sum(day_grams)) / len(day_grams)
    below = int((average - grams) * 100 / average) if average > 0 else 0  # int() rounds toward zero
    if below < 1:
        # Rules without a share label by an absolute threshold, which can hold for a window that is
        # no cleaner than the day's average: there is nothing specific to claim.
        return None
    return ClaimBasis(
        code=code,
        grams=grams,
        day_average_grams=int(average.to_integral_value(rounding=ROUND_HALF_UP)),
        percent_below=below,
    )


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

    A window carries an environmental claim only when it is among the day's cleanest: under rules
    with a ``green_share_max`` (every rule set made since the retailer's objective exists), the
    ``greenest_windows`` within that share; under older rules, grams at most ``green_max_grams`` or
    at most ``green_relative`` above the offer's lowest. Such a window is ``green``, and also
    ``consolidated`` when it joins nearby stops: a window that consolidates but is not among the
    cleanest carries no claim (its price still has the consolidation discount). ``wide`` when it is at least four hours wide; ``best_value`` when it is
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
            green and bool(consolidates[k]),
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
    """Which windows may carry an environmental claim: the day's clearly cleanest.

    Per delivery day, the windows on sale ranked by marginal grams: the greenest ones, at most
    ``share_max`` of the day's windows on sale (rounded down), and only those strictly below both
    the day's median and mean grams, i.e. clearly cleaner than the shopper's typical alternative that
    day (so the basis "N % below this day's average window" is always a positive N). Ties at the
    limit are all left out, so equal windows are treated alike and the share is never exceeded.
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
        mean = sum(values) / len(values)
        beyond = grams[ranked[limit]] if limit < len(ranked) else None
        for k in ranked[:limit]:
            if grams[k] < median and grams[k] < mean and (beyond is None or grams[k] < beyond):
                green[k] = True
    return green


# The labels (in ``LABEL_ORDER``) for each combination of (green, wide, consolidated, best value)
# earned: offers label 160+ windows, and a lookup is cheaper than building each tuple.
_LABELS_EARNED = {
    earned: tuple(label for label, on in zip(LABEL_ORDER, earned, strict=True) if on)
    for earned in itertools.product((False, True), repeat=len(LABEL_ORDER))
}
