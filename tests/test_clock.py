"""Time is an input: product code reads the wall clock only through ``greenslot.clock.now``.

A service that reads the real clock on its own is how a fixed test date met the real one and CI
went red the day the calendar passed it. This scans the product's source for the other ways to ask
the time and names each one it finds.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from greenslot import clock

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ["booking", "dashboards", "emissions", "fleet", "pricing", "routing", "tenants", "greenslot"]
CLOCK_MODULE = ROOT / "greenslot" / "clock.py"
# Tools (benchmarks, load harness, demo data) run on the real clock on purpose: they live in lab/,
# which is not scanned.

# (object, attribute) pairs that read the wall clock when called.
CLOCK_READS = {
    ("timezone", "now"),
    ("timezone", "localdate"),
    ("timezone", "localtime"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}


def clock_reads(path: Path) -> list[str]:
    """Calls in ``path`` that read the wall clock (``timezone.localdate(x)`` with an argument is fine)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
        if (owner_name, node.func.attr) not in CLOCK_READS:
            continue
        if node.func.attr in ("localdate", "localtime") and node.args:
            continue
        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {owner_name}.{node.func.attr}()")
    return found


def product_files() -> list[Path]:
    files = []
    for app in PRODUCT:
        for path in sorted((ROOT / app).rglob("*.py")) if (ROOT / app).exists() else []:
            relative = path.relative_to(ROOT).as_posix()
            if path == CLOCK_MODULE or "/migrations/" in relative:
                continue
            files.append(path)
    return files


def test_product_code_reads_the_wall_clock_only_through_greenslot_clock():
    reads = [read for path in product_files() for read in clock_reads(path)]
    assert reads == [], "Read the time through greenslot.clock.now() or take now=:\n" + "\n".join(reads)


def test_the_scan_finds_a_clock_read():
    sample = ROOT / "greenslot" / "_clock_scan_sample.py"
    sample.write_text(
        "import datetime as dt\nfrom django.utils import timezone\n"
        "x = timezone.now()\ny = dt.date.today()\nz = timezone.localdate(x)\n"
    )
    try:
        assert [r.split(": ")[1] for r in clock_reads(sample)] == ["timezone.now()", "date.today()"]
    finally:
        sample.unlink()


def test_the_suite_runs_on_the_frozen_clock(now):
    assert now - dt.timedelta(seconds=0) <= clock.now() < now + dt.timedelta(minutes=10)
    assert timezone.now().date() == now.date()


@pytest.mark.real_clock
def test_a_real_clock_test_cannot_take_the_fixed_now(request):
    with pytest.raises(pytest.UsageError, match="real clock"):
        request.getfixturevalue("now")
