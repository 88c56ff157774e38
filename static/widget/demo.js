// The widget demo page (/widget/demo/) as a retailer's checkout: shows the hold the widget hands over.
(function () {
  "use strict";

  function init() {
    var container = document.getElementById("greenslot-widget");
    var received = document.getElementById("demo-hold");
    if (!container || !received) { return; }
    var holdIds = document.querySelectorAll("[data-demo-hold-id]");

    function showHoldId(text) {
      holdIds.forEach(function (element) { element.textContent = text; });
    }

    container.addEventListener("greenslot:hold", function (event) {
      received.textContent = JSON.stringify(event.detail, null, 2);
      showHoldId(event.detail.hold_id);
    });
    container.addEventListener("greenslot:released", function (event) {
      received.textContent = "greenslot:released: hold " + event.detail.hold_id + " released, nothing to confirm.";
      showHoldId("$HOLD_ID");
    });
    container.addEventListener("greenslot:expired", function (event) {
      received.textContent = "greenslot:expired: hold " + event.detail.hold_id + " lapsed before it was confirmed.";
      showHoldId("$HOLD_ID");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
