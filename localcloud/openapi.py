"""The REST API's OpenAPI document, generated from the typed routes of each microservice.

Each microservice's handler module exposes its Powertools resolver as ``app``
(``enable_validation=True``), whose OpenAPI schema comes from the route signatures.
The schemas are produced in a separate interpreter (``python -m localcloud.openapi
<module>...`` with ``services/`` on the path) so that no service's imports leak into
the caller, then merged into one document.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SERVICES = Path(__file__).resolve().parent.parent / "services"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _schemas_here(modules: Iterable[str]) -> dict[str, Any]:
    schemas = {}
    for module_name in modules:
        module = importlib.import_module(module_name)
        schemas[module_name] = json.loads(module.app.get_openapi_json_schema())
    return schemas


def schemas_of(handler_modules: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{module: openapi schema}`` for each handler module (e.g. ``health.handler``)."""
    env = {**os.environ, "PYTHONPATH": str(SERVICES), "POWERTOOLS_TRACE_DISABLED": "true"}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    result = subprocess.run(
        [sys.executable, "-m", "localcloud.openapi", *handler_modules],
        cwd=SERVICES.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout))


def merge(schemas: dict[str, dict[str, Any]], *, title: str, version: str, server_url: str | None = None) -> dict:
    """One document: every path of every microservice, their component schemas side by side."""
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": {},
        "components": {"schemas": {}},
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    for schema in schemas.values():
        for path, operations in schema.get("paths", {}).items():
            document["paths"].setdefault(path, {}).update(operations)
        document["components"]["schemas"].update(schema.get("components", {}).get("schemas", {}))
    return document


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """``{(METHOD, path)}`` of a document (OPTIONS and HEAD are the gateway's business)."""
    return {
        (method.upper(), path)
        for path, item in document.get("paths", {}).items()
        for method in item
        if method in HTTP_METHODS - {"options", "head"}
    }


if __name__ == "__main__":
    sys.path.insert(0, str(SERVICES))
    json.dump(_schemas_here(sys.argv[1:]), sys.stdout)
