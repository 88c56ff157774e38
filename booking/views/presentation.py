"""What the shopper pages show: offers and bookings turned into words, local times and money.

Pure functions over service results; no queries. Money stays ``Decimal`` until it becomes text here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.http import QueryDict
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from booking.claims import booking_claim, offer_day_claims
from booking.models import Booking, BookingStatus
from booking.services.offer_windows import WindowOffer
from booking.services.offers import REASON_CUTOFF, REASON_FULL, REASON_NO_SHIFT, OfferResult
from booking.waiting_room import WaitingRoom
from greenslot.errors import GreenslotError
from pricing.calculation import (
    BASE_FEE,
    CONSOLIDATION_DISCOUNT,
    DISPLACEMENT,
    FREE_DELIVERY,
    PEAK_SURCHARGE,
    WIDTH_DISCOUNT,
    WindowPrice,
)
from pricing.labels import CONSOLIDATED, ENVIRONMENTAL_LABELS, GREEN, ClaimBasis

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
MINUS = "\u2212"  # a real minus sign: screen readers say "minus", not "dash"
EN_DASH = "\u2013"

# Every label an offer can carry, translated: ``pricing.labels.LABEL_NAMES`` in the shopper's
# language (a test keeps the English equal). An environmental claim never stands alone: it carries
# its basis (``claim_statement``) and the page links to the method (/method/).
LABEL_TEXT = {
    "green": _("Low CO₂e"),
    "wide": _("Wide window"),
    "consolidated": _("Van nearby"),
    "best_value": _("Lowest price today"),
}
# The basis of each claim in one sentence: its grams against the day's average window.
CLAIM_STATEMENT = {
    CONSOLIDATED: _("Van already nearby: %(grams)s CO₂e, %(percent)s %% below this day's average window."),
    GREEN: _("Low CO₂e: %(grams)s CO₂e, %(percent)s %% below this day's average window."),
}
# The grid's width groups already say a window is wide; its cells do not repeat it.
GRID_IMPLIED_LABELS = frozenset({"wide"})

# Why a window, or a whole day, has nothing to sell.
WINDOW_REASON_TEXT = {
    REASON_FULL: _("Full"),
    REASON_CUTOFF: _("Orders closed"),
    REASON_NO_SHIFT: _("No van at this time"),
}
DAY_REASON_TEXT = {
    REASON_FULL: _("Fully booked"),
    REASON_CUTOFF: _("Orders closed"),
    REASON_NO_SHIFT: _("No vans that day"),
}


# The price breakdown in the shopper's words: the one place pricing's line codes become shopper text.
# Every other line (the route cost, floor and cap adjustments, rounding, any term added later) is
# how the fee was worked out, not something the shopper chooses: it is folded into the delivery fee.
DELIVERY_FEE = _("Delivery fee")
BUSY_TIME = _("Busy-time surcharge")
SHOPPER_LINE_TEXT = {
    BASE_FEE: DELIVERY_FEE,
    PEAK_SURCHARGE: BUSY_TIME,
    DISPLACEMENT: BUSY_TIME,  # the price of capacity later shoppers may need
    WIDTH_DISCOUNT: _("Wider-window saving"),
    CONSOLIDATION_DISCOUNT: _("Shared-route saving"),
    FREE_DELIVERY: _("Free delivery for your basket"),
}
# The hold and booking states in the shopper's language (the model's labels are for staff).
STATUS_TEXT = {
    BookingStatus.HELD: _("Held"),
    BookingStatus.CONFIRMED: _("Confirmed"),
    BookingStatus.RELEASED: _("Released"),
    BookingStatus.EXPIRED: _("Expired"),
    BookingStatus.CANCELLED: _("Cancelled"),
}
# How money is written in each language: (decimal mark, thousands mark, symbol after the figure).
MONEY_STYLE = {
    "en": (".", ",", False),
    "nl": (",", ".", False),
    "de": (",", ".", True),
    "fr": (",", "\u202f", True),
}


def money(amount: Decimal, currency: str) -> str:
    """``Decimal("4.2"), "EUR"`` → ``"€4.20"``; unknown currencies keep their code: ``"4.20 CHF"``.

    Written as the active language writes money: ``€ 4,20`` in Dutch, ``4,20 €`` in German and French.
    """
    decimal_mark, thousands_mark, after = MONEY_STYLE.get((get_language() or "en")[:2], MONEY_STYLE["en"])
    figure = f"{abs(amount):,.2f}".replace(",", "\0").replace(".", decimal_mark).replace("\0", thousands_mark)
    sign = MINUS if amount < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol and not after:
        space = "\u00a0" if decimal_mark == "," else ""
        return f"{sign}{symbol}{space}{figure}"
    return f"{sign}{figure}\u00a0{symbol or currency}" if after or symbol else f"{sign}{figure} {currency}"


@dataclass(frozen=True)
class Line:
    label: str
    amount: str


@dataclass(frozen=True)
class Badge:
    code: str
    text: str
    # An environmental claim's basis: "85" (% below the day's average window) and the sentence.
    percent_below: int | None = None
    statement: str = ""

    @property
    def environmental(self) -> bool:
        return self.code in ENVIRONMENTAL_LABELS


@dataclass(frozen=True)
class WindowCard:
    key: str
    start: str
    end: str
    available: bool
    reason: str = ""
    price: str = ""
    co2e_grams: int | None = None
    badges: tuple[Badge, ...] = ()
    breakdown: tuple[Line, ...] = ()
    quote: str = ""
    cutoff_note: str = ""
    refusal: str = ""  # why holding this window was just refused, shown at the window itself
    tall: bool = False  # some day's window at this time has a cut-off note (the desktop rows align)

    @property
    def time_range(self) -> str:
        return f"{self.start}{EN_DASH}{self.end}"

    @property
    def co2e(self) -> str:
        return grams_added(self.co2e_grams or 0)

    @property
    def claim(self) -> Badge | None:
        return next((badge for badge in self.badges if badge.environmental), None)


@dataclass(frozen=True)
class WidthGroup:
    """One width's windows of a day, in the rows of ``SlotGrid.rows`` (``None`` where this day has
    no window at that time: the desktop's week keeps the rows of every day aligned)."""

    heading: str
    windows: tuple[WindowCard | None, ...]

    @property
    def empty(self) -> bool:
        return all(window is None for window in self.windows)


