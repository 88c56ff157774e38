"""Text colours in the stylesheet meet WCAG AA (4.5:1) against the background they sit on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

CSS = Path(settings.BASE_DIR) / "static" / "css" / "greenslot.css"

# (text colour, background colour) as the stylesheet pairs them.
PAIRS = [
    ("text-fg", "page-bg"),
    ("text-fg", "surface-bg"),
    ("text-fg", "claim-bg"),
    ("co2e-fg", "claim-bg"),
    ("muted-fg", "page-bg"),
    ("muted-fg", "surface-bg"),
    ("link-fg", "page-bg"),
    ("link-fg", "surface-bg"),
    ("brand-fg", "brand-bg"),
    ("brand-fg", "brand-hover-bg"),
    ("brand-bg", "page-bg"),
    ("unavailable-fg", "unavailable-bg"),
    ("alert-fg", "alert-bg"),
    ("co2e-fg", "surface-bg"),
    ("text-fg", "choose-hover-bg"),
    ("co2e-fg", "choose-hover-bg"),
    ("badge-green-fg", "badge-green-bg"),
    ("badge-wide-fg", "badge-wide-bg"),
    ("badge-consolidated-fg", "badge-consolidated-bg"),
    ("badge-best_value-fg", "badge-best_value-bg"),
]


def colours() -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b", CSS.read_text()))


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_matches_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic near miss


@pytest.mark.parametrize(("fg", "bg"), PAIRS, ids=[f"{fg} on {bg}" for fg, bg in PAIRS])
def test_text_colours_reach_aa_contrast(fg, bg):
    palette = colours()
    assert contrast(palette[fg], palette[bg]) >= 4.5


def test_component_edges_reach_3_to_1():
    palette = colours()
    assert contrast(palette["border"], palette["page-bg"]) >= 3.0
