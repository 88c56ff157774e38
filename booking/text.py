"""Text that travels from a client to an operator's screen: bidirectional controls.

A right-to-left override (U+202E) and its kin reorder how the characters after them are shown, so
``Domplein 1\u202e9 nnaR`` reads as another street (the "Trojan Source" family of tricks). Input
refuses them (``bidi_controls_in``); text already stored is shown with each control made visible
(``bidi_controls_shown``).
"""

from __future__ import annotations

import re

# Unicode's explicit directional formatting characters and marks (UAX #9): embeddings and overrides
# U+202A-U+202E, isolates U+2066-U+2069, and the marks LRM, RLM and ALM.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def bidi_controls_in(text: str) -> list[str]:
    """The bidirectional controls in ``text``, each as ``U+XXXX``."""
    return [f"U+{ord(match.group()):04X}" for match in BIDI_CONTROLS.finditer(text)]


def bidi_controls_shown(text: str) -> str:
    """``text`` with each bidirectional control replaced by a visible ``[U+XXXX]``."""
    return BIDI_CONTROLS.sub(lambda match: f"[U+{ord(match.group()):04X}]", text)
