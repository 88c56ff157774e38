"""How shoppers choose among offered windows: the one choice model of Greenslot (pure, no Django).

Used by the booking-season simulator (``simulation``), the what-if replay (``pricing.replay``), the
demo shoppers (``dashboards.demo``) and the logit markup (``pricing.cost_prices``).

Utility of window ``j`` (day ``d`` >= the shopper's preferred day, width ``h``) and of buying nothing::

    V_j = price_per_eur * price_j                      (EUR, the price shown)
        + width(h_j)                                   (0 for 1 h; width_2h, width_4h, width_all_day)
        + per_day_later * (d - preferred day)
        + period_fit * share of the window inside the shopper's preferred period
        + pull * [j labelled green],  pull = (green_eco if eco-minded else green) * fade
    V_0 = no_purchase

``fade = max(0, 1 - label_fade * s)`` with ``s`` the share of the offer's windows carrying the label:
a label on every window tells the shopper nothing (an ASSUMPTION on salience; ``label_fade = 0``
turns it off).

Windows of one day are close substitutes (a 10-11 window, a 10-12 and an all-day window overlap),
so the simulator nests them by day (nested logit, ``nest_scale`` = lambda in (0, 1]): with lambda 1
it is the plain multinomial logit, whose independence of irrelevant alternatives makes a shopper
who sees more overlapping windows buy more often; with lambda < 1 adding a window to a day already
offered adds little. The replay and the demo shoppers use the flat logit over one offer
(``offer_choice_shares``), the form the product's records can support.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .widths import width_index, width_indices

COEFFICIENTS = (
    "price_per_eur",
    "width_2h",
    "width_4h",
    "width_all_day",
    "per_day_later",
    "period_fit",
    "green",
    "green_eco",
    "no_purchase",
    "noise_scale",
    "nest_scale",
    "label_fade",
)


@dataclass(frozen=True)
class ChoiceModel:
    """Choice-model coefficients (utility units; money in EUR).

    Sources and assumptions, coefficient by coefficient:

    - Model form. Yang, Strauss, Currie and Eglese (2016), "Choice-based demand management and
      vehicle routing in e-fulfillment", Transportation Science 50(2): a multinomial logit of slot
      choice estimated on a genuine e-grocer's booking data, with a no-purchase option. Their
      coefficients are not reused; the values below are ours.
    - ``price_per_eur = -0.6``: an ASSUMPTION (the simulator's first default); the 4 h anchor below prices at
      EUR 1.33 with it.
    - ``width_4h = -0.8``: Tesco's flat fees from 3 August 2020, GBP 4.50 for every one-hour slot
      and GBP 3.00 for the four-hour "flexi saver" (MoneySavingExpert, Aug 2020): a gap of about
      EUR 1.65. An anchor (a retailer's price gap), not an estimate.
    - ``width_2h = -0.3``, ``width_all_day = -1.4``: Amorim, DeHoratius, Eng-Larsson and Martins,
      "Customer preferences for delivery service attributes in attended home delivery" (SSRN
      3592597): precision (slot length) drives slot choice. Direction sourced; magnitudes
      ASSUMPTIONS interpolated/extrapolated from the 4 h anchor.
    - ``per_day_later = -0.35`` per day after the preferred day: an ASSUMPTION (Amorim et al. find
      speed valued, which supports the sign).
    - ``period_fit = +1.0`` x the share of the window inside the preferred period: an ASSUMPTION.
    - ``green = +0.4``, ``green_eco = +1.0`` (instead of, not on top of, ``green``): Agatz, Fan and
      Stam (2021), "The impact of green labels on time slot choice and operational sustainability",
      POM, doi:10.1111/poms.13368: labels steer choice, more for eco-conscious people. Magnitudes
      ASSUMPTIONS.
    - ``label_fade = 1.0``: the pull is multiplied by ``1 - label_fade x`` the labelled share of the
      offer: an ASSUMPTION (a label that is everywhere distinguishes nothing).
    - ``no_purchase = -1.0``: sets how many shoppers buy at all; the simulator calibrates it to a
      stated conversion rate (``simulation.demand``) rather than assuming it.
    - ``noise_scale = 1``: the usual normalisation of the logit (standard Gumbel errors).
    - ``nest_scale = 0.5``: the nested logit's lambda for the windows of one day: an ASSUMPTION
      (0.5 = strongly correlated alternatives; 1 = plain logit).
    """

    price_per_eur: float = -0.6
    width_2h: float = -0.3
    width_4h: float = -0.8
    width_all_day: float = -1.4
    per_day_later: float = -0.35
    period_fit: float = 1.0
    green: float = 0.4
    green_eco: float = 1.0
    no_purchase: float = -1.0
    noise_scale: float = 1.0
    nest_scale: float = 0.5
    label_fade: float = 1.0

    def __post_init__(self) -> None:
        for name in COEFFICIENTS:
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"Expected {name} to be finite.")
        if not self.noise_scale > 0:
            raise ValueError("Expected noise_scale > 0.")
        if not 0 < self.nest_scale <= 1:
            raise ValueError("Expected 0 < nest_scale <= 1.")
        if self.label_fade < 0:
            raise ValueError("Expected label_fade >= 0.")

    def scaled(self, name: str, factor: float) -> ChoiceModel:
        """The same model with one coefficient multiplied by ``factor`` (sensitivity grids);
        ``nest_scale`` is capped at 1."""
        if name not in COEFFICIENTS:
            raise ValueError(f"Unknown coefficient {name!r}; expected one of {', '.join(COEFFICIENTS)}.")
        value = getattr(self, name) * factor
        if name == "nest_scale":
            value = min(1.0, value)
        return dataclasses.replace(self, **{name: value})

    # -- one window at a time (replay, demo shoppers) ------------------------------------------

    @property
    def width_terms(self) -> tuple[float, float, float, float]:
        """Utility of each class of ``pricing.widths.WIDTH_CLASSES`` relative to one hour."""
        return (0.0, self.width_2h, self.width_4h, self.width_all_day)

    def width(self, hours: Decimal | float) -> float:
        """Utility of a window's width relative to one hour."""
        return self.width_terms[width_index(hours)]

    def window_utility(self, *, price: Decimal, hours: Decimal | float, green: bool) -> float:
        """Utility of one offered window from its price, width and green label (no preferences)."""
        return self.price_per_eur * float(price) + self.width(hours) + (self.green if green else 0.0)

    # -- arrays (the simulator) ----------------------------------------------------------------

    def width_utility(self, hours: np.ndarray) -> np.ndarray:
        """``width`` of every element of a float array of hours."""
        return np.asarray(self.width_terms, dtype=np.float64)[width_indices(hours)]

    def label_pull(self, *, eco: bool, labelled_share: float) -> float:
        """Utility of the green label for this shopper when ``labelled_share`` of the offer has it."""
        base = self.green_eco if eco else self.green
        return base * max(0.0, 1.0 - self.label_fade * float(labelled_share))

    def utility(
        self,
        *,
        price: np.ndarray,
        hours: np.ndarray,
        days_late: np.ndarray,
        fit: np.ndarray,
        green: np.ndarray,
        eco: bool,
        labelled_share: float = 0.0,
    ) -> np.ndarray:
        """Systematic utility ``V`` of each window (broadcasting arrays of the same shape)."""
        return (
            self.price_per_eur * np.asarray(price, dtype=np.float64)
            + self.width_utility(hours)
            + self.per_day_later * np.asarray(days_late, dtype=np.float64)
            + self.period_fit * np.asarray(fit, dtype=np.float64)
            + self.label_pull(eco=eco, labelled_share=labelled_share) * np.asarray(green, dtype=np.float64)
        )


DEFAULT_CHOICE_MODEL = ChoiceModel()


def offer_choice_shares(utilities: Sequence[float], *, no_purchase: float) -> tuple[list[float], float]:
    """Flat-logit probabilities of each offered window and of buying nothing (they sum to 1)."""
    values = [*utilities, no_purchase]
    top = max(values)
    weights = [math.exp(v - top) for v in values]
    total = sum(weights)
    shares = [w / total for w in weights]
    return shares[:-1], shares[-1]


def _nest_values(model: ChoiceModel, utility: np.ndarray, available: np.ndarray) -> tuple[np.ndarray, float]:
    """Per day (row): lambda x the inclusive value, in noise-scaled units (-inf for a day with
    nothing on sale); and the no-purchase utility in the same units."""
    z = np.where(available, np.asarray(utility, dtype=np.float64), -np.inf) / model.noise_scale
    lam = model.nest_scale
    with np.errstate(invalid="ignore"):
        top = np.max(z, axis=1, keepdims=True, initial=-np.inf)
        safe = np.where(np.isfinite(top), top, 0.0)
        inner = np.exp((z - safe) / lam).sum(axis=1)
    with np.errstate(divide="ignore"):
        inclusive = np.where(inner > 0, safe[:, 0] / lam + np.log(inner), -np.inf)
    return lam * inclusive, model.no_purchase / model.noise_scale


def window_probabilities(model: ChoiceModel, utility: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Nested-logit probabilities (days x windows, flattened) and, last, of buying nothing.

    ``utility`` and ``available`` are [days, windows]; rows are the nests. Unavailable windows get 0.
    """
    utility = np.atleast_2d(np.asarray(utility, dtype=np.float64))
    available = np.atleast_2d(np.asarray(available, dtype=bool))
    nests, none = _nest_values(model, utility, available)
    values = np.append(nests, none)
    top = values.max()
    weights = np.exp(values - top)
    nest_share = weights / weights.sum()
    z = np.where(available, utility, -np.inf) / model.noise_scale / model.nest_scale
    out = np.zeros(utility.shape)
    for row in np.flatnonzero(nest_share[:-1] > 0):
        w = np.exp(z[row] - z[row].max())
        out[row] = nest_share[row] * w / w.sum()
    return np.append(out.ravel(), nest_share[-1])


def logsum(model: ChoiceModel, utility: np.ndarray, available: np.ndarray) -> float:
    """The shopper's expected maximum utility (utility units; divide by ``-price_per_eur`` for EUR)."""
    utility = np.atleast_2d(np.asarray(utility, dtype=np.float64))
    available = np.atleast_2d(np.asarray(available, dtype=bool))
    nests, none = _nest_values(model, utility, available)
    values = np.append(nests, none)
    top = values.max()
    return float(model.noise_scale * (top + np.log(np.exp(values - top).sum())))


def choose(
    model: ChoiceModel,
    utility: np.ndarray,
    available: np.ndarray,
    *,
    window_draws: np.ndarray,
    day_draws: np.ndarray,
    none_draw: float,
) -> int:
    """The flat index (day row x windows + window) the shopper takes, or -1 for no purchase.

    Nested logit by utility maximisation with the shopper's own fixed standard Gumbel draws (the
    same under every policy): the day with the largest ``lambda x inclusive value + day draw``
    against ``no purchase + its draw``, then within the day the largest ``V / lambda + window
    draw``. This draws exactly the nested-logit probabilities of ``window_probabilities``.
    """
    utility = np.atleast_2d(np.asarray(utility, dtype=np.float64))
    available = np.atleast_2d(np.asarray(available, dtype=bool))
    if not available.any():
        return -1
    nests, none = _nest_values(model, utility, available)
    nest_total = nests + np.asarray(day_draws, dtype=np.float64)[: nests.shape[0]]
    row = int(np.argmax(nest_total))
    if not nest_total[row] > none + none_draw:
        return -1
    z = np.where(available[row], utility[row] / model.noise_scale / model.nest_scale, -np.inf)
    k = int(np.argmax(z + np.asarray(window_draws, dtype=np.float64)[row]))
    return row * utility.shape[1] + k
