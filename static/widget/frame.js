// Inside the widget's iframe: tells the host page how tall the frame's content is, and hands it
// the messages the server put in the page (a hold, a release, a refusal) and the hold's expiry.
// Everything goes to one origin only: the host origin the server verified (data-parent-origin),
// never "*", so no other page can read a hold even if it managed to load this frame.
(function () {
  "use strict";

  var parentOrigin = document.documentElement.getAttribute("data-parent-origin");
  if (!parentOrigin || window.parent === window) { return; }

  function post(message) { window.parent.postMessage(message, parentOrigin); }

  var lastHeight = -1;
  function sendHeight() {
    var frame = document.querySelector("[data-frame]");
    if (!frame) { return; }
    // The content's own height (not the viewport's, which is the iframe's current height).
    var height = Math.ceil(frame.getBoundingClientRect().height);
    if (height !== lastHeight) {
      lastHeight = height;
      post({ type: "greenslot:resize", height: height });
    }
  }

  function sendMessages() {
    var holder = document.getElementById("greenslot-message");
    if (!holder) { return; }
    holder.parentNode.removeChild(holder);  // each message is sent once
    var message;
    try { message = JSON.parse(holder.textContent); } catch (e) { return; }
    post(message);
  }

  // What the shopper must see after a change (a refusal at the tapped window, the held window's
  // countdown): the host page scrolls it into view, since the frame itself never scrolls.
  function sendFocus() {
    var target = document.querySelector("[data-refusal], [data-countdown]");
    if (!target) { return; }
    var box = target.getBoundingClientRect();
    post({ type: "greenslot:scroll", top: Math.max(0, Math.floor(box.top)), height: Math.ceil(box.height) });
  }

  function update() {
    sendMessages();
    sendHeight();
    sendFocus();
  }

  function init() {
    update();
    var frame = document.querySelector("[data-frame]");
    if (frame && window.ResizeObserver) { new ResizeObserver(sendHeight).observe(frame); }
    window.addEventListener("load", sendHeight);
    window.addEventListener("resize", sendHeight);
    document.body.addEventListener("htmx:afterSettle", update);
    document.body.addEventListener("greenslot:countdown-expired", function (event) {
      post({ type: "greenslot:expired", hold_id: event.detail.hold_id });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
