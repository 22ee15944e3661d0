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
    components = document["components"]["schemas"]
    for module, schema in schemas.items():
        for path, operations in schema.get("paths", {}).items():
            document["paths"].setdefault(path, {}).update(operations)
        for name, component in schema.get("components", {}).get("schemas", {}).items():
            # One name, one schema: two services' different models of one name would leave the document describing
            # one route's answer with the other's model (the last merged would win).
            if components.get(name, component) != component:
                raise ValueError(f"{module} and another service both name a different schema {name!r}: rename one")
            components[name] = component
    _link_ids(document)
    return document


def _link_ids(document: dict[str, Any]) -> None:
    """OpenAPI links from each answer that carries an id to the operations of its resource taking that id.

    ``POST /pedidos`` answers an ``order_id``, so it links to ``GET /pedidos/{order_id}``, its ``pago`` and
    ``cancelar``; ``GET /cocina`` lists tickets, so its first ``order_id`` links to ``tomar`` and ``completar``.
    A client (or the fuzzer's stateful phase) follows them from a created item to what can be done with it.
    """
    schemas = document["components"]["schemas"]
    paths = document["paths"]
    for path, item in paths.items():
        for operation in (op for method, op in item.items() if method in HTTP_METHODS):
            for status, response in operation.get("responses", {}).items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if not status.startswith("2") or not schema:
                    continue
                pointers = _id_pointers(schema, schemas)
                links = {
                    target["operationId"]: {
                        "operationId": target["operationId"],
                        "parameters": {name: f"$response.body#{pointers[name]}"},
                    }
                    for target_path, target_item in paths.items()
                    if target_path.split("/")[1] == path.split("/")[1]
                    for name in _single_path_parameter(target_path)
                    if name in pointers
                    for method, target in target_item.items()
                    if method in HTTP_METHODS and "operationId" in target and target is not operation
                }
                if links:
                    response["links"] = links


def _single_path_parameter(path: str) -> list[str]:
    names = [segment[1:-1] for segment in path.split("/") if segment.startswith("{")]
    return names if len(names) == 1 else []


def _id_pointers(schema: dict[str, Any], schemas: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, str]:
    """``{"order_id": "/orders/0/order_id", ...}``: where a response carries ``*_id`` fields (two levels deep)."""
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    found: dict[str, str] = {}
    for name, field in schema.get("properties", {}).items():
        if name.endswith("_id") and "{" not in name:
            found.setdefault(name, f"{prefix}/{name}")
        elif depth < 2 and field.get("type") == "array" and isinstance(field.get("items"), dict):
            nested = _id_pointers(field["items"], schemas, f"{prefix}/{name}/0", depth + 1)
            found.update({k: v for k, v in nested.items() if k not in found})
        elif depth < 2 and ("$ref" in field or field.get("type") == "object"):
            nested = _id_pointers(field, schemas, f"{prefix}/{name}", depth + 1)
            found.update({k: v for k, v in nested.items() if k not in found})
    return found


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
