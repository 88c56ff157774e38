from django.contrib import admin

from .models import EmissionFactor


@admin.register(EmissionFactor)
class EmissionFactorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "energy_type", "grams_per_km", "edition", "source")
    list_filter = ("energy_type", "edition")
    search_fields = ("code", "name", "source")
    fieldsets = (
        (None, {"fields": ("code", "name", "energy_type", "grams_per_km")}),
        ("Provenance", {"fields": ("source", "edition", "notes")}),
    )
