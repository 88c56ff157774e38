"""The demo retailer's hosted checkout: choose a window, hold it, confirm it.

Every page works without JavaScript; with htmx the picker swaps only its slot grid. A shopper sees
only the holds and bookings their own session created: any other id is a 404, as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from booking.api.throttling import client_ip
from booking.models import Booking, BookingStatus
from booking.references import reference_display
from booking.services.holds import (
    booking_cancel,
    booking_effective_status,
    booking_get,
    booking_reschedule,
    hold_confirm,
    hold_create,
    hold_release,
)
from booking.services.offers import offer_create
from booking.services.placement import client_key
from booking.waiting_room import TICKET_SESSION_KEY, Gate, WaitingRoom
from greenslot import clock
from greenslot.errors import GreenslotError, NotFound
from tenants.models import Retailer

from .forms import AddressForm, grid_choice, suggestions_context
from .language import shopper_language
from .manage import booking_by_token, manage_url
from .presentation import HeldWindow, held_window, shopper_message, slot_grid, waiting_room_context

SESSION_BOOKINGS = "greenslot.shopper.bookings"
# A session remembers its most recent holds only; older ones stay reachable through the retailer.
SESSION_BOOKINGS_MAX = 50
SEARCH_FIELDS = ("address", "lat", "lon")


def shopper_retailer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pass the retailer whose checkout this is, or answer 503 while it has not been set up."""

    @wraps(view)
    @shopper_language
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        slug = settings.GREENSLOT["SHOPPER_RETAILER"]
        retailer = Retailer.objects.filter(slug=slug).first()
        if retailer is None:
            return render(request, "booking/unavailable.html", {"retailer_slug": slug}, status=503)
        return view(request, retailer, *args, **kwargs)

    return wrapper


def remember_booking(request: HttpRequest, booking: Booking) -> None:
    remembered = [i for i in request.session.get(SESSION_BOOKINGS, []) if i != str(booking.id)]
    request.session[SESSION_BOOKINGS] = [*remembered, str(booking.id)][-SESSION_BOOKINGS_MAX:]


def own_booking(request: HttpRequest, retailer: Retailer, booking_id: UUID) -> Booking:
    """The hold or booking if this session created it; 404 otherwise."""
    if str(booking_id) not in request.session.get(SESSION_BOOKINGS, []):
        raise Http404("No such hold or booking.")
    try:
        return booking_get(retailer=retailer, booking_id=booking_id)
    except NotFound as exc:
        raise Http404("No such hold or booking.") from exc


