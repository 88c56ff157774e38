"""The widget's pages: ``/widget.js``, the frame (slot grid, hold, release) and ``/widget/demo/``.

The frame reuses the shopper page's address fields and slot-grid partial and its presentation
helpers; what differs is who it serves (``access.frame_access``), how its forms are protected (a
frame token instead of the CSRF cookie, see ``access.frame_token_issue``) and that a hold ends in a
``postMessage`` to the host page rather than in a hold page of a session.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode
from uuid import UUID

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import reswap, retarget

from greenslot import clock
from greenslot.errors import GreenslotError
from tenants.origins import origin_allowed

from ..api.throttling import client_ip
from ..models import Booking
from ..references import reference_display
from ..services.holds import booking_effective_status, hold_create, hold_release
from ..services.offers import offer_create
from ..services.placement import client_key
from ..views.forms import AddressForm, grid_choice, suggestions_context
from ..views.language import shopper_language
from ..views.presentation import held_window, shopper_message, slot_grid, waiting_room_context
from ..waiting_room import Gate, WaitingRoom
from .access import (
    FrameAccess,
    FrameRefused,
    frame_access,
    frame_throttle_wait,
    frame_token_issue,
    frame_token_valid,
    origin_shaped,
)
from .demo_key import demo_key_path, demo_key_read
from .theme import THEME_FIELDS, theme_from

WIDGET_SCRIPT = "widget/widget.js"
# Retailers' pages load /widget.js on every checkout; an hour keeps that cheap, and the ETag makes a
# new release reach them within the hour without a versioned URL in their pages.
WIDGET_SCRIPT_MAX_AGE = 60 * 60

# The frame's query string: who it is for, then the search (as the shopper page names it).
FRAME_FIELDS = (
    "key",
    "origin",
    "lang",
    "address",
    "lat",
    "lon",
    "size_units",
    "service_minutes",
    # The visit's waiting-room ticket (booking.waiting_room), once the depot's room has given one.
    "ticket",
    *THEME_FIELDS,
)
SEARCH_FIELDS = ("address", "lat", "lon")
# The form field {% csrf_token %} writes; in the frame it holds the frame token.
FRAME_TOKEN_FIELD = "csrfmiddlewaretoken"

# What an htmx request swaps: the grid (a search, a refused hold) or the whole body (a release).
PARTIALS = {"grid": "booking/shopper.html#slot-grid", "body": "widget/frame.html#frame-body"}

FRAME_EXPIRED = GreenslotError(
    "frame_expired",
    "This page was open too long. Here are the windows again; please choose once more.",
    status=403,
)


# --- /widget.js ---------------------------------------------------------------------------------


@functools.cache
def script_source(path: str, mtime_ns: int) -> tuple[bytes, str]:
    """The script's bytes and ETag, read once per file version (``mtime_ns`` is the cache key)."""
    body = Path(path).read_bytes()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


@require_safe
def widget_script(request: HttpRequest) -> HttpResponse:
    """``static/widget/widget.js`` at a stable root URL, for retailers' ``<script src>``."""
    path = finders.find(WIDGET_SCRIPT)
    body, etag = script_source(path, Path(path).stat().st_mtime_ns)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=WIDGET_SCRIPT_MAX_AGE)
    # Loaded by other sites' pages: readable with crossorigin="anonymous" and under COEP.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return get_conditional_response(request, etag=etag, response=response)


# --- the frame ----------------------------------------------------------------------------------


NOBODY = "'none'"


