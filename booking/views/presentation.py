"""What the shopper pages show: offers and bookings turned into words, local times and money.

Pure functions over service results; no queries. Money stays ``Decimal`` until it becomes text here.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.http import QueryDict

from booking.models import Booking, BookingStatus
from booking.services.offer_windows import WindowOffer
from booking.services.offers import REASON_CUTOFF, REASON_FULL, REASON_NO_SHIFT, OfferResult

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
MINUS = "\u2212"  # a real minus sign: screen readers say "minus", not "dash"
EN_DASH = "\u2013"

LABEL_TEXT = {"green": "Green", "wide": "Wide", "consolidated": "Consolidated", "best_value": "Best value"}

# Why a window, or a whole day, has nothing to sell.
WINDOW_REASON_TEXT = {
    REASON_FULL: "Full",
    REASON_CUTOFF: "Orders closed",
    REASON_NO_SHIFT: "No van at this time",
}
DAY_REASON_TEXT = {
    REASON_FULL: "Fully booked",
    REASON_CUTOFF: "Orders closed",
    REASON_NO_SHIFT: "No vans that day",
}


def money(amount: Decimal, currency: str) -> str:
    """``Decimal("4.2"), "EUR"`` → ``"€4.20"``; unknown currencies keep their code: ``"4.20 CHF"``."""
    figure = f"{abs(amount):,.2f}"
    sign = MINUS if amount < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{figure}" if symbol else f"{sign}{figure} {currency}"


@dataclass(frozen=True)
class Line:
    label: str
    amount: str


@dataclass(frozen=True)
class Badge:
    code: str
    text: str


@dataclass(frozen=True)
class WindowCard:
    start: str
    end: str
    available: bool
    reason: str = ""
    price: str = ""
    co2e_grams: int | None = None
    badges: tuple[Badge, ...] = ()
    breakdown: tuple[Line, ...] = ()
    quote: str = ""

    @property
    def time_range(self) -> str:
        return f"{self.start}{EN_DASH}{self.end}"

    @property
    def co2e(self) -> str:
        return grams_added(self.co2e_grams or 0)


@dataclass(frozen=True)
class WidthGroup:
    heading: str
    windows: tuple[WindowCard, ...]


@dataclass(frozen=True)
class DayCard:
    date: dt.date
    groups: tuple[WidthGroup, ...]
    available_count: int
    closed_reason: str  # set when no window of the day is available


@dataclass(frozen=True)
class SlotGrid:
    depot_name: str
    time_zone: str
    currency: str
    days: tuple[DayCard, ...]

    @property
    def available_count(self) -> int:
        return sum(day.available_count for day in self.days)


def grams_added(grams: int) -> str:
    """``1383`` → ``"+1,383 g"``: the CO2e a delivery adds, unit included (the markup adds "CO2e")."""
    return f"+{grams:,} g"


def clock(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def badges(labels: tuple[str, ...] | list[str]) -> tuple[Badge, ...]:
    return tuple(
        Badge(code=label, text=LABEL_TEXT.get(label, label.replace("_", " ").capitalize()))
        for label in labels
    )


def window_card(window: WindowOffer, tz: ZoneInfo) -> WindowCard:
    start, end = clock(window.start, tz), clock(window.end, tz)
    if not window.available or window.price is None:
        return WindowCard(
            start=start, end=end, available=False, reason=WINDOW_REASON_TEXT.get(window.reason, "Unavailable")
        )
    price = window.price
    return WindowCard(
        start=start,
        end=end,
        available=True,
        price=money(price.amount, price.currency),
        co2e_grams=window.co2e_grams,
        badges=badges(window.labels),
        breakdown=tuple(
            Line(label=line.label, amount=money(line.amount, price.currency)) for line in price.lines
        ),
        quote=window.quote,
    )


def day_reason(reasons: set[str]) -> str:
    """Why a day has no window to sell, naming what matters most to a shopper: a full van
    beats "no van", which beats "too late to order"."""
    for reason in (REASON_FULL, REASON_NO_SHIFT, REASON_CUTOFF):
        if reason in reasons:
            return DAY_REASON_TEXT[reason]
    return "No deliveries"


def width_heading(window: WindowOffer) -> str:
    if window.width_name == "all day":
        return "All day"
    return f"{float(window.hours):g}-hour windows"


def slot_grid(result: OfferResult) -> SlotGrid:
    """The offer's days, each with its windows grouped by width (narrowest first), in depot local time."""
    tz = result.depot.tz
    days = []
    currency = ""
    for day in result.days:
        by_width: dict[Decimal, list[WindowOffer]] = {}
        for window in day.windows:
            by_width.setdefault(window.hours, []).append(window)
            if window.price is not None:
                currency = window.price.currency
        groups = tuple(
            WidthGroup(heading=width_heading(windows[0]), windows=tuple(window_card(w, tz) for w in windows))
            for _, windows in sorted(by_width.items())
        )
        available = sum(1 for w in day.windows if w.available)
        closed_reason = "" if available else day_reason({w.reason for w in day.windows})
        days.append(
            DayCard(date=day.date, groups=groups, available_count=available, closed_reason=closed_reason)
        )
    return SlotGrid(
        depot_name=result.depot.name, time_zone=result.depot.time_zone, currency=currency, days=tuple(days)
    )


