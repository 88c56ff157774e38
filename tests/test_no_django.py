"""The routing engine is a library: importing all of it must not import Django."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import routing

REPO = Path(routing.__file__).resolve().parent.parent


def test_every_routing_module_imports_without_django():
    modules = sorted(f"routing.{m.name}" for m in pkgutil.iter_modules(routing.__path__))
    assert "routing.insertion" in modules and "routing.checker" in modules
    script = "import importlib, sys\n"
    script += "".join(f"importlib.import_module({name!r})\n" for name in modules)
    script += "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
    script += "assert not loaded, loaded\n"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
