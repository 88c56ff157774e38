"""Run a Python module in a child process on the test's frozen clock.

A test whose world spans processes (a Celery worker, say) starts the child with
``frozen_python("-m", "celery", ...)`` instead of ``[sys.executable, "-m", "celery", ...]``: the child
travels to the instant the test's clock shows when it starts and ticks on from there, so parent and
child agree on the date whatever the real one is.
"""

from __future__ import annotations

import datetime as dt
import os
import runpy
import sys
from pathlib import Path

from django.utils import timezone


def frozen_python(*args: str) -> list[str]:
    """The command line running ``python ARGS`` at this process's current (frozen) instant."""
    if args[:1] != ("-m",):
        raise ValueError("frozen_python runs modules: frozen_python('-m', 'module', ...)")
    return [sys.executable, str(Path(__file__).resolve()), timezone.now().isoformat(), *args]


def main() -> None:
    import time_machine

    instant, flag, module, *rest = sys.argv[1:]
    assert flag == "-m", flag
    sys.path.insert(0, os.getcwd())  # as `python -m` would have it
    time_machine.travel(dt.datetime.fromisoformat(instant), tick=True).start()
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
