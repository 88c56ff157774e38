from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html

from greenslot import clock
from greenslot.errors import GreenslotError

from . import views
from .forms import PeakPeriodsField
from .models import ChoiceModelFit, IncentiveRuleSet, RuleSetChange, RuleSetStatus
from .services import EDITABLE_FIELDS, rule_set_create, rule_set_draft_from, rule_set_publish, rule_set_update


class RuleSetChangeInline(admin.TabularInline):
    """Who changed what, when: written by the services, never edited."""

    model = RuleSetChange
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor_name", "summary", "note")
    readonly_fields = fields
    ordering = ("-at", "-id")
    verbose_name = "change"
    verbose_name_plural = "History"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IncentiveRuleSet)
class IncentiveRuleSetAdmin(admin.ModelAdmin):
    """Drafts are edited here (or on their preview page); published and retired versions are read-only.

    Offers record the version that priced them, so a version that has priced anything never
    changes: a change is a new draft ("Copy as new draft"), published in its place. Every write
    goes through ``pricing.services``, which records who changed what.
    """

    list_display = (
        "retailer",
        "version",
        "status",
        "scope",
        "name",
        "pricing_mode",
        "base_fee",
        "cost_passthrough",
        "floor",
        "cap",
        "published_at",
        "preview_link",
    )
    list_filter = ("status", "retailer", "depot")
    search_fields = ("retailer__name", "retailer__slug", "name")
    list_select_related = ("retailer", "depot")
    autocomplete_fields = ("retailer",)
    readonly_fields = ("version", "status", "created_at", "created_by", "published_at")
    actions = ("publish_selected", "copy_as_new_draft")
    inlines = (RuleSetChangeInline,)
    change_form_template = "pricing/admin/rule_set_change_form.html"
    fieldsets = (
        (None, {"fields": ("retailer", "depot", "version", "name", "status", "currency")}),
        (
            "The retailer's objective",
            {
                "description": "How a window's price is made when the rules price by three costs: "
                "markup + expected route cost + capacity (displacement) cost − basket margin + carbon "
                "cost, then the incentives below, the floor and the cap. See docs/incentives.md.",
                "fields": (
                    "pricing_mode",
                    "basket_margin",
                    "carbon_price_per_kg",
                    "markup_mode",
                    "markup",
                    "reference_price",
                    "service_floor_price",
                    "green_share_max",
                ),
            },
        ),
        (
            "Price",
            {
                "fields": (
                    "base_fee",
                    "cost_passthrough",
                    "floor",
                    "cap",
                    "rounding_step",
                    "free_delivery_threshold",
                )
            },
        ),
        (
            "Incentives",
            {
                "fields": (
                    "width_discount_per_hour",
                    "width_discount_max",
                    "consolidation_by",
                    "consolidation_max_km",
                    "consolidation_radius_m",
                    "consolidation_min_stops",
                    "consolidation_discount",
                    "peak_surcharges",
                )
            },
        ),
        ("Green label", {"fields": ("green_max_grams", "green_relative")}),
        ("Created", {"fields": ("created_at", "created_by", "published_at")}),
    )

    @admin.display(description="Scope", ordering="depot__code")
    def scope(self, obj):
        return obj.scope_label

    @admin.display(description="Preview")
    def preview_link(self, obj):
        url = reverse("admin:pricing_incentiveruleset_preview", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a>', url, "Preview" if obj.status == RuleSetStatus.DRAFT else "View"
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "peak_surcharges":
            return PeakPeriodsField(label="Peak surcharges")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/preview/", wrap(self.preview_view), name="pricing_incentiveruleset_preview"
            ),
            path(
                "<path:object_id>/publish/",
                wrap(views.rule_set_publish_view),
                name="pricing_incentiveruleset_publish",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        return views.rule_set_preview(request, object_id, self.admin_site.each_context(request))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # The scope and version number are the offers' reference to these terms.
            return (*self.readonly_fields, "retailer", "depot")
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != RuleSetStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != RuleSetStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Bulk delete would bypass the per-version check above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        now = clock.now()
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
            rule_set_update(rule_set=obj, changes=changes, actor=request.user, now=now)
            return
        terms = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data}
        name = terms.pop("name", "")
        draft = rule_set_create(
            retailer=obj.retailer, depot=obj.depot, actor=request.user, now=now, name=name, **terms
        )
        # The admin goes on with ``obj`` (its log entry and redirect): make it the saved draft.
        obj.pk, obj.version, obj.created_at, obj.created_by = (
            draft.pk,
            draft.version,
            draft.created_at,
            draft.created_by,
        )
        obj._state.adding = False

    @admin.action(
        description="Publish selected draft (retires the published version of its scope)",
        permissions=["change"],
    )
    def publish_selected(self, request, queryset):
        drafts = list(queryset.select_related("retailer", "depot"))
        if len({(draft.retailer_id, draft.depot_id) for draft in drafts}) != len(drafts):
            self.message_user(request, "Select at most one version per retailer and depot.", messages.ERROR)
            return
        for draft in drafts:
            try:
                rule_set_publish(rule_set=draft, now=clock.now(), actor=request.user)
            except GreenslotError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"Published {draft}.", messages.SUCCESS)

    @admin.action(description="Copy as new draft", permissions=["add"])
    def copy_as_new_draft(self, request, queryset):
        for rule_set in queryset.select_related("retailer", "depot"):
            draft = rule_set_draft_from(rule_set=rule_set, created_by=request.user)
            self.message_user(request, f"Created {draft}.", messages.SUCCESS)


@admin.register(ChoiceModelFit)
class ChoiceModelFitAdmin(admin.ModelAdmin):
    """Runs of ``fit_choice``, read-only: the latest with enough data is the retailer's choice model;
    deleting fits goes back to an earlier one, or to the documented prior."""

    list_display = ("retailer", "fitted_at", "offers", "bookings", "converged", "enough_data")
    list_filter = ("retailer", "enough_data")
    readonly_fields = [field.name for field in ChoiceModelFit._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
