"""What every geocoder answers: places, best first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext_lazy as _

from greenslot.errors import GreenslotError

MAX_QUERY_CHARS = 200


@dataclass(frozen=True)
class Place:
    """A found address: ``label`` is what the shopper sees; ``lat``/``lon`` (degrees) never are."""

    label: str
    lat: float
    lon: float
    street: str = ""

    def record(self, source: str) -> dict:
        """As offers and bookings keep an address (``Booking.address``)."""
        return {"label": self.label, "street": self.street, "source": source}


class Geocoder(Protocol):
    name: str

    def search(self, text: str, *, limit: int = 5) -> list[Place]:
        """Places matching ``text``, best first, at most ``limit``; [] when nothing matches.

        Raises ``GeocoderUnavailable`` when the backend cannot answer (a server down, a timeout).
        """
        ...


class GeocoderUnavailable(GreenslotError):
    def __init__(self) -> None:
        super().__init__(
            "geocoder_unavailable",
            str(_("Address search is not available right now; please try again in a moment.")),
            status=503,
        )
