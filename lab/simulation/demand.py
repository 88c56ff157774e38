"""A season of shoppers: who arrives when, where they live, what they prefer, and their noise draws.

Everything random about a shopper is drawn here, once per season seed, before any policy runs.
Every policy then meets the very same shoppers in the same order with the same Gumbel draws per
shopper x window (common random numbers), so differences between policies are the policies'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from .city import DAY_SECONDS, HOUR, City

MORNING, AFTERNOON, EVENING = 0, 1, 2
PERIOD_NAMES = ("morning", "afternoon", "evening")


@dataclass(frozen=True)
class DemandParams:
    """How many shoppers come, when, and what they are like.

    Attributes
    ----------
    shoppers_per_day
        Mean number of shoppers whose preferred day is a plain working day (Poisson); scaled by
        ``City.day_appeal`` (Saturday 1.4x in the demo).
    eco_share
        Share of eco-minded shoppers (issue 7: 30 %).
    period_shares
        Preferred period morning / afternoon / evening (issue 7: 30 / 30 / 40 %).
    periods
        The periods as (start, end) seconds from local midnight: 08-12, 12-17, 17-21 (an
        assumption: the demo's windows run 08:00-21:00, split at noon and at 17:00).
    lead_day_weights
        Relative frequency of booking 0..6 days before the preferred day (an assumption: most
        shoppers book one or two days ahead; the horizon is seven days).
    arrival_hours
        Shoppers visit the shop between these local hours of their booking day, uniformly.
    size_units, service_minutes
        Inclusive ranges, uniform integers, as the demo's pre-booked shoppers.
    """

    shoppers_per_day: float = 150.0
    eco_share: float = 0.30
    period_shares: tuple[float, float, float] = (0.30, 0.30, 0.40)
    periods: tuple[tuple[int, int], ...] = (
        (8 * HOUR, 12 * HOUR),
        (12 * HOUR, 17 * HOUR),
        (17 * HOUR, 21 * HOUR),
    )
    lead_day_weights: tuple[float, ...] = (0.15, 0.25, 0.20, 0.15, 0.10, 0.08, 0.07)
    arrival_hours: tuple[int, int] = (7, 23)
    size_units: tuple[int, int] = (1, 6)
    service_minutes: tuple[int, int] = (2, 5)

    def __post_init__(self) -> None:
        if self.shoppers_per_day < 0:
            raise ValueError("Expected shoppers_per_day >= 0.")
        if not 0 <= self.eco_share <= 1:
            raise ValueError("Expected 0 <= eco_share <= 1.")
        if len(self.period_shares) != 3 or abs(sum(self.period_shares) - 1) > 1e-9:
            raise ValueError("Expected three period shares summing to 1.")
        if not self.lead_day_weights or min(self.lead_day_weights) < 0 or sum(self.lead_day_weights) <= 0:
            raise ValueError("Expected non-negative lead_day_weights with a positive sum.")
        if not 0 <= self.arrival_hours[0] < self.arrival_hours[1] <= 24:
            raise ValueError("Expected 0 <= arrival_hours[0] < arrival_hours[1] <= 24.")


@dataclass(frozen=True)
class Season:
    """The shoppers of one season, in arrival order (shopper ``i`` is row ``i`` of every array).

    Attributes
    ----------
    seed
        The seed that drew it.
    arrival
        int64 [N], seconds from the season epoch (negative before day 0).
    preferred_day
        int64 [N], 0..season_days-1 (a working day).
    period
        int64 [N], ``MORNING``, ``AFTERNOON`` or ``EVENING``.
    eco
        bool [N], eco-minded.
    lat, lon
        float64 [N], degrees, inside the service zone.
    depot
        int64 [N], index of the nearest depot.
    size_units, service_s
        int64 [N], the parcel: size units and service seconds.
    gumbel
        float64 [N, season_days, K], standard Gumbel draws per shopper x day x window template.
    gumbel_day
        float64 [N, season_days], standard Gumbel draws per shopper x day (the nested logit's
        draw of each day's nest, ``pricing.choice.choose``).
    gumbel_none
        float64 [N], the draw of the no-purchase option.
    """

    seed: int
    arrival: np.ndarray
    preferred_day: np.ndarray
    period: np.ndarray
    eco: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    depot: np.ndarray
    size_units: np.ndarray
    service_s: np.ndarray
    gumbel: np.ndarray
    gumbel_day: np.ndarray
    gumbel_none: np.ndarray

    @property
    def size(self) -> int:
        return int(self.arrival.shape[0])

    def arrival_day(self, shopper: int) -> int:
        return int(self.arrival[shopper] // DAY_SECONDS)


def _home_points(rng: np.random.Generator, city: City, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian scatter around random neighbourhood centres, redrawn until inside the zone."""
    zone = shapely.Polygon(city.zone)
    centres_lat = np.array([n.lat for n in city.neighbourhoods])
    centres_lon = np.array([n.lon for n in city.neighbourhoods])
    lat = np.empty(count)
    lon = np.empty(count)
    filled = 0
    while filled < count:
        need = count - filled
        pick = rng.integers(0, len(city.neighbourhoods), size=need)
        d_north, d_east = rng.normal(0.0, city.spread_m, size=(2, need))
        cand_lat = centres_lat[pick] + d_north / 111_320.0
        cand_lon = centres_lon[pick] + d_east / (111_320.0 * np.cos(np.radians(centres_lat[pick])))
        inside = shapely.contains_xy(zone, cand_lon, cand_lat)
        taken = int(inside.sum())
        lat[filled : filled + taken] = cand_lat[inside]
        lon[filled : filled + taken] = cand_lon[inside]
        filled += taken
    return np.round(lat, 6), np.round(lon, 6)


def season_generate(*, city: City, demand: DemandParams, seed: int) -> Season:
    """Draw one season's shoppers (reproducible for a ``seed``)."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 20260707]))
    days = city.season_days
    counts = rng.poisson([demand.shoppers_per_day * city.appeal(d) for d in range(days)])
    preferred_day = np.repeat(np.arange(days, dtype=np.int64), counts)
    n = int(preferred_day.shape[0])

    weights = np.asarray(demand.lead_day_weights, dtype=np.float64)
    lead = rng.choice(len(weights), size=n, p=weights / weights.sum()).astype(np.int64)
    first, last = demand.arrival_hours
    clock = rng.integers(first * HOUR, last * HOUR, size=n)
    arrival = (preferred_day - lead) * DAY_SECONDS + clock
    period = rng.choice(3, size=n, p=np.asarray(demand.period_shares)).astype(np.int64)
    eco = rng.random(n) < demand.eco_share
    lat, lon = _home_points(rng, city, n)
    size_units = rng.integers(demand.size_units[0], demand.size_units[1] + 1, size=n)
    service_s = 60 * rng.integers(demand.service_minutes[0], demand.service_minutes[1] + 1, size=n)
    gumbel = rng.gumbel(size=(n, days, len(city.windows)))
    gumbel_none = rng.gumbel(size=n)
    gumbel_day = rng.gumbel(size=(n, days))

    # Arrival order (stable on ties, so the order is a function of the seed alone).
    order = np.argsort(arrival, kind="stable")
    return Season(
        seed=int(seed),
        arrival=arrival[order].astype(np.int64),
        preferred_day=preferred_day[order],
        period=period[order],
        eco=eco[order],
        lat=lat[order],
        lon=lon[order],
        depot=city.nearest_depot(lat[order], lon[order]),
        size_units=size_units[order].astype(np.int64),
        service_s=service_s[order].astype(np.int64),
        gumbel=gumbel[order],
        gumbel_day=gumbel_day[order],
        gumbel_none=gumbel_none[order],
    )


def period_fit(city: City, demand: DemandParams) -> np.ndarray:
    """float64 [3, K]: share of each window's span inside each preferred period (0..1)."""
    start = city.window_start.astype(np.float64)
    end = city.window_end.astype(np.float64)
    fit = np.empty((3, len(city.windows)))
    for p, (p_start, p_end) in enumerate(demand.periods):
        overlap = np.clip(np.minimum(end, p_end) - np.maximum(start, p_start), 0.0, None)
        fit[p] = overlap / (end - start)
    return fit
