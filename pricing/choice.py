"""How shoppers choose among offered windows: a multinomial logit with a no-purchase option.

The defaults are the ones issue 7's booking-season simulator uses (``lab.simulation.choice.ChoiceModel``
has the same values, with the sources and assumptions behind each); they are kept here, where the
what-if replay needs them, so that the two can share one definition. They are assumptions, not
estimates from this deployment's data: the replay reports the *difference* between two rule sets
under the same model, which is far less sensitive to them than the levels are.

Utility of an offered window ``j`` and of buying nothing::

    V_j = price_per_eur * price_j + width(hours_j) + green * [j labelled green]
    V_0 = no_purchase
    P(j) = exp(V_j) / (exp(V_0) + sum_k exp(V_k))

with ``width`` 0 for one hour or less, ``width_2h`` up to two hours, ``width_4h`` up to four and
``width_all_day`` beyond.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ChoiceCoefficients:
    """Utility per unit: ``price_per_eur`` per EUR of price; the others are constants."""

    price_per_eur: float = -0.6
    width_2h: float = -0.3
    width_4h: float = -0.8
    width_all_day: float = -1.4
    green: float = 0.4
    no_purchase: float = -1.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not math.isfinite(value):
                raise ValueError(f"Expected {name} to be finite.")

    def width(self, hours: Decimal | float) -> float:
        hours = float(hours)
        if hours <= 1:
            return 0.0
        if hours <= 2:
            return self.width_2h
        if hours <= 4:
            return self.width_4h
        return self.width_all_day

    def utility(self, *, price: Decimal, hours: Decimal | float, green: bool) -> float:
        return self.price_per_eur * float(price) + self.width(hours) + (self.green if green else 0.0)


DEFAULT_COEFFICIENTS = ChoiceCoefficients()


def choice_probabilities(utilities: Sequence[float], *, no_purchase: float) -> tuple[list[float], float]:
    """Logit probabilities of each alternative and of buying nothing (they sum to 1)."""
    values = [*utilities, no_purchase]
    top = max(values)
    weights = [math.exp(v - top) for v in values]
    total = sum(weights)
    shares = [w / total for w in weights]
    return shares[:-1], shares[-1]


def width_class(hours: Decimal | float) -> str:
    """The width bucket a window falls in, as the replay and the dashboards report it."""
    hours = float(hours)
    if hours <= 1:
        return "1 h"
    if hours <= 2:
        return "2 h"
    if hours <= 4:
        return "4 h"
    return "all day"


WIDTH_CLASSES = ("1 h", "2 h", "4 h", "all day")
