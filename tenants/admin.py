from django.contrib import admin

from .models import Retailer


@admin.register(Retailer)
class RetailerAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "currency", "created_at")
    search_fields = ("name", "slug")
    list_filter = ("currency",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
