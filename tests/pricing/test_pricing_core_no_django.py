"""The pricing core of issue 12 is pure: importing it must not import Django (ARCHITECTURE.md)."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PURE = (
    "pricing.calculation",
    "pricing.windows",
    "pricing.labels",
    "pricing.choice",
    "pricing.cost_prices",
    "pricing.bid_prices",
    "fleet.window_costs",
)


@pytest.mark.parametrize("module", PURE)
def test_it_imports_without_django(module):
    script = (
        f"import importlib, sys\nimportlib.import_module({module!r})\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
