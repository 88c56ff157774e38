"""docs/integration.md works as written: every ```sh block runs, in order, against a live server.

``python manage.py ...`` blocks run in-process (they need the test database); every other block
is run by bash with the real ``curl``, with the variables the guide uses ($GREENSLOT_URL, keys,
$QUOTE, $HOLD_ID, ...) taken from the earlier blocks' output, as a developer would copy them.
Each curl block ends with ``# → STATUS [code]``, which is checked. ```bash blocks only set
variables that this test provides itself.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.api.support import local_today
from tests.factories import make_world

GUIDE = Path(settings.BASE_DIR) / "docs" / "integration.md"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.S | re.M)
EXPECTED = re.compile(r"^# → (\d{3})(?: (\w+))?$", re.M)


def sh_blocks() -> list[str]:
    return SH_BLOCK.findall(GUIDE.read_text())


def test_every_curl_block_states_what_it_answers():
    blocks = sh_blocks()
    assert len(blocks) >= 12
    for block in blocks:
        if not block.startswith("python manage.py"):
            assert block.count("curl ") == 1, block
            assert EXPECTED.search(block), block


def test_the_errors_table_lists_every_code_the_api_can_answer():
    """Codes raised by the services, quotes and the API layer, all in the guide's table."""
    root = Path(settings.BASE_DIR)
    sources = [
        *root.glob("booking/services/*.py"),
        root / "booking/quotes.py",
        *root.glob("booking/api/**/*.py"),
    ]
    raised = set()
    for source in sources:
        text = source.read_text()
        raised |= set(
            re.findall(r"(?:Conflict|InvalidInput|NotFound|Unprocessable|GreenslotError)\(\s*\"(\w+)\"", text)
        )
        raised |= set(re.findall(r"\"(\w+)\",\s*\"[^\"]+\.\"\)", text))  # DRF_ERRORS and STATUS_CODES rows
    # The API validates these fields itself (invalid_request) before the service could refuse them.
    raised -= {"invalid_coordinates", "invalid_parcel", "invalid_days"}
    # Catch-alls for answers Django itself might give under /api/; no API view produces them.
    raised -= {"forbidden", "error"}
    table = set(re.findall(r"^\| \d{3} \| `(\w+)` \|", GUIDE.read_text(), re.M))
    assert raised - table == set(), "codes missing from the errors table"
    assert {"unauthenticated", "window_unavailable", "payload_too_large", "throttled"} <= table


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.django_db(transaction=True)
def test_the_integration_guide_works_as_written(live_server):
    day1 = local_today() + dt.timedelta(days=1)
    make_world(dates=[day1, day1 + dt.timedelta(days=1)], vehicles=2, capacity=20)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "GREENSLOT_URL": live_server.url,
        "DEPOT": "dep",
        "DATE": day1.isoformat(),
    }
    ran = 0
    for block in sh_blocks():
        if block.startswith("python manage.py "):
            out = io.StringIO()
            call_command(*shlex.split(block)[2:], stdout=out)
            printed = json.loads(out.getvalue())
            env |= {"SECRET_KEY": printed["secret_key"], "PUBLISHABLE_KEY": printed["publishable_key"]}
            continue
        status, code = EXPECTED.search(block).groups()
        # -q: no ~/.curlrc; -w: the status after the body, so the test can read both.
        script = block.replace("curl ", "curl -q -w '\\n%{http_code}' ", 1)
        result = subprocess.run(
            ["bash", "-eu", "-o", "pipefail", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, (block, result.stderr)
        text, _, answered = result.stdout.rpartition("\n")
        assert answered == status, (block, result.stdout[-1000:])
        body = json.loads(text) if text.strip() else None
        if code:
            assert body["code"] == code, body
        env |= captured(block, body)
        ran += 1
    assert ran >= 12


def captured(block: str, body: dict | None) -> dict[str, str]:
    """What a developer takes from this answer for the next steps."""
    if body is None or "code" in body:
        return {}
    if "/api/v1/offers" in block:
        available = [
            (day["date"], w["quote"]) for day in body["days"] for w in day["windows"] if w["available"]
        ]
        first_date, quote = available[0]
        later = next(q for date, q in available if date != first_date)
        return {"QUOTE": quote, "NEW_QUOTE": later}
    if '/api/v1/holds"' in block:
        return {"HOLD_ID": body["id"]}
    if "/confirm" in block:
        return {"BOOKING_ID": body["id"]}
    return {}
