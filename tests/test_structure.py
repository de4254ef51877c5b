"""The house rules that a reader of the code relies on, checked like a lint: handlers get what they need from
Litestar's dependencies (server/deps.py), route modules borrow no private helper of another, and no test
module imports another (shared helpers live in tests/helpers/)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every `from module import name` in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.module or "", alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]


def test_no_route_reads_the_app_state() -> None:
    found = [
        f"{path.name}:{n}"
        for path in sorted((ROOT / "server" / "routes").glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "app.state" in line
    ]
    assert found == [], "take it as a dependency (server/deps.py) instead"


def test_route_modules_import_no_private_helper_of_another() -> None:
    found = [
        f"{path.name}: {module}.{name}"
        for path in sorted((ROOT / "server" / "routes").glob("*.py"))
        for module, name in _imports(path)
        if module.startswith("server.routes") and name.startswith("_")
    ]
    assert found == []


def test_no_test_module_imports_another() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for module, _ in _imports(path)
        if module.split(".")[-1].startswith("test_")
    ]
    assert found == []
