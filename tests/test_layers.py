"""Imports only go down: the layer rule of ``docs/ARCHITECTURE.md``, read from the source.

Every product ``.py`` file is parsed (nothing is imported) and each ``import`` and ``from ...
import`` in it, at module level or inside a function, is resolved to the product module it names.
A model field that names another app's model as ``"app.Model"`` counts as an import of that app's
models. Then:

- a domain module imports only its own app and the apps below it, and no interface module;
- the project package (``greenslot``) is below every app: domain code may import only
  ``PROJECT_MODULES_FOR_DOMAIN`` of it, and those import no app;
- no two product modules import each other, directly or round a longer circle;
- each app's migrations depend only on its own and lower apps' migrations.

Interface modules (admin, views, the API, forms, URLs, template tags, management commands, app
configs) may import any domain module. The tools (``lab/``) are outside the rule.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Domain apps, lowest first: a domain module may import its own app and the apps before it.
LAYERS = ("routing", "emissions", "fleet", "tenants", "pricing", "booking", "dashboards")
PROJECT = "greenslot"
# What domain code may use of the project: the application error type, the one clock and the
# rule on bidirectional controls in text.
PROJECT_MODULES_FOR_DOMAIN = frozenset({"greenslot.errors", "greenslot.clock", "greenslot.text"})
# The project's entry points, which wire everything together and so may import anything.
PROJECT_ENTRY_POINTS = frozenset(
    {
        "greenslot",
        "greenslot.settings",
        "greenslot.urls",
        "greenslot.asgi",
        "greenslot.wsgi",
        "greenslot.celery",
    }
)
# A module with one of these names (or inside a package of that name) is an interface. The widget
# is one: its frame is a page (views, URLs, the frame's access check on the request, throttles).
INTERFACE_PARTS = frozenset(
    {"admin", "api", "apps", "forms", "management", "templatetags", "urls", "views", "widget"}
)
# Tools, outside the rule (``tests/test_layout.py`` checks that the product never imports them).
TOOLS = ("lab",)
MODEL_REFERENCE_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the product module imported
    line: int
    how: str  # "import" or "model reference"

    def __str__(self) -> str:
        path = module_path(self.source)
        path = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        kind = "" if self.how == "import" else f" ({self.how})"
        return f"{path}:{self.line} {self.source} -> {self.target}{kind}"


def product_modules() -> dict[str, Path]:
    """Every module of the apps and the project, by dotted name (a package by its own name)."""
    modules = {}
    for top in (*LAYERS, PROJECT, *{tool.split(".")[0] for tool in TOOLS}):
        for path in sorted((REPO / top).rglob("*.py")) if (REPO / top).is_dir() else ():
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


MODULES = product_modules()


def module_path(name: str) -> Path:
    return MODULES[name]


def is_tool(name: str) -> bool:
    return any(name == tool or name.startswith(tool + ".") for tool in TOOLS)


def app_of(name: str) -> str:
    return name.split(".")[0]


def is_interface(name: str) -> bool:
    return any(part in INTERFACE_PARTS for part in name.split(".")[1:])


def resolve(dotted: str) -> str | None:
    """The product module ``dotted`` names, or the one it lives in (``booking.models.Offer``)."""
    while dotted:
        if dotted in MODULES:
            return dotted
        dotted = dotted.rpartition(".")[0]
    return None


def imports_of(name: str) -> list[Import]:
    """The product modules ``name`` imports anywhere in its file, with the line of each import."""
    path = module_path(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []

    def add(dotted: str, line: int, how: str = "import") -> None:
        target = resolve(dotted)
        if target is not None and target != name:
            found.append(Import(name, target, line, how))

    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                # ``from pkg import mod`` imports the module pkg.mod; ``from mod import name`` mod.
                add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module, node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if (
                called in MODEL_REFERENCE_FIELDS
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and first.value.count(".") == 1
            ):
                add(f"{first.value.split('.')[0]}.models", node.lineno, "model reference")
    return found


def product_imports() -> list[Import]:
    """Imports between product modules, tools left out on both sides."""
    found = {f for name in MODULES if not is_tool(name) for f in imports_of(name) if not is_tool(f.target)}
    return sorted(found, key=lambda f: (f.source, f.target, f.line))


def layer_violation(found: Import) -> str | None:
    """Why ``found`` breaks the layer rule, or None if it keeps it."""
    source, target = found.source, found.target
    source_app, target_app = app_of(source), app_of(target)
    if source_app == PROJECT:
        if source in PROJECT_ENTRY_POINTS or target_app == PROJECT:
            return None
        return "a project module imports no app"
    if is_interface(source):
        return None
    if target_app == PROJECT:
        return (
            None
            if target in PROJECT_MODULES_FOR_DOMAIN
            else "domain code imports only the project's errors and clock"
        )
    if is_interface(target):
        return "a domain module imports an interface module"
    if LAYERS.index(target_app) > LAYERS.index(source_app):
        return f"{source_app} is below {target_app}"
    return None


def violations(imports: list[Import]) -> list[str]:
    return [f"{found}: {why}" for found in imports if (why := layer_violation(found))]


def import_cycles(imports: list[Import]) -> list[list[Import]]:
    """The strongly connected components of the import graph with more than one module, each as
    the imports between its modules (Tarjan's algorithm, iterative)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for found in imports:
        if found.how == "import":
            graph[found.source].add(found.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return [
        sorted(
            (f for f in imports if f.how == "import" and f.source in c and f.target in c),
            key=lambda f: (f.source, f.target, f.line),
        )
        for c in components
    ]


def test_every_module_is_classified():
    assert "booking.models" in MODULES and "routing.insertion" in MODULES
    assert set(LAYERS) <= {app_of(name) for name in MODULES}, "an app of LAYERS has no modules"
    unknown = sorted({app_of(n) for n in MODULES} - {*LAYERS, PROJECT, *(app_of(t) for t in TOOLS)})
    assert not unknown, f"Top-level packages that no layer names: {unknown}"


def test_domain_modules_import_only_their_own_app_and_lower_layers():
    broken = violations(product_imports())

    assert not broken, "Imports that go up a layer:\n" + "\n".join(broken)


def test_no_product_modules_import_each_other_round_a_circle():
    cycles = import_cycles(product_imports())

    assert not cycles, "Import circles (every import between the modules of each circle):\n" + "\n\n".join(
        "\n".join(str(found) for found in cycle) for cycle in cycles
    )


@pytest.mark.parametrize(
    "source, target, line, broken",
    [
        ("fleet.services", "booking.models", "from booking.models import Booking", True),
        (
            "pricing.calculation",
            "booking.services.holds",
            "def f():\n    from booking.services import holds",
            True,
        ),
        ("fleet.adapter", "fleet.admin", "from .admin import PlanGuardedForm", True),
        ("emissions.models", "fleet.models", "x = models.ForeignKey('fleet.Depot', on_delete=None)", True),
        ("routing.plan", "greenslot.settings", "from greenslot import settings", True),
        ("greenslot.errors", "booking.models", "from booking.models import Offer", True),
        ("booking.services.holds", "fleet.services", "from fleet.services import depot_day_lock", False),
        ("booking.services.holds", "greenslot.errors", "from greenslot.errors import Conflict", False),
        ("emissions.admin", "fleet.services", "from fleet.services import fleet_change_apply", False),
        ("greenslot.urls", "booking.views.shopper", "from booking.views import shopper", False),
    ],
)
def test_the_rule_catches_an_import_that_goes_up(monkeypatch, tmp_path, source, target, line, broken):
    """The checks above cannot pass by reading nothing: a planted import is seen and judged."""
    planted = tmp_path / "planted.py"
    planted.write_text(f"from django.db import models\n{line}\n")
    monkeypatch.setitem(MODULES, source, planted)

    found = [f for f in imports_of(source) if f.target == target]

    assert len(found) == 1, imports_of(source)
    assert (layer_violation(found[0]) is not None) == broken


def test_a_planted_circle_is_reported_with_its_imports(monkeypatch, tmp_path):
    planted = tmp_path / "osrm.py"
    planted.write_text(module_path("routing.osrm").read_text() + "\ndef f():\n    from . import backend\n")
    monkeypatch.setitem(MODULES, "routing.osrm", planted)

    cycles = [c for c in import_cycles(product_imports()) if any(f.source == "routing.osrm" for f in c)]

    assert [[f"{f.source} -> {f.target}" for f in cycle] for cycle in cycles] == [
        ["routing.backend -> routing.osrm", "routing.osrm -> routing.backend"]
    ]


def test_migrations_depend_only_on_their_own_and_lower_apps():
    """Fresh databases migrate app by app up the layers; no app's migrations wait on a higher app."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    ranks = {app: rank for rank, app in enumerate(LAYERS)}
    upward = []
    for (app, name), migration in sorted(loader.graph.nodes.items()):
        for parent_app, parent_name in migration.dependencies:
            if app in ranks and parent_app in ranks and ranks[parent_app] > ranks[app]:
                upward.append(f"{app}.{name} depends on {parent_app}.{parent_name}")

    assert not upward, "Migrations that wait on a higher app:\n" + "\n".join(upward)
