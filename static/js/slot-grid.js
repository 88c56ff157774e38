// The slot grid by keyboard, and a refusal brought to the shopper's eyes.
// - The day strip and the windows are one Tab stop each (roving tabindex); arrow keys move inside
//   them, Home and End jump to the ends. Without this script every link and button is a Tab stop.
// - Arrow keys move through the windows by where they are drawn, so the same keys work on a phone's
//   one-day grid and on a desktop's week of columns.
// - A refused hold comes back with the message at the window that was tapped: it takes focus and
//   is scrolled into view (role="alert" announces it).
(function () {
  "use strict";

  function centre(element) {
    var box = element.getBoundingClientRect();
    return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
  }

  function visible(element) {
    return element.getClientRects().length > 0;
  }

  // The nearest item in the direction of the arrow; the cross-axis distance counts double so that
  // "down" prefers the window straight below over a nearer one diagonally.
  function nearest(items, from, key) {
    var origin = centre(from);
    var best = null;
    var bestScore = Infinity;
    items.forEach(function (item) {
      if (item === from) { return; }
      var c = centre(item);
      var dx = c.x - origin.x;
      var dy = c.y - origin.y;
      var along, across;
      if (key === "ArrowRight") { along = dx; across = dy; }
      else if (key === "ArrowLeft") { along = -dx; across = dy; }
      else if (key === "ArrowDown") { along = dy; across = dx; }
      else { along = -dy; across = dx; }
      if (along <= 1) { return; }
      var score = along + 2 * Math.abs(across);
      if (score < bestScore) { bestScore = score; best = item; }
    });
    return best;
  }

  function rove(container, selector, spatial) {
    if (container.hasAttribute("data-roving")) { return; }
    container.setAttribute("data-roving", "");
    var items = Array.prototype.filter.call(container.querySelectorAll(selector), visible);
    if (!items.length) { return; }
    var current = items.filter(function (item) {
      return item.getAttribute("aria-current") || item === document.activeElement;
    })[0] || items[0];
    items.forEach(function (item) { item.tabIndex = item === current ? 0 : -1; });

    container.addEventListener("keydown", function (event) {
      var from = event.target.closest(selector);
      if (!from) { return; }
      var all = Array.prototype.filter.call(container.querySelectorAll(selector), visible);
      var index = all.indexOf(from);
      var to = null;
      if (event.key === "Home") { to = all[0]; }
      else if (event.key === "End") { to = all[all.length - 1]; }
      else if (/^Arrow/.test(event.key)) {
        if (spatial) { to = nearest(all, from, event.key); }
        else if (event.key === "ArrowRight" || event.key === "ArrowDown") { to = all[index + 1]; }
        else { to = all[index - 1]; }
      }
      if (!to) { return; }
      event.preventDefault();
      from.tabIndex = -1;
      to.tabIndex = 0;
      to.focus();
    });
  }

  function init(root) {
    root.querySelectorAll("[data-day-strip]").forEach(function (strip) { rove(strip, "a", false); });
    root.querySelectorAll("[data-window-grid]").forEach(function (grid) { rove(grid, "[data-window]", true); });
    var refusal = root.querySelector("[data-refusal]");
    if (refusal) {
      refusal.scrollIntoView({ block: "center" });
      refusal.focus({ preventScroll: true });
    }
  }

  function start() {
    var dayWasFocused = false;
    init(document);
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      dayWasFocused = !!(document.activeElement && document.activeElement.closest("[data-day-strip]"));
      // A search was sent: the suggestions for what was being typed are done with.
      var list = document.querySelector("#address-suggestions .suggestions__list");
      if (event.detail.elt.tagName === "FORM" && list) { list.remove(); }
    });
    document.body.addEventListener("htmx:afterSettle", function () {
      init(document);
      // A day chosen by keyboard keeps the focus on the day strip after the grid is swapped.
      var chosen = document.querySelector("[data-day-strip] [aria-current]");
      if (dayWasFocused && chosen && !document.querySelector("[data-refusal]")) { chosen.focus(); }
      dayWasFocused = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