@dataclass(frozen=True)
class WidthRows:
    """One width's rows of the week: the times of the windows any day offers, and which are tall."""

    heading: str
    times: tuple[str, ...]
    tall: tuple[bool, ...]

    @property
    def slots(self) -> list[tuple[str, bool]]:
        return list(zip(self.times, self.tall, strict=True))


@dataclass(frozen=True)
class DayCard:
    date: dt.date
    groups: tuple[WidthGroup, ...]
    available_count: int
    closed_reason: str  # set when no window of the day is available
    from_price: str = ""  # the day's cheapest available window
    cutoff_rule: str = ""

    @property
    def has_refusal(self) -> bool:
        return any(window and window.refusal for group in self.groups for window in group.windows)

    @property
    def short_reason(self) -> str:
        """The day strip's word for a day without windows."""
        return str(_("Full")) if self.closed_reason == str(DAY_REASON_TEXT[REASON_FULL]) else str(_("Closed"))

    selected: bool = False


@dataclass(frozen=True)
class SlotGrid:
    depot_name: str
    time_zone: str
    currency: str
    days: tuple[DayCard, ...]
    refusal_placed: bool = False  # the refusal is shown at the window that was tapped
    rows: tuple[WidthRows, ...] = ()

    @property
    def available_count(self) -> int:
        return sum(day.available_count for day in self.days)

    @property
    def legend(self) -> tuple[Badge, ...]:
        """The two claims as the grid's legend names them (the grid's cells show their icons)."""
        return (
            Badge(code=CONSOLIDATED, text=label_text(CONSOLIDATED)),
            Badge(code=GREEN, text=label_text(GREEN)),
        )

    @property
    def has_day_rules(self) -> bool:
        return any(day.cutoff_rule and not day.closed_reason for day in self.days)

    @property
    def selected_day(self) -> DayCard | None:
        return next((day for day in self.days if day.selected), None)

    @property
    def has_claims(self) -> bool:
        return any(
            badge.environmental
            for day in self.days
            for group in day.groups
            for window in group.windows
            if window is not None
            for badge in window.badges
        )


