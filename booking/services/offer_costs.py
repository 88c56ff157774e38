"""The three costs of an offer's windows (docs/incentives.md): fetch once, then compute.

For a rule set that prices by three costs, each available window gets

- its *expected final marginal cost* (``fleet.window_costs``): the insertion without its route
  opening and depot stem while the day is far from full, blended with the learned average
  realised marginal cost of its zone x width class x weekday (``fleet.MarginalCostAverage``, the
  documented prior where nothing is learned), weighted by how full the day is;
- its *displaced orders*: how many later orders the van time it takes is expected to cost, from
  bid prices per van-hour by hour band (``pricing.bid_prices``) over a demand forecast learned
  from the depot's confirmed bookings (by weekday x hour band x lead time, with a prior from the
  day's shift hours; each band's bookings scaled up for the demand lost while it was sold out,
  from the offers' records, ``booking.services.demand_learning``) and the plan's remaining
  van-hours per band. Its money, the *displacement
  cost*, is the displaced orders x what an order is worth to the retailer under the rule set
  (``value_per_order``), so one evaluation serves the preview's two rule sets;
- its *external cost*: grams x the carbon price, added by ``pricing.cost_prices`` itself.

What is read from the database (the learned averages and insertion weight, the bookings and the
depot-days they were delivered on, how often offers found each band open) is read once per depot and local day into ``LearnedInputs`` (``learned_inputs``);
what depends on a plan (fill, van-hours per band) is kept on the compiled plan, whose lifetime
is its version's. The rest is pure arithmetic per offer.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from fleet.adapter import CompiledPlan, RouteVehicle
from fleet.costs import marginal_cost
from fleet.models import Depot, DepotDay
from fleet.selectors import marginal_cost_averages
from fleet.window_costs import (
    INSERTION_WEIGHT_PRIOR,
    MarginalCostTable,
    blended_marginal_cost,
    marginal_cost_prior,
    myopic_marginal_cost,
    plan_fill,
)
from pricing.bid_prices import (
    DEFAULT_BANDS,
    BandLooks,
    BidPrices,
    BookingRecord,
    DemandForecast,
    bid_price_per_van_hour,
    demand_forecast_learn,
    demand_forecast_prior,
    displacement_cost,
    lost_demand_factors,
)
from pricing.calculation import MARKUP_REVENUE_NEUTRAL, RuleTerms
from pricing.widths import width_class
from pricing.windows import WindowCost
from routing.plan import route_schedule

from ..models import BandAvailability, Booking, BookingStatus

# Past delivery days the demand forecast learns from.
LEARNING_DAYS = 56
# The prior of a new deployment: each hour band sells this share of the orders it can take on a
# plain day, and Saturdays sell more: capacity binds only on some days (in the season simulator,
# many Saturday shoppers find their period full at a flat fee, almost none from Monday to Wednesday).
PRIOR_UTILISATION = 0.6
PRIOR_WEEKDAY_APPEAL = {6: 1.4}
# Driving per order in a dense round (1 km at 18 km/h, as ``fleet.window_costs.marginal_cost_prior``
# assumes): with the parcel's service time it says how many orders a van-hour carries.
PRIOR_DRIVE_SECONDS_PER_ORDER = 200
# How long ``LearnedInputs`` are kept at most: the learned averages change when ``costs_learn`` runs
# (nightly), the bookings they learn from only when a day is delivered.
LEARNED_INPUTS_SECONDS = 3600
LEARNED_INPUTS_ENTRIES = 256
# Demand forecasts kept per ``LearnedInputs`` (one per distinct capacity of a day, in 0.1 van-hours).
FORECASTS_PER_ENTRY = 64
DISPLACED_STEP = Decimal("0.0001")
SECONDS_PER_DAY = 86_400


@dataclass(eq=False)
class LearnedInputs:
    """What a depot's offers learn from, read once per depot and local day (``learned_inputs``).

    ``averages`` are the learned realised marginal costs ((zone id, width class, ISO weekday) ->
    (mean, orders)); ``bookings`` the confirmed bookings of the ``LEARNING_DAYS`` delivered days
    before ``today``, ``days_observed`` those days' count per ISO weekday. ``insertion_weight`` is
    the depot's learned weight of the insertion cost (``Depot.insertion_weight``, the prior until
    learned). ``lost_factors`` scale the bookings of each (ISO weekday, band) up for the demand its
    sold-out days lost (``pricing.bid_prices.lost_demand_factors`` of the depot's
    ``BandAvailability``). ``forecasts`` keeps the demand forecast per prior (a depot's days share a
    few shift patterns).
    """

    today: dt.date
    expires_at: dt.datetime
    averages: Mapping[tuple[int, str, int], tuple[Decimal, int]]
    bookings: tuple[BookingRecord, ...]
    days_observed: Mapping[int, int]
    insertion_weight: Decimal = INSERTION_WEIGHT_PRIOR
    lost_factors: Mapping[tuple[int, int], float] = field(default_factory=dict)
    forecasts: dict[tuple, DemandForecast] = field(default_factory=dict)

    def forecast(self, *, van_hours_by_band: tuple[float, ...], orders_per_van_hour: float) -> DemandForecast:
        """The demand forecast learned from ``bookings`` over the prior of a day with these van-hours."""
        key = (van_hours_by_band, orders_per_van_hour)
        found = self.forecasts.get(key)
        if found is None:
            if len(self.forecasts) >= FORECASTS_PER_ENTRY:
                self.forecasts.clear()
            prior = demand_forecast_prior(
                van_hours_by_band=van_hours_by_band,
                orders_per_van_hour=orders_per_van_hour,
                utilisation=PRIOR_UTILISATION,
                weekday_appeal=PRIOR_WEEKDAY_APPEAL,
            )
            found = self.forecasts[key] = demand_forecast_learn(
                self.bookings, days_observed=self.days_observed, prior=prior, lost_factors=self.lost_factors
            )
        return found


class LearnedInputsCache:
    """``LearnedInputs`` per depot: an entry lives until the depot's local date changes or
    ``LEARNED_INPUTS_SECONDS`` pass, whichever is first."""

    def __init__(self) -> None:
        self._entries: dict[int, LearnedInputs] = {}
        self._lock = threading.Lock()

    def get(self, *, depot: Depot, now: dt.datetime) -> LearnedInputs:
        today = timezone.localtime(now, depot.tz).date()
        with self._lock:
            entry = self._entries.get(depot.pk)
        if entry is not None and entry.today == today and now < entry.expires_at:
            return entry
        entry = learned_inputs_read(depot=depot, today=today, now=now)
        with self._lock:
            if len(self._entries) >= LEARNED_INPUTS_ENTRIES:
                self._entries.clear()
            self._entries[depot.pk] = entry
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def learned_inputs_read(*, depot: Depot, today: dt.date, now: dt.datetime) -> LearnedInputs:
    """Read a depot's learned inputs (four queries; the insertion weight comes with ``depot``'s
    row). Bookings are sorted into hour bands by ``window_band`` and into lead times by local days
    between booking and delivery."""
    first = today - dt.timedelta(days=LEARNING_DAYS)
    dates = DepotDay.objects.filter(depot=depot, date__gte=first, date__lt=today).values_list(
        "date", flat=True
    )
    days_observed: dict[int, int] = {}
    for date in dates:
        days_observed[date.isoweekday()] = days_observed.get(date.isoweekday(), 0) + 1
    rows = (
        Booking.objects.filter(
            depot_day__depot=depot,
            depot_day__date__gte=first,
            depot_day__date__lt=today,
            status=BookingStatus.CONFIRMED,
        )
        .order_by()
        .values_list("depot_day__date", "window_start", "window_end", "created_at")
    )
    tz = depot.tz
    bookings = []
    for date, start, end, created in rows:
        band = window_band(date=date, start=start, end=end, tz=tz)
        if band is None:
            continue
        lead = (date - created.astimezone(tz).date()).days
        bookings.append(BookingRecord(weekday=date.isoweekday(), band=band, lead_days=max(0, lead)))
    return LearnedInputs(
        today=today,
        expires_at=now + dt.timedelta(seconds=LEARNED_INPUTS_SECONDS),
        averages=marginal_cost_averages(depot=depot),
        bookings=tuple(bookings),
        days_observed=days_observed,
        insertion_weight=(
            depot.insertion_weight if depot.insertion_weight is not None else INSERTION_WEIGHT_PRIOR
        ),
        lost_factors=lost_demand_factors(band_availability(depot=depot, first=first, today=today)),
    )


def band_availability(*, depot: Depot, first: dt.date, today: dt.date) -> dict[tuple[int, int], BandLooks]:
    """How shoppers found each (ISO weekday, band) of the depot open on the delivery dates from
    ``first`` to before ``today`` (``BandAvailability``, tallied by
    ``booking.services.demand_learning``). One query."""
    rows = BandAvailability.objects.filter(depot=depot, date__gte=first, date__lt=today).order_by()
    sums: dict[tuple[int, int], tuple[int, int]] = {}
    for date, band, offers, open_offers in rows.values_list("date", "band", "offers", "open_offers"):
        seen, opened = sums.get((date.isoweekday(), band), (0, 0))
        sums[(date.isoweekday(), band)] = (seen + offers, opened + open_offers)
    return {key: BandLooks(offers=seen, open_offers=opened) for key, (seen, opened) in sums.items()}


def window_band(
    *, date: dt.date, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo, bands=DEFAULT_BANDS
) -> int | None:
    """The hour band of a window of ``date`` from ``start`` to ``end`` (aware instants): the band
    (``plan_bands`` of the day) holding its real midpoint, in real hours since the local midnight.
    How bookings and offer records are sorted into bands, as the plan's stops and windows are."""
    midnight = dt.datetime.combine(date, dt.time(0), tzinfo=tz).timestamp()
    middle = (start.timestamp() + end.timestamp()) / 2
    return hour_band((middle - midnight) / 3600, plan_bands(date=date, tz=tz, bands=bands))


