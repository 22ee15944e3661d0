"""How the code is wired: imports run one way, without cycles, and a function ships only its modules.

app -> stacks -> constructs and workflow -> the shared contracts (``core.contracts``) only; services
never import the infrastructure or the local cloud; the local cloud never imports the scripts.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE_PACKAGES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())
INFRASTRUCTURE = ("stacks", "constructs", "workflow")


def _python_files(folder: str) -> Iterator[Path]:
    yield from (p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def _module_of(path: Path) -> str:
    relative = path.relative_to(ROOT / "services" if path.is_relative_to(ROOT / "services") else ROOT)
    parts = list(relative.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports at run time, at any depth (lazy imports count too), by absolute name.

    Imports under ``if TYPE_CHECKING:`` are left out: they name a type for the checker and never run.
    """
    found: set[str] = set()
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def _offending(folder: str, allowed: set[str]) -> dict[str, list[str]]:
    """Imports of first-party code from ``folder`` whose top-level package is not in ``allowed``."""
    first_party = {*INFRASTRUCTURE, "app", "localcloud", "scripts", "tests", "services", *SERVICE_PACKAGES}
    offending = {}
    for path in _python_files(folder):
        bad = sorted(
            name
            for name in _imports(path)
            if _top(name) in first_party - allowed and not name.startswith("constructs.Construct")
        )
        if bad:
            offending[str(path.relative_to(ROOT))] = bad
    return offending


def test_services_import_only_services() -> None:
    assert _offending("services", set(SERVICE_PACKAGES)) == {}


def test_the_infrastructure_imports_only_itself_and_the_shared_contracts() -> None:
    for folder in INFRASTRUCTURE:
        imports = {name for path in _python_files(folder) for name in _imports(path)}
        shared = {name for name in imports if _top(name) in SERVICE_PACKAGES}
        assert shared <= {
            "core",
            "core.contracts",
            *(f"core.contracts.{n}" for n in dir(__import__("core.contracts").contracts)),
        }, (folder, shared)
        assert not {name for name in imports if _top(name) in {"localcloud", "scripts", "app", "services"}}, folder


def test_constructs_and_the_workflow_never_import_a_stack() -> None:
    for folder in ("constructs", "workflow"):
        assert not {n for p in _python_files(folder) for n in _imports(p) if _top(n) == "stacks"}, folder


def test_the_local_cloud_never_imports_the_scripts() -> None:
    assert not {n for p in _python_files("localcloud") for n in _imports(p) if _top(n) == "scripts"}


def test_no_first_party_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    folders = ("services", *INFRASTRUCTURE, "localcloud", "scripts")
    modules = {_module_of(p): p for folder in folders for p in _python_files(folder)} | {"app": ROOT / "app.py"}
    for module, path in modules.items():
        graph[module] = {name for name in _imports(path) if name in modules and name != module}
    cycle = _find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for child in sorted(graph.get(node, ())):
            if state.get(child) == 1:
                return [*path[path.index(child) :], child]
            if child not in state and (found := visit(child)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_functions_code_asset_holds_the_services_modules_only(dev_app) -> None:
    templates = [json.loads(p.read_text()) for p in dev_app.outdir.glob("Api*.template.json")]  # nested ones too
    code_assets = {
        str(r["Properties"]["Code"]["S3Key"]).removesuffix(".zip")
        for template in templates
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and str(r["Properties"].get("Handler", "")).endswith(".lambda_handler")
    }
    assert len(code_assets) == 1, code_assets  # one asset shared by every function
    folder = dev_app.outdir / f"asset.{code_assets.pop()}"
    shipped = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert shipped, "the code asset is empty"
    assert [p for p in shipped if not p.endswith(".py")] == []  # no cache, no requirements, no stray file
    assert {p.split("/", 1)[0] for p in shipped} == set(SERVICE_PACKAGES)


@pytest.mark.parametrize("folder", ["services", "stacks", "constructs", "workflow", "localcloud", "scripts"])
def test_every_folder_is_parsed(folder: str) -> None:
    assert list(_python_files(folder)), folder  # the rules above read something
