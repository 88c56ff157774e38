"""What operators take out of Greenslot: bookings as CSV rows, and a depot-day's routes as CSV rows
and as a manifest per vehicle (what a driver is handed).

Every time is the depot's local wall-clock time, written with its UTC offset and next to a column
naming the depot's time zone, so a spreadsheet never shows a UTC time as if it were local.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from booking.models import Booking, BookingStatus
from booking.services.holds import booking_effective_status
from fleet.models import Depot
from fleet.selectors import PlannedRoute, PlannedStop, plan_view

# Where a parcel goes and how big it is: the same columns in both exports.
PARCEL_COLUMNS = ("address", "postcode", "city", "lat", "lon", "size_units", "service_minutes")

BOOKING_COLUMNS = (
    "reference",
    "depot",
    "time_zone",
    "date",
    "window_start",
    "window_end",
    *PARCEL_COLUMNS,
    "price",
    "currency",
    "state",
    "retailer",
    "external_ref",
    "created",
)

ROUTE_COLUMNS = (
    "depot",
    "time_zone",
    "date",
    "vehicle",
    "stop",
    "planned_start",
    "planned_arrival",
    "window_start",
    "window_end",
    "reference",
    *PARCEL_COLUMNS,
    "notes",
)

EXPORT_CHUNK = 500


def local_text(moment: dt.datetime | None, tz) -> str:
    """``moment`` as the depot's wall clock reads it, with its offset: ``2026-12-02T09:00+01:00``."""
    return moment.astimezone(tz).isoformat(timespec="minutes") if moment is not None else ""


def address_line(address: dict) -> str:
    return str((address or {}).get("line1", ""))


def parcel_cells(*, address: dict, lat: float, lon: float, size_units: int, service_seconds: int) -> tuple:
    """The ``PARCEL_COLUMNS`` of one delivery."""
    address = address or {}
    return (
        address_line(address),
        address.get("postcode", ""),
        address.get("city", ""),
        f"{lat:.6f}",
        f"{lon:.6f}",
        size_units,
        service_seconds // 60,
    )


@dataclass(frozen=True)
class BookingFilter:
    """Which bookings an export holds: all of them unless narrowed. Dates are delivery dates (the
    depot-day, local), inclusive."""

    depot: Depot | None = None
    first: dt.date | None = None
    last: dt.date | None = None
    retailer_id: int | None = None
    state: str | None = None


def bookings_for_export(*, selection: BookingFilter):
    """The bookings ``selection`` names, oldest delivery first, with their depot and retailer."""
    bookings = Booking.objects.select_related("depot_day__depot", "retailer").order_by(
        "window_start", "created_at"
    )
    if selection.depot is not None:
        bookings = bookings.filter(depot_day__depot=selection.depot)
    if selection.first is not None:
        bookings = bookings.filter(depot_day__date__gte=selection.first)
    if selection.last is not None:
        bookings = bookings.filter(depot_day__date__lte=selection.last)
    if selection.retailer_id is not None:
        bookings = bookings.filter(retailer_id=selection.retailer_id)
    return bookings


def booking_export_rows(*, selection: BookingFilter, now: dt.datetime) -> Iterator[tuple]:
    """The CSV rows of the bookings ``selection`` names, the header first. A generator read in chunks
    of ``EXPORT_CHUNK`` rows, so a streaming response never holds the whole export.

    ``state`` is the booking's state at ``now``: a hold past its expiry reads ``expired`` (and is
    filtered as such) even before the purge job marks it.
    """
    yield BOOKING_COLUMNS
    bookings = bookings_for_export(selection=selection)
    if selection.state == BookingStatus.EXPIRED:
        bookings = bookings.filter(status__in=(BookingStatus.EXPIRED, BookingStatus.HELD))
    elif selection.state == BookingStatus.HELD:
        bookings = bookings.filter(status=BookingStatus.HELD, hold_expires_at__gt=now)
    elif selection.state:
        bookings = bookings.filter(status=selection.state)
    for booking in bookings.iterator(chunk_size=EXPORT_CHUNK):
        state = booking_effective_status(booking=booking, now=now)
        if selection.state and state != selection.state:
            continue
        depot = booking.depot_day.depot
        tz = depot.tz
        yield (
            booking.reference,
            depot.code,
            depot.time_zone,
            booking.depot_day.date.isoformat(),
            local_text(booking.window_start, tz),
            local_text(booking.window_end, tz),
            *parcel_cells(
                address=booking.address,
                lat=booking.lat,
                lon=booking.lon,
                size_units=booking.size_units,
                service_seconds=booking.service_seconds,
            ),
            f"{booking.price_amount}",
            booking.currency,
            state,
            booking.retailer.slug,
            booking.external_ref,
            local_text(booking.created_at, tz),
        )