def frame_csp(ancestor: str | None) -> str:
    """Only this site's own scripts and styles, and only ``ancestor`` may embed the frame."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {ancestor or NOBODY}",
        )
    )


def frame_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pass the checked ``FrameAccess``, or answer 403 with the reason; set the frame's headers.

    X-Frame-Options is lifted (``xframe_options_exempt``): CSP ``frame-ancestors`` is the stricter
    rule here, naming the one origin the frame was opened for. A refusal may be shown only to the
    origin it names (if it is shaped like one), so a developer sees why on their own page.
    """

    @xframe_options_exempt
    @functools.wraps(view)
    @shopper_language
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        claimed = request.GET.get("origin")
        try:
            access = frame_access(key=request.GET.get("key"), origin=claimed)
        except FrameRefused as refusal:
            ancestor = origin_shaped(claimed)
            context = {
                "refusal": refusal,
                "origin": claimed,
                "parent_origin": ancestor,
                "message": {"type": "greenslot:error", "code": refusal.code, "message": refusal.message},
            }
            response = render(request, "widget/refused.html", context, status=403)
        else:
            ancestor = access.origin
            response = view(request, access, *args, **kwargs)
        response["Content-Security-Policy"] = frame_csp(ancestor)
        # Quotes and tokens are per shopper and short-lived: never cached, anywhere.
        patch_cache_control(response, no_store=True)
        patch_vary_headers(response, ("HX-Request",))
        return response

    return wrapper


def frame_query(request: HttpRequest) -> QueryDict:
    """The frame's own parameters from the query string, to carry into its forms' URLs."""
    query = QueryDict(mutable=True)
    for name in FRAME_FIELDS:
        if name in request.GET:
            query[name] = request.GET[name]
    return query


def frame_url(name: str, query: QueryDict, *, args: tuple = ()) -> str:
    """A frame URL that keeps the frame's key, origin and search."""
    return f"{reverse(name, args=args)}?{query.urlencode()}"


