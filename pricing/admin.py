from django.contrib import admin, messages
from django.utils import timezone

from greenslot.errors import GreenslotError

from .models import IncentiveRuleSet, RuleSetStatus
from .services import rule_set_draft_from, rule_set_publish


@admin.register(IncentiveRuleSet)
class IncentiveRuleSetAdmin(admin.ModelAdmin):
    """Drafts are edited here; published and retired versions are shown read-only.

    Offers record the version that priced them, so a version that has priced anything never
    changes: a change is a new draft ("Copy as new draft"), published in its place.
    """

    list_display = (
        "retailer",
        "version",
        "status",
        "name",
        "currency",
        "base_fee",
        "cost_passthrough",
        "floor",
        "cap",
        "published_at",
    )
    list_filter = ("status", "retailer")
    search_fields = ("retailer__name", "retailer__slug", "name")
    list_select_related = ("retailer",)
    autocomplete_fields = ("retailer",)
    readonly_fields = ("status", "created_at", "created_by", "published_at")
    actions = ("publish_selected", "copy_as_new_draft")
    fieldsets = (
        (None, {"fields": ("retailer", "version", "name", "status", "currency")}),
        ("Price", {"fields": ("base_fee", "cost_passthrough", "floor", "cap", "rounding_step")}),
        (
            "Incentives",
            {
                "fields": (
                    "width_discount_per_hour",
                    "width_discount_max",
                    "consolidation_max_km",
                    "consolidation_discount",
                )
            },
        ),
        ("Green label", {"fields": ("green_max_grams", "green_relative")}),
        ("History", {"fields": ("created_at", "created_by", "published_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # The version number is the offers' reference to these terms.
            return (*self.readonly_fields, "retailer", "version")
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
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(
        description="Publish selected draft (retires the published version)", permissions=["change"]
    )
    def publish_selected(self, request, queryset):
        drafts = list(queryset.select_related("retailer"))
        if len({draft.retailer_id for draft in drafts}) != len(drafts):
            self.message_user(request, "Select at most one version per retailer.", messages.ERROR)
            return
        for draft in drafts:
            try:
                rule_set_publish(rule_set=draft, now=timezone.now())
            except GreenslotError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"Published {draft}.", messages.SUCCESS)

    @admin.action(description="Copy as new draft", permissions=["add"])
    def copy_as_new_draft(self, request, queryset):
        for rule_set in queryset.select_related("retailer"):
            draft = rule_set_draft_from(rule_set=rule_set, created_by=request.user)
            self.message_user(request, f"Created {draft}.", messages.SUCCESS)
