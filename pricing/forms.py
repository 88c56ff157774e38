"""Forms for editing a draft's terms and choosing the example order a preview prices."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from .calculation import WEEKDAY_NAMES, PeakPeriod
from .models import IncentiveRuleSet
from .services import EDITABLE_FIELDS

PEAK_LINE = re.compile(
    r"^(?P<start>\d{1,2}:\d{2})\s*[-–]\s*(?P<end>\d{1,2}:\d{2})"
    r"(?:\s+(?P<days>[A-Za-z,\-–\s]+?))?\s+\+?(?P<amount>\d+(?:\.\d{1,2})?)$"
)
DAY_INDEX = {name.lower(): index + 1 for index, name in enumerate(WEEKDAY_NAMES)}


def parse_weekdays(text: str) -> list[int]:
    """``Mon-Fri`` / ``Sat,Sun`` / ``daily`` to ISO weekdays (empty for every day)."""
    text = text.strip().lower().replace("–", "-").replace(" ", "")
    if text in ("", "daily", "everyday", "all"):
        return []
    days: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        try:
            low, high = DAY_INDEX[first[:3]], DAY_INDEX[(last or first)[:3]]
        except KeyError as exc:
            raise ValidationError(f"Unknown weekday in {part!r}; use Mon, Tue, … Sun.") from exc
        if high < low:
            raise ValidationError(f"{part!r} runs backwards.")
        days.extend(d for d in range(low, high + 1) if d not in days)
    return sorted(days)


class PeakPeriodsField(forms.CharField):
    """One peak period a line: ``17:00-19:00 Mon-Fri 1.00`` (weekdays optional, ``daily`` allowed)."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 40, "placeholder": "17:00-19:00 Mon-Fri 1.00"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "One peak a line: start-end, weekdays (Mon-Fri, Sat,Sun or daily), surcharge. A window pays "
            "the surcharge in proportion to the share of it inside the peak.",
        )
        super().__init__(strip=True, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            lines = []
            for record in value:
                try:
                    lines.append(PeakPeriod.from_record(record).describe())
                except (TypeError, ValueError):
                    lines.append(str(record))
            return "\n".join(lines)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        records = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            match = PEAK_LINE.match(line)
            if not match:
                raise ValidationError(f"Line {number}: expected “17:00-19:00 Mon-Fri 1.00”, got “{line}”.")
            record = {
                "start": match["start"].zfill(5),
                "end": match["end"].zfill(5),
                "weekdays": parse_weekdays(match["days"] or ""),
                "amount": str(Decimal(match["amount"]).quantize(Decimal("0.01"))),
            }
            try:
                records.append(PeakPeriod.from_record(record).to_record())
            except (TypeError, ValueError) as exc:
                raise ValidationError(f"Line {number}: {exc}") from exc
        return records


class RuleSetTermsForm(forms.ModelForm):
    """A draft's editable terms (the admin page and the preview page share it)."""

    peak_surcharges = PeakPeriodsField(label="Peak surcharges")

    class Meta:
        model = IncentiveRuleSet
        fields = EDITABLE_FIELDS


class PreviewOrderForm(forms.Form):
    """The example order the preview prices: an address, a day, a parcel and a basket."""

    address = forms.ChoiceField(label="Example address", required=False)
    lat = forms.FloatField(label="or latitude", required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label="longitude", required=False, min_value=-180, max_value=180)
    date = forms.DateField(
        label="Delivery day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    days = forms.IntegerField(label="Days", min_value=1, max_value=7, initial=1)
    size_units = forms.IntegerField(label="Parcel size (units)", min_value=1, initial=2)
    service_minutes = forms.IntegerField(label="Service minutes", min_value=1, max_value=240, initial=3)
    basket_value = forms.DecimalField(
        label="Basket value", required=False, min_value=0, max_digits=10, decimal_places=2
    )

    def __init__(self, *args, addresses: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].choices = addresses

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("lat"), cleaned.get("lon")
        if (lat is None) != (lon is None):
            raise ValidationError("Give both latitude and longitude, or neither.")
        if lat is None:
            try:
                lat_text, lon_text = (cleaned.get("address") or "").split(",")
                cleaned["lat"], cleaned["lon"] = float(lat_text), float(lon_text)
            except ValueError as exc:
                raise ValidationError("Choose an example address or give its coordinates.") from exc
        return cleaned


def preview_order_initial(*, addresses: list[tuple[str, str]], today: dt.date) -> dict:
    return {
        "address": addresses[0][0] if addresses else "",
        "date": today + dt.timedelta(days=1),
        "days": 1,
        "size_units": 2,
        "service_minutes": 3,
    }
