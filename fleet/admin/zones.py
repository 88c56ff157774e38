"""The service zone form: the zone drawn or edited on a map over its depot, or pasted or uploaded
as GeoJSON with a preview; saved as one valid Polygon or MultiPolygon."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import admin

from fleet.models import Depot, ServiceZone
from fleet.zone_geometry import zone_geometry_parsed

MAX_UPLOAD_BYTES = 2_000_000
VENDOR = "vendor/"


class ZoneMapWidget(forms.Textarea):
    """The zone's GeoJSON in a textarea, under a Leaflet map that draws and edits it.

    Without JavaScript the textarea is the form; with it the map writes the textarea. ``depots``
    gives the map each depot's position and its other zones to draw the zone over.
    """

    template_name = "admin/fleet/zone_map_widget.html"

    class Media:
        css = {
            "all": (
                VENDOR + "leaflet-1.9.4/leaflet.css",
                VENDOR + "leaflet-draw-1.0.4/leaflet.draw.css",
                "css/zone-editor.css",
            )
        }
        js = (
            VENDOR + "leaflet-1.9.4/leaflet.js",
            VENDOR + "leaflet-draw-1.0.4/leaflet.draw.js",
            "js/zone-editor.js",
        )

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 8, "cols": 80, "spellcheck": "false", **(attrs or {})})
        self.depots: dict[str, dict] = {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["map_config"] = {
            "tileUrl": settings.GREENSLOT["MAP_TILE_URL"],
            "attribution": settings.GREENSLOT["MAP_TILE_ATTRIBUTION"],
            "depots": self.depots,
        }
        return context


def zone_map_depots(*, editing: ServiceZone | None) -> dict[str, dict]:
    """Each depot's name, position and active zones (but the one being edited), by depot id."""
    depots = {
        str(depot.pk): {"name": depot.name, "lat": depot.lat, "lon": depot.lon, "zones": []}
        for depot in Depot.objects.order_by("code")
    }
    others = ServiceZone.objects.filter(is_active=True)
    if editing is not None and editing.pk:
        others = others.exclude(pk=editing.pk)
    for zone in others.only("depot_id", "name", "polygon"):
        depots[str(zone.depot_id)]["zones"].append({"name": zone.name, "polygon": zone.polygon})
    return depots


class ServiceZoneForm(forms.ModelForm):
    polygon = forms.CharField(
        label="Zone",
        required=False,
        widget=ZoneMapWidget,
        help_text=(
            "Draw the zone on the map (the pentagon button), move its corners (the pencil button), "
            "or paste GeoJSON below: a Polygon, MultiPolygon, Feature or FeatureCollection, "
            "longitude before latitude."
        ),
    )
    geojson_file = forms.FileField(
        label="Or upload GeoJSON",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}),
        help_text="A .geojson or .json file; it replaces the zone above (shown on the map before you save).",
    )

    class Meta:
        model = ServiceZone
        fields = ("depot", "name", "is_active", "polygon")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["polygon"] = json.dumps(self.instance.polygon)
        self.fields["polygon"].widget.depots = zone_map_depots(editing=self.instance)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("geojson_file")
        field, text = "polygon", cleaned.get("polygon") or ""
        if upload:
            field = "geojson_file"
            if upload.size > MAX_UPLOAD_BYTES:
                self.add_error(field, f"The file is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB.")
                return cleaned
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error(field, "The file is not UTF-8 text.")
                return cleaned
        if not text.strip():
            self.add_error("polygon", "Draw the zone on the map, paste its GeoJSON or upload a file.")
            return cleaned
        depot = cleaned.get("depot")
        try:
            cleaned["polygon"] = zone_geometry_parsed(
                text, depot_lat_lon=(depot.lat, depot.lon) if depot else None
            )
        except ValueError as exc:
            self.add_error(field, str(exc))
        return cleaned


@admin.register(ServiceZone)
class ServiceZoneAdmin(admin.ModelAdmin):
    form = ServiceZoneForm
    list_display = ("name", "depot", "is_active")
    list_filter = ("is_active", "depot")
    search_fields = ("name", "depot__code", "depot__name")
    list_select_related = ("depot",)
    autocomplete_fields = ("depot",)
    fields = ("depot", "name", "is_active", "polygon", "geojson_file")
