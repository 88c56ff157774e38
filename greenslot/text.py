"""Text people type that others read: bidirectional controls, the one home of the rule.

A right-to-left override (U+202E) and its kin reorder how the characters after them are shown, so
``Domplein 1\u202e9 nnaR`` reads as another street (the "Trojan Source" family of tricks). Input
refuses them: a shopper's address in the API and the offer path (``bidi_controls_in``), an
operator's text in the admin and any model form (``no_bidi_controls``, a field validator on
depots, zones, vehicles, roster notes, retailers and preset addresses). Text already stored is shown
with each control made visible (``bidi_controls_shown``).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# Unicode's explicit directional formatting characters and marks (UAX #9): embeddings and overrides
# U+202A-U+202E, isolates U+2066-U+2069, and the marks LRM, RLM and ALM.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def bidi_controls_in(text: str) -> list[str]:
    """The bidirectional controls in ``text``, each as ``U+XXXX``."""
    return [f"U+{ord(match.group()):04X}" for match in BIDI_CONTROLS.finditer(text)]


def bidi_controls_shown(text: str) -> str:
    """``text`` with each bidirectional control replaced by a visible ``[U+XXXX]``."""
    return BIDI_CONTROLS.sub(lambda match: f"[U+{ord(match.group()):04X}]", text)


BIDI_REFUSED = "Bidirectional control characters are not allowed ({controls})."


def no_bidi_controls(value: object) -> None:
    """A field validator: refuses text with a bidirectional control, naming each one."""
    controls = bidi_controls_in(str(value))
    if controls:
        raise ValidationError(
            BIDI_REFUSED.format(controls=", ".join(controls)), code="bidi", params={"value": value}
        )
