"""Displacement (opportunity) cost: what the capacity an order uses is worth to later shoppers.

A bid price per van-hour for each delivery date and hour band, newsvendor / EMSR style: a van-hour
sold now is worth ``value_per_van_hour`` times the probability that the demand still to come for
that band will need it:

    bid = value_per_van_hour * P(remaining demand >= remaining capacity)

with the remaining demand Poisson in orders (mean from a ``DemandForecast``) and the capacity in
orders (remaining van-hours x orders a van-hour carries). A day nobody will fill has a bid price
near 0; a band that will sell out has one near the full value. An order's displacement cost is the
bid price of the band(s) its window covers times the van-hours it uses.

Pure: no Django. Money is ``Decimal`` in currency units, to ``BID_STEP``; van-hours and orders are
floats; a forecast's bands are local wall-clock hours; ``BidPrices`` takes its bands and the windows
it is asked about in the same hours (the caller may convert both to real hours since the local
midnight, which differ on the days the clocks change); ``lead_days`` are days between now and the
delivery day.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

BID_STEP = Decimal("0.0001")

# Default hour bands: morning, afternoon, evening (local hours, [start, end)).
DEFAULT_BANDS: tuple[tuple[int, int], ...] = ((8, 12), (12, 17), (17, 21))
# The prior booking curve: share of a day's final orders booked 0, 1, ... 6 days ahead.
PRIOR_LEAD_SHARES: tuple[float, ...] = (0.15, 0.25, 0.20, 0.15, 0.10, 0.08, 0.07)
# Lost demand (``lost_demand_factors``): a band's bookings are scaled up by at most this factor, and
# its open share is shrunk towards "always open" with the weight of this many offers.
LOST_DEMAND_CAP = 2.0
LOST_DEMAND_PRIOR_OFFERS = 10


# math.log(k) for k = 0 (unused), 1, 2, ...: what ``poisson_at_least`` sums, looked up (an offer
# asks it of every band of every day, a few hundred terms each).
_LOG_K: tuple[float, ...] = (0.0, *(math.log(k) for k in range(1, 4096)))


def poisson_at_least(mean: float, count: float) -> float:
    """P(N >= count) for N ~ Poisson(``mean``); ``count`` is rounded up to a whole order."""
    if mean < 0:
        raise ValueError("Expected mean >= 0.")
    need = math.ceil(count - 1e-9)
    if need <= 0:
        return 1.0
    if mean == 0:
        return 0.0
    # P(N <= need - 1), summed in log space from k = 0 (need is a few hundred at most).
    log_term = -mean
    below = math.exp(log_term)
    # The same floats as math.log(mean) and math.log(k) in every term, taken once.
    log_mean = math.log(mean)
    logs = _LOG_K if need <= len(_LOG_K) else [math.log(k) if k else 0.0 for k in range(need)]
    for k in range(1, need):
        log_term += log_mean - logs[k]
        below += math.exp(log_term)
    return min(1.0, max(0.0, 1.0 - below))


def bid_price_per_van_hour(
    *,
    expected_remaining_orders: float,
    remaining_van_hours: float,
    orders_per_van_hour: float,
    value_per_van_hour: Decimal,
) -> Decimal:
    """The bid price of one van-hour of a band, currency units (see the module docstring)."""
    if remaining_van_hours < 0 or orders_per_van_hour <= 0:
        raise ValueError("Expected remaining_van_hours >= 0 and orders_per_van_hour > 0.")
    if not isinstance(value_per_van_hour, Decimal) or value_per_van_hour < 0:
        raise ValueError("Expected value_per_van_hour to be a Decimal >= 0.")
    probability = poisson_at_least(expected_remaining_orders, remaining_van_hours * orders_per_van_hour)
    return (value_per_van_hour * Decimal(str(round(probability, 6)))).quantize(BID_STEP, ROUND_HALF_UP)


@dataclass(frozen=True)
class DemandForecast:
    """Expected orders per delivery day and hour band, and how they arrive over the lead time.

    ``orders`` maps (ISO weekday, band index) to the mean orders a day of that weekday books in that
    band; ``lead_shares[L]`` is the share of a day's orders booked ``L`` days ahead (they sum to 1;
    bookings further ahead count in the last). ``remaining`` is the part still to come.
    """

    orders: Mapping[tuple[int, int], float]
    lead_shares: tuple[float, ...] = PRIOR_LEAD_SHARES
    bands: tuple[tuple[int, int], ...] = DEFAULT_BANDS

    def __post_init__(self) -> None:
        if not self.lead_shares or min(self.lead_shares) < 0 or abs(sum(self.lead_shares) - 1) > 1e-6:
            raise ValueError("Expected non-negative lead_shares summing to 1.")
        if any(value < 0 for value in self.orders.values()):
            raise ValueError("Expected orders >= 0.")

    def still_to_come(self, lead_days: float) -> float:
        """Share of a day's orders booked less than ``lead_days`` ahead (1 far ahead, 0 at delivery)."""
        if lead_days <= 0:
            return 0.0
        whole = int(lead_days)
        share = sum(self.lead_shares[: min(whole, len(self.lead_shares))])
        if whole < len(self.lead_shares):
            share += self.lead_shares[whole] * (lead_days - whole)
        return min(1.0, share)

    def remaining(self, *, weekday: int, band: int, lead_days: float) -> float:
        """Expected orders for (weekday, band) still to be booked ``lead_days`` before the day."""
        return self.orders.get((weekday, band), 0.0) * self.still_to_come(lead_days)