@dataclass(frozen=True)
class HeldWindow:
    """A hold or booking as its pages show it."""

    booking: Booking
    date: dt.date
    start: str
    end: str
    time_zone: str
    price: str
    breakdown: tuple[Line, ...]
    badges: tuple[Badge, ...]
    address: str
    status: str
    status_label: str
    expires_at_clock: str
    remaining_seconds: int
    choose_again_query: str

    @property
    def time_range(self) -> str:
        return f"{self.start}{EN_DASH}{self.end}"

    @property
    def co2e(self) -> str:
        return grams_added(self.booking.co2e_grams)

    @property
    def remaining_minutes(self) -> int:
        return math.ceil(self.remaining_seconds / 60)

    @property
    def remaining_mmss(self) -> str:
        return f"{self.remaining_seconds // 60:02d}:{self.remaining_seconds % 60:02d}"


def address_text(booking: Booking) -> str:
    record = booking.address or {}
    parts = [record.get("label", ""), record.get("street", "")]
    text = ", ".join(part for part in parts if part)
    return text or f"{booking.lat:.5f}, {booking.lon:.5f}"


def choose_again_query(booking: Booking) -> str:
    """The picker's query for the same address and parcel, to choose another window."""
    query = QueryDict(mutable=True)
    slug = (booking.address or {}).get("slug")
    if slug:
        query["address"] = slug
    else:
        query["lat"], query["lon"] = str(booking.lat), str(booking.lon)
    query["size_units"] = str(booking.size_units)
    query["service_minutes"] = str(booking.service_seconds // 60)
    return query.urlencode()


def held_window(booking: Booking, *, status: str, now: dt.datetime) -> HeldWindow:
    """``status`` is the effective one (a lapsed hold is expired before the purge marks it)."""
    depot = booking.depot_day.depot
    tz = depot.tz
    return HeldWindow(
        booking=booking,
        date=booking.window_start.astimezone(tz).date(),
        start=clock(booking.window_start, tz),
        end=clock(booking.window_end, tz),
        time_zone=depot.time_zone,
        price=money(booking.price_amount, booking.currency),
        breakdown=tuple(
            Line(label=line["label"], amount=money(Decimal(line["amount"]), booking.currency))
            for line in booking.price_breakdown
        ),
        badges=badges(booking.labels),
        address=address_text(booking),
        status=status,
        status_label=BookingStatus(status).label,
        expires_at_clock=clock(booking.hold_expires_at, tz),
        remaining_seconds=max(0, int((booking.hold_expires_at - now).total_seconds())),
        choose_again_query=choose_again_query(booking),
    )
