"""The engine and the pure modules of the apps above it are libraries: importing them imports no Django.

Fleet's costs, and pricing's terms, prices, widths, labels, choice model and window pricing, and
the nearby-stops scan, are computations over values: callers fetch rows, then call these. Keeping
Django out of them keeps them fast to test and usable from the benchmarks and the simulator alike.
"""

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import routing

REPO = Path(routing.__file__).resolve().parent.parent

PURE_MODULES = (
    *sorted(f"routing.{m.name}" for m in pkgutil.iter_modules(routing.__path__)),
    "fleet.costs",
    "fleet.roster",
    "fleet.window_costs",
    "pricing.bid_prices",
    "pricing.calculation",
    "pricing.choice",
    "pricing.choice_fit",
    "pricing.consolidation",
    "pricing.cost_prices",
    "pricing.default_terms",
    "pricing.labels",
    "pricing.validation",
    "pricing.widths",
    "pricing.windows",
)
PRODUCT_APPS = ("routing", "emissions", "fleet", "tenants", "pricing", "booking", "dashboards", "greenslot")

# Imports each module on its own (product and Django modules loaded by the one before are
# forgotten first) and reports, for each that loads Django, the product modules it brought along.
SCRIPT = """
import importlib, json, sys

def ours(name, apps):
    return name.split(".")[0] in apps or name == "django" or name.startswith("django.")

names, apps = json.loads(sys.argv[1]), tuple(json.loads(sys.argv[2]))
offenders = {}
for name in names:
    before = set(sys.modules)
    try:
        importlib.import_module(name)
        failure = []
    except Exception as error:  # a model imported without settings: Django all the same
        failure = [f"(raised {type(error).__name__})"]
    loaded = set(sys.modules) - before
    if failure or any(m == "django" or m.startswith("django.") for m in loaded):
        offenders[name] = sorted(m for m in loaded if m.split(".")[0] in apps) + failure
    for module in [m for m in loaded if ours(m, apps)]:
        del sys.modules[module]
print(json.dumps(offenders))
"""


def django_loaders(names) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(list(names)), json.dumps(PRODUCT_APPS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_engine_and_the_pure_pricing_modules_import_without_django():
    assert "routing.insertion" in PURE_MODULES and "routing.checker" in PURE_MODULES

    offenders = django_loaders(PURE_MODULES)

    assert not offenders, (
        "Pure modules that import Django (with the product modules they loaded):\n"
        + "\n".join(f"{name}: {', '.join(loaded)}" for name, loaded in offenders.items())
    )


def test_it_names_a_module_that_imports_django():
    offenders = django_loaders(["routing.travel", "greenslot.middleware", "pricing.models", "pricing.labels"])

    assert list(offenders) == ["greenslot.middleware", "pricing.models"]
    assert "greenslot.middleware" in offenders["greenslot.middleware"]
    assert offenders["pricing.models"][-1] == "(raised AppRegistryNotReady)"
