"""The choice model fitted from the product's own records: pure, no Django.

Every offer a shopper saw is one choice set: the windows on sale as shown (price, width, day,
green label) and buying nothing; the chosen alternative is the window booked from that offer, else
no purchase. A conditional logit (``statsmodels``' ``ConditionalLogit``, the offers as groups) fits
the utility of ``pricing.choice.ChoiceModel`` in the form the records support::

    V_j = price_per_eur * price_j + width_2h/4h/all_day [dummies, 1 h = 0]
        + per_day_later * (day_j - the offer's earliest day on sale) + green * [labelled]
    V_0 = no_purchase (a constant of the no-purchase alternative)

With one chosen alternative per group the conditional likelihood is the multinomial-logit one, so
``no_purchase`` and the rest are on ``ChoiceModel``'s scale (``noise_scale`` 1).

What the records cannot say stays at the prior (``DEFAULT_CHOICE_MODEL``): ``period_fit`` (no
preferred period is recorded), and any coefficient whose column never varies within an offer (a
demo that offers one day at a time cannot tell ``per_day_later``; records where every shopper buys
cannot tell ``no_purchase``). The fitted model is a flat logit with a constant label pull, so its
``nest_scale`` is 1, its ``label_fade`` 0, and ``green_eco`` equals ``green`` (no shopper types).

The fit is used (by the replay and the logit markup) only with ``enough_data``: at least
``MIN_OFFERS`` offers, ``MIN_BOOKINGS`` bookings and ``MIN_NO_PURCHASES`` offers left without one,
a converged optimiser with finite standard errors, and a price coefficient below zero with
``z <= -Z_PRICE`` (a shopper model that does not dislike price would make the markup unbounded).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .choice import DEFAULT_CHOICE_MODEL, ChoiceModel

MIN_OFFERS = 200
MIN_BOOKINGS = 50
MIN_NO_PURCHASES = 20
Z_PRICE = 1.96
GRADIENT_TOLERANCE = 1e-4  # largest |d log-likelihood / d coefficient| per offer at a converged fit

# Columns of the design matrix, named as the ``ChoiceModel`` coefficient they estimate.
FITTED = ("price_per_eur", "width_2h", "width_4h", "width_all_day", "per_day_later", "green", "no_purchase")
WIDTH_COLUMNS = {"2 h": "width_2h", "4 h": "width_4h", "all day": "width_all_day"}


@dataclass(frozen=True)
class ShownWindow:
    """One window on sale as the shopper saw it: ``price`` in currency units, ``hours`` wide."""

    day: dt.date
    price: Decimal
    hours: Decimal
    green: bool


@dataclass(frozen=True)
class ChoiceSet:
    """One offer a shopper saw: its windows on sale and the index of the one booked (None: no purchase)."""

    windows: tuple[ShownWindow, ...]
    chosen: int | None

    def __post_init__(self) -> None:
        if not self.windows:
            raise ValueError("Expected at least one window on sale.")
        if self.chosen is not None and not 0 <= self.chosen < len(self.windows):
            raise ValueError("Expected chosen to index a window of the set.")


@dataclass(frozen=True)
class ChoiceData:
    """The choice sets as the estimator's arrays: one row per alternative, ``columns`` in ``FITTED``
    order; ``groups`` numbers the offers, ``chosen`` is 1 on the alternative taken."""

    groups: np.ndarray  # int64 [rows]
    columns: np.ndarray  # float64 [rows, len(FITTED)]
    chosen: np.ndarray  # int64 [rows]
    offers: int
    bookings: int


def _width_column(hours: Decimal) -> str | None:
    hours_ = float(hours)
    if hours_ <= 1:
        return None
    if hours_ <= 2:
        return "width_2h"
    if hours_ <= 4:
        return "width_4h"
    return "width_all_day"


def choice_data(sets: Sequence[ChoiceSet]) -> ChoiceData:
    """Stack ``sets`` into the estimator's arrays (each set's windows, then its no-purchase row)."""
    index = {name: k for k, name in enumerate(FITTED)}
    rows = sum(len(s.windows) + 1 for s in sets)
    columns = np.zeros((rows, len(FITTED)))
    groups = np.zeros(rows, dtype=np.int64)
    chosen = np.zeros(rows, dtype=np.int64)
    row = bookings = 0
    for group, choice_set in enumerate(sets):
        first_day = min(w.day for w in choice_set.windows)
        for k, window in enumerate(choice_set.windows):
            columns[row, index["price_per_eur"]] = float(window.price)
            width = _width_column(window.hours)
            if width is not None:
                columns[row, index[width]] = 1.0
            columns[row, index["per_day_later"]] = (window.day - first_day).days
            columns[row, index["green"]] = 1.0 if window.green else 0.0
            groups[row] = group
            chosen[row] = 1 if choice_set.chosen == k else 0
            row += 1
        columns[row, index["no_purchase"]] = 1.0
        groups[row] = group
        chosen[row] = 1 if choice_set.chosen is None else 0
        bookings += choice_set.chosen is not None
        row += 1
    return ChoiceData(groups=groups, columns=columns, chosen=chosen, offers=len(sets), bookings=bookings)


@dataclass(frozen=True)
class ChoiceFit:
    """A conditional-logit fit and whether it is good enough to replace the prior.

    ``coefficients`` and ``standard_errors`` hold the estimated ``ChoiceModel`` coefficients only
    (utility units, money per currency unit); ``not_identified`` names those the records could not
    tell, which keep the prior's value in ``model``. ``reasons`` say why ``enough_data`` is False.
    """

    offers: int
    bookings: int
    coefficients: dict[str, float]
    standard_errors: dict[str, float]
    not_identified: tuple[str, ...]
    converged: bool
    log_likelihood: float | None
    enough_data: bool
    reasons: tuple[str, ...]
    model: ChoiceModel

    @property
    def no_purchases(self) -> int:
        return self.offers - self.bookings

    def z(self, name: str) -> float | None:
        se = self.standard_errors.get(name)
        if name not in self.coefficients or not se or not math.isfinite(se):
            return None
        return self.coefficients[name] / se

    def as_dict(self) -> dict:
        return {
            "offers": self.offers,
            "bookings": self.bookings,
            "no_purchases": self.no_purchases,
            "converged": self.converged,
            "log_likelihood": self.log_likelihood,
            "enough_data": self.enough_data,
            "reasons": list(self.reasons),
            "coefficients": self.coefficients,
            "standard_errors": self.standard_errors,
            "not_identified": list(self.not_identified),
        }


def identified_columns(data: ChoiceData) -> list[str]:
    """The ``FITTED`` columns the data can tell: one that varies within at least one offer, and,
    for the no-purchase constant, offers ending both ways."""
    names = []
    for k, name in enumerate(FITTED):
        if name == "no_purchase":
            if 0 < data.bookings < data.offers:
                names.append(name)
            continue
        column = data.columns[:, k]
        low = np.full(data.offers, np.inf)
        high = np.full(data.offers, -np.inf)
        np.minimum.at(low, data.groups, column)
        np.maximum.at(high, data.groups, column)
        if np.any(high > low):
            names.append(name)
    return names


def fit_choice_model(
    sets: Sequence[ChoiceSet], *, prior: ChoiceModel = DEFAULT_CHOICE_MODEL, maxiter: int = 100
) -> ChoiceFit:
    """Fit the conditional logit to ``sets`` (see the module docstring); never raises on thin data,
    it reports it in ``reasons`` and returns the prior as ``model``."""
    data = choice_data(sets)
    names = identified_columns(data) if data.offers >= 2 else []
    coefficients: dict[str, float] = {}
    standard_errors: dict[str, float] = {}
    converged, log_likelihood = False, None
    reasons = []
    if data.offers < MIN_OFFERS:
        reasons.append(f"{data.offers} offers, fewer than {MIN_OFFERS}")
    if data.bookings < MIN_BOOKINGS:
        reasons.append(f"{data.bookings} bookings, fewer than {MIN_BOOKINGS}")
    if data.offers - data.bookings < MIN_NO_PURCHASES:
        reasons.append(
            f"{data.offers - data.bookings} offers without a booking, fewer than {MIN_NO_PURCHASES}"
        )
    if "price_per_eur" in names and data.bookings > 0:
        params, errors, converged, log_likelihood = _conditional_logit(data, names, maxiter=maxiter)
        coefficients = {name: float(v) for name, v in zip(names, params, strict=True)}
        standard_errors = {name: float(v) for name, v in zip(names, errors, strict=True)}
        if not converged:
            reasons.append("the optimiser did not converge")
        if not all(math.isfinite(v) for v in standard_errors.values()):
            reasons.append("some standard errors are not finite (collinear columns)")
        beta, se = coefficients["price_per_eur"], standard_errors["price_per_eur"]
        if not (beta < 0 and math.isfinite(se) and se > 0 and beta / se <= -Z_PRICE):
            reasons.append(f"the price coefficient {beta:+.3f} (SE {se:.3f}) is not negative and significant")
    else:
        reasons.append("no booking, or prices that never differ within an offer: nothing to fit")
    not_identified = tuple(name for name in FITTED if name not in coefficients)
    model = prior
    if not reasons:
        model = fitted_model(coefficients, prior=prior)
    return ChoiceFit(
        offers=data.offers,
        bookings=data.bookings,
        coefficients=coefficients,
        standard_errors=standard_errors,
        not_identified=not_identified,
        converged=converged,
        log_likelihood=log_likelihood,
        enough_data=not reasons,
        reasons=tuple(reasons),
        model=model,
    )


def fitted_model(coefficients: dict[str, float], *, prior: ChoiceModel = DEFAULT_CHOICE_MODEL) -> ChoiceModel:
    """The ``ChoiceModel`` of a fit: the estimated coefficients over the prior, in the fitted form
    (flat logit: ``nest_scale`` 1; constant label pull: ``label_fade`` 0, ``green_eco`` = ``green``)."""
    values = {name: value for name, value in coefficients.items() if name in FITTED}
    green = values.get("green", prior.green)
    return dataclasses.replace(prior, **values, green_eco=green, nest_scale=1.0, label_fade=0.0)


def _conditional_logit(
    data: ChoiceData, names: list[str], *, maxiter: int
) -> tuple[np.ndarray, np.ndarray, bool, float]:
    from statsmodels.discrete.conditional_models import ConditionalLogit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    exog = data.columns[:, [FITTED.index(name) for name in names]]
    model = ConditionalLogit(data.chosen, exog, groups=data.groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", HessianInversionWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        # Newton: the log-likelihood is concave and the score analytic; BFGS stops short of a flat score.
        result = model.fit(method="newton", maxiter=maxiter, disp=False)
    params = np.asarray(result.params, dtype=np.float64)
    # ConditionalResults keeps no optimiser report: converged means the score (the gradient of the
    # log-likelihood, per offer) is flat at the estimate.
    gradient = np.asarray(model.score(params), dtype=np.float64) / data.offers
    converged = bool(np.all(np.isfinite(gradient)) and np.max(np.abs(gradient)) < GRADIENT_TOLERANCE)
    errors = np.asarray(result.bse, dtype=np.float64)
    return params, errors, converged, float(result.llf)
