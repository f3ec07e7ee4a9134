"""The package's import rules, read from the source (AST): pika only in amqp091/, rich only in output/,
no protocol package from commands/ or cli/ (they go through transport/), and no package the rules
do not know. The README's Architecture section describes the same map."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pulp_amqp_tools"
PROTOCOL_PACKAGES = ("pulp_amqp_tools.amqp091", "pulp_amqp_tools.amqp10")
# Every subpackage, so a new one is placed in the map (and in these rules) on purpose.
KNOWN = {"amqp091", "cli", "commands", "handlers", "loops", "messages", "output", "transport"}
# (what is imported, the only subpackages that may import it)
ONLY_IN = (
    ("pika", ("amqp091",)),
    ("rich", ("output",)),
    ("rich_argparse", ("output",)),
)
NEVER_FROM = (("commands", PROTOCOL_PACKAGES), ("cli", PROTOCOL_PACKAGES))


def imported(source: str) -> set[str]:
    """Every module an import statement names, anywhere in the source (lazy imports in functions too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def names(module: str, top: str) -> bool:
    return module == top or module.startswith(top + ".")


def crossings(subpackage: str, source: str) -> list[str]:
    """What `source`, a module of `subpackage` ("" for the package's own top level), may not import."""
    found = []
    for module in sorted(imported(source)):
        for library, allowed in ONLY_IN:
            if names(module, library) and subpackage not in allowed:
                found.append(f"{module} (only {', '.join(allowed)}/ may)")
        for importer, forbidden in NEVER_FROM:
            if subpackage == importer and any(names(module, protocol) for protocol in forbidden):
                found.append(f"{module} ({importer}/ goes through transport/)")
    return found


def modules() -> list[tuple[str, Path]]:
    return [
        (path.relative_to(PACKAGE).parts[0] if len(path.relative_to(PACKAGE).parts) > 1 else "", path)
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def test_every_module_keeps_the_import_rules() -> None:
    broken = [
        f"{path.relative_to(PACKAGE.parent)}: {problem}"
        for subpackage, path in modules()
        for problem in crossings(subpackage, path.read_text(encoding="utf-8"))
    ]
    assert broken == []


def test_every_subpackage_is_in_the_map() -> None:
    assert {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()} == KNOWN


@pytest.mark.parametrize(
    ("subpackage", "source", "crossing"),
    [
        ("loops", "import pika\n", "pika"),
        ("messages", "def f():\n    from pika.spec import BasicProperties\n", "pika.spec"),
        ("cli", "from rich.console import Console\n", "rich.console"),
        ("cli", "import rich_argparse\n", "rich_argparse"),
        ("commands", "from pulp_amqp_tools.amqp091.bindings import TOPIC\n", "pulp_amqp_tools.amqp091.bindings"),
        ("cli", "from pulp_amqp_tools.amqp10 import session\n", "pulp_amqp_tools.amqp10"),
        ("commands", "from pulp_amqp_tools import amqp091\n", "pulp_amqp_tools.amqp091"),
    ],
)
def test_a_crossing_is_found(subpackage: str, source: str, crossing: str) -> None:
    assert any(problem.startswith(crossing + " ") for problem in crossings(subpackage, source))


def test_allowed_imports_are_not_crossings() -> None:
    assert crossings("amqp091", "import pika\nfrom pika.spec import BasicProperties\n") == []
    assert crossings("output", "from rich.console import Console\nimport rich_argparse\n") == []
    assert crossings("commands", "from pulp_amqp_tools.transport import open_transport\n") == []
    assert crossings("transport", "from pulp_amqp_tools.amqp091.session import Session\n") == []
