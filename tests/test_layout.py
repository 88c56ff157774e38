"""Tools apart: no product module imports ``lab`` (benchmarks, stress, demo, simulation) or ``tests``.

The product is every top-level package of the repository but ``lab`` and ``tests``, and
``manage.py``. Imports are read from the source (``ast``), so a module that is never imported by
the suite is checked too; ``importlib.import_module("lab....")`` with a literal counts as an import.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOOLS = ("lab", "tests")


def product_files() -> list[Path]:
    packages = [
        path.parent
        for path in REPO.glob("*/__init__.py")
        if path.parent.name not in TOOLS and not path.parent.name.startswith(".")
    ]
    return [REPO / "manage.py"] + sorted(file for package in packages for file in package.rglob("*.py"))


def imported_modules(source: str) -> set[str]:
    """The absolute module names ``source`` imports, statically or through a literal import_module."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and node.args:
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
            first = node.args[0]
            if called in ("import_module", "__import__"):
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
                elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                    names.add(str(first.values[0].value))  # f"lab.benchmarks.{name}": its fixed start
    return names


def is_tool(module: str) -> bool:
    return any(module == tool or module.startswith(tool + ".") for tool in TOOLS)


def test_the_import_reader_sees_every_way_of_naming_a_module():
    source = (
        "import lab.stress.run\n"
        "from tests.factories import make_world\n"
        "from . import models\n"
        "import importlib\n"
        "importlib.import_module(f'lab.benchmarks.{name}')\n"
        "__import__('tests')\n"
        "from laboratory import x\n"
    )

    found = imported_modules(source)

    assert {m for m in found if is_tool(m)} == {
        "lab.stress.run",
        "tests.factories",
        "lab.benchmarks.",
        "tests",
    }
    assert not is_tool("laboratory")


def test_no_product_module_imports_lab_or_tests():
    files = product_files()
    assert {path.relative_to(REPO).parts[0] for path in files} >= {
        "booking", "dashboards", "emissions", "fleet", "greenslot", "pricing", "routing", "manage.py",
    }  # fmt: skip

    offending = {
        str(path.relative_to(REPO)): sorted(m for m in imported_modules(path.read_text()) if is_tool(m))
        for path in files
    }

    assert {path: modules for path, modules in offending.items() if modules} == {}
