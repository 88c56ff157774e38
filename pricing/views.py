"""Admin pages for a rule version: the live preview (edit a draft, see its effect without saving)
and publishing. Registered by ``IncentiveRuleSetAdmin.get_urls``, so the admin's login, staff
check and CSRF protection apply."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from booking.services.rule_preview import offer_preview, preview_addresses
from greenslot import clock
from greenslot.errors import GreenslotError

from .calculation import OBJECTIVE_FIELDS
from .forms import PreviewOrderForm, RuleSetTermsForm, preview_order_initial
from .models import IncentiveRuleSet, RuleSetStatus
from .selectors import rule_set_history, rule_set_published_in_scope
from .services import rule_set_publish, rule_set_update

CHANGE = "pricing.change_incentiveruleset"
VIEW = "pricing.view_incentiveruleset"


def rule_set_for_staff(request: HttpRequest, object_id, *, perm: str) -> IncentiveRuleSet:
    """The rule set, or 404; 403 unless the user holds ``perm``."""
    rule_set = get_object_or_404(IncentiveRuleSet.objects.select_related("retailer", "depot"), pk=object_id)
    if not (request.user.has_perm(perm) or (perm == VIEW and request.user.has_perm(CHANGE))):
        raise PermissionDenied
    return rule_set


def rule_set_preview(request: HttpRequest, object_id, admin_context: dict) -> HttpResponse:
    rule_set = rule_set_for_staff(request, object_id, perm=VIEW)
    editable = rule_set.status == RuleSetStatus.DRAFT and request.user.has_perm(CHANGE)
    addresses = preview_addresses(retailer=rule_set.retailer, depot=rule_set.depot)
    today = timezone.localdate(clock.now())
    url = reverse("admin:pricing_incentiveruleset_preview", args=[rule_set.pk])

    if request.method == "POST" and editable:
        # Bind to a second copy: validating the form writes the posted terms onto its instance.
        working = IncentiveRuleSet.objects.select_related("retailer", "depot").get(pk=rule_set.pk)
        terms_form = RuleSetTermsForm(request.POST, instance=working)
    else:
        terms_form = RuleSetTermsForm(instance=rule_set)
    source = request.POST if request.method == "POST" else request.GET
    order_data = source if "date" in source else preview_order_initial(addresses=addresses, today=today)
    order_form = PreviewOrderForm(order_data, addresses=addresses)

    if request.method == "POST" and "_save" in request.POST and editable and terms_form.is_valid():
        changes = {name: terms_form.cleaned_data[name] for name in terms_form.changed_data}
        rule_set_update(rule_set=rule_set, changes=changes, actor=request.user, now=clock.now())
        messages.success(
            request, f"Saved draft version {rule_set.version}." if changes else "Nothing changed."
        )
        return redirect(url)

    preview, error = None, ""
    terms_ok = not terms_form.is_bound or terms_form.is_valid()
    if terms_ok and order_form.is_valid():
        order = order_form.cleaned_data
        try:
            preview = offer_preview(
                draft=terms_form.instance,
                lat=order["lat"],
                lon=order["lon"],
                size_units=order["size_units"],
                service_minutes=order["service_minutes"],
                from_date=order["date"],
                days=order["days"],
                basket_value=order["basket_value"],
                now=clock.now(),
            )
        except GreenslotError as exc:
            error = exc.message
    context = {
        **admin_context,
        "title": f"Preview version {rule_set.version} of {rule_set.retailer} rules",
        "rule_set": rule_set,
        "editable": editable,
        "terms_form": terms_form,
        "order_form": order_form,
        "preview": preview,
        "error": error,
        "preview_url": url,
        "replaced": rule_set_published_in_scope(rule_set=rule_set) if editable else None,
        "history": rule_set_history(rule_set=rule_set)[:10],
        "opts": IncentiveRuleSet._meta,
        "objective_fields": OBJECTIVE_FIELDS,
    }
    if request.htmx:
        return render(request, "pricing/preview.html#preview-result", context)
    return render(request, "pricing/preview.html", context)


@require_POST
def rule_set_publish_view(request: HttpRequest, object_id) -> HttpResponse:
    rule_set = rule_set_for_staff(request, object_id, perm=CHANGE)
    try:
        rule_set_publish(rule_set=rule_set, now=clock.now(), actor=request.user)
    except GreenslotError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Published version {rule_set.version}: new offers are priced by it.")
    return redirect("admin:pricing_incentiveruleset_preview", rule_set.pk)