@dataclass(frozen=True)
class ManifestStop:
    """One stop as a driver reads it: its place in the route, when the van is due, and what to hand over."""

    order: int
    stop: PlannedStop
    booking: Booking | None

    @property
    def reference(self) -> str:
        return self.booking.reference if self.booking else ""

    @property
    def address(self) -> dict:
        return (self.booking.address or {}) if self.booking else {}

    @property
    def line1(self) -> str:
        return address_line(self.address)

    @property
    def service_minutes(self) -> int:
        return self.stop.service_seconds // 60

    @property
    def notes(self) -> str:
        """What the driver needs to know that the columns do not say: a stop still on hold may
        yet be released, and the retailer's own order reference for the doorstep."""
        notes = []
        if self.stop.held_until is not None:
            notes.append("on hold, not yet confirmed")
        if self.booking is not None and self.booking.external_ref:
            notes.append(f"order {self.booking.external_ref}")
        if self.booking is None:
            notes.append("no booking on this stop")
        return "; ".join(notes)


@dataclass(frozen=True)
class ManifestRoute:
    route: PlannedRoute
    stops: tuple[ManifestStop, ...]


@dataclass(frozen=True)
class Manifest:
    depot: Depot
    date: dt.date
    version: int
    routes: tuple[ManifestRoute, ...]


def depot_day_manifest(*, depot: Depot, date: dt.date, now: dt.datetime) -> Manifest | None:
    """The depot-day's routes from the plan (``fleet.selectors.plan_view``), each stop with the
    booking on it. ``None`` when the depot has no plan that day. Only ``depot``'s stops: the plan and
    the bookings are both read by the depot-day."""
    plan = plan_view(depot=depot, date=date, now=now)
    if plan is None:
        return None
    stop_ids = [stop.stop_id for route in plan.routes for stop in route.stops]
    bookings = {
        booking.stop_id: booking
        for booking in Booking.objects.filter(
            stop_id__in=stop_ids, depot_day__depot=depot, depot_day__date=date
        ).select_related("retailer")
    }
    routes = tuple(
        ManifestRoute(
            route=route,
            stops=tuple(
                ManifestStop(order=n, stop=stop, booking=bookings.get(stop.stop_id))
                for n, stop in enumerate(route.stops, start=1)
            ),
        )
        for route in plan.routes
    )
    return Manifest(depot=depot, date=date, version=plan.version, routes=routes)


def route_export_rows(manifest: Manifest) -> Iterator[tuple]:
    """The CSV rows of a manifest, the header first: one row per stop, vehicles in plan order.

    ``planned_start`` is when the driver is due at the door (service starts, never before the
    window); ``planned_arrival`` when the van gets there, which may be earlier, to wait.
    """
    yield ROUTE_COLUMNS
    depot = manifest.depot
    tz = depot.tz
    for route in manifest.routes:
        for item in route.stops:
            stop = item.stop
            yield (
                depot.code,
                depot.time_zone,
                manifest.date.isoformat(),
                route.route.vehicle_name,
                item.order,
                local_text(stop.planned_start, tz),
                local_text(stop.arrival, tz),
                local_text(stop.window_start, tz),
                local_text(stop.window_end, tz),
                item.reference,
                *parcel_cells(
                    address=item.address,
                    lat=stop.lat,
                    lon=stop.lon,
                    size_units=stop.size_units,
                    service_seconds=stop.service_seconds,
                ),
                item.notes,
            )
