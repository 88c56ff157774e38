// Counts a hold down to its expiry: mm:ss every second, and a spoken notice at one minute and at expiry
// (their words come translated in the box's data-text-warning and data-text-expired).
// The server gives the seconds left rather than the instant, so a wrong client clock does not matter.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function start(box) {
    var remaining = parseInt(box.getAttribute("data-remaining-seconds"), 10);
    if (isNaN(remaining)) { return; }
    var deadline = Date.now() + remaining * 1000;
    var clock = box.querySelector("[data-countdown-clock]");
    var status = box.querySelector("[data-countdown-status]");
    var expiredLink = box.querySelector("[data-countdown-expired]");
    var actions = document.querySelector("[data-countdown-actions]");
    var warned = remaining <= 60;
    var timer = null;

    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      if (clock) { clock.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60); }
      if (!warned && left <= 60) {
        warned = true;
        if (status) { status.textContent = box.getAttribute("data-text-warning"); }
      }
      if (left === 0) {
        clearInterval(timer);
        if (status) { status.textContent = box.getAttribute("data-text-expired"); }
        if (expiredLink) { expiredLink.hidden = false; }
        if (actions) {
          actions.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
        }
        var heading = document.querySelector("[data-countdown-heading]");
        if (heading) { heading.textContent = heading.getAttribute("data-expired-text"); }
        box.classList.add("countdown--expired");
        // The widget's frame tells the host page (frame.js posts it as greenslot:expired).
        box.dispatchEvent(new CustomEvent("greenslot:countdown-expired", {
          bubbles: true, detail: { hold_id: box.getAttribute("data-hold-id") }
        }));
      }
    }

    tick();
    timer = setInterval(tick, 1000);
  }

  function init() {
    document.querySelectorAll("[data-countdown]").forEach(function (box) {
      if (box.hasAttribute("data-counting")) { return; }
      box.setAttribute("data-counting", "");
      start(box);
    });
  }

  function ready() {
    init();
    // In the widget the held window arrives by an htmx swap.
    document.body.addEventListener("htmx:afterSettle", init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
