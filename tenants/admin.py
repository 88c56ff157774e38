from django import forms
from django.contrib import admin

from .models import Retailer
from .origins import origins_normalised


class RetailerForm(forms.ModelForm):
    class Meta:
        model = Retailer
        fields = ("name", "slug", "currency", "allowed_origins")

    def clean_allowed_origins(self) -> list[str]:
        """Saved as browsers send them: ``https://Shop.example/`` becomes ``https://shop.example``."""
        value = self.cleaned_data.get("allowed_origins") or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise forms.ValidationError('Enter a list of origins, such as ["https://shop.example.com"].')
        try:
            return origins_normalised(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


@admin.register(Retailer)
class RetailerAdmin(admin.ModelAdmin):
    form = RetailerForm
    list_display = ("name", "slug", "currency", "created_at")
    search_fields = ("name", "slug")
    list_filter = ("currency",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
