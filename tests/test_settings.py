"""Every ``GREENSLOT[...]`` setting the code reads is declared in settings, and every variable the
settings read from the environment is in the README's configuration table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = ROOT / "greenslot" / "settings.py"


def greenslot_keys_read() -> dict[str, list[str]]:
    """Keys read as ``settings.GREENSLOT["X"]`` or ``settings.GREENSLOT.get("X")``, with where."""
    reads: dict[str, list[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/")) or "/migrations/" in relative:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=relative)):
            key = None
            if isinstance(node, ast.Subscript) and is_greenslot(node.value):
                key = node.slice
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and is_greenslot(node.func.value)
                and node.args
            ):
                key = node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                reads.setdefault(key.value, []).append(f"{relative}:{node.lineno}")
    return reads


def is_greenslot(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "GREENSLOT"


def test_every_greenslot_setting_the_code_reads_is_declared():
    reads = greenslot_keys_read()
    assert "HOLD_MINUTES" in reads  # the scan sees reads at all
    undeclared = {key: where for key, where in reads.items() if key not in settings.GREENSLOT}
    assert undeclared == {}, "Declare these in greenslot/settings.py GREENSLOT, with a default"


def test_every_environment_variable_the_settings_read_is_in_the_readme():
    source = SETTINGS_FILE.read_text()
    variables = set(re.findall(r"""(?:environ\.get|environ\[|env_bool)\(?\s*["']([A-Z0-9_]+)["']""", source))
    assert {"CACHE_URL", "GREENSLOT_HOLD_MINUTES", "GREENSLOT_REOPT_AUTO"} <= variables
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`([A-Z0-9_]+)`", readme))
    # The throttle variables share one row: GREENSLOT_RATE_OFFERS, `_OFFERS_IP`, ...
    documented |= {"GREENSLOT_RATE" + suffix for suffix in re.findall(r"`(_[A-Z0-9_]+)`", readme)}
    missing = sorted(variables - documented)
    assert missing == [], f"Add these to the README's configuration table: {missing}"
