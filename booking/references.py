"""Booking references a person can read out: 8 characters from an alphabet without look-alikes.

No 0/O, 1/I/L or U/V pairs to confuse on a phone call or a handwritten note. 30 symbols, 8 places:
about 6.6 x 10^11 references, drawn at random (``secrets``), so they do not reveal how many bookings
a retailer has; the database's unique constraint is the last word on a (vanishingly rare) repeat.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"  # no 0 O 1 I L U V
LENGTH = 8


def reference_new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def reference_display(reference: str) -> str:
    """``"K7PM4XRA"`` → ``"K7PM-4XRA"``: two groups of four are easier to read and say."""
    return f"{reference[:4]}-{reference[4:]}" if len(reference) == LENGTH else reference
