/* The service zone editor: draws the zone's GeoJSON (from its textarea) on a Leaflet map over the
   depot and its other zones, lets the manager draw or edit it, and writes it back to the textarea
   the form posts. Pasted or uploaded GeoJSON is previewed the same way; the server validates. */
(function () {
  "use strict";

  var ZONE_STYLE = { color: "#0072B2", weight: 2, fillOpacity: 0.25, className: "zone-editor-zone" };
  var OTHER_STYLE = { color: "#666", weight: 1.5, dashArray: "5 5", fill: false, interactive: false };

  function polygonsOf(geometry) {
    if (!geometry || !geometry.type) return null;
    if (geometry.type === "FeatureCollection") {
      var all = [];
      for (var i = 0; i < (geometry.features || []).length; i++) {
        var found = polygonsOf(geometry.features[i]);
        if (found === null) return null;
        all = all.concat(found);
      }
      return all;
    }
    if (geometry.type === "Feature") return polygonsOf(geometry.geometry);
    if (geometry.type === "Polygon") return [geometry.coordinates];
    if (geometry.type === "MultiPolygon") return geometry.coordinates;
    return null;
  }

  function init(root) {
    var textarea = document.getElementById(root.dataset.textarea);
    var mapElement = root.querySelector(".zone-editor-map");
    var status = root.querySelector(".zone-editor-status");
    var config = JSON.parse(document.getElementById("zone-map-config").textContent);
    var depotSelect = document.getElementById("id_depot");
    var fileInput = document.getElementById("id_geojson_file");

    var map = L.map(mapElement, { zoomSnap: 0.5 });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    } else {
      mapElement.classList.add("zone-editor-plain");
    }
    L.control.scale({ imperial: false }).addTo(map);
    var context = L.layerGroup().addTo(map);
    var drawn = new L.FeatureGroup().addTo(map);
    map.addControl(
      new L.Control.Draw({
        draw: {
          polygon: { allowIntersection: false, showArea: false, shapeOptions: ZONE_STYLE },
          rectangle: { showArea: false, shapeOptions: ZONE_STYLE },
          polyline: false,
          circle: false,
          marker: false,
          circlemarker: false,
        },
        edit: { featureGroup: drawn },
      })
    );

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("is-error", Boolean(isError));
    }

    function depot() {
      return depotSelect ? config.depots[depotSelect.value] : undefined;
    }

    function showContext() {
      context.clearLayers();
      var shown = depot();
      if (!shown) {
        say("Choose the depot: the map then shows it and its other zones.", false);
        return;
      }
      if (status.textContent.indexOf("Choose the depot") === 0) say("", false);
      shown.zones.forEach(function (zone) {
        L.geoJSON(zone.polygon, { style: OTHER_STYLE, interactive: false }).addTo(context);
      });
      L.circleMarker([shown.lat, shown.lon], {
        radius: 7, color: "#000", weight: 2, fillColor: "#E69F00", fillOpacity: 1,
      }).bindTooltip(shown.name + " (depot)").addTo(context);
    }

    function fit() {
      var bounds = drawn.getLayers().length ? drawn.getBounds() : null;
      var shown = depot();
      if (!bounds && shown) {
        bounds = L.latLngBounds([[shown.lat, shown.lon]]);
        context.eachLayer(function (layer) {
          if (layer.getBounds) bounds.extend(layer.getBounds());
        });
      }
      if (bounds && bounds.isValid() && !bounds.getNorthEast().equals(bounds.getSouthWest())) {
        map.fitBounds(bounds, { padding: [24, 24] });
      } else if (bounds && bounds.isValid()) {
        map.setView(bounds.getCenter(), 12);
      } else {
        map.setView([50, 5], 4);
      }
    }

    function writeBack() {
      var polygons = drawn.getLayers().map(function (layer) {
        return layer.toGeoJSON(6).geometry.coordinates;
      });
      if (polygons.length === 0) textarea.value = "";
      else if (polygons.length === 1) textarea.value = JSON.stringify({ type: "Polygon", coordinates: polygons[0] });
      else textarea.value = JSON.stringify({ type: "MultiPolygon", coordinates: polygons });
    }

    function preview(text, announce) {
      drawn.clearLayers();
      if (!text.trim()) {
        if (announce) say("No zone yet: draw it on the map, paste GeoJSON or upload a file.", false);
        return false;
      }
      var polygons;
      try {
        polygons = polygonsOf(JSON.parse(text));
      } catch (error) {
        say("Not JSON: " + error.message, true);
        return false;
      }
      if (!polygons || polygons.length === 0) {
        say("No Polygon or MultiPolygon in this GeoJSON.", true);
        return false;
      }
      try {
        polygons.forEach(function (rings) {
          drawn.addLayer(L.polygon(L.GeoJSON.coordsToLatLngs(rings, 1), ZONE_STYLE));
        });
      } catch (error) {
        drawn.clearLayers();
        say("Bad coordinates: " + error.message, true);
        return false;
      }
      if (announce) say("Preview of " + polygons.length + " polygon(s): save to keep it.", false);
      return true;
    }

    map.on(L.Draw.Event.CREATED, function (event) {
      drawn.addLayer(event.layer.setStyle(ZONE_STYLE));
      writeBack();
      say("Zone drawn: save to keep it.", false);
    });
    map.on(L.Draw.Event.EDITED, function () {
      writeBack();
      say("Zone edited: save to keep it.", false);
    });
    map.on(L.Draw.Event.DELETED, function () {
      writeBack();
      say("Zone removed: draw a new one before saving.", false);
    });
    textarea.addEventListener("input", function () {
      if (preview(textarea.value, true)) fit();
    });
    if (fileInput) {
      fileInput.addEventListener("change", function () {
        var file = fileInput.files[0];
        if (!file) return;
        file.text().then(function (text) {
          textarea.value = text;
          // The file's text is now the zone the form posts, drawn and edited like any other.
          fileInput.value = "";
          if (preview(text, true)) fit();
          root.querySelector(".zone-editor-geojson").open = true;
        });
      });
    }
    if (depotSelect) {
      var recentre = function () {
        showContext();
        fit();
      };
      depotSelect.addEventListener("change", recentre);
      if (window.django && window.django.jQuery) window.django.jQuery(depotSelect).on("change", recentre);
    }

    showContext();
    preview(textarea.value, false);
    fit();
    root.dataset.ready = "true";
  }

  function start() {
    document.querySelectorAll("[data-zone-editor]").forEach(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