def iso_utc(moment: dt.datetime) -> str:
    """As the API writes timestamps: ISO 8601 in UTC with ``Z``."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def hold_message(hold: Booking) -> dict:
    """What the host page receives: the hold to confirm, and what the shopper chose."""
    tz = hold.depot_day.depot.tz
    return {
        "type": "greenslot:hold",
        "hold_id": str(hold.id),
        "reference": reference_display(hold.reference),
        "window": {
            "start": hold.window_start.astimezone(tz).isoformat(),
            "end": hold.window_end.astimezone(tz).isoformat(),
        },
        "price": {"amount": f"{hold.price_amount:.2f}", "currency": hold.currency},
        "co2e_grams": hold.co2e_grams,
        "expires_at": iso_utc(hold.hold_expires_at),
    }


def throttled(wait: float) -> GreenslotError:
    return GreenslotError(
        "throttled", f"Too many requests from here; please try again in {int(wait) + 1} seconds.", status=429
    )


def frame_context(request: HttpRequest, access: FrameAccess) -> dict:
    query = frame_query(request)
    theme = {name: query[name] for name in THEME_FIELDS if query.get(name)}
    return {
        "theme_query": urlencode(theme) if theme_from(theme) else "",
        "retailer": access.retailer,
        "parent_origin": access.origin,
        "query": query,
        # The frame's forms (and the shared slot-grid partial's) carry the frame token where
        # {% csrf_token %} puts Django's cookie-bound one; it needs no cookie (see access.py).
        "csrf_token": frame_token_issue(access=access),
    }


def render_frame(
    request: HttpRequest,
    access: FrameAccess,
    *,
    failure: GreenslotError | None = None,
    status: int = 200,
    message: dict | None = None,
    partial: str = "grid",
) -> HttpResponse:
    """The address form (unless the host page fixed the point) and the slot grid, freshly offered.

    ``partial`` is what an htmx request swaps: the grid (a search, a refused hold) or the whole
    body (after a release).
    """
    context = frame_context(request, access)
    query = context["query"]
    errors = []
    searched = any(query.get(name) for name in SEARCH_FIELDS)
    # Before a search, the host page's data-size-units (if any) fills in the parcel field.
    initial = {"size_units": query["size_units"]} if query.get("size_units") else {}
    presets = list(access.retailer.preset_addresses.all())
    form = (
        AddressForm.from_query(query, presets=presets)
        if searched
        else AddressForm(initial=initial, presets=presets)
    )
    grid = None
    waiting = None
    address_label = ""
    if searched and form.is_valid():
        address_label = form.cleaned_data["address_label"]
        wait = frame_throttle_wait(request=request, access=access, scope="offers")
        if wait is not None:
            errors.append(throttled(wait).message)
        else:
            gate = Gate(
                retailer_id=access.retailer.id,
                client=client_key(client_ip(request)),
                ticket=query.get("ticket", ""),
            )
            try:
                result = offer_create(
                    retailer=access.retailer,
                    lat=form.cleaned_data["point"][0],
                    lon=form.cleaned_data["point"][1],
                    size_units=form.cleaned_data["size_units"],
                    service_minutes=form.cleaned_data["service_minutes"],
                    address=form.cleaned_data["address_record"],
                    admit=gate.admit,
                )
            except WaitingRoom as room:
                waiting = waiting_context(room, query)
            except GreenslotError as error:
                errors.append(shopper_message(error))
            else:
                if gate.ticket:
                    # Admitted: the frame's links and forms carry the visit's pass from now on.
                    query["ticket"] = gate.ticket
                grid = slot_grid(result, now=clock.now(), **grid_choice(request, failure))
    elif searched:
        errors.extend(message for messages in form.errors.values() for message in messages)
    if failure and not (grid and grid.refusal_placed):
        errors.insert(0, shopper_message(failure))
    context |= {
        "form": form,
        "address_label": address_label,
        "suggestions_url": reverse("widget:address_suggestions"),
        # The frame's own parameters the address form carries along (the form has its own fields).
        "frame_hidden": ("key", "origin", "lang", "ticket", *THEME_FIELDS),
        "day_url": frame_url("widget:frame", query) + "&day=",
        "searched": searched,
        "grid": grid,
        "waiting": waiting,
        "errors": errors,
        "message": message,
        # The host page's data-lat/data-lon come without the form's own "address" field.
        "show_address_form": not (query.get("lat") and query.get("lon") and "address" not in query),
        "frame_action": reverse("widget:frame"),
        "hold_action": frame_url("widget:hold_create", query),
    }
    partial_request = request.htmx and not request.htmx.history_restore_request
    template = PARTIALS[partial] if partial_request else "widget/frame.html"
    if waiting is not None and not failure:
        status = 429
    response = render(request, template, context, status=200 if partial_request else status)
    if waiting is not None:
        response["Retry-After"] = str(waiting["retry_after"])
    return response


def waiting_context(room: WaitingRoom, query: QueryDict) -> dict:
    """The waiting room in the frame: it asks again by itself at the turn, with its ticket."""
    again = query.copy()
    again["ticket"] = room.token
    return waiting_room_context(room, retry_url=frame_url("widget:frame", again))


def render_held(request: HttpRequest, access: FrameAccess, hold: Booking) -> HttpResponse:
    """The held window, and the message that hands it to the host page."""
    now = clock.now()
    context = frame_context(request, access)
    context |= {
        "held": held_window(hold, status=booking_effective_status(booking=hold, now=now), now=now),
        "message": hold_message(hold),
        "release_action": frame_url("widget:hold_release", context["query"], args=(hold.id,)),
        "again_url": frame_url("widget:frame", context["query"]),
    }
    if request.htmx:
        # The hold form targets the grid; the held window replaces the whole body.
        response = render(request, "widget/frame.html#frame-body", context)
        return reswap(retarget(response, "#frame-body"), "outerHTML")
    return render(request, "widget/frame.html", context)


def frame_refusal(request: HttpRequest, access: FrameAccess, scope: str) -> GreenslotError | None:
    """Why a frame POST may not proceed (an expired or foreign token, a spent rate), else None."""
    if not frame_token_valid(access=access, token=request.POST.get(FRAME_TOKEN_FIELD)):
        return FRAME_EXPIRED
    wait = frame_throttle_wait(request=request, access=access, scope=scope)
    if wait is not None:
        return throttled(wait)
    return None


@require_safe
@frame_view
def frame(request: HttpRequest, access: FrameAccess) -> HttpResponse:
    """``/widget/frame?key=pk_...&origin=...[&lat=&lon=&size_units=]``: the slot picker in the iframe."""
    return render_frame(request, access)


# The frame token (checked in frame_refusal) stands in for the CSRF cookie, which a cross-site
# frame never gets; see access.frame_token_issue for why that is as strong here.
@require_safe
@frame_view
def address_suggestions(request: HttpRequest, access: FrameAccess) -> HttpResponse:
    """The frame's address suggestions (see ``booking.views.shopper.address_suggestions``), on the
    key's offer budget, as links that keep the frame's key, origin, basket and theme."""
    query = frame_query(request)
    text = query.pop("address", [""])[-1].strip()
    wait = frame_throttle_wait(request=request, access=access, scope="offers")
    context = suggestions_context(
        text if wait is None else "", choose_url=frame_url("widget:frame", query) + "&address="
    )
    if wait is not None:
        context["errors"] = [throttled(wait).message]
    return render(request, "booking/address_suggestions.html", context)


@csrf_exempt
@require_POST
@frame_view
def hold_new(request: HttpRequest, access: FrameAccess) -> HttpResponse:
    """Hold the quoted window for the key's retailer; on refusal show the grid again with the reason."""
    refusal = frame_refusal(request, access, "holds")
    if refusal is not None:
        return render_frame(request, access, failure=refusal, status=refusal.status)
    try:
        hold = hold_create(
            retailer=access.retailer,
            quote=request.POST.get("quote", ""),
            actor=access.actor,
            client_ip=client_ip(request),
        )
    except GreenslotError as error:
        # htmx swaps only 2xx answers, so the refusal travels in the partial with a 200.
        return render_frame(request, access, failure=error, status=error.status)
    return render_held(request, access, hold)