def demand_forecast_prior(
    *,
    van_hours_by_band: Sequence[float],
    orders_per_van_hour: float,
    utilisation: float = 0.8,
    weekday_appeal: Mapping[int, float] | None = None,
    bands: tuple[tuple[int, int], ...] = DEFAULT_BANDS,
) -> DemandForecast:
    """The forecast of a new deployment: each band sells ``utilisation`` of its capacity on a plain
    weekday, times ``weekday_appeal`` (e.g. ``{6: 1.4}`` for a busy Saturday), booked along the
    prior lead-time curve ``PRIOR_LEAD_SHARES``. An assumption to be replaced by ``demand_forecast_learn``.
    """
    appeal = weekday_appeal or {}
    orders = {
        (weekday, band): van_hours * orders_per_van_hour * utilisation * appeal.get(weekday, 1.0)
        for weekday in range(1, 8)
        for band, van_hours in enumerate(van_hours_by_band)
    }
    return DemandForecast(orders=orders, bands=bands)


@dataclass(frozen=True)
class BookingRecord:
    """One booking as the forecast learns it: delivery weekday (ISO), hour band index, days ahead."""

    weekday: int
    band: int
    lead_days: int


@dataclass(frozen=True)
class BandLooks:
    """How shoppers found one (ISO weekday, band) over past delivery days: ``offers`` is how many
    times an offer showed a (date, band) with windows still before their cut-off, ``open_offers``
    how many of those had at least one window on sale (the others found it sold out)."""

    offers: int
    open_offers: int

    def __post_init__(self) -> None:
        if not 0 <= self.open_offers <= self.offers:
            raise ValueError("Expected 0 <= open_offers <= offers.")


def band_looks(windows: Iterable[tuple[object, int | None, bool, bool]]) -> dict[tuple[object, int], bool]:
    """What one offer showed of each (day, band): ``windows`` are (day, band index or None, on sale,
    sold out) per window of the offer. A (day, band) is open (True) when a window of it was on
    sale, sold out (False) when none was and at least one was refused as full; bands whose windows
    were all past their cut-off or had no shift to serve them are left out (the shopper could not
    have bought there whatever the demand)."""
    states: dict[tuple[object, int], bool] = {}
    for day, band, on_sale, sold_out in windows:
        if band is None or not (on_sale or sold_out):
            continue
        key = (day, band)
        states[key] = states.get(key, False) or on_sale
    return states


def lost_demand_factors(
    looks: Mapping[tuple[int, int], BandLooks],
    *,
    cap: float = LOST_DEMAND_CAP,
    prior_offers: int = LOST_DEMAND_PRIOR_OFFERS,
) -> dict[tuple[int, int], float]:
    """By how much to scale a (weekday, band)'s bookings up for the demand its sold-out days lost.

    Bookings count only shoppers who found the band open; a shopper who found it sold out would
    have bought at the same rate. So demand is the bookings / the share of offers that found it
    open, that share shrunk towards 1 with the weight of ``prior_offers`` offers (a few looks do
    not move it far) and the factor capped at ``cap`` (a band nearly always sold out says little
    about how much more it would sell). 1 for a band always found open.
    """
    factors = {}
    for key, seen in looks.items():
        share = (
            (seen.open_offers + prior_offers) / (seen.offers + prior_offers)
            if seen.offers + prior_offers
            else 1
        )
        factors[key] = min(cap, 1.0 / share) if share > 0 else cap
    return factors


