"""The simulator is a library like the engine: importing all of it must not import Django."""

import pkgutil
import subprocess
import sys
from pathlib import Path

from lab import simulation

REPO = Path(simulation.__file__).resolve().parents[2]


def test_every_simulation_module_imports_without_django():
    modules = sorted(f"lab.simulation.{m.name}" for m in pkgutil.iter_modules(simulation.__path__))
    assert "lab.simulation.season" in modules and "lab.simulation.experiment" in modules
    script = "import importlib, sys\n"
    script += "".join(f"importlib.import_module({name!r})\n" for name in modules)
    script += "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
    script += "assert not loaded, loaded\n"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
