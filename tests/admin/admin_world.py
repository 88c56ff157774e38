"""A minimal, hand-built row of every admin-registered model, and a browser-like form reader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from booking.models import (
    Booking,
    BookingEvent,
    BookingStatus,
    Offer,
    PresetAddress,
    WindowTemplate,
)
from emissions.models import EmissionFactor
from fleet.models import (
    Depot,
    DepotDay,
    RosterException,
    ServiceZone,
    Shift,
    ShiftPattern,
    Stop,
    Vehicle,
    VehicleType,
)
from pricing.models import ChoiceModelFit, IncentiveRuleSet, RuleSetStatus
from tenants.models import Retailer

TZ = ZoneInfo("Europe/Amsterdam")
DATE = dt.date(2026, 12, 2)
NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[5.05, 52.05], [5.15, 52.05], [5.15, 52.15], [5.05, 52.15], [5.05, 52.05]]],
}


def local(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DATE, dt.time(hour, minute), tzinfo=TZ)


@dataclass
class AdminWorld:
    factor: EmissionFactor
    depot: Depot
    zone: ServiceZone
    vehicle_type: VehicleType
    vehicles: list[Vehicle]
    depot_day: DepotDay
    busy_shift: Shift
    idle_shift: Shift
    stops: list[Stop]
    retailer: Retailer
    preset: PresetAddress
    template: WindowTemplate
    published: IncentiveRuleSet
    draft: IncentiveRuleSet
    offer: Offer
    booking: Booking
    event: BookingEvent
    choice_fit: ChoiceModelFit
    pattern: ShiftPattern
    closure: RosterException

    def object_of(self, model) -> object:
        """One saved instance of ``model``, for its change page."""
        by_model = {
            EmissionFactor: self.factor,
            Depot: self.depot,
            ServiceZone: self.zone,
            VehicleType: self.vehicle_type,
            Vehicle: self.vehicles[0],
            DepotDay: self.depot_day,
            Shift: self.busy_shift,
            Stop: self.stops[0],
            Retailer: self.retailer,
            PresetAddress: self.preset,
            WindowTemplate: self.template,
            IncentiveRuleSet: self.published,
            Offer: self.offer,
            Booking: self.booking,
            ChoiceModelFit: self.choice_fit,
            ShiftPattern: self.pattern,
            RosterException: self.closure,
        }
        return by_model[model]


def make_admin_world() -> AdminWorld:
    factor = EmissionFactor.objects.get(code="diesel-van")  # shipped by the data migration
    depot = Depot.objects.create(
        code="ams", name="Amsterdam", time_zone="Europe/Amsterdam", lat=52.10, lon=5.10
    )
    zone = ServiceZone.objects.create(depot=depot, name="Centre", polygon=SQUARE)
    vehicle_type = VehicleType.objects.create(
        name="Van",
        capacity_units=10,
        max_speed_kmh=50,
        cost_per_km=Decimal("0.30"),
        cost_per_hour=Decimal("30"),
        cost_per_route=Decimal("10"),
        emission_factor=factor,
    )
    vehicles = [Vehicle.objects.create(depot=depot, vehicle_type=vehicle_type, name=f"V{i}") for i in (1, 2)]
    depot_day = DepotDay.objects.create(depot=depot, date=DATE, version=3)
    busy_shift = Shift.objects.create(depot_day=depot_day, vehicle=vehicles[0], start=local(8), end=local(20))
    idle_shift = Shift.objects.create(depot_day=depot_day, vehicle=vehicles[1], start=local(9), end=local(17))
    stops = [
        Stop.objects.create(
            depot_day=depot_day,
            shift=busy_shift,
            sequence=sequence,
            lat=52.11,
            lon=5.11 + sequence / 100,
            window_start=local(10 + sequence),
            window_end=local(11 + sequence),
            service_seconds=180,
            size_units=1,
            planned_start=local(10 + sequence, 5),
        )
        for sequence in (1, 0)  # created out of order: the page must show them by sequence
    ]
    retailer = Retailer.objects.create(name="Green Grocer", slug="green-grocer")
    preset = PresetAddress.objects.create(
        retailer=retailer, slug="dam", label="Centre", street="Dam", lat=52.11, lon=5.11
    )
    template = WindowTemplate.objects.create(depot=depot, start_time=dt.time(10), end_time=dt.time(11))
    published = IncentiveRuleSet.objects.create(
        retailer=retailer, version=1, status=RuleSetStatus.PUBLISHED, name="launch", published_at=NOW
    )
    draft = IncentiveRuleSet.objects.create(retailer=retailer, version=2, name="next")
    offer = Offer.objects.create(
        retailer=retailer,
        depot=depot,
        rule_set=published,
        lat=52.11,
        lon=5.11,
        size_units=1,
        service_seconds=180,
        windows=[],
        created_at=NOW,
        expires_at=NOW + dt.timedelta(minutes=15),
    )
    first_stop = min(stops, key=lambda stop: stop.sequence)
    booking = Booking.objects.create(
        retailer=retailer,
        offer=offer,
        depot_day=depot_day,
        stop=first_stop,
        status=BookingStatus.CONFIRMED,
        window_start=first_stop.window_start,
        window_end=first_stop.window_end,
        lat=first_stop.lat,
        lon=first_stop.lon,
        size_units=1,
        service_seconds=180,
        price_amount=Decimal("3.50"),
        currency="EUR",
        price_breakdown=[{"code": "base_fee", "label": "Delivery fee", "amount": "3.50"}],
        co2e_grams=120,
        labels=["green"],
        rule_version=1,
        hold_expires_at=NOW + dt.timedelta(minutes=10),
        created_at=NOW,
        confirmed_at=NOW,
    )
    event = BookingEvent.objects.create(
        booking=booking,
        at=NOW,
        actor="api",
        from_status=BookingStatus.HELD,
        to_status=BookingStatus.CONFIRMED,
    )
    choice_fit = ChoiceModelFit.objects.create(
        retailer=retailer,
        fitted_at=NOW,
        offers=40,
        bookings=30,
        converged=True,
        enough_data=False,
        reasons=["40 offers, fewer than 200"],
        coefficients={"price_per_eur": -0.5},
        standard_errors={"price_per_eur": 0.2},
    )
    # The idle van's weekday hours; the depot closed on Christmas Day.
    pattern = ShiftPattern.objects.create(
        vehicle=vehicles[1],
        weekdays=[1, 2, 3, 4, 5],
        start_time=dt.time(9),
        end_time=dt.time(17),
        valid_from=DATE,
    )
    closure = RosterException.objects.create(depot=depot, date=dt.date(2026, 12, 25), kind="closed")
    return AdminWorld(
        factor=factor,
        depot=depot,
        zone=zone,
        vehicle_type=vehicle_type,
        vehicles=vehicles,
        depot_day=depot_day,
        busy_shift=busy_shift,
        idle_shift=idle_shift,
        stops=stops,
        retailer=retailer,
        preset=preset,
        template=template,
        published=published,
        draft=draft,
        offer=offer,
        booking=booking,
        event=event,
        choice_fit=choice_fit,
        pattern=pattern,
        closure=closure,
    )


class _FormReader(HTMLParser):
    """The fields a browser would submit from the admin's main form (id ending in ``_form``)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("id") or "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in {"submit", "button", "image", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attributes:
                return
            self._add(name, attributes.get("value") or ("on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self._add(self._select, attributes.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea and self.data[self._textarea][-1].startswith("\n"):
                self.data[self._textarea][-1] = self.data[self._textarea][-1][1:]
            self._textarea = None


def form_data(html: str) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(html)
    return reader.data
