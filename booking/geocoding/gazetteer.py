"""The embedded geocoder: the demo city's streets, shipped as data (``utrecht.json``).

Good enough for the demo and for tests: a shopper types part of a street (and a house number), and
gets the street's centre, nudged a few metres per house number so that neighbours are different
addresses (holds are limited per address). Coordinates are approximate street centres.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .base import MAX_QUERY_CHARS, Place

DATA = Path(__file__).with_name("utrecht.json")
HOUSE_NUMBER = re.compile(r"^(\d{1,5})([a-z]?)$")
POSTCODE = re.compile(r"^\d{4}[a-z]{2}$")
# Degrees of latitude per house number: about 2 m, so that numbers 1-99 stay on the street.
NUMBER_STEP = 0.00002


def folded(text: str) -> list[str]:
    """Lower-case words without accents or punctuation: "Thomas à Kempisweg" → thomas, a, kempisweg."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", plain)


@dataclass(frozen=True)
class Street:
    name: str
    postcode: str
    district: str
    city: str
    lat: float
    lon: float

    @functools.cached_property
    def words(self) -> tuple[str, ...]:
        return tuple(folded(f"{self.name} {self.postcode} {self.district} {self.city}"))

    @functools.cached_property
    def name_words(self) -> tuple[str, ...]:
        return tuple(folded(self.name))


@functools.cache
def streets(path: Path = DATA) -> tuple[Street, ...]:
    return tuple(Street(**row) for row in json.loads(path.read_text())["streets"])


class GazetteerGeocoder:
    name = "gazetteer"

    def __init__(self, path: Path = DATA) -> None:
        self.path = path

    def search(self, text: str, *, limit: int = 5) -> list[Place]:
        words = folded(text[:MAX_QUERY_CHARS])
        number = ""
        wanted = []
        for word in words:
            if not number and HOUSE_NUMBER.match(word):
                number = word  # the first number is the house number; a postcode's digits come later
            elif not POSTCODE.match(word):
                wanted.append(word)
        if not wanted:
            return []
        ranked = []
        for street in streets(self.path):
            if not all(any(w.startswith(part) for w in street.words) for part in wanted):
                continue
            # A street whose name starts as typed comes before one that matched by its district.
            joined = "".join(street.name_words)
            rank = (
                0
                if joined.startswith("".join(wanted))
                else 1
                if street.name_words[0].startswith(wanted[0])
                else 2
            )
            ranked.append((rank, street.name, street))
        ranked.sort(key=lambda item: item[:2])
        return [self.place(street, number) for _, _, street in ranked[:limit]]

    @staticmethod
    def place(street: Street, number: str) -> Place:
        digits = HOUSE_NUMBER.match(number)
        offset = (int(digits.group(1)) % 100) * NUMBER_STEP if digits else 0.0
        housed = (
            f"{street.name} {number.upper() if number[-1:].isalpha() else number}" if number else street.name
        )
        return Place(
            label=f"{housed}, {street.postcode} {street.city}",
            lat=round(street.lat + offset, 6),
            lon=street.lon,
            street=street.name,
        )