# Refusals a shopper meets, in the active language; English keeps the service's own words.
SHOPPER_ERRORS = {
    "window_unavailable": _("This window has just filled up; please choose another."),
    "hold_limit_reached": _(
        "This address already has %(limit)s windows on hold; confirm or release one first."
    ),
    "hold_expired": _("This hold has expired and its window was released; please choose again."),
    "quote_expired": _("These windows were shown too long ago; here they are again."),
    "outside_service_area": _("We do not deliver to this address yet."),
    "frame_expired": _("This page was open too long. Here are the windows again; please choose once more."),
}


def shopper_message(error: GreenslotError) -> str:
    """``error``'s message as the shopper reads it, in the active language."""
    text = SHOPPER_ERRORS.get(error.code)
    if text is None or (get_language() or "en").startswith("en"):
        return error.message
    return str(text) % {"limit": (error.details or {}).get("limit", "")}


def shopper_lines(breakdown: list[dict], currency: str) -> tuple[Line, ...]:
    """Breakdown lines (``{"code", "label", "amount"}``, as offers and bookings store them) in the
    shopper's words: the delivery fee first, then each saving or surcharge that applies; the lines
    still add up to the price."""
    fee = str(DELIVERY_FEE)
    totals: dict[str, Decimal] = {fee: Decimal(0)}
    for line in breakdown:
        text = str(SHOPPER_LINE_TEXT.get(line.get("code", ""), DELIVERY_FEE))
        totals[text] = totals.get(text, Decimal(0)) + Decimal(line["amount"])
    return tuple(
        Line(label=text, amount=money(amount, currency))
        for text, amount in totals.items()
        if amount or text == fee
    )


def grams_added(grams: int) -> str:
    """``1383`` → ``"+1,383 g"``: the CO2e a delivery adds, unit included (the markup adds "CO2e")."""
    return f"+{grams:,} g"


