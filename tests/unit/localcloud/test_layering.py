"""The local cloud stands on its own: ``scripts`` build on ``localcloud``, never the other way round."""

from __future__ import annotations

import ast
from pathlib import Path

LOCALCLOUD = Path(__file__).resolve().parents[3] / "localcloud"


def imported_modules(source: str) -> set[str]:
    """Every module a source file imports, at the top or inside a function."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_a_lazy_import_of_scripts_is_seen() -> None:
    source = "def seed():\n    from scripts.seed_identity import seed_identity\n"
    assert "scripts.seed_identity" in imported_modules(source)


def test_no_localcloud_module_imports_scripts() -> None:
    offenders = {
        f"{path.relative_to(LOCALCLOUD)}: {module}"
        for path in LOCALCLOUD.rglob("*.py")
        for module in imported_modules(path.read_text(encoding="utf-8"))
        if module == "scripts" or module.startswith("scripts.")
    }
    assert offenders == set()