@csrf_exempt
@require_POST
@frame_view
def hold_release_post(request: HttpRequest, access: FrameAccess, hold_id: UUID) -> HttpResponse:
    """Choose another window: give the hold back, tell the host page, show the grid again."""
    refusal = frame_refusal(request, access, "holds")
    if refusal is not None:
        return render_frame(request, access, failure=refusal, status=refusal.status, partial="body")
    try:
        hold_release(retailer=access.retailer, booking_id=hold_id, actor=access.actor)
    except GreenslotError as error:
        return render_frame(request, access, failure=error, status=error.status, partial="body")
    message = {"type": "greenslot:released", "hold_id": str(hold_id)}
    return render_frame(request, access, message=message, partial="body")


@require_safe
def theme_stylesheet(request: HttpRequest) -> HttpResponse:
    """``/widget/theme.css?color=%23aa0044&font=Georgia&radius=4px``: the retailer's look, as CSS
    custom properties over the frame's own (see ``theme.py``); invalid values are left out."""
    theme = theme_from({name: request.GET.get(name, "") for name in THEME_FIELDS})
    response = HttpResponse(theme.css() if theme else "", content_type="text/css; charset=utf-8")
    patch_cache_control(response, public=True, max_age=WIDGET_SCRIPT_MAX_AGE)
    return response


# --- /widget/demo/ ------------------------------------------------------------------------------


@require_safe
def demo(request: HttpRequest) -> HttpResponse:
    """A retailer's checkout, played by Greenslot itself: the embed code, the widget, what the page receives."""
    found = demo_key_read()
    if found is None:
        return render(request, "widget/demo_missing.html", {"key_file": demo_key_path()}, status=503)
    key, plaintext = found
    origin = request.build_absolute_uri("/").rstrip("/")
    context = {
        "retailer": key.retailer,
        "publishable_key": plaintext,
        "script_src": request.build_absolute_uri(reverse("widget:script")),
        "api_url": origin,
        "origin": origin,
        "origin_allowed": origin_allowed(retailer=key.retailer, origin=origin),
    }
    return render(request, "widget/demo.html", context)
