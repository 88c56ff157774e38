"""docs/integration.md's Widget section matches what the widget does."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def widget_section() -> str:
    guide = (ROOT / "docs" / "integration.md").read_text()
    return guide[guide.index("\n## Widget\n") :]


def test_it_documents_every_attribute_the_script_reads():
    script = (ROOT / "static" / "widget" / "widget.js").read_text()

    read = set(re.findall(r'data\("([a-z-]+)"\)', script))

    read |= set(re.findall(r'"(color|font|radius)"', script))

    assert read == {"key", "lang", "address", "lat", "lon", "size-units", "color", "font", "radius", "target"}
    assert set(re.findall(r"`data-([a-z-]+)`", widget_section())) == read


def test_its_example_event_has_the_fields_the_host_page_receives():
    example = json.loads(re.search(r"```json\n(.*?)```", widget_section(), re.S).group(1))
    script = (ROOT / "static" / "widget" / "widget.js").read_text()
    handed_over = re.search(r"detail = \{(.*?)\};", script, re.S).group(1)

    assert set(example) == set(re.findall(r"(\w+): message\.", handed_over))
    assert set(example) == {"hold_id", "reference", "window", "price", "co2e_grams", "expires_at"}


def test_it_documents_every_event_the_widget_dispatches():
    script = (ROOT / "static" / "widget" / "widget.js").read_text()
    dispatched = {"greenslot:hold", *re.findall(r'case "(greenslot:(?:released|expired))"', script)}

    assert dispatched == {"greenslot:hold", "greenslot:released", "greenslot:expired"}
    assert set(re.findall(r"\| `(greenslot:[a-z]+)` \|", widget_section())) == dispatched
