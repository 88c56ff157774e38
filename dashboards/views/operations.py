"""Staff pages for running a depot: exports (bookings CSV, a day's routes as CSV and manifest), the
live day board, and the setup checklist with its test offer."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from fleet.models import Depot
from fleet.roster_services import roster_apply_all
from greenslot import clock
from greenslot.errors import GreenslotError

from ..day_board import depot_day_board
from ..exports import booking_export_rows, depot_day_manifest, route_export_rows
from ..forms import BookingExportForm, TestOfferForm
from ..setup import depot_setup_checklist, depot_test_offer

BOARD_REFRESH_SECONDS = 30


class _Echo:
    """A file-like object for ``csv.writer`` that hands back each line instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def _csv_stream(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _require_bookings_view(request) -> None:
    if not (request.user.has_perm("booking.view_booking") or request.user.has_perm("booking.change_booking")):
        raise PermissionDenied


def _depot_date(depot_code: str, date: str) -> tuple[Depot, dt.date]:
    depot = get_object_or_404(Depot, code=depot_code)
    try:
        return depot, dt.date.fromisoformat(date)
    except ValueError as exc:
        raise Http404("Not a date.") from exc


@staff_member_required
def exports_page(request):
    """The export filters, and links to each depot's routes for today and tomorrow."""
    _require_bookings_view(request)
    form = BookingExportForm(request.GET or None)
    now = clock.now()
    depots = [(depot, timezone.localtime(now, depot.tz).date()) for depot in Depot.objects.order_by("code")]
    days = [(depot, today + dt.timedelta(days=n)) for depot, today in depots for n in (0, 1)]
    return render(request, "dashboards/exports.html", {"form": form, "days": days, "nav": "exports"})


@staff_member_required
def bookings_csv(request):
    """Bookings as CSV, filtered by ``depot`` (code), ``date_from``/``date_to`` (delivery dates),
    ``retailer`` (slug) and ``state``; streamed, so a year of bookings never sits in memory."""
    _require_bookings_view(request)
    form = BookingExportForm(request.GET)
    if not form.is_valid():
        return JsonResponse(
            {"code": "invalid_filter", "message": form.error_text(), "details": form.errors.get_json_data()},
            status=400,
        )
    selection = form.selection()
    name = "-".join(
        part
        for part in (
            "bookings",
            selection.depot.code if selection.depot else "",
            selection.first.isoformat() if selection.first else "",
            selection.last.isoformat() if selection.last else "",
        )
        if part
    )
    return _csv_stream(booking_export_rows(selection=selection, now=clock.now()), f"{name}.csv")


@staff_member_required
def routes_csv(request, depot_code: str, date: str):
    """One depot-day's routes as CSV: a row per stop, in each vehicle's order."""
    _require_bookings_view(request)
    depot, day = _depot_date(depot_code, date)
    manifest = depot_day_manifest(depot=depot, date=day, now=clock.now())
    if manifest is None:
        raise Http404("No plan for this depot on this day.")
    return _csv_stream(route_export_rows(manifest), f"routes-{depot.code}-{day.isoformat()}.csv")


@staff_member_required
def manifest_page(request, depot_code: str, date: str):
    """A printable manifest: one page per vehicle with its stops in order."""
    _require_bookings_view(request)
    depot, day = _depot_date(depot_code, date)
    manifest = depot_day_manifest(depot=depot, date=day, now=clock.now())
    return render(
        request,
        "dashboards/manifest.html",
        {"depot": depot, "date": day, "manifest": manifest, "tz": depot.tz},
    )


@staff_member_required
def day_board_page(request, depot_code: str, date: str):
    """The depot's day, refreshed by htmx every ``BOARD_REFRESH_SECONDS`` while the tab is visible;
    an htmx request gets the board alone."""
    depot, day = _depot_date(depot_code, date)
    board = depot_day_board(depot=depot, date=day, now=clock.now())
    context = {
        "board": board,
        "depot": depot,
        "date": day,
        "tz": depot.tz,
        "refresh_seconds": BOARD_REFRESH_SECONDS,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "nav": "day",
    }
    template = "dashboards/day_board.html#board" if request.htmx else "dashboards/day_board.html"
    return render(request, template, context)


@staff_member_required
def day_board_today(request, depot_code: str):
    depot = get_object_or_404(Depot, code=depot_code)
    today = timezone.localtime(clock.now(), depot.tz).date()
    return redirect("dashboards:day-board", depot.code, today.isoformat())


def _setup_context(depot: Depot, **extra) -> dict:
    checklist = depot_setup_checklist(depot=depot, now=clock.now())
    return {
        "depot": depot,
        "checklist": checklist,
        "offer_form": extra.pop("offer_form", None) or TestOfferForm(retailers=checklist.retailers),
        "nav": "setup",
        **extra,
    }


@staff_member_required
def setup_page(request, depot_code: str):
    depot = get_object_or_404(Depot, code=depot_code)
    return render(request, "dashboards/setup.html", _setup_context(depot))


@staff_member_required
@require_POST
def setup_fill_days(request, depot_code: str):
    """Create the coming days' depot-days and shifts from the roster (as the depot list's action does)."""
    if not request.user.has_perm("fleet.add_shift"):
        raise PermissionDenied
    depot = get_object_or_404(Depot, code=depot_code)
    applied = roster_apply_all(now=clock.now(), depots=[depot])
    messages.success(
        request,
        f"Created {applied.created_shifts} shift(s) on {applied.created_days} new day(s); "
        f"kept {applied.kept_shifts} already there.",
    )
    for refusal in applied.refused:
        messages.warning(
            request,
            f"Not rostered: {refusal['vehicle'] or refusal['depot']} on {refusal['date']}: {refusal['reason']}",
        )
    return redirect(reverse("dashboards:setup", args=[depot.code]) + "#step-days")


@staff_member_required
@require_POST
def setup_test_offer(request, depot_code: str):
    """Price an offer for a point inside the depot's zone as ``retailer``'s shoppers would see it;
    records no offer and makes no booking."""
    depot = get_object_or_404(Depot, code=depot_code)
    checklist_retailers = depot_setup_checklist(depot=depot, now=clock.now()).retailers
    form = TestOfferForm(request.POST, retailers=checklist_retailers)
    if not form.is_valid():
        return render(request, "dashboards/setup.html", _setup_context(depot, offer_form=form), status=400)
    try:
        offer = depot_test_offer(depot=depot, retailer=form.cleaned_data["retailer"], now=clock.now())
    except GreenslotError as error:
        return render(
            request,
            "dashboards/setup.html",
            _setup_context(depot, offer_form=form, offer_error=error),
            status=error.status,
        )
    return render(request, "dashboards/setup.html", _setup_context(depot, offer_form=form, offer=offer))