def redirect_after_post(request: HttpRequest, url: str) -> HttpResponse:
    """htmx follows HX-Redirect with a full page load; a plain form gets 303 See Other."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url, status=303)


def render_picker(
    request: HttpRequest, retailer: Retailer, *, failure: GreenslotError | None = None, status: int = 200
) -> HttpResponse:
    """The picker for the search in the query string, with a fresh offer and any failure to report.

    A failed hold names its window (``window`` in the form): the failure is shown there, where
    the shopper tapped, rather than at the top of the grid.
    """
    errors = []
    searched = any(request.GET.get(name) for name in SEARCH_FIELDS)
    presets = list(retailer.preset_addresses.all())
    form = AddressForm.from_query(request.GET, presets=presets) if searched else AddressForm(presets=presets)
    grid = None
    waiting = None
    search_query = ""
    address_label = ""
    if searched:
        if form.is_valid():
            search_query = form.search_query()
            address_label = form.cleaned_data["address_label"]
            # The depot's waiting room: the visit's ticket lives in the shopper's session.
            gate = Gate(
                retailer_id=retailer.id,
                client=client_key(client_ip(request)),
                ticket=request.session.get(TICKET_SESSION_KEY, ""),
            )
            try:
                result = offer_create(
                    retailer=retailer,
                    lat=form.cleaned_data["point"][0],
                    lon=form.cleaned_data["point"][1],
                    size_units=form.cleaned_data["size_units"],
                    service_minutes=form.cleaned_data["service_minutes"],
                    address=form.cleaned_data["address_record"],
                    admit=gate.admit,
                )
            except WaitingRoom as room:
                request.session[TICKET_SESSION_KEY] = room.token
                waiting = waiting_room_context(room, retry_url=request.get_full_path())
            except GreenslotError as error:
                errors.append(shopper_message(error))
            else:
                if gate.ticket:
                    request.session[TICKET_SESSION_KEY] = gate.ticket
                grid = slot_grid(result, now=clock.now(), **grid_choice(request, failure))
        else:
            errors.extend(message for messages in form.errors.values() for message in messages)
    if failure and not (grid and grid.refusal_placed):
        errors.insert(0, shopper_message(failure))
    hold_url = reverse("booking:hold_create")
    rescheduling = None
    token = request.GET.get("reschedule", "")
    if token:
        rescheduling = booking_by_token(retailer, token)
        hold_url = reverse("booking:manage_reschedule", args=[token])
        search_query = f"{search_query}&{urlencode({'reschedule': token})}" if search_query else ""
    context = {
        "retailer": retailer,
        "form": form,
        "searched": searched,
        "grid": grid,
        "waiting": waiting,
        "errors": errors,
        "address_label": address_label,
        "push_url": True,
        "day_url": f"{reverse('booking:picker')}?{search_query}&day=",
        "hold_action": f"{hold_url}?{search_query}" if search_query else hold_url,
        "rescheduling": reference_display(rescheduling.reference or "") if rescheduling else "",
    }
    # A history restore asks for the whole page even though it comes from htmx.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "booking/shopper.html#slot-grid" if partial else "booking/shopper.html"
    if waiting is not None and not failure:
        status = 429
    response = render(request, template, context, status=200 if partial else status)
    if waiting is not None:
        response["Retry-After"] = str(waiting["retry_after"])
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_safe
@shopper_retailer_required
def address_suggestions(request: HttpRequest, retailer: Retailer) -> HttpResponse:
    """``/addresses/?address=kanaal``: addresses matching what the shopper typed, as links to their
    windows (htmx swaps them under the search field). Without htmx it is the search itself."""
    query = request.GET.copy()
    if not request.htmx:
        return redirect(f"{reverse('booking:picker')}?{query.urlencode()}")
    text = query.pop("address", [""])[-1].strip()
    query.pop("day", None)
    context = suggestions_context(
        text, choose_url=f"{reverse('booking:picker')}?{query.urlencode()}&address="
    )
    return render(request, "booking/address_suggestions.html", context)


@require_safe
@shopper_retailer_required
def picker(request: HttpRequest, retailer: Retailer) -> HttpResponse:
    """The "Choose a delivery window" page: the address form and, once searched, the slot grid."""
    return render_picker(request, retailer)


@require_POST
@shopper_retailer_required
def hold_new(request: HttpRequest, retailer: Retailer) -> HttpResponse:
    """Hold the quoted window; on refusal show the grid again, freshly offered, with the reason."""
    try:
        hold = hold_create(
            retailer=retailer,
            quote=request.POST.get("quote", ""),
            actor="shopper",
            client_ip=client_ip(request),
        )
    except GreenslotError as error:
        # htmx swaps only 2xx responses, so the refusal travels in the partial with a 200.
        return render_picker(request, retailer, failure=error, status=error.status)
    remember_booking(request, hold)
    return redirect_after_post(request, reverse("booking:hold", args=[hold.id]))


def shown_window(booking: Booking, now: dt.datetime) -> HeldWindow:
    """The hold or booking as its pages show it, in its effective state (a lapsed hold is expired)."""
    return held_window(booking, status=booking_effective_status(booking=booking, now=now), now=now)


def render_hold(
    request: HttpRequest,
    retailer: Retailer,
    hold: Booking,
    *,
    failure: GreenslotError | None = None,
    status: int = 200,
) -> HttpResponse:
    now = clock.now()
    window = shown_window(hold, now)
    context = {
        "retailer": retailer,
        "window": window,
        "errors": [shopper_message(failure)] if failure else [],
    }
    return render(request, "booking/hold.html", context, status=status)


@require_safe
@shopper_retailer_required
def hold_page(request: HttpRequest, retailer: Retailer, hold_id: UUID) -> HttpResponse:
    """The held window with its countdown; a confirmed hold lives on the booking page."""
    hold = own_booking(request, retailer, hold_id)
    if hold.status in (BookingStatus.CONFIRMED, BookingStatus.CANCELLED):
        return redirect("booking:booking", booking_id=hold.id)
    return render_hold(request, retailer, hold)


@require_POST
@shopper_retailer_required
def hold_confirm_post(request: HttpRequest, retailer: Retailer, hold_id: UUID) -> HttpResponse:
    hold = own_booking(request, retailer, hold_id)
    try:
        # The key is the hold's own: a double click or a resubmitted form confirms once. The
        # shopper page has no order of the retailer's to name (``external_ref``): the booking is it.
        booking, _created = hold_confirm(
            retailer=retailer,
            booking_id=hold.id,
            idempotency_key=f"shopper-{hold.id}",
            actor="shopper",
        )
    except GreenslotError as error:
        hold.refresh_from_db()
        return render_hold(request, retailer, hold, failure=error, status=error.status)
    return redirect_after_post(request, reverse("booking:booking", args=[booking.id]))


@require_POST
@shopper_retailer_required
def hold_release_post(request: HttpRequest, retailer: Retailer, hold_id: UUID) -> HttpResponse:
    hold = own_booking(request, retailer, hold_id)
    try:
        hold_release(retailer=retailer, booking_id=hold.id, actor="shopper")
    except GreenslotError as error:
        hold.refresh_from_db()
        return render_hold(request, retailer, hold, failure=error, status=error.status)
    return redirect_after_post(request, reverse("booking:hold", args=[hold.id]))


@require_safe
@shopper_retailer_required
def booking_page(request: HttpRequest, retailer: Retailer, booking_id: UUID) -> HttpResponse:
    """The confirmation; a hold that was never confirmed is shown on its hold page instead."""
    booking = own_booking(request, retailer, booking_id)
    if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.CANCELLED):
        return redirect("booking:hold", hold_id=booking.id)
    now = clock.now()
    window = shown_window(booking, now)
    context = {
        "retailer": retailer,
        "window": window,
        "reference": reference_display(booking.reference or ""),
        "manage_url": request.build_absolute_uri(manage_url(booking)),
    }
    return render(request, "booking/booking.html", context)


# --- the shopper's booking, by its signed link (manage.py) --------------------------------------


def render_manage(
    request: HttpRequest,
    retailer: Retailer,
    booking: Booking,
    token: str,
    *,
    failure: GreenslotError | None = None,
    status: int = 200,
) -> HttpResponse:
    now = clock.now()
    window = shown_window(booking, now)
    context = {
        "retailer": retailer,
        "window": window,
        "reference": reference_display(booking.reference or ""),
        "token": token,
        "changeable": booking.status == BookingStatus.CONFIRMED and booking.window_start > now,
        "reschedule_url": f"{reverse('booking:picker')}?{window.choose_again_query}&reschedule={token}",
        "errors": [shopper_message(failure)] if failure else [],
        "moved": request.GET.get("moved") == "1",
    }
    return render(request, "booking/manage.html", context, status=status)


@require_safe
@shopper_retailer_required
def manage_page(request: HttpRequest, retailer: Retailer, token: str) -> HttpResponse:
    """The booking, its reference, and (while it is ahead) cancel and choose-another-time."""
    return render_manage(request, retailer, booking_by_token(retailer, token), token)


@require_POST
@shopper_retailer_required
def manage_cancel(request: HttpRequest, retailer: Retailer, token: str) -> HttpResponse:
    booking = booking_by_token(retailer, token)
    try:
        booking_cancel(
            retailer=retailer, booking_id=booking.id, actor="shopper", reason="cancelled by the shopper"
        )
    except GreenslotError as error:
        booking.refresh_from_db()
        return render_manage(request, retailer, booking, token, failure=error, status=error.status)
    return redirect_after_post(request, reverse("booking:manage", args=[token]))


@require_POST
@shopper_retailer_required
def manage_reschedule(request: HttpRequest, retailer: Retailer, token: str) -> HttpResponse:
    """Move the booking to the quoted window; a refusal shows the picker again, at the window tapped."""
    booking = booking_by_token(retailer, token)
    try:
        booking_reschedule(
            retailer=retailer, booking_id=booking.id, quote=request.POST.get("quote", ""), actor="shopper"
        )
    except GreenslotError as error:
        return render_picker(request, retailer, failure=error, status=error.status)
    return redirect_after_post(request, reverse("booking:manage", args=[token]) + "?moved=1")