@functools.lru_cache(maxsize=4096)
def plan_bands(
    *, date: dt.date, tz: dt.tzinfo, bands: tuple[tuple[int, int], ...] = DEFAULT_BANDS
) -> tuple[tuple[float, float], ...]:
    """The hour bands (local wall-clock hours) of ``date`` in plan hours: real hours since the local
    midnight, which the plan's times count. The same on most days; on a spring-forward day a band
    after the change starts an hour earlier in plan hours (08:00 is 7 h after midnight), on a
    fall-back day an hour later (9 h)."""
    midnight = dt.datetime.combine(date, dt.time(0), tzinfo=tz).timestamp()

    def at(hour: int) -> float:
        moment = dt.datetime.combine(date + dt.timedelta(days=hour // 24), dt.time(hour % 24), tzinfo=tz)
        return round((moment.timestamp() - midnight) / 3600, 6)

    return tuple((at(start), at(end)) for start, end in bands)


def hour_band(hour: float, bands: Sequence[tuple[float, float]] = DEFAULT_BANDS) -> int | None:
    """The index of the band holding ``hour`` (the nearest band outside them all); ``hour`` and
    ``bands`` in the same hours (``plan_bands`` for plan hours)."""
    for index, (start, end) in enumerate(bands):
        if start <= hour < end:
            return index
    if not bands:
        return None
    return 0 if hour < bands[0][0] else len(bands) - 1


learned_inputs_cache = LearnedInputsCache()


@dataclass(frozen=True)
class PlanLoad:
    """What a plan says about its day's capacity: ``fill`` (0..1, ``fleet.window_costs.plan_fill``),
    per hour band the shift hours, the worked hours (driving and service) and the stops, the
    load units the day's vehicles carry and those booked, and the mean rates of its vehicles
    (currency per km, per hour); ``bands`` are the day's hour bands in plan hours (``plan_bands``).
    Kept on the plan (``plan_load``)."""

    fill: Decimal
    shift_hours_by_band: tuple[float, ...]
    used_hours_by_band: tuple[float, ...]
    stops_by_band: tuple[int, ...]
    capacity_units: int
    booked_units: int
    cost_per_km: Decimal
    cost_per_hour: Decimal
    bands: tuple[tuple[float, float], ...] = DEFAULT_BANDS

    def capacity_orders(self, *, orders_per_van_hour: float, size_units: float) -> tuple[float, ...]:
        """Orders each band can take in all: its shift hours' worth, at most its share (by shift
        hours) of the orders of ``size_units`` the vehicles carry."""
        total_shift = sum(self.shift_hours_by_band) or 1.0
        by_units = self.capacity_units / max(1.0, size_units)
        return tuple(
            min(hours * orders_per_van_hour, by_units * hours / total_shift)
            for hours in self.shift_hours_by_band
        )

    @property
    def remaining_hours_by_band(self) -> tuple[float, ...]:
        """Shift hours not yet worked, per band."""
        return tuple(
            max(0.0, shift - used)
            for shift, used in zip(self.shift_hours_by_band, self.used_hours_by_band, strict=True)
        )


def plan_load(compiled: CompiledPlan, bands: Sequence[tuple[int, int]] = DEFAULT_BANDS) -> PlanLoad:
    """``PlanLoad`` of a compiled plan, computed once per plan version (kept in ``plan.derived``).

    Hours are plan hours (real hours since the local midnight), and so are the bands
    (``plan_bands`` of the plan's day in its time zone): on a clock-change day a band still covers
    its local hours. A stop's driving to it and its service count in the band of its planned start.
    """
    plan = compiled.plan
    found = plan.derived.get("plan_load")
    if found is not None:
        return found
    bands = plan_bands(date=compiled.date, tz=compiled.tz, bands=tuple(bands))
    shift = [0.0] * len(bands)
    used = [0.0] * len(bands)
    stops = [0] * len(bands)
    for index, route in enumerate(plan.routes):
        for k, (start, end) in enumerate(bands):
            overlap = min(int(route.end), round(end * 3600)) - max(int(route.start), round(start * 3600))
            shift[k] += max(0, overlap) / 3600
        if not route.visits:
            continue
        schedule = route_schedule(plan, index)
        for j, location in enumerate(route.visits):
            band = hour_band(int(schedule.starts[j]) / 3600, bands)
            if band is not None:
                used[band] += (int(schedule.leg_seconds[j]) + int(plan.service[location])) / 3600
                stops[band] += 1
    vehicles = compiled.vehicles
    count = Decimal(len(vehicles) or 1)
    load = PlanLoad(
        fill=plan_fill(plan) if plan.routes else Decimal(1),
        shift_hours_by_band=tuple(round(h, 3) for h in shift),
        used_hours_by_band=tuple(round(h, 3) for h in used),
        stops_by_band=tuple(stops),
        capacity_units=sum(int(route.capacity) for route in plan.routes),
        booked_units=int(plan.demand[1:].sum()),
        cost_per_km=sum((v.cost_per_km for v in vehicles), Decimal(0)) / count,
        cost_per_hour=sum((v.cost_per_hour for v in vehicles), Decimal(0)) / count,
        bands=bands,
    )
    plan.derived["plan_load"] = load
    return load


@dataclass
class DayCosts:
    """The three-cost inputs of one depot-day for one offer: call ``window`` per feasible window.

    Lives for one offer. The windows of a day share a few distinct insertions (23 windows, about 8
    insertions), so each part is computed once per distinct value of what it reads: the expected
    cost per (insertion, width class) (its myopic part per insertion), the displaced orders per
    (window bid price, insertion).
    """

    compiled: CompiledPlan
    load: PlanLoad
    table: MarginalCostTable
    bids: BidPrices
    zone_id: int | None
    weekday: int
    service_s: int
    orders_per_van_hour: float
    _expected: dict[tuple[int, int, int, str], Decimal] = field(default_factory=dict)
    _myopic: dict[tuple[int, int, int], Decimal] = field(default_factory=dict)
    _learned: dict[str, Decimal] = field(default_factory=dict)
    _displaced: dict[tuple[Decimal, int], Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Once per day, not once per window: an offer asks ``window`` of 160+ windows.
        self._orders_per_van_hour = Decimal(str(self.orders_per_van_hour))

    def window(
        self,
        *,
        hours: Decimal,
        start_s: int,
        end_s: int,
        insertion_cost: Decimal,
        route_index: int,
        delta_m: int,
        delta_s: int,
    ) -> tuple[Decimal, Decimal]:
        """(expected final marginal cost in currency units, displaced orders) of one window
        ``hours`` long, from ``start_s`` to ``end_s`` seconds after the plan's epoch, whose
        cheapest insertion costs ``insertion_cost`` on route ``route_index`` (``delta_m`` metres
        and ``delta_s`` seconds more driving)."""
        width = width_class(hours)
        key = (route_index, delta_m, delta_s, width)
        expected = self._expected.get(key)
        if expected is None:
            expected = self._expected[key] = self._expected_cost(
                width=width,
                insertion_cost=insertion_cost,
                route_index=route_index,
                delta_m=delta_m,
                delta_s=delta_s,
            )
        # Plan seconds from the epoch (the local midnight) in hours: ``bids`` has the day's bands in
        # plan hours.
        bid = self.bids.window_bid_price(start_hour=start_s / 3600, end_hour=end_s / 3600)
        displaced = self._displaced.get((bid, delta_s))
        if displaced is None:
            at_risk = displacement_cost(bid_price=bid, van_hours=(delta_s + self.service_s) / 3600)
            displaced = self._displaced[(bid, delta_s)] = (at_risk * self._orders_per_van_hour).quantize(
                DISPLACED_STEP, ROUND_HALF_UP
            )
        return expected, displaced

    def _expected_cost(
        self, *, width: str, insertion_cost: Decimal, route_index: int, delta_m: int, delta_s: int
    ) -> Decimal:
        """``fleet.window_costs.expected_final_marginal_cost``, in its two steps: the myopic cost
        once per insertion, the learned average once per width class."""
        myopic = self.myopic(
            insertion_cost=insertion_cost, route_index=route_index, delta_m=delta_m, delta_s=delta_s
        )
        learned = self._learned.get(width)
        if learned is None:
            learned = self._learned[width] = self.table.expected((self.zone_id, width, self.weekday))
        return blended_marginal_cost(
            myopic=myopic, learned_average=learned, insertion_weight=self.table.insertion_weight
        )

    def myopic(self, *, insertion_cost: Decimal, route_index: int, delta_m: int, delta_s: int) -> Decimal:
        """``fleet.window_costs.myopic_marginal_cost`` of one insertion (currency units), once per
        distinct insertion: what a sale records, so ``costs_learn`` can learn the insertion weight."""
        key = (route_index, delta_m, delta_s)
        myopic = self._myopic.get(key)
        if myopic is None:
            vehicle: RouteVehicle = self.compiled.vehicles[route_index]
            opens = not self.compiled.plan.routes[route_index].visits
            stem = (
                marginal_cost(vehicle, delta_m=delta_m, delta_s=delta_s, service_s=0, opens_route=False)
                if opens
                else Decimal(0)
            )
            myopic = self._myopic[key] = myopic_marginal_cost(
                insertion_cost=insertion_cost,
                route_opening_cost=vehicle.cost_per_route if opens else Decimal(0),
                depot_stem_cost=stem,
                fill=self.load.fill,
            )
        return myopic


def orders_per_van_hour(service_s: int) -> float:
    """Orders a van-hour carries: driving ``PRIOR_DRIVE_SECONDS_PER_ORDER`` and serving each."""
    return round(3600 / (PRIOR_DRIVE_SECONDS_PER_ORDER + max(0, service_s)), 3)


def day_costs(
    *,
    compiled: CompiledPlan,
    learned: LearnedInputs,
    zone_id: int | None,
    service_s: int,
    size_units: int,
    now: dt.datetime,
) -> DayCosts:
    """The three-cost inputs of ``compiled``'s day for an order of ``size_units`` with ``service_s``
    seconds at the door.

    A band's capacity, in orders (of the size the day's orders have on average), is the lesser of
    its van-hours' worth and its share of the load units; the prior forecast sells
    ``PRIOR_UTILISATION`` of it. The demand still to come is the forecast's share of the day not
    yet booked (``DemandForecast.remaining``), and never more than the forecast lacks beyond the
    stops already planned. A band's bid price is the larger of two chances: that the band's van
    time sells out, and that the day's load units do.
    """
    load = plan_load(compiled)
    per_hour = orders_per_van_hour(service_s)
    prior = marginal_cost_prior(
        cost_per_km=load.cost_per_km, cost_per_hour=load.cost_per_hour, service_seconds=service_s
    )
    weekday = compiled.date.isoweekday()
    # Orders of the size the day's booked orders have on average (this order's own on an empty day):
    # the forecast counts orders, not this shopper's parcels.
    stops = sum(load.stops_by_band)
    typical = load.booked_units / stops if stops else size_units
    capacity = load.capacity_orders(orders_per_van_hour=per_hour, size_units=typical)
    forecast = learned.forecast(
        van_hours_by_band=tuple(round(orders / per_hour, 1) for orders in capacity),
        orders_per_van_hour=per_hour,
    )
    # Days ahead to the middle of the delivery day: what is still to be booked for it.
    lead_days = max(
        0.0, (compiled.epoch.timestamp() + SECONDS_PER_DAY / 2 - now.timestamp()) / SECONDS_PER_DAY
    )
    to_come = [
        min(
            forecast.remaining(weekday=weekday, band=band, lead_days=lead_days),
            max(0.0, forecast.orders.get((weekday, band), 0.0) - load.stops_by_band[band]),
        )
        for band in range(len(forecast.bands))
    ]
    # Van time runs out band by band; load units for the whole day (a van carries its load all shift).
    units_left = max(0, load.capacity_units - load.booked_units) / max(1.0, typical)
    day_left = min(
        sum(
            forecast.remaining(weekday=weekday, band=band, lead_days=lead_days)
            for band in range(len(to_come))
        ),
        max(0.0, sum(forecast.orders.get((weekday, band), 0.0) for band in range(len(to_come))) - stops),
    )
    # In van-hours at risk (a value of 1 per van-hour); ``value_per_order`` makes it money.
    by_units = bid_price_per_van_hour(
        expected_remaining_orders=day_left,
        remaining_van_hours=units_left / per_hour,
        orders_per_van_hour=per_hour,
        value_per_van_hour=Decimal(1),
    )
    by_band = [
        max(
            by_units,
            bid_price_per_van_hour(
                expected_remaining_orders=expected,
                remaining_van_hours=hours,
                orders_per_van_hour=per_hour,
                value_per_van_hour=Decimal(1),
            ),
        )
        for expected, hours in zip(to_come, load.remaining_hours_by_band, strict=True)
    ]
    # The forecast's bands are local hours; the windows ask in plan hours (``plan_bands``).
    bids = BidPrices(by_band=tuple(by_band), bands=load.bands)
    return DayCosts(
        compiled=compiled,
        load=load,
        table=MarginalCostTable(
            prior=prior, averages=learned.averages, insertion_weight=learned.insertion_weight
        ),
        bids=bids,
        zone_id=zone_id,
        weekday=weekday,
        service_s=service_s,
        orders_per_van_hour=per_hour,
    )


def value_per_order(terms: RuleTerms) -> Decimal:
    """What a later order is worth to the retailer under ``terms`` (currency units): its basket
    margin plus the delivery fee it would pay (the reference price in revenue-neutral mode, else
    the markup). Gross of its delivery cost, so an upper bound of what losing it costs."""
    fee = terms.reference_price if terms.markup_mode == MARKUP_REVENUE_NEUTRAL else terms.markup
    return terms.basket_margin + max(Decimal(0), fee or Decimal(0))


def costed_windows(windows: Sequence, *, terms: RuleTerms) -> list:
    """``windows`` (``WindowOffer``) as ``price_windows`` reads them under ``terms``: as they are for
    the first rules, with their displacement cost in money for a rule set priced by three costs."""
    if not terms.prices_by_three_costs:
        return list(windows)
    value = value_per_order(terms)
    # Windows share few distinct displaced orders (none at all on a day with room to spare).
    money: dict[Decimal, Decimal] = {}

    def displacement(displaced: Decimal) -> Decimal:
        found = money.get(displaced)
        if found is None:
            found = money[displaced] = (displaced * value).quantize(DISPLACED_STEP, ROUND_HALF_UP)
        return found

    return [
        WindowCost(
            day=w.date,
            start=w.start,
            end=w.end,
            available=w.available,
            marginal_cost=w.marginal_cost,
            marginal_km=w.marginal_km,
            grams=w.co2e_grams,
            nearby_metres=w.nearby_metres,
            expected_cost=w.expected_cost,
            displacement_cost=displacement(w.displaced_orders) if w.displaced_orders is not None else None,
        )
        for w in windows
    ]