def demand_forecast_learn(
    bookings: Iterable[BookingRecord],
    *,
    days_observed: Mapping[int, int],
    prior: DemandForecast,
    prior_days: int = 2,
    lost_factors: Mapping[tuple[int, int], float] | None = None,
) -> DemandForecast:
    """Learn the forecast from recorded bookings over ``days_observed`` delivery days per weekday.

    Each cell's mean orders is shrunk towards the prior with the weight of ``prior_days`` days.
    Bookings are sold demand: when bands sold out, demand was higher; ``lost_factors`` (per
    (weekday, band), from ``lost_demand_factors`` of the offer records) scales a cell's bookings up.
    """
    counts: dict[tuple[int, int], int] = {}
    leads = [0] * len(prior.lead_shares)
    total = 0
    for booking in bookings:
        key = (booking.weekday, booking.band)
        counts[key] = counts.get(key, 0) + 1
        leads[min(max(booking.lead_days, 0), len(leads) - 1)] += 1
        total += 1
    lost = lost_factors or {}
    orders = {}
    for key, prior_mean in prior.orders.items():
        days = days_observed.get(key[0], 0)
        sold = counts.get(key, 0) * lost.get(key, 1.0)
        orders[key] = (sold + prior_mean * prior_days) / (days + prior_days)
    weight = prior_days * 100
    lead_shares = tuple(
        (leads[k] + prior.lead_shares[k] * weight) / (total + weight) for k in range(len(leads))
    )
    return DemandForecast(orders=orders, lead_shares=lead_shares, bands=prior.bands)


@functools.lru_cache(maxsize=1024)
def _band_overlaps(
    bands: tuple[tuple[float, float], ...], start_hour: float, end_hour: float
) -> tuple[tuple[Decimal, ...], Decimal]:
    """Hours of ``[start_hour, end_hour)`` inside each band, and in all of them, as ``Decimal``.

    Pure, and asked for the same few windows by every offer: kept for the life of the process.
    """
    overlaps = [
        max(0.0, min(end_hour, band_end) - max(start_hour, band_start)) for band_start, band_end in bands
    ]
    return tuple(Decimal(str(overlap)) for overlap in overlaps), Decimal(str(sum(overlaps)))


@dataclass(frozen=True)
class BidPrices:
    """Bid prices per van-hour of one delivery date, by hour band (currency units). ``bands`` are in
    the hours ``window_bid_price`` is asked in (whole or fractional hours)."""

    by_band: tuple[Decimal, ...]
    bands: tuple[tuple[float, float], ...] = DEFAULT_BANDS
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def window_bid_price(self, *, start_hour: float, end_hour: float) -> Decimal:
        """The mean bid price over the window's hours (each band weighted by its hours inside)."""
        key = (start_hour, end_hour)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        overlaps, inside = _band_overlaps(self.bands, start_hour, end_hour)
        weighted = Decimal(0)
        for overlap, price in zip(overlaps, self.by_band, strict=True):
            weighted += price * overlap
        value = (weighted / inside).quantize(BID_STEP, ROUND_HALF_UP) if inside else Decimal(0)
        self._cache[key] = value
        return value

    def displacement_cost(self, *, start_hour: float, end_hour: float, van_hours: float) -> Decimal:
        """Displacement cost of an order using ``van_hours`` (driving and service it adds) in the
        window ``[start_hour, end_hour)``, currency units."""
        price = self.window_bid_price(start_hour=start_hour, end_hour=end_hour)
        return displacement_cost(bid_price=price, van_hours=van_hours)


def displacement_cost(*, bid_price: Decimal, van_hours: float) -> Decimal:
    """Displacement cost of an order using ``van_hours`` in a window whose bid price per van-hour is
    ``bid_price`` (``BidPrices.window_bid_price``), currency units."""
    if van_hours < 0:
        raise ValueError("Expected van_hours >= 0.")
    return (bid_price * Decimal(str(round(van_hours, 4)))).quantize(BID_STEP, ROUND_HALF_UP)


def bid_prices_for_day(
    *,
    forecast: DemandForecast,
    weekday: int,
    lead_days: float,
    remaining_van_hours_by_band: Sequence[float],
    orders_per_van_hour: float,
    value_per_van_hour: Decimal,
) -> BidPrices:
    """The bid prices of one delivery date ``lead_days`` before it, from the forecast and the plan's
    remaining van-hours per band (shift hours in the band not yet used by driving and service)."""
    prices = tuple(
        bid_price_per_van_hour(
            expected_remaining_orders=forecast.remaining(weekday=weekday, band=band, lead_days=lead_days),
            remaining_van_hours=max(0.0, remaining),
            orders_per_van_hour=orders_per_van_hour,
            value_per_van_hour=value_per_van_hour,
        )
        for band, remaining in enumerate(remaining_van_hours_by_band)
    )
    return BidPrices(by_band=prices, bands=forecast.bands)
