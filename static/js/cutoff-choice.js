/* A window template's cut-off: show only the value the chosen way of saying it needs ("hours before
   the start" or "the day before, at"). Without JavaScript both show and the choice decides. */
(function () {
  "use strict";
  var FIELDS = { hours: "cutoff_hours", day_before: "cutoff_day_before_at" };

  function start() {
    var radios = document.querySelectorAll("input[name=cutoff_kind]");
    if (!radios.length) return;
    function show() {
      var chosen = document.querySelector("input[name=cutoff_kind]:checked");
      Object.keys(FIELDS).forEach(function (kind) {
        // The admin styles its rows' display, which the hidden attribute would not override.
        var row = document.querySelector(".form-row.field-" + FIELDS[kind]);
        if (row) row.style.display = chosen && chosen.value !== kind ? "none" : "";
      });
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", show);
    });
    show();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
