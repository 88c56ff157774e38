/*! Greenslot delivery widget. AGPL-3.0-or-later.
 *
 * <script src="https://GREENSLOT/widget.js" data-key="pk_live_..."></script>
 *
 * Optional attributes: data-address (the delivery address as text, which the shopper may change)
 * or data-lat and data-lon (the delivery point; without either the shopper searches an address in
 * the widget), data-size-units (the basket's size, from your cart), data-color, data-font and
 * data-radius (your theme), data-lang (en, nl, de or fr; by default the shopper's browser's), data-target (a CSS selector of the element to render into; by default
 * the widget goes right after this script tag).
 *
 * When the shopper picks a window, Greenslot holds it and this script dispatches
 * CustomEvent("greenslot:hold", {detail: {hold_id, reference, window: {start, end}, price: {amount, currency},
 * co2e_grams, expires_at}}) on the widget's container (it bubbles) and calls
 * window.greenslotOnHold(detail) if the page defines it. "Choose another window" releases the hold:
 * CustomEvent("greenslot:released", {detail: {hold_id}}) and window.greenslotOnReleased(detail).
 * A hold that lapses before it is confirmed: CustomEvent("greenslot:expired", {detail: {hold_id}})
 * and window.greenslotOnExpired(detail).
 * Confirm the hold from your backend with your secret key: POST /api/v1/holds/{hold_id}/confirm.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) {
    console.error("Greenslot widget: load widget.js with a plain <script src> tag (not a module).");
    return;
  }
  // Messages are trusted only from Greenslot's origin: the origin this script was loaded from.
  var greenslotOrigin = new URL(script.src, document.baseURI).origin;

  function data(name) {
    var value = script.getAttribute("data-" + name);
    return value === null ? "" : value.trim();
  }

  function frameSource() {
    var url = new URL("/widget/frame", greenslotOrigin);
    url.searchParams.set("key", data("key"));
    // The frame checks this against the retailer's allowed origins, and the browser enforces it
    // (CSP frame-ancestors): claiming another page's origin only gets a frame that will not render.
    url.searchParams.set("origin", window.location.origin);
    if (data("lat") && data("lon")) {
      url.searchParams.set("lat", data("lat"));
      url.searchParams.set("lon", data("lon"));
    }
    if (data("lang")) { url.searchParams.set("lang", data("lang")); }
    if (data("address")) { url.searchParams.set("address", data("address")); }
    if (data("size-units")) { url.searchParams.set("size_units", data("size-units")); }
    // The retailer's look: a brand colour, a font list and a corner radius (checked by Greenslot).
    ["color", "font", "radius"].forEach(function (name) {
      if (data(name)) { url.searchParams.set(name, data(name)); }
    });
    return url.href;
  }

  function callback(name, detail) {
    var handler = window[name];
    if (typeof handler !== "function") { return; }
    try { handler(detail); } catch (error) { console.error(error); }
  }

  // Bring a part of the frame (``top`` px from its top, ``height`` tall) into the viewport if it
  // is not: after a tap the frame changes height under the shopper's finger.
  function keepInView(iframe, top, height) {
    if (typeof top !== "number" || !isFinite(top)) { return; }
    var box = iframe.getBoundingClientRect();
    var y = box.top + top;
    var h = typeof height === "number" && isFinite(height) ? Math.min(height, window.innerHeight) : 0;
    if (y >= 0 && y + h <= window.innerHeight) { return; }
    window.scrollBy({ top: y - Math.max(16, (window.innerHeight - h) / 3), behavior: "auto" });
  }

  function mount(container) {
    var iframe = document.createElement("iframe");
    iframe.src = frameSource();
    iframe.title = "Choose a delivery window";
    iframe.className = "greenslot-widget__frame";
    iframe.style.display = "block";
    iframe.style.width = "100%";
    iframe.style.border = "0";
    iframe.style.height = "24rem";  // until the frame reports its content's height
    container.appendChild(iframe);

    window.addEventListener("message", function (event) {
      if (event.origin !== greenslotOrigin || event.source !== iframe.contentWindow) { return; }
      var message = event.data;
      if (!message || typeof message !== "object" || typeof message.type !== "string") { return; }
      var detail;
      switch (message.type) {
        case "greenslot:resize":
          if (typeof message.height === "number" && isFinite(message.height) && message.height > 0) {
            iframe.style.height = Math.min(Math.ceil(message.height), 20000) + "px";
          }
          break;
        case "greenslot:hold":
          detail = {
            hold_id: message.hold_id,
            reference: message.reference,
            window: message.window,
            price: message.price,
            co2e_grams: message.co2e_grams,
            expires_at: message.expires_at
          };
          container.dispatchEvent(new CustomEvent("greenslot:hold", { detail: detail, bubbles: true }));
          callback("greenslotOnHold", detail);
          break;
        case "greenslot:released":
        case "greenslot:expired":
          detail = { hold_id: message.hold_id };
          container.dispatchEvent(new CustomEvent(message.type, { detail: detail, bubbles: true }));
          callback(message.type === "greenslot:expired" ? "greenslotOnExpired" : "greenslotOnReleased", detail);
          break;
        case "greenslot:scroll":
          keepInView(iframe, message.top, message.height);
          break;
        case "greenslot:error":
          console.error("Greenslot widget: " + message.message);
          break;
      }
    });
  }

  function start() {
    var target = data("target");
    var container;
    if (target) {
      container = document.querySelector(target);
      if (!container) {
        console.error("Greenslot widget: no element matches data-target=\"" + target + "\".");
        return;
      }
    } else {
      container = document.createElement("div");
      script.parentNode.insertBefore(container, script.nextSibling);
    }
    container.classList.add("greenslot-widget");
    mount(container);
  }

  if (data("target") && document.readyState === "loading") {
    // The target may come later in the page than the script tag.
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
