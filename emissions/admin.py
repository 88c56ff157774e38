from django.contrib import admin

from fleet.admin import PlanGuardedAdmin, PlanGuardedForm
from fleet.services import depot_days_using

from .models import EmissionFactor


class EmissionFactorForm(PlanGuardedForm):
    """A factor is compiled into the plans (grams per km, energy type): an edit re-checks the plans
    of every vehicle type using it, and is refused, with the problems, if one would not pass."""

    plan_fields = ("grams_per_km", "energy_type")

    class Meta:
        model = EmissionFactor
        fields = ("code", "name", "energy_type", "grams_per_km", "source", "edition", "notes")

    def affected_depot_days(self):
        return depot_days_using(
            vehicle_type_ids=list(self.instance.vehicletype_set.values_list("id", flat=True))
        )


@admin.register(EmissionFactor)
class EmissionFactorAdmin(PlanGuardedAdmin):
    """Saves through ``fleet_change_apply`` (``PlanGuardedAdmin``), so the plans using the factor
    are locked, re-checked and bumped, and no cached plan keeps the old grams."""

    form = EmissionFactorForm
    list_display = ("code", "name", "energy_type", "grams_per_km", "edition", "source")
    list_filter = ("energy_type", "edition")
    search_fields = ("code", "name", "source")
    fieldsets = (
        (None, {"fields": ("code", "name", "energy_type", "grams_per_km")}),
        ("Provenance", {"fields": ("source", "edition", "notes")}),
    )
