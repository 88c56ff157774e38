from django.contrib import admin

from .models import EmissionFactor


@admin.register(EmissionFactor)
class EmissionFactorAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        """A factor is compiled into cached plans (grams per km): bump the plans that use it."""
        if not change:
            return super().save_model(request, obj, form, change)
        from fleet.services import depot_days_using, fleet_change_apply

        type_ids = list(obj.vehicletype_set.values_list("id", flat=True))
        fleet_change_apply(
            change=lambda: super(EmissionFactorAdmin, self).save_model(request, obj, form, change),
            depot_days=depot_days_using(vehicle_type_ids=type_ids),
        )

    list_display = ("code", "name", "energy_type", "grams_per_km", "edition", "source")
    list_filter = ("energy_type", "edition")
    search_fields = ("code", "name", "source")
    fieldsets = (
        (None, {"fields": ("code", "name", "energy_type", "grams_per_km")}),
        ("Provenance", {"fields": ("source", "edition", "notes")}),
    )
