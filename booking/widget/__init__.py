"""The embeddable booking widget (docs/integration.md): ``/widget.js``, the slot picker's frame, the demo page.

A retailer's page loads ``/widget.js`` with its publishable key; the script opens
``/widget/frame`` in an iframe. The frame is the shopper page's slot grid, served only to the
retailer's allowed origins (CSP ``frame-ancestors``); choosing a window holds it and hands the hold
to the host page with ``postMessage``, addressed to that origin alone. The host's backend confirms
it with the secret key (``POST /api/v1/holds/{id}/confirm``).
"""
