"""The one place where database rows become engine data.

"Fetch, then compute": a depot-day is read in a fixed, small number of queries into a
``CompiledPlan`` (plain data + numpy arrays); everything after that is pure computation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import pickle
import zoneinfo
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from redis.exceptions import RedisError

from greenslot.errors import GreenslotError
from routing.backend import metric_from_config
from routing.osrm import TravelBackendError
from routing.plan import build_plan
from routing.problem import PlanData, RouteSpec, StopSpec
from routing.travel import TravelMetric, TravelModel

from .models import Depot, DepotDay, Shift, Stop

logger = logging.getLogger(__name__)

# What a shared (Redis) cache raises when it is down or slow, or holds an entry this code cannot
# read (written by an older release): all mean "compile instead".
SHARED_CACHE_ERRORS = (
    RedisError, OSError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError,
)  # fmt: skip


@dataclass(frozen=True)
class RouteVehicle:
    """What pricing and emissions need to know about the vehicle of one route."""

    shift_id: int
    vehicle_name: str
    vehicle_type: str
    cost_per_km: Decimal
    cost_per_hour: Decimal
    cost_per_route: Decimal
    grams_per_km: Decimal
    energy_type: str


@dataclass(frozen=True)
class CompiledPlan:
    """A depot-day plan as the engine sees it, with the keys to map results back to rows.

    ``plan.routes[i]`` is the route of ``vehicles[i]``; location ``j >= 1`` is ``stop_ids[j - 1]``.
    Times in the engine are seconds from ``epoch`` (the depot-day's local midnight).
    """

    depot_id: int
    depot_day_id: int | None
    date: dt.date
    version: int
    epoch: dt.datetime
    plan: PlanData
    vehicles: tuple[RouteVehicle, ...]
    stop_ids: tuple[int, ...]
    # The earliest expiry among the holds this plan counts: past it the plan is out of date even
    # though no write bumped the version (None: only confirmed stops).
    valid_until: dt.datetime | None = None
    # The depot's time zone (an IANA name): the local clock ``epoch`` is the midnight of.
    time_zone: str = "UTC"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def seconds(self, moment: dt.datetime) -> int:
        return elapsed_seconds(self.epoch, moment)

    def moment(self, seconds: int) -> dt.datetime:
        return self.epoch + dt.timedelta(seconds=int(seconds))

    @property
    def max_capacity(self) -> int:
        return max((r.capacity for r in self.plan.routes), default=0)


def travel_model() -> TravelModel:
    profile = settings.GREENSLOT["SPEED_KMH_BY_HOUR"]
    return TravelModel(speed_kmh_by_hour=tuple(profile)) if profile else TravelModel()


def elapsed_seconds(since: dt.datetime, until: dt.datetime) -> int:
    """Real seconds between two aware instants.

    Subtracting two datetimes that share a tzinfo gives *wall-clock* time in Python, which is an
    hour off across a DST change; timestamps are always real time.
    """
    return round(until.timestamp() - since.timestamp())


@contextmanager
def travel_backend_guard():
    """Turn a travel backend outage (an OSRM server down) into a clear 503 for the client."""
    try:
        yield
    except TravelBackendError as exc:
        raise GreenslotError(
            "travel_backend_unavailable",
            "Travel times cannot be computed right now; please try again shortly.",
            status=503,
        ) from exc


def travel_metric(depot: Depot) -> TravelMetric:
    """The configured travel backend (``GREENSLOT["TRAVEL_BACKEND"]``; haversine by default),
    with the depot's own circuity."""
    return metric_from_config(settings.GREENSLOT["TRAVEL_BACKEND"], circuity=depot.circuity)


def local_midnight(depot: Depot, date: dt.date) -> dt.datetime:
    """The plan epoch: the depot-day's local midnight, as a UTC instant."""
    return dt.datetime.combine(date, dt.time(0), tzinfo=depot.tz).astimezone(dt.UTC)


def local_moment(depot: Depot, date: dt.date, clock: dt.time) -> dt.datetime:
    return dt.datetime.combine(date, clock, tzinfo=depot.tz)


def active_stops(depot_day: DepotDay, now: dt.datetime):
    """Stops that count at ``now``: confirmed ones, and holds that have not expired."""
    from django.db.models import Q

    return Stop.objects.filter(depot_day=depot_day).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


SHIFT_COLUMNS = (
    "id",
    "start",
    "end",
    "vehicle__name",
    "vehicle__vehicle_type__name",
    "vehicle__vehicle_type__capacity_units",
    "vehicle__vehicle_type__max_speed_kmh",
    "vehicle__vehicle_type__cost_per_km",
    "vehicle__vehicle_type__cost_per_hour",
    "vehicle__vehicle_type__cost_per_route",
    "vehicle__vehicle_type__emission_factor__grams_per_km",
    "vehicle__vehicle_type__emission_factor__energy_type",
)
STOP_COLUMNS = (
    "id",
    "shift_id",
    "lat",
    "lon",
    "window_start",
    "window_end",
    "service_seconds",
    "size_units",
    "expires_at",
)


@dataclass(frozen=True)
class ShiftRow:
    """One active shift with what the plan needs of its vehicle (``SHIFT_COLUMNS``, in order)."""

    id: int
    start: dt.datetime
    end: dt.datetime
    vehicle_name: str
    vehicle_type: str
    capacity_units: int
    max_speed_kmh: float
    cost_per_km: Decimal
    cost_per_hour: Decimal
    cost_per_route: Decimal
    grams_per_km: Decimal
    energy_type: str


def compile_plan(
    *, depot: Depot, depot_day: DepotDay | None, date: dt.date, now: dt.datetime
) -> CompiledPlan:
    """Read one depot-day (2 queries when it exists) into engine data.

    Plain rows (``values_list``), not model instances: this runs inside every write's lock and on
    every plan-cache miss, and building four models per shift cost more than the query.
    """
    epoch = local_midnight(depot, date)
    if depot_day is None:
        plan = build_plan(
            depot_lat=depot.lat,
            depot_lon=depot.lon,
            stops=[],
            routes=[],
            circuity=depot.circuity,
            metric=travel_metric(depot),
        )
        return CompiledPlan(depot.id, None, date, 0, epoch, plan, (), (), time_zone=depot.time_zone)

    shifts = [
        ShiftRow(*row)
        for row in Shift.objects.filter(depot_day=depot_day, vehicle__is_active=True)
        .order_by("start", "vehicle__name", "id")
        .values_list(*SHIFT_COLUMNS)
    ]
    stops = list(
        active_stops(depot_day, now).order_by("shift_id", "sequence", "id").values_list(*STOP_COLUMNS)
    )
    return compile_rows(depot=depot, depot_day=depot_day, date=date, epoch=epoch, shifts=shifts, stops=stops)


def shift_speed_kmh(
    *, model: TravelModel, start: dt.datetime, end: dt.datetime, tz, vehicle_max_kmh: float
) -> float:
    """The speed a shift's route is planned at: the slowest hour of the local hours it spans."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    end_hour = local_end.hour + (1 if (local_end.minute or local_end.second) else 0)
    if local_end.date() > local_start.date():
        end_hour = 24
    return model.route_speed_kmh(local_start.hour, max(end_hour, local_start.hour + 1), vehicle_max_kmh)


def compile_rows(*, depot, depot_day, date, epoch, shifts: list[ShiftRow], stops) -> CompiledPlan:
    """The plan of ``shifts`` (``ShiftRow``) and ``stops`` (rows of ``STOP_COLUMNS``)."""
    model = travel_model()
    tz = depot.tz
    epoch_s = epoch.timestamp()  # elapsed_seconds(epoch, t) for every stop, the epoch read once
    stop_specs: list[StopSpec] = []
    stop_ids: list[int] = []
    valid_until: dt.datetime | None = None
    visits_by_shift: dict[int, list[int]] = {s.id: [] for s in shifts}
    for stop_id, shift_id, lat, lon, w_start, w_end, service, size, expires_at in stops:
        if shift_id not in visits_by_shift:
            # A stop on a shift of an inactive vehicle cannot be served: keep it out of the plan
            # and let the plan check flag it rather than planning on it silently.
            continue
        stop_specs.append(
            StopSpec(
                lat=lat,
                lon=lon,
                early=round(w_start.timestamp() - epoch_s),
                late=round(w_end.timestamp() - epoch_s),
                service=service,
                demand=size,
                key=stop_id,
            )
        )
        stop_ids.append(stop_id)
        visits_by_shift[shift_id].append(len(stop_specs))
        if expires_at is not None and (valid_until is None or expires_at < valid_until):
            valid_until = expires_at

    routes: list[RouteSpec] = []
    vehicles: list[RouteVehicle] = []
    for shift in shifts:
        speed = shift_speed_kmh(
            model=model, start=shift.start, end=shift.end, tz=tz, vehicle_max_kmh=shift.max_speed_kmh
        )
        routes.append(
            RouteSpec(
                key=shift.id,
                capacity=shift.capacity_units,
                start=elapsed_seconds(epoch, shift.start),
                end=elapsed_seconds(epoch, shift.end),
                speed_kmh=speed,
                cost_per_km=float(shift.cost_per_km),
                cost_per_hour=float(shift.cost_per_hour),
                fixed_cost=float(shift.cost_per_route),
                emission_g_per_km=float(shift.grams_per_km),
                visits=tuple(visits_by_shift[shift.id]),
            )
        )
        vehicles.append(
            RouteVehicle(
                shift_id=shift.id,
                vehicle_name=shift.vehicle_name,
                vehicle_type=shift.vehicle_type,
                cost_per_km=shift.cost_per_km,
                cost_per_hour=shift.cost_per_hour,
                cost_per_route=shift.cost_per_route,
                grams_per_km=shift.grams_per_km,
                energy_type=shift.energy_type,
            )
        )
    plan = build_plan(
        depot_lat=depot.lat,
        depot_lon=depot.lon,
        stops=stop_specs,
        routes=routes,
        circuity=depot.circuity,
        metric=travel_metric(depot),
    )
    return CompiledPlan(
        depot_id=depot.id,
        depot_day_id=depot_day.id,
        date=date,
        version=depot_day.version,
        epoch=epoch,
        plan=plan,
        vehicles=tuple(vehicles),
        stop_ids=tuple(stop_ids),
        valid_until=valid_until,
        time_zone=depot.time_zone,
    )


class PlanCache:
    """Compiled plans per (depot-day, version): in this process, and optionally shared (Redis).

    A depot-day's compiled plan changes only when its version is bumped (every write does) or
    when a hold in it lapses (time passes, no write). An entry is therefore valid for its
    version until the earliest expiry among the holds it counted. The key is read from the
    DepotDay row the caller already has, so a hit in this process costs no query.

    With a shared cache (``shared``, Django's ``"plans"`` cache when ``CACHE_URL`` is set), a
    process that misses looks there before compiling, and every compile or write is published
    there: with several app processes, the one that wrote a day's latest version usually is not
    the one that serves its next offer. The shared copy carries no travel metric (configuration,
    rebuilt from settings) and no derived arrays. Correctness never depends on it: an entry is
    used only when its stamp equals the row's, and any Redis failure falls back to compiling.
    """

    def __init__(self, max_entries: int | None = None, shared=None):
        import threading
        from collections import OrderedDict

        self._max_entries = max_entries
        self.shared = shared
        self._entries: OrderedDict[int, tuple[tuple, dt.datetime | None, CompiledPlan]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.shared_hits = 0
        self.misses = 0

    @property
    def max_entries(self) -> int:
        """The size given, else ``GREENSLOT["PLAN_CACHE_ENTRIES"]`` (read when used, not at import)."""
        return self._max_entries or int(settings.GREENSLOT["PLAN_CACHE_ENTRIES"])

    def get(
        self,
        *,
        depot: Depot,
        depot_day: DepotDay | None,
        date: dt.date,
        now: dt.datetime,
        publish: bool = True,
    ) -> CompiledPlan:
        """The plan of ``depot_day`` as its row stands: from this process, the shared cache, or
        compiled (and then kept, and published to the shared cache unless ``publish`` is false).

        A writer inside its lock passes ``publish=False``: it will publish the plan it writes once
        it commits, and the plan it read would be replaced at once.
        """
        if depot_day is None:
            return compile_plan(depot=depot, depot_day=None, date=date, now=now)
        stamp = self.stamp(depot_day)
        compiled = self.peek(stamp=stamp, depot_day_id=depot_day.id, now=now)
        if compiled is not None:
            self.hits += 1
            return compiled
        compiled = self._shared_get(depot=depot, stamp=stamp, depot_day_id=depot_day.id, now=now)
        if compiled is not None:
            self.shared_hits += 1
            self._keep(stamp, compiled)
            return compiled
        self.misses += 1
        compiled = compile_plan(depot=depot, depot_day=depot_day, date=date, now=now)
        if publish:
            self.put(stamp=stamp, compiled=compiled)
        else:
            self._keep(stamp, compiled)
        return compiled

    def peek(self, *, stamp: tuple, depot_day_id: int, now: dt.datetime) -> CompiledPlan | None:
        """This process's plan for rows with ``stamp``, if it has one (no compile, no shared look-up)."""
        with self._lock:
            entry = self._entries.get(depot_day_id)
            if entry is None or entry[0] != stamp or (entry[1] is not None and now >= entry[1]):
                return None
            self._entries.move_to_end(depot_day_id)
            return entry[2]

    def put(self, *, stamp: tuple, compiled: CompiledPlan) -> None:
        """Keep ``compiled`` as the plan of its depot-day for rows with ``stamp`` (``PlanCache.stamp``),
        here and in the shared cache.

        Writers call this after commit with the plan they wrote, stamped as they left the row.
        """
        if compiled.depot_day_id is None or stamp[0] != compiled.version:
            raise ValueError("Expected a stored depot-day's plan, stamped with the plan's own version.")
        self._keep(stamp, compiled)
        self._shared_put(stamp=stamp, compiled=compiled)

    def _keep(self, stamp: tuple, compiled: CompiledPlan) -> None:
        with self._lock:
            self._entries[compiled.depot_day_id] = (stamp, compiled.valid_until, compiled)
            self._entries.move_to_end(compiled.depot_day_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    @staticmethod
    def stamp(depot_day: DepotDay) -> tuple:
        # The version identifies the plan; the date and update time guard against a reused id.
        return (depot_day.version, depot_day.depot_id, depot_day.date, depot_day.updated_at)

    @staticmethod
    def shared_key(depot_day_id: int) -> str:
        # One key per depot-day (the latest plan written wins): old versions take no memory.
        return f"plan:{depot_day_id}"

    def _shared_get(
        self, *, depot: Depot, stamp: tuple, depot_day_id: int, now: dt.datetime
    ) -> CompiledPlan | None:
        if self.shared is None:
            return None
        try:
            entry = self.shared.get(self.shared_key(depot_day_id))
            if entry is None:
                return None
            shared_stamp, valid_until, compiled = entry
            if shared_stamp != stamp or (valid_until is not None and now >= valid_until):
                return None
            plan = dataclasses.replace(compiled.plan, metric=travel_metric(depot), derived={})
            # The time zone from the depot as read now (a plan stored before plans kept it says UTC).
            return dataclasses.replace(compiled, plan=plan, time_zone=depot.time_zone)
        except SHARED_CACHE_ERRORS as exc:
            logger.warning("Shared plan cache unavailable or unreadable (%s); compiling instead.", exc)
            return None

    def _shared_put(self, *, stamp: tuple, compiled: CompiledPlan) -> None:
        if self.shared is None:
            return
        portable = dataclasses.replace(
            compiled, plan=dataclasses.replace(compiled.plan, metric=None, derived={})
        )
        try:
            self.shared.set(self.shared_key(compiled.depot_day_id), (stamp, compiled.valid_until, portable))
        except SHARED_CACHE_ERRORS as exc:
            logger.warning("Shared plan cache unavailable (%s); not publishing the plan.", exc)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.shared_hits = self.misses = 0


def shared_plan_cache():
    """Django's ``"plans"`` cache when one is configured (``CACHE_URL``), else ``None``."""
    from django.core.cache import caches

    return caches["plans"] if "plans" in settings.CACHES else None


plan_cache = PlanCache(shared=shared_plan_cache())
