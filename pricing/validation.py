"""What makes a rule version fit to publish: checks on terms that are valid one by one but do not
make sense together. Pure; the publish service refuses a version with any problem."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from .calculation import RuleTerms, weekdays_text


def _on_step(amount: Decimal, step: Decimal) -> bool:
    return amount % step == 0


def terms_problems(terms: RuleTerms) -> list[str]:
    """Human-readable problems with ``terms``; empty when they can be published.

    - the cap and the floor must be multiples of the rounding step, or prices at the cap (floor)
      round down (up) to the step inside the bounds: a 9.99 cap with a 0.10 step sells 9.90;
    - peak periods running on a common weekday must not overlap, or a window in both would pay
      two surcharges for one peak.
    """
    problems = []
    step = terms.rounding_step
    if not _on_step(terms.cap, step):
        down = (terms.cap / step).quantize(Decimal(1), rounding=ROUND_FLOOR) * step
        up = (terms.cap / step).quantize(Decimal(1), rounding=ROUND_CEILING) * step
        problems.append(
            f"The cap {terms.cap} is not a multiple of the rounding step {step}: capped prices would be "
            f"{down}. Use a cap of {down} or {up}."
        )
    if not _on_step(terms.floor, step):
        up = (terms.floor / step).quantize(Decimal(1), rounding=ROUND_CEILING) * step
        problems.append(
            f"The floor {terms.floor} is not a multiple of the rounding step {step}: floored prices would "
            f"be {up}. Use a floor of {up}."
        )
    periods = terms.peak_periods
    for i, first in enumerate(periods):
        for second in periods[i + 1 :]:
            shared = (
                set(first.weekdays or range(1, 8)) & set(second.weekdays or range(1, 8))
                if first.weekdays or second.weekdays
                else set(range(1, 8))
            )
            if shared and first.overlap_minutes(second.start, second.end):
                problems.append(
                    f"Peak periods {first.describe()} and {second.describe()} overlap on "
                    f"{weekdays_text(sorted(shared))}."
                )
    return problems