def clock(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def claim_statement(basis: ClaimBasis) -> str:
    """ "Van already nearby: +40 g CO₂e, 85 % below this day's average window." """
    return str(CLAIM_STATEMENT[basis.code]) % {
        "grams": grams_added(basis.grams),
        "percent": basis.percent_below,
    }


def label_text(code: str) -> str:
    return str(LABEL_TEXT.get(code, code.replace("_", " ").capitalize()))


def badges(labels: Iterable[str], claim: ClaimBasis | None = None) -> tuple[Badge, ...]:
    """A badge per label; the environmental claim is one badge (``claim.code``) with its basis.

    A window near a van is labelled both green and consolidated: the shopper reads the one, more
    specific claim. Without a basis an environmental label is not shown at all.
    """
    shown: list[Badge] = []
    for label in labels:
        if label not in ENVIRONMENTAL_LABELS:
            shown.append(Badge(code=label, text=label_text(label)))
        elif claim is not None and label == claim.code:
            shown.append(
                Badge(
                    code=label,
                    text=label_text(label),
                    percent_below=claim.percent_below,
                    statement=claim_statement(claim),
                )
            )
    # The claim first: it is what the window's badge line leads with.
    return tuple(sorted(shown, key=lambda badge: not badge.environmental))


def window_key(start: dt.datetime, end: dt.datetime) -> str:
    """A window's name in a form: its instants in UTC, so the picker can find it in a fresh offer."""
    return f"{start.astimezone(dt.UTC):%Y%m%dT%H%M}-{end.astimezone(dt.UTC):%Y%m%dT%H%M}"


def cutoff_note(window: WindowOffer, tz: ZoneInfo, now: dt.datetime) -> str:
    """ "order by 20:00 tonight" when orders for a window close on an earlier day than its delivery.

    A cut-off on the delivery day itself is the day's ordinary rule (``day_cutoff_rule``).
    """
    cutoff = window.cutoff.astimezone(tz)
    if cutoff.date() >= window.date:
        return ""
    today = now.astimezone(tz).date()
    time = f"{cutoff:%H:%M}"
    if cutoff.date() == today:
        if cutoff.hour >= 18:
            return _("order by %(time)s tonight") % {"time": time}
        return _("order by %(time)s today") % {"time": time}
    if cutoff.date() == today + dt.timedelta(days=1):
        return _("order by %(time)s tomorrow") % {"time": time}
    return _("order by %(time)s on %(day)s") % {"time": time, "day": date_format(cutoff, "D")}


def day_cutoff_rule(windows: tuple[WindowOffer, ...]) -> str:
    """ "Orders close 2 hours before a window starts", when the day's same-day cut-offs share one lead."""
    leads = {
        window.start - window.cutoff
        for window in windows
        if window.available and window.cutoff.date() == window.start.date()
    }
    if len(leads) != 1:
        return ""
    minutes = int(leads.pop().total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext(
            "Orders close %(hours)d hour before a window starts.",
            "Orders close %(hours)d hours before a window starts.",
            hours,
        ) % {"hours": hours}
    return _("Orders close %(minutes)d minutes before a window starts.") % {"minutes": minutes}


def window_card(
    window: WindowOffer, tz: ZoneInfo, now: dt.datetime, refusal: str = "", claim: ClaimBasis | None = None
) -> WindowCard:
    start, end = clock(window.start, tz), clock(window.end, tz)
    key = window_key(window.start, window.end)
    if refusal or not window.available or window.price is None:
        return WindowCard(
            key=key,
            start=start,
            end=end,
            available=False,
            reason=str(WINDOW_REASON_TEXT.get(window.reason, _("Unavailable"))),
            refusal=refusal,
        )
    price = window.price
    return WindowCard(
        key=key,
        start=start,
        end=end,
        available=True,
        price=money(price.amount, price.currency),
        co2e_grams=window.co2e_grams,
        badges=badges((label for label in window.labels if label not in GRID_IMPLIED_LABELS), claim),
        breakdown=shopper_lines(price.breakdown(), price.currency),
        quote=window.quote,
        cutoff_note=cutoff_note(window, tz, now),
    )


def day_reason(reasons: set[str]) -> str:
    """Why a day has no window to sell, naming what matters most to a shopper: a full van
    beats "no van", which beats "too late to order"."""
    for reason in (REASON_FULL, REASON_NO_SHIFT, REASON_CUTOFF):
        if reason in reasons:
            return str(DAY_REASON_TEXT[reason])
    return str(_("No deliveries"))


def width_heading(window: WindowOffer) -> str:
    if window.width_name == "all day":
        return str(_("All day"))
    hours = float(window.hours)
    return _("%(hours)s-hour windows") % {"hours": f"{hours:g}"}


def slot_grid(
    result: OfferResult,
    *,
    now: dt.datetime,
    day: dt.date | None = None,
    refused_key: str = "",
    refusal: str = "",
) -> SlotGrid:
    """The offer's days, each with its windows grouped by width (narrowest first), in depot local time.

    ``day`` is the day the shopper chose (by default the first with a window to sell); a
    ``refusal`` is placed at the window named ``refused_key`` if the fresh offer still has it.
    Every day's groups have the week's rows (``SlotGrid.rows``): the same times in the same order,
    ``None`` where a day has no such window, so a desktop can lay the days side by side.
    """
    tz = result.depot.tz
    currency = ""
    refusal_placed = False
    dates = [d.date for d in result.days]
    selectable = [d.date for d in result.days if any(w.available for w in d.windows)]
    if day not in dates:
        day = selectable[0] if selectable else (dates[0] if dates else None)
    headings: dict[Decimal, str] = {}
    cards_by_day: list[dict[Decimal, dict[str, WindowCard]]] = []
    days = []
    for offered in result.days:
        by_width: dict[Decimal, dict[str, WindowCard]] = {}
        cheapest: WindowPrice | None = None
        for window, claim in zip(offered.windows, offer_day_claims(offered), strict=True):
            own_refusal = (
                refusal if refused_key and window_key(window.start, window.end) == refused_key else ""
            )
            if own_refusal:
                refusal_placed = True
                day = offered.date
            card = window_card(window, tz, now, own_refusal, claim)
            by_width.setdefault(window.hours, {})[card.time_range] = card
            headings.setdefault(window.hours, width_heading(window))
            if window.price is not None:
                currency = window.price.currency
                if window.available and (cheapest is None or window.price.amount < cheapest.amount):
                    cheapest = window.price
        cards_by_day.append(by_width)
        available = sum(1 for w in offered.windows if w.available)
        closed_reason = "" if available else day_reason({w.reason for w in offered.windows})
        days.append(
            DayCard(
                date=offered.date,
                groups=(),
                available_count=available,
                closed_reason=closed_reason,
                from_price=money(cheapest.amount, cheapest.currency) if cheapest else "",
                cutoff_rule=day_cutoff_rule(offered.windows),
            )
        )
    rows = week_rows(headings, cards_by_day)
    days = [
        replace(
            d,
            selected=d.date == day,
            groups=tuple(
                WidthGroup(
                    heading=row.heading,
                    windows=tuple(
                        aligned(cards.get(hours, {}).get(time), tall)
                        for time, tall in zip(row.times, row.tall, strict=True)
                    ),
                )
                for hours, row in zip(sorted(headings), rows, strict=True)
            ),
        )
        for d, cards in zip(days, cards_by_day, strict=True)
    ]
    return SlotGrid(
        depot_name=result.depot.name,
        time_zone=result.depot.time_zone,
        currency=currency,
        days=tuple(days),
        refusal_placed=refusal_placed,
        rows=rows,
    )


def week_rows(
    headings: dict[Decimal, str], cards_by_day: list[dict[Decimal, dict[str, WindowCard]]]
) -> tuple[WidthRows, ...]:
    """Per width (narrowest first), the times any day has a window at, in order of the clock."""
    rows = []
    for hours in sorted(headings):
        times = sorted({time for cards in cards_by_day for time in cards.get(hours, {})})
        tall = tuple(
            any(
                cards.get(hours, {}).get(time, None) and cards[hours][time].cutoff_note
                for cards in cards_by_day
            )
            for time in times
        )
        rows.append(WidthRows(heading=headings[hours], times=tuple(times), tall=tall))
    return tuple(rows)


def aligned(card: WindowCard | None, tall: bool) -> WindowCard | None:
    return replace(card, tall=tall) if card is not None and tall else card


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
    def claim(self) -> Badge | None:
        return next((badge for badge in self.badges if badge.environmental), None)

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
    label, street = record.get("label", ""), record.get("street", "")
    # A preset is "Binnenstad, Domplein"; a found address already names its street.
    parts = [label] if street and street in label else [label, street]
    text = ", ".join(part for part in parts if part)
    # A point from the retailer's checkout has no words: shoppers are never shown coordinates.
    return text or str(_("The address given at checkout"))


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
        breakdown=shopper_lines(booking.price_breakdown, booking.currency),
        badges=badges(booking.labels, booking_claim(booking)),
        address=address_text(booking),
        status=status,
        status_label=str(STATUS_TEXT.get(status, BookingStatus(status).label)),
        expires_at_clock=clock(booking.hold_expires_at, tz),
        remaining_seconds=max(0, int((booking.hold_expires_at - now).total_seconds())),
        choose_again_query=choose_again_query(booking),
    )


def waiting_room_context(room: WaitingRoom, *, retry_url: str) -> dict:
    """What a page shows in a depot's waiting room (``booking/shopper.html#slot-grid``): the
    place, the wait in whole minutes, and where the page asks again by itself at the turn."""
    return {
        "position": room.position,
        "minutes": max(1, math.ceil(room.wait_seconds / 60)),
        "retry_after": room.retry_after,
        "retry_url": retry_url,
    }
