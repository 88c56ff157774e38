"""The retailer's theme for the widget's frame: its colour, font and corner radius, made safe.

The host page passes them as data attributes (``data-color``, ``data-font``, ``data-radius``);
they reach the frame in its URL and come back as a small stylesheet of CSS custom properties
(``/widget/theme.css``), since the frame's CSP allows no inline styles. Anything that is not
plainly a colour, a font list or a length is dropped, and a colour too light to carry white text
or to be read on white is darkened until both reach WCAG AA (4.5:1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

THEME_FIELDS = ("color", "font", "radius")
HEX_COLOUR = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
# Font family names and generic families, comma separated: letters, digits, spaces, quotes, hyphens.
FONT_LIST = re.compile(r"[A-Za-z0-9 ,\"'-]{1,120}")
RADIUS = re.compile(r"(\d{1,2}(?:\.\d{1,2})?)(px|rem|em)")
MAX_RADIUS = {"px": 24.0, "rem": 1.5, "em": 1.5}
AA = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour."""
    r, g, b = (_channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def darken(rgb: tuple[int, int, int], share: float) -> tuple[int, int, int]:
    """``rgb`` mixed with ``share`` (0–1) of black."""
    return tuple(round(v * (1 - share)) for v in rgb)  # type: ignore[return-value]


def hex_of(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{v:02x}" for v in rgb)


def parse_colour(value: str) -> tuple[int, int, int] | None:
    match = HEX_COLOUR.fullmatch(value.strip())
    if not match:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Theme:
    brand: str = ""  # "#rrggbb", readable on white and under white text
    brand_hover: str = ""
    font: str = ""
    radius: str = ""

    def __bool__(self) -> bool:
        return bool(self.brand or self.font or self.radius)

    def css(self) -> str:
        properties = []
        if self.brand:
            properties += [
                f"--brand-bg: {self.brand};",
                f"--brand-hover-bg: {self.brand_hover};",
                f"--badge-green-bg: {self.brand};",
                f"--co2e-fg: {self.brand};",
                f"--choose-hover-bg: {self.brand}1a;",
            ]
        if self.radius:
            properties.append(f"--radius: {self.radius};")
        if self.font:
            properties.append(f"font-family: {self.font};")
        return ":root {\n  " + "\n  ".join(properties) + "\n}\n"


def theme_from(params: dict[str, str]) -> Theme:
    """The theme the host page asked for, keeping only what is valid (see the module docstring)."""
    brand = brand_hover = font = radius = ""
    rgb = parse_colour(params.get("color", ""))
    if rgb is not None:
        share = 0.0
        while contrast(darken(rgb, share), WHITE) < AA and share < 1:
            share = min(1.0, share + 0.05)
        rgb = darken(rgb, share)
        brand, brand_hover = hex_of(rgb), hex_of(darken(rgb, 0.2))
    value = params.get("font", "").strip()
    if FONT_LIST.fullmatch(value) and value.count('"') % 2 == 0 and value.count("'") % 2 == 0:
        font = f"{value}, system-ui, sans-serif"
    match = RADIUS.fullmatch(params.get("radius", "").strip())
    if match and float(match.group(1)) <= MAX_RADIUS[match.group(2)]:
        radius = match.group(0)
    return Theme(brand=brand, brand_hover=brand_hover, font=font, radius=radius)
