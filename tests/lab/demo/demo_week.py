"""The demo week the tests load: a fixed clock, and a fingerprint of every row the loader writes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from booking.models import Booking, BookingEvent, Offer, PresetAddress, WindowTemplate
from fleet.models import Depot, DepotDay, ServiceZone, Shift, Stop, Vehicle, VehicleType
from lab.demo.city import DEPOT_TIME_ZONE
from pricing.models import IncentiveRuleSet
from tenants.models import Retailer

AMSTERDAM = ZoneInfo(DEPOT_TIME_ZONE)
# A Wednesday morning before the first cut-off (the 08-09 window closes at 06:00). The week it
# opens runs to Tuesday 31 March, across the spring DST change on Sunday 29 March.
WEDNESDAY = dt.date(2026, 3, 25)
NOW = dt.datetime.combine(WEDNESDAY, dt.time(5, 30), tzinfo=AMSTERDAM)
SMALL_DEMAND = 8

MODELS = (
    Retailer,
    PresetAddress,
    IncentiveRuleSet,
    Depot,
    ServiceZone,
    VehicleType,
    Vehicle,
    WindowTemplate,
    DepotDay,
    Shift,
    Stop,
    Offer,
    Booking,
    BookingEvent,
)


def at(moment: dt.datetime):
    return lambda: moment


def local(date: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=AMSTERDAM)


def fingerprint() -> dict[str, object]:
    """Row counts of everything the loader writes, plus each plan's version (bumped by any plan write)."""
    counts: dict[str, object] = {model.__name__: model.objects.count() for model in MODELS}
    counts["User"] = get_user_model().objects.count()
    counts["plan_versions"] = sorted(DepotDay.objects.values_list("date", "version"))
    return counts
